//! `wash completions`: shell completion scripts generated from the one clap definition of the CLI.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::Shell as ClapShell;
use serde_json::{json, Map};

use crate::cli::Cli;
use crate::commands::files::write_atomically;
use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash completions bash > ~/.local/share/bash-completion/completions/wash
  wash completions zsh --dir ~/.zfunc        # writes ~/.zfunc/_wash
  wash completions -d . power-shell          # wash 0.x's spelling: writes ./_wash.ps1
  wash completions fish --dir ~/.config/fish/completions";

/// Arguments of `wash completions`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    pub shell: Shell,

    /// Write the script into this directory (under the shell's usual file name) instead of stdout.
    #[arg(short = 'd', long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Shells `wash completions` knows.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    /// Bash (file `wash.bash`).
    Bash,
    /// Zsh (file `_wash`).
    Zsh,
    /// Fish (file `wash.fish`).
    Fish,
    /// PowerShell (file `_wash.ps1`; `power-shell` is wash 0.x's spelling).
    #[value(alias = "power-shell")]
    Powershell,
}

impl Shell {
    fn clap(self) -> ClapShell {
        match self {
            Shell::Bash => ClapShell::Bash,
            Shell::Zsh => ClapShell::Zsh,
            Shell::Fish => ClapShell::Fish,
            Shell::Powershell => ClapShell::PowerShell,
        }
    }

    /// The file name the shell expects for `wash`'s completions.
    pub fn file_name(self) -> &'static str {
        match self {
            Shell::Bash => "wash.bash",
            Shell::Zsh => "_wash",
            Shell::Fish => "wash.fish",
            Shell::Powershell => "_wash.ps1",
        }
    }
}

/// Generates the completion script of `shell` as bytes.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut command = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell.clap(), &mut command, "wash", &mut buf);
    buf
}

/// Prints the script, or writes it atomically into `--dir`.
pub fn run(args: CompletionsArgs, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let script = script(args.shell);
    let Some(dir) = args.dir else {
        let text = String::from_utf8(script).context("completion script is not UTF-8")?;
        let mut json = Map::new();
        json.insert("script".into(), json!(text));
        return Ok(CommandOutput::new(text, json));
    };
    let path = dir.join(args.shell.file_name());
    write_atomically(&path, &script)?;
    printer.status("Wrote", path.display());
    let mut json = Map::new();
    json.insert("path".into(), json!(path));
    Ok(CommandOutput::new(String::new(), json))
}
