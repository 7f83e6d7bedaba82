//! Checked-in text snapshots (help texts): compare, or rewrite them with `WASH_UPDATE_SNAPSHOTS=1`.

use std::path::PathBuf;

use wash_test_support::wash;

/// Asserts that `wash <args> --help` prints exactly `tests/testsuite/snapshots/<name>.txt`
/// (run with `WASH_UPDATE_SNAPSHOTS=1` to accept a changed help text).
#[track_caller]
pub fn assert_help_snapshot(name: &str, args: &[&str]) {
    let out = wash().args(args).arg("--help").run().success();
    let actual = out.stdout();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/testsuite/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var_os("WASH_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "`wash {} --help` differs from {}; if the change is intended, run \
         `WASH_UPDATE_SNAPSHOTS=1 cargo test --test testsuite help` and commit the result.\n\
         --- expected\n{expected}\n--- actual\n{actual}",
        args.join(" "),
        path.display()
    );
}

/// The checked-in wash 0.18.1 vectors (`tests/vectors/wash/<name>`).
pub fn vector(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/wash")
        .join(name)
}
