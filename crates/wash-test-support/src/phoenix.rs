//! Arize Phoenix, the trace store the traces tests export to: `phoenix serve` receives OTLP/HTTP on
//! `/v1/traces` and lists the spans it stored on `GET /v1/projects/default/spans`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;

use crate::process::{free_port, start_with_retries, ServerProcess};
use crate::{http_get, HttpReply};

/// How long Phoenix may take to start (Python imports and its database's migrations).
const PHOENIX_START_TIMEOUT: Duration = Duration::from_secs(120);

/// `phoenix serve` on free loopback ports, its database in a temp dir.
#[derive(Debug)]
pub struct Phoenix {
    process: ServerProcess,
    port: u16,
    dir: TempDir,
}

/// The `phoenix` command: `$WASH_PHOENIX`, which `./dev` points at the virtual environment
/// `./dev setup` installs arize-phoenix into.
pub fn phoenix_program() -> PathBuf {
    match std::env::var_os("WASH_PHOENIX") {
        Some(path) => PathBuf::from(path),
        None => panic!(
            "WASH_PHOENIX is not set: run the tests with `./dev test`, which installs Arize Phoenix \
             (`./dev setup`) and sets it"
        ),
    }
}

impl Phoenix {
    /// Starts Phoenix and waits until it answers `GET /healthz`.
    pub fn start() -> Self {
        let program = phoenix_program();
        start_with_retries(|port| {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let log = dir.path().join("phoenix.log");
            let mut command = Command::new(&program);
            command
                .arg("serve")
                .env("PHOENIX_HOST", "127.0.0.1")
                .env("PHOENIX_PORT", port.to_string())
                .env("PHOENIX_GRPC_PORT", free_port().to_string())
                .env("PHOENIX_WORKING_DIR", dir.path())
                // Nothing leaves loopback: no usage telemetry.
                .env("PHOENIX_TELEMETRY_ENABLED", "false")
                .env("DO_NOT_TRACK", "1");
            let mut process = ServerProcess::spawn("phoenix", command, &log);
            process.wait_until_within(&log, PHOENIX_START_TIMEOUT, || {
                http_get(port, "/healthz").is_some_and(|r| r.status == 200)
            })?;
            Ok(Self { process, port, dir })
        })
    }

    /// `http://127.0.0.1:<port>`: `OTEL_EXPORTER_OTLP_ENDPOINT` for the programs under test.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port of its web UI and API.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every span stored in the default project (newest first, as Phoenix lists them).
    pub fn spans(&self) -> Vec<Value> {
        let mut spans = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/projects/default/spans?limit=1000&cursor={c}"),
                None => "/v1/projects/default/spans?limit=1000".to_owned(),
            };
            let Some(reply) = http_get(self.port, &path).filter(|r| r.status == 200) else {
                return spans;
            };
            let page: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
            spans.extend(page["data"].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(next) if !next.is_empty() => cursor = Some(next.to_owned()),
                _ => return spans,
            }
        }
    }

    /// `GET path` on its web server.
    pub fn get(&self, path: &str) -> Option<HttpReply> {
        http_get(self.port, path)
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("phoenix.log")).unwrap_or_default()
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }
}
