//! Signing a module file into another file with a job's keys: the one operation behind
//! `wash claims sign` and `wash build`.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::PathBuf;

use wash_keys::SigningKeys;

use crate::{sign_module, Actor, Claims, ClaimsError, Token};

/// What [`sign_module_file`] signs: the module, where the signed copy goes, and the actor's claims.
#[derive(Debug, Clone, Default)]
pub struct ModuleSigning {
    /// The module to sign.
    pub module: PathBuf,
    /// Where the signed module is written (its folder must exist).
    pub destination: PathBuf,
    /// The actor's metadata (`hash` is filled in).
    pub actor: Actor,
    /// The claims expire this many days from now.
    pub expires_in_days: Option<u64>,
    /// The claims are not valid until this many days from now.
    pub not_before_days: Option<u64>,
}

/// Signs `job.module` into `job.destination` with claims for `keys.subject` signed by `keys.issuer`.
/// The destination is written atomically and keys generated for the job are saved only after it:
/// on any error nothing is written. Returns the token embedded.
pub fn sign_module_file(
    job: ModuleSigning,
    keys: &mut SigningKeys,
) -> Result<Token<Actor>, ClaimsError> {
    let input = File::open(&job.module).map_err(|source| ClaimsError::Read {
        path: job.module.clone(),
        source,
    })?;
    let claims = Claims::new(
        keys.issuer.public_key(),
        keys.subject.public_key(),
        job.actor,
    )
    .expires_in_days(job.expires_in_days)
    .not_before_days(job.not_before_days);
    keys.write_signed(&job.destination, |output, keys| {
        sign_module(
            BufReader::with_capacity(256 * 1024, input),
            BufWriter::with_capacity(256 * 1024, output),
            claims,
            &keys.issuer.pair,
        )
        .map_err(|source| ClaimsError::SignFile {
            module: job.module.clone(),
            source: Box::new(source),
        })
    })
}

#[cfg(test)]
mod tests {
    use wash_keys::{KeyKind, KeyRequest, KeyStore};

    use super::*;

    fn keys(store: &KeyStore) -> SigningKeys {
        let request = |flag: &str, kind, name: &str| KeyRequest {
            kind,
            flag: flag.into(),
            flag_value: None,
            // A variable no test sets, so the process environment cannot interfere.
            env_var: "WASH_CLAIMS_TEST_UNSET_VARIABLE".into(),
            store_name: name.into(),
            keygen: true,
        };
        SigningKeys::resolve(
            store.clone(),
            &request("--issuer", KeyKind::Account, "me_account"),
            &request("--subject", KeyKind::Module, "tiny_module"),
        )
        .unwrap()
    }

    fn vector(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/vectors/wash")
            .join(name)
    }

    /// A signed file verifies with the job's keys, which are then saved; a module that is not wasm
    /// writes neither the file nor the keys and says which module failed.
    #[test]
    fn signs_the_file_and_saves_keys_only_on_success() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::new(tmp.path().join("keys"));
        let bad = tmp.path().join("bad.wasm");
        std::fs::write(&bad, b"hello").unwrap();
        let destination = tmp.path().join("out_s.wasm");
        let job = |module: PathBuf| ModuleSigning {
            module,
            destination: destination.clone(),
            actor: Actor {
                name: Some("Tiny".into()),
                ..Actor::default()
            },
            ..ModuleSigning::default()
        };
        let err = sign_module_file(job(bad.clone()), &mut keys(&store)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("failed to sign `{}`", bad.display())
        );
        assert!(!destination.exists());
        assert!(store.list().unwrap().is_empty());

        let mut keys = keys(&store);
        let token = sign_module_file(job(vector("tiny.wasm")), &mut keys).unwrap();
        let claims = crate::verify_module(&std::fs::read(&destination).unwrap()).unwrap();
        assert_eq!(claims.public_key(), keys.subject.public_key());
        assert_eq!(claims.issuer(), keys.issuer.public_key());
        assert_eq!(token.claims.module_hash(), claims.module_hash());
        assert_eq!(store.list().unwrap(), ["me_account", "tiny_module"]);
    }

    /// A missing module is a read error naming it.
    #[test]
    fn missing_module_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let job = ModuleSigning {
            module: tmp.path().join("nope.wasm"),
            destination: tmp.path().join("out.wasm"),
            ..ModuleSigning::default()
        };
        let err = sign_module_file(job, &mut keys(&KeyStore::new(tmp.path()))).unwrap_err();
        assert!(err.to_string().starts_with("failed to read `"), "{err}");
    }
}
