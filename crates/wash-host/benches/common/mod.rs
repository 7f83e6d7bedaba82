//! What the benches share: invoking an actor's `HttpServer.HandleRequest` as an httpserver provider
//! would, with an invocation signed by the lattice's cluster key.

use std::collections::HashMap;

use futures::StreamExt;

use nkeys::KeyPair;
use wash_wire::interfaces::httpserver::HttpRequest;
use wash_wire::{msgpack, Invocation, InvocationResponse, WasmCloudEntity};

/// Sends `GET /` to actors on one host, as one httpserver provider.
pub struct HttpCaller<'a> {
    client: &'a async_nats::Client,
    cluster: &'a KeyPair,
    host_id: String,
    origin: WasmCloudEntity,
    request: Vec<u8>,
}

impl<'a> HttpCaller<'a> {
    pub fn new(client: &'a async_nats::Client, cluster: &'a KeyPair, host_id: String) -> Self {
        let request = HttpRequest {
            method: "GET".into(),
            path: "/".into(),
            header: HashMap::new(),
            ..Default::default()
        };
        Self {
            client,
            cluster,
            host_id,
            origin: WasmCloudEntity::provider(
                KeyPair::new_service().public_key(),
                "default",
                "wasmcloud:httpserver",
            ),
            request: msgpack::encode(&request, "request").expect("encode"),
        }
    }

    /// One invocation of `actor`, which must answer successfully.
    pub async fn call(&self, actor: &str) {
        let mut inv = Invocation {
            origin: self.origin.clone(),
            target: WasmCloudEntity::actor(actor.to_owned()),
            operation: "HttpServer.HandleRequest".into(),
            msg: self.request.clone(),
            id: Invocation::new_id(),
            host_id: self.host_id.clone(),
            ..Invocation::default()
        };
        wash_claims::invocation::sign(&mut inv, self.cluster).expect("sign");
        let reply = self
            .client
            .request(
                format!("wasmbus.rpc.default.{actor}"),
                inv.encode().expect("encode").into(),
            )
            .await
            .expect("invocation");
        InvocationResponse::decode(&reply.payload)
            .expect("response")
            .into_result()
            .expect("the actor answered");
    }
}

/// A host on `nats_url` (its cache in `dir`) that trusts invocations signed by the returned cluster
/// key, and a client of the same server.
pub async fn start_host(
    nats_url: String,
    dir: &std::path::Path,
) -> (wash_host::Host, KeyPair, async_nats::Client) {
    let cluster = KeyPair::new_cluster();
    let host = wash_host::Host::start(wash_host::HostConfig {
        nats_url: nats_url.clone(),
        cluster_issuers: vec![cluster.public_key()],
        cache_dir: dir.join("cache"),
        ..wash_host::HostConfig::default()
    })
    .await
    .expect("host");
    let client = async_nats::connect(nats_url).await.expect("connect");
    (host, cluster, client)
}

/// A control-interface request whose answer is not looked at.
pub async fn ctl(client: &async_nats::Client, subject: String, body: serde_json::Value) {
    client
        .request(subject, body.to_string().into())
        .await
        .expect("control request");
}

/// Waits (at most 30 s) for a lattice event whose JSON names `kind`.
pub async fn wait_for(events: &mut async_nats::Subscriber, kind: &str) {
    let deadline = tokio::time::sleep(std::time::Duration::from_secs(30));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            event = events.next() => {
                let event = event.expect("event stream");
                if String::from_utf8_lossy(&event.payload).contains(kind) {
                    return;
                }
            }
            () = &mut deadline => panic!("no {kind} event within 30 s"),
        }
    }
}
