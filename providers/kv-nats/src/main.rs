//! `kv-nats`: the `wasmcloud:keyvalue` capability provider on NATS JetStream KV — the embedded
//! default that needs no Redis.
//!
//! Each link gets its own bucket: link value `bucket` (any case), else `kv_<actor key>`; created when
//! missing. The bucket lives on the provider's lattice NATS connection unless the link value `url`
//! names another NATS server.

mod store;

use std::collections::HashMap;
use std::sync::Arc;

use async_nats::jetstream::kv::Config;
use store::Bucket;
use wash_provider::keyvalue::{
    CasKeyValue, KeyValueBackend, KeyValueProvider, KeyValueReply, KeyValueRequest,
};
use wash_provider::{LinkDefinition, ProviderHandle};

/// The backend: the lattice connection and the extra NATS connections links asked for.
struct NatsBackend {
    provider: ProviderHandle,
    clients: tokio::sync::Mutex<HashMap<String, async_nats::Client>>,
}

/// The bucket of a link: its `bucket` value, else `kv_<actor key>`. Names must be `[A-Za-z0-9_-]+`.
fn bucket_name(link: &LinkDefinition) -> Result<String, String> {
    let name = match link.value("bucket") {
        Some(name) => name.trim().to_owned(),
        None => format!("kv_{}", link.actor_id),
    };
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(format!(
            "invalid bucket name `{name}`: use letters, digits, `_` and `-`"
        ));
    }
    Ok(name)
}

impl NatsBackend {
    fn new(provider: ProviderHandle) -> Self {
        Self {
            provider,
            clients: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    async fn client_for(&self, link: &LinkDefinition) -> Result<async_nats::Client, String> {
        let Some(url) = link.value("url") else {
            return Ok(self.provider.nats().clone());
        };
        let mut clients = self.clients.lock().await;
        if let Some(client) = clients.get(url) {
            return Ok(client.clone());
        }
        let client = async_nats::connect(url)
            .await
            .map_err(|e| format!("cannot connect to NATS at `{url}`: {e}"))?;
        clients.insert(url.to_owned(), client.clone());
        Ok(client)
    }

    async fn open_bucket(&self, link: &LinkDefinition) -> Result<Bucket, String> {
        let name = bucket_name(link)?;
        let js = async_nats::jetstream::new(self.client_for(link).await?);
        if let Ok(store) = js.get_key_value(name.as_str()).await {
            return Ok(Bucket::new(store));
        }
        let created = js
            .create_key_value(Config {
                bucket: name.clone(),
                history: 1,
                ..Config::default()
            })
            .await;
        match created {
            Ok(store) => {
                tracing::info!(bucket = %name, "created keyvalue bucket");
                Ok(Bucket::new(store))
            }
            // Another provider may have created it in the meantime.
            Err(e) => match js.get_key_value(name.as_str()).await {
                Ok(store) => Ok(Bucket::new(store)),
                Err(_) => Err(format!("cannot create keyvalue bucket `{name}`: {e}")),
            },
        }
    }
}

impl KeyValueBackend for NatsBackend {
    type Actor = Arc<CasKeyValue<Bucket>>;

    async fn link(&self, link: &LinkDefinition) -> Result<Self::Actor, String> {
        let bucket = self.open_bucket(link).await?;
        tracing::info!(actor = %link.actor_id, ?bucket, "actor linked");
        Ok(Arc::new(CasKeyValue::new(bucket)))
    }

    async fn run(
        &self,
        bucket: Self::Actor,
        _operation: &str,
        request: KeyValueRequest,
    ) -> Result<KeyValueReply, String> {
        bucket.run(request).await
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
        wash_provider::run_provider(|handle| KeyValueProvider::new(NatsBackend::new(handle))).await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bucket is the `bucket` link value (any case) or `kv_<actor>`; bad names are refused.
    #[test]
    fn bucket_names() {
        let mut link = LinkDefinition {
            actor_id: "MACTOR".into(),
            ..LinkDefinition::default()
        };
        assert_eq!(bucket_name(&link).as_deref(), Ok("kv_MACTOR"));
        link.values.insert("BUCKET".into(), "counters".into());
        assert_eq!(bucket_name(&link).as_deref(), Ok("counters"));
        link.values.insert("BUCKET".into(), "no.dots".into());
        assert!(bucket_name(&link).is_err());
    }
}
