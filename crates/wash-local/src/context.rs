//! Contexts: named connection settings for a lattice, stored as JSON under `~/.wash/contexts`, in the
//! format wash 0.18.1 reads and writes (see [`Context`] for how the two binaries share a file).
//! `contexts/index.json` (`{"name": "<context>"}`) names the default context; without it the default
//! is `default` (`default.json`, which `wash up` writes).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{LocalError, WashHome};

/// The context used when `index.json` names none.
pub const DEFAULT_CONTEXT: &str = "default";

/// The file naming the default context (wash 0.x).
const INDEX_JSON: &str = "index.json";

/// One context.
///
/// On disk it has wash 0.18.1's fields (`lattice_prefix`, `js_domain`, and the seeds and JWTs written
/// as `""` when unset, which 0.18.1 requires), plus our `ctl_lattice_prefix` / `rpc_lattice_prefix`
/// beside them. Reading: `""` and `null` are none for the seeds, JWTs and credentials files; the
/// control lattice is `lattice_prefix`, else `ctl_lattice_prefix`, else `default`; the RPC lattice is
/// `rpc_lattice_prefix` where it was set apart from the control one, else follows the control one.
/// Unknown fields are dropped, missing ones default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "ContextFile", into = "ContextFile")]
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
    /// Lattice id for control requests (`lattice_prefix` on disk).
    pub ctl_lattice_prefix: String,
    /// JetStream domain (wash 0.18.1's `js_domain`; kept through a rewrite, not used by this wash).
    pub js_domain: Option<String>,
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
            js_domain: None,
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

/// A context file as both binaries write it: wash 0.18.1's fields in its order, then ours. Every
/// field is optional on read; on write the five keys 0.18.1 requires are always present.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct ContextFile {
    name: Option<String>,
    #[serde(with = "empty_is_none")]
    cluster_seed: Option<String>,
    ctl_host: Option<String>,
    ctl_port: Option<u16>,
    #[serde(with = "empty_is_none")]
    ctl_jwt: Option<String>,
    #[serde(with = "empty_is_none")]
    ctl_seed: Option<String>,
    #[serde(deserialize_with = "empty_is_none::deserialize")]
    ctl_credsfile: Option<String>,
    ctl_timeout: Option<u64>,
    lattice_prefix: Option<String>,
    js_domain: Option<String>,
    rpc_host: Option<String>,
    rpc_port: Option<u16>,
    #[serde(with = "empty_is_none")]
    rpc_jwt: Option<String>,
    #[serde(with = "empty_is_none")]
    rpc_seed: Option<String>,
    #[serde(deserialize_with = "empty_is_none::deserialize")]
    rpc_credsfile: Option<String>,
    rpc_timeout: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ctl_lattice_prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rpc_lattice_prefix: Option<String>,
}

/// wash 0.18.1's convention for its seeds and JWTs: `""` (or `null`) is none, none is written `""`.
mod empty_is_none {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Option<String>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(value.as_deref().unwrap_or(""))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<String>, D::Error> {
        let value = Option::<String>::deserialize(deserializer)?;
        Ok(value.filter(|text| !text.trim().is_empty()))
    }
}

impl From<ContextFile> for Context {
    fn from(file: ContextFile) -> Self {
        let defaults = Context::default();
        let ctl_lattice = file
            .lattice_prefix
            .clone()
            .or_else(|| file.ctl_lattice_prefix.clone())
            .unwrap_or(defaults.ctl_lattice_prefix);
        // The RPC lattice follows the control one unless the file set it apart.
        let written_ctl = file.ctl_lattice_prefix.or(file.lattice_prefix);
        let rpc_lattice = match file.rpc_lattice_prefix {
            Some(rpc) if Some(&rpc) != written_ctl.as_ref() => rpc,
            _ => ctl_lattice.clone(),
        };
        Context {
            name: file.name.unwrap_or(defaults.name),
            cluster_seed: file.cluster_seed,
            ctl_host: file.ctl_host.unwrap_or(defaults.ctl_host),
            ctl_port: file.ctl_port.unwrap_or(defaults.ctl_port),
            ctl_jwt: file.ctl_jwt,
            ctl_seed: file.ctl_seed,
            ctl_credsfile: file.ctl_credsfile.map(PathBuf::from),
            ctl_timeout: file.ctl_timeout.unwrap_or(defaults.ctl_timeout),
            ctl_lattice_prefix: ctl_lattice,
            js_domain: file.js_domain,
            rpc_host: file.rpc_host.unwrap_or(defaults.rpc_host),
            rpc_port: file.rpc_port.unwrap_or(defaults.rpc_port),
            rpc_jwt: file.rpc_jwt,
            rpc_seed: file.rpc_seed,
            rpc_credsfile: file.rpc_credsfile.map(PathBuf::from),
            rpc_timeout: file.rpc_timeout.unwrap_or(defaults.rpc_timeout),
            rpc_lattice_prefix: rpc_lattice,
        }
    }
}

impl From<Context> for ContextFile {
    fn from(context: Context) -> Self {
        ContextFile {
            name: Some(context.name),
            cluster_seed: context.cluster_seed,
            ctl_host: Some(context.ctl_host),
            ctl_port: Some(context.ctl_port),
            ctl_jwt: context.ctl_jwt,
            ctl_seed: context.ctl_seed,
            ctl_credsfile: context
                .ctl_credsfile
                .map(|path| path.to_string_lossy().into_owned()),
            ctl_timeout: Some(context.ctl_timeout),
            lattice_prefix: Some(context.ctl_lattice_prefix.clone()),
            js_domain: context.js_domain,
            rpc_host: Some(context.rpc_host),
            rpc_port: Some(context.rpc_port),
            rpc_jwt: context.rpc_jwt,
            rpc_seed: context.rpc_seed,
            rpc_credsfile: context
                .rpc_credsfile
                .map(|path| path.to_string_lossy().into_owned()),
            rpc_timeout: Some(context.rpc_timeout),
            ctl_lattice_prefix: Some(context.ctl_lattice_prefix),
            rpc_lattice_prefix: Some(context.rpc_lattice_prefix),
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

    /// A store in another folder (wash 0.18.1's `wash ctx --directory`, `WASH_CONTEXTS`).
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
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
    /// A value with a path separator or ending in `.json` names a context file anywhere (wash 0.18.1's
    /// `--context` took a path); it must exist.
    pub fn load_selected(&self, name: Option<&str>) -> Result<Context, LocalError> {
        match name {
            Some(path) if path.contains(['/', '\\']) || path.ends_with(".json") => {
                Self::load_file(Path::new(path))
            }
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

    /// Loads the context file at `path` (a context outside the store, e.g. wash 0.18.1's
    /// `--context ./prod.json`); a missing file is an error.
    pub fn load_file(path: &Path) -> Result<Context, LocalError> {
        let text = std::fs::read_to_string(path).map_err(|source| LocalError::Io {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| LocalError::BadState {
            path: path.to_owned(),
            reason: e.to_string(),
        })
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

    /// A context file from an earlier build of this wash (our lattice fields, nulls) loads.
    #[test]
    fn reads_our_earlier_context() {
        let text = r#"{"name":"prod","cluster_seed":null,"ctl_host":"10.0.0.5","ctl_port":4333,
            "ctl_jwt":null,"ctl_seed":null,"ctl_credsfile":"/tmp/x.creds","ctl_timeout":3000,
            "ctl_lattice_prefix":"prod","rpc_host":"10.0.0.5","rpc_port":4333,"rpc_jwt":null,
            "rpc_seed":null,"rpc_credsfile":null,"rpc_timeout":2000,"rpc_lattice_prefix":"rpc"}"#;
        let context: Context = serde_json::from_str(text).expect("parse");
        assert_eq!(context.ctl_url(), "nats://10.0.0.5:4333");
        assert_eq!(context.ctl_credsfile, Some(PathBuf::from("/tmp/x.creds")));
        assert_eq!(context.ctl_lattice_prefix, "prod");
        assert_eq!(context.rpc_lattice_prefix, "rpc");
        assert_eq!(context.cluster_seed, None);
    }

    /// The file `wash 0.18.1 ctx new staging` writes: its `""` seeds and JWTs are none, and its
    /// `lattice_prefix` is the lattice of both the control interface and RPC.
    #[test]
    fn reads_a_wash_0_18_context_with_empty_strings() {
        let text = r#"{"name":"staging","cluster_seed":"","ctl_host":"127.0.0.1","ctl_port":4222,"ctl_jwt":"","ctl_seed":"","ctl_credsfile":null,"ctl_timeout":2000,"lattice_prefix":"staging","js_domain":"edge","rpc_host":"127.0.0.1","rpc_port":4222,"rpc_jwt":"","rpc_seed":"","rpc_credsfile":null,"rpc_timeout":2000}"#;
        let context: Context = serde_json::from_str(text).expect("parse");
        assert_eq!(
            context,
            Context {
                name: "staging".into(),
                ctl_lattice_prefix: "staging".into(),
                rpc_lattice_prefix: "staging".into(),
                js_domain: Some("edge".into()),
                ..Context::default()
            }
        );
        let text = r#"{"cluster_seed":null,"ctl_jwt":"  ","ctl_credsfile":""}"#;
        let context: Context = serde_json::from_str(text).expect("parse");
        assert_eq!(context, Context::default());
    }

    /// What we write has every key wash 0.18.1 requires, `""` for unset seeds and JWTs, 0.18.1's
    /// `lattice_prefix` and `js_domain`, and our lattice fields beside them; it reads back the same.
    #[test]
    fn writes_what_wash_0_18_reads() {
        let context = Context {
            name: "blue".into(),
            ctl_lattice_prefix: "blue".into(),
            rpc_lattice_prefix: "blue".into(),
            js_domain: Some("edge".into()),
            ..Context::default()
        };
        let value = serde_json::to_value(&context).expect("write");
        let expected = serde_json::json!({
            "name": "blue", "cluster_seed": "", "ctl_host": "127.0.0.1", "ctl_port": 4222,
            "ctl_jwt": "", "ctl_seed": "", "ctl_credsfile": null, "ctl_timeout": 2000,
            "lattice_prefix": "blue", "js_domain": "edge", "rpc_host": "127.0.0.1", "rpc_port": 4222,
            "rpc_jwt": "", "rpc_seed": "", "rpc_credsfile": null, "rpc_timeout": 2000,
            "ctl_lattice_prefix": "blue", "rpc_lattice_prefix": "blue",
        });
        assert_eq!(value, expected);
        let text = serde_json::to_string(&context).expect("write");
        assert!(
            text.starts_with(r#"{"name":"blue","cluster_seed":"","ctl_host""#),
            "0.18.1's field order: {text}"
        );
        assert_eq!(
            serde_json::from_str::<Context>(&text).expect("read back"),
            context
        );
    }

    /// `lattice_prefix` wins over our `ctl_lattice_prefix` (it is the field 0.18.1 and its users edit);
    /// the RPC lattice follows it unless it was set apart.
    #[test]
    fn lattice_prefix_is_the_shared_lattice() {
        let edited =
            r#"{"lattice_prefix":"green","ctl_lattice_prefix":"blue","rpc_lattice_prefix":"blue"}"#;
        let context: Context = serde_json::from_str(edited).expect("parse");
        assert_eq!(context.ctl_lattice_prefix, "green");
        assert_eq!(context.rpc_lattice_prefix, "green");
        let apart =
            r#"{"lattice_prefix":"green","ctl_lattice_prefix":"green","rpc_lattice_prefix":"red"}"#;
        let context: Context = serde_json::from_str(apart).expect("parse");
        assert_eq!(context.ctl_lattice_prefix, "green");
        assert_eq!(context.rpc_lattice_prefix, "red");
    }
}
