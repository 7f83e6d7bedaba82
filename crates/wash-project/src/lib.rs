//! wasmCloud projects: scaffold them from templates (`wash new`) and build them (`wash build`).
//!
//! # Templates
//!
//! Templates use cargo-generate's format, rendered here with the `liquid` crate (see
//! `docs/templates.md` for why not cargo-generate itself): every text file is a liquid template, a
//! `.liquid` suffix is dropped, file and folder names may hold `{{placeholders}}`, and an optional
//! `cargo-generate.toml` declares `[placeholders]` (type, prompt, default, choices, regex) and
//! `[template]` `include` / `exclude` / `ignore` globs. The built-in values are `project-name`,
//! `crate_name`, `crate_type`, `authors`, `username`, `os-arch`, `is_init` and
//! `within_cargo_project`; the case filters of cargo-generate (`snake_case`, `pascal_case`, ...) are
//! available. The actor, provider and interface templates of this repository are embedded in the
//! library, so [`new_project`] works offline; others come from a folder or a git repository.
//!
//! # Builds
//!
//! [`build_project`] reads a project's `wasmcloud.toml` (the wash 0.x format, [`ProjectManifest`]) and
//! runs cargo (or, for a `language = "go"` actor, `go build` for `wasip1`), then signs an actor
//! ([`wash_claims`]) or packs a provider archive ([`wash_par`]).

mod builder;
mod config;
mod embedded;
mod error;
mod filters;
mod git;
mod glob;
mod go;
mod kind;
mod manifest;
mod prompt;
mod render;
mod source;
mod values;

pub use builder::{build_project, BuildKeys, BuildOptions, BuildOutcome, BuildStep, Codegen};
pub use config::{Placeholder, PlaceholderType, TemplateConfig, TEMPLATE_CONFIG_FILE};
pub use embedded::{
    embedded_named, embedded_template, EMBEDDED_TEMPLATE_NAMES, EXTRA_EMBEDDED_TEMPLATES,
};
pub use error::ProjectError;
pub use git::{git_init, GitInit};
pub use go::{find_go, GO_ENV};
pub use kind::ProjectKind;
pub use manifest::{
    ActorSection, DevProvider, DevSection, InterfaceSection, ProjectManifest, ProviderSection,
    RustSection, MANIFEST_FILE,
};
pub use prompt::Prompter;
pub use render::{new_project, NewOptions, NewProject};
pub use source::{Template, TemplateFile, TemplateSource};
pub use values::{Favorite, Favorites, ValuesFile, FAVORITES_FILE};
