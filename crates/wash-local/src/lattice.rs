//! The local lattice's life cycle: find or start its NATS server, record it in the default context,
//! start the host in the background and wait until it serves, and stop only what `wash up` started.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wash_ctl::CtlClient;

use crate::downloads::{recorded_processes, RecordedOutcome, RecordedProcess};
use crate::nats::stop_started_nats;
use crate::wadm::stop_started_wadm;
use crate::{
    probe_nats, start_nats_server, ContextStore, HostRecord, LocalError, NatsProbe,
    NatsServerOptions, ProcessId, Recorded, StartedNats, WashHome, HOST_PROGRAM,
};

/// How long `wash up --detached` waits for the background host to serve the lattice.
const HOST_START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `wash down` waits for a host it asked to stop before signalling it.
const HOST_STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// Grace between SIGTERM and SIGKILL for the processes `wash up` started.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// How often a wait checks again.
const POLL: Duration = Duration::from_millis(50);

/// A step of `wash up` or `wash down`, reported as it starts (the CLI turns these into status lines).
#[derive(Debug, Clone, Copy)]
pub enum LatticeStep<'a> {
    /// A NATS server already answers at this URL, and `wash up` uses it.
    UsingNats(&'a str),
    /// Nothing listens on this port of 127.0.0.1, so `wash up` starts `nats-server -js` there.
    StartingNats(u16),
    /// The background host process started; it logs to this file.
    StartingHost(&'a Path),
    /// `wash down` stops this host.
    StoppingHost(&'a HostRecord),
    /// `wash down` stops the NATS server with this pid.
    StoppingNats(u32),
    /// wadm's API answers (`wash up` started it with this pid).
    StartedWadm(u32),
    /// `wash down` stops the wadm with this pid.
    StoppingWadm(u32),
    /// `wash down` stops this program (`nats-server` or `wadm`) that wash 0.18.1's `up` recorded.
    StoppingRecorded(&'a str, u32),
}

/// Where `wash up` looks for NATS: `url` if given, else `nats://<host>:<port>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatsRequest {
    /// A NATS server to connect to instead of finding or starting one.
    pub url: Option<String>,
    /// Host of the local NATS server.
    pub host: String,
    /// Port of the local NATS server (started there when nothing answers).
    pub port: u16,
    /// Never start a server: fail when none answers (wash 0.18.1's `--nats-connect-only`).
    pub connect_only: bool,
    /// How to start the server if one is started (its JetStream domain, a leaf-node remote, the
    /// version it must be). `port` here is ignored: [`NatsRequest::port`] is used.
    pub server: NatsServerOptions,
}

impl NatsRequest {
    /// The URL the lattice will use.
    pub fn url(&self) -> String {
        self.url
            .clone()
            .unwrap_or_else(|| format!("nats://{}:{}", self.host, self.port))
    }
}

/// The NATS server of the local lattice, and the process if this `wash up` started it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalNats {
    /// Its URL.
    pub url: String,
    /// The server `wash up` started, if it did.
    pub started: Option<StartedNats>,
}

impl LocalNats {
    /// A server that someone else runs: nothing to stop.
    pub fn given(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            started: None,
        }
    }

    /// Stops the server if this `wash up` started it, and removes its pid file.
    pub fn stop_started(&self, home: &WashHome) {
        if let Some(started) = self.started {
            stop_started_nats(home, started.id);
        }
    }
}

/// Finds the NATS server to use: the requested URL, a server already answering on the local port, or
/// a new `nats-server -js` there (unless `connect_only`). A remote host is used as given. A leaf node
/// (`server.leaf`) is always a server this `wash up` starts.
pub fn find_or_start_nats(
    home: &WashHome,
    request: &NatsRequest,
    on_step: &mut dyn FnMut(LatticeStep<'_>),
) -> Result<LocalNats, LocalError> {
    let url = request.url();
    let local = matches!(request.host.as_str(), "127.0.0.1" | "localhost");
    if request.url.is_some() || !local {
        return Ok(LocalNats::given(url));
    }
    match probe_nats(request.port) {
        NatsProbe::Nats if request.server.leaf.is_some() => {
            Err(LocalError::LeafPortTaken { port: request.port })
        }
        NatsProbe::Nats => {
            on_step(LatticeStep::UsingNats(&url));
            Ok(LocalNats::given(url))
        }
        NatsProbe::Other => Err(LocalError::PortTaken { port: request.port }),
        NatsProbe::Free if request.connect_only => Err(LocalError::NatsNotRunning { url }),
        NatsProbe::Free => {
            on_step(LatticeStep::StartingNats(request.port));
            let options = NatsServerOptions {
                port: request.port,
                ..request.server.clone()
            };
            let started = start_nats_server(home, &options)?;
            Ok(LocalNats {
                url,
                started: Some(started),
            })
        }
    }
}

/// What `wash up` records about its lattice in the default context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatticeSettings {
    /// The NATS URL the host connects to (its host and port become the context's ctl/rpc address).
    pub nats_url: String,
    /// Lattice id.
    pub lattice: String,
    /// RPC timeout in milliseconds.
    pub rpc_timeout_ms: u64,
    /// The cluster seed given on the command line, if any.
    pub cluster_seed: Option<String>,
    /// The host's NATS credentials: the context records where they are (a creds file, or JWT and
    /// seed files), never literal secrets, for `wash ctl` and `wash call`.
    pub auth: wash_ctl::NatsAuth,
}

/// Records the lattice in the default context (the one `contexts/index.json` names, e.g. wash 0.18.1's
/// `host_config`, else `default`; created if missing), so `wash ctl` and `wash call` reach it, and
/// returns its cluster seed: the given one, else the context's, else a new one.
pub fn record_lattice(home: &WashHome, settings: &LatticeSettings) -> Result<String, LocalError> {
    let store = ContextStore::new(home);
    let name = store.default_name()?;
    ContextStore::check_name(&name)?;
    let mut context = store.load(&name)?;
    let seed = match (&settings.cluster_seed, &context.cluster_seed) {
        (Some(seed), _) | (None, Some(seed)) => seed.clone(),
        (None, None) => nkeys::KeyPair::new_cluster()
            .seed()
            .map_err(LocalError::ClusterKey)?,
    };
    context.cluster_seed = Some(seed.clone());
    record_credentials(&mut context, &settings.auth);
    if let Some((host, port)) = wash_ctl::host_and_port(&settings.nats_url) {
        context.ctl_host = host.clone();
        context.rpc_host = host;
        if let Ok(port) = port.parse() {
            context.ctl_port = port;
            context.rpc_port = port;
        }
    }
    context.ctl_lattice_prefix = settings.lattice.clone();
    context.rpc_lattice_prefix = settings.lattice.clone();
    context.rpc_timeout = settings.rpc_timeout_ms;
    store.save(&context)?;
    Ok(seed)
}

/// Puts the paths of the credentials in `auth` in both sides of the context (an absolute path, so
/// the context works from any folder). A JWT or seed given literally is not recorded: a context file
/// holds no secrets that `wash up` was handed.
fn record_credentials(context: &mut crate::Context, auth: &wash_ctl::NatsAuth) {
    let file = |value: &Option<String>| {
        value
            .as_deref()
            .map(std::path::Path::new)
            .filter(|path| path.is_file())
            .map(|path| absolute(path).display().to_string())
    };
    if let Some(path) = auth.credsfile.as_deref().filter(|p| p.is_file()) {
        let path = absolute(path);
        context.ctl_credsfile = Some(path.clone());
        context.rpc_credsfile = Some(path);
    }
    if let (Some(jwt), Some(seed)) = (file(&auth.jwt), file(&auth.seed)) {
        context.ctl_jwt = Some(jwt.clone());
        context.rpc_jwt = Some(jwt);
        context.ctl_seed = Some(seed.clone());
        context.rpc_seed = Some(seed);
    } else if let (None, Some(seed)) = (&auth.jwt, file(&auth.seed)) {
        context.ctl_seed = Some(seed.clone());
        context.rpc_seed = Some(seed);
    }
}

fn absolute(path: &std::path::Path) -> std::path::PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

/// Starts `host` (the binary's own background-host command line) in its own process group with its
/// output in `host.log`, waits until it records itself as serving the lattice, and checks that it
/// answers the control interface (connecting as `control` says, subjects under `ctl_prefix`). If it
/// exits first, the NATS server this `wash up` started is stopped.
pub async fn start_background_host(
    home: &WashHome,
    mut host: Command,
    nats: &LocalNats,
    control: &wash_ctl::NatsConnect,
    ctl_prefix: &str,
    on_step: &mut dyn FnMut(LatticeStep<'_>),
) -> Result<HostRecord, LocalError> {
    let log_path = home.host_log();
    let log = std::fs::File::create(&log_path).map_err(|source| LocalError::HostLog {
        path: log_path.clone(),
        source,
    })?;
    let log_err = log.try_clone().map_err(LocalError::HostSpawn)?;
    host.stdin(Stdio::null()).stdout(log).stderr(log_err);
    std::os::unix::process::CommandExt::process_group(&mut host, 0);
    let mut child = host.spawn().map_err(LocalError::HostSpawn)?;
    on_step(LatticeStep::StartingHost(&log_path));
    let deadline = Instant::now() + HOST_START_TIMEOUT;
    let record = loop {
        if let Some(record) = home.live_host()?.filter(|r| r.pid == child.id()) {
            break record;
        }
        if let Some(status) = child.try_wait().map_err(LocalError::HostSpawn)? {
            nats.stop_started(home);
            return Err(LocalError::HostExited {
                status,
                log: log_path,
            });
        }
        if Instant::now() > deadline {
            return Err(LocalError::HostTimeout {
                seconds: HOST_START_TIMEOUT.as_secs(),
                log: log_path,
            });
        }
        tokio::time::sleep(POLL).await;
    };
    let client = CtlClient::connect_with(control, record.lattice.clone())
        .await?
        .with_prefix(ctl_prefix);
    client
        .get_inventory(&record.host_id)
        .await
        .map_err(LocalError::HostSilent)?;
    Ok(record)
}

/// What `wash down` stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownReport {
    /// The host `wash up` started.
    pub host: Option<HostRecord>,
    /// The pid of the NATS server `wash up` started.
    pub nats_pid: Option<u32>,
    /// The pid of the wadm `wash up` started.
    pub wadm_pid: Option<u32>,
    /// Records of `wash up` (`host.json`, `nats.pid`) whose process is gone or is another process
    /// now: nothing was signalled and the file was removed.
    pub stale: Vec<StaleRecord>,
    /// What wash 0.18.1's `up` recorded under `~/.wash/downloads`, and what became of it.
    pub recorded: Vec<RecordedProcess>,
}

/// A record of `wash up` that no longer names its process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleRecord {
    /// The record file.
    pub file: std::path::PathBuf,
    /// The pid it held, if any.
    pub pid: Option<u32>,
}

/// Stops the wadm, host and NATS server that `wash up` started, then the wadm and NATS server that wash
/// 0.18.1's `up` recorded, and nothing else: the host is asked over its control interface first (it
/// shuts its providers down), then signalled if it is still there. A record is trusted only while its
/// pid still names the recorded process (same start time; records of older versions: same program);
/// stale records are reported and removed.
pub async fn down(
    home: &WashHome,
    on_step: &mut dyn FnMut(LatticeStep<'_>),
) -> Result<DownReport, LocalError> {
    let mut stale = Vec::new();
    // wadm first: it would otherwise restore what the host's stop takes down.
    let wadm_pid = stop_recorded(
        home,
        home.started_wadm(),
        home.wadm_pid(),
        LatticeStep::StoppingWadm,
        stop_started_wadm,
        &mut stale,
        on_step,
    )
    .await;
    let host = match home.host()? {
        Some((record, Recorded::Running(id))) => {
            stop_host(&record, id, on_step).await;
            Some(record)
        }
        Some((_, Recorded::Stale(pid))) => {
            stale.push(StaleRecord {
                file: home.host_record(),
                pid,
            });
            None
        }
        None => None,
    };
    home.forget_host();
    let nats_pid = stop_recorded(
        home,
        home.started_nats(),
        home.nats_pid(),
        LatticeStep::StoppingNats,
        stop_started_nats,
        &mut stale,
        on_step,
    )
    .await;
    let mut recorded = Vec::new();
    for process in recorded_processes(home) {
        if let (RecordedOutcome::Running, Some(pid)) = (process.outcome, process.pid) {
            on_step(LatticeStep::StoppingRecorded(process.program, pid));
        }
        let stopped = tokio::task::spawn_blocking(move || process.stop()).await;
        recorded.extend(stopped.ok());
    }
    Ok(DownReport {
        host,
        nats_pid,
        wadm_pid,
        stale,
        recorded,
    })
}

/// Stops a process whose pid file (`pid_file`, read as `recorded`) says `wash up` started it, with
/// `stop` (which removes the file); a stale record is added to `stale`, and the file removed. Returns
/// the pid stopped.
async fn stop_recorded(
    home: &WashHome,
    recorded: Option<Recorded>,
    pid_file: std::path::PathBuf,
    step: fn(u32) -> LatticeStep<'static>,
    stop: fn(&WashHome, ProcessId),
    stale: &mut Vec<StaleRecord>,
    on_step: &mut dyn FnMut(LatticeStep<'_>),
) -> Option<u32> {
    let stopped = match recorded {
        Some(Recorded::Running(id)) => {
            on_step(step(id.pid));
            let home = home.clone();
            let _ = tokio::task::spawn_blocking(move || stop(&home, id)).await;
            Some(id.pid)
        }
        Some(Recorded::Stale(pid)) => {
            stale.push(StaleRecord {
                file: pid_file.clone(),
                pid,
            });
            None
        }
        None => None,
    };
    let _ = std::fs::remove_file(pid_file);
    stopped
}

/// Asks the host to stop over its control interface, then signals it if it is still there.
async fn stop_host(record: &HostRecord, id: ProcessId, on_step: &mut dyn FnMut(LatticeStep<'_>)) {
    on_step(LatticeStep::StoppingHost(record));
    let asked = async {
        let client = CtlClient::connect(&record.nats_url, record.lattice.clone()).await?;
        client.stop_host(&record.host_id, Some(2000)).await
    };
    match asked.await {
        // Asked: give it the time to stop its providers and exit on its own.
        Ok(_) => {
            let deadline = Instant::now() + HOST_STOP_TIMEOUT;
            while id.is_running(HOST_PROGRAM) && Instant::now() < deadline {
                tokio::time::sleep(POLL).await;
            }
        }
        // Not reachable that way (e.g. a NATS that wants credentials the record does not hold): the
        // signal below (SIGTERM, then SIGKILL after the grace) stops it just as cleanly.
        Err(err) => {
            tracing::debug!(%err, "control-interface stop failed; signalling the process");
        }
    }
    let _ = tokio::task::spawn_blocking(move || id.stop(HOST_PROGRAM, STOP_GRACE)).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DEFAULT_CONTEXT;

    /// The context gets the server's address without the URL's user and password, and the path of a
    /// creds file (absolute); a seed given literally is not written down.
    #[test]
    fn record_lattice_keeps_secrets_out_of_the_context() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = WashHome::at(dir.path().join("home"));
        let creds = dir.path().join("user.creds");
        std::fs::write(&creds, "creds").expect("write creds");
        let settings = LatticeSettings {
            nats_url: "nats://alice:secret@10.0.0.5:4333".into(),
            lattice: "dev".into(),
            rpc_timeout_ms: 3000,
            cluster_seed: None,
            auth: wash_ctl::NatsAuth {
                credsfile: Some(creds.clone()),
                seed: Some("SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4".into()),
                ..wash_ctl::NatsAuth::default()
            },
        };
        record_lattice(&home, &settings).expect("record");
        let context = ContextStore::new(&home)
            .load(DEFAULT_CONTEXT)
            .expect("load");
        assert_eq!(context.ctl_host, "10.0.0.5");
        assert_eq!(context.ctl_port, 4333);
        assert_eq!(context.ctl_credsfile.as_deref(), Some(creds.as_path()));
        assert_eq!(context.rpc_credsfile.as_deref(), Some(creds.as_path()));
        assert_eq!(context.ctl_seed, None);
        let text =
            std::fs::read_to_string(home.contexts().join("default.json")).expect("context file");
        assert!(
            !text.contains("secret") && !text.contains("SUAIB"),
            "{text}"
        );
    }

    /// `wash up` records the NATS address, lattice and timeout in the default context and keeps the
    /// context's cluster seed unless one is given.
    #[test]
    fn record_lattice_keeps_or_replaces_the_cluster_seed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = WashHome::at(dir.path());
        let settings = LatticeSettings {
            nats_url: "nats://10.0.0.5:4333".into(),
            lattice: "dev".into(),
            rpc_timeout_ms: 3000,
            cluster_seed: None,
            auth: wash_ctl::NatsAuth::default(),
        };
        let first = record_lattice(&home, &settings).expect("record");
        assert!(first.starts_with("SC"), "{first}");
        assert_eq!(record_lattice(&home, &settings).expect("again"), first);
        let context = ContextStore::new(&home)
            .load(DEFAULT_CONTEXT)
            .expect("load");
        assert_eq!(context.ctl_url(), "nats://10.0.0.5:4333");
        assert_eq!(context.rpc_url(), "nats://10.0.0.5:4333");
        assert_eq!(context.ctl_lattice_prefix, "dev");
        assert_eq!(context.rpc_timeout, 3000);
        let given = nkeys::KeyPair::new_cluster().seed().expect("seed");
        let settings = LatticeSettings {
            cluster_seed: Some(given.clone()),
            ..settings
        };
        assert_eq!(record_lattice(&home, &settings).expect("given"), given);
    }

    /// A given URL or a remote host is used as is: nothing is probed or started.
    #[test]
    fn a_given_url_or_remote_host_is_used_as_is() {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = WashHome::at(dir.path());
        let mut steps = 0;
        let mut on_step = |_: LatticeStep<'_>| steps += 1;
        let given = NatsRequest {
            url: Some("nats://10.0.0.5:4222".into()),
            host: "127.0.0.1".into(),
            port: 4222,
            connect_only: false,
            server: NatsServerOptions::on_port(4222),
        };
        let nats = find_or_start_nats(&home, &given, &mut on_step).expect("given");
        assert_eq!(nats, LocalNats::given("nats://10.0.0.5:4222"));
        let remote = NatsRequest {
            url: None,
            host: "10.0.0.6".into(),
            port: 4333,
            connect_only: false,
            server: NatsServerOptions::on_port(4333),
        };
        let nats = find_or_start_nats(&home, &remote, &mut on_step).expect("remote");
        assert_eq!(nats, LocalNats::given("nats://10.0.0.6:4333"));
        assert_eq!(steps, 0);
    }
}
