//! The three kinds of project `wash new` scaffolds and `wash build` builds.

use std::fmt;

/// An actor, a capability provider or an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProjectKind {
    /// A WebAssembly actor (`wasm32-unknown-unknown`, signed with claims).
    Actor,
    /// A native capability provider (packed into a provider archive).
    Provider,
    /// A Smithy contract and the Rust crate of its bindings.
    Interface,
}

impl ProjectKind {
    /// Every kind, in the order help texts list them.
    pub const ALL: [ProjectKind; 3] = [
        ProjectKind::Actor,
        ProjectKind::Provider,
        ProjectKind::Interface,
    ];

    /// The lowercase name used in `wasmcloud.toml`'s `type` and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectKind::Actor => "actor",
            ProjectKind::Provider => "provider",
            ProjectKind::Interface => "interface",
        }
    }

    /// Parses `actor`, `provider` or `interface` (any case).
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// cargo-generate's `crate_type` value for this kind: `bin` for providers, else `lib`.
    pub fn crate_type(self) -> &'static str {
        match self {
            ProjectKind::Provider => "bin",
            ProjectKind::Actor | ProjectKind::Interface => "lib",
        }
    }
}

impl fmt::Display for ProjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
