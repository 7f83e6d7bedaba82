//! Contexts: named connection settings for a lattice, stored as JSON under `~/.wash/contexts`, in the
//! wash 0.x format (`default.json` is the one used when none is named).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::{LocalError, WashHome};

/// One context (field names as wash 0.x wrote them; unknown fields are kept out, missing ones default).
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
    /// Lattice id for control requests.
    pub ctl_lattice_prefix: String,
    /// Control request timeout in milliseconds.
    pub ctl_timeout: u64,
    /// NATS host for RPC.
    pub rpc_host: String,
    /// NATS port for RPC.
    pub rpc_port: u16,
    /// Lattice id for RPC.
    pub rpc_lattice_prefix: String,
    /// RPC timeout in milliseconds.
    pub rpc_timeout: u64,
}

impl Default for Context {
    fn default() -> Self {
        Self {
            name: "default".into(),
            cluster_seed: None,
            ctl_host: "127.0.0.1".into(),
            ctl_port: 4222,
            ctl_lattice_prefix: "default".into(),
            ctl_timeout: 2000,
            rpc_host: "127.0.0.1".into(),
            rpc_port: 4222,
            rpc_lattice_prefix: "default".into(),
            rpc_timeout: 2000,
        }
    }
}

impl Context {
    /// `nats://<ctl_host>:<ctl_port>`.
    pub fn ctl_url(&self) -> String {
        format!("nats://{}:{}", self.ctl_host, self.ctl_port)
    }
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
            dir: home.root().join("contexts"),
        }
    }

    /// Path of a named context.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
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
