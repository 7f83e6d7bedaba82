//! The example actors build into valid wasmbus actor modules (the shape `spec/actor-abi.md` describes).

use std::collections::BTreeSet;

use wash_test_support::{example_wasm, examples_dir};
use wasmparser::{ExternalKind, Parser, Payload, TypeRef, Validator};

/// What a module imports and exports: `(module, name)` pairs of imported functions, exported names.
struct ModuleShape {
    function_imports: BTreeSet<(String, String)>,
    other_imports: Vec<String>,
    function_exports: BTreeSet<String>,
    memory_exports: BTreeSet<String>,
}

/// Validates `bytes` with wasmparser's default features and collects its imports and exports.
fn module_shape(name: &str, bytes: &[u8]) -> ModuleShape {
    if let Err(error) = Validator::new().validate_all(bytes) {
        panic!("example `{name}` is not a valid wasm module: {error}");
    }
    let mut shape = ModuleShape {
        function_imports: BTreeSet::new(),
        other_imports: Vec::new(),
        function_exports: BTreeSet::new(),
        memory_exports: BTreeSet::new(),
    };
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.expect("a validated module parses") {
            Payload::Version { encoding, .. } => assert_eq!(
                encoding,
                wasmparser::Encoding::Module,
                "example `{name}` must be a core module, not a component"
            ),
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.expect("a validated import parses");
                    let key = (import.module.to_owned(), import.name.to_owned());
                    match import.ty {
                        TypeRef::Func(_) => {
                            shape.function_imports.insert(key);
                        }
                        _ => shape.other_imports.push(format!("{}::{}", key.0, key.1)),
                    }
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.expect("a validated export parses");
                    match export.kind {
                        ExternalKind::Func => shape.function_exports.insert(export.name.to_owned()),
                        ExternalKind::Memory => shape.memory_exports.insert(export.name.to_owned()),
                        _ => false,
                    };
                }
            }
            _ => {}
        }
    }
    shape
}

/// Builds example `name` and checks the wasmbus guest ABI: exports `__guest_call` and `memory`, imports
/// only functions, all from module `wasmbus`, always the inbound trio, and `__host_call` (with its
/// response/error readers) exactly when the actor calls out to a capability.
fn assert_wasmbus_actor(name: &str, calls_out: bool) {
    let wasm = example_wasm(name);
    let bytes = std::fs::read(&wasm).expect("read the built example module");
    let shape = module_shape(name, &bytes);

    assert!(
        shape.function_exports.contains("__guest_call"),
        "example `{name}` does not export `__guest_call`: {:?}",
        shape.function_exports
    );
    assert!(
        shape.memory_exports.contains("memory"),
        "example `{name}` does not export `memory`"
    );
    assert!(
        shape.other_imports.is_empty(),
        "example `{name}` imports non-functions: {:?}",
        shape.other_imports
    );
    let foreign: Vec<_> = shape
        .function_imports
        .iter()
        .filter(|(module, _)| module != "wasmbus")
        .collect();
    assert!(
        foreign.is_empty(),
        "example `{name}` imports from modules other than `wasmbus`: {foreign:?}"
    );
    let imported: BTreeSet<&str> = shape
        .function_imports
        .iter()
        .map(|(_, function)| function.as_str())
        .collect();
    for inbound in ["__guest_request", "__guest_response", "__guest_error"] {
        assert!(
            imported.contains(inbound),
            "example `{name}` does not import `wasmbus::{inbound}`: {imported:?}"
        );
    }
    for outbound in [
        "__host_call",
        "__host_response",
        "__host_response_len",
        "__host_error",
        "__host_error_len",
    ] {
        assert_eq!(
            imported.contains(outbound),
            calls_out,
            "example `{name}` importing `wasmbus::{outbound}`: {imported:?}"
        );
    }
}

/// kvcounter builds into a wasmbus actor that calls out (`__host_call` for `KeyValue.Increment`).
#[test]
fn kvcounter_is_a_wasmbus_actor_that_calls_out() {
    assert_wasmbus_actor("kvcounter", true);
}

/// echo builds into a wasmbus actor that only answers (no `__host_call` import).
#[test]
fn echo_is_a_wasmbus_actor_that_only_answers() {
    assert_wasmbus_actor("echo", false);
}

/// trap builds into a wasmbus actor that only answers (its trap is a panic, not a host call).
#[test]
fn trap_is_a_wasmbus_actor_that_only_answers() {
    assert_wasmbus_actor("trap", false);
}

/// nocap builds into a wasmbus actor that calls out, although it claims no capability it could call.
#[test]
fn nocap_is_a_wasmbus_actor_that_calls_out() {
    assert_wasmbus_actor("nocap", true);
}

/// Each example's `wasmcloud.toml` is a wash 0.x actor project file, and only kvcounter claims
/// `wasmcloud:keyvalue` (nocap calls KeyValue without the claim on purpose).
#[test]
fn example_project_files_declare_the_intended_claims() {
    for (name, claims_keyvalue) in [
        ("kvcounter", true),
        ("echo", false),
        ("trap", false),
        ("nocap", false),
    ] {
        let path = examples_dir().join(name).join("wasmcloud.toml");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("read `{}`: {error}", path.display()));
        for line in [
            format!("name = \"{name}\""),
            "language = \"rust\"".to_owned(),
            "type = \"actor\"".to_owned(),
            "[actor]".to_owned(),
        ] {
            assert!(
                text.lines().any(|l| l.trim() == line),
                "`{}` lacks `{line}`",
                path.display()
            );
        }
        let claims = text
            .lines()
            .find(|l| l.trim_start().starts_with("claims"))
            .unwrap_or_else(|| panic!("`{}` has no claims list", path.display()));
        assert!(
            claims.contains("\"wasmcloud:httpserver\""),
            "{name}: {claims}"
        );
        assert_eq!(
            claims.contains("\"wasmcloud:keyvalue\""),
            claims_keyvalue,
            "{name}: {claims}"
        );
    }
}

/// Asking for an example that does not exist fails with a message naming the examples there are.
#[test]
#[should_panic(expected = "is not an example actor")]
fn an_unknown_example_name_is_refused() {
    example_wasm("../src");
}
