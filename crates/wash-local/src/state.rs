//! `~/.wash` and the records `wash up` leaves there: pid files and the host record.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

use crate::LocalError;

/// The `~/.wash` folder and the layout of what wash keeps there (where it is comes from
/// [`crate::WashPaths`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WashHome {
    root: PathBuf,
}

impl WashHome {
    /// A home at an explicit path.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates the folder if missing.
    pub fn ensure(&self) -> Result<(), LocalError> {
        std::fs::create_dir_all(&self.root).map_err(|source| LocalError::Io {
            path: self.root.clone(),
            source,
        })
    }

    /// Pid file of a NATS server started by `wash up`.
    pub fn nats_pid(&self) -> PathBuf {
        self.root.join("nats.pid")
    }

    /// Log of that NATS server.
    pub fn nats_log(&self) -> PathBuf {
        self.root.join("nats.log")
    }

    /// Configuration file of that NATS server (JetStream domain, leaf-node remote).
    pub fn nats_config(&self) -> PathBuf {
        self.root.join("nats.conf")
    }

    /// JetStream store of that NATS server.
    pub fn nats_data(&self) -> PathBuf {
        self.root.join("nats-data")
    }

    /// Record of the host process started by `wash up`.
    pub fn host_record(&self) -> PathBuf {
        self.root.join("host.json")
    }

    /// Log of that host.
    pub fn host_log(&self) -> PathBuf {
        self.root.join("host.log")
    }

    /// Files uploaded through `wash ui`'s start forms, named by content.
    pub fn uploads(&self) -> PathBuf {
        self.root.join("uploads")
    }

    /// Where providers are extracted.
    pub fn provider_cache(&self) -> PathBuf {
        self.root.join("cache").join("providers")
    }

    /// The OCI cache unless `WASH_CACHE` moves it.
    pub fn oci_cache(&self) -> PathBuf {
        self.root.join("cache").join("oci")
    }

    /// The key store unless `WASH_KEYS` moves it.
    pub fn keys(&self) -> PathBuf {
        self.root.join("keys")
    }

    /// The contexts folder.
    pub fn contexts(&self) -> PathBuf {
        self.root.join("contexts")
    }

    /// The registry credentials `wash reg login` stores.
    pub fn credentials(&self) -> PathBuf {
        self.root.join("credentials.json")
    }

    /// Reads the pid in `path`, if the file exists and the process is alive.
    pub fn live_pid(&self, path: &Path) -> Option<u32> {
        let pid: u32 = std::fs::read_to_string(path).ok()?.trim().parse().ok()?;
        pid_alive(pid).then_some(pid)
    }

    /// The pid of the NATS server `wash up` started, if its pid file names a live process.
    pub fn started_nats_pid(&self) -> Option<u32> {
        self.live_pid(&self.nats_pid())
    }

    /// Writes the record of the host serving the lattice.
    pub fn record_host(&self, record: &HostRecord) -> Result<(), LocalError> {
        record.write(&self.host_record())
    }

    /// Removes the host record (a missing one is fine).
    pub fn forget_host(&self) {
        let _ = std::fs::remove_file(self.host_record());
    }

    /// Reads the host record if it exists and its process is alive.
    pub fn live_host(&self) -> Result<Option<HostRecord>, LocalError> {
        let path = self.host_record();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(LocalError::Io { path, source }),
        };
        let record: HostRecord = serde_json::from_str(&text).map_err(|e| LocalError::BadState {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        Ok(pid_alive(record.pid).then_some(record))
    }
}

/// What a host started by `wash up` writes about itself once it serves the lattice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostRecord {
    /// Process id of the host.
    pub pid: u32,
    /// Host public key.
    pub host_id: String,
    /// NATS URL it is connected to.
    pub nats_url: String,
    /// Lattice id.
    pub lattice: String,
}

impl HostRecord {
    /// Writes the record atomically.
    pub fn write(&self, path: &Path) -> Result<(), LocalError> {
        write_atomic(path, &serde_json::to_vec_pretty(self).unwrap_or_default())
    }
}

/// Writes `bytes` to `path` through a temp file in the same folder.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), LocalError> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| LocalError::Io {
        path: dir.into(),
        source,
    })?;
    let io = |source| LocalError::Io {
        path: path.into(),
        source,
    };
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Whether a process with this pid exists and is not a zombie.
pub fn pid_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| matches!(rest.trim_start().chars().next(), Some('Z' | 'X'))),
        Err(_) => false,
    }
}

/// Sends SIGTERM, waits up to `grace` for the process to exit, then SIGKILL. Returns whether it was running.
pub fn stop_pid(pid: u32, grace: Duration) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    if !pid_alive(pid) {
        return false;
    }
    let _ = kill(Pid::from_raw(raw), Signal::SIGTERM);
    let deadline = Instant::now() + grace;
    while pid_alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(25));
    }
    if pid_alive(pid) {
        let _ = kill(Pid::from_raw(raw), Signal::SIGKILL);
    }
    true
}
