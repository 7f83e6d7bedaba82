//! `wash build`: compile the project that `wasmcloud.toml` describes, then sign or pack it.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde_json::{json, Map};
use wash_local::WashPaths;
use wash_project::{BuildKeys, BuildOptions, BuildStep, Codegen};

use crate::commands::files::write_atomically;
use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash build                        # in a project made by `wash new`
  wash build -p ./hello -o json
  wash build -p ./hello/wasmcloud.toml
  wash build --no-sign              # compile only (wash 0.x: --build-only)
  wash build --sign-only            # sign / pack the artifact of the last build again

By `type` in wasmcloud.toml:
  actor      cargo build --release --target wasm32-unknown-unknown, then sign with `[actor] claims`
             into build/<name>_s.wasm
  provider   cargo build --release, then a provider archive for this machine's target in
             build/<name>.par.gz (`[provider] capability_id`, `vendor`)
  interface  `wash gen` from codegen.toml, then cargo build --release
cargo's output streams to stderr; a failed compile exits 1 and writes nothing to build/. Keys are
found as for `wash claims sign`: `--issuer`/`--subject`, else `WASH_ISSUER_KEY`/`WASH_SUBJECT_KEY`,
else the key store: `--keys-directory`, else `key_directory` in wasmcloud.toml, else the default.";

/// Arguments of `wash build`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct BuildArgs {
    /// The project folder holding wasmcloud.toml, or the project file itself [default: the current
    /// folder].
    #[arg(
        short = 'p',
        long = "path",
        visible_alias = "config-path",
        value_name = "PATH"
    )]
    path: Option<PathBuf>,
    /// Compile only: do not sign the actor or pack the provider.
    #[arg(long, visible_alias = "build-only", conflicts_with = "sign_only")]
    no_sign: bool,
    /// Do not compile: sign (or pack) what the last build left in cargo's target folder.
    #[arg(long)]
    sign_only: bool,
    /// Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY].
    #[arg(short = 'i', long, value_name = "SEED_OR_FILE")]
    issuer: Option<String>,
    /// Subject (module or service) key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY].
    #[arg(short = 's', long, value_name = "SEED_OR_FILE")]
    subject: Option<String>,
    /// Key directory; wins over `key_directory` in wasmcloud.toml [default: $WASH_KEYS, else
    /// $WASH_HOME/keys, else ~/.wash/keys].
    #[arg(long, value_name = "DIR")]
    keys_directory: Option<PathBuf>,
    /// Fail instead of generating a key that is not found.
    #[arg(long)]
    disable_keygen: bool,
}

/// `wash gen` as a build step: writes the files a `codegen.toml` describes.
pub(crate) struct WashGen;

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

/// The project folder and, for `-p FILE`, the project file (`wash build` and `wash dev`).
pub(crate) fn project_location(
    path: Option<PathBuf>,
) -> anyhow::Result<(PathBuf, Option<PathBuf>)> {
    Ok(match path {
        // `-p FILE` names the project file itself, as in wash 0.x; its folder is the project.
        Some(path) if path.is_file() => {
            let dir = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
                Some(dir) => dir.to_path_buf(),
                None => PathBuf::from("."),
            };
            (dir, Some(path))
        }
        Some(path) => (path, None),
        None => (
            std::env::current_dir().context("failed to read the current folder")?,
            None,
        ),
    })
}

/// A build step as a status line.
pub(crate) fn report_step(printer: &Printer, step: BuildStep) {
    match step {
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
    }
}

/// Runs `wash build`.
pub fn run(args: BuildArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let (project_dir, manifest_file) = project_location(args.path)?;
    let options = BuildOptions {
        project_dir,
        no_sign: args.no_sign,
        sign_only: args.sign_only,
        key_dir: paths.keys_dir(None),
        manifest_file,
        keys: BuildKeys {
            issuer: args.issuer,
            subject: args.subject,
            directory: args.keys_directory,
            disable_keygen: args.disable_keygen,
        },
    };
    let mut on_step = |step| report_step(printer, step);
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
    if outcome.kind == wash_project::ProjectKind::Actor {
        // wash 0.18.1's keys: the module it ended with, and whether it is signed.
        let module = outcome.artifact.as_ref().or(outcome.compiled.as_ref());
        json.insert("actor_path".into(), json!(module));
        json.insert("signed".into(), json!(outcome.artifact.is_some()));
    }
    Ok(CommandOutput::new(text, json))
}
