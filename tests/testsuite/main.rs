//! wash's integration tests: one module per command, each spawning the real `wash` binary.

mod claims;
mod cli;
mod completions;
mod harness;
mod keys;
mod lattice;
mod par;
mod reg;
mod snapshot;
