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

use std::sync::Arc;
use std::time::Duration;

use wash_provider::keyvalue::{
    CasKeyValue, KeyValueBackend, KeyValueProvider, KeyValueReply, KeyValueRequest,
};
use wash_provider::{LinkDefinition, ProviderHandle};

/// Time kept back from the RPC timeout so that a slow Vault still gets a clear error to the actor
/// before the host gives up waiting.
const REPLY_MARGIN: Duration = Duration::from_millis(300);
/// The least time one operation gets, however short the RPC timeout.
const MIN_OPERATION_TIME: Duration = Duration::from_millis(500);

/// The backend: the shared HTTP client and the time one operation may take.
struct VaultBackend {
    http: Result<reqwest::Client, String>,
    operation_timeout: Duration,
}

impl VaultBackend {
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
        }
    }
}

impl KeyValueBackend for VaultBackend {
    /// The actor's keys, or why its link is unusable (told to each of its calls).
    type Actor = Result<Arc<CasKeyValue<vault::Vault>>, String>;

    async fn link(&self, link: &LinkDefinition) -> Result<Self::Actor, String> {
        let keys = config::LinkConfig::from_link(link).and_then(|config| {
            let http = self.http.clone()?;
            Ok(Arc::new(CasKeyValue::new(vault::Vault::new(config, http))))
        });
        match &keys {
            // The config's Debug output leaves the token out.
            Ok(keys) => {
                tracing::info!(actor = %link.actor_id, vault = ?keys.store(), "actor linked")
            }
            Err(e) => tracing::warn!(
                actor = %link.actor_id,
                error = %e,
                "actor linked, but its calls will fail until the link is fixed"
            ),
        }
        Ok(keys)
    }

    async fn run(
        &self,
        keys: Self::Actor,
        operation: &str,
        request: KeyValueRequest,
    ) -> Result<KeyValueReply, String> {
        let keys = keys.map_err(|reason| format!("the keyvalue link is not usable: {reason}"))?;
        let timeout = self.operation_timeout;
        match tokio::time::timeout(timeout, keys.run(request)).await {
            Ok(reply) => reply,
            Err(_) => Err(format!(
                "{operation} did not finish within {} ms: Vault at `{}` is too slow or unreachable",
                timeout.as_millis(),
                keys.store().addr()
            )),
        }
    }
}

// mimalloc: 5–12% less CPU per request than glibc's allocator in the lattice benchmark (A/B in
// docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// One thread: a provider's work per call is I/O plus one signature. It shares the machine with the
// host, nats-server and other providers, where a second worker thread mostly adds cross-thread
// wake-ups (docs/benchmarks.md: about 8% more kvcounter requests/s with single-threaded providers).
#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    wash_provider::exit_code(
        wash_provider::run_provider(|handle| KeyValueProvider::new(VaultBackend::new(handle)))
            .await,
    )
}
