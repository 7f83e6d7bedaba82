//! `wash validate`: parse and check Smithy models, printing every error like a compiler does.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::Args;
use serde_json::{json, Map};

use crate::cli::OutputKind;
use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash validate smithy/                         # every .smithy file under smithy/, as one model
  wash validate keyvalue.smithy ../core/wasmcloud-model.smithy
  wash validate smithy/ -o json                 # errors as `file:line:col: error[code]: message`

All files given form one model: shapes of one namespace may be spread over several files and `use`
imports resolve across them. Exit status 1 when there is any error.";

/// Arguments of `wash validate`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ValidateArgs {
    /// Smithy files, or folders to search for `.smithy` files.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

/// Runs `wash validate`.
pub fn run(args: ValidateArgs, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let sources = wash_smithy::read_sources(&args.paths)?;
    let files = sources.files().count();
    let loaded = wash_smithy::load(sources);
    if loaded.has_errors() {
        let count = loaded.diagnostics.len();
        let summary = format!(
            "the model has {count} error{} in {files} file{}",
            if count == 1 { "" } else { "s" },
            if files == 1 { "" } else { "s" }
        );
        if printer.kind() == OutputKind::Text {
            eprint!("{}", loaded.render_diagnostics());
            return Err(anyhow!(summary));
        }
        // JSON: one chain entry per diagnostic, `file:line:col: error[code]: message`.
        let mut lines: Vec<String> = loaded
            .diagnostics
            .iter()
            .map(|d| d.one_line(&loaded.sources))
            .collect();
        let mut err = anyhow!(lines.pop().unwrap_or_default());
        while let Some(line) = lines.pop() {
            err = err.context(line);
        }
        return Err(err.context(summary));
    }
    let shapes = loaded
        .model
        .shapes
        .values()
        .filter(|s| s.span.is_some())
        .count();
    let namespaces: Vec<&str> = loaded.model.namespaces();
    let names: Vec<String> = loaded
        .sources
        .files()
        .map(|(_, f)| f.name.clone())
        .collect();
    let mut json = Map::new();
    json.insert("files".into(), json!(names));
    json.insert("namespaces".into(), json!(namespaces));
    json.insert("shapes".into(), json!(shapes));
    Ok(CommandOutput::new(
        format!(
            "{files} file{}, {shapes} shapes in {} namespaces: no errors",
            if files == 1 { "" } else { "s" },
            namespaces.len()
        ),
        json,
    ))
}
