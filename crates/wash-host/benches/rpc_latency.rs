//! Benchmark: the latency of an actor's call to a provider, next to a raw NATS request/reply on the same
//! server in the same run.
//!
//! Three measurements, each over many sequential round trips:
//! 1. raw NATS request/reply to a responder that answers at once;
//! 2. an invocation of kvcounter (official SDK) by a "provider" that signs it, which makes the actor call
//!    a keyvalue "provider" (also answering at once) over the lattice: two lattice hops;
//! 3. the same invocation of an actor that makes no outbound call (echo): one hop, for the difference.
//!
//! Run with `cargo bench -p wash-host --bench rpc_latency`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::StreamExt;
use nkeys::KeyPair;
use wash_test_support::{example_wasm, NatsServer};
use wash_wire::{msgpack, Invocation, InvocationResponse};

mod common;
use common::{ctl, start_host, wait_for, HttpCaller};

const ROUNDS: usize = 2000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Prints a row; returns the median.
fn report(name: &str, mut samples: Vec<Duration>) -> Duration {
    samples.sort_unstable();
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "| {name} | {} | {:?} | {:?} | {:?} |",
        samples.len(),
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        mean
    );
    percentile(&samples, 0.5)
}

fn sign_actor(example: &str, caps: &[&str], dir: &std::path::Path) -> (std::path::PathBuf, String) {
    let module = std::fs::read(example_wasm(example)).expect("example");
    let account = KeyPair::new_account();
    let subject = KeyPair::new_module();
    let actor = wash_claims::Actor {
        name: Some(example.into()),
        caps: Some(caps.iter().map(|c| c.to_string()).collect()),
        ..Default::default()
    };
    let claims = wash_claims::Claims::new(account.public_key(), subject.public_key(), actor);
    let signed = wash_claims::embed_claims(&module, claims, &account).expect("sign");
    let path = dir.join(format!("{example}_s.wasm"));
    std::fs::write(&path, signed).expect("write");
    (path, subject.public_key())
}

#[tokio::main]
async fn main() {
    let nats = NatsServer::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let (host, cluster, client) = start_host(nats.url(), dir.path()).await;

    // 1. raw NATS request/reply.
    let mut sub = client.subscribe("bench.echo").await.expect("subscribe");
    let responder = client.clone();
    tokio::spawn(async move {
        while let Some(m) = sub.next().await {
            if let Some(reply) = m.reply {
                let _ = responder.publish(reply, m.payload).await;
            }
        }
    });
    client.flush().await.expect("flush");
    let mut raw = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        client
            .request("bench.echo", "ping".into())
            .await
            .expect("raw request");
        raw.push(start.elapsed());
    }

    // A keyvalue "provider" answering Increment at once.
    let provider = KeyPair::new_service().public_key();
    let mut kv = client
        .subscribe(format!("wasmbus.rpc.default.{provider}.default"))
        .await
        .expect("subscribe");
    let kv_client = client.clone();
    tokio::spawn(async move {
        let mut n = 0i32;
        while let Some(m) = kv.next().await {
            let inv = Invocation::decode(&m.payload).expect("invocation");
            n += 1;
            let resp =
                InvocationResponse::success(inv.id, msgpack::encode(&n, "i32").expect("i32"));
            let _ = kv_client
                .publish(
                    m.reply.expect("reply"),
                    resp.encode().expect("encode").into(),
                )
                .await;
        }
    });

    let mut measured = Vec::new();
    for (example, caps) in [
        (
            "kvcounter",
            &["wasmcloud:httpserver", "wasmcloud:keyvalue"][..],
        ),
        ("echo", &["wasmcloud:httpserver"][..]),
    ] {
        let (path, actor) = sign_actor(example, caps, dir.path());
        let mut events = client
            .subscribe("wasmbus.evt.default")
            .await
            .expect("events");
        ctl(
            &client,
            format!("wasmbus.ctl.default.cmd.{}.la", host.id()),
            serde_json::json!({"actor_ref": path, "count": 1}),
        )
        .await;
        wait_for(&mut events, "actor_started").await;
        if example == "kvcounter" {
            let link = serde_json::json!({"actor_id": actor, "provider_id": provider, "link_name": "default",
                                          "contract_id": "wasmcloud:keyvalue", "values": {}});
            ctl(&client, "wasmbus.ctl.default.linkdefs.put".into(), link).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let caller = HttpCaller::new(&client, &cluster, host.id());
        let mut samples = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            let start = Instant::now();
            caller.call(&actor).await;
            samples.push(start.elapsed());
        }
        measured.push((example, samples));
    }

    println!("| measurement | rounds | p50 | p99 | mean |");
    println!("|---|---|---|---|---|");
    let raw_p50 = report("raw NATS request/reply", raw);
    let mut p50s = HashMap::new();
    for (example, samples) in measured {
        let name = if example == "kvcounter" {
            "invoke kvcounter, which calls a provider (2 lattice hops)"
        } else {
            "invoke echo, no outbound call (1 lattice hop)"
        };
        p50s.insert(example, report(name, samples));
    }
    // The actor's call to the provider is what kvcounter's invocation adds to echo's: one lattice hop
    // (sign, NATS request/reply, validate) plus the actor's own work around it.
    let hop = p50s["kvcounter"].saturating_sub(p50s["echo"]);
    println!();
    println!(
        "actor -> provider round trip (p50 kvcounter - p50 echo): {hop:?} = {:.2}x the raw NATS round trip (target: within 2x)",
        hop.as_secs_f64() / raw_p50.as_secs_f64()
    );
    host.stop().await;
}
