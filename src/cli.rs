//! The root `wash` command line: global flags shared by every subcommand and the list of subcommands.

use clap::{Args, Parser, ValueEnum};

use crate::commands::Command;

const AFTER_HELP: &str = "\
Examples:
  wash completions bash > ~/.local/share/bash-completion/completions/wash
  wash completions zsh -o json

Every command accepts `-o json`: its result is printed on stdout as one JSON object with
`\"success\": true`, or `{\"success\": false, \"error\": ..., \"error_chain\": [...]}` on failure.";

/// wash — the wasmCloud 0.x shell.
///
/// Build, sign and publish actors and capability providers, and drive a wasmCloud lattice.
#[derive(Debug, Parser)]
#[command(name = "wash", version, about, long_about = None, after_help = AFTER_HELP)]
#[command(propagate_version = true, arg_required_else_help = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags accepted by every command.
///
/// `-v` and `-q` are wash's own short forms of `--verbose` and `--quiet`, but wash 0.18.1 had no global
/// `-v`/`-q` and gave those letters other meanings in a few subcommands (`claims sign -q` grants the
/// HTTP-server capability, `-v` there is `--ver`). A 0.x command line must keep its meaning, and clap
/// cannot have a global short and a subcommand short with the same letter. So those subcommands flatten
/// [`LongOnlyLogArgs`]: an argument with the same id as the global one, long name only. clap does not
/// propagate a global argument into a subcommand that already has one with its id, and it copies the
/// subcommand's value back up to the root after parsing, so `--verbose`/`--quiet` still reach
/// [`GlobalArgs`] there, while `-v`/`-q` are free for the 0.x meaning. (Rewriting argv before parsing was
/// the alternative; it would hide the 0.x flags from help and completions, and parse twice.)
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Output format: `text` for people, `json` for scripts (one object on stdout).
    #[arg(short = 'o', long = "output", value_enum, default_value_t = OutputKind::Text, global = true)]
    pub output: OutputKind,

    #[arg(short = 'v', long = "verbose", help = VERBOSE_HELP, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[arg(short = 'q', long = "quiet", help = QUIET_HELP, global = true)]
    pub quiet: bool,

    /// wash 0.18.1's switch for its experimental commands (`spy`, `dev`, `capture`), also read from
    /// `WASH_EXPERIMENTAL`. Every command here works without it, so it is accepted and changes nothing;
    /// hidden from help (docs/compat.md).
    #[arg(long, global = true, hide = true, env = "WASH_EXPERIMENTAL")]
    pub experimental: bool,
}

const VERBOSE_HELP: &str =
    "More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set";
const QUIET_HELP: &str =
    "No status or progress lines on stderr; results and errors are still printed";

/// `--verbose` and `--quiet` without short letters, for a subcommand whose `-v`/`-q` mean what wash
/// 0.x made them mean there (see [`GlobalArgs`]). The values reach [`GlobalArgs`]; these fields are
/// only the declaration.
#[derive(Debug, Clone, Args)]
pub struct LongOnlyLogArgs {
    #[arg(long = "verbose", help = VERBOSE_HELP_LONG_ONLY, action = clap::ArgAction::Count)]
    #[allow(dead_code)] // read through `GlobalArgs`, which clap fills from this argument's id
    verbose: u8,

    #[arg(long = "quiet", help = QUIET_HELP)]
    #[allow(dead_code)] // read through `GlobalArgs`, which clap fills from this argument's id
    quiet: bool,
}

const VERBOSE_HELP_LONG_ONLY: &str =
    "More logging on stderr (`--verbose` debug, twice trace); `RUST_LOG` takes precedence when set";

/// How a command's result is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputKind {
    /// Human-readable text.
    Text,
    /// One JSON object on stdout.
    Json,
}

/// How `wash up` asks its host to log: `level` (when given) replaces the default filter, `json` writes
/// JSON lines.
#[derive(Debug, Clone, Default)]
pub struct HostLogging {
    /// `--log-level`.
    pub level: Option<String>,
    /// `--enable-structured-logging`.
    pub json: bool,
}

impl GlobalArgs {
    /// Sends `tracing` logs to stderr, at a level chosen by `RUST_LOG`, else by `wash up --log-level`,
    /// else by `-v`; as JSON lines when `wash up --enable-structured-logging` asks for it. When the
    /// `OTEL_*` variables ask for traces, the lattice's spans are exported too (service `wash-host`
    /// for `wash up`, `wash` otherwise): keep the guard until the command has ended.
    pub fn init_tracing(&self, host: Option<HostLogging>) -> Option<wash_trace::TraceGuard> {
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::util::SubscriberInitExt as _;
        use tracing_subscriber::{EnvFilter, Layer as _};
        let service = if host.is_some() { "wash-host" } else { "wash" };
        let host = host.unwrap_or_default();
        // The NATS client logs its own connection errors; wash reports them itself, with what to do,
        // so they are left out unless asked for (`-vv`, `RUST_LOG`).
        let default = match (self.verbose, &host.level) {
            (0, Some(level)) => level.as_str(),
            (0, None) => "warn,async_nats=off",
            (1, _) => "wash=debug,info,async_nats=warn",
            _ => "trace",
        };
        let filter = EnvFilter::try_from_default_env()
            .or_else(|_| EnvFilter::try_new(default))
            .unwrap_or_else(|_| EnvFilter::new("warn"));
        let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
        let fmt = if host.json {
            fmt.json().with_filter(filter).boxed()
        } else {
            fmt.with_target(self.verbose > 0)
                .with_filter(filter)
                .boxed()
        };
        let _ = tracing_subscriber::registry().with(fmt).try_init();
        wash_trace::install(service)
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::Cli;

    /// The command tree passes clap's own consistency checks (no short used twice in one command).
    #[test]
    fn command_tree_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Where a subcommand takes `-v`/`-q` for wash 0.x's meaning, `--verbose`/`--quiet` still reach the
    /// global flags; elsewhere the short forms do.
    #[test]
    fn long_log_flags_reach_the_global_flags_everywhere() {
        let sign = [
            "wash", "claims", "sign", "x.wasm", "-n", "X", "-q", "-v", "1.0.0",
        ];
        let cli = Cli::try_parse_from(sign.iter().chain(&["--verbose", "--verbose", "--quiet"]))
            .expect("parses");
        assert_eq!((cli.global.verbose, cli.global.quiet), (2, true));
        let cli = Cli::try_parse_from(sign).expect("parses");
        assert_eq!((cli.global.verbose, cli.global.quiet), (0, false));
        let cli = Cli::try_parse_from(["wash", "-v", "claims", "sign", "x.wasm", "-n", "X"])
            .expect("parses");
        assert_eq!((cli.global.verbose, cli.global.quiet), (1, false));
        let cli = Cli::try_parse_from(["wash", "keys", "list", "-vv", "-q"]).expect("parses");
        assert_eq!((cli.global.verbose, cli.global.quiet), (2, true));
    }
}
