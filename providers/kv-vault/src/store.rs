//! One actor's corner of Vault as a [`CasStore`]: each key one secret (named by `keys`), its value
//! and expiry deadline as the secret's fields, every change a check-and-set write against the
//! version that was read. Deletion writes an empty tombstone version the same way. The
//! `wasmcloud:keyvalue` semantics on top live in `wash_provider::keyvalue`.

use std::borrow::Cow;

use serde_json::{Map, Value};
use wash_provider::keyvalue::{CasStore, Stored, Versioned, Written};

use crate::keys::secret_name;
use crate::vault::Vault;

/// Field of a secret that holds the value.
const VALUE: &str = "value";
/// Field of a secret that holds the expiry deadline (seconds since the epoch).
const EXPIRES_AT: &str = "expires_at";

/// The value a secret's data holds: `None` for a tombstone or a foreign shape.
fn from_data(data: Option<&Map<String, Value>>) -> Option<Stored> {
    let data = data?;
    let value = data.get(VALUE)?.as_str()?.to_owned();
    let deadline = data.get(EXPIRES_AT).and_then(Value::as_u64);
    Some(Stored {
        value: value.into(),
        deadline,
    })
}

fn to_data(stored: &Stored) -> Map<String, Value> {
    let mut data = Map::new();
    // Values only ever come from actors' strings, so this is lossless.
    let value = String::from_utf8_lossy(&stored.value).into_owned();
    data.insert(VALUE.into(), Value::String(value));
    if let Some(deadline) = stored.deadline {
        data.insert(EXPIRES_AT.into(), Value::from(deadline));
    }
    data
}

impl CasStore for Vault {
    const MAX_ATTEMPTS: u32 = 200;

    fn key<'k>(&self, key: &'k str) -> Result<Cow<'k, str>, String> {
        secret_name(key)
    }

    async fn read(&self, name: &str) -> Result<Versioned, String> {
        let secret = Vault::read(self, name).await?;
        Ok(Versioned {
            value: from_data(secret.data.as_ref()),
            version: secret.version,
        })
    }

    async fn put(&self, name: &str, value: &Stored, version: u64) -> Result<Written, String> {
        Vault::write(self, name, to_data(value), version).await
    }

    /// Writes an empty tombstone version, then soft-deletes it.
    async fn delete(&self, name: &str, version: u64) -> Result<Written, String> {
        let written = Vault::write(self, name, Map::new(), version).await?;
        if let Written::Stored(Some(tombstone)) = written {
            // Hide the tombstone from `vault kv get` too; later versions are untouched.
            // Failing here changes nothing the actor can observe.
            if let Err(e) = self.delete_version(name, tombstone).await {
                tracing::debug!(error = %e, "could not soft-delete a tombstone version");
            }
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values round-trip through secret data with their deadline (expired ones too: the shared
    /// operations hide those); tombstones and foreign shapes read as absent.
    #[test]
    fn secret_data_and_expiry() {
        let plain = Stored::plain("42");
        assert_eq!(from_data(Some(&to_data(&plain))), Some(plain.clone()));
        let live = Stored::expiring("v", 60);
        assert_eq!(from_data(Some(&to_data(&live))), Some(live));
        let dead = Stored {
            value: "v".into(),
            deadline: Some(wash_provider::keyvalue::cas::now_secs() - 1),
        };
        assert_eq!(from_data(Some(&to_data(&dead))), Some(dead.clone()));
        assert!(!dead.is_live());
        assert_eq!(from_data(Some(&Map::new())), None, "tombstone");
        assert_eq!(from_data(None), None);
        let mut foreign = Map::new();
        foreign.insert(VALUE.into(), Value::from(5));
        assert_eq!(from_data(Some(&foreign)), None);
    }
}
