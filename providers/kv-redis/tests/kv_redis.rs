//! The built `kv-redis` provider against real nats-server and redis-server, this test playing the
//! host and the actors.

use std::time::Duration;

use wash_provider::testing::{
    concurrent_increments, increment_by_one, invoke, keyvalue_conformance, put_link_and_wait,
    wait_healthy, ProviderProcess, TestHost,
};
use wash_test_support::{NatsServer, RedisServer};
use wash_wire::interfaces::keyvalue::CONTRACT_ID;

const PROVIDER: &str = env!("CARGO_BIN_EXE_kv-redis");

/// Health; a start-up link using the `config_json` default URL and a runtime link with its own `URL`
/// both reach redis; every KeyValue operation behaves; Increment gives 1 then 2 and 200 concurrent
/// increments add exactly 200; unlinked and forged invocations are refused; shutdown exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_redis_end_to_end() {
    let nats_server = NatsServer::start();
    let redis_default = RedisServer::start();
    let redis_own = RedisServer::start();
    let host = TestHost::new(&nats_server.url());
    let nats = async_nats::connect(nats_server.url()).await.expect("nats");

    let startup_actor = TestHost::new_actor();
    let startup_link = host.link(&startup_actor, CONTRACT_ID, &[]);
    let config = serde_json::json!({ "url": redis_default.url() }).to_string();
    let mut provider =
        ProviderProcess::spawn(PROVIDER, &host.host_data(vec![startup_link], Some(config)));
    assert_eq!(wait_healthy(&nats, &host).await, b"\x81\xa7healthy\xc3");

    // The start-up link is live at once and uses the default connection.
    let call = |actor: &str, key: &str| {
        host.invocation(
            actor,
            CONTRACT_ID,
            "KeyValue.Increment",
            increment_by_one(key),
        )
    };
    let first = invoke(&nats, &host, &call(&startup_actor, "visits")).await;
    assert_eq!(first.into_result().expect("increment"), [1]);
    let second = invoke(&nats, &host, &call(&startup_actor, "visits")).await;
    assert_eq!(second.into_result().expect("increment"), [2]);
    assert_eq!(redis_default.command("GET visits").as_deref(), Some("$1"));

    // A runtime link with its own URL (key in upper case) goes to the other redis.
    let actor = TestHost::new_actor();
    let link = host.link(&actor, CONTRACT_ID, &[("URL", &redis_own.url())]);
    put_link_and_wait(&nats, &host, &link).await;
    keyvalue_conformance(&nats, &host, &actor).await;
    let results = concurrent_increments(&nats, &host, &actor, "hits", 200).await;
    let mut sorted = results.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (1..=200).collect::<Vec<i32>>(),
        "each increment saw a distinct value"
    );
    assert_eq!(redis_own.command("GET hits").as_deref(), Some("$3"));
    assert_eq!(redis_default.command("EXISTS hits").as_deref(), Some(":0"));

    // Refusals: an unlinked actor, a forged signature.
    let stranger = TestHost::new_actor();
    let refused = invoke(&nats, &host, &call(&stranger, "hits")).await;
    assert_eq!(refused.error, Some(format!("unlinked actor: '{stranger}'")));
    let rogue = nkeys::KeyPair::new_cluster();
    let forged = host.invocation_signed_by(
        &rogue,
        &actor,
        CONTRACT_ID,
        "KeyValue.Increment",
        increment_by_one("hits"),
    );
    let refused = invoke(&nats, &host, &forged).await;
    assert_eq!(
        refused.error.as_deref(),
        Some("Issuer of this invocation is not in list of cluster issuers")
    );

    // After link delete the actor is refused.
    nats.publish(
        host.link_del_subject(),
        link.to_msgpack().expect("encode").into(),
    )
    .await
    .expect("link del");
    nats.flush().await.expect("flush");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let refused = invoke(&nats, &host, &call(&actor, "hits")).await;
    assert_eq!(refused.error, Some(format!("unlinked actor: '{actor}'")));

    let reply = nats
        .request(host.shutdown_subject(), host.shutdown_body().into())
        .await
        .expect("shutdown reply");
    assert_eq!(&reply.payload[..], b"shutting down");
    let status = provider.wait_exit(Duration::from_secs(10)).expect("exits");
    assert!(status.success(), "exit status {status:?}");
}
