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
`url` are not fetched: download them and use `path`.";

/// Arguments of `wash gen`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct GenArgs {
    /// The codegen.toml to read.
    #[arg(short = 'c', long, value_name = "FILE", default_value = "codegen.toml")]
    config: PathBuf,
}

/// Runs `wash gen`.
pub fn run(args: GenArgs, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let files = wash_codegen::generate_from_config(&args.config)
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
