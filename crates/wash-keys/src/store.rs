//! The on-disk key store: one `<name>.nk` file per key holding the 58-character seed, no newline.
//!
//! The caller names the directory (wash uses `~/.wash/keys` unless `--directory`, `WASH_KEYS` or
//! `WASH_HOME` say otherwise; `wash_local::WashPaths` resolves that). It is created with mode 0700
//! and every key file is written atomically (temp file + rename) with mode 0600.

use std::io::Write;
use std::path::{Path, PathBuf};

use nkeys::KeyPair;

use crate::{parse_seed, seed_of, AtomicFile, KeyError, KeyKind};

/// The extension of key files.
pub const KEY_FILE_EXTENSION: &str = "nk";

/// A directory of `<name>.nk` seed files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStore {
    dir: PathBuf,
}

impl KeyStore {
    /// A store in `dir` (created on the first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory holding the key files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file a key named `name` lives in (`<dir>/<name>.nk`); a trailing `.nk` in `name` is dropped.
    pub fn path_of(&self, name: &str) -> Result<PathBuf, KeyError> {
        let name = normalize_name(name)?;
        Ok(self.dir.join(format!("{name}.{KEY_FILE_EXTENSION}")))
    }

    /// Whether a key named `name` exists.
    pub fn contains(&self, name: &str) -> bool {
        self.path_of(name).is_ok_and(|p| p.is_file())
    }

    /// Reads the seed string stored under `name` (surrounding whitespace, e.g. a newline added by an
    /// editor, is ignored).
    pub fn read_seed(&self, name: &str) -> Result<String, KeyError> {
        let path = self.path_of(name)?;
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(text.trim().to_owned()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(KeyError::NotInStore {
                name: normalize_name(name)?.to_owned(),
                dir: self.dir.clone(),
            }),
            Err(source) => Err(KeyError::Io {
                action: "read",
                path,
                source,
            }),
        }
    }

    /// Reads and decodes the key stored under `name`.
    pub fn get(&self, name: &str) -> Result<(KeyKind, KeyPair), KeyError> {
        let seed = self.read_seed(name)?;
        parse_seed(&seed).map_err(|e| KeyError::BadSeedFrom {
            what: format!(
                "key file `{}`",
                self.path_of(name).unwrap_or_default().display()
            ),
            source: Box::new(e),
        })
    }

    /// Saves `pair`'s seed as `<name>.nk` (atomically, mode 0600; the directory is created 0700) and
    /// returns the file's path. An existing file of that name is replaced.
    pub fn save(&self, name: &str, pair: &KeyPair) -> Result<PathBuf, KeyError> {
        let path = self.path_of(name)?;
        let seed = seed_of(pair)?;
        self.create_dir()?;
        let io = |action, source| KeyError::Io {
            action,
            path: path.clone(),
            source,
        };
        // The temp file is 0600 before any byte is written.
        let file = AtomicFile::with_mode(&path, 0o600)?;
        file.file()
            .write_all(seed.as_bytes())
            .map_err(|e| io("write", e))?;
        file.file().sync_all().map_err(|e| io("write", e))?;
        file.commit()?;
        set_mode(&path, 0o600).map_err(|e| io("set permissions of", e))?;
        Ok(path)
    }

    /// The names (file stems) of every `*.nk` file in the directory, sorted. A missing directory has
    /// no keys.
    pub fn list(&self) -> Result<Vec<String>, KeyError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(KeyError::Io {
                    action: "read",
                    path: self.dir.clone(),
                    source,
                })
            }
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.is_file())
            .filter(|path| {
                path.extension()
                    .is_some_and(|ext| ext == KEY_FILE_EXTENSION)
            })
            .filter_map(|path| path.file_stem()?.to_str().map(str::to_owned))
            .collect();
        names.sort();
        Ok(names)
    }

    fn create_dir(&self) -> Result<(), KeyError> {
        std::fs::create_dir_all(&self.dir).map_err(|source| KeyError::Io {
            action: "create",
            path: self.dir.clone(),
            source,
        })?;
        set_mode(&self.dir, 0o700).map_err(|source| KeyError::Io {
            action: "set permissions of",
            path: self.dir.clone(),
            source,
        })
    }
}

/// Drops a trailing `.nk` and rejects names that are empty or could leave the directory.
fn normalize_name(name: &str) -> Result<&str, KeyError> {
    let stem = name.strip_suffix(".nk").unwrap_or(name);
    let valid = !stem.is_empty()
        && stem != "."
        && stem != ".."
        && stem
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if valid {
        Ok(stem)
    } else {
        Err(KeyError::InvalidName(name.to_owned()))
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate;

    /// A saved key is 58 bytes with no newline, mode 0600 in a 0700 directory, and reads back equal.
    #[test]
    fn save_writes_a_58_byte_0600_file_that_reads_back() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::new(tmp.path().join("keys"));
        let pair = generate(KeyKind::Module);
        let path = store.save("echo_module", &pair).unwrap();
        assert_eq!(path, tmp.path().join("keys/echo_module.nk"));
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 58);
        assert_eq!(bytes, seed_of(&pair).unwrap().as_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(store.dir()), 0o700);
        }
        let (kind, read) = store.get("echo_module.nk").unwrap();
        assert_eq!(kind, KeyKind::Module);
        assert_eq!(read.public_key(), pair.public_key());
        assert_eq!(store.list().unwrap(), vec!["echo_module".to_owned()]);
        // No temp files are left behind.
        assert_eq!(std::fs::read_dir(store.dir()).unwrap().count(), 1);
    }

    /// Listing ignores other files and sorts names; a missing directory lists nothing.
    #[test]
    fn list_shows_only_nk_stems_sorted() {
        let tmp = tempfile::tempdir().unwrap();
        let store = KeyStore::new(tmp.path());
        assert!(KeyStore::new(tmp.path().join("nope"))
            .list()
            .unwrap()
            .is_empty());
        store.save("zeta", &generate(KeyKind::User)).unwrap();
        store.save("alpha", &generate(KeyKind::Account)).unwrap();
        std::fs::write(tmp.path().join("notes.txt"), "x").unwrap();
        assert_eq!(
            store.list().unwrap(),
            vec!["alpha".to_owned(), "zeta".to_owned()]
        );
    }

    /// Names that could escape the directory are rejected; a missing key is a NotInStore error.
    #[test]
    fn bad_names_and_missing_keys_are_errors() {
        let store = KeyStore::new("/nonexistent");
        for name in ["", "..", "../x", "a/b", ".nk", "a b"] {
            assert!(
                matches!(store.path_of(name), Err(KeyError::InvalidName(_))),
                "{name:?}"
            );
        }
        let err = store.get("nope").unwrap_err();
        assert_eq!(err.to_string(), "no key named `nope` in `/nonexistent`");
    }

    /// A corrupted key file names the file in the error.
    #[test]
    fn corrupted_key_file_is_reported_with_its_path() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("bad.nk"), "SAAAA").unwrap();
        let err = KeyStore::new(tmp.path()).get("bad").unwrap_err();
        assert!(err.to_string().contains("bad.nk"), "{err}");
    }
}
