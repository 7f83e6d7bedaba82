//! Rust bindings of the `wasmcloud:example:{{crate_name}}` contract, for actors and providers.
//!
//! `src/{{crate_name}}.rs` is written by `wash gen` from `{{project-name}}.smithy` (see `codegen.toml`);
//! this file only re-exports it.

mod {{crate_name}};
pub use {{crate_name}}::*;
