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
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Output format: `text` for people, `json` for scripts (one object on stdout).
    #[arg(short = 'o', long = "output", value_enum, default_value_t = OutputKind::Text, global = true)]
    pub output: OutputKind,

    /// More logging on stderr (`-v` debug, `-vv` trace); `RUST_LOG` takes precedence when set.
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// No status or progress lines on stderr; results and errors are still printed.
    #[arg(short = 'q', long = "quiet", global = true)]
    pub quiet: bool,
}

/// How a command's result is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputKind {
    /// Human-readable text.
    Text,
    /// One JSON object on stdout.
    Json,
}

impl GlobalArgs {
    /// Sends `tracing` logs to stderr, at a level chosen by `RUST_LOG` or else by `-v`.
    pub fn init_tracing(&self) {
        use tracing_subscriber::EnvFilter;
        let default = match self.verbose {
            0 => "warn",
            1 => "wash=debug,info",
            _ => "trace",
        };
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_target(self.verbose > 0)
            .try_init();
    }
}
