//! Finding, probing and starting the NATS server of a local lattice.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::state::write_atomic;
use crate::{LocalError, WashHome};

/// What answers on a local port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NatsProbe {
    /// Nothing listens.
    Free,
    /// A NATS server answers the handshake.
    Nats,
    /// Something else listens.
    Other,
}

/// Probes `127.0.0.1:<port>` with a NATS handshake (`INFO`, then `PING` → `PONG`; a server that asks for
/// credentials or TLS counts too).
pub fn probe_nats(port: u16) -> NatsProbe {
    let addr = ([127, 0, 0, 1], port).into();
    let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return NatsProbe::Free;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() || !line.starts_with("INFO ") {
        return NatsProbe::Other;
    }
    // A server that wants TLS first would take the plain CONNECT below as a bad handshake.
    if line.contains("\"tls_required\":true") {
        return NatsProbe::Nats;
    }
    if (&stream)
        .write_all(b"CONNECT {\"verbose\":false}\r\nPING\r\n")
        .is_err()
    {
        return NatsProbe::Other;
    }
    line.clear();
    // A server that asks for credentials answers the anonymous CONNECT with `-ERR 'Authorization
    // Violation'`: still a NATS server.
    if reader.read_line(&mut line).is_ok() && (line.starts_with("PONG") || line.starts_with("-ERR"))
    {
        NatsProbe::Nats
    } else {
        NatsProbe::Other
    }
}

/// The nats-server binary: `$WASH_NATS_SERVER`, else `nats-server` on `PATH`.
pub fn nats_server_program() -> Result<PathBuf, LocalError> {
    if let Some(path) = std::env::var_os("WASH_NATS_SERVER") {
        return Ok(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("nats-server"))
        .find(|candidate| candidate.is_file())
        .ok_or(LocalError::NatsMissing)
}

/// A NATS server this process started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartedNats {
    /// Its process (also written to `~/.wash/nats.pid`).
    pub id: crate::ProcessId,
    /// Its port.
    pub port: u16,
}

/// The version `nats-server --version` reports (`2.10.4` for `nats-server: v2.10.4`), if it runs.
pub fn nats_server_version(program: &Path) -> Option<String> {
    let output = Command::new(program).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let version = text.trim().rsplit(' ').next()?.trim_start_matches('v');
    (!version.is_empty()).then(|| version.to_owned())
}

/// A remote NATS server that the local server joins as a leaf node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafRemote {
    /// The remote's leaf-node URL (e.g. `nats-leaf://hub.example:7422` or `tls://...`).
    pub url: String,
    /// A NATS credentials file to log in to the remote with.
    pub credsfile: Option<PathBuf>,
}

/// How `wash up` starts its NATS server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatsServerOptions {
    /// Port on 127.0.0.1.
    pub port: u16,
    /// JetStream domain of the server (wash 0.18.1 gave its servers `core` unless told otherwise).
    pub js_domain: String,
    /// Join this remote as a leaf node.
    pub leaf: Option<LeafRemote>,
    /// The version the server must report (wash 0.18.1's `--nats-version`); `None` takes any.
    pub version: Option<String>,
}

impl NatsServerOptions {
    /// Options for a plain server on `port` with JetStream domain `core`.
    pub fn on_port(port: u16) -> Self {
        Self {
            port,
            js_domain: DEFAULT_JS_DOMAIN.into(),
            leaf: None,
            version: None,
        }
    }

    /// The server's configuration file: its JetStream domain and, for a leaf node, the remote.
    pub fn config_file(&self) -> String {
        let quote = |text: &str| serde_json::Value::from(text).to_string();
        let mut config = format!("jetstream {{\n  domain: {}\n}}\n", quote(&self.js_domain));
        if let Some(leaf) = &self.leaf {
            config.push_str("leafnodes {\n  remotes: [\n    {\n");
            config.push_str(&format!("      url: {}\n", quote(&leaf.url)));
            if let Some(creds) = &leaf.credsfile {
                let creds = quote(&creds.to_string_lossy());
                config.push_str(&format!("      credentials: {creds}\n"));
            }
            config.push_str("    }\n  ]\n}\n");
        }
        config
    }
}

/// The JetStream domain of a NATS server `wash up` starts, as in wash 0.18.1.
pub const DEFAULT_JS_DOMAIN: &str = "core";

/// Starts `nats-server -js` on `127.0.0.1:<port>` in the background (its own process group, so it
/// outlives `wash up --detached`) with the configuration `options` give (written to
/// `~/.wash/nats.conf`), records its pid and waits until it answers.
pub fn start_nats_server(
    home: &WashHome,
    options: &NatsServerOptions,
) -> Result<StartedNats, LocalError> {
    let port = options.port;
    let program = nats_server_program()?;
    if let Some(wanted) = &options.version {
        let found = nats_server_version(&program).unwrap_or_else(|| "unknown".into());
        if found != wanted.trim_start_matches('v') {
            return Err(LocalError::NatsVersion {
                wanted: wanted.clone(),
                found,
                program,
            });
        }
    }
    // nats-server reads the credentials file when it connects, relative to its own folder: check it
    // now and write its absolute path.
    let mut options = options.clone();
    if let Some(creds) = options.leaf.as_mut().and_then(|l| l.credsfile.as_mut()) {
        *creds = std::fs::canonicalize(&*creds).map_err(|source| LocalError::Io {
            path: creds.clone(),
            source,
        })?;
    }
    home.ensure()?;
    let config_path = home.nats_config();
    write_atomic(&config_path, options.config_file().as_bytes())?;
    let log_path = home.nats_log();
    let io = |path: &PathBuf| {
        let path = path.clone();
        move |source| LocalError::Io { path, source }
    };
    let log = std::fs::File::create(&log_path).map_err(io(&log_path))?;
    let log_err = log.try_clone().map_err(io(&log_path))?;
    let mut command = Command::new(&program);
    command
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(home.nats_data())
        .arg("-c")
        .arg(&config_path)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err);
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().map_err(|e| LocalError::NatsStart {
        log: log_path.clone(),
        reason: e.to_string(),
    })?;
    let pid = child.id();
    let id = crate::ProcessId::of(pid).unwrap_or(crate::ProcessId {
        pid,
        start_time: None,
    });
    crate::state::write_atomic(&home.nats_pid(), id.to_pid_file().as_bytes())?;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if probe_nats(port) == NatsProbe::Nats {
            return Ok(StartedNats { id, port });
        }
        if let Ok(Some(status)) = child.try_wait() {
            let _ = std::fs::remove_file(home.nats_pid());
            return Err(LocalError::NatsStart {
                log: log_path,
                reason: format!("it exited ({status})"),
            });
        }
        if Instant::now() > deadline {
            return Err(LocalError::NatsStart {
                log: log_path,
                reason: "it did not answer within 15 s".into(),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Stops the NATS server `wash up` started (SIGTERM, then SIGKILL after 5 s, each only while the pid
/// still names that process) and removes its pid file.
pub fn stop_started_nats(home: &WashHome, id: crate::ProcessId) {
    id.stop(crate::NATS_PROGRAM, Duration::from_secs(5));
    let _ = std::fs::remove_file(home.nats_pid());
}
