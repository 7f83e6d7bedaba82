//! The host against a real NATS server: actors built with the official SDK, started through the
//! control interface, invoked over the lattice, with simulated providers answering on their subjects.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use nkeys::KeyPair;
use serde_json::{json, Value};
use wash_test_support::example_wasm;
use wash_wire::interfaces::keyvalue::IncrementRequest;
use wash_wire::{msgpack, Invocation, InvocationResponse};

use common::{next_event, TestLattice as Lattice};

/// Asks the host to start an actor file through `cmd.<host>.la`; returns the `actor_started` or
/// `actor_start_failed` event that follows.
async fn start_actor_event(lattice: &Lattice, path: &std::path::Path) -> Value {
    let mut events = lattice.events().await;
    lattice
        .command(
            "la",
            json!({"actor_ref": path, "count": 1, "host_id": lattice.host.id()}),
        )
        .await;
    next_event(
        &mut events,
        &["actor_started", "actor_start_failed"],
        Duration::from_secs(20),
    )
    .await
}

/// Starts an actor file through `cmd.<host>.la` and asserts `actor_started`.
async fn start_actor(lattice: &Lattice, path: &std::path::Path) {
    let event = start_actor_event(lattice, path).await;
    assert_eq!(
        event["type"], "com.wasmcloud.lattice.actor_started",
        "{event}"
    );
}

/// Puts a link through `linkdefs.put` and waits for `linkdef_set`.
async fn put_link(lattice: &Lattice, actor: &str, provider: &str, contract: &str) {
    let mut events = lattice.events().await;
    let link = json!({"actor_id": actor, "provider_id": provider, "link_name": "default",
                      "contract_id": contract, "values": {}});
    let ack = lattice.ctl("linkdefs.put", link).await;
    assert_eq!(ack["accepted"], true, "{ack}");
    next_event(&mut events, &["linkdef_set"], Duration::from_secs(20)).await;
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
            wash_claims::invocation::validate(&inv, std::slice::from_ref(&issuer))
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
    start_actor(&lattice, &path).await;
    let provider = KeyPair::new_service().public_key();
    let seen = fake_keyvalue(
        lattice.client.clone(),
        provider.clone(),
        lattice.host.cluster_public_key(),
    )
    .await;
    put_link(&lattice, &actor, &provider, "wasmcloud:keyvalue").await;
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
    start_actor(&lattice, &path).await;
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
    start_actor(&lattice, &path).await;
    let provider = KeyPair::new_service().public_key();
    put_link(&lattice, &actor, &provider, "wasmcloud:keyvalue").await;
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
    start_actor(&lattice, &path).await;
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
    let event = start_actor_event(&lattice, &example_wasm("echo")).await;
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
    start_actor(&lattice, &path).await;
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
