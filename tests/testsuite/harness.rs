//! The test harness itself: each real server starts, answers a real request and leaves no process behind.

use futures::StreamExt;
use wash_test_support::{pid_is_running, NatsServer, RedisServer, Registry};

/// NATS: a message published by one real client reaches a subscriber; JetStream is enabled; the
/// process is gone after drop.
#[tokio::test]
async fn nats_server_round_trips_a_message_and_stops_on_drop() {
    let server = NatsServer::start();
    let pid = server.pid();
    let client = async_nats::connect(server.url())
        .await
        .expect("connect to nats");
    let mut sub = client.subscribe("harness.test").await.expect("subscribe");
    client
        .publish("harness.test", "hello".into())
        .await
        .expect("publish");
    client.flush().await.expect("flush");
    let msg = tokio::time::timeout(std::time::Duration::from_secs(5), sub.next())
        .await
        .expect("message within 5s")
        .expect("subscription open");
    assert_eq!(&msg.payload[..], b"hello");
    assert!(
        client.server_info().jetstream,
        "nats-server runs with JetStream (-js)"
    );
    drop(client);
    drop(server);
    assert!(
        !pid_is_running(pid),
        "nats-server {pid} still running after drop"
    );
}

/// Redis: `PING` gets `+PONG`, a value set is read back; the process is gone after drop.
#[test]
fn redis_server_answers_ping_and_stops_on_drop() {
    let server = RedisServer::start();
    let pid = server.pid();
    assert_eq!(server.command("PING").as_deref(), Some("+PONG"));
    assert_eq!(server.command("SET harness 1").as_deref(), Some("+OK"));
    assert_eq!(server.command("INCR harness").as_deref(), Some(":2"));
    drop(server);
    assert!(
        !pid_is_running(pid),
        "redis-server {pid} still running after drop"
    );
}

/// Registry: `GET /v2/` answers 200; the process is gone after drop.
#[test]
fn registry_answers_v2_and_stops_on_drop() {
    let registry = Registry::start();
    let pid = registry.pid();
    assert_eq!(registry.get_status("/v2/", None), Some(200));
    drop(registry);
    assert!(
        !pid_is_running(pid),
        "docker-registry {pid} still running after drop"
    );
}

/// Registry with basic auth: `GET /v2/` is 401 without credentials, 401 with a wrong password and
/// 200 with the right ones.
#[test]
fn registry_with_auth_checks_credentials() {
    let registry = Registry::start_with_auth("alice", "s3cret");
    assert_eq!(registry.get_status("/v2/", None), Some(401));
    assert_eq!(
        registry.get_status("/v2/", Some(("alice", "wrong"))),
        Some(401)
    );
    assert_eq!(
        registry.get_status("/v2/", Some(("alice", "s3cret"))),
        Some(200)
    );
}
