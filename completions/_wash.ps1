
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'wash' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'wash'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'wash' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'Generate nkeys and read the key store')
            [CompletionResult]::new('claims', 'claims', [CompletionResultType]::ParameterValue, 'Sign actors, inspect their claims, make tokens')
            [CompletionResult]::new('par', 'par', [CompletionResultType]::ParameterValue, 'Create, inspect and extend provider archives')
            [CompletionResult]::new('reg', 'reg', [CompletionResultType]::ParameterValue, 'Push and pull actors and provider archives to and from OCI registries')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Push an actor module or provider archive to an OCI registry (`reg push`)')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Pull an artifact from an OCI registry into a file (`reg pull`)')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show a module''s claims or a provider archive''s contents (told apart by content)')
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'Empty local caches, ours and wash 0.18.1''s (`wash drain all`)')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Start a local lattice: NATS (unless one answers), wadm (when installed) and a host')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Stop what `wash up` started')
            [CompletionResult]::new('ctl', 'ctl', [CompletionResultType]::ParameterValue, 'Drive the lattice: inventory, start/stop actors and providers, links')
            [CompletionResult]::new('app', 'app', [CompletionResultType]::ParameterValue, 'Deploy and manage declarative applications (OAM manifests) with wadm')
            [CompletionResult]::new('ui', 'ui', [CompletionResultType]::ParameterValue, 'Serve a live dashboard of the lattice on 127.0.0.1: view, start, link, scale, stop')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Query the lattice: hosts, a host''s inventory, claims, links (`ctl get`)')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start an actor or a provider (`ctl start`)')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop an actor, a provider or a host (`ctl stop`)')
            [CompletionResult]::new('link', 'link', [CompletionResultType]::ParameterValue, 'Put, delete or list link definitions (`ctl link`)')
            [CompletionResult]::new('call', 'call', [CompletionResultType]::ParameterValue, 'Invoke an operation of a running actor (JSON in, JSON out)')
            [CompletionResult]::new('spy', 'spy', [CompletionResultType]::ParameterValue, 'Watch one actor''s invocations and replies on the lattice, live')
            [CompletionResult]::new('ctx', 'ctx', [CompletionResultType]::ParameterValue, 'Manage contexts: named lattice connection settings, one of them the default')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Scaffold an actor, provider or interface project from a template')
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Compile a project (wasmcloud.toml), then sign the actor or pack the provider')
            [CompletionResult]::new('dev', 'dev', [CompletionResultType]::ParameterValue, 'Build, start and hot-swap an actor project on a local lattice as its sources change')
            [CompletionResult]::new('gen', 'gen', [CompletionResultType]::ParameterValue, 'Generate Rust bindings from Smithy models (codegen.toml)')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check Smithy models and print every error with its line and column')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Report style issues in Smithy models: naming conventions, unwelcome terms')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print or write shell completion scripts')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;keys' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('gen', 'gen', [CompletionResultType]::ParameterValue, 'Generate a key pair and print its public key and seed (nothing is written)')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print the seed stored under a name')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the names of the stored keys')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;keys;gen' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;keys;get' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]')
            [CompletionResult]::new('--directory', '--directory', [CompletionResultType]::ParameterName, 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;keys;list' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]')
            [CompletionResult]::new('--directory', '--directory', [CompletionResultType]::ParameterName, 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;keys;help' {
            [CompletionResult]::new('gen', 'gen', [CompletionResultType]::ParameterValue, 'Generate a key pair and print its public key and seed (nothing is written)')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print the seed stored under a name')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the names of the stored keys')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;keys;help;gen' {
            break
        }
        'wash;keys;help;get' {
            break
        }
        'wash;keys;help;list' {
            break
        }
        'wash;keys;help;help' {
            break
        }
        'wash;claims' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign a WebAssembly module: embed a `wasmcloud_jwt` section with the actor''s claims')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show (and verify) the claims embedded in a signed module')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Make a standalone signed token')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;claims;sign' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The actor''s display name')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The actor''s display name')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Another capability id (repeatable), e.g. `-c wasmcloud:builtin:numbergen`')
            [CompletionResult]::new('--cap', '--cap', [CompletionResultType]::ParameterName, 'Another capability id (repeatable), e.g. `-c wasmcloud:builtin:numbergen`')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'A tag (repeatable)')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'A tag (repeatable)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Revision number')
            [CompletionResult]::new('--rev', '--rev', [CompletionResultType]::ParameterName, 'Revision number')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Version string, e.g. `0.1.0`')
            [CompletionResult]::new('--ver', '--ver', [CompletionResultType]::ParameterName, 'Version string, e.g. `0.1.0`')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Call alias: lowercase letters, digits, `_` and `/`')
            [CompletionResult]::new('--call-alias', '--call-alias', [CompletionResultType]::ParameterName, 'Call alias: lowercase letters, digits, `_` and `/`')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Where to write the signed module [default: `<stem>_s.wasm` next to the input]')
            [CompletionResult]::new('--destination', '--destination', [CompletionResultType]::ParameterName, 'Where to write the signed module [default: `<stem>_s.wasm` next to the input]')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'The token expires this many days from now')
            [CompletionResult]::new('--expires-in-days', '--expires-in-days', [CompletionResultType]::ParameterName, 'The token expires this many days from now')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'The token expires this many days from now')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'The token is not valid until this many days from now')
            [CompletionResult]::new('--not-before-days', '--not-before-days', [CompletionResultType]::ParameterName, 'The token is not valid until this many days from now')
            [CompletionResult]::new('--nbf', '--nbf', [CompletionResultType]::ParameterName, 'The token is not valid until this many days from now')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]')
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Subject key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]')
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'Subject key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]')
            [CompletionResult]::new('--directory', '--directory', [CompletionResultType]::ParameterName, 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Capability: key-value store (wasmcloud:keyvalue)')
            [CompletionResult]::new('--keyvalue', '--keyvalue', [CompletionResultType]::ParameterName, 'Capability: key-value store (wasmcloud:keyvalue)')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Capability: messaging (wasmcloud:messaging)')
            [CompletionResult]::new('--msg', '--msg', [CompletionResultType]::ParameterName, 'Capability: messaging (wasmcloud:messaging)')
            [CompletionResult]::new('--http_client', '--http_client', [CompletionResultType]::ParameterName, 'Capability: HTTP client (wasmcloud:httpclient)')
            [CompletionResult]::new('--http-client', '--http-client', [CompletionResultType]::ParameterName, 'Capability: HTTP client (wasmcloud:httpclient)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Capability: HTTP server (wasmcloud:httpserver)')
            [CompletionResult]::new('--http_server', '--http_server', [CompletionResultType]::ParameterName, 'Capability: HTTP server (wasmcloud:httpserver)')
            [CompletionResult]::new('--http-server', '--http-server', [CompletionResultType]::ParameterName, 'Capability: HTTP server (wasmcloud:httpserver)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Capability: blob store (wasmcloud:blobstore)')
            [CompletionResult]::new('--blob_store', '--blob_store', [CompletionResultType]::ParameterName, 'Capability: blob store (wasmcloud:blobstore)')
            [CompletionResult]::new('--blob-store', '--blob-store', [CompletionResultType]::ParameterName, 'Capability: blob store (wasmcloud:blobstore)')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Capability: logging (wasmcloud:builtin:logging)')
            [CompletionResult]::new('--logging', '--logging', [CompletionResultType]::ParameterName, 'Capability: logging (wasmcloud:builtin:logging)')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Capability: event streams (wasmcloud:eventstreams)')
            [CompletionResult]::new('--events', '--events', [CompletionResultType]::ParameterName, 'Capability: event streams (wasmcloud:eventstreams)')
            [CompletionResult]::new('-z', '-z', [CompletionResultType]::ParameterName, 'Accepted for wash 0.x scripts, which had it; grants nothing (as in wash 0.x)')
            [CompletionResult]::new('--extras', '--extras', [CompletionResultType]::ParameterName, 'Accepted for wash 0.x scripts, which had it; grants nothing (as in wash 0.x)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Mark the module as a capability provider (at most one capability)')
            [CompletionResult]::new('--prov', '--prov', [CompletionResultType]::ParameterName, 'Mark the module as a capability provider (at most one capability)')
            [CompletionResult]::new('--disable-keygen', '--disable-keygen', [CompletionResultType]::ParameterName, 'Fail instead of generating a key that is not found')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`--verbose` debug, twice trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;claims;inspect' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'For an OCI reference: the manifest digest the artifact must have')
            [CompletionResult]::new('--digest', '--digest', [CompletionResultType]::ParameterName, 'For an OCI reference: the manifest digest the artifact must have')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--jwt-only', '--jwt-only', [CompletionResultType]::ParameterName, 'Print only the raw JWT')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Fail (exit 1) when the claims are expired or not yet valid; without it they are shown, marked as such')
            [CompletionResult]::new('--allow-latest', '--allow-latest', [CompletionResultType]::ParameterName, 'For an OCI reference: allow the `latest` tag and references without a tag')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'For an OCI reference: neither read nor fill the OCI cache (always download)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;claims;token' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'An actor token (no module), signed by an account for a module key, with the flags of `claims sign`')
            [CompletionResult]::new('account', 'account', [CompletionResultType]::ParameterValue, 'An account token, signed by an operator (`--issuer`) for an account (`--subject`)')
            [CompletionResult]::new('operator', 'operator', [CompletionResultType]::ParameterValue, 'An operator token (self-signed by `--issuer`)')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'A capability provider token, signed by an account for a service key')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;claims;token;actor' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'The actor''s display name')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The actor''s display name')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Another capability id (repeatable), e.g. `-c wasmcloud:builtin:numbergen`')
            [CompletionResult]::new('--cap', '--cap', [CompletionResultType]::ParameterName, 'Another capability id (repeatable), e.g. `-c wasmcloud:builtin:numbergen`')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'A tag (repeatable)')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'A tag (repeatable)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Revision number')
            [CompletionResult]::new('--rev', '--rev', [CompletionResultType]::ParameterName, 'Revision number')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Version string, e.g. `0.1.0`')
            [CompletionResult]::new('--ver', '--ver', [CompletionResultType]::ParameterName, 'Version string, e.g. `0.1.0`')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Call alias: lowercase letters, digits, `_` and `/`')
            [CompletionResult]::new('--call-alias', '--call-alias', [CompletionResultType]::ParameterName, 'Call alias: lowercase letters, digits, `_` and `/`')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'The token expires this many days from now')
            [CompletionResult]::new('--expires-in-days', '--expires-in-days', [CompletionResultType]::ParameterName, 'The token expires this many days from now')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'The token expires this many days from now')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'The token is not valid until this many days from now')
            [CompletionResult]::new('--not-before-days', '--not-before-days', [CompletionResultType]::ParameterName, 'The token is not valid until this many days from now')
            [CompletionResult]::new('--nbf', '--nbf', [CompletionResultType]::ParameterName, 'The token is not valid until this many days from now')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]')
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Subject key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]')
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'Subject key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]')
            [CompletionResult]::new('--directory', '--directory', [CompletionResultType]::ParameterName, 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Capability: key-value store (wasmcloud:keyvalue)')
            [CompletionResult]::new('--keyvalue', '--keyvalue', [CompletionResultType]::ParameterName, 'Capability: key-value store (wasmcloud:keyvalue)')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Capability: messaging (wasmcloud:messaging)')
            [CompletionResult]::new('--msg', '--msg', [CompletionResultType]::ParameterName, 'Capability: messaging (wasmcloud:messaging)')
            [CompletionResult]::new('--http_client', '--http_client', [CompletionResultType]::ParameterName, 'Capability: HTTP client (wasmcloud:httpclient)')
            [CompletionResult]::new('--http-client', '--http-client', [CompletionResultType]::ParameterName, 'Capability: HTTP client (wasmcloud:httpclient)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Capability: HTTP server (wasmcloud:httpserver)')
            [CompletionResult]::new('--http_server', '--http_server', [CompletionResultType]::ParameterName, 'Capability: HTTP server (wasmcloud:httpserver)')
            [CompletionResult]::new('--http-server', '--http-server', [CompletionResultType]::ParameterName, 'Capability: HTTP server (wasmcloud:httpserver)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Capability: blob store (wasmcloud:blobstore)')
            [CompletionResult]::new('--blob_store', '--blob_store', [CompletionResultType]::ParameterName, 'Capability: blob store (wasmcloud:blobstore)')
            [CompletionResult]::new('--blob-store', '--blob-store', [CompletionResultType]::ParameterName, 'Capability: blob store (wasmcloud:blobstore)')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Capability: logging (wasmcloud:builtin:logging)')
            [CompletionResult]::new('--logging', '--logging', [CompletionResultType]::ParameterName, 'Capability: logging (wasmcloud:builtin:logging)')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Capability: event streams (wasmcloud:eventstreams)')
            [CompletionResult]::new('--events', '--events', [CompletionResultType]::ParameterName, 'Capability: event streams (wasmcloud:eventstreams)')
            [CompletionResult]::new('-z', '-z', [CompletionResultType]::ParameterName, 'Accepted for wash 0.x scripts, which had it; grants nothing (as in wash 0.x)')
            [CompletionResult]::new('--extras', '--extras', [CompletionResultType]::ParameterName, 'Accepted for wash 0.x scripts, which had it; grants nothing (as in wash 0.x)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Mark the module as a capability provider (at most one capability)')
            [CompletionResult]::new('--prov', '--prov', [CompletionResultType]::ParameterName, 'Mark the module as a capability provider (at most one capability)')
            [CompletionResult]::new('--disable-keygen', '--disable-keygen', [CompletionResultType]::ParameterName, 'Fail instead of generating a key that is not found')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`--verbose` debug, twice trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;claims;token;account' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Display name')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Display name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Another key of the token''s kind (an account key for `account`, an operator key for `operator`) allowed to sign for it (repeatable): its public key, its seed or a seed file, as in wash 0.x. Only the public key goes into the token')
            [CompletionResult]::new('--additional-key', '--additional-key', [CompletionResultType]::ParameterName, 'Another key of the token''s kind (an account key for `account`, an operator key for `operator`) allowed to sign for it (repeatable): its public key, its seed or a seed file, as in wash 0.x. Only the public key goes into the token')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'The token expires this many days from now')
            [CompletionResult]::new('--expires-in-days', '--expires-in-days', [CompletionResultType]::ParameterName, 'The token expires this many days from now')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'The token expires this many days from now')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'The token is not valid until this many days from now')
            [CompletionResult]::new('--not-before-days', '--not-before-days', [CompletionResultType]::ParameterName, 'The token is not valid until this many days from now')
            [CompletionResult]::new('--nbf', '--nbf', [CompletionResultType]::ParameterName, 'The token is not valid until this many days from now')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]')
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Subject key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]')
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'Subject key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]')
            [CompletionResult]::new('--directory', '--directory', [CompletionResultType]::ParameterName, 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--disable-keygen', '--disable-keygen', [CompletionResultType]::ParameterName, 'Fail instead of generating a key that is not found')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;claims;token;operator' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Display name')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Display name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Another key of the token''s kind (an account key for `account`, an operator key for `operator`) allowed to sign for it (repeatable): its public key, its seed or a seed file, as in wash 0.x. Only the public key goes into the token')
            [CompletionResult]::new('--additional-key', '--additional-key', [CompletionResultType]::ParameterName, 'Another key of the token''s kind (an account key for `account`, an operator key for `operator`) allowed to sign for it (repeatable): its public key, its seed or a seed file, as in wash 0.x. Only the public key goes into the token')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'The token expires this many days from now')
            [CompletionResult]::new('--expires-in-days', '--expires-in-days', [CompletionResultType]::ParameterName, 'The token expires this many days from now')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'The token expires this many days from now')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'The token is not valid until this many days from now')
            [CompletionResult]::new('--not-before-days', '--not-before-days', [CompletionResultType]::ParameterName, 'The token is not valid until this many days from now')
            [CompletionResult]::new('--nbf', '--nbf', [CompletionResultType]::ParameterName, 'The token is not valid until this many days from now')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]')
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Subject key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]')
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'Subject key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]')
            [CompletionResult]::new('--directory', '--directory', [CompletionResultType]::ParameterName, 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--disable-keygen', '--disable-keygen', [CompletionResultType]::ParameterName, 'Fail instead of generating a key that is not found')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;claims;token;provider' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Display name')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Display name')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Capability contract id, e.g. `wasmcloud:keyvalue`')
            [CompletionResult]::new('--capid', '--capid', [CompletionResultType]::ParameterName, 'Capability contract id, e.g. `wasmcloud:keyvalue`')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Vendor')
            [CompletionResult]::new('--vendor', '--vendor', [CompletionResultType]::ParameterName, 'Vendor')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Revision number')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Revision number')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Version string')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Version string')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'The token expires this many days from now')
            [CompletionResult]::new('--expires-in-days', '--expires-in-days', [CompletionResultType]::ParameterName, 'The token expires this many days from now')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'The token expires this many days from now')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'The token is not valid until this many days from now')
            [CompletionResult]::new('--not-before-days', '--not-before-days', [CompletionResultType]::ParameterName, 'The token is not valid until this many days from now')
            [CompletionResult]::new('--nbf', '--nbf', [CompletionResultType]::ParameterName, 'The token is not valid until this many days from now')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]')
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Subject key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]')
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'Subject key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]')
            [CompletionResult]::new('--directory', '--directory', [CompletionResultType]::ParameterName, 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--disable-keygen', '--disable-keygen', [CompletionResultType]::ParameterName, 'Fail instead of generating a key that is not found')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`--verbose` debug, twice trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wash;claims;token;help' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'An actor token (no module), signed by an account for a module key, with the flags of `claims sign`')
            [CompletionResult]::new('account', 'account', [CompletionResultType]::ParameterValue, 'An account token, signed by an operator (`--issuer`) for an account (`--subject`)')
            [CompletionResult]::new('operator', 'operator', [CompletionResultType]::ParameterValue, 'An operator token (self-signed by `--issuer`)')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'A capability provider token, signed by an account for a service key')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;claims;token;help;actor' {
            break
        }
        'wash;claims;token;help;account' {
            break
        }
        'wash;claims;token;help;operator' {
            break
        }
        'wash;claims;token;help;provider' {
            break
        }
        'wash;claims;token;help;help' {
            break
        }
        'wash;claims;help' {
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign a WebAssembly module: embed a `wasmcloud_jwt` section with the actor''s claims')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show (and verify) the claims embedded in a signed module')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Make a standalone signed token')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;claims;help;sign' {
            break
        }
        'wash;claims;help;inspect' {
            break
        }
        'wash;claims;help;token' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'An actor token (no module), signed by an account for a module key, with the flags of `claims sign`')
            [CompletionResult]::new('account', 'account', [CompletionResultType]::ParameterValue, 'An account token, signed by an operator (`--issuer`) for an account (`--subject`)')
            [CompletionResult]::new('operator', 'operator', [CompletionResultType]::ParameterValue, 'An operator token (self-signed by `--issuer`)')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'A capability provider token, signed by an account for a service key')
            break
        }
        'wash;claims;help;token;actor' {
            break
        }
        'wash;claims;help;token;account' {
            break
        }
        'wash;claims;help;token;operator' {
            break
        }
        'wash;claims;help;token;provider' {
            break
        }
        'wash;claims;help;help' {
            break
        }
        'wash;par' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a provider archive from one binary')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show (and verify) a provider archive')
            [CompletionResult]::new('insert', 'insert', [CompletionResultType]::ParameterValue, 'Add or replace the binary for one target in an archive (re-signs it)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;par;create' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Capability contract id, e.g. `wasmcloud:keyvalue`')
            [CompletionResult]::new('--capid', '--capid', [CompletionResultType]::ParameterName, 'Capability contract id, e.g. `wasmcloud:keyvalue`')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Vendor name')
            [CompletionResult]::new('--vendor', '--vendor', [CompletionResultType]::ParameterName, 'Vendor name')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Display name')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Display name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Target of the binary, `<arch>-<os>` (e.g. `x86_64-linux`)')
            [CompletionResult]::new('--arch', '--arch', [CompletionResultType]::ParameterName, 'Target of the binary, `<arch>-<os>` (e.g. `x86_64-linux`)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'The provider executable')
            [CompletionResult]::new('--binary', '--binary', [CompletionResultType]::ParameterName, 'The provider executable')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Revision number')
            [CompletionResult]::new('--revision', '--revision', [CompletionResultType]::ParameterName, 'Revision number')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Version string')
            [CompletionResult]::new('--schema', '--schema', [CompletionResultType]::ParameterName, 'JSON schema of the provider''s link configuration')
            [CompletionResult]::new('--destination', '--destination', [CompletionResultType]::ParameterName, 'Output file, used as given [default: `<binary stem>.par`, `.par.gz` with `--compress`]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]')
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Subject (service) key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]')
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'Subject (service) key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]')
            [CompletionResult]::new('--directory', '--directory', [CompletionResultType]::ParameterName, 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--compress', '--compress', [CompletionResultType]::ParameterName, 'Gzip the archive (the default name becomes `<binary stem>.par.gz`)')
            [CompletionResult]::new('--disable-keygen', '--disable-keygen', [CompletionResultType]::ParameterName, 'Fail instead of generating a key that is not found')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`--verbose` debug, twice trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'wash;par;inspect' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'For an OCI reference: the manifest digest the artifact must have')
            [CompletionResult]::new('--digest', '--digest', [CompletionResultType]::ParameterName, 'For an OCI reference: the manifest digest the artifact must have')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--allow-latest', '--allow-latest', [CompletionResultType]::ParameterName, 'For an OCI reference: allow the `latest` tag and references without a tag')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'For an OCI reference: neither read nor fill the OCI cache (always download)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;par;insert' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Target of the binary, `<arch>-<os>`')
            [CompletionResult]::new('--arch', '--arch', [CompletionResultType]::ParameterName, 'Target of the binary, `<arch>-<os>`')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'The executable for that target')
            [CompletionResult]::new('--binary', '--binary', [CompletionResultType]::ParameterName, 'The executable for that target')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]')
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Subject (service) key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]')
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'Subject (service) key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]')
            [CompletionResult]::new('--directory', '--directory', [CompletionResultType]::ParameterName, 'Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--disable-keygen', '--disable-keygen', [CompletionResultType]::ParameterName, 'Fail instead of generating a key that is not found')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;par;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a provider archive from one binary')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show (and verify) a provider archive')
            [CompletionResult]::new('insert', 'insert', [CompletionResultType]::ParameterValue, 'Add or replace the binary for one target in an archive (re-signs it)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;par;help;create' {
            break
        }
        'wash;par;help;inspect' {
            break
        }
        'wash;par;help;insert' {
            break
        }
        'wash;par;help;help' {
            break
        }
        'wash;reg' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Push an actor module or provider archive (told apart by content)')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Pull an artifact into a file, checking every digest')
            [CompletionResult]::new('ping', 'ping', [CompletionResultType]::ParameterValue, 'Check that a registry answers (with credentials, if it wants them)')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Check credentials against a registry and store them (0600) for later pushes and pulls')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Forget the stored credentials of a registry')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;reg;push' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'A file to use as the config blob [default: `{}`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'A file to use as the config blob [default: `{}`]')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'A manifest annotation `key=value` (repeatable)')
            [CompletionResult]::new('--annotation', '--annotation', [CompletionResultType]::ParameterName, 'A manifest annotation `key=value` (repeatable)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--allow-latest', '--allow-latest', [CompletionResultType]::ParameterName, 'Allow the `latest` tag (also what a reference without a tag means)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;reg;pull' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'The manifest digest the artifact must have; when cached, no network is used')
            [CompletionResult]::new('--digest', '--digest', [CompletionResultType]::ParameterName, 'The manifest digest the artifact must have; when cached, no network is used')
            [CompletionResult]::new('--destination', '--destination', [CompletionResultType]::ParameterName, 'Output file [default: `<repository name>.wasm` or `.par.gz` in the current folder]')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--allow-latest', '--allow-latest', [CompletionResultType]::ParameterName, 'Allow the `latest` tag and references without a tag')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Use only the cache: tags last pulled and digests, no network')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;reg;ping' {
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;reg;login' {
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password from stdin instead of `--password`')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;reg;logout' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;reg;help' {
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Push an actor module or provider archive (told apart by content)')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Pull an artifact into a file, checking every digest')
            [CompletionResult]::new('ping', 'ping', [CompletionResultType]::ParameterValue, 'Check that a registry answers (with credentials, if it wants them)')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Check credentials against a registry and store them (0600) for later pushes and pulls')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Forget the stored credentials of a registry')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;reg;help;push' {
            break
        }
        'wash;reg;help;pull' {
            break
        }
        'wash;reg;help;ping' {
            break
        }
        'wash;reg;help;login' {
            break
        }
        'wash;reg;help;logout' {
            break
        }
        'wash;reg;help;help' {
            break
        }
        'wash;push' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'A file to use as the config blob [default: `{}`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'A file to use as the config blob [default: `{}`]')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'A manifest annotation `key=value` (repeatable)')
            [CompletionResult]::new('--annotation', '--annotation', [CompletionResultType]::ParameterName, 'A manifest annotation `key=value` (repeatable)')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--allow-latest', '--allow-latest', [CompletionResultType]::ParameterName, 'Allow the `latest` tag (also what a reference without a tag means)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;pull' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'The manifest digest the artifact must have; when cached, no network is used')
            [CompletionResult]::new('--digest', '--digest', [CompletionResultType]::ParameterName, 'The manifest digest the artifact must have; when cached, no network is used')
            [CompletionResult]::new('--destination', '--destination', [CompletionResultType]::ParameterName, 'Output file [default: `<repository name>.wasm` or `.par.gz` in the current folder]')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--allow-latest', '--allow-latest', [CompletionResultType]::ParameterName, 'Allow the `latest` tag and references without a tag')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Use only the cache: tags last pulled and digests, no network')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;inspect' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'For an OCI reference: the manifest digest the artifact must have')
            [CompletionResult]::new('--digest', '--digest', [CompletionResultType]::ParameterName, 'For an OCI reference: the manifest digest the artifact must have')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'User name for the registry')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password for the registry (never printed)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--jwt-only', '--jwt-only', [CompletionResultType]::ParameterName, 'Print only the raw JWT')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Fail (exit 1) when the claims are expired or not yet valid; without it they are shown, marked as such')
            [CompletionResult]::new('--allow-latest', '--allow-latest', [CompletionResultType]::ParameterName, 'For an OCI reference: allow the `latest` tag and references without a tag')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Use plain HTTP for this registry (always the case for localhost and 127.0.0.1)')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'For an OCI reference: neither read nor fill the OCI cache (always download)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;drain' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('all', 'all', [CompletionResultType]::ParameterValue, 'Empty every cache below: lib, oci, smithy, downloads')
            [CompletionResult]::new('lib', 'lib', [CompletionResultType]::ParameterValue, 'Remove extracted provider binaries and compiled actors (ours and wash 0.18.1''s)')
            [CompletionResult]::new('oci', 'oci', [CompletionResultType]::ParameterValue, 'Remove every cached OCI manifest and layer (ours and wash 0.18.1''s)')
            [CompletionResult]::new('smithy', 'smithy', [CompletionResultType]::ParameterValue, 'Remove wash 0.18.1''s cached Smithy models')
            [CompletionResult]::new('downloads', 'downloads', [CompletionResultType]::ParameterValue, 'Remove what wash 0.18.1''s `up` downloaded, with its logs and pid files')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;drain;all' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;drain;lib' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;drain;oci' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;drain;smithy' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;drain;downloads' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;drain;help' {
            [CompletionResult]::new('all', 'all', [CompletionResultType]::ParameterValue, 'Empty every cache below: lib, oci, smithy, downloads')
            [CompletionResult]::new('lib', 'lib', [CompletionResultType]::ParameterValue, 'Remove extracted provider binaries and compiled actors (ours and wash 0.18.1''s)')
            [CompletionResult]::new('oci', 'oci', [CompletionResultType]::ParameterValue, 'Remove every cached OCI manifest and layer (ours and wash 0.18.1''s)')
            [CompletionResult]::new('smithy', 'smithy', [CompletionResultType]::ParameterValue, 'Remove wash 0.18.1''s cached Smithy models')
            [CompletionResult]::new('downloads', 'downloads', [CompletionResultType]::ParameterValue, 'Remove what wash 0.18.1''s `up` downloaded, with its logs and pid files')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;drain;help;all' {
            break
        }
        'wash;drain;help;lib' {
            break
        }
        'wash;drain;help;oci' {
            break
        }
        'wash;drain;help;smithy' {
            break
        }
        'wash;drain;help;downloads' {
            break
        }
        'wash;drain;help;help' {
            break
        }
        'wash;up' {
            [CompletionResult]::new('--nats-url', '--nats-url', [CompletionResultType]::ParameterName, 'Connect to this NATS server instead of finding or starting one (e.g. nats://10.0.0.5:4222, tls://…; `nats://user:password@host:port` for a user/password server — better in `$WASH_NATS_URL` than on the command line)')
            [CompletionResult]::new('--nats-host', '--nats-host', [CompletionResultType]::ParameterName, 'Host of the NATS server (one is started on 127.0.0.1 or localhost when none answers)')
            [CompletionResult]::new('--nats-port', '--nats-port', [CompletionResultType]::ParameterName, 'Port of the NATS server (started there when nothing answers)')
            [CompletionResult]::new('--nats-remote-url', '--nats-remote-url', [CompletionResultType]::ParameterName, 'Start the local NATS server as a leaf node of this remote (its leaf-node URL, e.g. nats-leaf://hub.example:7422 or tls://connect.ngs.global)')
            [CompletionResult]::new('--nats-credsfile', '--nats-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file the leaf node logs in to --nats-remote-url with')
            [CompletionResult]::new('--nats-js-domain', '--nats-js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the NATS server `wash up` starts')
            [CompletionResult]::new('--nats-version', '--nats-version', [CompletionResultType]::ParameterName, 'The version the started nats-server must be (wash does not download it: it checks the installed one and fails when it differs)')
            [CompletionResult]::new('--rpc-host', '--rpc-host', [CompletionResultType]::ParameterName, 'NATS host the host uses for RPC [default: --nats-host]; our host has one connection for RPC and the control interface, so it must match --ctl-host')
            [CompletionResult]::new('--rpc-port', '--rpc-port', [CompletionResultType]::ParameterName, 'NATS port for RPC [default: --nats-port]; must match --ctl-port')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface [default: --nats-host]; must match --rpc-host')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface [default: --nats-port]; must match --rpc-port')
            [CompletionResult]::new('--prov-rpc-host', '--prov-rpc-host', [CompletionResultType]::ParameterName, 'NATS host given to providers [default: the host''s own NATS]')
            [CompletionResult]::new('--prov-rpc-port', '--prov-rpc-port', [CompletionResultType]::ParameterName, 'NATS port given to providers [default: the host''s own NATS]')
            [CompletionResult]::new('--rpc-jwt', '--rpc-jwt', [CompletionResultType]::ParameterName, 'rpc-jwt')
            [CompletionResult]::new('--rpc-seed', '--rpc-seed', [CompletionResultType]::ParameterName, 'rpc-seed')
            [CompletionResult]::new('--rpc-credsfile', '--rpc-credsfile', [CompletionResultType]::ParameterName, 'rpc-credsfile')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'ctl-jwt')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'ctl-seed')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'ctl-credsfile')
            [CompletionResult]::new('--prov-rpc-jwt', '--prov-rpc-jwt', [CompletionResultType]::ParameterName, 'prov-rpc-jwt')
            [CompletionResult]::new('--prov-rpc-seed', '--prov-rpc-seed', [CompletionResultType]::ParameterName, 'prov-rpc-seed')
            [CompletionResult]::new('--prov-rpc-credsfile', '--prov-rpc-credsfile', [CompletionResultType]::ParameterName, 'prov-rpc-credsfile')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots), for the host and the providers it starts')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (wash 0.18.1''s lattice prefix)')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (wash 0.18.1''s lattice prefix)')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (wash 0.18.1''s lattice prefix)')
            [CompletionResult]::new('--lattice-replicas', '--lattice-replicas', [CompletionResultType]::ParameterName, 'Replicas of the lattice''s JetStream bucket (links, claims) when this host creates it: 3 on a three-node NATS cluster keeps them through the loss of a node')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the host''s control interface, in place of `wasmbus.ctl`')
            [CompletionResult]::new('--host-seed', '--host-seed', [CompletionResultType]::ParameterName, 'Host seed (SN…); a new one is generated when absent')
            [CompletionResult]::new('--cluster-seed', '--cluster-seed', [CompletionResultType]::ParameterName, 'Cluster seed (SC…) invocations are signed with; reused from the default context, else generated')
            [CompletionResult]::new('--cluster-issuers', '--cluster-issuers', [CompletionResultType]::ParameterName, 'Further trusted cluster public keys (C…), comma-separated')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'A host label, KEY=VALUE (repeatable)')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'A host label, KEY=VALUE (repeatable)')
            [CompletionResult]::new('--rpc-timeout-ms', '--rpc-timeout-ms', [CompletionResultType]::ParameterName, 'RPC timeout in milliseconds')
            [CompletionResult]::new('--allowed-insecure', '--allowed-insecure', [CompletionResultType]::ParameterName, 'Registries that may be reached over plain HTTP, comma-separated')
            [CompletionResult]::new('--max-actor-memory', '--max-actor-memory', [CompletionResultType]::ParameterName, 'Largest linear memory one actor instance may grow to: bytes, or with KiB/MiB/GiB [default: 256MiB]. An actor growing past it traps with an out-of-memory error')
            [CompletionResult]::new('--wasmcloud-js-domain', '--wasmcloud-js-domain', [CompletionResultType]::ParameterName, 'JetStream domain the host keeps its lattice data in [default: the NATS server''s own]')
            [CompletionResult]::new('--allow-file-load', '--allow-file-load', [CompletionResultType]::ParameterName, 'Whether actors and providers may be started from files (`false`: OCI references only)')
            [CompletionResult]::new('--provider-delay', '--provider-delay', [CompletionResultType]::ParameterName, 'Milliseconds between asking a provider to shut down and killing it [default: 2000]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level of the host and its providers (error, warn, info, debug, trace) [default: info in the background host''s log; in the foreground, what -v says]; RUST_LOG wins')
            [CompletionResult]::new('--structured-log-level', '--structured-log-level', [CompletionResultType]::ParameterName, 'Log level of the host and its providers (error, warn, info, debug, trace) [default: info in the background host''s log; in the foreground, what -v says]; RUST_LOG wins')
            [CompletionResult]::new('--wasmcloud-version', '--wasmcloud-version', [CompletionResultType]::ParameterName, 'Refused: the host is built into wash; no other wasmCloud version can be run')
            [CompletionResult]::new('--wadm-version', '--wadm-version', [CompletionResultType]::ParameterName, 'The wadm version that must run: wash does not download wadm, so another installed version is refused')
            [CompletionResult]::new('--dashboard-port', '--dashboard-port', [CompletionResultType]::ParameterName, 'Refused: our host has no dashboard; `wash ui` serves one')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Run in the background; `wash down` stops it')
            [CompletionResult]::new('--detached', '--detached', [CompletionResultType]::ParameterName, 'Run in the background; `wash down` stops it')
            [CompletionResult]::new('--detach', '--detach', [CompletionResultType]::ParameterName, 'Run in the background; `wash down` stops it')
            [CompletionResult]::new('--nats-connect-only', '--nats-connect-only', [CompletionResultType]::ParameterName, 'Never start a NATS server: fail when none answers at --nats-host/--nats-port')
            [CompletionResult]::new('--rpc-tls', '--rpc-tls', [CompletionResultType]::ParameterName, 'rpc-tls')
            [CompletionResult]::new('--ctl-tls', '--ctl-tls', [CompletionResultType]::ParameterName, 'ctl-tls')
            [CompletionResult]::new('--prov-rpc-tls', '--prov-rpc-tls', [CompletionResultType]::ParameterName, 'prov-rpc-tls')
            [CompletionResult]::new('--allow-latest', '--allow-latest', [CompletionResultType]::ParameterName, 'Allow pulling OCI references tagged `latest` (or untagged)')
            [CompletionResult]::new('--enable-structured-logging', '--enable-structured-logging', [CompletionResultType]::ParameterName, 'Write the host''s log as JSON lines')
            [CompletionResult]::new('--enable-ipv6', '--enable-ipv6', [CompletionResultType]::ParameterName, 'Accepted: our host reaches NATS over IPv6 or IPv4 addresses alike')
            [CompletionResult]::new('--wasmcloud-start-only', '--wasmcloud-start-only', [CompletionResultType]::ParameterName, 'Accepted: our host is built into wash and never downloaded')
            [CompletionResult]::new('--disable-wadm', '--disable-wadm', [CompletionResultType]::ParameterName, 'Do not start wadm (the application deployment manager `wash app` talks to) beside the host')
            [CompletionResult]::new('--config-service-enabled', '--config-service-enabled', [CompletionResultType]::ParameterName, 'Refused: our host has no config-service client')
            [CompletionResult]::new('--background-host', '--background-host', [CompletionResultType]::ParameterName, '(internal) run as the background host process of `wash up --detached`')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;down' {
            [CompletionResult]::new('--host-id', '--host-id', [CompletionResultType]::ParameterName, 'Stop this host of the lattice (through its control interface)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice whose hosts are stopped [default: from the default context, where `wash up` records it]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice whose hosts are stopped [default: from the default context, where `wash up` records it]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice whose hosts are stopped [default: from the default context, where `wash up` records it]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface [default: from the default context]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface [default: from the default context]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it); needs --ctl-seed')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it)')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Stop every host of the lattice')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctl' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Query the lattice: hosts, a host''s inventory, claims, links')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start an actor or a provider')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop an actor, a provider or a host')
            [CompletionResult]::new('link', 'link', [CompletionResultType]::ParameterValue, 'Put, delete or list link definitions')
            [CompletionResult]::new('scale', 'scale', [CompletionResultType]::ParameterValue, 'Set the number of instances of an actor on a host')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Live-update a running actor to a new module (same actor key, e.g. a new revision)')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Start the actors and providers of a host manifest on a host and put its links (wash 0.x)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;ctl;get' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('hosts', 'hosts', [CompletionResultType]::ParameterValue, 'Every host that answers a ping')
            [CompletionResult]::new('inventory', 'inventory', [CompletionResultType]::ParameterValue, 'What runs on a host (the only host when none is given)')
            [CompletionResult]::new('claims', 'claims', [CompletionResultType]::ParameterValue, 'Claims of every actor and provider seen by the lattice')
            [CompletionResult]::new('links', 'links', [CompletionResultType]::ParameterValue, 'Every link definition (same as `wash ctl link query`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;ctl;get;hosts' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctl;get;inventory' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctl;get;claims' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctl;get;links' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctl;get;help' {
            [CompletionResult]::new('hosts', 'hosts', [CompletionResultType]::ParameterValue, 'Every host that answers a ping')
            [CompletionResult]::new('inventory', 'inventory', [CompletionResultType]::ParameterValue, 'What runs on a host (the only host when none is given)')
            [CompletionResult]::new('claims', 'claims', [CompletionResultType]::ParameterValue, 'Claims of every actor and provider seen by the lattice')
            [CompletionResult]::new('links', 'links', [CompletionResultType]::ParameterValue, 'Every link definition (same as `wash ctl link query`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;ctl;get;help;hosts' {
            break
        }
        'wash;ctl;get;help;inventory' {
            break
        }
        'wash;ctl;get;help;claims' {
            break
        }
        'wash;ctl;get;help;links' {
            break
        }
        'wash;ctl;get;help;help' {
            break
        }
        'wash;ctl;start' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Start actor instances from a signed module (a path, file:// URL or OCI reference)')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'Start a provider instance from a provider archive (.par.gz)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;ctl;start;actor' {
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Number of instances')
            [CompletionResult]::new('--host-id', '--host-id', [CompletionResultType]::ParameterName, 'Host to start on; without it, hosts bid in an auction')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Label a bidding host must carry, KEY=VALUE (repeatable)')
            [CompletionResult]::new('--constraint', '--constraint', [CompletionResultType]::ParameterName, 'Label a bidding host must carry, KEY=VALUE (repeatable)')
            [CompletionResult]::new('--wait-timeout-ms', '--wait-timeout-ms', [CompletionResultType]::ParameterName, 'How long to wait for the outcome, in milliseconds (allow for a download)')
            [CompletionResult]::new('--annotation', '--annotation', [CompletionResultType]::ParameterName, 'Annotation of the started instance(s), KEY=VALUE (repeatable)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--skip-wait', '--skip-wait', [CompletionResultType]::ParameterName, 'Return after the host acknowledged, without waiting for the outcome')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctl;start;provider' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Link name of the instance')
            [CompletionResult]::new('--link-name', '--link-name', [CompletionResultType]::ParameterName, 'Link name of the instance')
            [CompletionResult]::new('--config-json', '--config-json', [CompletionResultType]::ParameterName, 'Configuration handed to the provider as `config_json`: a JSON file (checked to be JSON), or the string itself')
            [CompletionResult]::new('--host-id', '--host-id', [CompletionResultType]::ParameterName, 'Host to start on; without it, hosts bid in an auction')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Label a bidding host must carry, KEY=VALUE (repeatable)')
            [CompletionResult]::new('--constraint', '--constraint', [CompletionResultType]::ParameterName, 'Label a bidding host must carry, KEY=VALUE (repeatable)')
            [CompletionResult]::new('--wait-timeout-ms', '--wait-timeout-ms', [CompletionResultType]::ParameterName, 'How long to wait for the outcome, in milliseconds (allow for a download)')
            [CompletionResult]::new('--annotation', '--annotation', [CompletionResultType]::ParameterName, 'Annotation of the started instance(s), KEY=VALUE (repeatable)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--skip-wait', '--skip-wait', [CompletionResultType]::ParameterName, 'Return after the host acknowledged, without waiting for the outcome')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctl;start;help' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Start actor instances from a signed module (a path, file:// URL or OCI reference)')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'Start a provider instance from a provider archive (.par.gz)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;ctl;start;help;actor' {
            break
        }
        'wash;ctl;start;help;provider' {
            break
        }
        'wash;ctl;start;help;help' {
            break
        }
        'wash;ctl;stop' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Stop instances of an actor: `<actor-id>`, or wash 0.x''s `<host-id> <actor-id>`')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'Stop a provider instance: `<provider-id>`, or wash 0.x''s `<host-id> <provider-id> <link-name> <contract-id>`')
            [CompletionResult]::new('host', 'host', [CompletionResultType]::ParameterValue, 'Stop a host (and everything on it)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;ctl;stop;actor' {
            [CompletionResult]::new('--host-id', '--host-id', [CompletionResultType]::ParameterName, 'Host the actor runs on (the only host running it when omitted)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'How many instances; 0 stops all [default: 0, or 1 in the wash 0.x form, as 0.x did]')
            [CompletionResult]::new('--wait-timeout-ms', '--wait-timeout-ms', [CompletionResultType]::ParameterName, 'How long to wait for the host to report the stop, in milliseconds (a provider gets its shutdown grace period first)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--skip-wait', '--skip-wait', [CompletionResultType]::ParameterName, 'Return once the host acknowledged, without waiting for it to report the stop')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctl;stop;provider' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Link name of the instance')
            [CompletionResult]::new('--link-name', '--link-name', [CompletionResultType]::ParameterName, 'Link name of the instance')
            [CompletionResult]::new('--contract-id', '--contract-id', [CompletionResultType]::ParameterName, 'Contract id of the provider')
            [CompletionResult]::new('--host-id', '--host-id', [CompletionResultType]::ParameterName, 'Host the provider runs on (the only host when omitted)')
            [CompletionResult]::new('--wait-timeout-ms', '--wait-timeout-ms', [CompletionResultType]::ParameterName, 'How long to wait for the host to report the stop, in milliseconds (a provider gets its shutdown grace period first)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--skip-wait', '--skip-wait', [CompletionResultType]::ParameterName, 'Return once the host acknowledged, without waiting for it to report the stop')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctl;stop;host' {
            [CompletionResult]::new('--host-timeout', '--host-timeout', [CompletionResultType]::ParameterName, 'How long the host may take to stop gracefully, in milliseconds [default: the host''s]')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctl;stop;help' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Stop instances of an actor: `<actor-id>`, or wash 0.x''s `<host-id> <actor-id>`')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'Stop a provider instance: `<provider-id>`, or wash 0.x''s `<host-id> <provider-id> <link-name> <contract-id>`')
            [CompletionResult]::new('host', 'host', [CompletionResultType]::ParameterValue, 'Stop a host (and everything on it)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;ctl;stop;help;actor' {
            break
        }
        'wash;ctl;stop;help;provider' {
            break
        }
        'wash;ctl;stop;help;host' {
            break
        }
        'wash;ctl;stop;help;help' {
            break
        }
        'wash;ctl;link' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Link an actor to a provider for a contract, with KEY=VALUE settings')
            [CompletionResult]::new('del', 'del', [CompletionResultType]::ParameterValue, 'Delete the link of an actor for a contract')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'List every link definition')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;ctl;link;put' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Link name')
            [CompletionResult]::new('--link-name', '--link-name', [CompletionResultType]::ParameterName, 'Link name')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctl;link;del' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Link name')
            [CompletionResult]::new('--link-name', '--link-name', [CompletionResultType]::ParameterName, 'Link name')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctl;link;query' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctl;link;help' {
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Link an actor to a provider for a contract, with KEY=VALUE settings')
            [CompletionResult]::new('del', 'del', [CompletionResultType]::ParameterValue, 'Delete the link of an actor for a contract')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'List every link definition')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;ctl;link;help;put' {
            break
        }
        'wash;ctl;link;help;del' {
            break
        }
        'wash;ctl;link;help;query' {
            break
        }
        'wash;ctl;link;help;help' {
            break
        }
        'wash;ctl;scale' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Run exactly `--count` instances of an actor (0 stops all), starting from the reference if needed')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;ctl;scale;actor' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The number of instances wanted (0 stops all)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'The number of instances wanted (0 stops all)')
            [CompletionResult]::new('--host-id', '--host-id', [CompletionResultType]::ParameterName, 'Host to scale on (default: the host running the actor, or the only host)')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Annotation of the new instances, KEY=VALUE (repeatable)')
            [CompletionResult]::new('--annotation', '--annotation', [CompletionResultType]::ParameterName, 'Annotation of the new instances, KEY=VALUE (repeatable)')
            [CompletionResult]::new('--annotations', '--annotations', [CompletionResultType]::ParameterName, 'Annotation of the new instances, KEY=VALUE (repeatable)')
            [CompletionResult]::new('--wait-timeout-ms', '--wait-timeout-ms', [CompletionResultType]::ParameterName, 'How long to wait for the count, in milliseconds')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--skip-wait', '--skip-wait', [CompletionResultType]::ParameterName, 'Return after the host acknowledged, without waiting for the inventory to show the count')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctl;scale;help' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Run exactly `--count` instances of an actor (0 stops all), starting from the reference if needed')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;ctl;scale;help;actor' {
            break
        }
        'wash;ctl;scale;help;help' {
            break
        }
        'wash;ctl;update' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Replace the module of a running actor')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;ctl;update;actor' {
            [CompletionResult]::new('--host-id', '--host-id', [CompletionResultType]::ParameterName, 'Host running the actor (default: the only host running it)')
            [CompletionResult]::new('--wait-timeout-ms', '--wait-timeout-ms', [CompletionResultType]::ParameterName, 'How long the host may take to load the new module and answer, in milliseconds')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctl;update;help' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Replace the module of a running actor')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;ctl;update;help;actor' {
            break
        }
        'wash;ctl;update;help;help' {
            break
        }
        'wash;ctl;apply' {
            [CompletionResult]::new('--wait-timeout-ms', '--wait-timeout-ms', [CompletionResultType]::ParameterName, 'How long to wait for each start to be reported, in milliseconds (allow for downloads)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Replace `${VAR}` and `${VAR:default}` in the manifest with environment variables first')
            [CompletionResult]::new('--expand-env', '--expand-env', [CompletionResultType]::ParameterName, 'Replace `${VAR}` and `${VAR:default}` in the manifest with environment variables first')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctl;help' {
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Query the lattice: hosts, a host''s inventory, claims, links')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start an actor or a provider')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop an actor, a provider or a host')
            [CompletionResult]::new('link', 'link', [CompletionResultType]::ParameterValue, 'Put, delete or list link definitions')
            [CompletionResult]::new('scale', 'scale', [CompletionResultType]::ParameterValue, 'Set the number of instances of an actor on a host')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Live-update a running actor to a new module (same actor key, e.g. a new revision)')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Start the actors and providers of a host manifest on a host and put its links (wash 0.x)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;ctl;help;get' {
            [CompletionResult]::new('hosts', 'hosts', [CompletionResultType]::ParameterValue, 'Every host that answers a ping')
            [CompletionResult]::new('inventory', 'inventory', [CompletionResultType]::ParameterValue, 'What runs on a host (the only host when none is given)')
            [CompletionResult]::new('claims', 'claims', [CompletionResultType]::ParameterValue, 'Claims of every actor and provider seen by the lattice')
            [CompletionResult]::new('links', 'links', [CompletionResultType]::ParameterValue, 'Every link definition (same as `wash ctl link query`)')
            break
        }
        'wash;ctl;help;get;hosts' {
            break
        }
        'wash;ctl;help;get;inventory' {
            break
        }
        'wash;ctl;help;get;claims' {
            break
        }
        'wash;ctl;help;get;links' {
            break
        }
        'wash;ctl;help;start' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Start actor instances from a signed module (a path, file:// URL or OCI reference)')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'Start a provider instance from a provider archive (.par.gz)')
            break
        }
        'wash;ctl;help;start;actor' {
            break
        }
        'wash;ctl;help;start;provider' {
            break
        }
        'wash;ctl;help;stop' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Stop instances of an actor: `<actor-id>`, or wash 0.x''s `<host-id> <actor-id>`')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'Stop a provider instance: `<provider-id>`, or wash 0.x''s `<host-id> <provider-id> <link-name> <contract-id>`')
            [CompletionResult]::new('host', 'host', [CompletionResultType]::ParameterValue, 'Stop a host (and everything on it)')
            break
        }
        'wash;ctl;help;stop;actor' {
            break
        }
        'wash;ctl;help;stop;provider' {
            break
        }
        'wash;ctl;help;stop;host' {
            break
        }
        'wash;ctl;help;link' {
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Link an actor to a provider for a contract, with KEY=VALUE settings')
            [CompletionResult]::new('del', 'del', [CompletionResultType]::ParameterValue, 'Delete the link of an actor for a contract')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'List every link definition')
            break
        }
        'wash;ctl;help;link;put' {
            break
        }
        'wash;ctl;help;link;del' {
            break
        }
        'wash;ctl;help;link;query' {
            break
        }
        'wash;ctl;help;scale' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Run exactly `--count` instances of an actor (0 stops all), starting from the reference if needed')
            break
        }
        'wash;ctl;help;scale;actor' {
            break
        }
        'wash;ctl;help;update' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Replace the module of a running actor')
            break
        }
        'wash;ctl;help;update;actor' {
            break
        }
        'wash;ctl;help;apply' {
            break
        }
        'wash;ctl;help;help' {
            break
        }
        'wash;app' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the applications wadm knows, with their newest and deployed versions and status')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print one version of an application''s manifest (the newest by default), as YAML')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'List the versions of an application, oldest first')
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Store a manifest (YAML or JSON) as a new version of its application, without deploying it')
            [CompletionResult]::new('del', 'del', [CompletionResultType]::ParameterValue, 'Delete one version of an application, or all of them with `--delete-all` (which undeploys it)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete one version of an application, or all of them with `--delete-all` (which undeploys it)')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Deploy an application: wadm starts what its manifest describes and keeps it so')
            [CompletionResult]::new('undeploy', 'undeploy', [CompletionResultType]::ParameterValue, 'Undeploy an application: wadm stops managing it and stops what it started')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show an application''s deployment status, per component and trait')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;app;list' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;app;get' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;app;history' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;app;put' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;app;del' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--delete-all', '--delete-all', [CompletionResultType]::ParameterName, 'Delete every version (and undeploy the application)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;app;delete' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--delete-all', '--delete-all', [CompletionResultType]::ParameterName, 'Delete every version (and undeploy the application)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;app;deploy' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'With a manifest file whose version wadm already stores: replace that version')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'With a manifest file whose version wadm already stores: replace that version')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;app;undeploy' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--non-destructive', '--non-destructive', [CompletionResultType]::ParameterName, 'Leave what the application started running')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;app;status' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;app;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the applications wadm knows, with their newest and deployed versions and status')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print one version of an application''s manifest (the newest by default), as YAML')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'List the versions of an application, oldest first')
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Store a manifest (YAML or JSON) as a new version of its application, without deploying it')
            [CompletionResult]::new('del', 'del', [CompletionResultType]::ParameterValue, 'Delete one version of an application, or all of them with `--delete-all` (which undeploys it)')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Deploy an application: wadm starts what its manifest describes and keeps it so')
            [CompletionResult]::new('undeploy', 'undeploy', [CompletionResultType]::ParameterValue, 'Undeploy an application: wadm stops managing it and stops what it started')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show an application''s deployment status, per component and trait')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;app;help;list' {
            break
        }
        'wash;app;help;get' {
            break
        }
        'wash;app;help;history' {
            break
        }
        'wash;app;help;put' {
            break
        }
        'wash;app;help;del' {
            break
        }
        'wash;app;help;deploy' {
            break
        }
        'wash;app;help;undeploy' {
            break
        }
        'wash;app;help;status' {
            break
        }
        'wash;app;help;help' {
            break
        }
        'wash;ui' {
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port on 127.0.0.1 to serve the dashboard on (0 picks a free one)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;get' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('hosts', 'hosts', [CompletionResultType]::ParameterValue, 'Every host that answers a ping')
            [CompletionResult]::new('inventory', 'inventory', [CompletionResultType]::ParameterValue, 'What runs on a host (the only host when none is given)')
            [CompletionResult]::new('claims', 'claims', [CompletionResultType]::ParameterValue, 'Claims of every actor and provider seen by the lattice')
            [CompletionResult]::new('links', 'links', [CompletionResultType]::ParameterValue, 'Every link definition (same as `wash ctl link query`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;get;hosts' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;get;inventory' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;get;claims' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;get;links' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;get;help' {
            [CompletionResult]::new('hosts', 'hosts', [CompletionResultType]::ParameterValue, 'Every host that answers a ping')
            [CompletionResult]::new('inventory', 'inventory', [CompletionResultType]::ParameterValue, 'What runs on a host (the only host when none is given)')
            [CompletionResult]::new('claims', 'claims', [CompletionResultType]::ParameterValue, 'Claims of every actor and provider seen by the lattice')
            [CompletionResult]::new('links', 'links', [CompletionResultType]::ParameterValue, 'Every link definition (same as `wash ctl link query`)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;get;help;hosts' {
            break
        }
        'wash;get;help;inventory' {
            break
        }
        'wash;get;help;claims' {
            break
        }
        'wash;get;help;links' {
            break
        }
        'wash;get;help;help' {
            break
        }
        'wash;start' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Start actor instances from a signed module (a path, file:// URL or OCI reference)')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'Start a provider instance from a provider archive (.par.gz)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;start;actor' {
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Number of instances')
            [CompletionResult]::new('--host-id', '--host-id', [CompletionResultType]::ParameterName, 'Host to start on; without it, hosts bid in an auction')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Label a bidding host must carry, KEY=VALUE (repeatable)')
            [CompletionResult]::new('--constraint', '--constraint', [CompletionResultType]::ParameterName, 'Label a bidding host must carry, KEY=VALUE (repeatable)')
            [CompletionResult]::new('--wait-timeout-ms', '--wait-timeout-ms', [CompletionResultType]::ParameterName, 'How long to wait for the outcome, in milliseconds (allow for a download)')
            [CompletionResult]::new('--annotation', '--annotation', [CompletionResultType]::ParameterName, 'Annotation of the started instance(s), KEY=VALUE (repeatable)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--skip-wait', '--skip-wait', [CompletionResultType]::ParameterName, 'Return after the host acknowledged, without waiting for the outcome')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;start;provider' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Link name of the instance')
            [CompletionResult]::new('--link-name', '--link-name', [CompletionResultType]::ParameterName, 'Link name of the instance')
            [CompletionResult]::new('--config-json', '--config-json', [CompletionResultType]::ParameterName, 'Configuration handed to the provider as `config_json`: a JSON file (checked to be JSON), or the string itself')
            [CompletionResult]::new('--host-id', '--host-id', [CompletionResultType]::ParameterName, 'Host to start on; without it, hosts bid in an auction')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Label a bidding host must carry, KEY=VALUE (repeatable)')
            [CompletionResult]::new('--constraint', '--constraint', [CompletionResultType]::ParameterName, 'Label a bidding host must carry, KEY=VALUE (repeatable)')
            [CompletionResult]::new('--wait-timeout-ms', '--wait-timeout-ms', [CompletionResultType]::ParameterName, 'How long to wait for the outcome, in milliseconds (allow for a download)')
            [CompletionResult]::new('--annotation', '--annotation', [CompletionResultType]::ParameterName, 'Annotation of the started instance(s), KEY=VALUE (repeatable)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--skip-wait', '--skip-wait', [CompletionResultType]::ParameterName, 'Return after the host acknowledged, without waiting for the outcome')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;start;help' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Start actor instances from a signed module (a path, file:// URL or OCI reference)')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'Start a provider instance from a provider archive (.par.gz)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;start;help;actor' {
            break
        }
        'wash;start;help;provider' {
            break
        }
        'wash;start;help;help' {
            break
        }
        'wash;stop' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Stop instances of an actor: `<actor-id>`, or wash 0.x''s `<host-id> <actor-id>`')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'Stop a provider instance: `<provider-id>`, or wash 0.x''s `<host-id> <provider-id> <link-name> <contract-id>`')
            [CompletionResult]::new('host', 'host', [CompletionResultType]::ParameterValue, 'Stop a host (and everything on it)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;stop;actor' {
            [CompletionResult]::new('--host-id', '--host-id', [CompletionResultType]::ParameterName, 'Host the actor runs on (the only host running it when omitted)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'How many instances; 0 stops all [default: 0, or 1 in the wash 0.x form, as 0.x did]')
            [CompletionResult]::new('--wait-timeout-ms', '--wait-timeout-ms', [CompletionResultType]::ParameterName, 'How long to wait for the host to report the stop, in milliseconds (a provider gets its shutdown grace period first)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--skip-wait', '--skip-wait', [CompletionResultType]::ParameterName, 'Return once the host acknowledged, without waiting for it to report the stop')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;stop;provider' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Link name of the instance')
            [CompletionResult]::new('--link-name', '--link-name', [CompletionResultType]::ParameterName, 'Link name of the instance')
            [CompletionResult]::new('--contract-id', '--contract-id', [CompletionResultType]::ParameterName, 'Contract id of the provider')
            [CompletionResult]::new('--host-id', '--host-id', [CompletionResultType]::ParameterName, 'Host the provider runs on (the only host when omitted)')
            [CompletionResult]::new('--wait-timeout-ms', '--wait-timeout-ms', [CompletionResultType]::ParameterName, 'How long to wait for the host to report the stop, in milliseconds (a provider gets its shutdown grace period first)')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--skip-wait', '--skip-wait', [CompletionResultType]::ParameterName, 'Return once the host acknowledged, without waiting for it to report the stop')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;stop;host' {
            [CompletionResult]::new('--host-timeout', '--host-timeout', [CompletionResultType]::ParameterName, 'How long the host may take to stop gracefully, in milliseconds [default: the host''s]')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;stop;help' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Stop instances of an actor: `<actor-id>`, or wash 0.x''s `<host-id> <actor-id>`')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'Stop a provider instance: `<provider-id>`, or wash 0.x''s `<host-id> <provider-id> <link-name> <contract-id>`')
            [CompletionResult]::new('host', 'host', [CompletionResultType]::ParameterValue, 'Stop a host (and everything on it)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;stop;help;actor' {
            break
        }
        'wash;stop;help;provider' {
            break
        }
        'wash;stop;help;host' {
            break
        }
        'wash;stop;help;help' {
            break
        }
        'wash;link' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Link an actor to a provider for a contract, with KEY=VALUE settings')
            [CompletionResult]::new('del', 'del', [CompletionResultType]::ParameterValue, 'Delete the link of an actor for a contract')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'List every link definition')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;link;put' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Link name')
            [CompletionResult]::new('--link-name', '--link-name', [CompletionResultType]::ParameterName, 'Link name')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;link;del' {
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Link name')
            [CompletionResult]::new('--link-name', '--link-name', [CompletionResultType]::ParameterName, 'Link name')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;link;query' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;link;help' {
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Link an actor to a provider for a contract, with KEY=VALUE settings')
            [CompletionResult]::new('del', 'del', [CompletionResultType]::ParameterValue, 'Delete the link of an actor for a contract')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'List every link definition')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;link;help;put' {
            break
        }
        'wash;link;help;del' {
            break
        }
        'wash;link;help;query' {
            break
        }
        'wash;link;help;help' {
            break
        }
        'wash;call' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'The operation''s argument as JSON, or a file holding it (`FILE` or `@FILE`; `@-`: stdin)')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'The operation''s argument as JSON, or a file holding it (`FILE` or `@FILE`; `@-`: stdin)')
            [CompletionResult]::new('--save', '--save', [CompletionResultType]::ParameterName, 'Write the raw reply bytes to FILE instead of showing them')
            [CompletionResult]::new('--bin', '--bin', [CompletionResultType]::ParameterName, 'Alone: print the raw reply bytes (under `-o json`: an array of byte values). With a value, how binary fields of the decoded reply are shown (wash 0.x): `b` byte arrays, `s` text, `2` both')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host for RPC [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--rpc-host', '--rpc-host', [CompletionResultType]::ParameterName, 'NATS host for RPC [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port for RPC [default: from the context, else 4222]')
            [CompletionResult]::new('--rpc-port', '--rpc-port', [CompletionResultType]::ParameterName, 'NATS port for RPC [default: from the context, else 4222]')
            [CompletionResult]::new('--rpc-jwt', '--rpc-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it); needs `--rpc-seed`')
            [CompletionResult]::new('--rpc-seed', '--rpc-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it); alone, authenticates as that nkey')
            [CompletionResult]::new('--rpc-credsfile', '--rpc-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'How long to wait for the reply, in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--rpc-timeout-ms', '--rpc-timeout-ms', [CompletionResultType]::ParameterName, 'How long to wait for the reply, in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Cluster seed (SC…, or a file holding it) that signs the invocation [default: from the context, where `wash up` records it]')
            [CompletionResult]::new('--cluster-seed', '--cluster-seed', [CompletionResultType]::ParameterName, 'Cluster seed (SC…, or a file holding it) that signs the invocation [default: from the context, where `wash up` records it]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--rpc-user', '--rpc-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--rpc-password`)')
            [CompletionResult]::new('--rpc-password', '--rpc-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_RPC_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--test', '--test', [CompletionResultType]::ParameterName, 'Read the reply as test results (`wasmcloud:testing` TestResults) and show each test''s outcome')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;spy' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctx' {
            [CompletionResult]::new('--directory', '--directory', [CompletionResultType]::ParameterName, 'The folder holding the contexts [default: ~/.wash/contexts] (wash 0.18.1''s flag; `wash ctl` and `wash call` still read ~/.wash/contexts, or take `--context FILE`)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the stored contexts and which one is the default')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Create a context (control and RPC settings alike; `wash ctx edit` changes them separately)')
            [CompletionResult]::new('default', 'default', [CompletionResultType]::ParameterValue, 'Make a context the default, or show the default when no name is given')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit a context (the default one when no name is given) in a text editor')
            [CompletionResult]::new('del', 'del', [CompletionResultType]::ParameterValue, 'Delete a context (without a name, asks which one at a terminal)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;ctx;list' {
            [CompletionResult]::new('--directory', '--directory', [CompletionResultType]::ParameterName, 'The folder holding the contexts [default: ~/.wash/contexts] (wash 0.18.1''s flag; `wash ctl` and `wash call` still read ~/.wash/contexts, or take `--context FILE`)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctx;new' {
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the lattice')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the lattice')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id')
            [CompletionResult]::new('--cluster-seed', '--cluster-seed', [CompletionResultType]::ParameterName, 'Cluster seed (SC…) that signs `wash call` invocations')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Request timeout in milliseconds')
            [CompletionResult]::new('--directory', '--directory', [CompletionResultType]::ParameterName, 'The folder holding the contexts [default: ~/.wash/contexts] (wash 0.18.1''s flag; `wash ctl` and `wash call` still read ~/.wash/contexts, or take `--context FILE`)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Ask for each setting at the terminal, the flags'' values offered as defaults')
            [CompletionResult]::new('--interactive', '--interactive', [CompletionResultType]::ParameterName, 'Ask for each setting at the terminal, the flags'' values offered as defaults')
            [CompletionResult]::new('--default', '--default', [CompletionResultType]::ParameterName, 'Also make it the default context')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctx;default' {
            [CompletionResult]::new('--directory', '--directory', [CompletionResultType]::ParameterName, 'The folder holding the contexts [default: ~/.wash/contexts] (wash 0.18.1''s flag; `wash ctl` and `wash call` still read ~/.wash/contexts, or take `--context FILE`)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctx;edit' {
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'Editor command [default: $EDITOR]')
            [CompletionResult]::new('--editor', '--editor', [CompletionResultType]::ParameterName, 'Editor command [default: $EDITOR]')
            [CompletionResult]::new('--directory', '--directory', [CompletionResultType]::ParameterName, 'The folder holding the contexts [default: ~/.wash/contexts] (wash 0.18.1''s flag; `wash ctl` and `wash call` still read ~/.wash/contexts, or take `--context FILE`)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctx;del' {
            [CompletionResult]::new('--directory', '--directory', [CompletionResultType]::ParameterName, 'The folder holding the contexts [default: ~/.wash/contexts] (wash 0.18.1''s flag; `wash ctl` and `wash call` still read ~/.wash/contexts, or take `--context FILE`)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;ctx;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the stored contexts and which one is the default')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Create a context (control and RPC settings alike; `wash ctx edit` changes them separately)')
            [CompletionResult]::new('default', 'default', [CompletionResultType]::ParameterValue, 'Make a context the default, or show the default when no name is given')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit a context (the default one when no name is given) in a text editor')
            [CompletionResult]::new('del', 'del', [CompletionResultType]::ParameterValue, 'Delete a context (without a name, asks which one at a terminal)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;ctx;help;list' {
            break
        }
        'wash;ctx;help;new' {
            break
        }
        'wash;ctx;help;default' {
            break
        }
        'wash;ctx;help;edit' {
            break
        }
        'wash;ctx;help;del' {
            break
        }
        'wash;ctx;help;help' {
            break
        }
        'wash;new' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'A WebAssembly actor (built-in template: a hello-world HTTP actor)')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'A native capability provider (built-in template: a factorial provider on the 0.x SDK)')
            [CompletionResult]::new('interface', 'interface', [CompletionResultType]::ParameterValue, 'A Smithy interface and the Rust crate of its bindings')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;new;actor' {
            [CompletionResult]::new('--git', '--git', [CompletionResultType]::ParameterName, 'Take the template from this git repository (cloned with `git`)')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'The branch or tag of `--git`')
            [CompletionResult]::new('--subfolder', '--subfolder', [CompletionResultType]::ParameterName, 'The sub-folder of `--git` or `--path` that holds the template')
            [CompletionResult]::new('--subdir', '--subdir', [CompletionResultType]::ParameterName, 'The sub-folder of `--git` or `--path` that holds the template')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Take the template from this local folder')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Take the template from this local folder')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'A template by name: a built-in one or a favorite from ~/.wash/favorites.toml')
            [CompletionResult]::new('--template-name', '--template-name', [CompletionResultType]::ParameterName, 'A template by name: a built-in one or a favorite from ~/.wash/favorites.toml')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'A TOML file of placeholder values (a `[values]` table)')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'A TOML file of placeholder values (a `[values]` table)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Set a placeholder value (repeatable); wins over `--values`')
            [CompletionResult]::new('--define', '--define', [CompletionResultType]::ParameterName, 'Set a placeholder value (repeatable); wins over `--values`')
            [CompletionResult]::new('--favorites', '--favorites', [CompletionResultType]::ParameterName, 'The favorites file for `--template-name`; without a name, its first template of this kind is used (or chosen at a terminal) [default: ~/.wash/favorites.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--silent', '--silent', [CompletionResultType]::ParameterName, 'Ask nothing: placeholders take their defaults, and a value without one is an error')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Render into an existing folder (files of the same name are overwritten)')
            [CompletionResult]::new('--no-git-init', '--no-git-init', [CompletionResultType]::ParameterName, 'Do not run `git init` in the new project (by default it becomes a repository on `main`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`--verbose` debug, twice trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;new;provider' {
            [CompletionResult]::new('--git', '--git', [CompletionResultType]::ParameterName, 'Take the template from this git repository (cloned with `git`)')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'The branch or tag of `--git`')
            [CompletionResult]::new('--subfolder', '--subfolder', [CompletionResultType]::ParameterName, 'The sub-folder of `--git` or `--path` that holds the template')
            [CompletionResult]::new('--subdir', '--subdir', [CompletionResultType]::ParameterName, 'The sub-folder of `--git` or `--path` that holds the template')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Take the template from this local folder')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Take the template from this local folder')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'A template by name: a built-in one or a favorite from ~/.wash/favorites.toml')
            [CompletionResult]::new('--template-name', '--template-name', [CompletionResultType]::ParameterName, 'A template by name: a built-in one or a favorite from ~/.wash/favorites.toml')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'A TOML file of placeholder values (a `[values]` table)')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'A TOML file of placeholder values (a `[values]` table)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Set a placeholder value (repeatable); wins over `--values`')
            [CompletionResult]::new('--define', '--define', [CompletionResultType]::ParameterName, 'Set a placeholder value (repeatable); wins over `--values`')
            [CompletionResult]::new('--favorites', '--favorites', [CompletionResultType]::ParameterName, 'The favorites file for `--template-name`; without a name, its first template of this kind is used (or chosen at a terminal) [default: ~/.wash/favorites.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--silent', '--silent', [CompletionResultType]::ParameterName, 'Ask nothing: placeholders take their defaults, and a value without one is an error')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Render into an existing folder (files of the same name are overwritten)')
            [CompletionResult]::new('--no-git-init', '--no-git-init', [CompletionResultType]::ParameterName, 'Do not run `git init` in the new project (by default it becomes a repository on `main`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`--verbose` debug, twice trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;new;interface' {
            [CompletionResult]::new('--git', '--git', [CompletionResultType]::ParameterName, 'Take the template from this git repository (cloned with `git`)')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'The branch or tag of `--git`')
            [CompletionResult]::new('--subfolder', '--subfolder', [CompletionResultType]::ParameterName, 'The sub-folder of `--git` or `--path` that holds the template')
            [CompletionResult]::new('--subdir', '--subdir', [CompletionResultType]::ParameterName, 'The sub-folder of `--git` or `--path` that holds the template')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Take the template from this local folder')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Take the template from this local folder')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'A template by name: a built-in one or a favorite from ~/.wash/favorites.toml')
            [CompletionResult]::new('--template-name', '--template-name', [CompletionResultType]::ParameterName, 'A template by name: a built-in one or a favorite from ~/.wash/favorites.toml')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'A TOML file of placeholder values (a `[values]` table)')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'A TOML file of placeholder values (a `[values]` table)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Set a placeholder value (repeatable); wins over `--values`')
            [CompletionResult]::new('--define', '--define', [CompletionResultType]::ParameterName, 'Set a placeholder value (repeatable); wins over `--values`')
            [CompletionResult]::new('--favorites', '--favorites', [CompletionResultType]::ParameterName, 'The favorites file for `--template-name`; without a name, its first template of this kind is used (or chosen at a terminal) [default: ~/.wash/favorites.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--silent', '--silent', [CompletionResultType]::ParameterName, 'Ask nothing: placeholders take their defaults, and a value without one is an error')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Render into an existing folder (files of the same name are overwritten)')
            [CompletionResult]::new('--no-git-init', '--no-git-init', [CompletionResultType]::ParameterName, 'Do not run `git init` in the new project (by default it becomes a repository on `main`)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`--verbose` debug, twice trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;new;help' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'A WebAssembly actor (built-in template: a hello-world HTTP actor)')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'A native capability provider (built-in template: a factorial provider on the 0.x SDK)')
            [CompletionResult]::new('interface', 'interface', [CompletionResultType]::ParameterValue, 'A Smithy interface and the Rust crate of its bindings')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;new;help;actor' {
            break
        }
        'wash;new;help;provider' {
            break
        }
        'wash;new;help;interface' {
            break
        }
        'wash;new;help;help' {
            break
        }
        'wash;build' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'The project folder holding wasmcloud.toml, or the project file itself [default: the current folder]')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'The project folder holding wasmcloud.toml, or the project file itself [default: the current folder]')
            [CompletionResult]::new('--config-path', '--config-path', [CompletionResultType]::ParameterName, 'The project folder holding wasmcloud.toml, or the project file itself [default: the current folder]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]')
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Subject (module or service) key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]')
            [CompletionResult]::new('--subject', '--subject', [CompletionResultType]::ParameterName, 'Subject (module or service) key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]')
            [CompletionResult]::new('--keys-directory', '--keys-directory', [CompletionResultType]::ParameterName, 'Key directory; wins over `key_directory` in wasmcloud.toml [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--no-sign', '--no-sign', [CompletionResultType]::ParameterName, 'Compile only: do not sign the actor or pack the provider')
            [CompletionResult]::new('--build-only', '--build-only', [CompletionResultType]::ParameterName, 'Compile only: do not sign the actor or pack the provider')
            [CompletionResult]::new('--sign-only', '--sign-only', [CompletionResultType]::ParameterName, 'Do not compile: sign (or pack) what the last build left in cargo''s target folder')
            [CompletionResult]::new('--disable-keygen', '--disable-keygen', [CompletionResultType]::ParameterName, 'Fail instead of generating a key that is not found')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;dev' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('--ctl-host', '--ctl-host', [CompletionResultType]::ParameterName, 'NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else 127.0.0.1]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-port', '--ctl-port', [CompletionResultType]::ParameterName, 'NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]')
            [CompletionResult]::new('--ctl-jwt', '--ctl-jwt', [CompletionResultType]::ParameterName, 'NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`')
            [CompletionResult]::new('--ctl-seed', '--ctl-seed', [CompletionResultType]::ParameterName, 'NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey')
            [CompletionResult]::new('--ctl-credsfile', '--ctl-credsfile', [CompletionResultType]::ParameterName, 'NATS credentials file (JWT and seed in one)')
            [CompletionResult]::new('-x', '-x', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice', '--lattice', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('--lattice-prefix', '--lattice-prefix', [CompletionResultType]::ParameterName, 'Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Timeout of one control request in milliseconds [default: from the context, else 2000]')
            [CompletionResult]::new('--auction-timeout-ms', '--auction-timeout-ms', [CompletionResultType]::ParameterName, 'How long pings and auctions collect host answers, in milliseconds')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to read settings from: a name in ~/.wash/contexts, or the path of a context file [default: the default context]')
            [CompletionResult]::new('--ctl-user', '--ctl-user', [CompletionResultType]::ParameterName, 'NATS user name, for a server with user/password authorization (with `--ctl-password`)')
            [CompletionResult]::new('--ctl-password', '--ctl-password', [CompletionResultType]::ParameterName, 'The NATS user''s password (better in `$WASH_CTL_PASSWORD` than on the command line)')
            [CompletionResult]::new('--tls-ca-file', '--tls-ca-file', [CompletionResultType]::ParameterName, 'PEM file of the CA that signed the NATS server''s TLS certificate (besides the system''s roots)')
            [CompletionResult]::new('--ctl-topic-prefix', '--ctl-topic-prefix', [CompletionResultType]::ParameterName, 'Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the same prefix answers)')
            [CompletionResult]::new('--js-domain', '--js-domain', [CompletionResultType]::ParameterName, 'JetStream domain of the lattice''s NATS (wash 0.18.1 read links and claims from the lattice''s bucket there). Accepted; not needed: this wash asks the hosts for links and claims')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'The project folder holding wasmcloud.toml, or the project file itself [default: the current folder]')
            [CompletionResult]::new('--host-id', '--host-id', [CompletionResultType]::ParameterName, 'The host to run on [default: the only host of the lattice]')
            [CompletionResult]::new('--debounce-ms', '--debounce-ms', [CompletionResultType]::ParameterName, 'How long the sources must stay unchanged before a rebuild starts, in milliseconds')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;gen' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The codegen.toml to read')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The codegen.toml to read')
            [CompletionResult]::new('--output-dir', '--output-dir', [CompletionResultType]::ParameterName, 'The folder each language''s `output_dir` is relative to [default: the config''s folder]')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Generate only this language (`rust` or `go`; repeatable) [default: every one configured]')
            [CompletionResult]::new('--lang', '--lang', [CompletionResultType]::ParameterName, 'Generate only this language (`rust` or `go`; repeatable) [default: every one configured]')
            [CompletionResult]::new('-T', '-T ', [CompletionResultType]::ParameterName, 'wash 0.x''s handlebars template folder: refused (this generator has no templates)')
            [CompletionResult]::new('--template-dir', '--template-dir', [CompletionResultType]::ParameterName, 'wash 0.x''s handlebars template folder: refused (this generator has no templates)')
            [CompletionResult]::new('-D', '-D ', [CompletionResultType]::ParameterName, 'wash 0.x''s template values: refused (this generator has no templates)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;validate' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The codegen.toml whose `[[models]]` are read when no PATH is given [default: ./codegen.toml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The codegen.toml whose `[[models]]` are read when no PATH is given [default: ./codegen.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;lint' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The codegen.toml whose `[[models]]` are read when no PATH is given [default: ./codegen.toml]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The codegen.toml whose `[[models]]` are read when no PATH is given [default: ./codegen.toml]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;completions' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Write the script into this directory (under the shell''s usual file name) instead of stdout')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write the script into this directory (under the shell''s usual file name) instead of stdout')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: `text` for people, `json` for scripts (one object on stdout)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No status or progress lines on stderr; results and errors are still printed')
            [CompletionResult]::new('--experimental', '--experimental', [CompletionResultType]::ParameterName, 'wash 0.18.1''s switch for its experimental commands (`spy`, `dev`, `capture`), also read from `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing; hidden from help (docs/compat.md)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'wash;help' {
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'Generate nkeys and read the key store')
            [CompletionResult]::new('claims', 'claims', [CompletionResultType]::ParameterValue, 'Sign actors, inspect their claims, make tokens')
            [CompletionResult]::new('par', 'par', [CompletionResultType]::ParameterValue, 'Create, inspect and extend provider archives')
            [CompletionResult]::new('reg', 'reg', [CompletionResultType]::ParameterValue, 'Push and pull actors and provider archives to and from OCI registries')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Push an actor module or provider archive to an OCI registry (`reg push`)')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Pull an artifact from an OCI registry into a file (`reg pull`)')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show a module''s claims or a provider archive''s contents (told apart by content)')
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'Empty local caches, ours and wash 0.18.1''s (`wash drain all`)')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Start a local lattice: NATS (unless one answers), wadm (when installed) and a host')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Stop what `wash up` started')
            [CompletionResult]::new('ctl', 'ctl', [CompletionResultType]::ParameterValue, 'Drive the lattice: inventory, start/stop actors and providers, links')
            [CompletionResult]::new('app', 'app', [CompletionResultType]::ParameterValue, 'Deploy and manage declarative applications (OAM manifests) with wadm')
            [CompletionResult]::new('ui', 'ui', [CompletionResultType]::ParameterValue, 'Serve a live dashboard of the lattice on 127.0.0.1: view, start, link, scale, stop')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Query the lattice: hosts, a host''s inventory, claims, links (`ctl get`)')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start an actor or a provider (`ctl start`)')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop an actor, a provider or a host (`ctl stop`)')
            [CompletionResult]::new('link', 'link', [CompletionResultType]::ParameterValue, 'Put, delete or list link definitions (`ctl link`)')
            [CompletionResult]::new('call', 'call', [CompletionResultType]::ParameterValue, 'Invoke an operation of a running actor (JSON in, JSON out)')
            [CompletionResult]::new('spy', 'spy', [CompletionResultType]::ParameterValue, 'Watch one actor''s invocations and replies on the lattice, live')
            [CompletionResult]::new('ctx', 'ctx', [CompletionResultType]::ParameterValue, 'Manage contexts: named lattice connection settings, one of them the default')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Scaffold an actor, provider or interface project from a template')
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Compile a project (wasmcloud.toml), then sign the actor or pack the provider')
            [CompletionResult]::new('dev', 'dev', [CompletionResultType]::ParameterValue, 'Build, start and hot-swap an actor project on a local lattice as its sources change')
            [CompletionResult]::new('gen', 'gen', [CompletionResultType]::ParameterValue, 'Generate Rust bindings from Smithy models (codegen.toml)')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check Smithy models and print every error with its line and column')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Report style issues in Smithy models: naming conventions, unwelcome terms')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print or write shell completion scripts')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'wash;help;keys' {
            [CompletionResult]::new('gen', 'gen', [CompletionResultType]::ParameterValue, 'Generate a key pair and print its public key and seed (nothing is written)')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print the seed stored under a name')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the names of the stored keys')
            break
        }
        'wash;help;keys;gen' {
            break
        }
        'wash;help;keys;get' {
            break
        }
        'wash;help;keys;list' {
            break
        }
        'wash;help;claims' {
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign a WebAssembly module: embed a `wasmcloud_jwt` section with the actor''s claims')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show (and verify) the claims embedded in a signed module')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Make a standalone signed token')
            break
        }
        'wash;help;claims;sign' {
            break
        }
        'wash;help;claims;inspect' {
            break
        }
        'wash;help;claims;token' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'An actor token (no module), signed by an account for a module key, with the flags of `claims sign`')
            [CompletionResult]::new('account', 'account', [CompletionResultType]::ParameterValue, 'An account token, signed by an operator (`--issuer`) for an account (`--subject`)')
            [CompletionResult]::new('operator', 'operator', [CompletionResultType]::ParameterValue, 'An operator token (self-signed by `--issuer`)')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'A capability provider token, signed by an account for a service key')
            break
        }
        'wash;help;claims;token;actor' {
            break
        }
        'wash;help;claims;token;account' {
            break
        }
        'wash;help;claims;token;operator' {
            break
        }
        'wash;help;claims;token;provider' {
            break
        }
        'wash;help;par' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a provider archive from one binary')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show (and verify) a provider archive')
            [CompletionResult]::new('insert', 'insert', [CompletionResultType]::ParameterValue, 'Add or replace the binary for one target in an archive (re-signs it)')
            break
        }
        'wash;help;par;create' {
            break
        }
        'wash;help;par;inspect' {
            break
        }
        'wash;help;par;insert' {
            break
        }
        'wash;help;reg' {
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Push an actor module or provider archive (told apart by content)')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Pull an artifact into a file, checking every digest')
            [CompletionResult]::new('ping', 'ping', [CompletionResultType]::ParameterValue, 'Check that a registry answers (with credentials, if it wants them)')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Check credentials against a registry and store them (0600) for later pushes and pulls')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Forget the stored credentials of a registry')
            break
        }
        'wash;help;reg;push' {
            break
        }
        'wash;help;reg;pull' {
            break
        }
        'wash;help;reg;ping' {
            break
        }
        'wash;help;reg;login' {
            break
        }
        'wash;help;reg;logout' {
            break
        }
        'wash;help;push' {
            break
        }
        'wash;help;pull' {
            break
        }
        'wash;help;inspect' {
            break
        }
        'wash;help;drain' {
            [CompletionResult]::new('all', 'all', [CompletionResultType]::ParameterValue, 'Empty every cache below: lib, oci, smithy, downloads')
            [CompletionResult]::new('lib', 'lib', [CompletionResultType]::ParameterValue, 'Remove extracted provider binaries and compiled actors (ours and wash 0.18.1''s)')
            [CompletionResult]::new('oci', 'oci', [CompletionResultType]::ParameterValue, 'Remove every cached OCI manifest and layer (ours and wash 0.18.1''s)')
            [CompletionResult]::new('smithy', 'smithy', [CompletionResultType]::ParameterValue, 'Remove wash 0.18.1''s cached Smithy models')
            [CompletionResult]::new('downloads', 'downloads', [CompletionResultType]::ParameterValue, 'Remove what wash 0.18.1''s `up` downloaded, with its logs and pid files')
            break
        }
        'wash;help;drain;all' {
            break
        }
        'wash;help;drain;lib' {
            break
        }
        'wash;help;drain;oci' {
            break
        }
        'wash;help;drain;smithy' {
            break
        }
        'wash;help;drain;downloads' {
            break
        }
        'wash;help;up' {
            break
        }
        'wash;help;down' {
            break
        }
        'wash;help;ctl' {
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Query the lattice: hosts, a host''s inventory, claims, links')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Start an actor or a provider')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop an actor, a provider or a host')
            [CompletionResult]::new('link', 'link', [CompletionResultType]::ParameterValue, 'Put, delete or list link definitions')
            [CompletionResult]::new('scale', 'scale', [CompletionResultType]::ParameterValue, 'Set the number of instances of an actor on a host')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Live-update a running actor to a new module (same actor key, e.g. a new revision)')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Start the actors and providers of a host manifest on a host and put its links (wash 0.x)')
            break
        }
        'wash;help;ctl;get' {
            [CompletionResult]::new('hosts', 'hosts', [CompletionResultType]::ParameterValue, 'Every host that answers a ping')
            [CompletionResult]::new('inventory', 'inventory', [CompletionResultType]::ParameterValue, 'What runs on a host (the only host when none is given)')
            [CompletionResult]::new('claims', 'claims', [CompletionResultType]::ParameterValue, 'Claims of every actor and provider seen by the lattice')
            [CompletionResult]::new('links', 'links', [CompletionResultType]::ParameterValue, 'Every link definition (same as `wash ctl link query`)')
            break
        }
        'wash;help;ctl;get;hosts' {
            break
        }
        'wash;help;ctl;get;inventory' {
            break
        }
        'wash;help;ctl;get;claims' {
            break
        }
        'wash;help;ctl;get;links' {
            break
        }
        'wash;help;ctl;start' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Start actor instances from a signed module (a path, file:// URL or OCI reference)')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'Start a provider instance from a provider archive (.par.gz)')
            break
        }
        'wash;help;ctl;start;actor' {
            break
        }
        'wash;help;ctl;start;provider' {
            break
        }
        'wash;help;ctl;stop' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Stop instances of an actor: `<actor-id>`, or wash 0.x''s `<host-id> <actor-id>`')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'Stop a provider instance: `<provider-id>`, or wash 0.x''s `<host-id> <provider-id> <link-name> <contract-id>`')
            [CompletionResult]::new('host', 'host', [CompletionResultType]::ParameterValue, 'Stop a host (and everything on it)')
            break
        }
        'wash;help;ctl;stop;actor' {
            break
        }
        'wash;help;ctl;stop;provider' {
            break
        }
        'wash;help;ctl;stop;host' {
            break
        }
        'wash;help;ctl;link' {
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Link an actor to a provider for a contract, with KEY=VALUE settings')
            [CompletionResult]::new('del', 'del', [CompletionResultType]::ParameterValue, 'Delete the link of an actor for a contract')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'List every link definition')
            break
        }
        'wash;help;ctl;link;put' {
            break
        }
        'wash;help;ctl;link;del' {
            break
        }
        'wash;help;ctl;link;query' {
            break
        }
        'wash;help;ctl;scale' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Run exactly `--count` instances of an actor (0 stops all), starting from the reference if needed')
            break
        }
        'wash;help;ctl;scale;actor' {
            break
        }
        'wash;help;ctl;update' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Replace the module of a running actor')
            break
        }
        'wash;help;ctl;update;actor' {
            break
        }
        'wash;help;ctl;apply' {
            break
        }
        'wash;help;app' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the applications wadm knows, with their newest and deployed versions and status')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Print one version of an application''s manifest (the newest by default), as YAML')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'List the versions of an application, oldest first')
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Store a manifest (YAML or JSON) as a new version of its application, without deploying it')
            [CompletionResult]::new('del', 'del', [CompletionResultType]::ParameterValue, 'Delete one version of an application, or all of them with `--delete-all` (which undeploys it)')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Deploy an application: wadm starts what its manifest describes and keeps it so')
            [CompletionResult]::new('undeploy', 'undeploy', [CompletionResultType]::ParameterValue, 'Undeploy an application: wadm stops managing it and stops what it started')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show an application''s deployment status, per component and trait')
            break
        }
        'wash;help;app;list' {
            break
        }
        'wash;help;app;get' {
            break
        }
        'wash;help;app;history' {
            break
        }
        'wash;help;app;put' {
            break
        }
        'wash;help;app;del' {
            break
        }
        'wash;help;app;deploy' {
            break
        }
        'wash;help;app;undeploy' {
            break
        }
        'wash;help;app;status' {
            break
        }
        'wash;help;ui' {
            break
        }
        'wash;help;get' {
            [CompletionResult]::new('hosts', 'hosts', [CompletionResultType]::ParameterValue, 'Every host that answers a ping')
            [CompletionResult]::new('inventory', 'inventory', [CompletionResultType]::ParameterValue, 'What runs on a host (the only host when none is given)')
            [CompletionResult]::new('claims', 'claims', [CompletionResultType]::ParameterValue, 'Claims of every actor and provider seen by the lattice')
            [CompletionResult]::new('links', 'links', [CompletionResultType]::ParameterValue, 'Every link definition (same as `wash ctl link query`)')
            break
        }
        'wash;help;get;hosts' {
            break
        }
        'wash;help;get;inventory' {
            break
        }
        'wash;help;get;claims' {
            break
        }
        'wash;help;get;links' {
            break
        }
        'wash;help;start' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Start actor instances from a signed module (a path, file:// URL or OCI reference)')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'Start a provider instance from a provider archive (.par.gz)')
            break
        }
        'wash;help;start;actor' {
            break
        }
        'wash;help;start;provider' {
            break
        }
        'wash;help;stop' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'Stop instances of an actor: `<actor-id>`, or wash 0.x''s `<host-id> <actor-id>`')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'Stop a provider instance: `<provider-id>`, or wash 0.x''s `<host-id> <provider-id> <link-name> <contract-id>`')
            [CompletionResult]::new('host', 'host', [CompletionResultType]::ParameterValue, 'Stop a host (and everything on it)')
            break
        }
        'wash;help;stop;actor' {
            break
        }
        'wash;help;stop;provider' {
            break
        }
        'wash;help;stop;host' {
            break
        }
        'wash;help;link' {
            [CompletionResult]::new('put', 'put', [CompletionResultType]::ParameterValue, 'Link an actor to a provider for a contract, with KEY=VALUE settings')
            [CompletionResult]::new('del', 'del', [CompletionResultType]::ParameterValue, 'Delete the link of an actor for a contract')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'List every link definition')
            break
        }
        'wash;help;link;put' {
            break
        }
        'wash;help;link;del' {
            break
        }
        'wash;help;link;query' {
            break
        }
        'wash;help;call' {
            break
        }
        'wash;help;spy' {
            break
        }
        'wash;help;ctx' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the stored contexts and which one is the default')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Create a context (control and RPC settings alike; `wash ctx edit` changes them separately)')
            [CompletionResult]::new('default', 'default', [CompletionResultType]::ParameterValue, 'Make a context the default, or show the default when no name is given')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit a context (the default one when no name is given) in a text editor')
            [CompletionResult]::new('del', 'del', [CompletionResultType]::ParameterValue, 'Delete a context (without a name, asks which one at a terminal)')
            break
        }
        'wash;help;ctx;list' {
            break
        }
        'wash;help;ctx;new' {
            break
        }
        'wash;help;ctx;default' {
            break
        }
        'wash;help;ctx;edit' {
            break
        }
        'wash;help;ctx;del' {
            break
        }
        'wash;help;new' {
            [CompletionResult]::new('actor', 'actor', [CompletionResultType]::ParameterValue, 'A WebAssembly actor (built-in template: a hello-world HTTP actor)')
            [CompletionResult]::new('provider', 'provider', [CompletionResultType]::ParameterValue, 'A native capability provider (built-in template: a factorial provider on the 0.x SDK)')
            [CompletionResult]::new('interface', 'interface', [CompletionResultType]::ParameterValue, 'A Smithy interface and the Rust crate of its bindings')
            break
        }
        'wash;help;new;actor' {
            break
        }
        'wash;help;new;provider' {
            break
        }
        'wash;help;new;interface' {
            break
        }
        'wash;help;build' {
            break
        }
        'wash;help;dev' {
            break
        }
        'wash;help;gen' {
            break
        }
        'wash;help;validate' {
            break
        }
        'wash;help;lint' {
            break
        }
        'wash;help;completions' {
            break
        }
        'wash;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
