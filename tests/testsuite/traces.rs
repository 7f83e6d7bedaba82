//! Traces across the lattice, stored by a real Arize Phoenix: one HTTP request to kvcounter is one
//! trace, from httpserver's server span through the host's actor invocation and outgoing call to the
//! kv-nats operation; a client `traceparent` continues its trace; a trap is an error on the
//! invocation's span and the HTTP span records the 500; `wash call` is the root of its trace; a
//! provider built on the official SDK with its `otel` feature joins the trace.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::Value;
use wash_test_support::{free_port, http_get, http_request, interop_binary, wash, Phoenix};

use crate::lattice::{first_count, path_str, Lattice};

/// The variables that turn traces on, pointed at `phoenix`, with a short batching delay.
fn otel_env(phoenix: &Phoenix) -> Vec<(&'static str, String)> {
    vec![
        ("OTEL_TRACES_EXPORTER", "otlp".to_owned()),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", phoenix.endpoint()),
        ("OTEL_BSP_SCHEDULE_DELAY", "200".to_owned()),
    ]
}

fn trace_id(span: &Value) -> &str {
    span["context"]["trace_id"].as_str().unwrap_or_default()
}

fn span_id(span: &Value) -> &str {
    span["context"]["span_id"].as_str().unwrap_or_default()
}

fn parent_id(span: &Value) -> Option<&str> {
    span["parent_id"].as_str().filter(|p| !p.is_empty())
}

/// Waits until Phoenix holds spans of trace `trace` satisfying `done`; returns them.
fn wait_for_trace(
    phoenix: &Phoenix,
    what: &str,
    mut done: impl FnMut(&[Value]) -> bool,
    trace: impl Fn(&Value) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let spans: Vec<Value> = phoenix.spans().into_iter().filter(|s| trace(s)).collect();
        if done(&spans) {
            return spans;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not in Phoenix within 60 s; spans of the trace: {spans:#?}\nall span names: {:?}",
            phoenix
                .spans()
                .iter()
                .map(|s| (s["name"].clone(), s["context"]["trace_id"].clone()))
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// `GET path` with a client's `traceparent`.
fn get_in_trace(port: u16, path: &str, traceparent: &str) -> wash_test_support::HttpReply {
    http_request(port, "GET", path, &[("traceparent", traceparent)], b"").expect("an answer")
}

fn named<'a>(spans: &'a [Value], name: &str) -> Vec<&'a Value> {
    spans.iter().filter(|s| s["name"] == name).collect()
}

#[test]
fn one_request_is_one_trace_across_three_processes_and_errors_are_recorded() {
    let phoenix = Phoenix::start();
    let env = otel_env(&phoenix);
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let lattice = Lattice::up_with_env(&env_refs);
    let actor = lattice.start_kvcounter();
    let served = lattice.serve_over_http(&actor, "kv-nats", &[]);
    // Requests without a traceparent (as 0.x clients send them) work, each the root of a trace.
    assert_eq!(first_count(served.port), 1);

    // A client traceparent: the HTTP server span continues that trace.
    let client_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let client_span = "00f067aa0ba902b7";
    let traceparent = format!("00-{client_trace}-{client_span}-01");
    let reply = get_in_trace(served.port, "/traced", &traceparent);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let spans = wait_for_trace(
        &phoenix,
        "the traced request's keyvalue span",
        |spans| !named(spans, "provider operation").is_empty(),
        |s| trace_id(s) == client_trace,
    );
    let by_id: HashMap<&str, &Value> = spans.iter().map(|s| (span_id(s), s)).collect();
    // From the keyvalue operation up to the HTTP span, every parent is in the trace.
    let kv = named(&spans, "provider operation")[0];
    assert_eq!(
        kv["attributes"]["operation"], "KeyValue.Increment",
        "{kv:#}"
    );
    let mut chain = vec![kv["name"].as_str().unwrap_or_default().to_owned()];
    let mut current = kv;
    while let Some(parent) = parent_id(current) {
        match by_id.get(parent) {
            Some(span) => {
                chain.push(span["name"].as_str().unwrap_or_default().to_owned());
                current = span;
            }
            None => {
                // The chain ends at the client's span, which is not in the store.
                assert_eq!(parent, client_span, "broken parent link: {spans:#?}");
                break;
            }
        }
    }
    assert_eq!(
        chain,
        [
            "provider operation",
            "actor call",
            "actor invocation",
            "HTTP request"
        ],
        "{spans:#?}"
    );
    let http = named(&spans, "HTTP request")[0];
    assert_eq!(http["attributes"]["http.request.method"], "GET", "{http:#}");
    assert_eq!(http["attributes"]["url.path"], "/traced", "{http:#}");
    // Three processes: only httpserver makes HTTP spans (for the actor it serves), only the host
    // actor invocations and calls, and the operation span names the kv-nats provider's key.
    assert_eq!(http["attributes"]["actor.id"], actor.as_str(), "{http:#}");
    let invocation = named(&spans, "actor invocation")[0];
    assert_eq!(
        invocation["attributes"]["actor.id"],
        actor.as_str(),
        "{invocation:#}"
    );
    assert_eq!(
        kv["attributes"]["provider.id"],
        served.kv.as_str(),
        "{kv:#}"
    );

    // Phoenix's trace view of a request (the README's docs/trace.png comes from here), in Chromium.
    screenshot_trace_view(&phoenix);

    // A trap: the actor's invocation span is an error, and the HTTP span records the 500.
    let trap = lattice.start_example("trap", &["--http_server"]);
    let trap_port = free_port();
    lattice.link(
        &trap,
        &served.http,
        "wasmcloud:httpserver",
        &[&format!("PORT={trap_port}")],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while http_get(trap_port, "/").is_none_or(|r| r.status != 200) {
        assert!(Instant::now() < deadline, "the trap actor never answered");
        std::thread::sleep(Duration::from_millis(100));
    }
    let trap_trace = "0af7651916cd43dd8448eb211c80319c";
    let reply = get_in_trace(
        trap_port,
        "/trap",
        &format!("00-{trap_trace}-b7ad6b7169203331-01"),
    );
    assert_eq!(reply.status, 500, "{}", reply.text());
    let spans = wait_for_trace(
        &phoenix,
        "the trap's spans",
        |spans| {
            !named(spans, "actor invocation").is_empty() && !named(spans, "HTTP request").is_empty()
        },
        |s| trace_id(s) == trap_trace,
    );
    let invocation = named(&spans, "actor invocation")[0];
    assert_eq!(invocation["status_code"], "ERROR", "{invocation:#}");
    let http = named(&spans, "HTTP request")[0];
    assert_eq!(http["status_code"], "ERROR", "{http:#}");
    assert_eq!(
        http["attributes"]["http.response.status_code"]
            .to_string()
            .trim_matches('"'),
        "500",
        "{http:#}"
    );

    // `wash call` with the variables set is the root of its trace, down to the actor.
    let data = r#"{"method":"GET","path":"/called","header":{},"body":""}"#;
    lattice.wash_json(&["call", &actor, "HttpServer.HandleRequest", "--data", data]);
    let spans = wait_for_trace(
        &phoenix,
        "the call's trace",
        |spans| {
            spans
                .iter()
                .any(|s| s["name"] == "wash call" && parent_id(s).is_none())
                && !named(spans, "provider operation").is_empty()
        },
        |_| true,
    );
    let root = spans
        .iter()
        .find(|s| s["name"] == "wash call")
        .expect("a wash call span");
    let in_trace: Vec<&Value> = spans
        .iter()
        .filter(|s| trace_id(s) == trace_id(root))
        .collect();
    assert!(
        in_trace
            .iter()
            .any(|s| s["name"] == "actor invocation" && parent_id(s) == Some(span_id(root))),
        "{in_trace:#?}"
    );

    // `wash ctl` with the variables set is the root of its trace too: the host's span for the
    // control request is its child.
    lattice.wash_json(&["ctl", "link", "query"]);
    wait_for_trace(
        &phoenix,
        "a wash ctl trace",
        |spans| {
            spans.iter().any(|ctl| {
                ctl["name"] == "wash ctl"
                    && parent_id(ctl).is_none()
                    && spans.iter().any(|s| {
                        s["name"] == "control request"
                            && trace_id(s) == trace_id(ctl)
                            && parent_id(s) == Some(span_id(ctl))
                    })
            })
        },
        |_| true,
    );

    // Without the variables, `wash call` sends no headers and still works.
    let out = wash()
        .in_home(lattice.home.path())
        .args([
            "call",
            &actor,
            "HttpServer.HandleRequest",
            "--data",
            data,
            "-o",
            "json",
        ])
        .run()
        .success();
    assert!(out.stdout().contains("counter"), "{}", out.stdout());
}

/// Opens the first `HTTP request` trace in Phoenix's UI with headless Chromium (tests/ui/
/// phoenix-trace.mjs, which checks the hops are listed) and saves it as
/// `target/trace-screenshots/phoenix-trace.png`.
fn screenshot_trace_view(phoenix: &Phoenix) {
    let (node, chromium) = crate::ui::browser_prerequisites();
    let shots = wash_test_support::examples_target_dir()
        .parent()
        .expect("the target folder")
        .join("trace-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot folder");
    let screenshot = shots.join("phoenix-trace.png");
    let out = std::process::Command::new(node)
        .arg(crate::ui::tests_ui_dir().join("phoenix-trace.mjs"))
        .current_dir(crate::ui::tests_ui_dir())
        .env("PHOENIX_URL", phoenix.endpoint())
        .env("SCREENSHOT", &screenshot)
        .env("CHROMIUM", chromium)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "the Phoenix screenshot failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        screenshot.is_file(),
        "no screenshot at {}",
        screenshot.display()
    );
}

/// A provider built on the official SDK with wasmbus-rpc 0.15's `otel` feature
/// (`interop/kv-memory-provider`) joins the trace our host carries: its `rpc` span's parent is the
/// host's `actor call` span. That span is a debug span in the SDK, so this lattice runs at
/// `--log-level debug`, which the host passes on to its providers.
#[test]
fn an_official_sdk_provider_built_with_otel_joins_the_trace() {
    let phoenix = Phoenix::start();
    let env = otel_env(&phoenix);
    let env_refs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let lattice = Lattice::up_with_args_and_env(&["--log-level", "debug"], &env_refs);
    let actor = lattice.start_kvcounter();
    let http = lattice.start_provider("httpserver", "wasmcloud:httpserver");
    let archive = lattice.pack_provider_binary(
        "kv-memory",
        &interop_binary("kv-memory-provider"),
        "wasmcloud:keyvalue",
    );
    let started = lattice.wash_json(&["ctl", "start", "provider", path_str(&archive)]);
    let kv = started["provider_id"].as_str().expect("provider id");
    let port = lattice.link_http_and_kv(&actor, &http, kv, &[]);
    assert_eq!(first_count(port), 1);

    let trace = "6cf92f3577b34da6a3ce929d0e0e4737";
    let reply = get_in_trace(
        port,
        "/official",
        &format!("00-{trace}-10f067aa0ba902b8-01"),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let spans = wait_for_trace(
        &phoenix,
        "the official provider's span",
        |spans| !named(spans, "rpc").is_empty() && !named(spans, "actor call").is_empty(),
        |s| trace_id(s) == trace,
    );
    let call = named(&spans, "actor call")[0];
    let rpc = named(&spans, "rpc")[0];
    assert_eq!(parent_id(rpc), Some(span_id(call)), "{spans:#?}");
}
