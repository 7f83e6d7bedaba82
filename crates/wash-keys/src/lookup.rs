//! The lookup order for signing keys: flag > environment variable > key store > newly generated.

use std::fmt;
use std::path::{Path, PathBuf};

use nkeys::KeyPair;

use crate::{generate, parse_seed_of_kind, KeyError, KeyKind, KeyStore};

/// What a command needs: a key of one kind, and the places it may come from.
#[derive(Debug, Clone)]
pub struct KeyRequest {
    /// The kind of key needed (account for an issuer, module for an actor's subject, ...).
    pub kind: KeyKind,
    /// The flag that supplies it, for messages (`--issuer`).
    pub flag: String,
    /// The flag's value, if given: a path to a seed file, or a seed.
    pub flag_value: Option<String>,
    /// The environment variable that supplies it (`WASH_ISSUER_KEY`), read by [`resolve`].
    pub env_var: String,
    /// The store name to use when neither flag nor variable is set (`alice_account`).
    pub store_name: String,
    /// Whether a missing key may be generated and saved under `store_name`.
    pub keygen: bool,
}

impl KeyRequest {
    /// An issuer key request: flag `--issuer`, variable `WASH_ISSUER_KEY`.
    pub fn issuer(kind: KeyKind, flag_value: Option<String>, store_name: String) -> Self {
        Self {
            kind,
            flag: "--issuer".into(),
            flag_value,
            env_var: "WASH_ISSUER_KEY".into(),
            store_name,
            keygen: true,
        }
    }

    /// A subject key request: flag `--subject`, variable `WASH_SUBJECT_KEY`.
    pub fn subject(kind: KeyKind, flag_value: Option<String>, store_name: String) -> Self {
        Self {
            kind,
            flag: "--subject".into(),
            flag_value,
            env_var: "WASH_SUBJECT_KEY".into(),
            store_name,
            keygen: true,
        }
    }

    /// The same request with key generation allowed or not (`--disable-keygen` passes `false`).
    pub fn keygen(mut self, allowed: bool) -> Self {
        self.keygen = allowed;
        self
    }
}

/// Where a resolved key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// The command-line flag: a seed, or a file named by it.
    Flag {
        /// The flag (`--issuer`).
        flag: String,
        /// The seed file, when the flag named one.
        file: Option<PathBuf>,
    },
    /// The environment variable: a seed, or a file named by it.
    Env {
        /// The variable (`WASH_ISSUER_KEY`).
        var: String,
        /// The seed file, when the variable named one.
        file: Option<PathBuf>,
    },
    /// An existing key in the store.
    Store {
        /// The key file.
        path: PathBuf,
    },
    /// A new key, generated and saved in the store.
    Generated {
        /// The key file it was saved to.
        path: PathBuf,
    },
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Flag { flag, file: None } => write!(f, "from `{flag}`"),
            KeySource::Flag {
                flag,
                file: Some(file),
            } => write!(f, "from `{}` (given by `{flag}`)", file.display()),
            KeySource::Env { var, file: None } => write!(f, "from `${var}`"),
            KeySource::Env {
                var,
                file: Some(file),
            } => write!(f, "from `{}` (given by `${var}`)", file.display()),
            KeySource::Store { path } => write!(f, "from `{}`", path.display()),
            KeySource::Generated { path } => {
                write!(f, "newly generated and saved to `{}`", path.display())
            }
        }
    }
}

/// A key found by [`resolve`], with where it came from.
#[derive(Debug, Clone)]
pub struct ResolvedKey {
    /// The key pair (always with a seed).
    pub pair: KeyPair,
    /// Where it came from.
    pub source: KeySource,
}

impl ResolvedKey {
    /// The public key (`A...`, `M...`, ...).
    pub fn public_key(&self) -> String {
        self.pair.public_key()
    }
}

/// Finds the key `request` asks for: flag, then the environment variable, then the store, then a new
/// key saved to the store (unless generation is off, which is then an error naming what to pass).
pub fn resolve(store: &KeyStore, request: &KeyRequest) -> Result<ResolvedKey, KeyError> {
    if let Some(value) = request.flag_value.as_deref().filter(|v| !v.is_empty()) {
        let (pair, file) = from_value(value, request.kind, &format!("`{}`", request.flag))?;
        let flag = request.flag.clone();
        return Ok(ResolvedKey {
            pair,
            source: KeySource::Flag { flag, file },
        });
    }
    if let Ok(value) = std::env::var(&request.env_var) {
        if !value.is_empty() {
            let (pair, file) =
                from_value(&value, request.kind, &format!("`${}`", request.env_var))?;
            let var = request.env_var.clone();
            return Ok(ResolvedKey {
                pair,
                source: KeySource::Env { var, file },
            });
        }
    }
    let path = store.path_of(&request.store_name)?;
    if path.is_file() {
        let seed = store.read_seed(&request.store_name)?;
        let pair = parse_seed_of_kind(&seed, request.kind, &format!("`{}`", path.display()))
            .map_err(|e| wrap_bad_seed(e, &format!("key file `{}`", path.display())))?;
        return Ok(ResolvedKey {
            pair,
            source: KeySource::Store { path },
        });
    }
    if !request.keygen {
        return Err(KeyError::KeygenDisabled {
            kind: request.kind,
            path,
            flag: request.flag.clone(),
            env: request.env_var.clone(),
        });
    }
    let pair = generate(request.kind);
    let path = store.save(&request.store_name, &pair)?;
    Ok(ResolvedKey {
        pair,
        source: KeySource::Generated { path },
    })
}

/// A flag or variable value: a path to a seed file if such a file exists, else a seed.
fn from_value(
    value: &str,
    kind: KeyKind,
    what: &str,
) -> Result<(KeyPair, Option<PathBuf>), KeyError> {
    let path = Path::new(value);
    if path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Io {
            action: "read",
            path: path.to_owned(),
            source,
        })?;
        let what = format!("file `{value}` (given by {what})");
        let pair =
            parse_seed_of_kind(text.trim(), kind, &what).map_err(|e| wrap_bad_seed(e, &what))?;
        return Ok((pair, Some(path.to_owned())));
    }
    let looks_like_path = value.contains(std::path::MAIN_SEPARATOR) || value.ends_with(".nk");
    let pair = parse_seed_of_kind(value.trim(), kind, what).map_err(|e| {
        if looks_like_path && !matches!(e, KeyError::WrongKind { .. }) {
            KeyError::Io {
                action: "read",
                path: path.to_owned(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such file, and not a seed",
                ),
            }
        } else {
            wrap_bad_seed(e, what)
        }
    })?;
    Ok((pair, None))
}

fn wrap_bad_seed(err: KeyError, what: &str) -> KeyError {
    match err {
        KeyError::WrongKind { .. } => err,
        other => KeyError::BadSeedFrom {
            what: what.to_owned(),
            source: Box::new(other),
        },
    }
}

/// The store name of the account key used when none is given: `<$USER>_account` (`user_account` when
/// `USER` is unset), as wash 0.x did, so one account signs everything a user makes.
pub fn default_account_key_name() -> String {
    let user = std::env::var("USER").ok().filter(|u| !u.is_empty());
    format!("{}_account", sanitize(user.as_deref().unwrap_or("user")))
}

/// The store name of a subject key for an artifact: `<file stem>_<kind>` (`echo.wasm` →
/// `echo_module`, `-b my-prov` → `my-prov_service`).
pub fn subject_key_name(artifact: &Path, kind: KeyKind) -> String {
    let stem = artifact
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "artifact".into());
    format!("{}_{}", sanitize(&stem), kind.name())
}

fn sanitize(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    cleaned.trim_start_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed_of;

    const ACCOUNT_SEED: &str = "SAAACAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAKM5I";
    const ACCOUNT_PK: &str = "ACFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVYYOU";

    fn request(flag_value: Option<&str>) -> KeyRequest {
        KeyRequest {
            kind: KeyKind::Account,
            flag: "--issuer".into(),
            flag_value: flag_value.map(str::to_owned),
            // A variable no test sets, so the process environment cannot interfere.
            env_var: "WASH_KEYS_TEST_UNSET_VARIABLE".into(),
            store_name: "tester_account".into(),
            keygen: true,
        }
    }

    /// A seed passed on the flag wins over a stored key, and the source says so.
    #[test]
    fn flag_seed_wins_over_store() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::new(tmp.path());
        store
            .save("tester_account", &generate(KeyKind::Account))
            .unwrap();
        let key = resolve(&store, &request(Some(ACCOUNT_SEED))).unwrap();
        assert_eq!(key.public_key(), ACCOUNT_PK);
        assert_eq!(key.source.to_string(), "from `--issuer`");
    }

    /// A flag naming a seed file reads the file (a trailing newline is tolerated).
    #[test]
    fn flag_path_reads_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("acct.nk");
        std::fs::write(&file, format!("{ACCOUNT_SEED}\n")).unwrap();
        let store = KeyStore::new(tmp.path().join("store"));
        let key = resolve(&store, &request(Some(file.to_str().unwrap()))).unwrap();
        assert_eq!(key.public_key(), ACCOUNT_PK);
        assert_eq!(
            key.source,
            KeySource::Flag {
                flag: "--issuer".into(),
                file: Some(file)
            }
        );
    }

    /// Without flag or variable, the stored key is used; without one, a key is generated and saved.
    #[test]
    fn store_then_generate() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::new(tmp.path());
        let generated = resolve(&store, &request(None)).unwrap();
        let path = tmp.path().join("tester_account.nk");
        assert_eq!(
            generated.source,
            KeySource::Generated { path: path.clone() }
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            seed_of(&generated.pair).unwrap()
        );
        let again = resolve(&store, &request(None)).unwrap();
        assert_eq!(again.source, KeySource::Store { path });
        assert_eq!(again.public_key(), generated.public_key());
    }

    /// With generation disabled a missing key is an error naming the file, the flag and the variable,
    /// and nothing is written.
    #[test]
    fn disabled_keygen_is_a_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::new(tmp.path().join("keys"));
        let err = resolve(&store, &request(None).keygen(false))
            .unwrap_err()
            .to_string();
        assert!(err.contains("tester_account.nk"), "{err}");
        assert!(
            err.contains("`--issuer`") && err.contains("WASH_KEYS_TEST_UNSET_VARIABLE"),
            "{err}"
        );
        assert!(!tmp.path().join("keys").exists());
    }

    /// A key of the wrong kind on the flag is rejected; a missing file path is reported as such.
    #[test]
    fn wrong_kind_and_missing_file_are_errors() {
        let store = KeyStore::new("/nonexistent");
        let module = seed_of(&generate(KeyKind::Module)).unwrap();
        let err = resolve(&store, &request(Some(&module))).unwrap_err();
        assert!(
            matches!(
                err,
                KeyError::WrongKind {
                    found: KeyKind::Module,
                    ..
                }
            ),
            "{err}"
        );
        let err = resolve(&store, &request(Some("keys/missing.nk"))).unwrap_err();
        assert!(err.to_string().contains("keys/missing.nk"), "{err}");
    }

    /// Default store names follow wash 0.x: `<stem>_<kind>`, with unsafe characters replaced.
    #[test]
    fn store_names_follow_wash() {
        assert_eq!(
            subject_key_name(Path::new("sub/echo.wasm"), KeyKind::Module),
            "echo_module"
        );
        assert_eq!(
            subject_key_name(Path::new("my-prov"), KeyKind::Service),
            "my-prov_service"
        );
        assert_eq!(sanitize("a b/c"), "a_b_c");
        assert!(default_account_key_name().ends_with("_account"));
    }
}
