//! `kv-nats`: the `wasmcloud:keyvalue` capability provider on NATS JetStream KV — the embedded
//! default that needs no Redis.
//!
//! Each link gets its own bucket: link value `bucket` (any case), else `kv_<actor key>`; created when
//! missing. The bucket lives on the provider's lattice NATS connection unless the link value `url`
//! names another NATS server.

mod store;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use async_nats::jetstream::kv::Config;
use store::Bucket;
use wash_provider::keyvalue::KeyValueRequest;
use wash_provider::{InvocationContext, LinkDefinition, ProviderHandle, ProviderHandler};

/// The provider: each linked actor's bucket, and the extra NATS connections links asked for.
struct NatsKeyValue {
    provider: ProviderHandle,
    buckets: RwLock<HashMap<String, Arc<Bucket>>>,
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

impl NatsKeyValue {
    fn new(provider: ProviderHandle) -> Self {
        Self {
            provider,
            buckets: RwLock::new(HashMap::new()),
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

    fn bucket(&self, actor_id: &str) -> Option<Arc<Bucket>> {
        self.buckets
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(actor_id)
            .cloned()
    }
}

impl ProviderHandler for NatsKeyValue {
    fn contract_id(&self) -> &str {
        wash_wire::interfaces::keyvalue::CONTRACT_ID
    }

    async fn put_link(&self, link: &LinkDefinition) -> Result<bool, String> {
        let bucket = self.open_bucket(link).await?;
        tracing::info!(actor = %link.actor_id, ?bucket, "actor linked");
        self.buckets
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(link.actor_id.clone(), Arc::new(bucket));
        Ok(true)
    }

    async fn delete_link(&self, actor_id: &str) {
        self.buckets
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
        let bucket = self
            .bucket(&ctx.actor_id)
            .ok_or_else(|| format!("no keyvalue bucket for actor `{}`", ctx.actor_id))?;
        bucket.run(request).await?.encode()
    }
}

// One thread: a provider's work per call is I/O plus one signature. It shares the machine with the
// host, nats-server and other providers, where a second worker thread mostly adds cross-thread
// wake-ups (docs/benchmarks.md: about 8% more kvcounter requests/s with single-threaded providers).
#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    wash_provider::exit_code(wash_provider::run_provider(NatsKeyValue::new).await)
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
