//! Errors of wash-codegen.

use std::path::PathBuf;

/// What can go wrong generating code.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// The config file could not be read.
    #[error("failed to read `{path}`")]
    Read {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The config file is not valid codegen.toml.
    #[error("`{path}` is not a valid codegen.toml: {message}")]
    Config {
        /// The path.
        path: PathBuf,
        /// What the TOML parser said.
        message: String,
    },
    /// A `[[models]]` entry uses `url`, which needs the network.
    #[error("model source `{url}` is a URL; wash gen reads local models only")]
    UrlModel {
        /// The URL.
        url: String,
    },
    /// The config names no `[rust]` or `[go]` output.
    #[error("`{path}` has no `[[rust.files]]` or `[[go.files]]` to generate")]
    NoRustFiles {
        /// The path.
        path: PathBuf,
    },
    /// `--lang` names a language wash gen does not write.
    #[error("wash gen writes `rust` and `go`, not `{language}`")]
    UnsupportedLanguage {
        /// The language asked for.
        language: String,
    },
    /// The model failed to load.
    #[error(transparent)]
    Model(#[from] wash_smithy::SmithyError),
    /// A namespace to generate has no shapes.
    #[error("namespace `{namespace}` is not in the model")]
    UnknownNamespace {
        /// The namespace.
        namespace: String,
    },
    /// A shape cannot be expressed in Rust.
    #[error("cannot generate Rust for `{shape}`: {reason}")]
    Unsupported {
        /// The shape id.
        shape: String,
        /// Why.
        reason: String,
    },
    /// The generated code did not parse (a bug in the generator).
    #[error("generated code for `{namespace}` does not parse: {message}")]
    Format {
        /// The namespace.
        namespace: String,
        /// What syn said.
        message: String,
    },
    /// A `formatter` command failed.
    #[error("formatter `{command}` failed: {message}")]
    Formatter {
        /// The command.
        command: String,
        /// Why.
        message: String,
    },
}
