//! The `codegen.toml` format of wash 0.x / weld-codegen: `[[models]]` sources and `[rust]` outputs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::CodegenError;

/// A whole `codegen.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CodegenConfig {
    /// Model sources, all merged into one model.
    #[serde(default)]
    pub models: Vec<ModelSource>,
    /// Rust output (other languages than Rust and Go are accepted and ignored).
    #[serde(default)]
    pub rust: Option<LanguageConfig>,
    /// Go output (`[go]`, `[[go.files]]`; `[go.parameters] package`, default `wasmbus`), for actors on
    /// the Go SDK of the `go-hello` template.
    #[serde(default)]
    pub go: Option<LanguageConfig>,
    /// Folder paths are relative to (default: the folder of the toml).
    #[serde(default)]
    pub base_dir: Option<PathBuf>,
}

/// One `[[models]]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ModelSource {
    /// A local file or folder.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// A URL (not supported: wash gen works offline).
    #[serde(default)]
    pub url: Option<String>,
    /// Files under `path`; empty means every `.smithy` file there.
    #[serde(default)]
    pub files: Vec<String>,
}

/// A `[rust]` table.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LanguageConfig {
    /// Where files go, relative to the base dir.
    #[serde(default)]
    pub output_dir: Option<PathBuf>,
    /// A formatter command run on each generated file (default: built-in formatting).
    #[serde(default)]
    pub formatter: Vec<String>,
    /// Free-form template parameters (accepted, unused).
    #[serde(default)]
    pub parameters: BTreeMap<String, serde_json::Value>,
    /// `[[rust.files]]`.
    #[serde(default)]
    pub files: Vec<OutputFile>,
}

/// One `[[rust.files]]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OutputFile {
    /// The file to write, relative to `output_dir`.
    pub path: PathBuf,
    /// The namespace generated into it.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Write only when the file does not exist yet.
    #[serde(default)]
    pub create_only: bool,
}

impl CodegenConfig {
    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<Self, CodegenError> {
        let text = std::fs::read_to_string(path).map_err(|source| CodegenError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses the text of a `codegen.toml` (named `path` in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Self, CodegenError> {
        basic_toml::from_str(text).map_err(|e| CodegenError::Config {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// The model files to read, resolved against `base` (the toml's folder unless `base_dir`).
    pub fn model_paths(&self, base: &Path) -> Result<Vec<PathBuf>, CodegenError> {
        let base = self
            .base_dir
            .as_ref()
            .map_or(base.to_path_buf(), |b| base.join(b));
        let mut paths = Vec::new();
        for model in &self.models {
            if let Some(url) = &model.url {
                if model.path.is_none() {
                    return Err(CodegenError::UrlModel { url: url.clone() });
                }
            }
            let dir = base.join(model.path.clone().unwrap_or_default());
            // `components()` drops inner `.` segments: `./.` and `x.smithy` give `./x.smithy`.
            if model.files.is_empty() {
                paths.push(dir.components().collect());
            } else {
                paths.extend(
                    model
                        .files
                        .iter()
                        .map(|f| dir.join(f).components().collect()),
                );
            }
        }
        Ok(paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A wash 0.x interface codegen.toml (models, html and rust tables) parses; html is ignored.
    #[test]
    fn parses_a_wash_0x_codegen_toml() {
        let text = r#"
[[models]]
path = "."
files = [ "keyvalue.smithy" ]

[[models]]
path = "../core"
files = [ "wasmcloud-core.smithy", "wasmcloud-model.smithy" ]

[html]
output_dir = "html"
[html.parameters]
minified = true

[rust]
output_dir = "rust"
[rust.parameters]

[[rust.files]]
path = "src/keyvalue.rs"
namespace = "org.wasmcloud.interface.keyvalue"
"#;
        let config = CodegenConfig::parse(text, Path::new("codegen.toml")).expect("valid");
        assert_eq!(config.models.len(), 2);
        let rust = config.rust.as_ref().expect("rust table");
        assert_eq!(rust.files[0].path, PathBuf::from("src/keyvalue.rs"));
        let paths = config.model_paths(Path::new("/x")).expect("paths");
        assert_eq!(paths[0], PathBuf::from("/x/./keyvalue.smithy"));
        assert_eq!(paths[1], PathBuf::from("/x/../core/wasmcloud-core.smithy"));
    }
}
