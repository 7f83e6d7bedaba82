//! wash's integration tests: one module per command, each spawning the real `wash` binary.

mod app;
mod build;
mod call;
mod claims;
mod cli;
mod compat;
mod compat_build;
mod compat_ctl;
mod compat_up;
mod completions;
mod ctl;
mod ctx;
mod dev;
mod gen;
mod go;
mod harness;
mod home;
mod home_compat;
mod keys;
mod lattice;
mod multihost;
mod new;
mod outage;
mod par;
mod reg;
mod secured;
mod snapshot;
mod traces;

mod ui;
mod validate;
mod vault;
