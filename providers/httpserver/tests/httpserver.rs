//! The built `httpserver` provider against a real nats-server, with this test playing host, actor and
//! HTTP client.

use std::time::{Duration, Instant};

use futures::StreamExt as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wash_provider::testing::{
    assert_refuses_strangers, delete_link, invoke, put_link, shutdown, wait_healthy,
    ProviderProcess, TestHost,
};
use wash_test_support::{free_port, NatsServer};
use wash_wire::interfaces::httpserver::{HttpRequest, HttpResponse, CONTRACT_ID, HANDLE_REQUEST};
use wash_wire::{Invocation, InvocationResponse};

const PROVIDER: &str = env!("CARGO_BIN_EXE_httpserver");

/// The provider's default RPC timeout in this test.
const DEFAULT_RPC_TIMEOUT: Duration = Duration::from_secs(120);

/// A raw HTTP/1.1 request with `Connection: close`; returns (status, body).
async fn http(port: u16, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Test: yes\r\nConnection: close\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad response: {text}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

async fn wait_port(port: u16, open: bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let connected = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok();
        if connected == open {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "port {port} never became {}",
            if open { "open" } else { "closed" }
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A new actor that answers every invocation on its subject (with an error when `fail`), checking
/// the provider's signature.
async fn spawn_actor(nats: &async_nats::Client, host: &TestHost, fail: bool) -> String {
    let actor = TestHost::new_actor();
    let mut sub = nats
        .subscribe(wash_wire::subjects::actor_rpc(&host.lattice, &actor))
        .await
        .expect("subscribe");
    let host_cluster_key = host.cluster.public_key();
    let nats = nats.clone();
    tokio::spawn(async move {
        while let Some(message) = sub.next().await {
            let invocation = Invocation::decode(&message.payload).expect("invocation");
            wash_claims::invocation::validate(&invocation, std::slice::from_ref(&host_cluster_key))
                .expect("provider signed with the invocation seed");
            assert_eq!(invocation.operation, HANDLE_REQUEST);
            assert_eq!(invocation.origin.contract_id, CONTRACT_ID);
            let request: HttpRequest =
                wash_wire::msgpack::decode(&invocation.msg, "request").expect("http request");
            let response = if fail {
                InvocationResponse::failure(invocation.id, "actor trapped")
            } else {
                let mut header = std::collections::HashMap::new();
                header.insert("x-actor".to_owned(), vec!["kvcounter".to_owned()]);
                let http = HttpResponse {
                    status_code: 201,
                    header,
                    body: format!(
                        "{} {}?{} x-test={:?} body={}",
                        request.method,
                        request.path,
                        request.query_string,
                        request.header.get("x-test"),
                        String::from_utf8_lossy(&request.body)
                    )
                    .into_bytes(),
                };
                InvocationResponse::success(
                    invocation.id,
                    wash_wire::msgpack::encode(&http, "response").expect("encode"),
                )
            };
            let reply = message.reply.expect("reply subject");
            nats.publish(reply, response.encode().expect("encode").into())
                .await
                .expect("reply");
        }
    });
    actor
}

/// Health, link put → listener, request forwarded to the actor and its response written back, 503
/// with no actor or a silent one, 500 on actor error, busy port refuses the link, unlinked/forged invocations
/// refused, link delete closes the port, shutdown exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn httpserver_end_to_end() {
    let server = NatsServer::start();
    let host = TestHost::new(&server.url());
    let nats = async_nats::connect(server.url()).await.expect("nats");
    // A default RPC timeout far above any wait below: a request that gets its answer within a
    // ceiling shorter than it was cut by the link's own `timeout_ms`.
    let mut host_data = host.host_data(Vec::new(), None);
    host_data.default_rpc_timeout_ms = Some(DEFAULT_RPC_TIMEOUT.as_millis() as u64);
    let mut provider = ProviderProcess::spawn(PROVIDER, &host_data);

    let health = wait_healthy(&nats, &host).await;
    assert_eq!(health, b"\x81\xa7healthy\xc3", "msgpack {{healthy: true}}");

    // An actor that answers, linked on a free port.
    let actor = spawn_actor(&nats, &host, false).await;
    let port = free_port();
    let link = host.link(&actor, CONTRACT_ID, &[("PORT", &port.to_string())]);
    put_link(&nats, &host, &link).await;
    wait_port(port, true).await;
    let (status, body) = http(port, "POST", "/counter/a?x=1", "payload").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body,
        "POST /counter/a?x=1 x-test=Some([\"yes\"]) body=payload"
    );

    // An actor nobody serves: 503.
    let gone = TestHost::new_actor();
    let gone_port = free_port();
    let gone_link = host.link(
        &gone,
        CONTRACT_ID,
        &[("address", &format!("127.0.0.1:{gone_port}"))],
    );
    put_link(&nats, &host, &gone_link).await;
    wait_port(gone_port, true).await;
    assert_eq!(http(gone_port, "GET", "/", "").await.0, 503);

    // An actor that is subscribed but never answers: 503 after the link's `timeout_ms`.
    let silent = TestHost::new_actor();
    let _silent_sub = nats
        .subscribe(wash_wire::subjects::actor_rpc(&host.lattice, &silent))
        .await
        .expect("subscribe");
    let silent_port = free_port();
    let silent_link = host.link(
        &silent,
        CONTRACT_ID,
        &[("port", &silent_port.to_string()), ("timeout_ms", "300")],
    );
    put_link(&nats, &host, &silent_link).await;
    wait_port(silent_port, true).await;
    let answer = tokio::time::timeout(DEFAULT_RPC_TIMEOUT / 2, http(silent_port, "GET", "/", ""))
        .await
        .expect("the link's timeout_ms applies: answered long before the default RPC timeout");
    assert_eq!(answer.0, 503, "{}", answer.1);

    // An actor that fails: 500 with its error.
    let failing = spawn_actor(&nats, &host, true).await;
    let failing_port = free_port();
    let config = format!(r#"{{"address":"127.0.0.1:{failing_port}"}}"#);
    let failing_link = host.link(&failing, CONTRACT_ID, &[("config_json", &config)]);
    put_link(&nats, &host, &failing_link).await;
    wait_port(failing_port, true).await;
    assert_eq!(
        http(failing_port, "GET", "/", "").await,
        (500, "actor trapped".to_owned())
    );

    // A link on a port that is taken is refused: the actor stays unlinked.
    let busy = TestHost::new_actor();
    let busy_link = host.link(&busy, CONTRACT_ID, &[("port", &port.to_string())]);
    put_link(&nats, &host, &busy_link).await;
    let refusal = provider.wait_for_log(
        &["cannot bind HTTP listener; link refused", &busy],
        Duration::from_secs(30),
    );
    assert!(refusal.contains(&format!("{port}")), "{refusal}");
    provider.wait_for_log(
        &["link refused by provider", &busy],
        Duration::from_secs(30),
    );
    let refused = invoke(
        &nats,
        &host,
        &host.invocation(&busy, CONTRACT_ID, "HttpServer.Nothing", Vec::new()),
    )
    .await;
    assert_eq!(refused.error, Some(format!("unlinked actor: '{busy}'")));

    // A linked actor gets past validation (and is told the provider has no operations) …
    let ok = invoke(
        &nats,
        &host,
        &host.invocation(&actor, CONTRACT_ID, "HttpServer.Nothing", Vec::new()),
    )
    .await;
    assert!(
        ok.error
            .as_deref()
            .is_some_and(|e| e.contains("unsupported operation")),
        "{ok:?}"
    );
    // … but not with a signature from an untrusted cluster key, or a tampered payload.
    assert_refuses_strangers(
        &nats,
        &host,
        &actor,
        CONTRACT_ID,
        "HttpServer.Nothing",
        Vec::new(),
    )
    .await;
    let mut tampered = host.invocation(&actor, CONTRACT_ID, "HttpServer.Nothing", Vec::new());
    tampered.msg = b"x".to_vec();
    let refused = invoke(&nats, &host, &tampered).await;
    assert!(
        refused.error.as_deref().is_some_and(|e| e.contains("hash")),
        "{refused:?}"
    );

    // Link delete closes the listener.
    delete_link(&nats, &host, &link).await;
    wait_port(port, false).await;

    // A shutdown for another host is ignored; ours gets "shutting down" and a clean exit.
    let other = serde_json::json!({"host_id": "NOTHERHOST"}).to_string();
    let ignored = nats
        .send_request(
            host.shutdown_subject(),
            async_nats::Request::new()
                .payload(other.into())
                .timeout(Some(Duration::from_millis(500))),
        )
        .await;
    assert!(
        ignored.is_err(),
        "another host's shutdown must get no reply"
    );
    assert!(provider.is_running());
    shutdown(&nats, &host, &mut provider).await;
    wait_port(gone_port, false).await;
}
