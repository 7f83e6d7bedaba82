//! The host under adverse conditions: tampered and expired actors are refused, a killed provider is
//! restarted, a restarted host re-reads its links from the lattice bucket and delivers them again, and a
//! link put while a provider starts is not lost.

use std::time::Duration;

use nkeys::KeyPair;
use serde_json::{json, Value};
use wash_host::{Host, HostConfig};
use wash_test_support::{example_wasm, workspace_binary, NatsServer};

mod common;

use common::{ctl, next_event, provider_archive, sign_module};

fn config(nats: &NatsServer, cache: &std::path::Path) -> HostConfig {
    HostConfig {
        nats_url: nats.url(),
        cache_dir: cache.to_path_buf(),
        health_interval: Duration::from_secs(1),
        ..HostConfig::default()
    }
}

fn sign(module: &[u8], caps: &[&str], exp: Option<u64>) -> Vec<u8> {
    sign_module(module, &KeyPair::new_account(), "test", caps, exp).0
}

/// A fresh NATS server, a temp dir, a host on them (its cache in the dir) and a client.
async fn host_on_fresh_nats() -> (NatsServer, tempfile::TempDir, Host, async_nats::Client) {
    let nats = NatsServer::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let host = Host::start(config(&nats, &dir.path().join("cache")))
        .await
        .expect("host");
    let client = async_nats::connect(nats.url()).await.expect("connect");
    (nats, dir, host, client)
}

/// Starts the actor file through `la` and returns the first start/fail event.
async fn start_actor_event(
    client: &async_nats::Client,
    host: &Host,
    path: &std::path::Path,
) -> Value {
    let mut events = client
        .subscribe("wasmbus.evt.default")
        .await
        .expect("subscribe");
    let ack = ctl(
        client,
        &format!("cmd.{}.la", host.id()),
        json!({"actor_ref": path, "count": 1}),
    )
    .await;
    assert_eq!(ack["accepted"], true, "{ack}");
    next_event(
        &mut events,
        &["actor_started", "actor_start_failed"],
        Duration::from_secs(20),
    )
    .await
}

/// A signed module changed after signing (hash mismatch) and one whose claims expired are both refused
/// with `actor_start_failed` and a reason naming the problem.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_and_expired_actors_are_refused() {
    let (_nats, dir, host, client) = host_on_fresh_nats().await;
    let module = std::fs::read(example_wasm("echo")).expect("read");

    let mut tampered = sign(&module, &["wasmcloud:httpserver"], None);
    // Flip one byte inside the code (well before the trailing claims section).
    let at = tampered.len() / 2;
    tampered[at] ^= 0x01;
    let path = dir.path().join("tampered.wasm");
    std::fs::write(&path, tampered).expect("write");
    let event = start_actor_event(&client, &host, &path).await;
    assert_eq!(
        event["type"], "com.wasmcloud.lattice.actor_start_failed",
        "{event}"
    );
    let error = event["data"]["error"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    assert!(error.contains("hash"), "{error}");

    let path = dir.path().join("expired.wasm");
    std::fs::write(&path, sign(&module, &["wasmcloud:httpserver"], Some(1))).expect("write");
    let event = start_actor_event(&client, &host, &path).await;
    assert_eq!(
        event["type"], "com.wasmcloud.lattice.actor_start_failed",
        "{event}"
    );
    let error = event["data"]["error"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase();
    assert!(error.contains("expired"), "{error}");
    host.stop().await;
}

/// An uncompressed archive of a workspace provider (gzip of a debug binary costs seconds).
fn workspace_archive(
    dir: &std::path::Path,
    binary: &str,
    contract: &str,
) -> (std::path::PathBuf, String) {
    provider_archive(dir, &workspace_binary(binary), binary, contract, false)
}

/// Asks `host` to start the provider archive through `cmd.<host>.lp` and asserts `provider_started`;
/// returns the event subscription opened before the request, for the events that follow.
async fn start_provider(
    client: &async_nats::Client,
    host: &Host,
    archive: &std::path::Path,
) -> async_nats::Subscriber {
    let mut events = client
        .subscribe("wasmbus.evt.default")
        .await
        .expect("subscribe");
    let ack = ctl(
        client,
        &format!("cmd.{}.lp", host.id()),
        json!({"provider_ref": archive, "link_name": "default"}),
    )
    .await;
    assert_eq!(ack["accepted"], true, "{ack}");
    let started = next_event(
        &mut events,
        &["provider_started", "provider_start_failed"],
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(
        started["type"], "com.wasmcloud.lattice.provider_started",
        "{started}"
    );
    events
}

/// A provider killed with SIGKILL is restarted by the host (a new process) and answers health checks
/// again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_provider_is_restarted() {
    let (_nats, dir, host, client) = host_on_fresh_nats().await;
    let (archive, provider) = workspace_archive(dir.path(), "kv-nats", "wasmcloud:keyvalue");
    let mut events = start_provider(&client, &host, &archive).await;
    next_event(
        &mut events,
        &["health_check_passed"],
        Duration::from_secs(15),
    )
    .await;

    let pid = host
        .provider_pid(&provider, "default")
        .expect("provider process is running");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("kill");
    let killed_at = std::time::Instant::now();
    // The health subject answers again once the restarted process serves.
    let health = format!("wasmbus.rpc.default.{provider}.default.health");
    loop {
        let reply = tokio::time::timeout(
            Duration::from_millis(500),
            client.request(health.clone(), "".into()),
        )
        .await;
        if let Ok(Ok(_)) = reply {
            if host
                .provider_pid(&provider, "default")
                .is_some_and(|new| new != pid)
            {
                break;
            }
        }
        assert!(
            killed_at.elapsed() < Duration::from_secs(60),
            "provider not back within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    host.stop().await;
}

/// Links put before a host restart are read back from the bucket by the new host and handed to a
/// provider it starts (in its host data), without being put again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_host_redelivers_links_from_the_bucket() {
    let nats = NatsServer::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let client = async_nats::connect(nats.url()).await.expect("connect");
    let actor = KeyPair::new_module().public_key();
    let (archive, provider) = workspace_archive(dir.path(), "kv-nats", "wasmcloud:keyvalue");

    let first = Host::start(config(&nats, &dir.path().join("cache")))
        .await
        .expect("host");
    let link = json!({"actor_id": actor, "provider_id": provider, "link_name": "default",
                      "contract_id": "wasmcloud:keyvalue", "values": {"bucket": "restart_test"}});
    let ack = ctl(&client, "linkdefs.put", link).await;
    assert_eq!(ack["accepted"], true, "{ack}");
    first.stop().await;

    let second = Host::start(config(&nats, &dir.path().join("cache")))
        .await
        .expect("second host");
    let links = ctl(&client, "get.links", json!(null)).await;
    assert_eq!(links["links"][0]["actor_id"], actor, "{links}");
    start_provider(&client, &second, &archive).await;
    // kv-nats creates the link's bucket when it accepts the link from its host data.
    wait_for_bucket(&client, "restart_test").await;
    second.stop().await;
}

/// Waits up to 60 s for the JetStream key-value bucket kv-nats creates when it accepts a link.
async fn wait_for_bucket(client: &async_nats::Client, bucket: &str) {
    let js = async_nats::jetstream::new(client.clone());
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while js.get_key_value(bucket).await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the provider never received the link for bucket `{bucket}`"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A link put while a provider process is still starting (here: a wrapper that waits 1 s before it
/// runs kv-nats, so the put is published before anyone subscribes) still reaches the provider: the
/// host hands it the links that changed once the process answers its health subject.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_put_while_the_provider_starts_is_delivered() {
    let (_nats, dir, host, client) = host_on_fresh_nats().await;
    let wrapper = dir.path().join("slow-kv-nats");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\n/bin/sleep 1\nexec '{}'\n",
            workspace_binary("kv-nats").display()
        ),
    )
    .expect("write wrapper");
    let (archive, provider) = provider_archive(
        dir.path(),
        &wrapper,
        "slow-kv-nats",
        "wasmcloud:keyvalue",
        false,
    );
    start_provider(&client, &host, &archive).await;
    let actor = KeyPair::new_module().public_key();
    let link = json!({"actor_id": actor, "provider_id": provider, "link_name": "default",
                      "contract_id": "wasmcloud:keyvalue", "values": {"bucket": "slow_start"}});
    let ack = ctl(&client, "linkdefs.put", link).await;
    assert_eq!(ack["accepted"], true, "{ack}");
    wait_for_bucket(&client, "slow_start").await;
    host.stop().await;
}

/// A link put or deleted through the control interface is applied by the host before it answers: the
/// host's own link list (`get.links`, read from its cache) shows the outcome right after each answer,
/// over many put/delete rounds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_put_and_del_are_applied_before_the_answer() {
    let (_nats, _dir, host, client) = host_on_fresh_nats().await;
    let actor = KeyPair::new_module().public_key();
    let provider = KeyPair::new_service().public_key();
    for round in 0..50 {
        let link = json!({"actor_id": actor, "provider_id": provider, "link_name": "default",
                          "contract_id": "wasmcloud:keyvalue", "values": {"round": round.to_string()}});
        let ack = ctl(&client, "linkdefs.put", link).await;
        assert_eq!(ack["accepted"], true, "{ack}");
        let links = ctl(&client, "get.links", json!(null)).await;
        assert_eq!(
            links["links"][0]["values"]["round"],
            round.to_string(),
            "round {round}: put answered before it was applied: {links}"
        );
        let ack = ctl(
            &client,
            "linkdefs.del",
            json!({"actor_id": actor, "provider_id": provider, "link_name": "default",
                   "contract_id": "wasmcloud:keyvalue", "values": {}}),
        )
        .await;
        assert_eq!(ack["accepted"], true, "{ack}");
        let links = ctl(&client, "get.links", json!(null)).await;
        assert_eq!(
            links["links"].as_array().map(Vec::len),
            Some(0),
            "round {round}: delete answered before it was applied: {links}"
        );
    }
    host.stop().await;
}
