//! Rust bindings from Smithy models (`wash gen`): one module per namespace, source-compatible with
//! wasmbus-rpc 0.15, so it drops into an actor or provider built on the official 0.x SDK; and Go
//! bindings (`[go]` in codegen.toml) for actors on the Go SDK of the `go-hello` template.

pub mod config;
mod error;
mod go;
mod rust;

use std::path::{Path, PathBuf};

pub use config::{CodegenConfig, LanguageConfig, ModelSource, OutputFile};
pub use error::CodegenError;
pub use go::generate_go;
pub use rust::{generate_rust, snake_case};

/// One file `wash gen` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Where it goes.
    pub path: PathBuf,
    /// The namespace it holds.
    pub namespace: String,
    /// The Rust source.
    pub contents: String,
    /// Write only when the file does not exist yet.
    pub create_only: bool,
}

/// What a `wash gen` command line changes in its `codegen.toml` (wash 0.x's flags).
#[derive(Debug, Clone, Default)]
pub struct GenOptions {
    /// Model files or folders read instead of the toml's `[[models]]`.
    pub inputs: Vec<PathBuf>,
    /// The folder the languages' `output_dir`s are relative to, instead of the toml's folder.
    pub output_dir: Option<PathBuf>,
    /// Only these languages (`rust`, `go`); empty means every language the toml configures.
    pub languages: Vec<String>,
}

/// Loads the models a `codegen.toml` names and generates every `[[rust.files]]` and `[[go.files]]` entry.
/// Paths in the result are resolved against the toml's folder and `output_dir`.
pub fn generate_from_config(config_path: &Path) -> Result<Vec<GeneratedFile>, CodegenError> {
    generate_with(config_path, &GenOptions::default())
}

/// The model files a `codegen.toml` names (`[[models]]`), resolved against its folder.
pub fn config_model_paths(config_path: &Path) -> Result<Vec<PathBuf>, CodegenError> {
    CodegenConfig::load(config_path)?.model_paths(folder_of(config_path))
}

fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// [`generate_from_config`] with a command line's changes: other model files, another output
/// folder, fewer languages.
pub fn generate_with(
    config_path: &Path,
    options: &GenOptions,
) -> Result<Vec<GeneratedFile>, CodegenError> {
    let config = CodegenConfig::load(config_path)?;
    let base = folder_of(config_path);
    for language in &options.languages {
        if !matches!(language.as_str(), "rust" | "go") {
            return Err(CodegenError::UnsupportedLanguage {
                language: language.clone(),
            });
        }
    }
    let wanted = |language: &str| {
        options.languages.is_empty() || options.languages.iter().any(|l| l == language)
    };
    let paths = if options.inputs.is_empty() {
        config.model_paths(base)?
    } else {
        options.inputs.clone()
    };
    let sources = wash_smithy::read_sources(&paths)?;
    let model = wash_smithy::load(sources).into_model()?;
    let rust = config
        .rust
        .as_ref()
        .filter(|r| !r.files.is_empty() && wanted("rust"));
    let go = config
        .go
        .as_ref()
        .filter(|g| !g.files.is_empty() && wanted("go"));
    let base = options.output_dir.as_deref().unwrap_or(base);
    if rust.is_none() && go.is_none() {
        return Err(CodegenError::NoRustFiles {
            path: config_path.to_path_buf(),
        });
    }
    let mut files = Vec::new();
    for (language, table) in [("rust", rust), ("go", go)] {
        let Some(table) = table else { continue };
        let out_dir = base.join(table.output_dir.clone().unwrap_or_default());
        let package = table
            .parameters
            .get("package")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("wasmbus");
        for file in &table.files {
            let Some(namespace) = &file.namespace else {
                continue;
            };
            let mut contents = if language == "go" {
                generate_go(&model, namespace, package)?
            } else {
                generate_rust(&model, namespace)?
            };
            if !table.formatter.is_empty() {
                contents = run_formatter(&table.formatter, &contents)?;
            }
            files.push(GeneratedFile {
                // `components()` drops `.` segments: `./src/x.rs` under `a` is `a/src/x.rs`.
                path: out_dir.join(&file.path).components().collect(),
                namespace: namespace.clone(),
                contents,
                create_only: file.create_only,
            });
        }
    }
    Ok(files)
}

/// Pipes `code` through a formatter command (e.g. `rustfmt --edition 2021`) and returns its output.
fn run_formatter(command: &[String], code: &str) -> Result<String, CodegenError> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let shown = command.join(" ");
    let fail = |message: String| CodegenError::Formatter {
        command: shown.clone(),
        message,
    };
    let (program, args) = command
        .split_first()
        .ok_or_else(|| fail("empty command".into()))?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(code.as_bytes())
            .map_err(|e| fail(e.to_string()))?;
    }
    let output = child.wait_with_output().map_err(|e| fail(e.to_string()))?;
    if !output.status.success() {
        return Err(fail(
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| fail(e.to_string()))
}
