//! The interop binaries under `interop/`, built natively on demand, once per test process.
//!
//! `interop/` is a cargo workspace of its own (one committed `Cargo.lock`) holding programs built on the
//! official, published wasmCloud 0.x crates: a capability provider on the wasmbus-rpc 0.15 provider SDK
//! and a client on `wasmcloud-control-interface` 0.28. Their old dependency trees stay out of the root
//! lock file. Everything builds into `<workspace>/target/interop` in one cargo run (so shared
//! dependencies are compiled once, with one feature set); cargo's lock on that folder keeps parallel test
//! binaries from building over each other.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::examples::workspace_root;

/// The `interop/` folder of the wash workspace: one sub-folder (a cargo package) per interop program.
pub fn interop_dir() -> PathBuf {
    workspace_root().join("interop")
}

/// Builds every program of the `interop/` workspace (dev profile, `--locked`) on the first call in a test
/// process, and returns the path of binary `name` (e.g. `kv-memory-provider`, `ctl-client`).
///
/// Panics, with cargo's stderr, when the build fails or `name` is not one of the binaries built.
pub fn interop_binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    // A panicking build leaves the cell empty: the next caller tries again and reports the same failure.
    let dir = BUILT.get_or_init(build_interop);
    let binary = dir.join(name);
    if binary.is_file() {
        return binary;
    }
    let mut known: Vec<String> = std::fs::read_dir(interop_dir())
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    known.sort();
    panic!(
        "`{name}` is not an interop binary: `{}` has {}",
        interop_dir().display(),
        known.join(", ")
    );
}

/// Runs cargo once for the whole interop workspace and returns the folder its binaries land in.
fn build_interop() -> PathBuf {
    let target_dir = workspace_root().join("target").join("interop");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(&cargo);
    command
        .args(["build", "--locked", "--workspace", "--bins"])
        .arg("--manifest-path")
        .arg(interop_dir().join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir);
    // Flags meant for the test build would needlessly rebuild the interop one.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
    ] {
        command.env_remove(var);
    }
    let output = command.output().unwrap_or_else(|error| {
        panic!(
            "could not run `{}` to build the interop workspace: {error}",
            Path::new(&cargo).display()
        )
    });
    if !output.status.success() {
        panic!(
            "building the interop workspace failed ({}): {command:?}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    target_dir.join("debug")
}
