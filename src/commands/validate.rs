//! `wash validate` and `wash lint`: parse and check Smithy models, printing every error like a
//! compiler does; `lint` then reports wash 0.x's style issues.

use std::path::PathBuf;

use anyhow::{anyhow, bail};
use clap::Args;
use serde_json::{json, Map};
use wash_smithy::Loaded;

use crate::cli::OutputKind;
use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash validate smithy/                         # every .smithy file under smithy/, as one model
  wash validate keyvalue.smithy ../core/wasmcloud-model.smithy
  wash validate                                 # the [[models]] of ./codegen.toml, as wash 0.x
  wash validate smithy/ -o json                 # errors as `file:line:col: error[code]: message`

All files given form one model: shapes of one namespace may be spread over several files and `use`
imports resolve across them. Exit status 1 when there is any error.";

const LINT_AFTER_HELP: &str = "\
Examples:
  wash lint                                     # the [[models]] of ./codegen.toml
  wash lint keyvalue.smithy -o json

The checks of wash 0.x: NamingConventions (info: shape names in UpperCamelCase; member names, trait
shapes and applied traits in lowerCamelCase) and UnwelcomeTerms (warning: blacklist, kill, master,
slave, whitelist as a word of a name). Issues do not change the exit status; model errors (as
`wash validate` reports them) exit 1.";

/// Where the model comes from: files on the command line, else the `[[models]]` of a codegen.toml.
#[derive(Debug, Args)]
pub struct ModelInputArgs {
    /// Smithy files, or folders to search for `.smithy` files [default: the `[[models]]` of the
    /// `--config` file].
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The codegen.toml whose `[[models]]` are read when no PATH is given [default: ./codegen.toml].
    #[arg(short = 'c', long, value_name = "FILE")]
    config: Option<PathBuf>,
}

impl ModelInputArgs {
    /// The model files: the PATHs, else those the codegen.toml names.
    fn model_paths(&self) -> anyhow::Result<Vec<PathBuf>> {
        if !self.paths.is_empty() {
            return Ok(self.paths.clone());
        }
        let config = self
            .config
            .clone()
            .unwrap_or_else(|| PathBuf::from("codegen.toml"));
        if self.config.is_none() && !config.is_file() {
            bail!("no PATH given and no `codegen.toml` here\nhelp: name the .smithy files or folders, or pass `--config FILE`");
        }
        Ok(wash_codegen::config_model_paths(&config)?)
    }
}

/// Arguments of `wash validate`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ValidateArgs {
    #[command(flatten)]
    input: ModelInputArgs,
}

/// Arguments of `wash lint`.
#[derive(Debug, Args)]
#[command(after_help = LINT_AFTER_HELP)]
pub struct LintArgs {
    #[command(flatten)]
    input: ModelInputArgs,
}

/// Reads and checks the model; its errors become the command's error (rendered on stderr in text).
fn load_valid(input: &ModelInputArgs, printer: &Printer) -> anyhow::Result<Loaded> {
    let sources = wash_smithy::read_sources(&input.model_paths()?)?;
    let files = sources.files().count();
    let loaded = wash_smithy::load(sources);
    if !loaded.has_errors() {
        return Ok(loaded);
    }
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
    Err(err.context(summary))
}

/// Runs `wash validate`.
pub fn run(args: ValidateArgs, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let loaded = load_valid(&args.input, printer)?;
    let files = loaded.sources.files().count();
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

/// Runs `wash lint`.
pub fn lint(args: LintArgs, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let loaded = load_valid(&args.input, printer)?;
    let issues = wash_smithy::lint(&loaded.model);
    let mut text = String::new();
    let mut listed = Vec::new();
    for issue in &issues {
        text.push_str(&issue.one_line(&loaded.sources));
        text.push('\n');
        listed.push(json!({
            "rule": issue.rule.name(),
            "level": issue.rule.level(),
            "message": issue.message,
            "shape": issue.subject,
            "location": issue.span.map(|s| loaded.sources.location(s)),
        }));
    }
    text.push_str(&match issues.len() {
        0 => "no lint issues".to_owned(),
        1 => "1 lint issue".to_owned(),
        n => format!("{n} lint issues"),
    });
    let mut json = Map::new();
    json.insert("issues".into(), json!(listed));
    Ok(CommandOutput::new(text, json))
}
