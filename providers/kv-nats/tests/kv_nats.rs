//! The built `kv-nats` provider against a real nats-server with JetStream, this test playing the host
//! and the actors.

use futures::StreamExt as _;
use wash_provider::testing::{
    assert_keyvalue_refuses_strangers, concurrent_increments, increment_invocation, invoke,
    keyvalue_conformance, put_link_and_wait, shutdown, wait_healthy, ProviderProcess, TestHost,
};
use wash_test_support::NatsServer;
use wash_wire::interfaces::keyvalue::CONTRACT_ID;

const PROVIDER: &str = env!("CARGO_BIN_EXE_kv-nats");

/// Health; a start-up link gets its default bucket `kv_<actor>`; Increment gives 1 then 2; every
/// KeyValue operation behaves; 200 concurrent increments add exactly 200; a second provider process
/// on the same bucket loses no update either; unlinked and forged invocations are refused; shutdown
/// exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_nats_end_to_end() {
    let server = NatsServer::start();
    let host = TestHost::new(&server.url());
    let nats = async_nats::connect(server.url()).await.expect("nats");

    let actor = TestHost::new_actor();
    let startup_link = host.link(&actor, CONTRACT_ID, &[]);
    let mut provider = ProviderProcess::spawn(PROVIDER, &host.host_data(vec![startup_link], None));
    assert_eq!(wait_healthy(&nats, &host).await, b"\x81\xa7healthy\xc3");

    for expected in [1, 2] {
        let reply = invoke(
            &nats,
            &host,
            &increment_invocation(&host, &actor, "count:/"),
        )
        .await;
        assert_eq!(reply.into_result().expect("increment"), [expected]);
    }
    // The bucket is a real JetStream KV bucket named after the actor.
    let js = async_nats::jetstream::new(nats.clone());
    let bucket = js
        .get_key_value(format!("kv_{actor}"))
        .await
        .expect("default bucket exists");
    let mut keys = bucket.keys().await.expect("keys");
    assert!(
        keys.next().await.is_some(),
        "the counter is stored in the bucket"
    );

    keyvalue_conformance(&nats, &host, &actor).await;

    // 200 concurrent increments of one key from one provider.
    assert_eq!(
        concurrent_increments(&nats, &host, &actor, "hits", 200).await,
        (1..=200).collect::<Vec<i32>>(),
        "each increment saw a distinct value"
    );

    // A second provider instance (another link name) sharing a named bucket: concurrent increments
    // through both processes are all counted.
    let mut host2 = TestHost::new(&server.url());
    host2.cluster = nkeys::KeyPair::from_seed(&host.cluster.seed().expect("seed")).expect("key");
    host2.provider_key = host.provider_key.clone();
    host2.link_name = "second".into();
    let mut provider2 = ProviderProcess::spawn(PROVIDER, &host2.host_data(Vec::new(), None));
    wait_healthy(&nats, &host2).await;
    let shared = TestHost::new_actor();
    put_link_and_wait(
        &nats,
        &host,
        &host.link(&shared, CONTRACT_ID, &[("BUCKET", "shared")]),
    )
    .await;
    put_link_and_wait(
        &nats,
        &host2,
        &host2.link(&shared, CONTRACT_ID, &[("bucket", "shared")]),
    )
    .await;
    let (a, b) = tokio::join!(
        concurrent_increments(&nats, &host, &shared, "both", 100),
        concurrent_increments(&nats, &host2, &shared, "both", 100),
    );
    let mut all: Vec<i32> = a.into_iter().chain(b).collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (1..=200).collect::<Vec<i32>>(),
        "no update lost across processes"
    );

    // Refusals: an unlinked actor, a forged signature.
    assert_keyvalue_refuses_strangers(&nats, &host, &actor).await;

    shutdown(&nats, &host, &mut provider).await;
    shutdown(&nats, &host2, &mut provider2).await;
}
