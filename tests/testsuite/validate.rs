//! `wash validate`: compiler-style diagnostics for Smithy models, exit 1 on errors.

use std::path::PathBuf;

use wash_test_support::wash;

use crate::snapshot::assert_help_snapshot;

fn smithy_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("smithy")
}

const BAD: &str = "namespace a.b\n\nstructure Point {\n    x: U32,\n    y: Strng,\n}\n";

/// Our own models in smithy/ validate without errors.
#[test]
fn smithy_models_are_valid() {
    let out = wash()
        .arg("validate")
        .arg(smithy_dir())
        .args(["-o", "json"])
        .run()
        .success();
    let json = out.json();
    assert!(json["shapes"].as_u64().unwrap_or(0) >= 90, "{json}");
    assert!(
        json["namespaces"].as_array().is_some_and(|n| n.len() == 8),
        "{json}"
    );
}

/// Two errors in one file: both printed with file:line:col, the source line and a hint; exit 1.
#[test]
fn prints_every_error_and_exits_1() {
    let cmd = wash();
    std::fs::write(cmd.work_dir().join("bad.smithy"), BAD).unwrap();
    let out = cmd.args(["validate", "bad.smithy"]).run().assert_code(1);
    let err = out.stderr();
    assert!(
        err.contains("error[unknown-target]: unknown shape `U32`\n  --> bad.smithy:4:8\n"),
        "{err}"
    );
    assert!(err.contains("5 |     y: Strng,\n  |        ^^^^^"), "{err}");
    assert!(err.contains("= help: did you mean `String`?"), "{err}");
    assert!(
        err.contains("error: the model has 2 errors in 1 file"),
        "{err}"
    );
}

/// Under `-o json` each diagnostic is one `file:line:col: error[code]: message` line of the chain.
#[test]
fn json_lists_diagnostics_in_the_error_chain() {
    let cmd = wash();
    std::fs::write(cmd.work_dir().join("bad.smithy"), BAD).unwrap();
    let out = cmd
        .args(["validate", "bad.smithy", "-o", "json"])
        .run()
        .assert_code(1);
    let json = out.json();
    assert_eq!(json["success"], false);
    assert_eq!(json["error"], "the model has 2 errors in 1 file");
    assert_eq!(
        json["error_chain"],
        serde_json::json!([
            "bad.smithy:4:8: error[unknown-target]: unknown shape `U32`",
            "bad.smithy:5:8: error[unknown-target]: unknown shape `Strng`"
        ])
    );
}

/// `wash validate --help` matches its snapshot.
#[test]
fn help_snapshot() {
    assert_help_snapshot("validate", &["validate"]);
}

/// `wash lint --help` matches its snapshot.
#[test]
fn lint_help_snapshot() {
    assert_help_snapshot("lint", &["lint"]);
}
