//! Archive files written with a job's keys: the one packing operation behind `wash par create`,
//! `wash par insert` and `wash build`.

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use wash_claims::{CapabilityProvider, Token};
use wash_keys::SigningKeys;

use crate::{create, insert, BinarySource, ParError, ProviderSpec};

/// What [`create_file`] packs: one binary for one target, and where the archive goes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArchivePacking {
    /// Where the archive is written (its folder must exist).
    pub destination: PathBuf,
    /// The provider metadata for the claims.
    pub spec: ProviderSpec,
    /// The binary's target (`x86_64-linux`).
    pub target: String,
    /// The provider executable.
    pub binary: PathBuf,
    /// Whether to gzip the archive.
    pub compress: bool,
}

/// Packs `job.binary` into a new archive at `job.destination`, with claims for `keys.subject` signed
/// by `keys.issuer`. The file is written atomically and keys generated for the job are saved only
/// after it: on any error nothing is written. Returns the claims token.
pub fn create_file(
    job: ArchivePacking,
    keys: &mut SigningKeys,
) -> Result<Token<CapabilityProvider>, ParError> {
    let binaries = [(job.target, BinarySource::File(job.binary))];
    let destination = job.destination;
    keys.write_signed(&destination, |out, keys| {
        create(
            BufWriter::with_capacity(256 * 1024, out),
            job.spec,
            &binaries,
            &keys.issuer.pair,
            &keys.subject.public_key(),
            job.compress,
        )
        .map_err(|source| failed("create", &destination, source))
    })
}

/// Adds (or replaces) `target`'s binary in the archive file `archive`, re-signed with `keys` (whose
/// subject must be the archive's service key), rewriting the file atomically; keys generated for the
/// job are saved only after it. Returns the new claims token.
pub fn insert_file(
    archive: &Path,
    target: &str,
    binary: &Path,
    keys: &mut SigningKeys,
) -> Result<Token<CapabilityProvider>, ParError> {
    let binary = BinarySource::File(binary.to_owned());
    keys.write_signed(archive, |out, keys| {
        insert(
            archive,
            BufWriter::with_capacity(256 * 1024, out),
            target,
            &binary,
            &keys.issuer.pair,
            &keys.subject.public_key(),
        )
        .map(|(token, _)| token)
        .map_err(|source| failed("insert into", archive, source))
    })
}

fn failed(action: &'static str, archive: &Path, source: ParError) -> ParError {
    ParError::Archive {
        action,
        path: archive.to_owned(),
        source: Box::new(source),
    }
}

#[cfg(test)]
mod tests {
    use wash_keys::{KeyKind, KeyRequest, KeyStore};

    use super::*;
    use crate::ProviderArchive;

    fn keys(store: &KeyStore, keygen: bool) -> SigningKeys {
        let request = |flag: &str, kind, name: &str| KeyRequest {
            kind,
            flag: flag.into(),
            flag_value: None,
            // A variable no test sets, so the process environment cannot interfere.
            env_var: "WASH_PAR_TEST_UNSET_VARIABLE".into(),
            store_name: name.into(),
            keygen,
        };
        SigningKeys::resolve(
            store.clone(),
            &request("--issuer", KeyKind::Account, "me_account"),
            &request("--subject", KeyKind::Service, "prov_service"),
        )
        .unwrap()
    }

    /// `create_file` writes a loadable archive and saves the keys; `insert_file` adds a target with
    /// the same keys; a missing binary writes nothing and names the archive.
    #[test]
    fn create_then_insert_and_failures_write_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::new(tmp.path().join("keys"));
        let binary = tmp.path().join("prov");
        std::fs::write(&binary, b"#!/bin/sh\n").unwrap();
        let destination = tmp.path().join("prov.par.gz");
        let job = |binary: PathBuf| ArchivePacking {
            destination: destination.clone(),
            spec: ProviderSpec {
                capid: "wasmcloud:example".into(),
                vendor: "Acme".into(),
                ..ProviderSpec::default()
            },
            target: "x86_64-linux".into(),
            binary,
            compress: true,
        };
        let err =
            create_file(job(tmp.path().join("missing")), &mut keys(&store, true)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("failed to create `{}`", destination.display())
        );
        assert!(!destination.exists());
        assert!(store.list().unwrap().is_empty());

        let mut created_with = keys(&store, true);
        create_file(job(binary.clone()), &mut created_with).unwrap();
        assert_eq!(store.list().unwrap(), ["me_account", "prov_service"]);
        let mut stored = keys(&store, false);
        insert_file(&destination, "aarch64-linux", &binary, &mut stored).unwrap();
        let archive = ProviderArchive::load(&std::fs::read(&destination).unwrap()).unwrap();
        assert!(archive.is_compressed());
        assert_eq!(archive.targets(), ["x86_64-linux", "aarch64-linux"]);
        assert_eq!(
            archive.claims().public_key(),
            created_with.subject.public_key()
        );
    }
}
