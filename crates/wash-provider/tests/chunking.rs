//! Payloads over 900 KiB travel through the lattice's JetStream object store, both into the provider
//! and out of it (rpc.md §6), with an in-process provider on a real nats-server.

use futures::StreamExt as _;
use tokio::io::AsyncReadExt as _;
use wash_provider::testing::{invoke, put_link_and_wait, wait_healthy, TestHost};
use wash_provider::{InvocationContext, LinkDefinition, Provider, ProviderHandler};
use wash_test_support::NatsServer;
use wash_wire::{Invocation, InvocationResponse};

const CONTRACT: &str = "wasmcloud:example";

/// Echoes every payload back.
struct Echo;

impl ProviderHandler for Echo {
    fn contract_id(&self) -> &str {
        CONTRACT
    }
    async fn put_link(&self, _link: &LinkDefinition) -> Result<bool, String> {
        Ok(true)
    }
    async fn delete_link(&self, _actor_id: &str) {}
    async fn handle(
        &self,
        _operation: &str,
        payload: Vec<u8>,
        _ctx: &InvocationContext,
    ) -> Result<Vec<u8>, String> {
        Ok(payload)
    }
}

fn big(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

async fn object_store(
    nats: &async_nats::Client,
) -> async_nats::jetstream::object_store::ObjectStore {
    let js = async_nats::jetstream::new(nats.clone());
    match js.get_object_store("default").await {
        Ok(store) => store,
        Err(_) => js
            .create_object_store(async_nats::jetstream::object_store::Config {
                bucket: "default".into(),
                ..Default::default()
            })
            .await
            .expect("create object store"),
    }
}

async fn take(store: &async_nats::jetstream::object_store::ObjectStore, name: &str) -> Vec<u8> {
    let mut object = store.get(name).await.expect("object exists");
    let mut bytes = Vec::new();
    object.read_to_end(&mut bytes).await.expect("read object");
    store.delete(name).await.expect("delete object");
    bytes
}

/// A 1,000,000-byte invocation sent chunked is de-chunked, validated over the full payload, and its
/// 1,000,000-byte result comes back chunked as `<id>-r`; a 1,000,000-byte call to an actor is put in
/// the store as `<id>` and a chunked actor reply is read back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_payloads_are_chunked_both_ways() {
    let server = NatsServer::start();
    let host = TestHost::new(&server.url());
    let nats = async_nats::connect(server.url()).await.expect("nats");
    let provider = Provider::connect(host.host_data(Vec::new(), None))
        .await
        .expect("provider connects");
    let handle = provider.handle();
    let running = tokio::spawn(provider.run(Echo));
    wait_healthy(&nats, &host).await;
    let actor = TestHost::new_actor();
    let link = host.link(&actor, CONTRACT, &[]);
    put_link_and_wait(&nats, &host, &link).await;
    let store = object_store(&nats).await;

    // Into the provider.
    let payload = big(1_000_000, 7);
    let mut invocation = host.invocation(&actor, CONTRACT, "Echo.Echo", payload.clone());
    let mut reader = &invocation.msg[..];
    store
        .put(invocation.id.as_str(), &mut reader)
        .await
        .expect("put");
    invocation.msg = Vec::new();
    invocation.content_length = Some(payload.len() as u64);
    let reply = invoke(&nats, &host, &invocation).await;
    assert_eq!(reply.error, None);
    assert!(reply.msg.is_empty(), "result is chunked");
    assert_eq!(reply.content_length, Some(payload.len() as u64));
    assert_eq!(take(&store, &format!("{}-r", invocation.id)).await, payload);

    // Out of the provider, to an actor that answers with a chunked result.
    let mut sub = nats
        .subscribe(wash_wire::subjects::actor_rpc("default", &actor))
        .await
        .expect("subscribe");
    let actor_nats = nats.clone();
    let actor_store = store.clone();
    let cluster = host.cluster.public_key();
    tokio::spawn(async move {
        let message = sub.next().await.expect("invocation");
        let mut invocation = Invocation::decode(&message.payload).expect("decode");
        assert!(invocation.msg.is_empty());
        invocation.msg = take(&actor_store, &invocation.id).await;
        wash_claims::invocation::validate(&invocation, &[cluster])
            .expect("hash covers the full payload");
        let result = big(950_000, 3);
        let mut reader = &result[..];
        actor_store
            .put(format!("{}-r", invocation.id).as_str(), &mut reader)
            .await
            .expect("put result");
        let response = InvocationResponse {
            msg: Vec::new(),
            invocation_id: invocation.id,
            error: None,
            content_length: Some(result.len() as u64),
        };
        actor_nats
            .publish(
                message.reply.expect("reply"),
                response.encode().expect("encode").into(),
            )
            .await
            .expect("reply");
    });
    let result = handle
        .call_actor(&link, "Actor.Big", big(1_000_000, 9))
        .await
        .expect("call succeeds");
    assert_eq!(result, big(950_000, 3));

    let reply = nats
        .request(host.shutdown_subject(), host.shutdown_body().into())
        .await
        .expect("shutdown");
    assert_eq!(&reply.payload[..], b"shutting down");
    running.await.expect("join").expect("runs until shutdown");
}
