//! Test harness for provider binaries: plays the host (host data, signed invocations, a child process).
//!
//! Behind the cargo feature `testing`: the providers' integration tests enable it through their
//! dev-dependency. Every helper panics on failure; nothing here runs in production.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nkeys::KeyPair;
use wash_wire::{HostData, Invocation, LinkDefinition, WasmCloudEntity};

/// A fake host identity: host key, cluster key that signs invocations, and one provider identity.
pub struct TestHost {
    /// The cluster key (its public key is the only cluster issuer in the host data).
    pub cluster: KeyPair,
    /// The host's public key (`N…`).
    pub host_id: String,
    /// The provider's public key (`V…`).
    pub provider_key: String,
    /// The lattice id.
    pub lattice: String,
    /// The provider's link name.
    pub link_name: String,
    /// The NATS URL the provider connects to.
    pub nats_url: String,
}

impl std::fmt::Debug for TestHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestHost")
            .field("cluster", &self.cluster.public_key())
            .field("host_id", &self.host_id)
            .field("provider_key", &self.provider_key)
            .field("lattice", &self.lattice)
            .finish()
    }
}

impl TestHost {
    /// Fresh keys for a provider on `nats_url`, lattice `default`, link name `default`.
    pub fn new(nats_url: &str) -> Self {
        Self {
            cluster: KeyPair::new_cluster(),
            host_id: KeyPair::new_server().public_key(),
            provider_key: KeyPair::new_service().public_key(),
            lattice: wash_wire::DEFAULT_LATTICE.to_owned(),
            link_name: wash_wire::DEFAULT_LINK_NAME.to_owned(),
            nats_url: nats_url.to_owned(),
        }
    }

    /// A new random actor key (`M…`).
    pub fn new_actor() -> String {
        KeyPair::new_module().public_key()
    }

    /// Host data for the provider with these start-up links and configuration.
    pub fn host_data(&self, links: Vec<LinkDefinition>, config_json: Option<String>) -> HostData {
        HostData {
            host_id: self.host_id.clone(),
            lattice_rpc_prefix: self.lattice.clone(),
            link_name: self.link_name.clone(),
            lattice_rpc_url: self.nats_url.clone(),
            provider_key: self.provider_key.clone(),
            invocation_seed: self.cluster.seed().unwrap_or_default(),
            instance_id: "00000000-0000-4000-8000-000000000000".into(),
            link_definitions: links,
            cluster_issuers: vec![self.cluster.public_key()],
            config_json,
            default_rpc_timeout_ms: Some(2000),
            log_level: Some("info".into()),
            ..HostData::default()
        }
    }

    /// A link from `actor` to this provider for `contract` with `values`.
    pub fn link(&self, actor: &str, contract: &str, values: &[(&str, &str)]) -> LinkDefinition {
        LinkDefinition {
            actor_id: actor.to_owned(),
            provider_id: self.provider_key.clone(),
            link_name: self.link_name.clone(),
            contract_id: contract.to_owned(),
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    /// An invocation from `actor` to this provider, signed with the cluster key.
    pub fn invocation(
        &self,
        actor: &str,
        contract: &str,
        operation: &str,
        msg: Vec<u8>,
    ) -> Invocation {
        self.invocation_signed_by(&self.cluster, actor, contract, operation, msg)
    }

    /// The same invocation signed by another key (to test refusals).
    pub fn invocation_signed_by(
        &self,
        key: &KeyPair,
        actor: &str,
        contract: &str,
        operation: &str,
        msg: Vec<u8>,
    ) -> Invocation {
        let mut invocation = Invocation {
            origin: WasmCloudEntity::actor(actor),
            target: WasmCloudEntity::provider(
                self.provider_key.as_str(),
                self.link_name.as_str(),
                contract,
            ),
            operation: operation.to_owned(),
            content_length: Some(msg.len() as u64),
            msg,
            id: Invocation::new_id(),
            host_id: self.host_id.clone(),
            ..Invocation::default()
        };
        if let Err(e) = wash_claims::invocation::sign(&mut invocation, key) {
            panic!("signing a test invocation failed: {e}");
        }
        invocation
    }

    /// The provider's RPC subject.
    pub fn rpc_subject(&self) -> String {
        wash_wire::subjects::provider_rpc(&self.lattice, &self.provider_key, &self.link_name)
    }

    /// The provider's health subject.
    pub fn health_subject(&self) -> String {
        wash_wire::subjects::provider_health(&self.lattice, &self.provider_key, &self.link_name)
    }

    /// The provider's link-put subject.
    pub fn link_put_subject(&self) -> String {
        wash_wire::subjects::provider_link_put(&self.lattice, &self.provider_key, &self.link_name)
    }

    /// The provider's link-delete subject.
    pub fn link_del_subject(&self) -> String {
        wash_wire::subjects::provider_link_del(&self.lattice, &self.provider_key, &self.link_name)
    }

    /// The provider's shutdown subject.
    pub fn shutdown_subject(&self) -> String {
        wash_wire::subjects::provider_shutdown(&self.lattice, &self.provider_key, &self.link_name)
    }

    /// The JSON body of a shutdown request from this host.
    pub fn shutdown_body(&self) -> Vec<u8> {
        serde_json::json!({ "host_id": self.host_id })
            .to_string()
            .into_bytes()
    }
}

/// A provider child process; killed when dropped. Its log (stderr) is copied to the test's stderr
/// and kept, for [`ProviderProcess::wait_for_log`].
#[derive(Debug)]
pub struct ProviderProcess {
    child: Child,
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ProviderProcess {
    /// Starts `program` and writes the host data line on its stdin (then closes stdin, as the Rust host does).
    pub fn spawn(program: &str, host_data: &HostData) -> Self {
        let mut child = Command::new(program)
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::inherit())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{program}`: {e}"));
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        if let Some(stderr) = child.stderr.take() {
            let log = log.clone();
            std::thread::spawn(move || {
                use std::io::BufRead as _;
                for line in std::io::BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    eprintln!("{line}");
                    log.lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(line);
                }
            });
        }
        let line = host_data.to_stdin_line();
        if let Some(mut stdin) = child.stdin.take() {
            if let Err(e) = stdin.write_all(line.as_bytes()) {
                panic!("cannot write host data to `{program}`: {e}");
            }
        }
        Self { child, log }
    }

    /// Waits up to `within` for a log line containing every one of `needles`; returns it. Panics with
    /// the log so far otherwise.
    pub fn wait_for_log(&self, needles: &[&str], within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            {
                let log = self
                    .log
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if let Some(line) = log.iter().find(|l| needles.iter().all(|n| l.contains(n))) {
                    return line.clone();
                }
                assert!(
                    Instant::now() < deadline,
                    "no provider log line with {needles:?} within {within:?}; the log:\n{}",
                    log.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits up to `timeout` for the process to exit.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for ProviderProcess {
    fn drop(&mut self) {
        if self.is_running() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Sends health checks until one is answered (15 s at most); returns the reply bytes. Panics on timeout.
pub async fn wait_healthy(nats: &async_nats::Client, host: &TestHost) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let request = async_nats::Request::new()
            .payload(Vec::new().into())
            .timeout(Some(Duration::from_millis(500)));
        if let Ok(reply) = nats.send_request(host.health_subject(), request).await {
            return reply.payload.to_vec();
        }
        assert!(
            Instant::now() < deadline,
            "provider never answered health checks"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends `invocation` to the provider and decodes its reply. Panics when nothing answers.
pub async fn invoke(
    nats: &async_nats::Client,
    host: &TestHost,
    invocation: &Invocation,
) -> wash_wire::InvocationResponse {
    let body = invocation
        .encode()
        .unwrap_or_else(|e| panic!("encode invocation: {e}"));
    let reply = nats
        .request(host.rpc_subject(), body.into())
        .await
        .unwrap_or_else(|e| panic!("provider did not answer `{}`: {e}", invocation.operation));
    wash_wire::InvocationResponse::decode(&reply.payload)
        .unwrap_or_else(|e| panic!("undecodable invocation response: {e}"))
}

/// Publishes a link put (msgpack map) for `link`.
pub async fn put_link(nats: &async_nats::Client, host: &TestHost, link: &LinkDefinition) {
    publish_link(nats, host.link_put_subject(), link).await;
}

/// Publishes a link delete for `link` and flushes it.
pub async fn delete_link(nats: &async_nats::Client, host: &TestHost, link: &LinkDefinition) {
    publish_link(nats, host.link_del_subject(), link).await;
}

async fn publish_link(nats: &async_nats::Client, subject: String, link: &LinkDefinition) {
    let body = link
        .to_msgpack()
        .unwrap_or_else(|e| panic!("encode link: {e}"));
    nats.publish(subject.clone(), body.into())
        .await
        .unwrap_or_else(|e| panic!("publish on `{subject}`: {e}"));
    nats.flush()
        .await
        .unwrap_or_else(|e| panic!("flush after `{subject}`: {e}"));
}

/// Publishes a link put and waits until the provider has seen it (an invocation from the actor
/// gets past the link check).
pub async fn put_link_and_wait(nats: &async_nats::Client, host: &TestHost, link: &LinkDefinition) {
    put_link(nats, host, link).await;
    wait_linked(nats, host, link, true).await;
}

/// Publishes a link delete and waits until the provider refuses the actor as unlinked.
pub async fn delete_link_and_wait(
    nats: &async_nats::Client,
    host: &TestHost,
    link: &LinkDefinition,
) {
    delete_link(nats, host, link).await;
    wait_linked(nats, host, link, false).await;
}

/// Probes the provider (an operation no provider has, so nothing changes) until the link's actor
/// gets past the link check (`linked`) or is refused as unlinked; 30 s at most.
async fn wait_linked(
    nats: &async_nats::Client,
    host: &TestHost,
    link: &LinkDefinition,
    linked: bool,
) {
    let unlinked = format!("unlinked actor: '{}'", link.actor_id);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let probe = host.invocation(
            &link.actor_id,
            &link.contract_id,
            "Probe.Linked",
            Vec::new(),
        );
        let reply = invoke(nats, host, &probe).await;
        if (reply.error.as_deref() != Some(unlinked.as_str())) == linked {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "link {} was never applied",
            if linked { "put" } else { "delete" }
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Checks that the provider refuses `operation` with `msg` from an actor that is not linked, and
/// from the `linked` actor when signed by a key outside the cluster issuers.
pub async fn assert_refuses_strangers(
    nats: &async_nats::Client,
    host: &TestHost,
    linked: &str,
    contract: &str,
    operation: &str,
    msg: Vec<u8>,
) {
    let stranger = &TestHost::new_actor();
    let unlinked = host.invocation(stranger, contract, operation, msg.clone());
    let refused = invoke(nats, host, &unlinked).await;
    assert_eq!(refused.error, Some(format!("unlinked actor: '{stranger}'")));
    let rogue = KeyPair::new_cluster();
    let forged = host.invocation_signed_by(&rogue, linked, contract, operation, msg);
    let refused = invoke(nats, host, &forged).await;
    assert_eq!(
        refused.error.as_deref(),
        Some("Issuer of this invocation is not in list of cluster issuers")
    );
}

/// [`assert_refuses_strangers`] for a `wasmcloud:keyvalue` provider, with `KeyValue.Increment`.
pub async fn assert_keyvalue_refuses_strangers(
    nats: &async_nats::Client,
    host: &TestHost,
    linked: &str,
) {
    use wash_wire::interfaces::keyvalue::CONTRACT_ID;
    let increment = increment_by_one("hits");
    assert_refuses_strangers(
        nats,
        host,
        linked,
        CONTRACT_ID,
        "KeyValue.Increment",
        increment,
    )
    .await;
}

/// Asks the provider to shut down as its host; checks the reply and a clean exit within 10 s.
pub async fn shutdown(nats: &async_nats::Client, host: &TestHost, provider: &mut ProviderProcess) {
    let reply = nats
        .request(host.shutdown_subject(), host.shutdown_body().into())
        .await
        .unwrap_or_else(|e| panic!("no shutdown reply: {e}"));
    assert_eq!(&reply.payload[..], b"shutting down");
    let status = provider
        .wait_exit(Duration::from_secs(10))
        .unwrap_or_else(|| panic!("provider did not exit after shutdown"));
    assert!(status.success(), "exit status {status:?}");
}

/// `wasmcloud:keyvalue` conformance: runs every `KeyValue.*` operation for `actor` through the
/// provider and checks the results (redis semantics). Panics on the first difference.
pub async fn keyvalue_conformance(nats: &async_nats::Client, host: &TestHost, actor: &str) {
    use serde::Serialize;
    use wash_wire::interfaces::keyvalue::*;

    async fn call<A: Serialize + ?Sized, R: serde::de::DeserializeOwned>(
        nats: &async_nats::Client,
        host: &TestHost,
        actor: &str,
        operation: &str,
        arg: &A,
    ) -> R {
        let msg = wash_wire::msgpack::encode(arg, "arg").unwrap_or_else(|e| panic!("{e}"));
        let reply = invoke(
            nats,
            host,
            &host.invocation(actor, CONTRACT_ID, operation, msg),
        )
        .await;
        let bytes = reply
            .into_result()
            .unwrap_or_else(|e| panic!("{operation} failed: {e}"));
        if bytes.is_empty() {
            // Unit results are zero bytes; decode them as msgpack nil.
            return rmp_serde::from_slice(&[0xc0]).unwrap_or_else(|e| panic!("{operation}: {e}"));
        }
        rmp_serde::from_slice(&bytes).unwrap_or_else(|e| panic!("{operation} result: {e}"))
    }
    let set = |key: &str, value: &str| SetRequest {
        key: key.into(),
        value: value.into(),
        expires: 0,
    };
    let inc = |key: &str, value: i32| IncrementRequest {
        key: key.into(),
        value,
    };

    let got: GetResponse = call(nats, host, actor, "KeyValue.Get", "missing:key").await;
    assert_eq!(got, GetResponse::default(), "Get of a missing key");
    let () = call(nats, host, actor, "KeyValue.Set", &set("greeting", "hello")).await;
    let got: GetResponse = call(nats, host, actor, "KeyValue.Get", "greeting").await;
    assert_eq!((got.value.as_str(), got.exists), ("hello", true));
    assert!(call::<_, bool>(nats, host, actor, "KeyValue.Contains", "greeting").await);
    assert!(call::<_, bool>(nats, host, actor, "KeyValue.Del", "greeting").await);
    assert!(!call::<_, bool>(nats, host, actor, "KeyValue.Del", "greeting").await);
    assert!(!call::<_, bool>(nats, host, actor, "KeyValue.Contains", "greeting").await);

    assert_eq!(
        call::<_, i32>(nats, host, actor, "KeyValue.Increment", &inc("n", 1)).await,
        1
    );
    assert_eq!(
        call::<_, i32>(nats, host, actor, "KeyValue.Increment", &inc("n", 1)).await,
        2
    );
    assert_eq!(
        call::<_, i32>(nats, host, actor, "KeyValue.Increment", &inc("n", -5)).await,
        -3
    );
    let got: GetResponse = call(nats, host, actor, "KeyValue.Get", "n").await;
    assert_eq!(
        got.value, "-3",
        "an incremented key reads back as its decimal string"
    );

    let add = |v: &str| ListAddRequest {
        list_name: "list".into(),
        value: v.into(),
    };
    for (i, v) in ["a", "b", "c", "b"].iter().enumerate() {
        let len: u32 = call(nats, host, actor, "KeyValue.ListAdd", &add(v)).await;
        assert_eq!(len as usize, i + 1, "ListAdd returns the new length");
    }
    let range = |start, stop| ListRangeRequest {
        list_name: "list".into(),
        start,
        stop,
    };
    let all: Vec<String> = call(nats, host, actor, "KeyValue.ListRange", &range(0, -1)).await;
    assert_eq!(all, ["a", "b", "c", "b"]);
    let mid: Vec<String> = call(nats, host, actor, "KeyValue.ListRange", &range(1, 2)).await;
    assert_eq!(mid, ["b", "c"]);
    let del = ListDelRequest {
        list_name: "list".into(),
        value: "b".into(),
    };
    assert!(call::<_, bool>(nats, host, actor, "KeyValue.ListDel", &del).await);
    let all: Vec<String> = call(nats, host, actor, "KeyValue.ListRange", &range(0, -1)).await;
    assert_eq!(all, ["a", "c", "b"], "ListDel removes the first occurrence");
    assert!(call::<_, bool>(nats, host, actor, "KeyValue.ListClear", "list").await);
    let all: Vec<String> = call(nats, host, actor, "KeyValue.ListRange", &range(0, -1)).await;
    assert!(all.is_empty());

    for (set_name, values) in [("s1", ["x", "y", "z"]), ("s2", ["y", "z", "w"])] {
        for v in values {
            let req = SetAddRequest {
                set_name: set_name.into(),
                value: v.into(),
            };
            assert_eq!(
                call::<_, u32>(nats, host, actor, "KeyValue.SetAdd", &req).await,
                1
            );
        }
    }
    let again = SetAddRequest {
        set_name: "s1".into(),
        value: "x".into(),
    };
    assert_eq!(
        call::<_, u32>(nats, host, actor, "KeyValue.SetAdd", &again).await,
        0
    );
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let names = vec!["s1".to_owned(), "s2".to_owned()];
    let inter: Vec<String> = call(nats, host, actor, "KeyValue.SetIntersection", &names).await;
    assert_eq!(sorted(inter), ["y", "z"]);
    let union: Vec<String> = call(nats, host, actor, "KeyValue.SetUnion", &names).await;
    assert_eq!(sorted(union), ["w", "x", "y", "z"]);
    let srem = SetDelRequest {
        set_name: "s1".into(),
        value: "x".into(),
    };
    assert_eq!(
        call::<_, u32>(nats, host, actor, "KeyValue.SetDel", &srem).await,
        1
    );
    let members: Vec<String> = call(nats, host, actor, "KeyValue.SetQuery", "s1").await;
    assert_eq!(sorted(members), ["y", "z"]);
    assert!(call::<_, bool>(nats, host, actor, "KeyValue.SetClear", "s1").await);
    let members: Vec<String> = call(nats, host, actor, "KeyValue.SetQuery", "s1").await;
    assert!(members.is_empty());

    let bad = invoke(
        nats,
        host,
        &host.invocation(actor, CONTRACT_ID, "KeyValue.Increment", b"\xc1".to_vec()),
    )
    .await;
    assert!(
        bad.error.is_some(),
        "a malformed argument is an error reply"
    );
}

/// The msgpack argument of `KeyValue.Increment` adding 1 to `key`.
pub fn increment_by_one(key: &str) -> Vec<u8> {
    wash_wire::msgpack::encode(
        &wash_wire::interfaces::keyvalue::IncrementRequest {
            key: key.into(),
            value: 1,
        },
        "increment",
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// `KeyValue.Increment {key, 1}` from `actor`, signed.
pub fn increment_invocation(host: &TestHost, actor: &str, key: &str) -> Invocation {
    use wash_wire::interfaces::keyvalue::CONTRACT_ID;
    host.invocation(
        actor,
        CONTRACT_ID,
        "KeyValue.Increment",
        increment_by_one(key),
    )
}

/// Sends `count` concurrent `KeyValue.Increment {key, 1}` calls; returns every result, sorted.
pub async fn concurrent_increments(
    nats: &async_nats::Client,
    host: &TestHost,
    actor: &str,
    key: &str,
    count: usize,
) -> Vec<i32> {
    let calls = (0..count).map(|_| {
        let invocation = increment_invocation(host, actor, key);
        async move {
            let reply = invoke(nats, host, &invocation).await;
            let bytes = reply
                .into_result()
                .unwrap_or_else(|e| panic!("increment failed: {e}"));
            rmp_serde::from_slice::<i32>(&bytes).unwrap_or_else(|e| panic!("{e}"))
        }
    });
    let mut results = futures::future::join_all(calls).await;
    results.sort_unstable();
    results
}
