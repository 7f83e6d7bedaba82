//! The keys of one signing job (an issuer and a subject from one store) and the job's atomic write:
//! new keys are saved only once the signed file is in place.

use std::path::Path;

use crate::{resolve_unsaved, AtomicFile, KeyError, KeyRequest, KeyStore, ResolvedKey};

/// The issuer and subject keys a signing job uses, found by [`SigningKeys::resolve`]; keys generated
/// for the job are saved to `store` by [`SigningKeys::commit`] (which [`SigningKeys::write_signed`]
/// calls once the job's file is written).
#[derive(Debug, Clone)]
pub struct SigningKeys {
    /// The key store that keys are looked up in and new keys saved to.
    pub store: KeyStore,
    /// The key that signs (an account or operator key).
    pub issuer: ResolvedKey,
    /// The key the claims are about (module, service, account).
    pub subject: ResolvedKey,
}

impl SigningKeys {
    /// Finds the issuer, then the subject key (see [`resolve`](crate::resolve) for the order), without
    /// saving a generated one yet. Errors say which key was not found.
    pub fn resolve(
        store: KeyStore,
        issuer: &KeyRequest,
        subject: &KeyRequest,
    ) -> Result<Self, KeyError> {
        let issuer = find(&store, issuer)?;
        let subject = find(&store, subject)?;
        Ok(Self {
            store,
            issuer,
            subject,
        })
    }

    /// Saves the keys generated for this job (a no-op for keys that came from elsewhere).
    pub fn commit(&mut self) -> Result<(), KeyError> {
        save(&self.store, "issuer", &mut self.issuer)?;
        save(&self.store, "subject", &mut self.subject)
    }

    /// Writes `destination` atomically: `write` fills a temp file beside it using these keys; only
    /// when it succeeds is the file renamed over `destination` and are new keys saved. On any error
    /// nothing is written, neither the file nor a key.
    pub fn write_signed<T, E: From<KeyError>>(
        &mut self,
        destination: &Path,
        write: impl FnOnce(&std::fs::File, &Self) -> Result<T, E>,
    ) -> Result<T, E> {
        let file = AtomicFile::create(destination)?;
        let result = write(file.file(), self)?;
        file.commit()?;
        self.commit()?;
        Ok(result)
    }
}

/// [`resolve_unsaved`], with an error that names the key's role (`issuer` from `--issuer`).
pub fn find(store: &KeyStore, request: &KeyRequest) -> Result<ResolvedKey, KeyError> {
    resolve_unsaved(store, request).map_err(|source| KeyError::Lookup {
        role: request.flag.trim_start_matches('-').to_owned(),
        source: Box::new(source),
    })
}

fn save(store: &KeyStore, role: &str, key: &mut ResolvedKey) -> Result<(), KeyError> {
    key.commit(store).map_err(|source| KeyError::Save {
        role: role.to_owned(),
        source: Box::new(source),
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::KeyKind;

    fn request(flag: &str, kind: KeyKind, name: &str) -> KeyRequest {
        KeyRequest {
            kind,
            flag: flag.into(),
            flag_value: None,
            // A variable no test sets, so the process environment cannot interfere.
            env_var: "WASH_KEYS_TEST_UNSET_VARIABLE".into(),
            store_name: name.into(),
            keygen: true,
        }
    }

    /// A failing job writes neither its file nor its generated keys; a succeeding one writes both.
    #[test]
    fn keys_are_saved_only_with_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::new(tmp.path().join("keys"));
        let issuer = request("--issuer", KeyKind::Account, "me_account");
        let subject = request("--subject", KeyKind::Module, "echo_module");
        let destination = tmp.path().join("out.wasm");
        let mut keys = SigningKeys::resolve(store.clone(), &issuer, &subject).unwrap();
        let failed: Result<(), KeyError> =
            keys.write_signed(&destination, |_, _| Err(KeyError::UnknownKind("x".into())));
        assert!(failed.is_err());
        assert!(!destination.exists());
        assert!(store.list().unwrap().is_empty());
        let subject_pk = keys
            .write_signed(&destination, |mut file, keys| {
                file.write_all(b"signed").map_err(|source| KeyError::Io {
                    action: "write",
                    path: destination.clone(),
                    source,
                })?;
                Ok::<_, KeyError>(keys.subject.public_key())
            })
            .unwrap();
        assert_eq!(std::fs::read(&destination).unwrap(), b"signed");
        assert_eq!(store.list().unwrap(), ["echo_module", "me_account"]);
        assert!(subject_pk.starts_with('M'));
    }

    /// A key that cannot be found is reported with its role.
    #[test]
    fn lookup_errors_name_the_role() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::new(tmp.path());
        let issuer = request("--issuer", KeyKind::Account, "me_account");
        let subject = request("--subject", KeyKind::Module, "echo_module").keygen(false);
        let err = SigningKeys::resolve(store, &issuer, &subject).unwrap_err();
        assert_eq!(err.to_string(), "failed to find the subject key");
        assert!(matches!(
            err,
            KeyError::Lookup { source, .. } if matches!(*source, KeyError::KeygenDisabled { .. })
        ));
    }
}
