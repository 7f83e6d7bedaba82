//! `wash build`: compile the project that `wasmcloud.toml` describes, then sign or pack it.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde_json::{json, Map};
use wash_local::WashPaths;
use wash_project::{BuildOptions, BuildStep, Codegen};

use crate::commands::files::write_atomically;
use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash build                        # in a project made by `wash new`
  wash build -p ./hello -o json
  wash build --no-sign              # compile only
  wash build --sign-only            # sign / pack the artifact of the last build again

By `type` in wasmcloud.toml:
  actor      cargo build --release --target wasm32-unknown-unknown, then sign with `[actor] claims`
             into build/<name>_s.wasm
  provider   cargo build --release, then a provider archive for this machine's target in
             build/<name>.par.gz (`[provider] capability_id`, `vendor`)
  interface  `wash gen` from codegen.toml, then cargo build --release
cargo's output streams to stderr; a failed compile exits 1 and writes nothing to build/. Keys are
found as for `wash claims sign` (`WASH_ISSUER_KEY`/`WASH_SUBJECT_KEY`, then the key store, or
`key_directory` in wasmcloud.toml).";

/// Arguments of `wash build`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct BuildArgs {
    /// The project folder, holding wasmcloud.toml [default: the current folder].
    #[arg(
        short = 'p',
        long = "path",
        visible_alias = "config-path",
        value_name = "DIR"
    )]
    path: Option<PathBuf>,
    /// Compile only: do not sign the actor or pack the provider.
    #[arg(long, conflicts_with = "sign_only")]
    no_sign: bool,
    /// Do not compile: sign (or pack) what the last build left in cargo's target folder.
    #[arg(long)]
    sign_only: bool,
}

/// `wash gen` as a build step: writes the files a `codegen.toml` describes.
struct WashGen;

impl Codegen for WashGen {
    fn generate(&self, config: &Path) -> Result<Vec<PathBuf>, String> {
        let files = wash_codegen::generate_from_config(config).map_err(|e| format!("{e:#}"))?;
        let mut written = Vec::new();
        for file in files {
            if file.create_only && file.path.exists() {
                continue;
            }
            if let Some(dir) = file.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("failed to create `{}`: {e}", dir.display()))?;
            }
            write_atomically(&file.path, file.contents.as_bytes()).map_err(|e| format!("{e:#}"))?;
            written.push(file.path);
        }
        Ok(written)
    }
}

/// Runs `wash build`.
pub fn run(args: BuildArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let project_dir = match args.path {
        Some(path) => path,
        None => std::env::current_dir().context("failed to read the current folder")?,
    };
    let options = BuildOptions {
        project_dir,
        no_sign: args.no_sign,
        sign_only: args.sign_only,
        key_dir: paths.keys_dir(None),
    };
    let mut on_step = |step: BuildStep| match step {
        BuildStep::Compiling(command) => printer.status("Running", command),
        BuildStep::Generating(config) => printer.status("Generating", config.display()),
        BuildStep::CodegenSkipped(config) => printer.status(
            "Skipping",
            format!("`wash gen` for {} (not available)", config.display()),
        ),
        BuildStep::Signing(module) => printer.status("Signing", module.display()),
        BuildStep::Packing(binary) => printer.status("Packing", binary.display()),
        BuildStep::Output(line) => printer.passthrough(&line),
        BuildStep::Key {
            role,
            public_key,
            source,
        } => printer.status(role, format!("{public_key} {source}")),
    };
    let outcome = wash_project::build_project(&options, Some(&WashGen), &mut on_step)
        .context("build failed")?;
    let text = match (&outcome.artifact, &outcome.compiled) {
        (Some(artifact), _) => format!("Built {}", artifact.display()),
        (None, Some(compiled)) => format!("Compiled {}", compiled.display()),
        (None, None) => format!("Built {} `{}`", outcome.kind, outcome.name),
    };
    let mut json = Map::new();
    json.insert("name".into(), json!(outcome.name));
    json.insert("kind".into(), json!(outcome.kind.as_str()));
    json.insert("compiled".into(), json!(outcome.compiled));
    json.insert("artifact".into(), json!(outcome.artifact));
    json.insert("subject".into(), json!(outcome.subject));
    json.insert("capabilities".into(), json!(outcome.capabilities));
    json.insert("target".into(), json!(outcome.target));
    Ok(CommandOutput::new(text, json))
}
