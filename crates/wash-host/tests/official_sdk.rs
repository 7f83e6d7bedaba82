//! Our host against programs built on the official, published wasmCloud 0.x crates (`interop/`): a
//! keyvalue capability provider on the wasmbus-rpc 0.15 provider SDK, and a client on
//! `wasmcloud-control-interface` 0.28. Real NATS, real processes, only loopback traffic.

mod common;

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use wash_test_support::interop_binary;
use wash_wire::interfaces::httpserver::HttpRequest;
use wash_wire::msgpack;

use common::TestLattice as Lattice;

/// The contract the official provider implements.
const KEYVALUE: &str = "wasmcloud:keyvalue";
/// How long the host waits for a provider to exit after the shutdown message before killing it.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A host whose health checks run every second and whose shutdown grace is long.
async fn start_lattice() -> Lattice {
    Lattice::start_with(|config| {
        config.health_interval = Duration::from_secs(1);
        // Long enough that a stop finishing early proves the provider honoured the shutdown message.
        config.provider_shutdown_grace = SHUTDOWN_GRACE;
    })
    .await
}

/// Packs the official-SDK keyvalue provider (`.par.gz` when `compress`: gzip of the 15 MB debug binary
/// takes seconds in a debug build). Returns (path, provider public key).
fn kv_memory_archive(lattice: &Lattice, compress: bool) -> (std::path::PathBuf, String) {
    lattice.archive(
        &interop_binary("kv-memory-provider"),
        "kv-memory",
        KEYVALUE,
        compress,
    )
}

/// The counter kvcounter answers for `GET /`.
///
/// The host delivers a new link to the provider with a plain publish, and the SDK applies it in a
/// task of its own, so the very first call right after `linkdef_set` may still find the actor
/// unlinked in the provider; only that answer is retried (it increments nothing).
async fn count(lattice: &Lattice, actor: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let response = lattice
            .http(actor, "/")
            .await
            .expect("the actor's call succeeds");
        let body: Value = serde_json::from_slice(&response.body).expect("JSON body");
        let unlinked = response.status_code == 500
            && body["error"]
                .as_str()
                .is_some_and(|e| e.contains("unlinked actor"));
        if !unlinked || tokio::time::Instant::now() > deadline {
            assert_eq!(response.status_code, 200, "{body}");
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Starts the provider archive through `cmd.<host>.lp` and returns its `provider_started` event.
async fn start_provider(
    lattice: &Lattice,
    events: &mut async_nats::Subscriber,
    archive: &Path,
) -> Value {
    let host_id = lattice.host.id();
    lattice
        .command(
            "lp",
            json!({"provider_ref": archive, "link_name": "default", "host_id": host_id}),
        )
        .await;
    let started = next_event(events, &["provider_started", "provider_start_failed"]).await;
    assert_eq!(
        started["type"], "com.wasmcloud.lattice.provider_started",
        "{started}"
    );
    started
}

/// Puts the keyvalue link of `actor` to `provider` and checks the host accepted it.
async fn link_keyvalue(lattice: &Lattice, actor: &str, provider: &str) {
    let ack = lattice
        .ctl(
            "linkdefs.put",
            json!({"actor_id": actor, "provider_id": provider, "link_name": "default",
                   "contract_id": KEYVALUE, "values": {}}),
        )
        .await;
    assert_eq!(ack["accepted"], true, "{ack}");
}

/// The next event of one of `names` within 30 s.
async fn next_event(events: &mut async_nats::Subscriber, names: &[&str]) -> Value {
    common::next_event(events, names, Duration::from_secs(30)).await
}

/// A provider on the official wasmbus-rpc 0.15 SDK, started from a `.par.gz` through `cmd.<host>.lp`,
/// accepts our host data (and its `invocation_seed`), answers our health checks, takes a link put
/// delivered live, validates our host's invocation signatures, serves kvcounter 1, 2, 3, and exits on
/// our shutdown message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kvcounter_counts_through_an_official_sdk_provider() {
    let lattice = start_lattice().await;
    let (archive, provider) = kv_memory_archive(&lattice, true);
    let (module, actor) = lattice.sign("kvcounter", &["wasmcloud:httpserver", KEYVALUE]);
    let host_id = lattice.host.id();

    let mut events = lattice.events().await;
    let started = start_provider(&lattice, &mut events, &archive).await;
    assert_eq!(started["data"]["public_key"], provider);
    assert_eq!(started["data"]["contract_id"], KEYVALUE);
    let health = next_event(&mut events, &["health_check_passed", "health_check_failed"]).await;
    assert_eq!(
        health["type"], "com.wasmcloud.lattice.health_check_passed",
        "the official SDK answered our health check: {health}"
    );
    assert_eq!(health["data"]["public_key"], provider);
    // The SDK's health reply is the msgpack our host decodes.
    let reply = lattice
        .client
        .request(
            format!("wasmbus.rpc.default.{provider}.default.health"),
            Vec::new().into(),
        )
        .await
        .expect("health reply");
    let reply: wash_wire::HealthCheckResponse =
        msgpack::decode(&reply.payload, "health").expect("msgpack health reply");
    assert!(reply.healthy);

    lattice
        .command(
            "la",
            json!({"actor_ref": module, "count": 1, "host_id": host_id}),
        )
        .await;
    let started = next_event(&mut events, &["actor_started", "actor_start_failed"]).await;
    assert_eq!(
        started["type"], "com.wasmcloud.lattice.actor_started",
        "{started}"
    );

    link_keyvalue(&lattice, &actor, &provider).await;
    next_event(&mut events, &["linkdef_set"]).await;

    for expected in 1..=3 {
        assert_eq!(count(&lattice, &actor).await, json!({"counter": expected}));
    }

    // Stopping the host sends the shutdown message; the SDK answers it and exits well before the
    // host's grace period would have it killed.
    let stopping = std::time::Instant::now();
    lattice.host.stop().await;
    let stopped = next_event(&mut events, &["provider_stopped"]).await;
    assert_eq!(stopped["data"]["public_key"], provider);
    assert!(
        stopping.elapsed() < SHUTDOWN_GRACE / 2,
        "the provider did not exit on the shutdown message: stopping took {:?}",
        stopping.elapsed()
    );
    drop(lattice.nats);
}

/// On a nats-server in operator (JWT) mode, the official-SDK provider logs in with the user JWT and
/// seed our host puts in its host data (`lattice_rpc_user_jwt`, `lattice_rpc_user_seed`, read from the
/// host's creds file): it answers health checks, takes its link and serves kvcounter 1, 2, 3.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn official_sdk_provider_logs_in_with_the_host_data_credentials() {
    let operator = wash_test_support::secured::NatsOperator::new();
    let nats = operator.start_server();
    let creds_dir = tempfile::tempdir().expect("creds dir");
    let user = operator.user("host", None, creds_dir.path());
    let lattice = Lattice::start_on(nats, Some(&user.creds), |config| {
        config.health_interval = Duration::from_secs(1);
    })
    .await;
    let (archive, provider) = kv_memory_archive(&lattice, false);
    let (module, actor) = lattice.sign("kvcounter", &["wasmcloud:httpserver", KEYVALUE]);
    let mut events = lattice.events().await;
    start_provider(&lattice, &mut events, &archive).await;
    let health = next_event(&mut events, &["health_check_passed", "health_check_failed"]).await;
    assert_eq!(
        health["type"], "com.wasmcloud.lattice.health_check_passed",
        "the official SDK connected with the host data's credentials: {health}"
    );
    lattice.start_actor(&module).await;
    link_keyvalue(&lattice, &actor, &provider).await;
    for expected in 1..=3 {
        assert_eq!(count(&lattice, &actor).await, json!({"counter": expected}));
    }
    lattice.host.stop().await;
}

/// Payloads over 900 KiB travel in chunks between our host and the official SDK, both ways: a 5 MiB
/// `PUT` to kvblob (an official-SDK actor) becomes a 5 MiB `KeyValue.Set` to the official-SDK provider,
/// and the `GET` brings the same 5 MiB back through `KeyValue.Get`'s reply and the actor's reply,
/// byte for byte. The HTTP request and reply themselves are chunked by this test, as a provider would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_mib_values_cross_the_official_sdk_provider_in_chunks() {
    let lattice = start_lattice().await;
    let (archive, provider) = kv_memory_archive(&lattice, false);
    let (module, actor) = lattice.sign("kvblob", &["wasmcloud:httpserver", KEYVALUE]);
    let mut events = lattice.events().await;
    start_provider(&lattice, &mut events, &archive).await;
    lattice.start_actor(&module).await;
    link_keyvalue(&lattice, &actor, &provider).await;
    next_event(&mut events, &["linkdef_set"]).await;

    // 5 MiB of text that is not one repeated byte, so a misplaced chunk would show.
    let value: String = (0..5 * 1024 * 1024)
        .map(|i: usize| char::from(b'a' + (i * 7 % 26) as u8))
        .collect();
    let put = HttpRequest {
        method: "PUT".into(),
        path: "/big".into(),
        body: value.clone().into_bytes(),
        ..Default::default()
    };
    // The provider applies a new link in a task of its own: retry only the unlinked answer.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let reply = lattice
            .http_request(&actor, &put)
            .await
            .expect("PUT answered");
        let text = String::from_utf8_lossy(&reply.body).into_owned();
        if reply.status_code == 200 {
            assert_eq!(text, format!("stored {} bytes", value.len()));
            break;
        }
        assert!(
            text.contains("unlinked actor") && tokio::time::Instant::now() < deadline,
            "PUT failed: {} {text}",
            reply.status_code
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let get = HttpRequest {
        method: "GET".into(),
        path: "/big".into(),
        ..Default::default()
    };
    let reply = lattice
        .http_request(&actor, &get)
        .await
        .expect("GET answered");
    assert_eq!(reply.status_code, 200);
    assert!(
        reply.body == value.as_bytes(),
        "the 5 MiB value came back changed"
    );
    lattice.host.stop().await;
}

/// The published `wasmcloud-control-interface` 0.28 client (the `ctl-client` interop binary) drives our
/// host: get hosts, start actor and provider (a plain `.par`) from files, advertise a link (through the
/// lattice bucket, as that crate does) and read the inventory, links and claims; everything it decoded
/// matches the host's real state, and the link it wrote really carries kvcounter's calls to the provider.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_control_interface_client_drives_our_host() {
    let lattice = start_lattice().await;
    let (archive, provider) = kv_memory_archive(&lattice, false);
    let (module, actor) = lattice.sign("kvcounter", &["wasmcloud:httpserver", KEYVALUE]);
    let host_id = lattice.host.id();

    let mut lattice_events = lattice.events().await;
    let report = run_ctl_client(&lattice.nats.url(), &module, &archive).await;

    let hosts = report["hosts"].as_array().expect("hosts list");
    assert_eq!(hosts.len(), 1, "{report}");
    assert_eq!(hosts[0]["id"], host_id);
    assert_eq!(hosts[0]["lattice_prefix"], "default");
    assert!(
        hosts[0]["cluster_issuers"]
            .as_str()
            .is_some_and(|issuers| issuers.contains(&lattice.host.cluster_public_key())),
        "{}",
        hosts[0]
    );
    for step in ["start_actor", "start_provider", "advertise_link"] {
        assert_eq!(
            report[step],
            json!({"accepted": true, "error": ""}),
            "{step}"
        );
    }

    let inventory = &report["inventory"];
    assert_eq!(inventory["host_id"], host_id);
    assert_eq!(inventory["actors"].as_array().map(Vec::len), Some(1));
    assert_eq!(inventory["actors"][0]["id"], actor);
    assert_eq!(inventory["actors"][0]["name"], "kvcounter");
    assert_eq!(
        inventory["actors"][0]["instances"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(inventory["providers"].as_array().map(Vec::len), Some(1));
    assert_eq!(inventory["providers"][0]["id"], provider);
    assert_eq!(inventory["providers"][0]["contract_id"], KEYVALUE);
    assert_eq!(inventory["providers"][0]["link_name"], "default");

    let link = json!({"actor_id": actor, "provider_id": provider, "link_name": "default",
                      "contract_id": KEYVALUE, "values": {}});
    assert_eq!(report["links"]["links"], json!([link]));
    let claims = report["claims"]["claims"].as_array().expect("claims list");
    for (subject, contract) in [(&actor, ""), (&provider, KEYVALUE)] {
        assert!(
            claims
                .iter()
                .any(|c| c["sub"] == *subject && c["contract_id"] == contract),
            "no claims for {subject}: {claims:?}"
        );
    }
    let events: Vec<&str> = report["events"]
        .as_array()
        .expect("events list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for wanted in ["actor_started", "provider_started", "linkdef_set"] {
        assert!(
            events.contains(&format!("com.wasmcloud.lattice.{wanted}").as_str()),
            "the crate decoded no {wanted} event: {events:?}"
        );
    }

    // The host's own answers agree with what the crate decoded.
    let ours = lattice
        .ctl(&format!("get.{host_id}.inv"), json!(null))
        .await;
    assert_eq!(ours["actors"][0]["id"], inventory["actors"][0]["id"]);
    assert_eq!(ours["providers"][0]["id"], inventory["providers"][0]["id"]);
    let links = lattice.ctl("get.links", json!(null)).await;
    assert_eq!(links["links"], json!([link]));

    // The link the crate wrote into the bucket reached the provider: kvcounter counts through it once
    // the provider is serving (the inventory lists it from the moment its process runs).
    let health = next_event(&mut lattice_events, &["health_check_passed"]).await;
    assert_eq!(health["data"]["public_key"], provider);
    assert_eq!(count(&lattice, &actor).await, json!({"counter": 1}));
    lattice.host.stop().await;
    drop(lattice.nats);
}

/// Runs `ctl-client <nats-url> <actor> <provider>` and returns its JSON report (panics with its stderr).
async fn run_ctl_client(nats_url: &str, actor: &Path, provider: &Path) -> Value {
    let binary = interop_binary("ctl-client");
    let output = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::process::Command::new(&binary)
            .arg(nats_url)
            .arg(actor)
            .arg(provider)
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("ctl-client finishes within 2 minutes")
    .expect("run ctl-client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "ctl-client failed ({}):\n{stderr}\n{stdout}",
        output.status
    );
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("ctl-client printed no JSON ({e}):\n{stdout}"))
}
