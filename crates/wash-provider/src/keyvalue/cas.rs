//! The `wasmcloud:keyvalue` semantics once, over any store that reads a key with its version and
//! writes it only while that version holds ([`CasStore`]). Every change is a read-modify-write,
//! serialised per key inside this process and checked against the store, retried on conflict: no
//! update is lost between tasks, nor between provider processes sharing the store. Lists and sets
//! are JSON arrays of strings; expiry is a deadline kept beside the value and honoured when read.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::hash::{Hash as _, Hasher as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio::sync::Mutex;
use wash_wire::interfaces::keyvalue::GetResponse;

use super::request::{list_range, KeyValueReply, KeyValueRequest};

/// Lock stripes that serialise read-modify-write per key inside this process (fewer conflicts).
const STRIPES: usize = 32;
/// Cached (value, version) pairs per stripe before the cache is dropped.
const CACHE_LIMIT: usize = 512;

/// Seconds since the Unix epoch: the unit of [`Stored::deadline`].
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A value as a store keeps it: its bytes and, if it expires, the deadline in seconds since the epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The value (actors write UTF-8 text; other writers of the store may not).
    pub value: Bytes,
    /// When the value expires, in seconds since the epoch; `None`: never.
    pub deadline: Option<u64>,
}

impl Stored {
    /// A value that never expires.
    pub fn plain(value: impl Into<Bytes>) -> Self {
        Self {
            value: value.into(),
            deadline: None,
        }
    }

    /// A value that expires `expires` seconds from now (`0`: never), as `KeyValue.Set` asks.
    pub fn expiring(value: impl Into<Bytes>, expires: u32) -> Self {
        Self {
            value: value.into(),
            deadline: (expires > 0).then(|| now_secs() + u64::from(expires)),
        }
    }

    /// Whether the value has not expired yet.
    pub fn is_live(&self) -> bool {
        self.deadline.is_none_or(|deadline| deadline > now_secs())
    }
}

/// What a read of one key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned {
    /// The stored value, expired or not; `None` when never written or deleted.
    pub value: Option<Stored>,
    /// The version a write must name to replace what was read (`0`: the key never existed).
    pub version: u64,
}

/// The outcome of a check-and-set write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Stored; with the new version when the backend reports it (the next change then needs no read).
    Stored(Option<u64>),
    /// Someone else changed the key since the version was read.
    Conflict,
}

/// A store with versioned keys: all a backend provides for [`CasKeyValue`].
pub trait CasStore: Send + Sync {
    /// Check-and-set attempts of one change before it gives up under contention.
    const MAX_ATTEMPTS: u32;

    /// The store's name for an actor's `key` (e.g. encoded to fit its alphabet), or why the key
    /// cannot be stored.
    fn key<'k>(&self, key: &'k str) -> Result<Cow<'k, str>, String>;

    /// Reads the key named `name` (as [`CasStore::key`] made it) with its version.
    fn read(&self, name: &str) -> impl Future<Output = Result<Versioned, String>> + Send;

    /// Writes `value` to `name` if its version is still `version`.
    fn put(
        &self,
        name: &str,
        value: &Stored,
        version: u64,
    ) -> impl Future<Output = Result<Written, String>> + Send;

    /// Deletes `name` if its version is still `version` (called only when it holds a value).
    fn delete(
        &self,
        name: &str,
        version: u64,
    ) -> impl Future<Output = Result<Written, String>> + Send;
}

/// What a read-modify-write step decided.
enum Change<R> {
    /// Write this value (`None`: delete the key), then return `R`.
    Write(Option<Stored>, R),
    /// Leave the key alone and return `R`.
    Keep(R),
}

fn parse_list(value: Option<&Stored>) -> Result<Vec<String>, String> {
    match value {
        None => Ok(Vec::new()),
        Some(stored) => serde_json::from_slice(&stored.value)
            .map_err(|_| "value is not a list (expected a JSON array of strings)".to_owned()),
    }
}

fn parse_set(value: Option<&Stored>) -> Result<BTreeSet<String>, String> {
    match value {
        None => Ok(BTreeSet::new()),
        Some(stored) => serde_json::from_slice(&stored.value)
            .map_err(|_| "value is not a set (expected a JSON array of strings)".to_owned()),
    }
}

fn json(value: &impl serde::Serialize) -> Result<Option<Stored>, String> {
    serde_json::to_vec(value)
        .map(|bytes| Some(Stored::plain(bytes)))
        .map_err(|e| e.to_string())
}

/// A small pause that grows with the attempt and differs between tasks, so that writers in conflict
/// spread out instead of colliding again.
fn backoff(attempt: u32) -> Duration {
    let jitter = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos() % 1000)
        .unwrap_or_default();
    Duration::from_millis(u64::from(attempt.min(20))) + Duration::from_micros(u64::from(jitter))
}

/// Store name → the value this process last wrote there (`None`: deleted) and its version.
type VersionCache = HashMap<String, (Option<Stored>, u64)>;

/// The `KeyValue.*` operations over one [`CasStore`] (one linked actor's keys), with the per-key
/// locks and the version cache that spare a read before most writes.
pub struct CasKeyValue<S> {
    store: S,
    stripes: Vec<Mutex<VersionCache>>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for CasKeyValue<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CasKeyValue")
            .field("store", &self.store)
            .finish()
    }
}

impl<S: CasStore> CasKeyValue<S> {
    /// The operations over `store`.
    pub fn new(store: S) -> Self {
        Self {
            store,
            stripes: (0..STRIPES).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// The store underneath.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The live value of the actor's `key`.
    async fn get(&self, key: &str) -> Result<Option<Stored>, String> {
        let name = self.store.key(key)?;
        Ok(self.store.read(&name).await?.value.filter(Stored::is_live))
    }

    /// Read-modify-write of one key: serialised per key inside this process, and check-and-set
    /// against the store so that concurrent writers anywhere never lose an update.
    async fn modify<R>(
        &self,
        key: &str,
        mut step: impl FnMut(Option<&Stored>) -> Result<Change<R>, String>,
    ) -> Result<R, String> {
        let name = self.store.key(key)?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        name.hash(&mut hasher);
        let stripe = &self.stripes[(hasher.finish() as usize) % STRIPES];
        let mut cache = stripe.lock().await;
        for attempt in 0..S::MAX_ATTEMPTS {
            let (current, version) = match cache.remove(name.as_ref()) {
                Some(cached) => cached,
                None => {
                    let read = self.store.read(&name).await?;
                    (read.value, read.version)
                }
            };
            let current = current.filter(Stored::is_live);
            let (new, result) = match step(current.as_ref())? {
                Change::Keep(result) => return Ok(result),
                Change::Write(new, result) => (new, result),
            };
            let written = match &new {
                Some(value) => self.store.put(&name, value, version).await?,
                None => self.store.delete(&name, version).await?,
            };
            match written {
                Written::Stored(Some(written)) => {
                    if cache.len() >= CACHE_LIMIT {
                        cache.clear();
                    }
                    cache.insert(name.clone().into_owned(), (new, written));
                    return Ok(result);
                }
                Written::Stored(None) => return Ok(result),
                Written::Conflict => {
                    // Another writer got there first: read again, backing off a little.
                    if attempt > 1 {
                        tokio::time::sleep(backoff(attempt)).await;
                    }
                }
            }
        }
        Err(format!(
            "keyvalue write of `{key}` gave up after {} conflicting attempts",
            S::MAX_ATTEMPTS
        ))
    }

    /// Runs one `KeyValue.*` request against the store.
    pub async fn run(&self, request: KeyValueRequest) -> Result<KeyValueReply, String> {
        use KeyValueReply as R;
        use KeyValueRequest as Q;
        Ok(match request {
            Q::Increment(inc) => R::Int(
                self.modify(&inc.key, |current| {
                    let now: i64 = match current {
                        None => 0,
                        Some(stored) => std::str::from_utf8(&stored.value)
                            .ok()
                            .and_then(|text| text.trim().parse().ok())
                            .ok_or_else(|| format!("value of `{}` is not an integer", inc.key))?,
                    };
                    let next = i32::try_from(now + i64::from(inc.value))
                        .map_err(|_| format!("increment of `{}` overflows i32", inc.key))?;
                    let stored = Stored {
                        value: next.to_string().into(),
                        deadline: current.and_then(|c| c.deadline),
                    };
                    Ok(Change::Write(Some(stored), next))
                })
                .await?,
            ),
            Q::Contains(key) => R::Bool(self.get(&key).await?.is_some()),
            Q::Del(key) | Q::ListClear(key) | Q::SetClear(key) => R::Bool(
                self.modify(&key, |current| {
                    // Deleting what is not there (or has expired) needs no write.
                    Ok(match current {
                        None => Change::Keep(false),
                        Some(_) => Change::Write(None, true),
                    })
                })
                .await?,
            ),
            Q::Get(key) => R::Get(match self.get(&key).await? {
                None => GetResponse::default(),
                Some(stored) => GetResponse {
                    value: String::from_utf8_lossy(&stored.value).into_owned(),
                    exists: true,
                },
            }),
            Q::Set(set) => {
                let stored = Stored::expiring(set.value, set.expires);
                self.modify(&set.key, |_| Ok(Change::Write(Some(stored.clone()), ())))
                    .await?;
                R::Unit
            }
            Q::ListAdd(add) => {
                let len = self
                    .modify(&add.list_name, |current| {
                        let mut list = parse_list(current)?;
                        list.push(add.value.clone());
                        Ok(Change::Write(json(&list)?, list.len()))
                    })
                    .await?;
                R::Count(u32::try_from(len).unwrap_or(u32::MAX))
            }
            Q::ListDel(del) => R::Bool(
                self.modify(&del.list_name, |current| {
                    let mut list = parse_list(current)?;
                    match list.iter().position(|v| *v == del.value) {
                        None => Ok(Change::Keep(false)),
                        Some(i) => {
                            list.remove(i);
                            Ok(Change::Write(json(&list)?, true))
                        }
                    }
                })
                .await?,
            ),
            Q::ListRange(range) => {
                let list = parse_list(self.get(&range.list_name).await?.as_ref())?;
                let span = list_range(list.len(), range.start, range.stop);
                R::Strings(list[span].to_vec())
            }
            Q::SetAdd(add) => R::Count(
                self.modify(&add.set_name, |current| {
                    let mut set = parse_set(current)?;
                    if set.insert(add.value.clone()) {
                        Ok(Change::Write(json(&set)?, 1))
                    } else {
                        Ok(Change::Keep(0))
                    }
                })
                .await?,
            ),
            Q::SetDel(del) => R::Count(
                self.modify(&del.set_name, |current| {
                    let mut set = parse_set(current)?;
                    if set.remove(&del.value) {
                        Ok(Change::Write(json(&set)?, 1))
                    } else {
                        Ok(Change::Keep(0))
                    }
                })
                .await?,
            ),
            Q::SetQuery(name) => R::Strings(
                parse_set(self.get(&name).await?.as_ref())?
                    .into_iter()
                    .collect(),
            ),
            Q::SetIntersection(names) => {
                let mut result: Option<BTreeSet<String>> = None;
                for name in &names {
                    let set = parse_set(self.get(name).await?.as_ref())?;
                    result = Some(match result {
                        None => set,
                        Some(acc) => acc.intersection(&set).cloned().collect(),
                    });
                }
                R::Strings(result.unwrap_or_default().into_iter().collect())
            }
            Q::SetUnion(names) => {
                let mut result = BTreeSet::new();
                for name in &names {
                    result.extend(parse_set(self.get(name).await?.as_ref())?);
                }
                R::Strings(result.into_iter().collect())
            }
        })
    }
}

#[cfg(test)]
mod tests;
