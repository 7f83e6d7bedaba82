//! wash's integration tests: one module per command, each spawning the real `wash` binary.

mod cli;
mod completions;
mod harness;
