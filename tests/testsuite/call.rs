//! `wash call` against a real lattice: kvcounter's `HttpServer.HandleRequest` invoked with JSON, the
//! reply decoded back to JSON, raw bytes with `--bin`, and the errors a user can run into.

use std::time::{Duration, Instant};

use serde_json::Value;
use wash_test_support::{free_port, wash, NatsServer, WashOutput};

use crate::lattice::Lattice;
use crate::snapshot::assert_help_snapshot;

/// An `HttpServer.HandleRequest` for `GET /`, as `wash call --data` JSON.
pub(crate) const REQUEST: &str = r#"{"method":"GET","path":"/","header":{},"body":""}"#;

/// How long a command that must fail without waiting for its (ten-minute) timeout may take.
pub(crate) const FAST_FAILURE_CEILING: Duration = Duration::from_secs(60);

/// Runs `call` (a `wash call <kvcounter> HttpServer.HandleRequest … -o json`) until it answers 200, for
/// up to 60 s, and returns that reply. The first calls may come before kv-nats has taken the link that
/// `ctl link put` published: they fail without counting.
pub(crate) fn first_counted_reply(call: impl Fn() -> WashOutput) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = call();
        let reply = out.json();
        if out.code() == 0 && reply["response"]["statusCode"] == 200 {
            return reply;
        }
        assert!(
            Instant::now() < deadline,
            "wash call never succeeded: {reply}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The counter in a decoded `HttpServer.HandleRequest` reply.
pub(crate) fn counter(reply: &Value) -> i64 {
    assert_eq!(reply["response"]["statusCode"], 200, "{reply}");
    let body = reply["response"]["body"]
        .as_str()
        .expect("body shown as text");
    let body: Value = serde_json::from_str(body).expect("the body is JSON");
    body["counter"].as_i64().expect("counter")
}

/// kvcounter linked to kv-nats (no HTTP server needed): `wash call … HttpServer.HandleRequest --data …`
/// returns the counter JSON and counts up; the data can come from a file; `--bin` prints the raw
/// msgpack reply; a foreign cluster seed is refused by the host's anti-forgery check.
#[test]
fn call_handle_request_returns_the_counter() {
    let lattice = Lattice::up();
    let actor = lattice.start_kvcounter();
    let kv = lattice.start_provider("kv-nats", "wasmcloud:keyvalue");
    lattice.link(&actor, &kv, "wasmcloud:keyvalue", &[]);

    let reply = first_counted_reply(|| {
        wash()
            .in_home(lattice.home.path())
            .args([
                "call",
                &actor,
                "HttpServer.HandleRequest",
                "--data",
                REQUEST,
            ])
            .args(["-o", "json"])
            .run()
    });
    assert_eq!(counter(&reply), 1);
    assert_eq!(reply["actor_id"], actor.as_str());
    assert_eq!(
        reply["response"]["header"]["content-type"][0],
        "application/json"
    );

    let file = lattice.path("request.json");
    std::fs::write(&file, REQUEST).expect("write request");
    let from_file = format!("@{}", file.display());
    let reply = lattice.wash_json(&[
        "call",
        &actor,
        "HttpServer.HandleRequest",
        "--data",
        &from_file,
    ]);
    assert_eq!(counter(&reply), 2);

    // Text mode prints the decoded reply; the body reads as text.
    let out = wash()
        .in_home(lattice.home.path())
        .args(["call", &actor, "HttpServer.HandleRequest"])
        .run()
        .success();
    assert!(
        out.stdout().contains(r#""body": "{\"counter\":3}""#),
        "{}",
        out.stdout()
    );

    let raw = wash()
        .in_home(lattice.home.path())
        .args(["call", &actor, "HttpServer.HandleRequest", "--bin"])
        .run()
        .success();
    let bytes = &raw.output.stdout;
    assert_eq!(bytes.first().map(|b| b & 0xf0), Some(0x80), "a msgpack map");
    assert!(
        bytes.windows(13).any(|w| w == br#"{"counter":4}"#),
        "{bytes:?}"
    );

    let foreign = "SCAMSVN4M2NZ65RWGYE42BZZ7VYEFEAAHGLIY7R4W7CRHORSMXTDJRKXLY";
    let refused = wash()
        .in_home(lattice.home.path())
        .args(["call", &actor, "HttpServer.HandleRequest", "-c", foreign])
        .run()
        .assert_code(1);
    assert!(
        refused
            .stderr()
            .contains("Issuer of this invocation is not in list of cluster issuers"),
        "{}",
        refused.stderr()
    );
}

/// Without a host running the actor, `wash call` fails fast naming the actor, lattice and URL; an id
/// of the wrong kind and bad JSON are explained; all exit 1.
#[test]
fn call_errors_are_explained() {
    let nats = NatsServer::start();
    let seed = "SCAMSVN4M2NZ65RWGYE42BZZ7VYEFEAAHGLIY7R4W7CRHORSMXTDJRKXLY";
    let actor = "MBCFOPM6JW2APJLXJD3Z5O4CN7CPYJ2B4FTKLJUR5YR5MITIU7HD3WD5";
    let port = nats.port().to_string();
    // An RPC timeout of ten minutes: the answer within the ceiling comes from "no responders", not
    // from waiting out the timeout.
    let out = wash()
        .args([
            "call",
            actor,
            "HttpServer.HandleRequest",
            "-p",
            &port,
            "-c",
            seed,
            "--rpc-timeout-ms",
            "600000",
        ])
        .run_within(FAST_FAILURE_CEILING)
        .assert_code(1);
    assert!(
        out.stderr().contains(&format!(
            "no host runs actor `{actor}` on lattice `default` at `nats://127.0.0.1:{port}`"
        )),
        "{}",
        out.stderr()
    );

    let out = wash()
        .args([
            "call",
            "VAG3QITQQ2ODAOWB5TTQSDJ53XK3SHBEIFNK4AYJ5RKAX2UNSCAPHA5M",
            "X.Y",
        ])
        .run()
        .assert_code(1);
    assert!(
        out.stderr()
            .contains("is a provider id (V…), not an actor id"),
        "{}",
        out.stderr()
    );

    let out = wash()
        .args(["call", actor, "X.Y", "--data", "{nope", "-o", "json"])
        .run()
        .assert_code(1);
    assert!(
        out.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("not valid JSON")),
        "{}",
        out.stdout()
    );

    // No context and no flag: no cluster seed to sign with.
    let out = wash()
        .args(["call", actor, "X.Y", "-p", &free_port().to_string()])
        .run()
        .assert_code(1);
    assert!(out.stderr().contains("no cluster seed"), "{}", out.stderr());
}

/// `wash call --help` matches its snapshot.
#[test]
fn help_snapshot() {
    assert_help_snapshot("call", &["call"]);
}
