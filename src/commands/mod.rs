//! One thin module per subcommand: clap arguments plus glue that calls one library operation.

pub mod completions;

use clap::Subcommand;

use crate::output::{CommandOutput, Printer};

/// Every `wash` subcommand. Only commands that work are listed here.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print or write shell completion scripts.
    Completions(completions::CompletionsArgs),
}

/// Runs one subcommand and returns its output for the renderer.
pub fn run(command: Command, printer: &Printer) -> anyhow::Result<CommandOutput> {
    match command {
        Command::Completions(args) => completions::run(args, printer),
    }
}
