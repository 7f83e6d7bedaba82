//! `wash completions`: generated scripts, and the checked-in copies under `completions/` kept fresh.

use std::path::Path;

use wash_test_support::wash;

const SHELLS: &[(&str, &str)] = &[
    ("bash", "wash.bash"),
    ("zsh", "_wash"),
    ("fish", "wash.fish"),
    ("powershell", "_wash.ps1"),
];

/// The scripts checked in under `completions/` equal what the current CLI generates
/// (run `./dev completions` to refresh them after changing a flag or command).
#[test]
fn checked_in_completions_are_fresh() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for (shell, file) in SHELLS {
        let generated = wash()
            .args(["completions", shell])
            .run()
            .success()
            .output
            .stdout;
        let checked_in = std::fs::read(dir.join(file)).unwrap_or_default();
        assert!(
            generated == checked_in,
            "completions/{file} is stale: run `./dev completions` and commit the result"
        );
    }
}

/// `--dir` writes the script under the shell's usual file name, with the same bytes as stdout.
#[test]
fn dir_writes_the_named_file() {
    let stdout = wash()
        .args(["completions", "zsh"])
        .run()
        .success()
        .output
        .stdout;
    let out = wash()
        .args(["completions", "zsh", "--dir", "."])
        .run()
        .success();
    let written = std::fs::read(out.work_dir().join("_wash")).expect("the _wash file was written");
    assert_eq!(written, stdout);
    assert!(String::from_utf8_lossy(&written).contains("#compdef wash"));
}
