//! `wash gen`: Rust bindings from a wash 0.x codegen.toml.

use std::path::PathBuf;

use wash_test_support::wash;

use crate::snapshot::assert_help_snapshot;

fn smithy_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("smithy")
}

/// `wash gen -c codegen.toml -o json` writes the keyvalue bindings where `[[rust.files]]` says and
/// lists them in the JSON result.
#[test]
fn writes_the_files_of_a_codegen_toml() {
    let cmd = wash();
    let dir = cmd.work_dir();
    let toml = format!(
        "[[models]]\npath = {:?}\nfiles = [\"keyvalue.smithy\", \"wasmcloud-model.smithy\"]\n\n[rust]\noutput_dir = \"out\"\n\n[[rust.files]]\npath = \"src/keyvalue.rs\"\nnamespace = \"org.wasmcloud.interface.keyvalue\"\n",
        smithy_dir().display().to_string()
    );
    std::fs::write(dir.join("codegen.toml"), toml).unwrap();
    let out = cmd.args(["gen", "-o", "json"]).run().success();
    let json = out.json();
    assert_eq!(json["success"], true);
    assert_eq!(
        json["files"][0]["namespace"],
        "org.wasmcloud.interface.keyvalue"
    );
    let code = std::fs::read_to_string(dir.join("out/src/keyvalue.rs")).expect("generated file");
    assert!(code.contains("pub struct IncrementRequest"), "{code}");
    assert!(code.contains("pub trait KeyValueReceiver"), "{code}");
}

/// A missing codegen.toml fails with exit 1 and names the file.
#[test]
fn missing_config_fails() {
    let out = wash().args(["gen", "-c", "nope.toml"]).run().assert_code(1);
    assert!(out.stderr().contains("nope.toml"), "{}", out.stderr());
}

/// `wash gen --help` matches its snapshot.
#[test]
fn help_snapshot() {
    assert_help_snapshot("gen", &["gen"]);
}
