//! Benchmark: starting an actor from an OCI reference already in the host's cache, until its first
//! successful reply (issue 19: under 100 ms, median of 20).
//!
//! A local distribution registry holds the signed echo actor; the host pulls it once (into its cache),
//! then each round launches it by reference through the control interface, waits for
//! `actor_started`, invokes it once, and stops it again (waiting for `actor_stopped`). The time of a
//! round is from the launch request to the invocation's reply.
//!
//! Run with `cargo bench -p wash-host --bench actor_start`.

use std::sync::Arc;
use std::time::Instant;

use nkeys::KeyPair;
use wash_test_support::{example_wasm, NatsServer, Registry};

mod common;
use common::{ctl, start_host, wait_for, HttpCaller};

const ROUNDS: usize = 20;

#[tokio::main]
async fn main() {
    let nats = NatsServer::start();
    let registry = Registry::start();
    let dir = tempfile::tempdir().expect("tempdir");

    // The signed echo actor, pushed to the registry.
    let account = KeyPair::new_account();
    let subject = KeyPair::new_module();
    let actor = subject.public_key();
    let claims = wash_claims::Claims::new(
        account.public_key(),
        actor.clone(),
        wash_claims::Actor {
            name: Some("echo".into()),
            caps: Some(vec!["wasmcloud:httpserver".into()]),
            ..Default::default()
        },
    );
    let module = std::fs::read(example_wasm("echo")).expect("echo example");
    let signed = wash_claims::embed_claims(&module, claims, &account).expect("sign");
    let file = dir.path().join("echo_s.wasm");
    std::fs::write(&file, &signed).expect("write");
    let reference = format!("{}/bench/echo:0.1.0", registry.host());
    wash_oci::push(
        &reference,
        &file,
        &wash_oci::PushOptions::default(),
        Arc::new(wash_oci::NoProgress),
    )
    .await
    .expect("push");

    let (host, cluster, client) = start_host(nats.url(), dir.path()).await;
    let mut events = client
        .subscribe("wasmbus.evt.default")
        .await
        .expect("events");
    client.flush().await.expect("flush");

    let command = |op: &str| format!("wasmbus.ctl.default.cmd.{}.{op}", host.id());
    let caller = HttpCaller::new(&client, &cluster, host.id());

    // The first round pulls into the cache; it is not counted.
    let mut samples = Vec::with_capacity(ROUNDS);
    for round in 0..=ROUNDS {
        let start = Instant::now();
        let launch = serde_json::json!({"actor_ref": reference, "count": 1, "host_id": host.id()});
        ctl(&client, command("la"), launch).await;
        wait_for(&mut events, "actor_started").await;
        caller.call(&actor).await;
        if round > 0 {
            samples.push(start.elapsed());
        }
        let stop = serde_json::json!({"actor_ref": actor, "count": 0, "host_id": host.id()});
        ctl(&client, command("sa"), stop).await;
        wait_for(&mut events, "actor_stopped").await;
    }
    samples.sort_unstable();
    let median = samples[samples.len() / 2];
    println!("| measurement | rounds | min | median | max |");
    println!("|---|---|---|---|---|");
    println!(
        "| start echo from a cached OCI reference to its first reply | {} | {:?} | {median:?} | {:?} |",
        samples.len(),
        samples[0],
        samples[samples.len() - 1]
    );
    println!();
    println!(
        "median {:.1} ms (target: under 100 ms)",
        median.as_secs_f64() * 1e3
    );
    host.stop().await;
}
