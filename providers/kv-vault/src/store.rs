//! One actor's keys in Vault with the `wasmcloud:keyvalue` semantics. Every change is a
//! check-and-set write against the version that was read, retried on conflict, so no update is ever
//! lost — not between tasks of this process, nor between provider processes sharing a prefix.
//! Deletion writes an empty tombstone version the same way. Lists and sets are JSON arrays of strings;
//! expiry is a deadline stored beside the value and honoured when read.

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash as _, Hasher as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};
use tokio::sync::Mutex;
use wash_provider::keyvalue::{list_range, KeyValueReply, KeyValueRequest};
use wash_wire::interfaces::keyvalue::GetResponse;

use crate::keys::secret_name;
use crate::vault::{Vault, Written};

/// Lock stripes that serialise read-modify-write per key inside this process (fewer conflicts).
const STRIPES: usize = 32;
/// Cached (value, version) pairs per stripe before the cache is dropped.
const CACHE_LIMIT: usize = 512;
/// Check-and-set attempts of one change before giving up under contention.
const MAX_ATTEMPTS: u32 = 200;
/// Field of a secret that holds the value.
const VALUE: &str = "value";
/// Field of a secret that holds the expiry deadline (seconds since the epoch).
const EXPIRES_AT: &str = "expires_at";

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A live value and its optional expiry deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stored {
    value: String,
    deadline: Option<u64>,
}

impl Stored {
    fn plain(value: String) -> Self {
        Self {
            value,
            deadline: None,
        }
    }

    /// The live value of a secret's data: `None` for a tombstone, a foreign shape or an expired value.
    fn from_data(data: Option<&Map<String, Value>>) -> Option<Self> {
        let data = data?;
        let value = data.get(VALUE)?.as_str()?.to_owned();
        let deadline = data.get(EXPIRES_AT).and_then(Value::as_u64);
        if deadline.is_some_and(|deadline| deadline <= now_secs()) {
            return None;
        }
        Some(Self { value, deadline })
    }

    fn to_data(&self) -> Map<String, Value> {
        let mut data = Map::new();
        data.insert(VALUE.into(), Value::String(self.value.clone()));
        if let Some(deadline) = self.deadline {
            data.insert(EXPIRES_AT.into(), Value::from(deadline));
        }
        data
    }

    fn is_live(&self) -> bool {
        self.deadline.is_none_or(|deadline| deadline > now_secs())
    }
}

/// What a read-modify-write step decided.
enum Change<R> {
    /// Write this value (`None`: a tombstone), then return `R`.
    Write(Option<Stored>, R),
    /// Leave the key alone and return `R`.
    Keep(R),
}

fn parse_list(value: Option<&Stored>) -> Result<Vec<String>, String> {
    match value {
        None => Ok(Vec::new()),
        Some(stored) => serde_json::from_str(&stored.value)
            .map_err(|_| "value is not a list (expected a JSON array of strings)".to_owned()),
    }
}

fn parse_set(value: Option<&Stored>) -> Result<BTreeSet<String>, String> {
    match value {
        None => Ok(BTreeSet::new()),
        Some(stored) => serde_json::from_str(&stored.value)
            .map_err(|_| "value is not a set (expected a JSON array of strings)".to_owned()),
    }
}

fn json(value: &impl serde::Serialize) -> Result<Option<Stored>, String> {
    serde_json::to_string(value)
        .map(|text| Some(Stored::plain(text)))
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

/// Secret name → the value this process last wrote there (`None`: a tombstone) and its version.
type VersionCache = HashMap<String, (Option<Stored>, u64)>;

/// One linked actor's keys: its Vault corner and the per-key locks and version cache.
pub struct Namespace {
    vault: Vault,
    stripes: Vec<Mutex<VersionCache>>,
}

impl Namespace {
    /// Keys of the actor `vault` points at.
    pub fn new(vault: Vault) -> Self {
        Self {
            vault,
            stripes: (0..STRIPES).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// The Vault this namespace lives in.
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// The live value of the actor's `key`.
    async fn get(&self, key: &str) -> Result<Option<Stored>, String> {
        let secret = self.vault.read(&secret_name(key)?).await?;
        Ok(Stored::from_data(secret.data.as_ref()))
    }

    /// Read-modify-write of one key: serialised per key inside this process, and check-and-set
    /// against Vault so that concurrent writers anywhere never lose an update.
    async fn modify<R>(
        &self,
        key: &str,
        mut step: impl FnMut(Option<&Stored>) -> Result<Change<R>, String>,
    ) -> Result<R, String> {
        let name = secret_name(key)?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        name.hash(&mut hasher);
        let stripe = &self.stripes[(hasher.finish() as usize) % STRIPES];
        let mut cache = stripe.lock().await;
        for attempt in 0..MAX_ATTEMPTS {
            let (current, version) = match cache.remove(name.as_ref()) {
                Some((stored, version)) => (stored.filter(Stored::is_live), version),
                None => {
                    let secret = self.vault.read(&name).await?;
                    (Stored::from_data(secret.data.as_ref()), secret.version)
                }
            };
            let (new, result) = match step(current.as_ref())? {
                Change::Keep(result) => return Ok(result),
                Change::Write(new, result) => (new, result),
            };
            let data = new.as_ref().map(Stored::to_data).unwrap_or_default();
            match self.vault.write(&name, data, version).await? {
                Written::Version(written) => {
                    if new.is_none() {
                        // Hide the tombstone from `vault kv get` too; later versions are untouched.
                        // Failing here changes nothing the actor can observe.
                        if let Err(e) = self.vault.delete_version(&name, written).await {
                            tracing::debug!(error = %e, "could not soft-delete a tombstone version");
                        }
                    }
                    if cache.len() >= CACHE_LIMIT {
                        cache.clear();
                    }
                    cache.insert(name.clone().into_owned(), (new, written));
                    return Ok(result);
                }
                Written::Conflict => {
                    // Another writer got there first: read again, backing off a little.
                    if attempt > 1 {
                        tokio::time::sleep(backoff(attempt)).await;
                    }
                }
            }
        }
        Err(format!(
            "keyvalue write of `{key}` gave up after {MAX_ATTEMPTS} conflicting attempts"
        ))
    }

    /// Runs one `KeyValue.*` request in this namespace.
    pub async fn run(&self, request: KeyValueRequest) -> Result<KeyValueReply, String> {
        use KeyValueReply as R;
        use KeyValueRequest as Q;
        Ok(match request {
            Q::Increment(inc) => R::Int(
                self.modify(&inc.key, |current| {
                    let now: i64 = match current {
                        None => 0,
                        Some(stored) => stored
                            .value
                            .trim()
                            .parse()
                            .map_err(|_| format!("value of `{}` is not an integer", inc.key))?,
                    };
                    let next = i32::try_from(now + i64::from(inc.value))
                        .map_err(|_| format!("increment of `{}` overflows i32", inc.key))?;
                    let stored = Stored {
                        value: next.to_string(),
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
                    value: stored.value,
                    exists: true,
                },
            }),
            Q::Set(set) => {
                let stored = Stored {
                    value: set.value,
                    deadline: (set.expires > 0).then(|| now_secs() + u64::from(set.expires)),
                };
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
mod tests {
    use super::*;

    /// Values round-trip through secret data; tombstones, foreign shapes and expired values read as
    /// absent.
    #[test]
    fn secret_data_and_expiry() {
        let plain = Stored::plain("42".into());
        assert_eq!(
            Stored::from_data(Some(&plain.to_data())),
            Some(plain.clone())
        );
        let live = Stored {
            value: "v".into(),
            deadline: Some(now_secs() + 60),
        };
        assert_eq!(Stored::from_data(Some(&live.to_data())), Some(live));
        let dead = Stored {
            value: "v".into(),
            deadline: Some(now_secs() - 1),
        };
        assert_eq!(Stored::from_data(Some(&dead.to_data())), None);
        assert_eq!(Stored::from_data(Some(&Map::new())), None, "tombstone");
        assert_eq!(Stored::from_data(None), None);
        let mut foreign = Map::new();
        foreign.insert(VALUE.into(), Value::from(5));
        assert_eq!(Stored::from_data(Some(&foreign)), None);
    }
}
