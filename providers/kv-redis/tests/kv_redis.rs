//! The built `kv-redis` provider against real nats-server and redis-server, this test playing the
//! host and the actors.

use wash_provider::testing::{
    assert_keyvalue_refuses_strangers, concurrent_increments, delete_link_and_wait,
    increment_invocation, invoke, keyvalue_conformance, put_link_and_wait, shutdown, wait_healthy,
    ProviderProcess, TestHost,
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
    for expected in [1, 2] {
        let call = increment_invocation(&host, &startup_actor, "visits");
        let reply = invoke(&nats, &host, &call).await;
        assert_eq!(reply.into_result().expect("increment"), [expected]);
    }
    assert_eq!(redis_default.command("GET visits").as_deref(), Some("2"));

    // A runtime link with its own URL (key in upper case) goes to the other redis.
    let actor = TestHost::new_actor();
    let link = host.link(&actor, CONTRACT_ID, &[("URL", &redis_own.url())]);
    put_link_and_wait(&nats, &host, &link).await;
    keyvalue_conformance(&nats, &host, &actor).await;
    assert_eq!(
        concurrent_increments(&nats, &host, &actor, "hits", 200).await,
        (1..=200).collect::<Vec<i32>>(),
        "each increment saw a distinct value"
    );
    assert_eq!(redis_own.command("GET hits").as_deref(), Some("200"));
    assert_eq!(redis_default.command("EXISTS hits").as_deref(), Some(":0"));

    // Refusals: an unlinked actor, a forged signature.
    assert_keyvalue_refuses_strangers(&nats, &host, &actor).await;

    // After link delete the actor is refused.
    delete_link_and_wait(&nats, &host, &link).await;
    let refused = invoke(&nats, &host, &increment_invocation(&host, &actor, "hits")).await;
    assert_eq!(refused.error, Some(format!("unlinked actor: '{actor}'")));

    shutdown(&nats, &host, &mut provider).await;
}
