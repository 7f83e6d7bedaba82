//! One JetStream KV bucket with the `wasmcloud:keyvalue` semantics: revision-checked read-modify-write
//! (no lost update, even across provider processes), lists and sets as JSON arrays, lazy expiry.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash as _, Hasher as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_nats::jetstream::kv::{Operation, Store, UpdateErrorKind};
use base64::Engine as _;
use bytes::Bytes;
use tokio::sync::Mutex;
use wash_provider::keyvalue::{list_range, KeyValueReply, KeyValueRequest};
use wash_wire::interfaces::keyvalue::GetResponse;

/// Number of lock stripes serialising read-modify-write per key inside this process.
const STRIPES: usize = 32;
/// Cached (value, revision) pairs per stripe before the cache is dropped.
const CACHE_LIMIT: usize = 512;
/// Attempts of one read-modify-write before giving up under contention.
const MAX_ATTEMPTS: u32 = 1000;
/// First byte of a stored value that carries an expiry deadline (never the start of UTF-8 text).
const EXPIRING: u8 = 0xFF;
/// Prefix of keys that had to be encoded to fit the NATS KV key alphabet.
const ENCODED_PREFIX: &str = "b64_";

/// A stored value: its bytes and, if it expires, the deadline in seconds since the epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stored {
    value: Bytes,
    deadline: Option<u64>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl Stored {
    fn plain(value: impl Into<Bytes>) -> Self {
        Self {
            value: value.into(),
            deadline: None,
        }
    }

    /// Decodes stored bytes; an expired value is `None`.
    fn decode(bytes: &Bytes) -> Option<Self> {
        if bytes.first() != Some(&EXPIRING) {
            return Some(Self::plain(bytes.clone()));
        }
        let deadline = u64::from_be_bytes(bytes.get(1..9)?.try_into().ok()?);
        if deadline <= now_secs() {
            return None;
        }
        Some(Self {
            value: bytes.slice(9..),
            deadline: Some(deadline),
        })
    }

    fn encode(&self) -> Bytes {
        match self.deadline {
            None => self.value.clone(),
            Some(deadline) => {
                let mut out = Vec::with_capacity(9 + self.value.len());
                out.push(EXPIRING);
                out.extend_from_slice(&deadline.to_be_bytes());
                out.extend_from_slice(&self.value);
                out.into()
            }
        }
    }
}

/// Maps an actor's key onto the NATS KV key alphabet (`[-/_=.A-Za-z0-9]`, no empty tokens); other
/// keys (and keys that look encoded) become `b64_<base64url>`.
pub fn bucket_key(key: &str) -> Cow<'_, str> {
    let valid = !key.is_empty()
        && !key.starts_with('.')
        && !key.ends_with('.')
        && !key.contains("..")
        && !key.starts_with(ENCODED_PREFIX)
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'/' | b'_' | b'=' | b'.'));
    if valid {
        Cow::Borrowed(key)
    } else {
        Cow::Owned(format!(
            "{ENCODED_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key)
        ))
    }
}

/// A linked actor's bucket.
pub struct Bucket {
    store: Store,
    stripes: Vec<Mutex<HashMap<String, (Stored, u64)>>>,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket")
            .field("name", &self.store.name)
            .finish()
    }
}

/// What a read-modify-write step decided.
enum Change<R> {
    /// Write this value, then return `R`.
    Write(Stored, R),
    /// Leave the key alone and return `R`.
    Keep(R),
}

fn kv_error(what: &str, e: impl std::fmt::Display) -> String {
    format!("keyvalue {what} failed: {e}")
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

fn json(value: &impl serde::Serialize) -> Result<Stored, String> {
    serde_json::to_vec(value)
        .map(Stored::plain)
        .map_err(|e| e.to_string())
}

impl Bucket {
    /// Wraps an opened KV store.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            stripes: (0..STRIPES).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// The live value of `key` and its revision (0 when absent, deleted or expired-and-never-rewritten).
    async fn read(&self, key: &str) -> Result<(Option<Stored>, u64), String> {
        match self
            .store
            .entry(key)
            .await
            .map_err(|e| kv_error("read", e))?
        {
            None => Ok((None, 0)),
            Some(entry) if entry.operation != Operation::Put => Ok((None, entry.revision)),
            Some(entry) => Ok((Stored::decode(&entry.value), entry.revision)),
        }
    }

    /// Read-modify-write of one key: serialised per key inside this process, and revision-checked
    /// against the bucket so that concurrent writers elsewhere never lose an update.
    async fn modify<R>(
        &self,
        key: &str,
        mut step: impl FnMut(Option<&Stored>) -> Result<Change<R>, String>,
    ) -> Result<R, String> {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut hasher);
        let stripe = &self.stripes[(hasher.finish() as usize) % STRIPES];
        let mut cache = stripe.lock().await;
        for attempt in 0..MAX_ATTEMPTS {
            let (current, revision) = match cache.remove(key) {
                Some((stored, revision)) => (Stored::decode(&stored.encode()), revision),
                None => self.read(key).await?,
            };
            let (new, result) = match step(current.as_ref())? {
                Change::Keep(result) => return Ok(result),
                Change::Write(new, result) => (new, result),
            };
            match self.store.update(key, new.encode(), revision).await {
                Ok(revision) => {
                    if cache.len() >= CACHE_LIMIT {
                        cache.clear();
                    }
                    cache.insert(key.to_owned(), (new, revision));
                    return Ok(result);
                }
                Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => {
                    // Someone else wrote the key: read it again, backing off a little.
                    if attempt > 2 {
                        tokio::time::sleep(Duration::from_millis(u64::from(attempt.min(20)))).await;
                    }
                }
                Err(e) => return Err(kv_error("write", e)),
            }
        }
        Err(format!(
            "keyvalue write of `{key}` gave up after {MAX_ATTEMPTS} conflicting attempts"
        ))
    }

    /// Deletes `key`; whether it held a live value.
    async fn delete(&self, key: &str) -> Result<bool, String> {
        let (current, _) = self.read(key).await?;
        if current.is_none() {
            return Ok(false);
        }
        self.store
            .delete(key)
            .await
            .map_err(|e| kv_error("delete", e))?;
        Ok(true)
    }

    /// Runs one `KeyValue.*` request against this bucket.
    pub async fn run(&self, request: KeyValueRequest) -> Result<KeyValueReply, String> {
        use KeyValueReply as R;
        use KeyValueRequest as Q;
        Ok(match request {
            Q::Increment(inc) => {
                let key = bucket_key(&inc.key);
                let n = self
                    .modify(&key, |current| {
                        let now: i64 = match current {
                            None => 0,
                            Some(stored) => std::str::from_utf8(&stored.value)
                                .ok()
                                .and_then(|s| s.trim().parse().ok())
                                .ok_or_else(|| {
                                    format!("value of `{}` is not an integer", inc.key)
                                })?,
                        };
                        let next = i32::try_from(now + i64::from(inc.value))
                            .map_err(|_| format!("increment of `{}` overflows i32", inc.key))?;
                        let stored = Stored {
                            value: next.to_string().into(),
                            deadline: current.and_then(|c| c.deadline),
                        };
                        Ok(Change::Write(stored, next))
                    })
                    .await?;
                R::Int(n)
            }
            Q::Contains(key) => R::Bool(self.read(&bucket_key(&key)).await?.0.is_some()),
            Q::Del(key) | Q::ListClear(key) | Q::SetClear(key) => {
                R::Bool(self.delete(&bucket_key(&key)).await?)
            }
            Q::Get(key) => {
                let (value, _) = self.read(&bucket_key(&key)).await?;
                R::Get(match value {
                    None => GetResponse::default(),
                    Some(stored) => GetResponse {
                        value: String::from_utf8_lossy(&stored.value).into_owned(),
                        exists: true,
                    },
                })
            }
            Q::Set(set) => {
                let stored = Stored {
                    value: set.value.into_bytes().into(),
                    deadline: (set.expires > 0).then(|| now_secs() + u64::from(set.expires)),
                };
                let key = bucket_key(&set.key);
                self.modify(&key, |_| Ok(Change::Write(stored.clone(), ())))
                    .await?;
                R::Unit
            }
            Q::ListAdd(add) => {
                let len = self
                    .modify(&bucket_key(&add.list_name), |current| {
                        let mut list = parse_list(current)?;
                        list.push(add.value.clone());
                        Ok(Change::Write(json(&list)?, list.len()))
                    })
                    .await?;
                R::Count(u32::try_from(len).unwrap_or(u32::MAX))
            }
            Q::ListDel(del) => R::Bool(
                self.modify(&bucket_key(&del.list_name), |current| {
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
                let (value, _) = self.read(&bucket_key(&range.list_name)).await?;
                let list = parse_list(value.as_ref())?;
                let span = list_range(list.len(), range.start, range.stop);
                R::Strings(list[span].to_vec())
            }
            Q::SetAdd(add) => R::Count(
                self.modify(&bucket_key(&add.set_name), |current| {
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
                self.modify(&bucket_key(&del.set_name), |current| {
                    let mut set = parse_set(current)?;
                    if set.remove(&del.value) {
                        Ok(Change::Write(json(&set)?, 1))
                    } else {
                        Ok(Change::Keep(0))
                    }
                })
                .await?,
            ),
            Q::SetQuery(name) => {
                let (value, _) = self.read(&bucket_key(&name)).await?;
                R::Strings(parse_set(value.as_ref())?.into_iter().collect())
            }
            Q::SetIntersection(names) | Q::SetUnion(names) if names.is_empty() => {
                R::Strings(Vec::new())
            }
            Q::SetIntersection(names) => {
                let mut result: Option<BTreeSet<String>> = None;
                for name in &names {
                    let (value, _) = self.read(&bucket_key(name)).await?;
                    let set = parse_set(value.as_ref())?;
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
                    let (value, _) = self.read(&bucket_key(name)).await?;
                    result.extend(parse_set(value.as_ref())?);
                }
                R::Strings(result.into_iter().collect())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Valid NATS keys pass through; others (and look-alikes of encoded keys) are encoded reversibly.
    #[test]
    fn keys_fit_the_kv_alphabet() {
        assert_eq!(bucket_key("counter"), "counter");
        assert_eq!(bucket_key("a/b=c.d-e_f"), "a/b=c.d-e_f");
        for odd in [
            "count:/",
            "",
            ".a",
            "a.",
            "a..b",
            "with space",
            "b64_x",
            "ü",
        ] {
            let encoded = bucket_key(odd);
            assert!(encoded.starts_with(ENCODED_PREFIX), "{odd:?} → {encoded}");
            let back = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&encoded[ENCODED_PREFIX.len()..])
                .expect("base64");
            assert_eq!(back, odd.as_bytes());
        }
    }

    /// Plain values round-trip unchanged; expiring ones carry their deadline and vanish after it.
    #[test]
    fn stored_values_and_expiry() {
        let plain = Stored::plain("42");
        assert_eq!(plain.encode(), Bytes::from("42"));
        assert_eq!(Stored::decode(&plain.encode()), Some(plain));
        let live = Stored {
            value: Bytes::from("v"),
            deadline: Some(now_secs() + 60),
        };
        assert_eq!(Stored::decode(&live.encode()), Some(live));
        let dead = Stored {
            value: Bytes::from("v"),
            deadline: Some(now_secs() - 1),
        };
        assert_eq!(Stored::decode(&dead.encode()), None);
        assert_eq!(Stored::decode(&Bytes::from_static(&[EXPIRING, 1])), None);
    }
}
