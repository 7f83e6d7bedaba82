//! Process plumbing shared by the servers: free ports, locating programs, waiting and killing.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::SETUP_COMMAND;

/// How long a server gets to answer its first request.
pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A TCP port on 127.0.0.1 that was free when asked (the OS picks it).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port");
    listener
        .local_addr()
        .expect("local address of a bound listener")
        .port()
}

/// Whether a process with this pid still exists (a reaped child does not).
pub fn pid_is_running(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // A zombie (state `Z`) is dead but not reaped: count it as gone only once it is reaped.
    !stat
        .rsplit(')')
        .next()
        .is_some_and(|rest| rest.trim_start().starts_with('X'))
}

/// Finds `program` on `PATH` or in the sbin folders where Debian puts some servers; `install` says how
/// the set-up command installs it.
pub(crate) fn find_program(program: &str, install: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let extra = ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"].map(PathBuf::from);
    std::env::split_paths(&path)
        .chain(extra)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{program}` is not installed: run `{SETUP_COMMAND}` \
                 (it runs `{install}`) and try again"
            )
        })
}

/// A spawned server process that is killed and reaped on drop.
#[derive(Debug)]
pub(crate) struct ServerProcess {
    child: Child,
    name: &'static str,
}

impl ServerProcess {
    /// Spawns `command` with stdin closed and stdout/stderr captured to a log file in `log_dir`.
    pub(crate) fn spawn(name: &'static str, mut command: Command, log: &std::path::Path) -> Self {
        let out = std::fs::File::create(log).expect("create server log file");
        let err = out.try_clone().expect("clone server log file handle");
        command.stdin(Stdio::null()).stdout(out).stderr(err);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("failed to start {name}: {e}"));
        Self { child, name }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills and reaps the process (nothing happens if it is gone already).
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Returns the exit status if the process already ended.
    pub(crate) fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Polls `ready` until it returns true, the process dies (Err with its log) or the timeout passes.
    pub(crate) fn wait_until(
        &mut self,
        log: &std::path::Path,
        ready: impl FnMut() -> bool,
    ) -> Result<(), String> {
        self.wait_until_within(log, START_TIMEOUT, ready)
    }

    /// [`ServerProcess::wait_until`] with another timeout, for servers slow to start.
    pub(crate) fn wait_until_within(
        &mut self,
        log: &std::path::Path,
        timeout: Duration,
        mut ready: impl FnMut() -> bool,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            if ready() {
                return Ok(());
            }
            if let Some(status) = self.exited() {
                let log = std::fs::read_to_string(log).unwrap_or_default();
                return Err(format!("{} exited early ({status}):\n{log}", self.name));
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(log).unwrap_or_default();
                return Err(format!(
                    "{} did not answer within {timeout:?}:\n{log}",
                    self.name
                ));
            }
            sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Connects to `127.0.0.1:port` with short timeouts, for readiness probes.
pub(crate) fn connect(port: u16) -> Option<TcpStream> {
    let addr = ([127, 0, 0, 1], port).into();
    let stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    stream
        .set_write_timeout(Some(Duration::from_secs(2)))
        .ok()?;
    Some(stream)
}

/// Starts a server up to three times on fresh ports (another process may grab a port between
/// [`free_port`] and the server binding it).
pub(crate) fn start_with_retries<T>(mut attempt: impl FnMut(u16) -> Result<T, String>) -> T {
    let mut errors = Vec::new();
    for _ in 0..3 {
        match attempt(free_port()) {
            Ok(server) => return server,
            Err(e) => errors.push(e),
        }
    }
    panic!(
        "server failed to start three times:\n{}",
        errors.join("\n---\n")
    )
}
