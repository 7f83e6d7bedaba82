//! Our host against programs built on the official, published wasmCloud 0.x crates (`interop/`): a
//! keyvalue capability provider on the wasmbus-rpc 0.15 provider SDK, and a client on
//! `wasmcloud-control-interface` 0.28. Real NATS, real processes, only loopback traffic.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::StreamExt;
use nkeys::KeyPair;
use serde_json::{json, Value};
use wash_host::{Host, HostConfig};
use wash_test_support::{example_wasm, interop_binary, NatsServer};
use wash_wire::interfaces::httpserver::{HttpRequest, HttpResponse};
use wash_wire::{msgpack, Invocation, InvocationResponse, WasmCloudEntity};

/// The contract the official provider implements.
const KEYVALUE: &str = "wasmcloud:keyvalue";
/// How long the host waits for a provider to exit after the shutdown message before killing it.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A host on a fresh NATS server (health checks every second), the test's NATS client, and a temp dir
/// for signed artifacts and the host's provider cache.
struct Lattice {
    nats: NatsServer,
    host: Host,
    client: async_nats::Client,
    /// Signs the httpserver-side invocations the test sends to actors (trusted by the host).
    cluster: KeyPair,
    account: KeyPair,
    dir: tempfile::TempDir,
}

impl Lattice {
    async fn start() -> Self {
        let nats = NatsServer::start();
        let cluster = KeyPair::new_cluster();
        let dir = tempfile::tempdir().expect("tempdir");
        let config = HostConfig {
            nats_url: nats.url(),
            cluster_issuers: vec![cluster.public_key()],
            cache_dir: dir.path().join("cache"),
            health_interval: Duration::from_secs(1),
            // Long enough that a stop finishing early proves the provider honoured the shutdown message.
            provider_shutdown_grace: SHUTDOWN_GRACE,
            ..HostConfig::default()
        };
        let host = Host::start(config).await.expect("host starts");
        let client = async_nats::connect(nats.url()).await.expect("connect");
        Self {
            nats,
            host,
            client,
            cluster,
            account: KeyPair::new_account(),
            dir,
        }
    }

    /// Signs the kvcounter example actor; returns (path, actor public key).
    fn signed_kvcounter(&self) -> (PathBuf, String) {
        let module = std::fs::read(example_wasm("kvcounter")).expect("read kvcounter");
        let subject = KeyPair::new_module();
        let actor = wash_claims::Actor {
            name: Some("kvcounter".into()),
            caps: Some(vec!["wasmcloud:httpserver".into(), KEYVALUE.into()]),
            rev: Some(1),
            ver: Some("0.1.0".into()),
            ..Default::default()
        };
        let claims =
            wash_claims::Claims::new(self.account.public_key(), subject.public_key(), actor);
        let signed = wash_claims::embed_claims(&module, claims, &self.account).expect("sign");
        let path = self.dir.path().join("kvcounter_s.wasm");
        std::fs::write(&path, signed).expect("write signed module");
        (path, subject.public_key())
    }

    /// Packs the official-SDK keyvalue provider into a provider archive for this machine's target,
    /// signed with fresh keys: `.par.gz` when `compress` (gzip of the 15 MB debug binary takes seconds
    /// in a debug build), else `.par`. Returns (path, provider public key).
    fn kv_memory_archive(&self, compress: bool) -> (PathBuf, String) {
        let binary = interop_binary("kv-memory-provider");
        let service = KeyPair::new_service();
        let spec = wash_par::ProviderSpec {
            name: Some("kv-memory (official SDK)".into()),
            capid: KEYVALUE.into(),
            vendor: "wash interop".into(),
            rev: Some(1),
            ver: Some("0.1.0".into()),
            config_schema: None,
        };
        let name = if compress {
            "kv-memory.par.gz"
        } else {
            "kv-memory.par"
        };
        let path = self.dir.path().join(name);
        let file = std::fs::File::create(&path).expect("create archive");
        wash_par::create(
            std::io::BufWriter::new(file),
            spec,
            &[(
                wash_par::current_target(),
                wash_par::BinarySource::File(binary),
            )],
            &self.account,
            &service.public_key(),
            compress,
        )
        .expect("pack provider archive");
        (path, service.public_key())
    }

    async fn ctl(&self, suffix: &str, body: Value) -> Value {
        let subject = format!("wasmbus.ctl.default.{suffix}");
        let reply = tokio::time::timeout(
            Duration::from_secs(5),
            self.client
                .request(subject, serde_json::to_vec(&body).expect("json").into()),
        )
        .await
        .expect("control reply in time")
        .expect("control request");
        serde_json::from_slice(&reply.payload).expect("control reply is JSON")
    }

    async fn events(&self) -> async_nats::Subscriber {
        self.client
            .subscribe("wasmbus.evt.default")
            .await
            .expect("subscribe events")
    }

    /// Sends `cmd.<host>.<verb>` and asserts the host accepted it.
    async fn command(&self, verb: &str, body: Value) {
        let ack = self
            .ctl(&format!("cmd.{}.{verb}", self.host.id()), body)
            .await;
        assert_eq!(ack["accepted"], true, "{verb}: {ack}");
    }

    /// Sends `HttpServer.HandleRequest` for `GET path` to an actor, as an httpserver provider would.
    async fn http(&self, actor: &str, path: &str) -> HttpResponse {
        let request = HttpRequest {
            method: "GET".into(),
            path: path.into(),
            header: HashMap::new(),
            ..Default::default()
        };
        let mut inv = Invocation {
            origin: WasmCloudEntity::provider(
                KeyPair::new_service().public_key(),
                "default",
                "wasmcloud:httpserver",
            ),
            target: WasmCloudEntity::actor(actor),
            operation: "HttpServer.HandleRequest".into(),
            msg: msgpack::encode(&request, "request").expect("encode"),
            id: Invocation::new_id(),
            host_id: self.host.id(),
            ..Invocation::default()
        };
        wash_wire::signing::sign(&mut inv, &self.cluster).expect("sign");
        let reply = tokio::time::timeout(
            Duration::from_secs(10),
            self.client.request(
                format!("wasmbus.rpc.default.{actor}"),
                inv.encode().expect("encode").into(),
            ),
        )
        .await
        .expect("actor answers in time")
        .expect("actor answers");
        let response = InvocationResponse::decode(&reply.payload)
            .expect("response")
            .into_result()
            .expect("the actor's call succeeds");
        msgpack::decode(&response, "http response").expect("decode")
    }

    /// The counter kvcounter answers for `GET /`.
    ///
    /// The host delivers a new link to the provider with a plain publish, and the SDK applies it in a
    /// task of its own, so the very first call right after `linkdef_set` may still find the actor
    /// unlinked in the provider; only that answer is retried (it increments nothing).
    async fn count(&self, actor: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let response = self.http(actor, "/").await;
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
}

/// The next event of one of the given names (`com.wasmcloud.lattice.<name>`) within 30 s.
async fn next_event(events: &mut async_nats::Subscriber, names: &[&str]) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let message = tokio::time::timeout_at(deadline, events.next())
            .await
            .unwrap_or_else(|_| panic!("no {names:?} event within 30 s"))
            .expect("event stream open");
        let event: Value = serde_json::from_slice(&message.payload).expect("event JSON");
        let kind = event["type"].as_str().unwrap_or_default();
        if names
            .iter()
            .any(|n| kind == format!("com.wasmcloud.lattice.{n}"))
        {
            return event;
        }
    }
}

/// A provider on the official wasmbus-rpc 0.15 SDK, started from a `.par.gz` through `cmd.<host>.lp`,
/// accepts our host data (and its `invocation_seed`), answers our health checks, takes a link put
/// delivered live, validates our host's invocation signatures, serves kvcounter 1, 2, 3, and exits on
/// our shutdown message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kvcounter_counts_through_an_official_sdk_provider() {
    let lattice = Lattice::start().await;
    let (archive, provider) = lattice.kv_memory_archive(true);
    let (module, actor) = lattice.signed_kvcounter();
    let host_id = lattice.host.id();

    let mut events = lattice.events().await;
    lattice
        .command(
            "lp",
            json!({"provider_ref": archive, "link_name": "default", "host_id": host_id}),
        )
        .await;
    let started = next_event(&mut events, &["provider_started", "provider_start_failed"]).await;
    assert_eq!(
        started["type"], "com.wasmcloud.lattice.provider_started",
        "{started}"
    );
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

    let ack = lattice
        .ctl(
            "linkdefs.put",
            json!({"actor_id": actor, "provider_id": provider, "link_name": "default",
                   "contract_id": KEYVALUE, "values": {}}),
        )
        .await;
    assert_eq!(ack["accepted"], true, "{ack}");
    next_event(&mut events, &["linkdef_set"]).await;

    for expected in 1..=3 {
        assert_eq!(lattice.count(&actor).await, json!({"counter": expected}));
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

/// The published `wasmcloud-control-interface` 0.28 client (the `ctl-client` interop binary) drives our
/// host: get hosts, start actor and provider (a plain `.par`) from files, advertise a link (through the
/// lattice bucket, as that crate does) and read the inventory, links and claims; everything it decoded
/// matches the host's real state, and the link it wrote really carries kvcounter's calls to the provider.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_control_interface_client_drives_our_host() {
    let lattice = Lattice::start().await;
    let (archive, provider) = lattice.kv_memory_archive(false);
    let (module, actor) = lattice.signed_kvcounter();
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
    assert_eq!(lattice.count(&actor).await, json!({"counter": 1}));
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
