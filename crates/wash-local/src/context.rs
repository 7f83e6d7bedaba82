//! Contexts: named connection settings for a lattice, stored as JSON under `~/.wash/contexts`, in the
//! wash 0.x format. `contexts/index.json` (`{"name": "<context>"}`, as wash 0.x wrote it) names the
//! default context; without it the default is `default` (`default.json`, which `wash up` writes).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{LocalError, WashHome};

/// The context used when `index.json` names none.
pub const DEFAULT_CONTEXT: &str = "default";

/// The file naming the default context (wash 0.x).
const INDEX_JSON: &str = "index.json";

/// One context (field names as wash 0.x wrote them; unknown fields are dropped, missing ones default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Context {
    /// Context name.
    pub name: String,
    /// Cluster seed used to sign invocations (`wash call`).
    pub cluster_seed: Option<String>,
    /// NATS host of the control interface.
    pub ctl_host: String,
    /// NATS port of the control interface.
    pub ctl_port: u16,
    /// NATS user JWT for the control connection (the token, or a path to a file holding it).
    pub ctl_jwt: Option<String>,
    /// NATS user seed for the control connection (the seed, or a path to a file holding it).
    pub ctl_seed: Option<String>,
    /// NATS credentials file (JWT + seed) for the control connection.
    pub ctl_credsfile: Option<PathBuf>,
    /// Control request timeout in milliseconds.
    pub ctl_timeout: u64,
    /// Lattice id for control requests.
    pub ctl_lattice_prefix: String,
    /// NATS host for RPC.
    pub rpc_host: String,
    /// NATS port for RPC.
    pub rpc_port: u16,
    /// NATS user JWT for the RPC connection (the token, or a path to a file holding it).
    pub rpc_jwt: Option<String>,
    /// NATS user seed for the RPC connection (the seed, or a path to a file holding it).
    pub rpc_seed: Option<String>,
    /// NATS credentials file for the RPC connection.
    pub rpc_credsfile: Option<PathBuf>,
    /// RPC timeout in milliseconds.
    pub rpc_timeout: u64,
    /// Lattice id for RPC.
    pub rpc_lattice_prefix: String,
}

impl Default for Context {
    fn default() -> Self {
        Self {
            name: DEFAULT_CONTEXT.into(),
            cluster_seed: None,
            ctl_host: "127.0.0.1".into(),
            ctl_port: 4222,
            ctl_jwt: None,
            ctl_seed: None,
            ctl_credsfile: None,
            ctl_timeout: 2000,
            ctl_lattice_prefix: "default".into(),
            rpc_host: "127.0.0.1".into(),
            rpc_port: 4222,
            rpc_jwt: None,
            rpc_seed: None,
            rpc_credsfile: None,
            rpc_timeout: 2000,
            rpc_lattice_prefix: "default".into(),
        }
    }
}

impl Context {
    /// `nats://<ctl_host>:<ctl_port>`.
    pub fn ctl_url(&self) -> String {
        format!("nats://{}:{}", self.ctl_host, self.ctl_port)
    }

    /// `nats://<rpc_host>:<rpc_port>`.
    pub fn rpc_url(&self) -> String {
        format!("nats://{}:{}", self.rpc_host, self.rpc_port)
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct DefaultIndex {
    name: String,
}

/// The `contexts/` folder.
#[derive(Debug, Clone)]
pub struct ContextStore {
    dir: PathBuf,
}

impl ContextStore {
    /// The store under a wash home.
    pub fn new(home: &WashHome) -> Self {
        Self {
            dir: home.contexts(),
        }
    }

    /// The folder holding the contexts.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of a named context.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }

    /// Whether a context file with this name exists.
    pub fn exists(&self, name: &str) -> bool {
        self.path(name).is_file()
    }

    /// Checks that `name` can be a context file name: not empty, no path separators, no leading dot,
    /// not `index` (the default-context index).
    pub fn check_name(name: &str) -> Result<(), LocalError> {
        let bad = name.is_empty()
            || name.starts_with('.')
            || name == "index"
            || name
                .chars()
                .any(|c| c == '/' || c == '\\' || c.is_control());
        if bad {
            return Err(LocalError::BadContextName { name: name.into() });
        }
        Ok(())
    }

    /// The name of the default context: from `index.json`, else `default`.
    pub fn default_name(&self) -> Result<String, LocalError> {
        let path = self.dir.join(INDEX_JSON);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str::<DefaultIndex>(&text)
                .map(|index| index.name)
                .map_err(|e| LocalError::BadState {
                    path,
                    reason: e.to_string(),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DEFAULT_CONTEXT.into()),
            Err(source) => Err(LocalError::Io { path, source }),
        }
    }

    /// Makes `name` the default context (it must exist); writes `index.json` as wash 0.x did.
    pub fn set_default(&self, name: &str) -> Result<PathBuf, LocalError> {
        Self::check_name(name)?;
        if !self.exists(name) {
            return Err(self.not_found(name));
        }
        let path = self.dir.join(INDEX_JSON);
        let body = serde_json::to_vec(&DefaultIndex { name: name.into() }).unwrap_or_default();
        crate::state::write_atomic(&path, &body)?;
        Ok(path)
    }

    /// Names of every stored context, sorted (`index.json` and non-JSON files left out).
    pub fn list(&self) -> Result<Vec<String>, LocalError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(LocalError::Io {
                    path: self.dir.clone(),
                    source,
                })
            }
        };
        let mut names: Vec<String> = entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
            .filter_map(|path| Some(path.file_stem()?.to_str()?.to_owned()))
            .filter(|name| name != "index")
            .collect();
        names.sort();
        Ok(names)
    }

    /// Loads a context; a missing file gives the defaults under that name.
    pub fn load(&self, name: &str) -> Result<Context, LocalError> {
        let path = self.path(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| LocalError::BadState {
                path,
                reason: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Context {
                name: name.into(),
                ..Context::default()
            }),
            Err(source) => Err(LocalError::Io { path, source }),
        }
    }

    /// Loads the context commands use: `name` if given (it must exist), else the default context (its
    /// defaults when the file is missing, so a fresh machine talks to 127.0.0.1:4222).
    pub fn load_selected(&self, name: Option<&str>) -> Result<Context, LocalError> {
        match name {
            Some(name) => {
                Self::check_name(name)?;
                if !self.exists(name) {
                    return Err(self.not_found(name));
                }
                self.load(name)
            }
            None => self.load(&self.default_name()?),
        }
    }

    /// Creates a new context file; refuses to overwrite one.
    pub fn create(&self, context: &Context) -> Result<PathBuf, LocalError> {
        Self::check_name(&context.name)?;
        if self.exists(&context.name) {
            return Err(LocalError::ContextExists {
                name: context.name.clone(),
                path: self.path(&context.name),
            });
        }
        self.save(context)
    }

    /// Deletes a context; the default one loses its `index.json` entry too.
    pub fn delete(&self, name: &str) -> Result<PathBuf, LocalError> {
        Self::check_name(name)?;
        let path = self.path(name);
        if !path.is_file() {
            return Err(self.not_found(name));
        }
        let was_default = self.default_name().ok().as_deref() == Some(name);
        std::fs::remove_file(&path).map_err(|source| LocalError::Io {
            path: path.clone(),
            source,
        })?;
        if was_default {
            let index = self.dir.join(INDEX_JSON);
            if let Err(source) = std::fs::remove_file(&index) {
                if source.kind() != std::io::ErrorKind::NotFound {
                    return Err(LocalError::Io {
                        path: index,
                        source,
                    });
                }
            }
        }
        Ok(path)
    }

    fn not_found(&self, name: &str) -> LocalError {
        LocalError::ContextNotFound {
            name: name.into(),
            dir: self.dir.clone(),
        }
    }

    /// Saves a context atomically (0600: it may hold a seed).
    pub fn save(&self, context: &Context) -> Result<PathBuf, LocalError> {
        let path = self.path(&context.name);
        crate::state::write_atomic(
            &path,
            &serde_json::to_vec_pretty(context).unwrap_or_default(),
        )?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(
            |source| LocalError::Io {
                path: path.clone(),
                source,
            },
        )?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, ContextStore) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = ContextStore::new(&WashHome::at(dir.path()));
        (dir, store)
    }

    /// Without `index.json` the default is `default`; `set_default` writes wash 0.x's `{"name": ...}`.
    #[test]
    fn default_context_follows_the_index() {
        let (_dir, store) = store();
        assert_eq!(store.default_name().expect("name"), "default");
        store
            .create(&Context {
                name: "dev".into(),
                ..Context::default()
            })
            .expect("create");
        let index = store.set_default("dev").expect("set");
        assert_eq!(
            std::fs::read_to_string(index).expect("read"),
            r#"{"name":"dev"}"#
        );
        assert_eq!(store.default_name().expect("name"), "dev");
        assert_eq!(store.list().expect("list"), ["dev"]);
        store.delete("dev").expect("delete");
        assert_eq!(store.default_name().expect("name"), "default");
    }

    /// Names that would escape the folder or clash with the index are refused; so is a missing context.
    #[test]
    fn bad_and_missing_names_are_refused() {
        let (_dir, store) = store();
        for name in ["", "../x", "a/b", ".hidden", "index"] {
            assert!(ContextStore::check_name(name).is_err(), "{name}");
        }
        assert!(matches!(
            store.set_default("nope"),
            Err(LocalError::ContextNotFound { .. })
        ));
        assert!(matches!(
            store.load_selected(Some("nope")),
            Err(LocalError::ContextNotFound { .. })
        ));
    }

    /// A wash 0.x context file (with its auth fields and nulls) loads.
    #[test]
    fn reads_a_wash_0x_context() {
        let text = r#"{"name":"prod","cluster_seed":null,"ctl_host":"10.0.0.5","ctl_port":4333,
            "ctl_jwt":null,"ctl_seed":null,"ctl_credsfile":"/tmp/x.creds","ctl_timeout":3000,
            "ctl_lattice_prefix":"prod","rpc_host":"10.0.0.5","rpc_port":4333,"rpc_jwt":null,
            "rpc_seed":null,"rpc_credsfile":null,"rpc_timeout":2000,"rpc_lattice_prefix":"prod"}"#;
        let context: Context = serde_json::from_str(text).expect("parse");
        assert_eq!(context.ctl_url(), "nats://10.0.0.5:4333");
        assert_eq!(context.ctl_credsfile, Some(PathBuf::from("/tmp/x.creds")));
    }
}
