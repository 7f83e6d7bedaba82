# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_wash_global_optspecs
    string join \n o/output= v/verbose q/quiet h/help V/version
end

function __fish_wash_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_wash_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_wash_using_subcommand
    set -l cmd (__fish_wash_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c wash -n "__fish_wash_needs_command" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_needs_command" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_needs_command" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_needs_command" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_needs_command" -f -a "completions" -d 'Print or write shell completion scripts'
complete -c wash -n "__fish_wash_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand completions" -l dir -d 'Write the script into this directory (under the shell\'s usual file name) instead of stdout' -r -F
complete -c wash -n "__fish_wash_using_subcommand completions" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand completions" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand completions" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand completions" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from completions help" -f -a "completions" -d 'Print or write shell completion scripts'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
