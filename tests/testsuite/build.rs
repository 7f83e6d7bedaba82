//! `wash build`: generated actor, provider and interface projects compile, sign and pack.
//!
//! Generated projects build into one shared target folder, `<repo>/target/generated`, so the SDK
//! crates compile once per machine; the provider and interface share their (pinned) dependencies too.

use std::path::{Path, PathBuf};

use wash_test_support::{wash, WashCommand};

use crate::snapshot::assert_help_snapshot;

/// The cargo target folder shared by every generated project the tests build.
fn generated_target_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/generated")
}

/// `wash build` in `project`, with the shared target folder and the keys of `home`.
fn build_in(project: &Path, home: &Path) -> WashCommand {
    wash()
        .in_home(home)
        .current_dir(project)
        .env("CARGO_TARGET_DIR", generated_target_dir())
        .arg("build")
}

/// Native SDK builds are the slowest part of the suite: tests build providers and interfaces without
/// optimisation (the pipeline is the same; `docs/benchmarks.md` times the real release build).
fn unoptimised(cmd: WashCommand) -> WashCommand {
    cmd.env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
}

/// `wash new <kind> <name> --silent` in `home`; returns the project folder.
fn new_project(home: &Path, kind: &str, name: &str) -> PathBuf {
    wash()
        .in_home(home)
        .args(["new", kind, name, "--silent"])
        .run()
        .success();
    home.join(name)
}

/// A new actor builds into `build/<name>_s.wasm`, signed with the httpserver claim, and a failed
/// compile afterwards exits 1 and leaves `build/` as it was.
#[test]
fn actor_builds_and_signs() {
    let home = tempfile::tempdir().unwrap();
    let project = new_project(home.path(), "actor", "hello");
    let out = build_in(&project, home.path())
        .args(["-o", "json"])
        .run()
        .success();
    let json = out.json();
    let signed = project.join("build/hello_s.wasm");
    assert_eq!(json["artifact"], signed.display().to_string());
    assert_eq!(json["capabilities"][0], "wasmcloud:httpserver");
    let inspect = wash()
        .in_home(home.path())
        .args(["claims", "inspect", "-o", "json"])
        .arg(&signed)
        .run()
        .success()
        .json();
    let caps = inspect["capabilities"].to_string();
    assert!(
        caps.contains("HTTP Server") || caps.contains("wasmcloud:httpserver"),
        "{inspect}"
    );
    assert_eq!(inspect["module"], json["subject"]);

    let before = std::fs::read(&signed).unwrap();
    std::fs::write(project.join("src/lib.rs"), "this is not rust").unwrap();
    let out = build_in(&project, home.path()).run().assert_code(1);
    assert!(
        out.stderr().contains("cargo build --release"),
        "{}",
        out.stderr()
    );
    assert!(
        out.stderr().contains("nothing was written"),
        "{}",
        out.stderr()
    );
    assert_eq!(std::fs::read(&signed).unwrap(), before, "build/ untouched");
    assert_eq!(std::fs::read_dir(project.join("build")).unwrap().count(), 1);
}

/// A new provider builds into `build/<name>.par.gz`, which `par inspect` reads with this machine's
/// target, and the template's unit tests pass in it.
#[test]
fn provider_builds_into_an_archive() {
    let home = tempfile::tempdir().unwrap();
    let project = new_project(home.path(), "provider", "factorial");
    let out = unoptimised(build_in(&project, home.path()))
        .args(["-o", "json"])
        .run()
        .success();
    let archive = project.join("build/factorial.par.gz");
    assert_eq!(out.json()["artifact"], archive.display().to_string());
    let inspect = wash()
        .in_home(home.path())
        .args(["par", "inspect", "-o", "json"])
        .arg(&archive)
        .run()
        .success()
        .json();
    let target = wash_par::current_target();
    assert!(inspect.to_string().contains(&target), "{inspect}");
    assert!(
        inspect.to_string().contains("wasmcloud:example:factorial"),
        "{inspect}"
    );

    // The template's own unit tests pass in the generated project (release profile without
    // optimisation, as `wash build` just compiled it, so only the test harness is new).
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let tests = std::process::Command::new(cargo)
        .current_dir(&project)
        .env("CARGO_TARGET_DIR", generated_target_dir())
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .args(["test", "--release", "--locked"])
        .output()
        .expect("run cargo test in the generated provider");
    let stdout = String::from_utf8_lossy(&tests.stdout);
    assert!(
        tests.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&tests.stderr)
    );
    assert!(
        stdout.contains("factorials_fit_or_are_refused ... ok"),
        "{stdout}"
    );
}

/// A new interface generates its bindings and compiles.
#[test]
fn interface_generates_and_compiles() {
    let home = tempfile::tempdir().unwrap();
    let project = new_project(home.path(), "interface", "greeter");
    let out = unoptimised(build_in(&project, home.path())).run().success();
    assert!(
        out.stdout().contains("Built interface `greeter`"),
        "{}",
        out.stdout()
    );
    let bindings = std::fs::read_to_string(project.join("src/greeter.rs")).unwrap();
    assert!(bindings.contains("pub trait Greeter"), "{bindings}");
}

/// Outside a project `wash build` names the file it looked for.
#[test]
fn outside_a_project_names_the_file() {
    let out = wash().arg("build").run().assert_code(1);
    let expected = out.work_dir().join("wasmcloud.toml");
    assert!(
        out.stderr().contains(&format!("`{}`", expected.display())),
        "{}",
        out.stderr()
    );
    assert!(!out.work_dir().join("build").exists());
}

/// `wash build --help` matches the snapshot.
#[test]
fn help_snapshot() {
    assert_help_snapshot("build", &["build"]);
}
