//! What wash 0.18.1's `up` left running: it records the NATS server and wadm it started in
//! `~/.wash/downloads/nats.pid` and `wadm.pid`. `wash down` stops those too, but only after checking
//! that the pid still names that program, so a stale file never gets an unrelated process signalled.

use std::path::PathBuf;
use std::time::Duration;

use crate::state::runs;
use crate::{pid_alive, ProcessId, WashHome};

/// Grace between SIGTERM and SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// The pid files wash 0.18.1's `up` writes, in the order its `down` handles them, with the program
/// each must name.
const RECORDED: [(&str, &str); 2] = [("wadm.pid", "wadm"), ("nats.pid", "nats-server")];

/// A process wash 0.18.1's `up` recorded, and what `wash down` did about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedProcess {
    /// The program the pid file is for (`nats-server` or `wadm`).
    pub program: &'static str,
    /// The pid file.
    pub pid_file: PathBuf,
    /// The pid it holds, if it holds one.
    pub pid: Option<u32>,
    /// What happened.
    pub outcome: RecordedOutcome,
}

/// The state of one recorded process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordedOutcome {
    /// Its pid is alive and runs the recorded program.
    Running,
    /// It was running that program and was stopped; the pid file is removed.
    Stopped,
    /// The file holds no pid, or its process is gone or runs something else: nothing is signalled
    /// and the file is removed (so wash 0.18.1's `down` cannot signal that process either).
    Stale,
}

/// The folder wash 0.18.1's `up` downloads to and keeps its pid files in.
pub fn downloads_dir(home: &WashHome) -> PathBuf {
    home.root().join("downloads")
}

/// What wash 0.18.1's `up` recorded (wadm, then NATS, the order its `down` uses): each existing pid
/// file, `Running` if its pid is alive and runs the recorded program, else `Stale`.
pub fn recorded_processes(home: &WashHome) -> Vec<RecordedProcess> {
    let dir = downloads_dir(home);
    RECORDED
        .iter()
        .filter_map(|(file, program)| {
            let pid_file = dir.join(file);
            let text = std::fs::read_to_string(&pid_file).ok()?;
            let pid = text.trim().parse::<u32>().ok();
            let outcome = match pid {
                Some(pid) if pid_alive(pid) && runs(pid, program) => RecordedOutcome::Running,
                _ => RecordedOutcome::Stale,
            };
            Some(RecordedProcess {
                program,
                pid_file,
                pid,
                outcome,
            })
        })
        .collect()
}

impl RecordedProcess {
    /// Stops the process if it is `Running` (SIGTERM, then SIGKILL after a grace period), never
    /// otherwise, and removes the pid file.
    pub fn stop(mut self) -> Self {
        if let (RecordedOutcome::Running, Some(pid)) = (self.outcome, self.pid) {
            // Checked again right before the signal: the pid may have gone since it was read.
            let id = ProcessId {
                pid,
                start_time: None,
            };
            if id.stop(self.program, STOP_GRACE) {
                self.outcome = RecordedOutcome::Stopped;
            } else {
                self.outcome = RecordedOutcome::Stale;
            }
        }
        let _ = std::fs::remove_file(&self.pid_file);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pid file naming a live process that runs something else, or holding no pid, is stale: the
    /// process survives and the file is removed.
    #[test]
    fn a_stale_pid_file_signals_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = WashHome::at(dir.path());
        let mut sleeper = std::process::Command::new("sleep")
            .arg("100")
            .spawn()
            .expect("sleep");
        std::fs::create_dir_all(downloads_dir(&home)).expect("downloads");
        let nats_pid = downloads_dir(&home).join("nats.pid");
        std::fs::write(&nats_pid, sleeper.id().to_string()).expect("write");
        std::fs::write(downloads_dir(&home).join("wadm.pid"), "v0.4.0").expect("write");
        let found = recorded_processes(&home);
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|p| p.outcome == RecordedOutcome::Stale));
        let done: Vec<_> = found.into_iter().map(RecordedProcess::stop).collect();
        assert!(done.iter().all(|p| p.outcome == RecordedOutcome::Stale));
        assert_eq!(done[0].pid, None, "wadm.pid held no pid");
        assert_eq!(done[1].pid, Some(sleeper.id()));
        assert!(pid_alive(sleeper.id()), "the unrelated process survives");
        assert!(!nats_pid.exists());
        // Our own child: `try_wait` says for certain that it was not signalled (reading its
        // /proc cmdline right after the spawn proved flaky under parallel tests).
        assert!(
            sleeper.try_wait().expect("try_wait").is_none(),
            "the unrelated process was signalled"
        );
        let _ = sleeper.kill();
        let _ = sleeper.wait();
    }
}
