//! `kv-vault`: the `wasmcloud:keyvalue` capability provider on a Vault (or OpenBao) KV v2 secrets
//! engine, over Vault's HTTP API.
//!
//! Each link names the Vault (`addr`), the token (`token` or `token_file`), the KV v2 mount (`mount`,
//! default `secret`) and a path prefix (`prefix`, default the actor's key): every key of that actor is
//! one secret under `<mount>/<prefix>/`. A link whose values are unusable (no token, plain HTTP to a
//! remote host, a bad prefix) is still accepted, and each call of that actor gets the reason back as
//! its error, so the provider keeps serving everyone else. See `README.md` next to this file.

mod config;
mod keys;
mod store;
mod vault;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use store::Namespace;
use wash_provider::keyvalue::KeyValueRequest;
use wash_provider::{InvocationContext, LinkDefinition, ProviderHandle, ProviderHandler};

/// Time kept back from the RPC timeout so that a slow Vault still gets a clear error to the actor
/// before the host gives up waiting.
const REPLY_MARGIN: Duration = Duration::from_millis(300);
/// The least time one operation gets, however short the RPC timeout.
const MIN_OPERATION_TIME: Duration = Duration::from_millis(500);

/// The provider: the shared HTTP client and each linked actor's namespace (or why it is unusable).
struct VaultKeyValue {
    http: Result<reqwest::Client, String>,
    operation_timeout: Duration,
    namespaces: RwLock<HashMap<String, Result<Arc<Namespace>, String>>>,
}

impl VaultKeyValue {
    fn new(provider: ProviderHandle) -> Self {
        let operation_timeout = provider
            .rpc_timeout()
            .saturating_sub(REPLY_MARGIN)
            .max(MIN_OPERATION_TIME);
        let http = vault::http_client(operation_timeout);
        if let Err(e) = &http {
            tracing::error!(error = %e, "cannot build the HTTP client; every call will fail");
        }
        Self {
            http,
            operation_timeout,
            namespaces: RwLock::new(HashMap::new()),
        }
    }

    fn namespace(&self, actor_id: &str) -> Result<Arc<Namespace>, String> {
        let namespaces = self.namespaces.read().unwrap_or_else(|e| e.into_inner());
        match namespaces.get(actor_id) {
            Some(Ok(namespace)) => Ok(namespace.clone()),
            Some(Err(reason)) => Err(format!("the keyvalue link is not usable: {reason}")),
            None => Err(format!("no keyvalue link for actor `{actor_id}`")),
        }
    }
}

impl ProviderHandler for VaultKeyValue {
    fn contract_id(&self) -> &str {
        wash_wire::interfaces::keyvalue::CONTRACT_ID
    }

    async fn put_link(&self, link: &LinkDefinition) -> Result<bool, String> {
        let namespace = config::LinkConfig::from_link(link).and_then(|config| {
            let http = self.http.clone()?;
            Ok(Arc::new(Namespace::new(vault::Vault::new(config, http))))
        });
        match &namespace {
            // The config's Debug output leaves the token out.
            Ok(ns) => tracing::info!(actor = %link.actor_id, vault = ?ns.vault(), "actor linked"),
            Err(e) => tracing::warn!(
                actor = %link.actor_id,
                error = %e,
                "actor linked, but its calls will fail until the link is fixed"
            ),
        }
        self.namespaces
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(link.actor_id.clone(), namespace);
        Ok(true)
    }

    async fn delete_link(&self, actor_id: &str) {
        self.namespaces
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(actor_id);
    }

    async fn handle(
        &self,
        operation: &str,
        payload: Vec<u8>,
        ctx: &InvocationContext,
    ) -> Result<Vec<u8>, String> {
        let request = KeyValueRequest::decode(operation, &payload)?;
        let namespace = self.namespace(&ctx.actor_id)?;
        let timeout = self.operation_timeout;
        match tokio::time::timeout(timeout, namespace.run(request)).await {
            Ok(reply) => reply?.encode(),
            Err(_) => Err(format!(
                "{operation} did not finish within {} ms: Vault at `{}` is too slow or unreachable",
                timeout.as_millis(),
                namespace.vault().addr()
            )),
        }
    }
}

// One thread: a provider's work per call is I/O plus one signature. It shares the machine with the
// host, nats-server and other providers, where a second worker thread mostly adds cross-thread
// wake-ups (docs/benchmarks.md: about 8% more kvcounter requests/s with single-threaded providers).
#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    wash_provider::exit_code(wash_provider::run_provider(VaultKeyValue::new).await)
}
