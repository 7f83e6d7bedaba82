//! One JetStream KV bucket as a [`CasStore`]: keys mapped onto the NATS key alphabet, values with an
//! optional expiry header, revision-checked writes and deletes (no lost update, even across provider
//! processes). The `wasmcloud:keyvalue` semantics on top live in `wash_provider::keyvalue`.

use std::borrow::Cow;

use async_nats::jetstream::kv::{Operation, Store, UpdateError, UpdateErrorKind};
use bytes::Bytes;
use wash_provider::keyvalue::{store_name, CasStore, Stored, Versioned, Written};

/// First byte of a stored value that carries an expiry deadline (never the start of UTF-8 text).
const EXPIRING: u8 = 0xFF;

/// Decodes stored bytes: plain text, or [`EXPIRING`], an 8-byte big-endian deadline, the value.
/// A truncated header is `None`.
fn decode(bytes: &Bytes) -> Option<Stored> {
    if bytes.first() != Some(&EXPIRING) {
        return Some(Stored::plain(bytes.clone()));
    }
    let deadline = u64::from_be_bytes(bytes.get(1..9)?.try_into().ok()?);
    Some(Stored {
        value: bytes.slice(9..),
        deadline: Some(deadline),
    })
}

fn encode(stored: &Stored) -> Bytes {
    match stored.deadline {
        None => stored.value.clone(),
        Some(deadline) => {
            let mut out = Vec::with_capacity(9 + stored.value.len());
            out.push(EXPIRING);
            out.extend_from_slice(&deadline.to_be_bytes());
            out.extend_from_slice(&stored.value);
            out.into()
        }
    }
}

/// Maps an actor's key onto the NATS KV key alphabet (`[-/_=.A-Za-z0-9]`, no empty tokens); other
/// keys (and keys that look encoded) become `b64_<base64url>`.
pub fn bucket_key(key: &str) -> Cow<'_, str> {
    store_name(key, |key| {
        !key.is_empty()
            && !key.starts_with('.')
            && !key.ends_with('.')
            && !key.contains("..")
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'/' | b'_' | b'=' | b'.'))
    })
}

/// A linked actor's bucket.
pub struct Bucket {
    store: Store,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket")
            .field("name", &self.store.name)
            .finish()
    }
}

impl Bucket {
    /// Wraps an opened KV store.
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

fn kv_error(what: &str, e: impl std::fmt::Display) -> String {
    format!("keyvalue {what} failed: {e}")
}

impl CasStore for Bucket {
    const MAX_ATTEMPTS: u32 = 1000;

    fn key<'k>(&self, key: &'k str) -> Result<Cow<'k, str>, String> {
        Ok(bucket_key(key))
    }

    /// The value of `name` and its revision (0 when it never existed).
    async fn read(&self, name: &str) -> Result<Versioned, String> {
        let entry = self
            .store
            .entry(name)
            .await
            .map_err(|e| kv_error("read", e))?;
        Ok(match entry {
            None => Versioned {
                value: None,
                version: 0,
            },
            Some(entry) => Versioned {
                value: match entry.operation {
                    Operation::Put => decode(&entry.value),
                    Operation::Delete | Operation::Purge => None,
                },
                version: entry.revision,
            },
        })
    }

    async fn put(&self, name: &str, value: &Stored, version: u64) -> Result<Written, String> {
        match self.store.update(name, encode(value), version).await {
            Ok(revision) => Ok(Written::Stored(Some(revision))),
            Err(e) => conflict_or(e, "write"),
        }
    }

    async fn delete(&self, name: &str, version: u64) -> Result<Written, String> {
        match self.store.delete_expect_revision(name, Some(version)).await {
            // JetStream does not report the revision of a delete marker.
            Ok(()) => Ok(Written::Stored(None)),
            Err(e) => conflict_or(e, "delete"),
        }
    }
}

/// A revision conflict, or the failure of `what`.
fn conflict_or(e: UpdateError, what: &str) -> Result<Written, String> {
    match e.kind() {
        UpdateErrorKind::WrongLastRevision => Ok(Written::Conflict),
        _ => Err(kv_error(what, e)),
    }
}

#[cfg(test)]
mod tests {
    use wash_provider::keyvalue::names::ENCODED_PREFIX;

    use super::*;

    /// Valid NATS keys pass through; others (and look-alikes of encoded keys) are encoded.
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
        }
    }

    /// Plain values round-trip unchanged; expiring ones carry their deadline (expired ones too: the
    /// shared operations hide those); a truncated header reads as absent.
    #[test]
    fn stored_values_and_expiry() {
        let plain = Stored::plain("42");
        assert_eq!(encode(&plain), Bytes::from("42"));
        assert_eq!(decode(&encode(&plain)), Some(plain));
        let live = Stored::expiring("v", 60);
        assert_eq!(decode(&encode(&live)), Some(live.clone()));
        assert!(decode(&encode(&live)).is_some_and(|s| s.is_live()));
        let dead = Stored {
            value: Bytes::from("v"),
            deadline: Some(wash_provider::keyvalue::cas::now_secs() - 1),
        };
        assert_eq!(decode(&encode(&dead)), Some(dead.clone()));
        assert!(!dead.is_live());
        assert_eq!(decode(&Bytes::from_static(&[EXPIRING, 1])), None);
    }
}
