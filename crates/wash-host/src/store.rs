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

/// Opens the lattice bucket, creating it (history 1, file storage, `replicas`) when missing.
pub async fn open_bucket(
    js: &jetstream::Context,
    lattice: &str,
    url: &str,
    replicas: usize,
) -> Result<kv::Store, HostError> {
    let bucket = bucket_name(lattice);
    if let Ok(store) = js.get_key_value(&bucket).await {
        return Ok(store);
    }
    js.create_key_value(kv::Config {
        bucket: bucket.clone(),
        history: 1,
        storage: jetstream::stream::StorageType::File,
        num_replicas: replicas.max(1),
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
            claims.insert(key.to_owned(), claims_map(&entry.value)?);
            Some(LatticeChange::ClaimsSet)
        } else {
            None
        }
    }

    /// Replaces the cache with the bucket's entries (as read now) and says how the links changed:
    /// puts for new or changed links, deletes for links no longer in the bucket.
    pub fn resync(&self, entries: &[kv::Entry]) -> Vec<LatticeChange> {
        let before = self.links();
        let mut links = HashMap::new();
        let mut claims = HashMap::new();
        for entry in entries {
            if matches!(
                entry.operation,
                kv::Operation::Delete | kv::Operation::Purge
            ) {
                continue;
            }
            if entry.key.starts_with(LINK_PREFIX) {
                match LinkDefinition::from_json(&entry.value) {
                    Ok(link) => {
                        links.insert(entry.key.clone(), link);
                    }
                    Err(err) => {
                        tracing::warn!(key = %entry.key, %err, "ignoring malformed link in the lattice bucket")
                    }
                }
            } else if let Some(key) = entry.key.strip_prefix(CLAIMS_PREFIX) {
                if let Some(map) = claims_map(&entry.value) {
                    claims.insert(key.to_owned(), map);
                }
            }
        }
        *self.links.write().unwrap_or_else(|e| e.into_inner()) = links;
        *self.claims.write().unwrap_or_else(|e| e.into_inner()) = claims;
        diff_links(&before, &self.links())
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

/// A claims entry's value: a JSON map whose null values read as empty.
fn claims_map(value: &[u8]) -> Option<HashMap<String, String>> {
    let map: HashMap<String, Option<String>> = serde_json::from_slice(value).ok()?;
    Some(
        map.into_iter()
            .map(|(k, v)| (k, v.unwrap_or_default()))
            .collect(),
    )
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

/// The bucket's last revision (stream sequence) now.
pub async fn last_revision(store: &kv::Store) -> Result<u64, HostError> {
    store
        .stream
        .get_info()
        .await
        .map(|info| info.state.last_sequence)
        .map_err(|e| HostError::Bucket(e.to_string()))
}

/// Every entry the bucket holds now.
async fn read_all(store: &kv::Store) -> Result<Vec<kv::Entry>, HostError> {
    let keys = store
        .keys()
        .await
        .map_err(|e| HostError::Bucket(e.to_string()))?;
    let keys: Vec<String> = keys
        .map(|k| k.map_err(|e| HostError::Bucket(e.to_string())))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let mut entries = Vec::with_capacity(keys.len());
    for key in keys {
        match store.entry(key.clone()).await {
            Ok(Some(entry)) => entries.push(entry),
            Ok(None) => {}
            Err(err) => return Err(HostError::Bucket(format!("reading `{key}`: {err}"))),
        }
    }
    Ok(entries)
}

/// Reads every entry the bucket holds now into `cache` (so links exist before the host serves anything).
pub async fn load(store: &kv::Store, cache: &LatticeCache) -> Result<(), HostError> {
    let entries = read_all(store).await?;
    cache.resync(&entries);
    Ok(())
}

/// What the bucket watch hands the host, in bucket order.
#[derive(Debug, Clone)]
pub enum WatchEvent {
    /// Something changed.
    Change(LatticeChange),
    /// Every bucket entry up to this revision is in the cache, and its changes were sent before this.
    Applied(u64),
}

/// Why one round of [`watch`] stopped.
enum Stopped {
    /// The receiver is gone (the host stopped).
    HostGone,
    /// The watch could not start, failed or ended.
    Failed(String),
}

/// The first delay between attempts to re-establish the watch; it doubles up to [`WATCH_BACKOFF_MAX`].
const WATCH_BACKOFF_START: std::time::Duration = std::time::Duration::from_millis(250);
/// The longest delay between attempts to re-establish the watch.
const WATCH_BACKOFF_MAX: std::time::Duration = std::time::Duration::from_secs(10);

/// Watches the bucket, applying entries to `cache` and passing changes and applied revisions on.
///
/// When the watch cannot start, fails or ends, it is re-established with backoff; each new watch
/// first resyncs the cache from the bucket (puts for new or changed links, deletes for vanished
/// ones, sent like any change) and then follows the bucket from the revision the resync read.
///
/// `reconnected` changes each time the NATS client reconnects after losing its connection: the watch
/// is then re-established too (and says so in the log), rather than trusting that the old one resumed.
pub async fn watch(
    store: kv::Store,
    cache: std::sync::Arc<LatticeCache>,
    events: tokio::sync::mpsc::UnboundedSender<WatchEvent>,
    mut reconnected: tokio::sync::watch::Receiver<u64>,
) {
    let mut backoff = WATCH_BACKOFF_START;
    let mut failed_since: Option<String> = None;
    loop {
        match follow(&store, &cache, &events, &mut failed_since, &mut reconnected).await {
            Stopped::HostGone => return,
            Stopped::Failed(reason) => {
                if failed_since.is_none() {
                    backoff = WATCH_BACKOFF_START;
                }
                tracing::warn!(
                    %reason,
                    "lattice bucket watch lost; links are not applied until it is re-established (retrying in {} ms)",
                    backoff.as_millis()
                );
                failed_since = Some(reason);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(WATCH_BACKOFF_MAX);
            }
        }
    }
}

/// One watch: resync from the bucket, then follow it until it fails or ends.
async fn follow(
    store: &kv::Store,
    cache: &LatticeCache,
    events: &tokio::sync::mpsc::UnboundedSender<WatchEvent>,
    failed_since: &mut Option<String>,
    reconnected: &mut tokio::sync::watch::Receiver<u64>,
) -> Stopped {
    reconnected.borrow_and_update();
    let revision = match last_revision(store).await {
        Ok(revision) => revision,
        Err(err) => return Stopped::Failed(err.to_string()),
    };
    let entries = match read_all(store).await {
        Ok(entries) => entries,
        Err(err) => return Stopped::Failed(err.to_string()),
    };
    let mut watcher = match store.watch_all_from_revision(revision + 1).await {
        Ok(watcher) => watcher,
        Err(err) => return Stopped::Failed(format!("cannot watch: {err}")),
    };
    let changes = cache.resync(&entries);
    if let Some(reason) = failed_since.take() {
        let (puts, deletes) = changes.iter().fold((0, 0), |(p, d), c| match c {
            LatticeChange::LinkSet(_) => (p + 1, d),
            LatticeChange::LinkDeleted(_) => (p, d + 1),
            LatticeChange::ClaimsSet => (p, d),
        });
        tracing::info!(
            after = %reason,
            "lattice bucket watch re-established at revision {revision}; resynced links from the bucket: {puts} put, {deletes} deleted"
        );
    }
    for change in changes {
        if events.send(WatchEvent::Change(change)).is_err() {
            return Stopped::HostGone;
        }
    }
    if events.send(WatchEvent::Applied(revision)).is_err() {
        return Stopped::HostGone;
    }
    loop {
        let entry = tokio::select! {
            entry = watcher.next() => entry,
            changed = reconnected.changed() => {
                if changed.is_err() {
                    return Stopped::HostGone;
                }
                return Stopped::Failed("the NATS connection was lost and re-established".into());
            }
        };
        let entry = match entry {
            Some(Ok(entry)) => entry,
            Some(Err(err)) => return Stopped::Failed(format!("watch error: {err}")),
            None => return Stopped::Failed("the watch ended".into()),
        };
        if let Some(change) = cache.apply(&entry) {
            if events.send(WatchEvent::Change(change)).is_err() {
                return Stopped::HostGone;
            }
        }
        if events.send(WatchEvent::Applied(entry.revision)).is_err() {
            return Stopped::HostGone;
        }
    }
}

/// What turns the links in `before` into those in `after` (one link per bucket key): a put for each
/// new or changed link, then a delete for each link that is gone.
pub fn diff_links(before: &[LinkDefinition], after: &[LinkDefinition]) -> Vec<LatticeChange> {
    let old: HashMap<String, &LinkDefinition> = before.iter().map(|l| (l.kv_key(), l)).collect();
    let new: HashMap<String, &LinkDefinition> = after.iter().map(|l| (l.kv_key(), l)).collect();
    let puts = after
        .iter()
        .filter(|l| old.get(&l.kv_key()) != Some(l))
        .map(|l| LatticeChange::LinkSet(l.clone()));
    let deletes = before
        .iter()
        .filter(|l| !new.contains_key(&l.kv_key()))
        .map(|l| LatticeChange::LinkDeleted(l.clone()));
    puts.chain(deletes).collect()
}

/// Labels map helper: whether `labels` satisfy every constraint.
pub fn satisfies(labels: &StringMap, constraints: &StringMap) -> bool {
    constraints.iter().all(|(k, v)| labels.get(k) == Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(actor: &str, value: &str) -> LinkDefinition {
        LinkDefinition {
            actor_id: actor.into(),
            provider_id: "VPROVIDER".into(),
            link_name: "default".into(),
            contract_id: "wasmcloud:keyvalue".into(),
            values: [("v".to_owned(), value.to_owned())].into_iter().collect(),
        }
    }

    /// New and changed links are puts, vanished ones deletes, unchanged ones nothing.
    #[test]
    fn diff_puts_new_and_changed_links_and_deletes_vanished_ones() {
        let before = [link("MA", "1"), link("MB", "1"), link("MC", "1")];
        let after = [link("MA", "1"), link("MB", "2"), link("MD", "1")];
        let changes: Vec<(bool, String, String)> = diff_links(&before, &after)
            .into_iter()
            .map(|c| match c {
                LatticeChange::LinkSet(l) => (true, l.actor_id, l.values["v"].clone()),
                LatticeChange::LinkDeleted(l) => (false, l.actor_id, l.values["v"].clone()),
                LatticeChange::ClaimsSet => panic!("no claims here"),
            })
            .collect();
        assert_eq!(
            changes,
            [
                (true, "MB".to_owned(), "2".to_owned()),
                (true, "MD".to_owned(), "1".to_owned()),
                (false, "MC".to_owned(), "1".to_owned()),
            ]
        );
    }
}
