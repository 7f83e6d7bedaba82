//! Acceptance of the generated bindings: up to date in examples/kvcounter-gen, built for wasm32 in an
//! actor on wasmbus-rpc 0.15, and byte-compatible with the official interface crates.

use std::path::PathBuf;

use wash_test_support::{example_wasm, examples_dir, interop_binary};

fn smithy_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../smithy")
}

/// The bindings committed in examples/kvcounter-gen are what `wash gen` makes from smithy/ today
/// (`WASH_UPDATE_SNAPSHOTS=1` rewrites them).
#[test]
fn committed_bindings_are_up_to_date() {
    let config = examples_dir().join("kvcounter-gen/codegen.toml");
    let files = wash_codegen::generate_from_config(&config).expect("generate");
    assert_eq!(files.len(), 2);
    for file in files {
        if std::env::var_os("WASH_UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&file.path, &file.contents).expect("write bindings");
            continue;
        }
        let committed = std::fs::read_to_string(&file.path).expect("committed bindings");
        assert!(
            committed == file.contents,
            "`{}` is stale: run `WASH_UPDATE_SNAPSHOTS=1 cargo test -p wash-codegen --test bindings`",
            file.path.display()
        );
    }
}

/// An actor using the generated keyvalue and httpserver bindings (and no official interface crate)
/// builds for wasm32-unknown-unknown against wasmbus-rpc 0.15.
#[test]
fn generated_bindings_build_into_a_wasm32_actor() {
    let wasm = example_wasm("kvcounter-gen");
    let bytes = std::fs::read(&wasm).expect("built module");
    assert!(
        bytes.starts_with(b"\0asm"),
        "{} is a wasm module",
        wasm.display()
    );
}

/// IncrementRequest, HttpRequest and HttpResponse from the generated bindings encode to the same
/// msgpack bytes as the official crates' types, and each decodes the other's bytes (1000 value sets).
#[test]
fn msgpack_bytes_equal_the_official_crates_both_ways() {
    let output = std::process::Command::new(interop_binary("interfaces-check"))
        .args(["wire", "1000"])
        .output()
        .expect("run interfaces-check");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert_eq!(report["cases"], 1000);
    assert_eq!(report["mismatches"], serde_json::json!([]), "{report}");
}

/// Every namespace of smithy/ generates Rust that parses (the generator formats through syn).
#[test]
fn every_namespace_of_smithy_generates() {
    let sources = wash_smithy::read_sources(&[smithy_dir()]).expect("read smithy/");
    let model = wash_smithy::load(sources)
        .into_model()
        .expect("valid models");
    for namespace in model.namespaces() {
        let code = wash_codegen::generate_rust(&model, namespace).expect("generate");
        assert!(code.contains(&format!("// namespace: {namespace}")));
    }
}
