//! The host against a real NATS server: actors built with the official SDK, started through the
//! control interface, invoked over the lattice, with simulated providers answering on their subjects.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use nkeys::KeyPair;
use serde_json::{json, Value};
use wash_host::{Host, HostConfig};
use wash_test_support::{example_wasm, NatsServer};
use wash_wire::interfaces::httpserver::{HttpRequest, HttpResponse};
use wash_wire::interfaces::keyvalue::IncrementRequest;
use wash_wire::{msgpack, Invocation, InvocationResponse, WasmCloudEntity};

/// A host on a fresh NATS server, a cluster key the test signs provider invocations with, and the
/// test's own NATS client.
struct Lattice {
    nats: NatsServer,
    host: Host,
    client: async_nats::Client,
    cluster: KeyPair,
    dir: tempfile::TempDir,
    account: KeyPair,
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
            ..HostConfig::default()
        };
        let host = Host::start(config).await.expect("host starts");
        let client = async_nats::connect(nats.url()).await.expect("connect");
        Self {
            nats,
            host,
            client,
            cluster,
            dir,
            account: KeyPair::new_account(),
        }
    }

    /// Signs an example actor with the given capabilities; returns (path, actor public key).
    fn sign(&self, example: &str, caps: &[&str]) -> (PathBuf, String) {
        let module = std::fs::read(example_wasm(example)).expect("read example");
        let subject = KeyPair::new_module();
        let actor = wash_claims::Actor {
            name: Some(example.into()),
            caps: Some(caps.iter().map(|c| c.to_string()).collect()),
            rev: Some(1),
            ver: Some("0.1.0".into()),
            ..Default::default()
        };
        let claims =
            wash_claims::Claims::new(self.account.public_key(), subject.public_key(), actor);
        let signed = wash_claims::embed_claims(&module, claims, &self.account).expect("sign");
        let path = self.dir.path().join(format!("{example}_s.wasm"));
        std::fs::write(&path, signed).expect("write signed module");
        (path, subject.public_key())
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

    /// Starts an actor through `cmd.<host>.la` and waits for `actor_started` (or fails with the error).
    async fn start_actor(&self, path: &std::path::Path) {
        let mut events = self.events().await;
        let ack = self
            .ctl(
                &format!("cmd.{}.la", self.host.id()),
                json!({"actor_ref": path, "count": 1, "host_id": self.host.id()}),
            )
            .await;
        assert_eq!(ack["accepted"], true, "{ack}");
        let event = next_event(&mut events, &["actor_started", "actor_start_failed"]).await;
        assert_eq!(
            event["type"], "com.wasmcloud.lattice.actor_started",
            "{event}"
        );
    }

    async fn put_link(&self, actor: &str, provider: &str, contract: &str) {
        let mut events = self.events().await;
        let link = json!({"actor_id": actor, "provider_id": provider, "link_name": "default",
                          "contract_id": contract, "values": {}});
        let ack = self.ctl("linkdefs.put", link).await;
        assert_eq!(ack["accepted"], true, "{ack}");
        next_event(&mut events, &["linkdef_set"]).await;
    }

    /// Sends `HttpServer.HandleRequest` to an actor as the httpserver provider would.
    async fn http(&self, actor: &str, path: &str) -> Result<HttpResponse, String> {
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
        let reply = self
            .client
            .request(
                format!("wasmbus.rpc.default.{actor}"),
                inv.encode().expect("encode").into(),
            )
            .await
            .expect("actor answers");
        let response = InvocationResponse::decode(&reply.payload)
            .expect("response")
            .into_result()?;
        Ok(msgpack::decode(&response, "http response").expect("decode"))
    }
}

async fn next_event(events: &mut async_nats::Subscriber, names: &[&str]) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let message = tokio::time::timeout_at(deadline, events.next())
            .await
            .unwrap_or_else(|_| panic!("no {names:?} event within 20 s"))
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

/// A keyvalue "provider" on the lattice: validates each invocation's signature against the host's
/// cluster key and serves `KeyValue.Increment` from a map.
async fn fake_keyvalue(
    client: async_nats::Client,
    provider: String,
    issuer: String,
) -> Arc<std::sync::Mutex<Vec<String>>> {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut sub = client
        .subscribe(format!("wasmbus.rpc.default.{provider}.default"))
        .await
        .expect("subscribe");
    let record = seen.clone();
    tokio::spawn(async move {
        let mut counters: HashMap<String, i32> = HashMap::new();
        while let Some(msg) = sub.next().await {
            let inv = Invocation::decode(&msg.payload).expect("invocation");
            wash_wire::signing::validate(&inv, std::slice::from_ref(&issuer))
                .expect("host-signed invocation");
            record.lock().expect("lock").push(inv.operation.clone());
            let req: IncrementRequest =
                msgpack::decode(&inv.msg, "increment").expect("increment request");
            let value = counters.entry(req.key).or_default();
            *value += req.value;
            let resp =
                InvocationResponse::success(inv.id, msgpack::encode(value, "i32").expect("encode"));
            client
                .publish(
                    msg.reply.expect("reply"),
                    resp.encode().expect("encode").into(),
                )
                .await
                .expect("reply");
        }
    });
    seen
}

/// kvcounter (official SDK) started through the control interface counts 1, 2, 3 through a linked
/// keyvalue provider; the host signs the provider calls with its cluster key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kvcounter_counts_through_a_linked_provider() {
    let lattice = Lattice::start().await;
    let (path, actor) = lattice.sign("kvcounter", &["wasmcloud:httpserver", "wasmcloud:keyvalue"]);
    lattice.start_actor(&path).await;
    let provider = KeyPair::new_service().public_key();
    let seen = fake_keyvalue(
        lattice.client.clone(),
        provider.clone(),
        lattice.host.cluster_public_key(),
    )
    .await;
    lattice
        .put_link(&actor, &provider, "wasmcloud:keyvalue")
        .await;
    for expected in 1..=3 {
        let response = lattice.http(&actor, "/").await.expect("actor succeeds");
        assert_eq!(response.status_code, 200);
        let body: Value = serde_json::from_slice(&response.body).expect("JSON body");
        assert_eq!(body, json!({"counter": expected}));
    }
    assert_eq!(
        seen.lock().expect("lock").as_slice(),
        ["KeyValue.Increment"; 3]
    );
    drop(lattice.nats);
}

/// Without a link the actor's keyvalue call is refused by the host with a message naming the contract.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_link_is_refused_with_clear_error() {
    let lattice = Lattice::start().await;
    let (path, actor) = lattice.sign("kvcounter", &["wasmcloud:httpserver", "wasmcloud:keyvalue"]);
    lattice.start_actor(&path).await;
    let response = lattice
        .http(&actor, "/")
        .await
        .expect("actor answers with its own 500");
    assert_eq!(response.status_code, 500);
    let body = String::from_utf8_lossy(&response.body);
    assert!(
        body.contains("missing link definition for wasmcloud:keyvalue"),
        "{body}"
    );
}

/// An actor calling a capability it holds no claim for is refused, even with a link in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capability_without_claim_is_refused() {
    let lattice = Lattice::start().await;
    let (path, actor) = lattice.sign("nocap", &["wasmcloud:httpserver"]);
    lattice.start_actor(&path).await;
    let provider = KeyPair::new_service().public_key();
    lattice
        .put_link(&actor, &provider, "wasmcloud:keyvalue")
        .await;
    let response = lattice.http(&actor, "/").await.expect("actor answers");
    assert_eq!(response.status_code, 500);
    let body = String::from_utf8_lossy(&response.body);
    assert!(
        body.contains("missing capability claim for wasmcloud:keyvalue"),
        "{body}"
    );
}

/// A trap fails only the call that trapped: the next call gets a fresh instance and succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trap_fails_only_that_call() {
    let lattice = Lattice::start().await;
    let (path, actor) = lattice.sign("trap", &["wasmcloud:httpserver"]);
    lattice.start_actor(&path).await;
    let err = lattice
        .http(&actor, "/trap")
        .await
        .expect_err("trap is an error");
    assert!(err.contains("trapped"), "{err}");
    let ok = lattice
        .http(&actor, "/fine")
        .await
        .expect("next call works");
    assert_eq!(ok.status_code, 200);
}

/// An unsigned module is refused with `actor_start_failed` naming the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_actor_is_refused() {
    let lattice = Lattice::start().await;
    let mut events = lattice.events().await;
    let path = example_wasm("echo");
    let ack = lattice
        .ctl(
            &format!("cmd.{}.la", lattice.host.id()),
            json!({"actor_ref": path, "count": 1, "host_id": lattice.host.id()}),
        )
        .await;
    assert_eq!(ack["accepted"], true);
    let event = next_event(&mut events, &["actor_started", "actor_start_failed"]).await;
    assert_eq!(
        event["type"], "com.wasmcloud.lattice.actor_start_failed",
        "{event}"
    );
    assert!(
        event["data"]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("claims"),
        "{event}"
    );
}

/// Ping and inventory answer with the host's id and its running actor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inventory_lists_running_actor() {
    let lattice = Lattice::start().await;
    let (path, actor) = lattice.sign("echo", &["wasmcloud:httpserver"]);
    lattice.start_actor(&path).await;
    let inv = lattice
        .ctl(&format!("get.{}.inv", lattice.host.id()), json!(null))
        .await;
    assert_eq!(inv["host_id"], lattice.host.id());
    assert_eq!(inv["actors"][0]["id"], actor);
    assert_eq!(
        inv["actors"][0]["instances"].as_array().map(Vec::len),
        Some(1)
    );
    let response = lattice.http(&actor, "/hello").await.expect("echo answers");
    let body: Value = serde_json::from_slice(&response.body).expect("json");
    assert_eq!(body["path"], "/hello");
}
