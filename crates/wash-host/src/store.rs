//! Lattice metadata: the JetStream KV bucket `LATTICEDATA_<lattice>` (links and claims) and the
//! in-memory caches a host keeps from watching it.

use std::collections::HashMap;
use std::sync::RwLock;

use async_nats::jetstream::{self, kv};
use futures::StreamExt;
use wash_wire::ctl::StringMap;
use wash_wire::LinkDefinition;

use crate::error::HostError;

/// Prefix of link keys in the bucket.
pub const LINK_PREFIX: &str = "LINKDEF_";
/// Prefix of claims keys in the bucket.
pub const CLAIMS_PREFIX: &str = "CLAIMS_";

/// The bucket name of a lattice.
pub fn bucket_name(lattice: &str) -> String {
    format!("LATTICEDATA_{lattice}")
}

/// Opens the lattice bucket, creating it (history 1, file storage) when missing.
pub async fn open_bucket(
    js: &jetstream::Context,
    lattice: &str,
    url: &str,
) -> Result<kv::Store, HostError> {
    let bucket = bucket_name(lattice);
    if let Ok(store) = js.get_key_value(&bucket).await {
        return Ok(store);
    }
    js.create_key_value(kv::Config {
        bucket: bucket.clone(),
        history: 1,
        storage: jetstream::stream::StorageType::File,
        num_replicas: 1,
        ..Default::default()
    })
    .await
    .map_err(|e| HostError::JetStream {
        url: url.into(),
        reason: e.to_string(),
    })
}

/// What changed in the bucket, as the host reacts to it.
#[derive(Debug, Clone)]
pub enum LatticeChange {
    /// A link was created or replaced.
    LinkSet(LinkDefinition),
    /// A link was removed.
    LinkDeleted(LinkDefinition),
    /// Claims of an entity were stored.
    ClaimsSet,
}

/// Links and claims of the lattice, as last seen in the bucket.
#[derive(Debug, Default)]
pub struct LatticeCache {
    links: RwLock<HashMap<String, LinkDefinition>>,
    claims: RwLock<HashMap<String, HashMap<String, String>>>,
}

impl LatticeCache {
    /// Applies one bucket entry and says what changed (`None` for unknown or unchanged keys).
    pub fn apply(&self, entry: &kv::Entry) -> Option<LatticeChange> {
        let removed = matches!(
            entry.operation,
            kv::Operation::Delete | kv::Operation::Purge
        );
        if entry.key.starts_with(LINK_PREFIX) {
            let mut links = self.links.write().unwrap_or_else(|e| e.into_inner());
            if removed {
                return links.remove(&entry.key).map(LatticeChange::LinkDeleted);
            }
            match LinkDefinition::from_json(&entry.value) {
                Ok(link) => {
                    if links.get(&entry.key) == Some(&link) {
                        return None;
                    }
                    links.insert(entry.key.clone(), link.clone());
                    Some(LatticeChange::LinkSet(link))
                }
                Err(err) => {
                    tracing::warn!(key = %entry.key, %err, "ignoring malformed link in the lattice bucket");
                    None
                }
            }
        } else if let Some(key) = entry.key.strip_prefix(CLAIMS_PREFIX) {
            let mut claims = self.claims.write().unwrap_or_else(|e| e.into_inner());
            if removed {
                claims.remove(key);
                return None;
            }
            let map: HashMap<String, Option<String>> = serde_json::from_slice(&entry.value).ok()?;
            let map = map
                .into_iter()
                .map(|(k, v)| (k, v.unwrap_or_default()))
                .collect();
            claims.insert(key.to_owned(), map);
            Some(LatticeChange::ClaimsSet)
        } else {
            None
        }
    }

    /// The link for (actor, contract, link name), if any.
    pub fn link(
        &self,
        actor_id: &str,
        contract_id: &str,
        link_name: &str,
    ) -> Option<LinkDefinition> {
        let key = wash_wire::link::link_kv_key(actor_id, contract_id, link_name);
        self.links
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned()
    }

    /// Every link.
    pub fn links(&self) -> Vec<LinkDefinition> {
        let mut links: Vec<_> = self
            .links
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        links.sort_by(|a, b| {
            (&a.actor_id, &a.contract_id, &a.link_name).cmp(&(
                &b.actor_id,
                &b.contract_id,
                &b.link_name,
            ))
        });
        links
    }

    /// Links of one provider instance.
    pub fn links_of_provider(&self, provider_id: &str, link_name: &str) -> Vec<LinkDefinition> {
        self.links()
            .into_iter()
            .filter(|l| l.provider_id == provider_id && l.link_name == link_name)
            .collect()
    }

    /// Every claims map.
    pub fn claims(&self) -> Vec<HashMap<String, String>> {
        self.claims
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Resolves a call alias to an actor key.
    pub fn actor_by_alias(&self, alias: &str) -> Option<String> {
        self.claims
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|(_, c)| {
                c.get("call_alias")
                    .is_some_and(|a| !a.is_empty() && a == alias)
            })
            .map(|(key, _)| key.clone())
    }
}

/// Writes `CLAIMS_<key>` (failures are logged: claims are informational for other hosts).
pub async fn put_claims(store: &kv::Store, public_key: &str, claims: &HashMap<String, String>) {
    let value = serde_json::to_vec(claims).unwrap_or_default();
    if let Err(err) = store
        .put(format!("{CLAIMS_PREFIX}{public_key}"), value.into())
        .await
    {
        tracing::warn!(%public_key, %err, "failed to store claims in the lattice bucket");
    }
}

/// Reads every entry the bucket holds now into `cache` (so links exist before the host serves anything).
pub async fn load(store: &kv::Store, cache: &LatticeCache) -> Result<(), HostError> {
    let keys = store
        .keys()
        .await
        .map_err(|e| HostError::Bucket(e.to_string()))?;
    let keys: Vec<String> = keys.filter_map(|k| async move { k.ok() }).collect().await;
    for key in keys {
        match store.entry(key.clone()).await {
            Ok(Some(entry)) => {
                cache.apply(&entry);
            }
            Ok(None) => {}
            Err(err) => tracing::warn!(%key, %err, "failed to read lattice bucket entry"),
        }
    }
    Ok(())
}

/// Watches the bucket from its current contents on, applying entries to `cache` and passing changes on.
pub async fn watch(
    store: kv::Store,
    cache: std::sync::Arc<LatticeCache>,
    changes: tokio::sync::mpsc::UnboundedSender<LatticeChange>,
) {
    let mut watcher = match store.watch_with_history(">").await {
        Ok(watcher) => watcher,
        Err(err) => {
            tracing::error!(%err, "cannot watch the lattice bucket; links will not be applied");
            return;
        }
    };
    while let Some(entry) = watcher.next().await {
        match entry {
            Ok(entry) => {
                if let Some(change) = cache.apply(&entry) {
                    if changes.send(change).is_err() {
                        return;
                    }
                }
            }
            Err(err) => tracing::warn!(%err, "lattice bucket watch error"),
        }
    }
}

/// Labels map helper: whether `labels` satisfy every constraint.
pub fn satisfies(labels: &StringMap, constraints: &StringMap) -> bool {
    constraints.iter().all(|(k, v)| labels.get(k) == Some(v))
}
