//! Our reading of every file in `smithy/` against the published `atelier_smithy` parser (the parser the
//! 0.x codegen used), run from the `interfaces-check` interop binary: shapes, members, targets and trait
//! values must be equal.

use std::path::PathBuf;

use serde_json::Value;
use wash_test_support::interop_binary;

fn smithy_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../smithy")
}

/// Every shape atelier_smithy reads from each file of `smithy/` equals the shape we read, and its
/// `metadata` is part of our merged metadata.
#[test]
fn every_smithy_file_reads_as_atelier_reads_it() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(smithy_dir())
        .expect("smithy/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "smithy"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "smithy/ holds the wasmCloud models");
    let output = std::process::Command::new(interop_binary("interfaces-check"))
        .arg("atelier")
        .args(&files)
        .output()
        .expect("run interfaces-check");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let atelier: Value =
        serde_json::from_slice(&output.stdout).expect("JSON from interfaces-check");

    let sources = wash_smithy::read_sources(&files).expect("read smithy/");
    let loaded = wash_smithy::load(sources);
    assert!(!loaded.has_errors(), "{}", loaded.render_diagnostics());
    for (id, file) in loaded.sources.files() {
        let ours = loaded.model.to_json_ast(|s| s.file() == Some(id));
        let theirs = &atelier[&file.name];
        let mut expected = theirs["shapes"].as_object().cloned().expect("shapes");
        // atelier lists each `use`d shape of another namespace as an unresolved `apply` placeholder.
        expected.retain(|_, shape| shape["type"] != "apply");
        let actual = ours["shapes"].as_object().cloned().expect("shapes");
        for (shape_id, shape) in &expected {
            assert_eq!(
                actual.get(shape_id),
                Some(shape),
                "{}: shape `{shape_id}`",
                file.name
            );
        }
        let extra: Vec<&String> = actual
            .keys()
            .filter(|k| !expected.contains_key(*k))
            .collect();
        assert!(
            extra.is_empty(),
            "{}: shapes atelier did not read: {extra:?}",
            file.name
        );
        for entry in theirs["metadata"]["package"]
            .as_array()
            .expect("package metadata")
        {
            let merged = ours["metadata"]["package"]
                .as_array()
                .expect("merged package metadata");
            assert!(merged.contains(entry), "{}: metadata {entry}", file.name);
        }
    }
}
