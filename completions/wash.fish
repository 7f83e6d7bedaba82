# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_wash_global_optspecs
    string join \n o/output= v/verbose q/quiet experimental h/help V/version
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
complete -c wash -n "__fish_wash_needs_command" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_needs_command" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_needs_command" -f -a "keys" -d 'Generate nkeys and read the key store'
complete -c wash -n "__fish_wash_needs_command" -f -a "claims" -d 'Sign actors, inspect their claims, make tokens'
complete -c wash -n "__fish_wash_needs_command" -f -a "par" -d 'Create, inspect and extend provider archives'
complete -c wash -n "__fish_wash_needs_command" -f -a "reg" -d 'Push and pull actors and provider archives to and from OCI registries'
complete -c wash -n "__fish_wash_needs_command" -f -a "push" -d 'Push an actor module or provider archive to an OCI registry (`reg push`)'
complete -c wash -n "__fish_wash_needs_command" -f -a "pull" -d 'Pull an artifact from an OCI registry into a file (`reg pull`)'
complete -c wash -n "__fish_wash_needs_command" -f -a "inspect" -d 'Show a module\'s claims or a provider archive\'s contents (told apart by content)'
complete -c wash -n "__fish_wash_needs_command" -f -a "drain" -d 'Empty local caches, ours and wash 0.18.1\'s (`wash drain all`)'
complete -c wash -n "__fish_wash_needs_command" -f -a "up" -d 'Start a local lattice: NATS (unless one answers), wadm (when installed) and a host'
complete -c wash -n "__fish_wash_needs_command" -f -a "down" -d 'Stop what `wash up` started'
complete -c wash -n "__fish_wash_needs_command" -f -a "ctl" -d 'Drive the lattice: inventory, start/stop actors and providers, links'
complete -c wash -n "__fish_wash_needs_command" -f -a "app" -d 'Deploy and manage declarative applications (OAM manifests) with wadm'
complete -c wash -n "__fish_wash_needs_command" -f -a "ui" -d 'Serve a live dashboard of the lattice on 127.0.0.1: view, start, link, scale, stop'
complete -c wash -n "__fish_wash_needs_command" -f -a "get" -d 'Query the lattice: hosts, a host\'s inventory, claims, links (`ctl get`)'
complete -c wash -n "__fish_wash_needs_command" -f -a "start" -d 'Start an actor or a provider (`ctl start`)'
complete -c wash -n "__fish_wash_needs_command" -f -a "stop" -d 'Stop an actor, a provider or a host (`ctl stop`)'
complete -c wash -n "__fish_wash_needs_command" -f -a "link" -d 'Put, delete or list link definitions (`ctl link`)'
complete -c wash -n "__fish_wash_needs_command" -f -a "call" -d 'Invoke an operation of a running actor (JSON in, JSON out)'
complete -c wash -n "__fish_wash_needs_command" -f -a "spy" -d 'Watch one actor\'s invocations and replies on the lattice, live'
complete -c wash -n "__fish_wash_needs_command" -f -a "ctx" -d 'Manage contexts: named lattice connection settings, one of them the default'
complete -c wash -n "__fish_wash_needs_command" -f -a "new" -d 'Scaffold an actor, provider or interface project from a template'
complete -c wash -n "__fish_wash_needs_command" -f -a "build" -d 'Compile a project (wasmcloud.toml), then sign the actor or pack the provider'
complete -c wash -n "__fish_wash_needs_command" -f -a "dev" -d 'Build, start and hot-swap an actor project on a local lattice as its sources change'
complete -c wash -n "__fish_wash_needs_command" -f -a "gen" -d 'Generate Rust bindings from Smithy models (codegen.toml)'
complete -c wash -n "__fish_wash_needs_command" -f -a "validate" -d 'Check Smithy models and print every error with its line and column'
complete -c wash -n "__fish_wash_needs_command" -f -a "lint" -d 'Report style issues in Smithy models: naming conventions, unwelcome terms'
complete -c wash -n "__fish_wash_needs_command" -f -a "completions" -d 'Print or write shell completion scripts'
complete -c wash -n "__fish_wash_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand keys; and not __fish_seen_subcommand_from gen get list help" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand keys; and not __fish_seen_subcommand_from gen get list help" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand keys; and not __fish_seen_subcommand_from gen get list help" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand keys; and not __fish_seen_subcommand_from gen get list help" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand keys; and not __fish_seen_subcommand_from gen get list help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand keys; and not __fish_seen_subcommand_from gen get list help" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand keys; and not __fish_seen_subcommand_from gen get list help" -f -a "gen" -d 'Generate a key pair and print its public key and seed (nothing is written)'
complete -c wash -n "__fish_wash_using_subcommand keys; and not __fish_seen_subcommand_from gen get list help" -f -a "get" -d 'Print the seed stored under a name'
complete -c wash -n "__fish_wash_using_subcommand keys; and not __fish_seen_subcommand_from gen get list help" -f -a "list" -d 'List the names of the stored keys'
complete -c wash -n "__fish_wash_using_subcommand keys; and not __fish_seen_subcommand_from gen get list help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from gen" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from gen" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from gen" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from gen" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from gen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from gen" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from get" -s d -l directory -d 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]' -r -F
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from get" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from get" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from get" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from get" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from get" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from list" -s d -l directory -d 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]' -r -F
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from list" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from list" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "gen" -d 'Generate a key pair and print its public key and seed (nothing is written)'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "get" -d 'Print the seed stored under a name'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the names of the stored keys'
complete -c wash -n "__fish_wash_using_subcommand keys; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand claims; and not __fish_seen_subcommand_from sign inspect token help" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand claims; and not __fish_seen_subcommand_from sign inspect token help" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand claims; and not __fish_seen_subcommand_from sign inspect token help" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand claims; and not __fish_seen_subcommand_from sign inspect token help" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand claims; and not __fish_seen_subcommand_from sign inspect token help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand claims; and not __fish_seen_subcommand_from sign inspect token help" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand claims; and not __fish_seen_subcommand_from sign inspect token help" -f -a "sign" -d 'Sign a WebAssembly module: embed a `wasmcloud_jwt` section with the actor\'s claims'
complete -c wash -n "__fish_wash_using_subcommand claims; and not __fish_seen_subcommand_from sign inspect token help" -f -a "inspect" -d 'Show (and verify) the claims embedded in a signed module'
complete -c wash -n "__fish_wash_using_subcommand claims; and not __fish_seen_subcommand_from sign inspect token help" -f -a "token" -d 'Make a standalone signed token'
complete -c wash -n "__fish_wash_using_subcommand claims; and not __fish_seen_subcommand_from sign inspect token help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s n -l name -d 'The actor\'s display name' -r
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s c -l cap -d 'Another capability id (repeatable), e.g. `-c wasmcloud:builtin:numbergen`' -r
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s t -l tag -d 'A tag (repeatable)' -r
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s r -l rev -d 'Revision number' -r
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s v -l ver -d 'Version string, e.g. `0.1.0`' -r
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s a -l call-alias -d 'Call alias: lowercase letters, digits, `_` and `/`' -r
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s d -l destination -d 'Where to write the signed module [default: `<stem>_s.wasm` next to the input]' -r -F
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s x -l expires-in-days -l expires -d 'The token expires this many days from now' -r
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s b -l not-before-days -l nbf -d 'The token is not valid until this many days from now' -r
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s i -l issuer -d 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]' -r
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s s -l subject -d 'Subject key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]' -r
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -l directory -d 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]' -r -F
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s k -l keyvalue -d 'Capability: key-value store (wasmcloud:keyvalue)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s g -l msg -d 'Capability: messaging (wasmcloud:messaging)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -l http_client -l http-client -d 'Capability: HTTP client (wasmcloud:httpclient)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s q -l http_server -l http-server -d 'Capability: HTTP server (wasmcloud:httpserver)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s f -l blob_store -l blob-store -d 'Capability: blob store (wasmcloud:blobstore)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s l -l logging -d 'Capability: logging (wasmcloud:builtin:logging)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s e -l events -d 'Capability: event streams (wasmcloud:eventstreams)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s z -l extras -d 'Accepted for wash 0.x scripts, which had it; grants nothing (as in wash 0.x)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s p -l prov -d 'Mark the module as a capability provider (at most one capability)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -l disable-keygen -d 'Fail instead of generating a key that is not found'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -l verbose -d 'More logging on stderr (`--verbose` debug, twice trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from sign" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from inspect" -s d -l digest -d 'For an OCI reference: the manifest digest the artifact must have' -r
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from inspect" -s u -l user -d 'User name for the registry' -r
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from inspect" -s p -l password -d 'Password for the registry (never printed)' -r
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from inspect" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from inspect" -l jwt-only -d 'Print only the raw JWT'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from inspect" -l verify -d 'Fail (exit 1) when the claims are expired or not yet valid; without it they are shown, marked as such'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from inspect" -l allow-latest -d 'For an OCI reference: allow the `latest` tag and references without a tag'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from inspect" -l insecure -d 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from inspect" -l no-cache -d 'For an OCI reference: neither read nor fill the OCI cache (always download)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from inspect" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from inspect" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from inspect" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from inspect" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from token" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from token" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from token" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from token" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from token" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from token" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from token" -f -a "actor" -d 'An actor token (no module), signed by an account for a module key, with the flags of `claims sign`'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from token" -f -a "account" -d 'An account token, signed by an operator (`--issuer`) for an account (`--subject`)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from token" -f -a "operator" -d 'An operator token (self-signed by `--issuer`)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from token" -f -a "provider" -d 'A capability provider token, signed by an account for a service key'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from token" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from help" -f -a "sign" -d 'Sign a WebAssembly module: embed a `wasmcloud_jwt` section with the actor\'s claims'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from help" -f -a "inspect" -d 'Show (and verify) the claims embedded in a signed module'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from help" -f -a "token" -d 'Make a standalone signed token'
complete -c wash -n "__fish_wash_using_subcommand claims; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand par; and not __fish_seen_subcommand_from create inspect insert help" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand par; and not __fish_seen_subcommand_from create inspect insert help" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand par; and not __fish_seen_subcommand_from create inspect insert help" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand par; and not __fish_seen_subcommand_from create inspect insert help" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand par; and not __fish_seen_subcommand_from create inspect insert help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand par; and not __fish_seen_subcommand_from create inspect insert help" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand par; and not __fish_seen_subcommand_from create inspect insert help" -f -a "create" -d 'Create a provider archive from one binary'
complete -c wash -n "__fish_wash_using_subcommand par; and not __fish_seen_subcommand_from create inspect insert help" -f -a "inspect" -d 'Show (and verify) a provider archive'
complete -c wash -n "__fish_wash_using_subcommand par; and not __fish_seen_subcommand_from create inspect insert help" -f -a "insert" -d 'Add or replace the binary for one target in an archive (re-signs it)'
complete -c wash -n "__fish_wash_using_subcommand par; and not __fish_seen_subcommand_from create inspect insert help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -s c -l capid -d 'Capability contract id, e.g. `wasmcloud:keyvalue`' -r
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -s v -l vendor -d 'Vendor name' -r
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -s n -l name -d 'Display name' -r
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -s a -l arch -d 'Target of the binary, `<arch>-<os>` (e.g. `x86_64-linux`)' -r
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -s b -l binary -d 'The provider executable' -r -F
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -s r -l revision -d 'Revision number' -r
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -l version -d 'Version string' -r
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -l schema -d 'JSON schema of the provider\'s link configuration' -r -F
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -l destination -d 'Output file, used as given [default: `<binary stem>.par`, `.par.gz` with `--compress`]' -r -F
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -s i -l issuer -d 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]' -r
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -s s -l subject -d 'Subject (service) key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]' -r
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -s d -l directory -d 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]' -r -F
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -l compress -d 'Gzip the archive (the default name becomes `<binary stem>.par.gz`)'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -l disable-keygen -d 'Fail instead of generating a key that is not found'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -l verbose -d 'More logging on stderr (`--verbose` debug, twice trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from inspect" -s d -l digest -d 'For an OCI reference: the manifest digest the artifact must have' -r
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from inspect" -s u -l user -d 'User name for the registry' -r
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from inspect" -s p -l password -d 'Password for the registry (never printed)' -r
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from inspect" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from inspect" -l allow-latest -d 'For an OCI reference: allow the `latest` tag and references without a tag'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from inspect" -l insecure -d 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from inspect" -l no-cache -d 'For an OCI reference: neither read nor fill the OCI cache (always download)'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from inspect" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from inspect" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from inspect" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from inspect" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from insert" -s a -l arch -d 'Target of the binary, `<arch>-<os>`' -r
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from insert" -s b -l binary -d 'The executable for that target' -r -F
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from insert" -s i -l issuer -d 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]' -r
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from insert" -s s -l subject -d 'Subject (service) key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]' -r
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from insert" -s d -l directory -d 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]' -r -F
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from insert" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from insert" -l disable-keygen -d 'Fail instead of generating a key that is not found'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from insert" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from insert" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from insert" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from insert" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from insert" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a provider archive from one binary'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from help" -f -a "inspect" -d 'Show (and verify) a provider archive'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from help" -f -a "insert" -d 'Add or replace the binary for one target in an archive (re-signs it)'
complete -c wash -n "__fish_wash_using_subcommand par; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand reg; and not __fish_seen_subcommand_from push pull ping login logout help" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand reg; and not __fish_seen_subcommand_from push pull ping login logout help" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand reg; and not __fish_seen_subcommand_from push pull ping login logout help" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand reg; and not __fish_seen_subcommand_from push pull ping login logout help" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand reg; and not __fish_seen_subcommand_from push pull ping login logout help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand reg; and not __fish_seen_subcommand_from push pull ping login logout help" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand reg; and not __fish_seen_subcommand_from push pull ping login logout help" -f -a "push" -d 'Push an actor module or provider archive (told apart by content)'
complete -c wash -n "__fish_wash_using_subcommand reg; and not __fish_seen_subcommand_from push pull ping login logout help" -f -a "pull" -d 'Pull an artifact into a file, checking every digest'
complete -c wash -n "__fish_wash_using_subcommand reg; and not __fish_seen_subcommand_from push pull ping login logout help" -f -a "ping" -d 'Check that a registry answers (with credentials, if it wants them)'
complete -c wash -n "__fish_wash_using_subcommand reg; and not __fish_seen_subcommand_from push pull ping login logout help" -f -a "login" -d 'Check credentials against a registry and store them (0600) for later pushes and pulls'
complete -c wash -n "__fish_wash_using_subcommand reg; and not __fish_seen_subcommand_from push pull ping login logout help" -f -a "logout" -d 'Forget the stored credentials of a registry'
complete -c wash -n "__fish_wash_using_subcommand reg; and not __fish_seen_subcommand_from push pull ping login logout help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from push" -s c -l config -d 'A file to use as the config blob [default: `{}`]' -r -F
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from push" -s a -l annotation -d 'A manifest annotation `key=value` (repeatable)' -r
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from push" -s u -l user -d 'User name for the registry' -r
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from push" -s p -l password -d 'Password for the registry (never printed)' -r
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from push" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from push" -l allow-latest -d 'Allow the `latest` tag (also what a reference without a tag means)'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from push" -l insecure -d 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from push" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from push" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from push" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from push" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from push" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from pull" -s d -l digest -d 'The manifest digest the artifact must have; when cached, no network is used' -r
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from pull" -l destination -d 'Output file [default: `<repository name>.wasm` or `.par.gz` in the current folder]' -r -F
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from pull" -s u -l user -d 'User name for the registry' -r
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from pull" -s p -l password -d 'Password for the registry (never printed)' -r
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from pull" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from pull" -l allow-latest -d 'Allow the `latest` tag and references without a tag'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from pull" -l offline -d 'Use only the cache: tags last pulled and digests, no network'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from pull" -l insecure -d 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from pull" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from pull" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from pull" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from pull" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from pull" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from ping" -s u -l user -d 'User name for the registry' -r
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from ping" -s p -l password -d 'Password for the registry (never printed)' -r
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from ping" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from ping" -l insecure -d 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from ping" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from ping" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from ping" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from ping" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from ping" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from login" -s u -l user -d 'User name for the registry' -r
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from login" -s p -l password -d 'Password for the registry (never printed)' -r
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from login" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from login" -l password-stdin -d 'Read the password from stdin instead of `--password`'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from login" -l insecure -d 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from login" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from login" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from login" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from login" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from logout" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from logout" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from logout" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from logout" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from logout" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from help" -f -a "push" -d 'Push an actor module or provider archive (told apart by content)'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from help" -f -a "pull" -d 'Pull an artifact into a file, checking every digest'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from help" -f -a "ping" -d 'Check that a registry answers (with credentials, if it wants them)'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from help" -f -a "login" -d 'Check credentials against a registry and store them (0600) for later pushes and pulls'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from help" -f -a "logout" -d 'Forget the stored credentials of a registry'
complete -c wash -n "__fish_wash_using_subcommand reg; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand push" -s c -l config -d 'A file to use as the config blob [default: `{}`]' -r -F
complete -c wash -n "__fish_wash_using_subcommand push" -s a -l annotation -d 'A manifest annotation `key=value` (repeatable)' -r
complete -c wash -n "__fish_wash_using_subcommand push" -s u -l user -d 'User name for the registry' -r
complete -c wash -n "__fish_wash_using_subcommand push" -s p -l password -d 'Password for the registry (never printed)' -r
complete -c wash -n "__fish_wash_using_subcommand push" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand push" -l allow-latest -d 'Allow the `latest` tag (also what a reference without a tag means)'
complete -c wash -n "__fish_wash_using_subcommand push" -l insecure -d 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)'
complete -c wash -n "__fish_wash_using_subcommand push" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand push" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand push" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand push" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand push" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand pull" -s d -l digest -d 'The manifest digest the artifact must have; when cached, no network is used' -r
complete -c wash -n "__fish_wash_using_subcommand pull" -l destination -d 'Output file [default: `<repository name>.wasm` or `.par.gz` in the current folder]' -r -F
complete -c wash -n "__fish_wash_using_subcommand pull" -s u -l user -d 'User name for the registry' -r
complete -c wash -n "__fish_wash_using_subcommand pull" -s p -l password -d 'Password for the registry (never printed)' -r
complete -c wash -n "__fish_wash_using_subcommand pull" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand pull" -l allow-latest -d 'Allow the `latest` tag and references without a tag'
complete -c wash -n "__fish_wash_using_subcommand pull" -l offline -d 'Use only the cache: tags last pulled and digests, no network'
complete -c wash -n "__fish_wash_using_subcommand pull" -l insecure -d 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)'
complete -c wash -n "__fish_wash_using_subcommand pull" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand pull" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand pull" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand pull" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand pull" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand inspect" -s d -l digest -d 'For an OCI reference: the manifest digest the artifact must have' -r
complete -c wash -n "__fish_wash_using_subcommand inspect" -s u -l user -d 'User name for the registry' -r
complete -c wash -n "__fish_wash_using_subcommand inspect" -s p -l password -d 'Password for the registry (never printed)' -r
complete -c wash -n "__fish_wash_using_subcommand inspect" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand inspect" -l jwt-only -d 'Print only the raw JWT'
complete -c wash -n "__fish_wash_using_subcommand inspect" -l verify -d 'Fail (exit 1) when the claims are expired or not yet valid; without it they are shown, marked as such'
complete -c wash -n "__fish_wash_using_subcommand inspect" -l allow-latest -d 'For an OCI reference: allow the `latest` tag and references without a tag'
complete -c wash -n "__fish_wash_using_subcommand inspect" -l insecure -d 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)'
complete -c wash -n "__fish_wash_using_subcommand inspect" -l no-cache -d 'For an OCI reference: neither read nor fill the OCI cache (always download)'
complete -c wash -n "__fish_wash_using_subcommand inspect" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand inspect" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand inspect" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand inspect" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand drain; and not __fish_seen_subcommand_from all lib oci smithy downloads help" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand drain; and not __fish_seen_subcommand_from all lib oci smithy downloads help" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand drain; and not __fish_seen_subcommand_from all lib oci smithy downloads help" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand drain; and not __fish_seen_subcommand_from all lib oci smithy downloads help" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand drain; and not __fish_seen_subcommand_from all lib oci smithy downloads help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand drain; and not __fish_seen_subcommand_from all lib oci smithy downloads help" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand drain; and not __fish_seen_subcommand_from all lib oci smithy downloads help" -f -a "all" -d 'Empty every cache below: lib, oci, smithy, downloads'
complete -c wash -n "__fish_wash_using_subcommand drain; and not __fish_seen_subcommand_from all lib oci smithy downloads help" -f -a "lib" -d 'Remove extracted provider binaries and compiled actors (ours and wash 0.18.1\'s)'
complete -c wash -n "__fish_wash_using_subcommand drain; and not __fish_seen_subcommand_from all lib oci smithy downloads help" -f -a "oci" -d 'Remove every cached OCI manifest and layer (ours and wash 0.18.1\'s)'
complete -c wash -n "__fish_wash_using_subcommand drain; and not __fish_seen_subcommand_from all lib oci smithy downloads help" -f -a "smithy" -d 'Remove wash 0.18.1\'s cached Smithy models'
complete -c wash -n "__fish_wash_using_subcommand drain; and not __fish_seen_subcommand_from all lib oci smithy downloads help" -f -a "downloads" -d 'Remove what wash 0.18.1\'s `up` downloaded, with its logs and pid files'
complete -c wash -n "__fish_wash_using_subcommand drain; and not __fish_seen_subcommand_from all lib oci smithy downloads help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from all" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from all" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from all" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from all" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from all" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from all" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from lib" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from lib" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from lib" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from lib" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from lib" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from lib" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from oci" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from oci" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from oci" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from oci" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from oci" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from oci" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from smithy" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from smithy" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from smithy" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from smithy" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from smithy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from smithy" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from downloads" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from downloads" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from downloads" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from downloads" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from downloads" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from downloads" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from help" -f -a "all" -d 'Empty every cache below: lib, oci, smithy, downloads'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from help" -f -a "lib" -d 'Remove extracted provider binaries and compiled actors (ours and wash 0.18.1\'s)'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from help" -f -a "oci" -d 'Remove every cached OCI manifest and layer (ours and wash 0.18.1\'s)'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from help" -f -a "smithy" -d 'Remove wash 0.18.1\'s cached Smithy models'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from help" -f -a "downloads" -d 'Remove what wash 0.18.1\'s `up` downloaded, with its logs and pid files'
complete -c wash -n "__fish_wash_using_subcommand drain; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand up" -l nats-url -d 'Connect to this NATS server instead of finding or starting one (e.g. nats://10.0.0.5:4222, tls://…; `nats://user:password@host:port` for a user/password server — better in `$WASH_NATS_URL` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l nats-host -d 'Host of the NATS server (one is started on 127.0.0.1 or localhost when none answers)' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l nats-port -d 'Port of the NATS server (started there when nothing answers)' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l nats-remote-url -d 'Start the local NATS server as a leaf node of this remote (its leaf-node URL, e.g. nats-leaf://hub.example:7422 or tls://connect.ngs.global)' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l nats-credsfile -d 'NATS credentials file the leaf node logs in to --nats-remote-url with' -r -F
complete -c wash -n "__fish_wash_using_subcommand up" -l nats-js-domain -d 'JetStream domain of the NATS server `wash up` starts' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l nats-version -d 'The version the started nats-server must be (wash does not download it: it checks the installed one and fails when it differs)' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l rpc-host -d 'NATS host the host uses for RPC [default: --nats-host]; our host has one connection for RPC and the control interface, so it must match --ctl-host' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l rpc-port -d 'NATS port for RPC [default: --nats-port]; must match --ctl-port' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l ctl-host -d 'NATS host of the control interface [default: --nats-host]; must match --rpc-host' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l ctl-port -d 'NATS port of the control interface [default: --nats-port]; must match --rpc-port' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l prov-rpc-host -d 'NATS host given to providers [default: the host\'s own NATS]' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l prov-rpc-port -d 'NATS port given to providers [default: the host\'s own NATS]' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l rpc-jwt -r
complete -c wash -n "__fish_wash_using_subcommand up" -l rpc-seed -r
complete -c wash -n "__fish_wash_using_subcommand up" -l rpc-credsfile -r -F
complete -c wash -n "__fish_wash_using_subcommand up" -l ctl-jwt -r
complete -c wash -n "__fish_wash_using_subcommand up" -l ctl-seed -r
complete -c wash -n "__fish_wash_using_subcommand up" -l ctl-credsfile -r -F
complete -c wash -n "__fish_wash_using_subcommand up" -l prov-rpc-jwt -r
complete -c wash -n "__fish_wash_using_subcommand up" -l prov-rpc-seed -r
complete -c wash -n "__fish_wash_using_subcommand up" -l prov-rpc-credsfile -r -F
complete -c wash -n "__fish_wash_using_subcommand up" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots), for the host and the providers it starts' -r -F
complete -c wash -n "__fish_wash_using_subcommand up" -s x -l lattice -l lattice-prefix -d 'Lattice id (wash 0.18.1\'s lattice prefix)' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l lattice-replicas -d 'Replicas of the lattice\'s JetStream bucket (links, claims) when this host creates it: 3 on a three-node NATS cluster keeps them through the loss of a node' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l ctl-topic-prefix -d 'Subject prefix of the host\'s control interface, in place of `wasmbus.ctl`' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l host-seed -d 'Host seed (SN…); a new one is generated when absent' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l cluster-seed -d 'Cluster seed (SC…) invocations are signed with; reused from the default context, else generated' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l cluster-issuers -d 'Further trusted cluster public keys (C…), comma-separated' -r
complete -c wash -n "__fish_wash_using_subcommand up" -s l -l label -d 'A host label, KEY=VALUE (repeatable)' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l rpc-timeout-ms -d 'RPC timeout in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l allowed-insecure -d 'Registries that may be reached over plain HTTP, comma-separated' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l max-actor-memory -d 'Largest linear memory one actor instance may grow to: bytes, or with KiB/MiB/GiB [default: 256MiB]. An actor growing past it traps with an out-of-memory error' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l wasmcloud-js-domain -d 'JetStream domain the host keeps its lattice data in [default: the NATS server\'s own]' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l allow-file-load -d 'Whether actors and providers may be started from files (`false`: OCI references only)' -r -f -a "true\t''
false\t''"
complete -c wash -n "__fish_wash_using_subcommand up" -l provider-delay -d 'Milliseconds between asking a provider to shut down and killing it [default: 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l log-level -l structured-log-level -d 'Log level of the host and its providers (error, warn, info, debug, trace) [default: info in the background host\'s log; in the foreground, what -v says]; RUST_LOG wins' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l wasmcloud-version -d 'Refused: the host is built into wash; no other wasmCloud version can be run' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l wadm-version -d 'The wadm version that must run: wash does not download wadm, so another installed version is refused' -r
complete -c wash -n "__fish_wash_using_subcommand up" -l dashboard-port -d 'Refused: our host has no dashboard; `wash ui` serves one' -r
complete -c wash -n "__fish_wash_using_subcommand up" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand up" -s d -l detached -l detach -d 'Run in the background; `wash down` stops it'
complete -c wash -n "__fish_wash_using_subcommand up" -l nats-connect-only -d 'Never start a NATS server: fail when none answers at --nats-host/--nats-port'
complete -c wash -n "__fish_wash_using_subcommand up" -l rpc-tls
complete -c wash -n "__fish_wash_using_subcommand up" -l ctl-tls
complete -c wash -n "__fish_wash_using_subcommand up" -l prov-rpc-tls
complete -c wash -n "__fish_wash_using_subcommand up" -l allow-latest -d 'Allow pulling OCI references tagged `latest` (or untagged)'
complete -c wash -n "__fish_wash_using_subcommand up" -l enable-structured-logging -d 'Write the host\'s log as JSON lines'
complete -c wash -n "__fish_wash_using_subcommand up" -l enable-ipv6 -d 'Accepted: our host reaches NATS over IPv6 or IPv4 addresses alike'
complete -c wash -n "__fish_wash_using_subcommand up" -l wasmcloud-start-only -d 'Accepted: our host is built into wash and never downloaded'
complete -c wash -n "__fish_wash_using_subcommand up" -l disable-wadm -d 'Do not start wadm (the application deployment manager `wash app` talks to) beside the host'
complete -c wash -n "__fish_wash_using_subcommand up" -l config-service-enabled -d 'Refused: our host has no config-service client'
complete -c wash -n "__fish_wash_using_subcommand up" -l background-host -d '(internal) run as the background host process of `wash up --detached`'
complete -c wash -n "__fish_wash_using_subcommand up" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand up" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand up" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand up" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand down" -l host-id -d 'Stop this host of the lattice (through its control interface)' -r
complete -c wash -n "__fish_wash_using_subcommand down" -s x -l lattice-prefix -l lattice -d 'Lattice whose hosts are stopped [default: from the default context, where `wash up` records it]' -r
complete -c wash -n "__fish_wash_using_subcommand down" -l ctl-host -d 'NATS host of the control interface [default: from the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand down" -l ctl-port -d 'NATS port of the control interface [default: from the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand down" -l ctl-jwt -d 'NATS user JWT (or a file holding it); needs --ctl-seed' -r
complete -c wash -n "__fish_wash_using_subcommand down" -l ctl-seed -d 'NATS user seed (or a file holding it)' -r
complete -c wash -n "__fish_wash_using_subcommand down" -l ctl-credsfile -d 'NATS credentials file' -r -F
complete -c wash -n "__fish_wash_using_subcommand down" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand down" -l all -d 'Stop every host of the lattice'
complete -c wash -n "__fish_wash_using_subcommand down" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand down" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand down" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand down" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand down" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -f -a "get" -d 'Query the lattice: hosts, a host\'s inventory, claims, links'
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -f -a "start" -d 'Start an actor or a provider'
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -f -a "stop" -d 'Stop an actor, a provider or a host'
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -f -a "link" -d 'Put, delete or list link definitions'
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -f -a "scale" -d 'Set the number of instances of an actor on a host'
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -f -a "update" -d 'Live-update a running actor to a new module (same actor key, e.g. a new revision)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -f -a "apply" -d 'Start the actors and providers of a host manifest on a host and put its links (wash 0.x)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and not __fish_seen_subcommand_from get start stop link scale update apply help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -f -a "hosts" -d 'Every host that answers a ping'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -f -a "inventory" -d 'What runs on a host (the only host when none is given)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -f -a "claims" -d 'Claims of every actor and provider seen by the lattice'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -f -a "links" -d 'Every link definition (same as `wash ctl link query`)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from get" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -f -a "actor" -d 'Start actor instances from a signed module (a path, file:// URL or OCI reference)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -f -a "provider" -d 'Start a provider instance from a provider archive (.par.gz)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from start" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -f -a "actor" -d 'Stop instances of an actor: `<actor-id>`, or wash 0.x\'s `<host-id> <actor-id>`'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -f -a "provider" -d 'Stop a provider instance: `<provider-id>`, or wash 0.x\'s `<host-id> <provider-id> <link-name> <contract-id>`'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -f -a "host" -d 'Stop a host (and everything on it)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from stop" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -f -a "put" -d 'Link an actor to a provider for a contract, with KEY=VALUE settings'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -f -a "del" -d 'Delete the link of an actor for a contract'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -f -a "query" -d 'List every link definition'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from link" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -f -a "actor" -d 'Run exactly `--count` instances of an actor (0 stops all), starting from the reference if needed'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from scale" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -f -a "actor" -d 'Replace the module of a running actor'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from update" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -l wait-timeout-ms -d 'How long to wait for each start to be reported, in milliseconds (allow for downloads)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -s e -l expand-env -d 'Replace `${VAR}` and `${VAR:default}` in the manifest with environment variables first'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from apply" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from help" -f -a "get" -d 'Query the lattice: hosts, a host\'s inventory, claims, links'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from help" -f -a "start" -d 'Start an actor or a provider'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Stop an actor, a provider or a host'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from help" -f -a "link" -d 'Put, delete or list link definitions'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from help" -f -a "scale" -d 'Set the number of instances of an actor on a host'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from help" -f -a "update" -d 'Live-update a running actor to a new module (same actor key, e.g. a new revision)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from help" -f -a "apply" -d 'Start the actors and providers of a host manifest on a host and put its links (wash 0.x)'
complete -c wash -n "__fish_wash_using_subcommand ctl; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -f -a "list" -d 'List the applications wadm knows, with their newest and deployed versions and status'
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -f -a "get" -d 'Print one version of an application\'s manifest (the newest by default), as YAML'
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -f -a "history" -d 'List the versions of an application, oldest first'
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -f -a "put" -d 'Store a manifest (YAML or JSON) as a new version of its application, without deploying it'
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -f -a "del" -d 'Delete one version of an application, or all of them with `--delete-all` (which undeploys it)'
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -f -a "delete" -d 'Delete one version of an application, or all of them with `--delete-all` (which undeploys it)'
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -f -a "deploy" -d 'Deploy an application: wadm starts what its manifest describes and keeps it so'
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -f -a "undeploy" -d 'Undeploy an application: wadm stops managing it and stops what it started'
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -f -a "status" -d 'Show an application\'s deployment status, per component and trait'
complete -c wash -n "__fish_wash_using_subcommand app; and not __fish_seen_subcommand_from list get history put del delete deploy undeploy status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from get" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from history" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from put" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -l delete-all -d 'Delete every version (and undeploy the application)'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from del" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -l delete-all -d 'Delete every version (and undeploy the application)'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -s f -l force -d 'With a manifest file whose version wadm already stores: replace that version'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from deploy" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -l non-destructive -d 'Leave what the application started running'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from undeploy" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the applications wadm knows, with their newest and deployed versions and status'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from help" -f -a "get" -d 'Print one version of an application\'s manifest (the newest by default), as YAML'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from help" -f -a "history" -d 'List the versions of an application, oldest first'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from help" -f -a "put" -d 'Store a manifest (YAML or JSON) as a new version of its application, without deploying it'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from help" -f -a "del" -d 'Delete one version of an application, or all of them with `--delete-all` (which undeploys it)'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from help" -f -a "deploy" -d 'Deploy an application: wadm starts what its manifest describes and keeps it so'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from help" -f -a "undeploy" -d 'Undeploy an application: wadm stops managing it and stops what it started'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show an application\'s deployment status, per component and trait'
complete -c wash -n "__fish_wash_using_subcommand app; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand ui" -l port -d 'Port on 127.0.0.1 to serve the dashboard on (0 picks a free one)' -r
complete -c wash -n "__fish_wash_using_subcommand ui" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand ui" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand ui" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand ui" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand ui" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ui" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand ui" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand ui" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand ui" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand ui" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand ui" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand ui" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ui" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand ui" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand ui" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand ui" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand ui" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand ui" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand ui" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand ui" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -f -a "hosts" -d 'Every host that answers a ping'
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -f -a "inventory" -d 'What runs on a host (the only host when none is given)'
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -f -a "claims" -d 'Claims of every actor and provider seen by the lattice'
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -f -a "links" -d 'Every link definition (same as `wash ctl link query`)'
complete -c wash -n "__fish_wash_using_subcommand get; and not __fish_seen_subcommand_from hosts inventory claims links help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from hosts" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from inventory" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from claims" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from links" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from help" -f -a "hosts" -d 'Every host that answers a ping'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from help" -f -a "inventory" -d 'What runs on a host (the only host when none is given)'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from help" -f -a "claims" -d 'Claims of every actor and provider seen by the lattice'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from help" -f -a "links" -d 'Every link definition (same as `wash ctl link query`)'
complete -c wash -n "__fish_wash_using_subcommand get; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -f -a "actor" -d 'Start actor instances from a signed module (a path, file:// URL or OCI reference)'
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -f -a "provider" -d 'Start a provider instance from a provider archive (.par.gz)'
complete -c wash -n "__fish_wash_using_subcommand start; and not __fish_seen_subcommand_from actor provider help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -l count -d 'Number of instances' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -l host-id -d 'Host to start on; without it, hosts bid in an auction' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -s c -l constraint -d 'Label a bidding host must carry, KEY=VALUE (repeatable)' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -l wait-timeout-ms -d 'How long to wait for the outcome, in milliseconds (allow for a download)' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -l annotation -d 'Annotation of the started instance(s), KEY=VALUE (repeatable)' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -l skip-wait -d 'Return after the host acknowledged, without waiting for the outcome'
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from actor" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -s l -l link-name -d 'Link name of the instance' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -l config-json -d 'Configuration handed to the provider as `config_json`: a JSON file (checked to be JSON), or the string itself' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -l host-id -d 'Host to start on; without it, hosts bid in an auction' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -s c -l constraint -d 'Label a bidding host must carry, KEY=VALUE (repeatable)' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -l wait-timeout-ms -d 'How long to wait for the outcome, in milliseconds (allow for a download)' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -l annotation -d 'Annotation of the started instance(s), KEY=VALUE (repeatable)' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -l skip-wait -d 'Return after the host acknowledged, without waiting for the outcome'
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from provider" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from help" -f -a "actor" -d 'Start actor instances from a signed module (a path, file:// URL or OCI reference)'
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from help" -f -a "provider" -d 'Start a provider instance from a provider archive (.par.gz)'
complete -c wash -n "__fish_wash_using_subcommand start; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -f -a "actor" -d 'Stop instances of an actor: `<actor-id>`, or wash 0.x\'s `<host-id> <actor-id>`'
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -f -a "provider" -d 'Stop a provider instance: `<provider-id>`, or wash 0.x\'s `<host-id> <provider-id> <link-name> <contract-id>`'
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -f -a "host" -d 'Stop a host (and everything on it)'
complete -c wash -n "__fish_wash_using_subcommand stop; and not __fish_seen_subcommand_from actor provider host help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -l host-id -d 'Host the actor runs on (the only host running it when omitted)' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -l count -d 'How many instances; 0 stops all [default: 0, or 1 in the wash 0.x form, as 0.x did]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -l wait-timeout-ms -d 'How long to wait for the host to report the stop, in milliseconds (a provider gets its shutdown grace period first)' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -l skip-wait -d 'Return once the host acknowledged, without waiting for it to report the stop'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from actor" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -s l -l link-name -d 'Link name of the instance' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -l contract-id -d 'Contract id of the provider' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -l host-id -d 'Host the provider runs on (the only host when omitted)' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -l wait-timeout-ms -d 'How long to wait for the host to report the stop, in milliseconds (a provider gets its shutdown grace period first)' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -l skip-wait -d 'Return once the host acknowledged, without waiting for it to report the stop'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from provider" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -l host-timeout -d 'How long the host may take to stop gracefully, in milliseconds [default: the host\'s]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from host" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from help" -f -a "actor" -d 'Stop instances of an actor: `<actor-id>`, or wash 0.x\'s `<host-id> <actor-id>`'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from help" -f -a "provider" -d 'Stop a provider instance: `<provider-id>`, or wash 0.x\'s `<host-id> <provider-id> <link-name> <contract-id>`'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from help" -f -a "host" -d 'Stop a host (and everything on it)'
complete -c wash -n "__fish_wash_using_subcommand stop; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -f -a "put" -d 'Link an actor to a provider for a contract, with KEY=VALUE settings'
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -f -a "del" -d 'Delete the link of an actor for a contract'
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -f -a "query" -d 'List every link definition'
complete -c wash -n "__fish_wash_using_subcommand link; and not __fish_seen_subcommand_from put del query help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -s l -l link-name -d 'Link name' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from put" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -s l -l link-name -d 'Link name' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from del" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from query" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from help" -f -a "put" -d 'Link an actor to a provider for a contract, with KEY=VALUE settings'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from help" -f -a "del" -d 'Delete the link of an actor for a contract'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from help" -f -a "query" -d 'List every link definition'
complete -c wash -n "__fish_wash_using_subcommand link; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand call" -s d -l data -d 'The operation\'s argument as JSON, or a file holding it (`FILE` or `@FILE`; `@-`: stdin)' -r
complete -c wash -n "__fish_wash_using_subcommand call" -l save -d 'Write the raw reply bytes to FILE instead of showing them' -r -F
complete -c wash -n "__fish_wash_using_subcommand call" -l bin -d 'Alone: print the raw reply bytes (under `-o json`: an array of byte values). With a value, how binary fields of the decoded reply are shown (wash 0.x): `b` byte arrays, `s` text, `2` both' -r
complete -c wash -n "__fish_wash_using_subcommand call" -s r -l rpc-host -d 'NATS host for RPC [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand call" -s p -l rpc-port -d 'NATS port for RPC [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand call" -l rpc-jwt -d 'NATS user JWT (or a file holding it); needs `--rpc-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand call" -l rpc-seed -d 'NATS user seed (or a file holding it); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand call" -l rpc-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand call" -s x -l lattice -l lattice-prefix -d 'Lattice id [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand call" -s t -l rpc-timeout-ms -d 'How long to wait for the reply, in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand call" -s c -l cluster-seed -d 'Cluster seed (SC…, or a file holding it) that signs the invocation [default: from the context, where `wash up` records it]' -r
complete -c wash -n "__fish_wash_using_subcommand call" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand call" -l rpc-user -d 'NATS user name, for a server with user/password authorization (with `--rpc-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand call" -l rpc-password -d 'The NATS user\'s password (better in `$WASH_RPC_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand call" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand call" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand call" -l test -d 'Read the reply as test results (`wasmcloud:testing` TestResults) and show each test\'s outcome'
complete -c wash -n "__fish_wash_using_subcommand call" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand call" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand call" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand call" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand call" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand spy" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand spy" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand spy" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand spy" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand spy" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand spy" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand spy" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand spy" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand spy" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand spy" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand spy" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand spy" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand spy" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand spy" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand spy" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand spy" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand spy" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand spy" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand spy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand spy" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand ctx; and not __fish_seen_subcommand_from list new default edit del help" -l directory -d 'The folder holding the contexts [default: ~/.wash/contexts] (wash 0.18.1\'s flag; `wash ctl` and `wash call` still read ~/.wash/contexts, or take `--context FILE`)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctx; and not __fish_seen_subcommand_from list new default edit del help" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand ctx; and not __fish_seen_subcommand_from list new default edit del help" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand ctx; and not __fish_seen_subcommand_from list new default edit del help" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand ctx; and not __fish_seen_subcommand_from list new default edit del help" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand ctx; and not __fish_seen_subcommand_from list new default edit del help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand ctx; and not __fish_seen_subcommand_from list new default edit del help" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand ctx; and not __fish_seen_subcommand_from list new default edit del help" -f -a "list" -d 'List the stored contexts and which one is the default'
complete -c wash -n "__fish_wash_using_subcommand ctx; and not __fish_seen_subcommand_from list new default edit del help" -f -a "new" -d 'Create a context (control and RPC settings alike; `wash ctx edit` changes them separately)'
complete -c wash -n "__fish_wash_using_subcommand ctx; and not __fish_seen_subcommand_from list new default edit del help" -f -a "default" -d 'Make a context the default, or show the default when no name is given'
complete -c wash -n "__fish_wash_using_subcommand ctx; and not __fish_seen_subcommand_from list new default edit del help" -f -a "edit" -d 'Edit a context (the default one when no name is given) in a text editor'
complete -c wash -n "__fish_wash_using_subcommand ctx; and not __fish_seen_subcommand_from list new default edit del help" -f -a "del" -d 'Delete a context (without a name, asks which one at a terminal)'
complete -c wash -n "__fish_wash_using_subcommand ctx; and not __fish_seen_subcommand_from list new default edit del help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from list" -l directory -d 'The folder holding the contexts [default: ~/.wash/contexts] (wash 0.18.1\'s flag; `wash ctl` and `wash call` still read ~/.wash/contexts, or take `--context FILE`)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from list" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from list" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from new" -l ctl-host -d 'NATS host of the lattice' -r
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from new" -l ctl-port -d 'NATS port of the lattice' -r
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from new" -s x -l lattice -d 'Lattice id' -r
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from new" -l cluster-seed -d 'Cluster seed (SC…) that signs `wash call` invocations' -r
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from new" -l ctl-credsfile -d 'NATS credentials file' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from new" -l timeout-ms -d 'Request timeout in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from new" -l directory -d 'The folder holding the contexts [default: ~/.wash/contexts] (wash 0.18.1\'s flag; `wash ctl` and `wash call` still read ~/.wash/contexts, or take `--context FILE`)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from new" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from new" -s i -l interactive -d 'Ask for each setting at the terminal, the flags\' values offered as defaults'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from new" -l default -d 'Also make it the default context'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from new" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from new" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from new" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from new" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from new" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from default" -l directory -d 'The folder holding the contexts [default: ~/.wash/contexts] (wash 0.18.1\'s flag; `wash ctl` and `wash call` still read ~/.wash/contexts, or take `--context FILE`)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from default" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from default" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from default" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from default" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from default" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from default" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from edit" -s e -l editor -d 'Editor command [default: $EDITOR]' -r
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from edit" -l directory -d 'The folder holding the contexts [default: ~/.wash/contexts] (wash 0.18.1\'s flag; `wash ctl` and `wash call` still read ~/.wash/contexts, or take `--context FILE`)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from edit" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from edit" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from edit" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from edit" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from edit" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from del" -l directory -d 'The folder holding the contexts [default: ~/.wash/contexts] (wash 0.18.1\'s flag; `wash ctl` and `wash call` still read ~/.wash/contexts, or take `--context FILE`)' -r -F
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from del" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from del" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from del" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from del" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from del" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from del" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the stored contexts and which one is the default'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from help" -f -a "new" -d 'Create a context (control and RPC settings alike; `wash ctx edit` changes them separately)'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from help" -f -a "default" -d 'Make a context the default, or show the default when no name is given'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from help" -f -a "edit" -d 'Edit a context (the default one when no name is given) in a text editor'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from help" -f -a "del" -d 'Delete a context (without a name, asks which one at a terminal)'
complete -c wash -n "__fish_wash_using_subcommand ctx; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand new; and not __fish_seen_subcommand_from actor provider interface help" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand new; and not __fish_seen_subcommand_from actor provider interface help" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand new; and not __fish_seen_subcommand_from actor provider interface help" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand new; and not __fish_seen_subcommand_from actor provider interface help" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand new; and not __fish_seen_subcommand_from actor provider interface help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand new; and not __fish_seen_subcommand_from actor provider interface help" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand new; and not __fish_seen_subcommand_from actor provider interface help" -f -a "actor" -d 'A WebAssembly actor (built-in template: a hello-world HTTP actor)'
complete -c wash -n "__fish_wash_using_subcommand new; and not __fish_seen_subcommand_from actor provider interface help" -f -a "provider" -d 'A native capability provider (built-in template: a factorial provider on the 0.x SDK)'
complete -c wash -n "__fish_wash_using_subcommand new; and not __fish_seen_subcommand_from actor provider interface help" -f -a "interface" -d 'A Smithy interface and the Rust crate of its bindings'
complete -c wash -n "__fish_wash_using_subcommand new; and not __fish_seen_subcommand_from actor provider interface help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from actor" -l git -d 'Take the template from this git repository (cloned with `git`)' -r
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from actor" -l branch -d 'The branch or tag of `--git`' -r
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from actor" -l subfolder -l subdir -d 'The sub-folder of `--git` or `--path` that holds the template' -r
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from actor" -s p -l path -d 'Take the template from this local folder' -r -F
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from actor" -s t -l template-name -d 'A template by name: a built-in one or a favorite from ~/.wash/favorites.toml' -r
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from actor" -s v -l values -d 'A TOML file of placeholder values (a `[values]` table)' -r -F
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from actor" -s d -l define -d 'Set a placeholder value (repeatable); wins over `--values`' -r
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from actor" -l favorites -d 'The favorites file for `--template-name`; without a name, its first template of this kind is used (or chosen at a terminal) [default: ~/.wash/favorites.toml]' -r -F
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from actor" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from actor" -l silent -d 'Ask nothing: placeholders take their defaults, and a value without one is an error'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from actor" -l force -d 'Render into an existing folder (files of the same name are overwritten)'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from actor" -l no-git-init -d 'Do not run `git init` in the new project (by default it becomes a repository on `main`)'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from actor" -l verbose -d 'More logging on stderr (`--verbose` debug, twice trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from actor" -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from actor" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from actor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from actor" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from provider" -l git -d 'Take the template from this git repository (cloned with `git`)' -r
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from provider" -l branch -d 'The branch or tag of `--git`' -r
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from provider" -l subfolder -l subdir -d 'The sub-folder of `--git` or `--path` that holds the template' -r
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from provider" -s p -l path -d 'Take the template from this local folder' -r -F
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from provider" -s t -l template-name -d 'A template by name: a built-in one or a favorite from ~/.wash/favorites.toml' -r
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from provider" -s v -l values -d 'A TOML file of placeholder values (a `[values]` table)' -r -F
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from provider" -s d -l define -d 'Set a placeholder value (repeatable); wins over `--values`' -r
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from provider" -l favorites -d 'The favorites file for `--template-name`; without a name, its first template of this kind is used (or chosen at a terminal) [default: ~/.wash/favorites.toml]' -r -F
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from provider" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from provider" -l silent -d 'Ask nothing: placeholders take their defaults, and a value without one is an error'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from provider" -l force -d 'Render into an existing folder (files of the same name are overwritten)'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from provider" -l no-git-init -d 'Do not run `git init` in the new project (by default it becomes a repository on `main`)'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from provider" -l verbose -d 'More logging on stderr (`--verbose` debug, twice trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from provider" -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from provider" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from provider" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from provider" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from interface" -l git -d 'Take the template from this git repository (cloned with `git`)' -r
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from interface" -l branch -d 'The branch or tag of `--git`' -r
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from interface" -l subfolder -l subdir -d 'The sub-folder of `--git` or `--path` that holds the template' -r
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from interface" -s p -l path -d 'Take the template from this local folder' -r -F
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from interface" -s t -l template-name -d 'A template by name: a built-in one or a favorite from ~/.wash/favorites.toml' -r
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from interface" -s v -l values -d 'A TOML file of placeholder values (a `[values]` table)' -r -F
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from interface" -s d -l define -d 'Set a placeholder value (repeatable); wins over `--values`' -r
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from interface" -l favorites -d 'The favorites file for `--template-name`; without a name, its first template of this kind is used (or chosen at a terminal) [default: ~/.wash/favorites.toml]' -r -F
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from interface" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from interface" -l silent -d 'Ask nothing: placeholders take their defaults, and a value without one is an error'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from interface" -l force -d 'Render into an existing folder (files of the same name are overwritten)'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from interface" -l no-git-init -d 'Do not run `git init` in the new project (by default it becomes a repository on `main`)'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from interface" -l verbose -d 'More logging on stderr (`--verbose` debug, twice trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from interface" -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from interface" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from interface" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from interface" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from help" -f -a "actor" -d 'A WebAssembly actor (built-in template: a hello-world HTTP actor)'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from help" -f -a "provider" -d 'A native capability provider (built-in template: a factorial provider on the 0.x SDK)'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from help" -f -a "interface" -d 'A Smithy interface and the Rust crate of its bindings'
complete -c wash -n "__fish_wash_using_subcommand new; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand build" -s p -l path -l config-path -d 'The project folder holding wasmcloud.toml, or the project file itself [default: the current folder]' -r -F
complete -c wash -n "__fish_wash_using_subcommand build" -s i -l issuer -d 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]' -r
complete -c wash -n "__fish_wash_using_subcommand build" -s s -l subject -d 'Subject (module or service) key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]' -r
complete -c wash -n "__fish_wash_using_subcommand build" -l keys-directory -d 'Key directory; wins over `key_directory` in wasmcloud.toml [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]' -r -F
complete -c wash -n "__fish_wash_using_subcommand build" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand build" -l no-sign -l build-only -d 'Compile only: do not sign the actor or pack the provider'
complete -c wash -n "__fish_wash_using_subcommand build" -l sign-only -d 'Do not compile: sign (or pack) what the last build left in cargo\'s target folder'
complete -c wash -n "__fish_wash_using_subcommand build" -l disable-keygen -d 'Fail instead of generating a key that is not found'
complete -c wash -n "__fish_wash_using_subcommand build" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand build" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand build" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand build" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand build" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand dev" -s r -l ctl-host -d 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]' -r
complete -c wash -n "__fish_wash_using_subcommand dev" -s p -l ctl-port -d 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]' -r
complete -c wash -n "__fish_wash_using_subcommand dev" -l ctl-jwt -d 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`' -r
complete -c wash -n "__fish_wash_using_subcommand dev" -l ctl-seed -d 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey' -r
complete -c wash -n "__fish_wash_using_subcommand dev" -l ctl-credsfile -d 'NATS credentials file (JWT and seed in one)' -r -F
complete -c wash -n "__fish_wash_using_subcommand dev" -s x -l lattice -l lattice-prefix -d 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]' -r
complete -c wash -n "__fish_wash_using_subcommand dev" -s t -l timeout-ms -d 'Timeout of one control request in milliseconds [default: from the context, else 2000]' -r
complete -c wash -n "__fish_wash_using_subcommand dev" -l auction-timeout-ms -d 'How long pings and auctions collect host answers, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand dev" -l context -d 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]' -r
complete -c wash -n "__fish_wash_using_subcommand dev" -l ctl-user -d 'NATS user name, for a server with user/password authorization (with `--ctl-password`)' -r
complete -c wash -n "__fish_wash_using_subcommand dev" -l ctl-password -d 'The NATS user\'s password (better in `$WASH_CTL_PASSWORD` than on the command line)' -r
complete -c wash -n "__fish_wash_using_subcommand dev" -l tls-ca-file -d 'PEM file of the CA that signed the NATS server\'s TLS certificate (besides the system\'s roots)' -r -F
complete -c wash -n "__fish_wash_using_subcommand dev" -l ctl-topic-prefix -d 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)' -r
complete -c wash -n "__fish_wash_using_subcommand dev" -l js-domain -d 'JetStream domain of the lattice\'s NATS (wash 0.18.1 read links and claims from the lattice\'s bucket there). Accepted; not needed: this wash asks the hosts for links and claims' -r
complete -c wash -n "__fish_wash_using_subcommand dev" -l path -d 'The project folder holding wasmcloud.toml, or the project file itself [default: the current folder]' -r -F
complete -c wash -n "__fish_wash_using_subcommand dev" -l host-id -d 'The host to run on [default: the only host of the lattice]' -r
complete -c wash -n "__fish_wash_using_subcommand dev" -l debounce-ms -d 'How long the sources must stay unchanged before a rebuild starts, in milliseconds' -r
complete -c wash -n "__fish_wash_using_subcommand dev" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand dev" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand dev" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand dev" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand dev" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand dev" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand gen" -s c -l config -d 'The codegen.toml to read' -r -F
complete -c wash -n "__fish_wash_using_subcommand gen" -l output-dir -d 'The folder each language\'s `output_dir` is relative to [default: the config\'s folder]' -r -F
complete -c wash -n "__fish_wash_using_subcommand gen" -s l -l lang -d 'Generate only this language (`rust` or `go`; repeatable) [default: every one configured]' -r
complete -c wash -n "__fish_wash_using_subcommand gen" -s T -l template-dir -d 'wash 0.x\'s handlebars template folder: refused (this generator has no templates)' -r -F
complete -c wash -n "__fish_wash_using_subcommand gen" -s D -d 'wash 0.x\'s template values: refused (this generator has no templates)' -r
complete -c wash -n "__fish_wash_using_subcommand gen" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand gen" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand gen" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand gen" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand gen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand gen" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand validate" -s c -l config -d 'The codegen.toml whose `[[models]]` are read when no PATH is given [default: ./codegen.toml]' -r -F
complete -c wash -n "__fish_wash_using_subcommand validate" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand validate" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand validate" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand validate" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand validate" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand lint" -s c -l config -d 'The codegen.toml whose `[[models]]` are read when no PATH is given [default: ./codegen.toml]' -r -F
complete -c wash -n "__fish_wash_using_subcommand lint" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand lint" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand lint" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand lint" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand lint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand lint" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand completions" -s d -l dir -d 'Write the script into this directory (under the shell\'s usual file name) instead of stdout' -r -F
complete -c wash -n "__fish_wash_using_subcommand completions" -s o -l output -d 'Output format: `text` for people, `json` for scripts (one object on stdout)' -r -f -a "text\t'Human-readable text'
json\t'One JSON object on stdout'"
complete -c wash -n "__fish_wash_using_subcommand completions" -s v -l verbose -d 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set'
complete -c wash -n "__fish_wash_using_subcommand completions" -s q -l quiet -d 'No status or progress lines on stderr; results and errors are still printed'
complete -c wash -n "__fish_wash_using_subcommand completions" -l experimental -d 'wash 0.18.1\'s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)'
complete -c wash -n "__fish_wash_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c wash -n "__fish_wash_using_subcommand completions" -s V -l version -d 'Print version'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "keys" -d 'Generate nkeys and read the key store'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "claims" -d 'Sign actors, inspect their claims, make tokens'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "par" -d 'Create, inspect and extend provider archives'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "reg" -d 'Push and pull actors and provider archives to and from OCI registries'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "push" -d 'Push an actor module or provider archive to an OCI registry (`reg push`)'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "pull" -d 'Pull an artifact from an OCI registry into a file (`reg pull`)'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "inspect" -d 'Show a module\'s claims or a provider archive\'s contents (told apart by content)'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "drain" -d 'Empty local caches, ours and wash 0.18.1\'s (`wash drain all`)'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "up" -d 'Start a local lattice: NATS (unless one answers), wadm (when installed) and a host'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "down" -d 'Stop what `wash up` started'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "ctl" -d 'Drive the lattice: inventory, start/stop actors and providers, links'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "app" -d 'Deploy and manage declarative applications (OAM manifests) with wadm'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "ui" -d 'Serve a live dashboard of the lattice on 127.0.0.1: view, start, link, scale, stop'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "get" -d 'Query the lattice: hosts, a host\'s inventory, claims, links (`ctl get`)'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "start" -d 'Start an actor or a provider (`ctl start`)'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "stop" -d 'Stop an actor, a provider or a host (`ctl stop`)'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "link" -d 'Put, delete or list link definitions (`ctl link`)'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "call" -d 'Invoke an operation of a running actor (JSON in, JSON out)'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "spy" -d 'Watch one actor\'s invocations and replies on the lattice, live'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "ctx" -d 'Manage contexts: named lattice connection settings, one of them the default'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "new" -d 'Scaffold an actor, provider or interface project from a template'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "build" -d 'Compile a project (wasmcloud.toml), then sign the actor or pack the provider'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "dev" -d 'Build, start and hot-swap an actor project on a local lattice as its sources change'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "gen" -d 'Generate Rust bindings from Smithy models (codegen.toml)'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "validate" -d 'Check Smithy models and print every error with its line and column'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "lint" -d 'Report style issues in Smithy models: naming conventions, unwelcome terms'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "completions" -d 'Print or write shell completion scripts'
complete -c wash -n "__fish_wash_using_subcommand help; and not __fish_seen_subcommand_from keys claims par reg push pull inspect drain up down ctl app ui get start stop link call spy ctx new build dev gen validate lint completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "gen" -d 'Generate a key pair and print its public key and seed (nothing is written)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "get" -d 'Print the seed stored under a name'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from keys" -f -a "list" -d 'List the names of the stored keys'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from claims" -f -a "sign" -d 'Sign a WebAssembly module: embed a `wasmcloud_jwt` section with the actor\'s claims'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from claims" -f -a "inspect" -d 'Show (and verify) the claims embedded in a signed module'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from claims" -f -a "token" -d 'Make a standalone signed token'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from par" -f -a "create" -d 'Create a provider archive from one binary'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from par" -f -a "inspect" -d 'Show (and verify) a provider archive'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from par" -f -a "insert" -d 'Add or replace the binary for one target in an archive (re-signs it)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from reg" -f -a "push" -d 'Push an actor module or provider archive (told apart by content)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from reg" -f -a "pull" -d 'Pull an artifact into a file, checking every digest'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from reg" -f -a "ping" -d 'Check that a registry answers (with credentials, if it wants them)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from reg" -f -a "login" -d 'Check credentials against a registry and store them (0600) for later pushes and pulls'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from reg" -f -a "logout" -d 'Forget the stored credentials of a registry'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from drain" -f -a "all" -d 'Empty every cache below: lib, oci, smithy, downloads'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from drain" -f -a "lib" -d 'Remove extracted provider binaries and compiled actors (ours and wash 0.18.1\'s)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from drain" -f -a "oci" -d 'Remove every cached OCI manifest and layer (ours and wash 0.18.1\'s)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from drain" -f -a "smithy" -d 'Remove wash 0.18.1\'s cached Smithy models'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from drain" -f -a "downloads" -d 'Remove what wash 0.18.1\'s `up` downloaded, with its logs and pid files'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from ctl" -f -a "get" -d 'Query the lattice: hosts, a host\'s inventory, claims, links'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from ctl" -f -a "start" -d 'Start an actor or a provider'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from ctl" -f -a "stop" -d 'Stop an actor, a provider or a host'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from ctl" -f -a "link" -d 'Put, delete or list link definitions'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from ctl" -f -a "scale" -d 'Set the number of instances of an actor on a host'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from ctl" -f -a "update" -d 'Live-update a running actor to a new module (same actor key, e.g. a new revision)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from ctl" -f -a "apply" -d 'Start the actors and providers of a host manifest on a host and put its links (wash 0.x)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from app" -f -a "list" -d 'List the applications wadm knows, with their newest and deployed versions and status'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from app" -f -a "get" -d 'Print one version of an application\'s manifest (the newest by default), as YAML'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from app" -f -a "history" -d 'List the versions of an application, oldest first'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from app" -f -a "put" -d 'Store a manifest (YAML or JSON) as a new version of its application, without deploying it'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from app" -f -a "del" -d 'Delete one version of an application, or all of them with `--delete-all` (which undeploys it)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from app" -f -a "deploy" -d 'Deploy an application: wadm starts what its manifest describes and keeps it so'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from app" -f -a "undeploy" -d 'Undeploy an application: wadm stops managing it and stops what it started'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from app" -f -a "status" -d 'Show an application\'s deployment status, per component and trait'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from get" -f -a "hosts" -d 'Every host that answers a ping'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from get" -f -a "inventory" -d 'What runs on a host (the only host when none is given)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from get" -f -a "claims" -d 'Claims of every actor and provider seen by the lattice'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from get" -f -a "links" -d 'Every link definition (same as `wash ctl link query`)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from start" -f -a "actor" -d 'Start actor instances from a signed module (a path, file:// URL or OCI reference)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from start" -f -a "provider" -d 'Start a provider instance from a provider archive (.par.gz)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from stop" -f -a "actor" -d 'Stop instances of an actor: `<actor-id>`, or wash 0.x\'s `<host-id> <actor-id>`'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from stop" -f -a "provider" -d 'Stop a provider instance: `<provider-id>`, or wash 0.x\'s `<host-id> <provider-id> <link-name> <contract-id>`'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from stop" -f -a "host" -d 'Stop a host (and everything on it)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from link" -f -a "put" -d 'Link an actor to a provider for a contract, with KEY=VALUE settings'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from link" -f -a "del" -d 'Delete the link of an actor for a contract'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from link" -f -a "query" -d 'List every link definition'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from ctx" -f -a "list" -d 'List the stored contexts and which one is the default'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from ctx" -f -a "new" -d 'Create a context (control and RPC settings alike; `wash ctx edit` changes them separately)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from ctx" -f -a "default" -d 'Make a context the default, or show the default when no name is given'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from ctx" -f -a "edit" -d 'Edit a context (the default one when no name is given) in a text editor'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from ctx" -f -a "del" -d 'Delete a context (without a name, asks which one at a terminal)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from new" -f -a "actor" -d 'A WebAssembly actor (built-in template: a hello-world HTTP actor)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from new" -f -a "provider" -d 'A native capability provider (built-in template: a factorial provider on the 0.x SDK)'
complete -c wash -n "__fish_wash_using_subcommand help; and __fish_seen_subcommand_from new" -f -a "interface" -d 'A Smithy interface and the Rust crate of its bindings'
