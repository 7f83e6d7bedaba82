//! The `wash()` builder: runs the built `wash` binary with `HOME`, the keys dir and cwd in a temp dir.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};

use tempfile::TempDir;

/// Starts building a `wash` invocation isolated in a fresh temp dir.
pub fn wash() -> WashCommand {
    WashCommand::new()
}

/// A `wash` invocation being built: arguments, env and an isolated home/work dir.
#[derive(Debug)]
pub struct WashCommand {
    command: Command,
    dir: TempDir,
    stdin: Option<Vec<u8>>,
}

/// The path of the `wash` binary built by cargo for these tests (`WASH_BIN` overrides it).
pub fn wash_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("WASH_BIN") {
        return PathBuf::from(bin);
    }
    // Test binaries live in target/<profile>/deps; the wash binary in target/<profile>.
    let exe = std::env::current_exe().expect("path of the running test binary");
    let profile_dir = exe
        .parent()
        .and_then(|deps| {
            if deps.ends_with("deps") {
                deps.parent()
            } else {
                Some(deps)
            }
        })
        .expect("test binary has a parent folder");
    let bin = profile_dir.join("wash");
    assert!(
        bin.is_file(),
        "`{}` is missing: run the tests with `cargo test` at the workspace root",
        bin.display()
    );
    bin
}

impl WashCommand {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("create a temp dir for the wash invocation");
        let home = dir.path().join("home");
        let work = dir.path().join("work");
        std::fs::create_dir_all(home.join(".wash/keys")).expect("create temp HOME");
        std::fs::create_dir_all(&work).expect("create temp work dir");
        let mut command = Command::new(wash_bin());
        // Keep the outside world out: no user config, no inherited wash or logging settings.
        for (key, _) in std::env::vars_os() {
            let key_str = key.to_string_lossy();
            // WASH_NATS_SERVER names the server binary to use (set by `./dev`), not user state.
            if (key_str.starts_with("WASH_") && key_str != "WASH_NATS_SERVER")
                || key_str == "RUST_LOG"
            {
                command.env_remove(&key);
            }
        }
        command
            .env("HOME", &home)
            .env("WASH_KEYS", home.join(".wash/keys"))
            .env("NO_COLOR", "1")
            .current_dir(&work);
        Self {
            command,
            dir,
            stdin: None,
        }
    }

    /// Adds one argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.command.arg(arg);
        self
    }

    /// Adds several arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    /// Sets an environment variable for this invocation.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    /// Lets this `wash up` start wadm: passes on `$WASH_WADM`, which `./dev` points at the wadm 0.4.1
    /// that `./dev setup` builds (every other `WASH_*` variable is kept out of wash runs).
    pub fn with_wadm(self) -> Self {
        let wadm = std::env::var_os("WASH_WADM").expect(
            "WASH_WADM is not set: run the tests with `./dev test`, which builds wadm 0.4.1 and sets it",
        );
        self.env("WASH_WADM", wadm)
    }

    /// Removes an environment variable for this invocation (e.g. the `WASH_KEYS` every invocation
    /// gets, to test what wash picks without it).
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.command.env_remove(key);
        self
    }

    /// Feeds these bytes on stdin (stdin is closed otherwise).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// The temp `HOME` of this invocation.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// The temp working directory of this invocation.
    pub fn work_dir(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// Runs in an existing home shared between invocations: `HOME`, `WASH_KEYS` and the working directory
    /// all point into `home` (which must outlive the invocation).
    pub fn in_home(mut self, home: &Path) -> Self {
        let _ = std::fs::create_dir_all(home.join(".wash/keys"));
        self.command
            .env("HOME", home)
            .env("WASH_KEYS", home.join(".wash/keys"))
            .current_dir(home);
        self
    }

    /// Uses another working directory.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.command.current_dir(dir);
        self
    }

    /// Starts `wash` without waiting, for long-running commands such as `wash ui`: stdin closed, stdout
    /// and stderr written to files in its temp dir; the process is killed and reaped when the handle
    /// drops.
    pub fn spawn(mut self) -> WashChild {
        let stdout =
            std::fs::File::create(self.dir.path().join("stdout")).expect("create stdout file");
        let stderr =
            std::fs::File::create(self.dir.path().join("stderr")).expect("create stderr file");
        self.command
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        let child = self.command.spawn().expect("spawn the wash binary");
        WashChild {
            child,
            dir: self.dir,
        }
    }

    /// Runs `wash` like [`WashBuilder::run`], but kills it and panics if it has not finished within
    /// `ceiling`: for checks that a command fails without waiting for a (much longer) timeout.
    pub fn run_within(mut self, ceiling: std::time::Duration) -> WashOutput {
        use std::io::Read;
        let args: Vec<_> = self.command.get_args().map(|a| a.to_owned()).collect();
        self.command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.command.spawn().expect("spawn the wash binary");
        let readers: Vec<_> = [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .map(|stream| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                if let Some(mut stream) = stream {
                    let _ = stream.read_to_end(&mut bytes);
                }
                bytes
            })
        })
        .collect();
        let deadline = std::time::Instant::now() + ceiling;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for wash") {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("`wash {args:?}` did not finish within {ceiling:?}");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let mut outputs = readers
            .into_iter()
            .map(|r| r.join().expect("output reader"));
        let stdout = outputs.next().unwrap_or_default();
        let stderr = outputs.next().unwrap_or_default();
        WashOutput {
            output: Output {
                status,
                stdout,
                stderr,
            },
            dir: self.dir,
        }
    }

    /// Runs `wash` to completion and captures its output; the temp dir lives on in the result.
    pub fn run(mut self) -> WashOutput {
        use std::io::Write;
        self.command.stdout(Stdio::piped()).stderr(Stdio::piped());
        self.command.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = self.command.spawn().expect("spawn the wash binary");
        if let Some(bytes) = self.stdin.take() {
            let mut stdin = child.stdin.take().expect("piped stdin");
            stdin.write_all(&bytes).expect("write wash stdin");
        }
        let output = child.wait_with_output().expect("wait for wash");
        WashOutput {
            output,
            dir: self.dir,
        }
    }
}

/// What a finished `wash` invocation printed, plus its temp dir (kept alive for follow-up checks).
#[derive(Debug)]
pub struct WashOutput {
    /// Exit status, stdout and stderr.
    pub output: Output,
    dir: TempDir,
}

impl WashOutput {
    /// The exit code (`-1` if killed by a signal).
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    /// Stdout as text.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    /// Stderr as text.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Stdout parsed as exactly one JSON value; panics with both streams if it is not.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.output.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON value ({e}):\n{}\nstderr:\n{}",
                self.stdout(),
                self.stderr()
            )
        })
    }

    /// Panics unless the exit code is `code`, showing both streams.
    #[track_caller]
    pub fn assert_code(self, code: i32) -> Self {
        assert_eq!(
            self.code(),
            code,
            "unexpected exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }

    /// Panics unless `wash` exited 0.
    #[track_caller]
    pub fn success(self) -> Self {
        self.assert_code(0)
    }

    /// The temp `HOME` the invocation used.
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    /// The working directory the invocation used (unless overridden).
    pub fn work_dir(&self) -> PathBuf {
        self.dir.path().join("work")
    }
}

/// A running `wash` started with [`WashCommand::spawn`]; killed and reaped on drop.
#[derive(Debug)]
pub struct WashChild {
    child: Child,
    dir: TempDir,
}

impl WashChild {
    /// Its exit status, if it has ended.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// What it wrote to stdout so far.
    pub fn stdout(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stdout")).unwrap_or_default()
    }

    /// What it wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr")).unwrap_or_default()
    }

    /// Sends it SIGINT (Ctrl-C) and waits up to `within` for it to exit; panics, showing its
    /// stderr, if it does not.
    #[track_caller]
    pub fn interrupt(&mut self, within: std::time::Duration) -> ExitStatus {
        let sent = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -INT failed");
        let deadline = std::time::Instant::now() + within;
        loop {
            if let Some(status) = self.exited() {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "wash did not exit within {within:?} of SIGINT; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for WashChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
