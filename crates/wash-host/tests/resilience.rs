//! The host under adverse conditions: tampered and expired actors are refused, a killed provider is
//! restarted, and a restarted host re-reads its links from the lattice bucket and delivers them again.

use std::time::Duration;

use futures::StreamExt;
use nkeys::KeyPair;
use serde_json::{json, Value};
use wash_host::{Host, HostConfig};
use wash_test_support::{example_wasm, workspace_binary, NatsServer};

fn config(nats: &NatsServer, cache: &std::path::Path) -> HostConfig {
    HostConfig {
        nats_url: nats.url(),
        cache_dir: cache.to_path_buf(),
        health_interval: Duration::from_secs(1),
        ..HostConfig::default()
    }
}

fn sign(module: &[u8], caps: &[&str], exp: Option<u64>) -> Vec<u8> {
    let account = KeyPair::new_account();
    let actor = wash_claims::Actor {
        name: Some("test".into()),
        caps: Some(caps.iter().map(|c| c.to_string()).collect()),
        ..Default::default()
    };
    let mut claims = wash_claims::Claims::new(
        account.public_key(),
        KeyPair::new_module().public_key(),
        actor,
    );
    claims.exp = exp;
    wash_claims::embed_claims(module, claims, &account).expect("sign")
}

async fn ctl(client: &async_nats::Client, subject: String, body: Value) -> Value {
    let reply = tokio::time::timeout(
        Duration::from_secs(5),
        client.request(subject.clone(), body.to_string().into()),
    )
    .await
    .expect("reply in time")
    .expect("request");
    serde_json::from_slice(&reply.payload).expect("json reply")
}

async fn next_event(
    events: &mut async_nats::Subscriber,
    names: &[&str],
    within: Duration,
) -> Value {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let message = tokio::time::timeout_at(deadline, events.next())
            .await
            .unwrap_or_else(|_| panic!("no {names:?} event within {within:?}"))
            .expect("event stream open");
        let event: Value = serde_json::from_slice(&message.payload).expect("event JSON");
        let kind = event["type"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("com.wasmcloud.lattice.")
            .to_owned();
        if names.contains(&kind.as_str()) {
            return event;
        }
    }
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
        format!("wasmbus.ctl.default.cmd.{}.la", host.id()),
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
    let nats = NatsServer::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let host = Host::start(config(&nats, &dir.path().join("cache")))
        .await
        .expect("host");
    let client = async_nats::connect(nats.url()).await.expect("connect");
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

fn provider_archive(
    dir: &std::path::Path,
    binary: &str,
    contract: &str,
) -> (std::path::PathBuf, String) {
    let account = KeyPair::new_account();
    let service = KeyPair::new_service();
    let spec = wash_par::ProviderSpec {
        name: Some(binary.into()),
        capid: contract.into(),
        vendor: "wash-tests".into(),
        ..Default::default()
    };
    // Uncompressed: gzip of a debug binary at level 9 takes seconds the test need not spend.
    let path = dir.join(format!("{binary}.par"));
    let file = std::fs::File::create(&path).expect("create archive");
    let target = wash_par::current_target();
    let source = wash_par::BinarySource::File(workspace_binary(binary));
    wash_par::create(
        file,
        spec,
        &[(target, source)],
        &account,
        &service.public_key(),
        false,
    )
    .expect("create par");
    (path, service.public_key())
}

/// A provider killed with SIGKILL is restarted by the host and answers health checks again within 5 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_provider_is_restarted() {
    let nats = NatsServer::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let host = Host::start(config(&nats, &dir.path().join("cache")))
        .await
        .expect("host");
    let client = async_nats::connect(nats.url()).await.expect("connect");
    let (archive, provider) = provider_archive(dir.path(), "kv-nats", "wasmcloud:keyvalue");
    let mut events = client
        .subscribe("wasmbus.evt.default")
        .await
        .expect("subscribe");
    let ack = ctl(
        &client,
        format!("wasmbus.ctl.default.cmd.{}.lp", host.id()),
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
            killed_at.elapsed() < Duration::from_secs(5),
            "provider not back within 5 s"
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
    let (archive, provider) = provider_archive(dir.path(), "kv-nats", "wasmcloud:keyvalue");

    let first = Host::start(config(&nats, &dir.path().join("cache")))
        .await
        .expect("host");
    let link = json!({"actor_id": actor, "provider_id": provider, "link_name": "default",
                      "contract_id": "wasmcloud:keyvalue", "values": {"bucket": "restart_test"}});
    let ack = ctl(&client, "wasmbus.ctl.default.linkdefs.put".into(), link).await;
    assert_eq!(ack["accepted"], true, "{ack}");
    first.stop().await;

    let second = Host::start(config(&nats, &dir.path().join("cache")))
        .await
        .expect("second host");
    let links = ctl(&client, "wasmbus.ctl.default.get.links".into(), json!(null)).await;
    assert_eq!(links["links"][0]["actor_id"], actor, "{links}");
    let mut events = client
        .subscribe("wasmbus.evt.default")
        .await
        .expect("subscribe");
    let ack = ctl(
        &client,
        format!("wasmbus.ctl.default.cmd.{}.lp", second.id()),
        json!({"provider_ref": archive}),
    )
    .await;
    assert_eq!(ack["accepted"], true, "{ack}");
    next_event(&mut events, &["provider_started"], Duration::from_secs(30)).await;
    // kv-nats creates the link's bucket when it accepts the link from its host data.
    let js = async_nats::jetstream::new(client.clone());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while js.get_key_value("restart_test").await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the provider never received the link"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    second.stop().await;
}
