//! Shared pieces of the host's integration tests: a host on a fresh NATS server, signing example
//! actors, packing provider archives, control requests, lattice events and invoking actors as an
//! httpserver provider would.

#![allow(dead_code)] // each test binary uses its own subset

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::StreamExt;
use nkeys::KeyPair;
use serde_json::Value;
use wash_host::{Host, HostConfig};
use wash_test_support::{example_wasm, NatsServer};
use wash_wire::interfaces::httpserver::{HttpRequest, HttpResponse};
use wash_wire::{msgpack, Invocation, InvocationResponse, WasmCloudEntity};

/// A host on a fresh NATS server, the test's NATS client, a cluster key the host trusts (the test
/// signs provider-side invocations with it), an account that signs actors, and a temp dir.
pub struct TestLattice {
    pub nats: NatsServer,
    pub host: Host,
    pub client: async_nats::Client,
    pub cluster: KeyPair,
    pub account: KeyPair,
    pub dir: tempfile::TempDir,
}

impl TestLattice {
    /// Starts NATS and a host; `tweak` adjusts the host's configuration.
    pub async fn start_with(tweak: impl FnOnce(&mut HostConfig)) -> Self {
        Self::start_on(NatsServer::start(), None, tweak).await
    }

    /// A host on `nats`; with `creds`, the host and the test's client log in with that creds file.
    pub async fn start_on(
        nats: NatsServer,
        creds: Option<&Path>,
        tweak: impl FnOnce(&mut HostConfig),
    ) -> Self {
        let cluster = KeyPair::new_cluster();
        let dir = tempfile::tempdir().expect("tempdir");
        let auth = wash_host::NatsAuth {
            credsfile: creds.map(Path::to_owned),
            ..wash_host::NatsAuth::default()
        };
        let mut config = HostConfig {
            nats_url: nats.url(),
            nats_auth: auth,
            cluster_issuers: vec![cluster.public_key()],
            cache_dir: dir.path().join("cache"),
            ..HostConfig::default()
        };
        tweak(&mut config);
        let host = Host::start(config).await.expect("host starts");
        let mut options = async_nats::ConnectOptions::new();
        if let Some(creds) = creds {
            options = options.credentials_file(creds).await.expect("creds file");
        }
        let client = options.connect(nats.url()).await.expect("connect");
        Self {
            nats,
            host,
            client,
            cluster,
            account: KeyPair::new_account(),
            dir,
        }
    }

    /// Starts NATS and a host with the default configuration.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Signs an example actor with these capabilities (and optional `exp`); returns (path, actor key).
    pub fn sign(&self, example: &str, caps: &[&str]) -> (PathBuf, String) {
        let module = std::fs::read(example_wasm(example)).expect("read example");
        let (signed, key) = sign_module(&module, &self.account, example, caps, None);
        let path = self.dir.path().join(format!("{example}_s.wasm"));
        std::fs::write(&path, signed).expect("write signed module");
        (path, key)
    }

    /// A control request on `wasmbus.ctl.default.<suffix>`; the JSON reply.
    pub async fn ctl(&self, suffix: &str, body: Value) -> Value {
        ctl(&self.client, suffix, body).await
    }

    /// Sends `cmd.<host>.<verb>` and asserts the host accepted it.
    pub async fn command(&self, verb: &str, body: Value) {
        let ack = self
            .ctl(&format!("cmd.{}.{verb}", self.host.id()), body)
            .await;
        assert_eq!(ack["accepted"], true, "{verb}: {ack}");
    }

    /// Subscribes to the lattice events (subscribe before sending what you wait for).
    pub async fn events(&self) -> async_nats::Subscriber {
        self.client
            .subscribe("wasmbus.evt.default")
            .await
            .expect("subscribe events")
    }

    /// Starts an actor file through `cmd.<host>.la` and waits for `actor_started` (panics on
    /// `actor_start_failed`).
    pub async fn start_actor(&self, path: &Path) {
        let mut events = self.events().await;
        self.command(
            "la",
            serde_json::json!({"actor_ref": path, "count": 1, "host_id": self.host.id()}),
        )
        .await;
        let event = next_event(
            &mut events,
            &["actor_started", "actor_start_failed"],
            Duration::from_secs(20),
        )
        .await;
        assert_eq!(
            event["type"], "com.wasmcloud.lattice.actor_started",
            "{event}"
        );
    }

    /// `HttpServer.HandleRequest` for `GET path` sent to an actor as an httpserver provider would;
    /// `Err` is the invocation's error string.
    pub async fn http(&self, actor: &str, path: &str) -> Result<HttpResponse, String> {
        invoke_http(&self.client, &self.cluster, &self.host.id(), actor, path).await
    }

    /// `HttpServer.HandleRequest` with `request`, chunked both ways when large (see
    /// [`invoke_http_request`]).
    pub async fn http_request(
        &self,
        actor: &str,
        request: &HttpRequest,
    ) -> Result<HttpResponse, String> {
        invoke_http_request(&self.client, &self.cluster, &self.host.id(), actor, request).await
    }

    /// A provider archive of `binary` for this machine's target, signed with fresh keys.
    pub fn archive(
        &self,
        binary: &Path,
        name: &str,
        contract: &str,
        compress: bool,
    ) -> (PathBuf, String) {
        provider_archive(self.dir.path(), binary, name, contract, compress)
    }
}

/// Signs `module` as actor `name` with `caps`, issued by `account`; returns (signed module, actor key).
pub fn sign_module(
    module: &[u8],
    account: &KeyPair,
    name: &str,
    caps: &[&str],
    exp: Option<u64>,
) -> (Vec<u8>, String) {
    let subject = KeyPair::new_module();
    let actor = wash_claims::Actor {
        name: Some(name.into()),
        caps: Some(caps.iter().map(|c| c.to_string()).collect()),
        rev: Some(1),
        ver: Some("0.1.0".into()),
        ..Default::default()
    };
    let mut claims = wash_claims::Claims::new(account.public_key(), subject.public_key(), actor);
    claims.exp = exp;
    (
        wash_claims::embed_claims(module, claims, account).expect("sign"),
        subject.public_key(),
    )
}

/// A provider archive of `binary` in `dir` (`.par.gz` when `compress`, else `.par`), signed with fresh
/// keys; returns (path, provider key).
pub fn provider_archive(
    dir: &Path,
    binary: &Path,
    name: &str,
    contract: &str,
    compress: bool,
) -> (PathBuf, String) {
    let account = KeyPair::new_account();
    let service = KeyPair::new_service();
    let spec = wash_par::ProviderSpec {
        name: Some(name.into()),
        capid: contract.into(),
        vendor: "wash-tests".into(),
        rev: Some(1),
        ver: Some("0.1.0".into()),
        config_schema: None,
    };
    let file_name = format!(
        "{}.{}",
        name.replace(' ', "-"),
        if compress { "par.gz" } else { "par" }
    );
    let path = dir.join(file_name);
    let file = std::fs::File::create(&path).expect("create archive");
    let binaries = [(
        wash_par::current_target(),
        wash_par::BinarySource::File(binary.to_path_buf()),
    )];
    wash_par::create(
        std::io::BufWriter::new(file),
        spec,
        &binaries,
        &account,
        &service.public_key(),
        compress,
    )
    .expect("pack provider archive");
    (path, service.public_key())
}

/// A control request on `wasmbus.ctl.default.<suffix>` within 5 s; the JSON reply.
pub async fn ctl(client: &async_nats::Client, suffix: &str, body: Value) -> Value {
    let subject = format!("wasmbus.ctl.default.{suffix}");
    let reply = tokio::time::timeout(
        Duration::from_secs(5),
        client.request(subject.clone(), body.to_string().into()),
    )
    .await
    .unwrap_or_else(|_| panic!("no reply in time on `{subject}`"))
    .unwrap_or_else(|e| panic!("request on `{subject}` failed: {e}"));
    serde_json::from_slice(&reply.payload).expect("control reply is JSON")
}

/// The next event named one of `names` (`com.wasmcloud.lattice.<name>`) within `within`.
pub async fn next_event(
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
        let kind = event["type"].as_str().unwrap_or_default();
        if names
            .iter()
            .any(|n| kind.strip_prefix("com.wasmcloud.lattice.") == Some(n))
        {
            return event;
        }
    }
}

/// `HttpServer.HandleRequest` for `GET path` to `actor`, signed with `cluster` as a provider would.
pub async fn invoke_http(
    client: &async_nats::Client,
    cluster: &KeyPair,
    host_id: &str,
    actor: &str,
    path: &str,
) -> Result<HttpResponse, String> {
    let request = HttpRequest {
        method: "GET".into(),
        path: path.into(),
        header: HashMap::new(),
        ..Default::default()
    };
    invoke_http_request(client, cluster, host_id, actor, &request).await
}

/// `HttpServer.HandleRequest` with `request` to `actor`, signed with `cluster` as a provider would, and
/// chunked both ways through the lattice's object store when over 900 KiB, as wasmbus-rpc does.
pub async fn invoke_http_request(
    client: &async_nats::Client,
    cluster: &KeyPair,
    host_id: &str,
    actor: &str,
    request: &HttpRequest,
) -> Result<HttpResponse, String> {
    let mut inv = Invocation {
        origin: WasmCloudEntity::provider(
            KeyPair::new_service().public_key(),
            "default",
            "wasmcloud:httpserver",
        ),
        target: WasmCloudEntity::actor(actor),
        operation: "HttpServer.HandleRequest".into(),
        msg: msgpack::encode(request, "request").expect("encode"),
        id: Invocation::new_id(),
        host_id: host_id.into(),
        ..Invocation::default()
    };
    wash_claims::invocation::sign(&mut inv, cluster).expect("sign");
    let chunks = wash_rpc::ChunkStore::new(client.clone(), "default");
    chunks.chunk_request(&mut inv).await.expect("chunk request");
    let reply = tokio::time::timeout(
        Duration::from_secs(30),
        client.request(
            format!("wasmbus.rpc.default.{actor}"),
            inv.encode().expect("encode").into(),
        ),
    )
    .await
    .expect("actor answers in time")
    .expect("actor answers");
    let response = InvocationResponse::decode(&reply.payload).expect("response");
    let response = chunks
        .dechunk_response(&inv.id, response)
        .await
        .expect("chunked reply readable")?;
    Ok(msgpack::decode(&response, "http response").expect("decode"))
}
