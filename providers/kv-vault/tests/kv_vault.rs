//! The built `kv-vault` provider against real nats-server and OpenBao dev servers, this test playing
//! the host and the actors.

use std::time::{Duration, Instant};

use wash_provider::testing::{
    concurrent_increments, invoke, keyvalue_conformance, put_link_and_wait, shutdown, wait_healthy,
    ProviderProcess, TestHost,
};
use wash_test_support::{NatsServer, VaultServer};
use wash_wire::interfaces::keyvalue::{GetResponse, IncrementRequest, SetRequest, CONTRACT_ID};
use wash_wire::InvocationResponse;

const PROVIDER: &str = env!("CARGO_BIN_EXE_kv-vault");

fn encode<T: serde::Serialize + ?Sized>(value: &T) -> Vec<u8> {
    wash_wire::msgpack::encode(value, "arg").expect("encode")
}

/// Calls `operation` for `actor` and returns the raw reply.
async fn call<T: serde::Serialize + ?Sized>(
    nats: &async_nats::Client,
    host: &TestHost,
    actor: &str,
    operation: &str,
    arg: &T,
) -> InvocationResponse {
    let invocation = host.invocation(actor, CONTRACT_ID, operation, encode(arg));
    invoke(nats, host, &invocation).await
}

async fn increment(
    nats: &async_nats::Client,
    host: &TestHost,
    actor: &str,
    key: &str,
) -> Result<i32, String> {
    let request = IncrementRequest {
        key: key.into(),
        value: 1,
    };
    let bytes = call(nats, host, actor, "KeyValue.Increment", &request)
        .await
        .into_result()?;
    rmp_decode(&bytes)
}

fn rmp_decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    wash_wire::msgpack::decode(bytes, "reply").map_err(|e| e.to_string())
}

async fn set(nats: &async_nats::Client, host: &TestHost, actor: &str, key: &str, value: &str) {
    let request = SetRequest {
        key: key.into(),
        value: value.into(),
        expires: 0,
    };
    let reply = call(nats, host, actor, "KeyValue.Set", &request).await;
    reply.into_result().expect("set");
}

async fn get(nats: &async_nats::Client, host: &TestHost, actor: &str, key: &str) -> GetResponse {
    let bytes = call(nats, host, actor, "KeyValue.Get", key)
        .await
        .into_result()
        .expect("get");
    rmp_decode(&bytes).expect("GetResponse")
}

/// Health; a start-up link (prefix `app-one`) passes the keyvalue conformance run; 200 concurrent
/// increments each see a distinct value; the data really is in Vault under the prefix; a second
/// actor with prefix `app-two` does not see the first one's keys (not even through `../` keys);
/// keys that are not path-safe round-trip, while an empty or over-long key is a clear error;
/// unlinked actors are refused; shutdown exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_vault_conformance_and_namespaces() {
    let nats_server = NatsServer::start();
    let vault = VaultServer::start();
    let host = TestHost::new(&nats_server.url());
    let nats = async_nats::connect(nats_server.url()).await.expect("nats");

    // Link values `addr`, `token` and `prefix`, their keys spelled as given.
    let vault_link = |actor: &str, [addr, token, prefix]: [&str; 3], path: &str| {
        let values = [
            (addr, &*vault.addr()),
            (token, vault.token()),
            (prefix, path),
        ];
        host.link(actor, CONTRACT_ID, &values)
    };
    let one = TestHost::new_actor();
    let startup_link = vault_link(&one, ["ADDR", "Token", "prefix"], "app-one");
    let mut provider = ProviderProcess::spawn(PROVIDER, &host.host_data(vec![startup_link], None));
    assert_eq!(wait_healthy(&nats, &host).await, b"\x81\xa7healthy\xc3");

    keyvalue_conformance(&nats, &host, &one).await;
    let results = concurrent_increments(&nats, &host, &one, "hits", 200).await;
    assert_eq!(results, (1..=200).collect::<Vec<i32>>(), "no update lost");
    let (status, body) = vault
        .request("GET", "/v1/secret/data/app-one/hits", None)
        .expect("vault answers");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""value":"200""#), "{body}");

    // A second actor in its own prefix, linked at runtime.
    let two = TestHost::new_actor();
    let link_two = vault_link(&two, ["addr", "token", "PREFIX"], "app-two");
    put_link_and_wait(&nats, &host, &link_two).await;
    set(&nats, &host, &one, "greeting", "from one").await;
    assert_eq!(
        get(&nats, &host, &two, "greeting").await,
        GetResponse::default()
    );
    assert_eq!(
        get(&nats, &host, &two, "hits").await,
        GetResponse::default()
    );
    set(&nats, &host, &two, "greeting", "from two").await;
    assert_eq!(get(&nats, &host, &one, "greeting").await.value, "from one");
    assert_eq!(get(&nats, &host, &two, "greeting").await.value, "from two");
    assert_eq!(increment(&nats, &host, &two, "hits").await, Ok(1));

    // Keys that are not path-safe are encoded into one segment under the actor's own prefix.
    for odd in ["../app-two/greeting", "a/b", "..", "spaces and ?#%", "ünï"] {
        set(&nats, &host, &one, odd, "odd").await;
        assert_eq!(get(&nats, &host, &one, odd).await.value, "odd", "{odd}");
    }
    assert_eq!(get(&nats, &host, &two, "greeting").await.value, "from two");
    let (status, _) = vault
        .request("GET", "/v1/secret/data/app-two/greeting", None)
        .expect("vault answers");
    assert_eq!(status, 200);
    // Empty and over-long keys are refused with a reason, and the provider keeps serving.
    let empty = call(&nats, &host, &one, "KeyValue.Get", "").await;
    let error = empty.error.expect("empty key is an error");
    assert!(error.contains("must not be empty"), "{error}");
    let long = "k".repeat(600);
    let error = increment(&nats, &host, &one, &long)
        .await
        .expect_err("long key is an error");
    assert!(error.contains("longer than"), "{error}");
    assert_eq!(increment(&nats, &host, &one, "hits").await, Ok(201));

    let stranger = TestHost::new_actor();
    let refused = call(&nats, &host, &stranger, "KeyValue.Get", "hits").await;
    assert_eq!(refused.error, Some(format!("unlinked actor: '{stranger}'")));

    shutdown(&nats, &host, &mut provider).await;
}

/// A wrong token, a missing token and plain HTTP to a remote host are clear errors to the actor
/// (never containing the token) while other actors are served; a `token_file` link works; with
/// Vault stopped the actor gets a "cannot reach Vault" error and the provider stays healthy; once
/// Vault is back on the same address the same link serves again; a Vault that never answers is an
/// error within the RPC timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_vault_bad_tokens_and_outage() {
    let nats_server = NatsServer::start();
    let mut vault = VaultServer::start();
    let host = TestHost::new(&nats_server.url());
    let nats = async_nats::connect(nats_server.url()).await.expect("nats");
    let mut provider = ProviderProcess::spawn(PROVIDER, &host.host_data(Vec::new(), None));
    wait_healthy(&nats, &host).await;
    let addr = vault.addr();

    let wrong = TestHost::new_actor();
    let wrong_token = "not-the-root-token-4711";
    let link = host.link(
        &wrong,
        CONTRACT_ID,
        &[("addr", &addr), ("token", wrong_token)],
    );
    put_link_and_wait(&nats, &host, &link).await;
    let error = increment(&nats, &host, &wrong, "n")
        .await
        .expect_err("wrong token");
    assert!(error.contains("denied"), "{error}");
    assert!(!error.contains(wrong_token), "the token leaked: {error}");

    let tokenless = TestHost::new_actor();
    let link = host.link(&tokenless, CONTRACT_ID, &[("addr", &addr)]);
    put_link_and_wait(&nats, &host, &link).await;
    let error = increment(&nats, &host, &tokenless, "n")
        .await
        .expect_err("no token");
    assert!(error.contains("token_file"), "{error}");

    let remote = TestHost::new_actor();
    let link = host.link(
        &remote,
        CONTRACT_ID,
        &[("addr", "http://vault.example.com:8200"), ("token", "t")],
    );
    put_link_and_wait(&nats, &host, &link).await;
    let error = increment(&nats, &host, &remote, "n")
        .await
        .expect_err("plain http to a remote host");
    assert!(error.contains("allow_http"), "{error}");

    let dir = tempfile::tempdir().expect("temp dir");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{}\n", vault.token())).expect("write token file");
    let good = TestHost::new_actor();
    let token_file = token_file.to_str().expect("utf-8 path");
    let link = host.link(
        &good,
        CONTRACT_ID,
        &[("addr", &addr), ("token_file", token_file)],
    );
    put_link_and_wait(&nats, &host, &link).await;
    assert_eq!(increment(&nats, &host, &good, "n").await, Ok(1));
    assert_eq!(increment(&nats, &host, &good, "n").await, Ok(2));

    vault.stop();
    let error = increment(&nats, &host, &good, "n")
        .await
        .expect_err("vault is down");
    assert!(error.contains("cannot reach Vault"), "{error}");
    assert!(error.contains(&addr), "{error}");
    assert_eq!(wait_healthy(&nats, &host).await, b"\x81\xa7healthy\xc3");
    assert!(provider.is_running());

    // The dev server keeps nothing in memory across a restart: counting starts again at 1.
    vault.restart();
    let deadline = Instant::now() + Duration::from_secs(10);
    let first = loop {
        match increment(&nats, &host, &good, "n").await {
            Ok(n) => break n,
            Err(e) => assert!(Instant::now() < deadline, "never served again: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(first, 1);
    assert_eq!(increment(&nats, &host, &good, "n").await, Ok(2));

    // A "Vault" that accepts connections but never answers: the actor gets an error before the
    // host's RPC timeout, and the provider keeps serving.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_addr = format!("http://{}", silent.local_addr().expect("addr"));
    let hung = TestHost::new_actor();
    let link = host.link(
        &hung,
        CONTRACT_ID,
        &[("addr", &silent_addr), ("token", vault.token())],
    );
    put_link_and_wait(&nats, &host, &link).await;
    let started = Instant::now();
    let error = increment(&nats, &host, &hung, "n")
        .await
        .expect_err("silent vault");
    assert!(started.elapsed() < Duration::from_secs(2), "{error}");
    assert!(error.contains(&silent_addr), "{error}");
    assert_eq!(increment(&nats, &host, &good, "n").await, Ok(3));

    shutdown(&nats, &host, &mut provider).await;
}
