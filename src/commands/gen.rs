//! `wash gen`: generate Rust bindings from Smithy models, as a `codegen.toml` (wash 0.x format) says.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use serde_json::{json, Map};

use crate::commands::files::write_atomically;
use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash gen                              # reads ./codegen.toml
  wash gen --config interface/codegen.toml -o json
  wash gen -l rust --output-dir out ../smithy/keyvalue.smithy ../smithy/wasmcloud-model.smithy

codegen.toml (the wash 0.x format):
  [[models]]
  path = \"../smithy\"
  files = [\"keyvalue.smithy\", \"wasmcloud-core.smithy\", \"wasmcloud-model.smithy\"]

  [rust]
  output_dir = \".\"

  [[rust.files]]
  path = \"src/keyvalue.rs\"
  namespace = \"org.wasmcloud.interface.keyvalue\"

The generated code needs wasmbus-rpc 0.15, async-trait, serde and serde_bytes. Models given by
`url` are not fetched: download them and use `path`. Model files on the command line replace the
`[[models]]`; `--output-dir` replaces the folder outputs are relative to (default: the config's).
wash 0.x's `-T/--template-dir` and `-D KEY=VALUE` (handlebars templates) are refused: this generator
is not template-based.";

/// Arguments of `wash gen`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct GenArgs {
    /// The codegen.toml to read.
    #[arg(short = 'c', long, value_name = "FILE", default_value = "codegen.toml")]
    config: PathBuf,
    /// Model files or folders to read instead of the `[[models]]` of the config.
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// The folder each language's `output_dir` is relative to [default: the config's folder].
    #[arg(long, value_name = "DIR")]
    output_dir: Option<PathBuf>,
    /// Generate only this language (`rust` or `go`; repeatable) [default: every one configured].
    #[arg(short = 'l', long = "lang", value_name = "LANG")]
    lang: Vec<String>,
    /// wash 0.x's handlebars template folder: refused (this generator has no templates).
    #[arg(short = 'T', long, value_name = "DIR")]
    template_dir: Option<PathBuf>,
    /// wash 0.x's template values: refused (this generator has no templates).
    #[arg(short = 'D', value_name = "KEY=VALUE")]
    define: Vec<String>,
}

/// Runs `wash gen`.
pub fn run(args: GenArgs, printer: &Printer) -> anyhow::Result<CommandOutput> {
    if args.template_dir.is_some() || !args.define.is_empty() {
        anyhow::bail!(
            "`-T/--template-dir` and `-D` are not supported: wash gen writes its bindings without \
             handlebars templates\nhelp: drop the flag; customise the output with `formatter` in \
             codegen.toml, or edit the generated files"
        );
    }
    let options = wash_codegen::GenOptions {
        inputs: args.inputs,
        output_dir: args.output_dir,
        languages: args.lang,
    };
    let files = wash_codegen::generate_with(&args.config, &options)
        .with_context(|| format!("failed to generate code from `{}`", args.config.display()))?;
    let mut text = String::new();
    let mut listed = Vec::new();
    for file in files {
        let written = !(file.create_only && file.path.exists());
        if written {
            if let Some(dir) = file.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("failed to create `{}`", dir.display()))?;
            }
            write_atomically(&file.path, file.contents.as_bytes())?;
            printer.status("Generated", file.path.display());
            text.push_str(&format!("{} ({})\n", file.path.display(), file.namespace));
        }
        listed.push(json!({ "path": file.path, "namespace": file.namespace, "written": written }));
    }
    let mut json = Map::new();
    json.insert("files".into(), json!(listed));
    Ok(CommandOutput::new(text, json))
}
