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

    /// Pid file of the wadm `wash up` started.
    pub fn wadm_pid(&self) -> PathBuf {
        self.root.join("wadm.pid")
    }

    /// Log of that wadm.
    pub fn wadm_log(&self) -> PathBuf {
        self.root.join("wadm.log")
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

    /// Where the host of `wash up` keeps compiled actors (wasmtime's compilation cache).
    pub fn actor_cache(&self) -> PathBuf {
        self.root.join("cache").join("actors")
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

    /// What `~/.wash/nats.pid` says about the NATS server `wash up` started: `None` without the file.
    pub fn started_nats(&self) -> Option<Recorded> {
        let text = std::fs::read_to_string(self.nats_pid()).ok()?;
        Some(Recorded::check(ProcessId::parse(&text), NATS_PROGRAM))
    }

    /// What `~/.wash/wadm.pid` says about the wadm `wash up` started: `None` without the file.
    pub fn started_wadm(&self) -> Option<Recorded> {
        let text = std::fs::read_to_string(self.wadm_pid()).ok()?;
        Some(Recorded::check(
            ProcessId::parse(&text),
            crate::wadm::WADM_PROGRAM,
        ))
    }

    /// Writes the record of the host serving the lattice.
    pub fn record_host(&self, record: &HostRecord) -> Result<(), LocalError> {
        record.write(&self.host_record())
    }

    /// Removes the host record (a missing one is fine).
    pub fn forget_host(&self) {
        let _ = std::fs::remove_file(self.host_record());
    }

    /// Reads the host record if it exists and its process is alive and still the recorded one.
    pub fn live_host(&self) -> Result<Option<HostRecord>, LocalError> {
        Ok(self
            .host()?
            .and_then(|(record, state)| matches!(state, Recorded::Running(_)).then_some(record)))
    }

    /// Reads the host record if it exists, with what became of its process.
    pub fn host(&self) -> Result<Option<(HostRecord, Recorded)>, LocalError> {
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
        let id = ProcessId {
            pid: record.pid,
            start_time: record.start_time,
        };
        let state = Recorded::check(Some(id), HOST_PROGRAM);
        Ok(Some((record, state)))
    }
}

/// The program name a host record's process runs (the host is `wash up` itself).
pub const HOST_PROGRAM: &str = "wash";
/// The program name the NATS server `wash up` starts runs.
pub const NATS_PROGRAM: &str = "nats-server";

/// One process as `wash up` recorded it: its pid and, in records written by this wash, its start time
/// (clock ticks after boot, field 22 of `/proc/<pid>/stat`). Together they name one process: a pid
/// reused by another program has another start time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessId {
    /// The process id.
    pub pid: u32,
    /// Its start time; `None` in records written by older wash versions (which held only a pid).
    pub start_time: Option<u64>,
}

impl ProcessId {
    /// The running process `pid` with its start time (`None` if it does not exist).
    pub fn of(pid: u32) -> Option<Self> {
        Some(Self {
            pid,
            start_time: Some(start_time(pid)?),
        })
    }

    /// Reads a pid file: `<pid> <start time>`, or `<pid>` alone as older versions wrote it.
    pub fn parse(text: &str) -> Option<Self> {
        let mut words = text.split_whitespace();
        let pid = words.next()?.parse().ok()?;
        let start_time = match words.next() {
            Some(word) => Some(word.parse().ok()?),
            None => None,
        };
        Some(Self { pid, start_time })
    }

    /// The pid file text.
    pub fn to_pid_file(&self) -> String {
        match self.start_time {
            Some(start) => format!("{} {start}", self.pid),
            None => self.pid.to_string(),
        }
    }

    /// Whether this process still runs: the pid is alive and has the recorded start time, or, for a
    /// record without one, its executable (or a script's first argument) is named after `program`.
    pub fn is_running(&self, program: &str) -> bool {
        if !pid_alive(self.pid) {
            return false;
        }
        match self.start_time {
            Some(recorded) => start_time(self.pid) == Some(recorded),
            None => runs(self.pid, program),
        }
    }

    /// Sends SIGTERM, waits up to `grace` for the process to exit, then SIGKILL, checking before each
    /// signal that the pid still names this process. Returns whether it was running.
    pub fn stop(&self, program: &str, grace: Duration) -> bool {
        let Ok(raw) = i32::try_from(self.pid) else {
            return false;
        };
        if !self.is_running(program) {
            return false;
        }
        let _ = kill(Pid::from_raw(raw), Signal::SIGTERM);
        let deadline = Instant::now() + grace;
        while self.is_running(program) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(25));
        }
        if self.is_running(program) {
            let _ = kill(Pid::from_raw(raw), Signal::SIGKILL);
        }
        true
    }
}

/// What a record's process turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The recorded process runs.
    Running(ProcessId),
    /// The record holds no pid, or its process is gone or is another process now: never signalled.
    Stale(Option<u32>),
}

impl Recorded {
    /// Checks a record's process (`None`: the record held no pid).
    pub fn check(id: Option<ProcessId>, program: &str) -> Self {
        match id {
            Some(id) if id.is_running(program) => Self::Running(id),
            other => Self::Stale(other.map(|id| id.pid)),
        }
    }
}

/// The start time of process `pid` (field 22 of `/proc/<pid>/stat`, after the parenthesised name).
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    // Fields after the name start with field 3 (state); the start time is field 22.
    after_name.split_whitespace().nth(19)?.parse().ok()
}

/// Whether process `pid` runs `program`: the file name of its executable (or, for a script, of its
/// first argument) contains the program's name.
pub(crate) fn runs(pid: u32, program: &str) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    cmdline
        .split(|byte| *byte == 0)
        .take(2)
        .filter_map(|arg| std::str::from_utf8(arg).ok())
        .filter_map(|arg| Path::new(arg).file_name()?.to_str())
        .any(|name| name.contains(program))
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
    /// The host process's start time (see [`ProcessId`]); missing in records of older versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<u64>,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A pid file naming a live process with another start time, or (an old pid-only file) a live
    /// process that runs another program, is stale: `stop` signals nothing and the process survives.
    #[test]
    fn a_record_of_another_process_is_stale_and_nothing_is_signalled() {
        let mut other = std::process::Command::new("sleep")
            .arg("100")
            .spawn()
            .expect("sleep");
        let pid = other.id();
        let actual = ProcessId::of(pid).expect("running");
        assert!(
            actual.is_running(NATS_PROGRAM),
            "its own start time matches"
        );
        let reused = ProcessId {
            pid,
            start_time: actual.start_time.map(|t| t + 1),
        };
        let old_file = ProcessId::parse(&format!("{pid}\n")).expect("pid only");
        assert_eq!(old_file.start_time, None);
        for record in [reused, old_file] {
            assert_eq!(
                Recorded::check(Some(record), NATS_PROGRAM),
                Recorded::Stale(Some(pid))
            );
            assert!(!record.stop(NATS_PROGRAM, Duration::from_millis(10)));
        }
        assert!(
            other.try_wait().expect("try_wait").is_none(),
            "the unrelated process was signalled"
        );
        assert_eq!(
            ProcessId::parse(&actual.to_pid_file()),
            Some(actual),
            "the pid file round-trips"
        );
        let _ = other.kill();
        let _ = other.wait();
    }
}
