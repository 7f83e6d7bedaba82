//! The interop binaries under `interop/`, built natively on demand, once per test process.
//!
//! `interop/` is a cargo workspace of its own (one committed `Cargo.lock`) holding programs built on the
//! official, published wasmCloud 0.x crates: a capability provider on the wasmbus-rpc 0.15 provider SDK,
//! a client on `wasmcloud-control-interface` 0.28, and oracles on atelier_smithy, the interface crates,
//! wascap 0.11.2 and provider-archive 0.8.0. Their old dependency trees stay out of the root lock file. Everything builds into `<workspace>/target/interop` in one cargo run (so shared
//! dependencies are compiled once, with one feature set); cargo's lock on that folder keeps parallel test
//! binaries from building over each other.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::examples::{cargo_build_own_workspace, packages_in, workspace_root};

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
    panic!(
        "`{name}` is not an interop binary: `{}` has {}",
        interop_dir().display(),
        packages_in(&interop_dir())
    );
}

/// Runs interop binary `name` with `args` and returns the one JSON value it prints on stdout.
///
/// Panics, with the program's stderr, when it cannot start, fails, or prints something else.
pub fn interop_json<I, S>(name: &str, args: I) -> serde_json::Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = Command::new(interop_binary(name));
    command.args(args);
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("could not run {command:?}: {error}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{stderr}",
        output.status
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "{command:?} printed no JSON ({error}): {}\n{stderr}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// Runs cargo once for the whole interop workspace and returns the folder its binaries land in.
fn build_interop() -> PathBuf {
    let target_dir = workspace_root().join("target").join("interop");
    cargo_build_own_workspace(
        &["--workspace", "--bins"],
        &interop_dir().join("Cargo.toml"),
        &target_dir,
        "the interop workspace",
    );
    target_dir.join("debug")
}
