//! Signing a module file into another file with a job's keys: the one operation behind
//! `wash claims sign` and `wash build`.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use wash_keys::{KeyPair, SigningKeys};

use crate::module::append_token;
use crate::wasm::{strip, Hash};
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
    let claims = Claims::new(
        keys.issuer.public_key(),
        keys.subject.public_key(),
        job.actor,
    )
    .expires_in_days(job.expires_in_days)
    .not_before_days(job.not_before_days);
    keys.write_signed(&job.destination, |output, keys| {
        sign_into(&job.module, output, claims, &keys.issuer.pair)
    })
}

/// Read buffer for the walk over the module.
const READ_BUFFER: usize = 256 * 1024;
/// The kernel copy goes in steps of this size, so a walk that fails early stops it soon.
const COPY_STEP: u64 = 4 << 20;

/// Signs `module` into `output` (an empty file). Two things run at once: a kernel copy of the module
/// into `output` (`copy_file_range` where the filesystem has it, no bytes through this process) and
/// the walk that hashes the module. When the walk finds nothing to strip (no JWT section and every
/// size minimal, as compilers write modules), the copy is the signed module's body and only the token
/// is appended; otherwise the copy is dropped and the module is streamed through the stripping writer.
fn sign_into(
    module: &Path,
    output: &File,
    claims: Claims<Actor>,
    issuer: &KeyPair,
) -> Result<Token<Actor>, ClaimsError> {
    let open = || {
        File::open(module).map_err(|source| ClaimsError::Read {
            path: module.to_owned(),
            source,
        })
    };
    let failed = |source: ClaimsError| ClaimsError::SignFile {
        module: module.to_owned(),
        source: Box::new(source),
    };
    let input = open()?;
    let copy_from = open()?;
    let stop = AtomicBool::new(false);
    let (walked, copied) = std::thread::scope(|scope| {
        let copier = scope.spawn(|| copy_until(copy_from, output, &stop));
        let walked = strip(
            BufReader::with_capacity(READ_BUFFER, input),
            io::sink(),
            Hash::Module,
        );
        // The copy is of no use if the walk failed or found something to strip: stop it.
        if !walked.as_ref().is_ok_and(|w| w.identical) {
            stop.store(true, Ordering::Relaxed);
        }
        let copied = copier
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (walked, copied)
    });
    let walked = walked.map_err(failed)?;
    match copied {
        Ok(len) if walked.identical && len == walked.input_len => append_token(
            BufWriter::new(output),
            claims,
            walked.hash.unwrap_or_default(),
            issuer,
        )
        .map_err(failed),
        _ => {
            // Something to strip (or the copy failed): start over, streaming.
            let mut file = output;
            file.set_len(0)
                .and_then(|()| file.seek(SeekFrom::Start(0)).map(drop))
                .map_err(|e| failed(e.into()))?;
            sign_module(
                BufReader::with_capacity(READ_BUFFER, open()?),
                BufWriter::with_capacity(READ_BUFFER, output),
                claims,
                issuer,
            )
            .map_err(failed)
        }
    }
}

/// Copies `from` to the end of `to` in kernel steps until the end or until `stop` is set, then
/// writes the copy to disk (`fdatasync`). That last step runs here, beside the hashing, rather than
/// inside the final rename: a rename that replaces a file makes ext4 flush the new file's data first
/// (its safeguard for replace-by-rename), which would put the write on the critical path. The signed
/// module is on disk before it replaces the old one.
fn copy_until(mut from: File, to: &File, stop: &AtomicBool) -> io::Result<u64> {
    let mut to = to;
    let mut total = 0;
    while !stop.load(Ordering::Relaxed) {
        let copied = io::copy(&mut (&mut from).take(COPY_STEP), &mut to)?;
        total += copied;
        if copied < COPY_STEP {
            break;
        }
    }
    if !stop.load(Ordering::Relaxed) {
        to.sync_data()?;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use wash_keys::{KeyKind, KeyRequest, KeyStore};

    use super::*;
    use crate::wasm::write_jwt_section;

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

    /// An unsigned module (copied by the kernel, token appended) and modules with something to
    /// strip (old tokens, a non-minimal size: streamed) come out as the stripped module plus the new
    /// token, which verifies; the destination may already exist.
    #[test]
    fn both_signing_paths_write_the_stripped_module_and_the_token() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::new(tmp.path().join("keys"));
        let mut keys = keys(&store);
        let destination = tmp.path().join("out_s.wasm");
        for (name, unchanged) in [
            ("tiny.wasm", true),
            ("tiny_s.wasm", false),
            ("strip_in.wasm", false),
        ] {
            let module = std::fs::read(vector(name)).unwrap();
            let mut expected = Vec::new();
            let walked = strip(&module[..], &mut expected, Hash::Nothing).unwrap();
            assert_eq!(walked.identical, unchanged, "{name}");
            let job = ModuleSigning {
                module: vector(name),
                destination: destination.clone(),
                ..ModuleSigning::default()
            };
            let token = sign_module_file(job, &mut keys).unwrap();
            write_jwt_section(&mut expected, &token.jwt).unwrap();
            let signed = std::fs::read(&destination).unwrap();
            assert_eq!(signed, expected, "{name}");
            let claims = crate::verify_module(&signed).unwrap();
            assert_eq!(token.claims.module_hash(), claims.module_hash(), "{name}");
        }
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
