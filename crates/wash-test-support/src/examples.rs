//! The example actors under `examples/`, built for `wasm32-unknown-unknown` on demand, once per test process.
//!
//! The examples are their own cargo workspace (`examples/Cargo.toml`, one `Cargo.lock`), built with the
//! official wasmCloud 0.x SDK crates exactly as a 0.x user built an actor. Their build output goes to
//! `<workspace>/target/examples`; cargo's lock on that folder keeps parallel test binaries from
//! building over each other, and the second binary just finds the work done.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The target the example actors are built for.
pub const EXAMPLES_TARGET: &str = "wasm32-unknown-unknown";

/// The root of the wash workspace (two levels above this crate's manifest).
pub(crate) fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .nth(2)
        .expect("wash-test-support lives at <workspace>/crates/wash-test-support")
        .to_path_buf()
}

/// The `examples/` folder of the wash workspace: one sub-folder (a cargo package) per example actor.
pub fn examples_dir() -> PathBuf {
    workspace_root().join("examples")
}

/// The cargo target dir the examples build into: `<workspace>/target/examples`.
pub fn examples_target_dir() -> PathBuf {
    workspace_root().join("target").join("examples")
}

/// Builds the example actor `examples/<name>` (release, `wasm32-unknown-unknown`, `--locked`) and returns
/// the path of its unsigned `.wasm` module.
///
/// The first call for a name in a test process runs cargo; later calls return the same path at once.
/// Panics, with cargo's stderr, when the name is not an example or the build fails.
pub fn example_wasm(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, Arc<OnceLock<PathBuf>>>>> = OnceLock::new();
    let cell = BUILT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(name.to_owned())
        .or_default()
        .clone();
    // A panicking build leaves the cell empty: the next caller tries again and reports the same failure.
    cell.get_or_init(|| build_example(name)).clone()
}

/// Runs cargo for one example and returns its `.wasm` path.
fn build_example(name: &str) -> PathBuf {
    let target_dir = examples_target_dir();
    cargo_build_own_workspace(
        &["--release", "--target", EXAMPLES_TARGET],
        &example_manifest(name),
        &target_dir,
        &format!("example actor `{name}`"),
    );
    let wasm = target_dir
        .join(EXAMPLES_TARGET)
        .join("release")
        .join(format!("{}.wasm", name.replace('-', "_")));
    assert!(
        wasm.is_file(),
        "cargo built example actor `{name}` but `{}` is missing: is its crate-type `cdylib`?",
        wasm.display()
    );
    wasm
}

/// The `Cargo.toml` of example `name`; panics naming the examples there are when it is not one.
fn example_manifest(name: &str) -> PathBuf {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let manifest = examples_dir().join(name).join("Cargo.toml");
    if plain && manifest.is_file() {
        return manifest;
    }
    panic!(
        "`{name}` is not an example actor: `{}` has {}",
        examples_dir().display(),
        packages_in(&examples_dir())
    );
}

/// Runs `cargo build --locked <args>` for a cargo workspace of its own (`examples/`, `interop/`) into
/// `target_dir`. Panics with cargo's stderr, naming `what`, when cargo cannot run or the build fails.
pub(crate) fn cargo_build_own_workspace(
    args: &[&str],
    manifest: &Path,
    target_dir: &Path,
    what: &str,
) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(&cargo);
    command
        .args(["build", "--locked"])
        .args(args)
        .arg("--manifest-path")
        .arg(manifest)
        .arg("--target-dir")
        .arg(target_dir);
    // Flags meant for the native test build would break (or needlessly rebuild) this one.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
    ] {
        command.env_remove(var);
    }
    // So is what cargo tells the calling test about its own package: build scripts that watch those
    // variables (ring's do) would rebuild whenever a test of another crate runs this build.
    const CALLER_PACKAGE_VARS: [&str; 6] = [
        "CARGO_MANIFEST_",
        "CARGO_PKG_",
        "CARGO_BIN_",
        "CARGO_CRATE_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
    ];
    for (var, _) in std::env::vars_os() {
        let name = var.to_string_lossy();
        if CALLER_PACKAGE_VARS
            .iter()
            .any(|prefix| name.starts_with(prefix))
        {
            command.env_remove(&var);
        }
    }
    let output = command.output().unwrap_or_else(|error| {
        panic!(
            "could not run `{}` to build {what}: {error}",
            Path::new(&cargo).display()
        )
    });
    if !output.status.success() {
        panic!(
            "building {what} failed ({}): {command:?}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// The cargo packages (sub-folders with a `Cargo.toml`) of `dir`, sorted and comma-separated, for
/// "not one of these" messages.
pub(crate) fn packages_in(dir: &Path) -> String {
    let mut known: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    known.sort();
    known.join(", ")
}

/// Builds the workspace binary `name` (a provider such as `httpserver`) with the same cargo and profile
/// as the tests, and returns its path. Cheap when it is already built.
pub fn workspace_binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(|| Mutex::new(HashMap::new()));
    let mut built = built.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(path) = built.get(name) {
        return path.clone();
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(workspace_root())
        .args(["build", "--locked", "-p", name, "--bin", name])
        .output()
        .unwrap_or_else(|e| panic!("failed to run cargo to build `{name}`: {e}"));
    assert!(
        output.status.success(),
        "building `{name}` failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let path = crate::wash::wash_bin().with_file_name(name);
    assert!(
        path.is_file(),
        "`{}` missing after building it",
        path.display()
    );
    built.insert(name.to_owned(), path.clone());
    path
}
