//! Native capability providers on this host: extraction from a provider archive, the process with its
//! host data on stdin, health checks, restarts with backoff, link delivery and shutdown.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Notify;
use wash_wire::ctl::StringMap;
use wash_wire::{HealthCheckResponse, HostData};

use crate::claims::ProviderIdentity;
use crate::host::Lattice;
use crate::store::LatticeChange;

/// One provider instance (provider key + link name) supervised by this host.
pub(crate) struct RunningProvider {
    pub(crate) identity: ProviderIdentity,
    pub(crate) link_name: String,
    pub(crate) image_ref: String,
    pub(crate) instance_id: String,
    pub(crate) annotations: Option<StringMap>,
    pub(crate) config_json: Option<String>,
    binary: PathBuf,
    stopping: AtomicBool,
    stopped: Notify,
    child: Mutex<Option<u32>>,
    pub(crate) healthy: AtomicBool,
}

impl RunningProvider {
    /// The OS process id of the current provider process, if one runs.
    pub(crate) fn pid(&self) -> Option<u32> {
        *self.child.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Starts a provider instance from `provider_ref`, publishing `provider_started` or `provider_start_failed`.
pub(crate) async fn start_provider(
    lattice: &Arc<Lattice>,
    provider_ref: String,
    link_name: String,
    config_json: Option<String>,
    annotations: Option<StringMap>,
) {
    let result =
        start_provider_inner(lattice, &provider_ref, &link_name, config_json, annotations).await;
    lattice
        .provider_refs
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&(provider_ref.clone(), link_name.clone()));
    if let Err(error) = result {
        tracing::warn!(%provider_ref, %error, "provider failed to start");
        lattice
            .events
            .publish(
                "provider_start_failed",
                json!({"provider_ref": provider_ref, "link_name": link_name, "error": error}),
            )
            .await;
    }
}

async fn start_provider_inner(
    lattice: &Arc<Lattice>,
    provider_ref: &str,
    link_name: &str,
    config_json: Option<String>,
    annotations: Option<StringMap>,
) -> Result<(), String> {
    let bytes = crate::refs::read_artifact(lattice, provider_ref).await?;
    let cache_dir = lattice.config.cache_dir.clone();
    let (identity, binary) =
        tokio::task::spawn_blocking(move || crate::claims::extract_provider(&bytes, &cache_dir))
            .await
            .map_err(|e| format!("provider extraction task failed: {e}"))??;
    let key = (identity.public_key.clone(), link_name.to_owned());
    let provider = Arc::new(RunningProvider {
        identity: identity.clone(),
        link_name: link_name.to_owned(),
        image_ref: provider_ref.to_owned(),
        instance_id: uuid::Uuid::new_v4().to_string(),
        annotations,
        config_json,
        binary,
        stopping: AtomicBool::new(false),
        stopped: Notify::new(),
        child: Mutex::new(None),
        healthy: AtomicBool::new(false),
    });
    {
        let mut providers = lattice.providers.lock().unwrap_or_else(|e| e.into_inner());
        if providers.contains_key(&key) {
            return Err(format!(
                "Provider with that link name is already running on this host: {} ({link_name})",
                identity.public_key
            ));
        }
        providers.insert(key, provider.clone());
    }
    let child = spawn_process(lattice, &provider).await?;
    crate::store::put_claims(
        &lattice.bucket,
        &identity.public_key,
        &identity.to_flat_map(),
    )
    .await;
    lattice
        .events
        .publish("provider_started", provider_started_data(&provider))
        .await;
    tracing::info!(provider = %identity.public_key, %link_name, contract = %identity.contract_id, "provider started");
    tokio::spawn(supervise(Arc::downgrade(lattice), provider.clone(), child));
    tokio::spawn(health_checks(Arc::downgrade(lattice), provider));
    Ok(())
}

fn provider_started_data(provider: &RunningProvider) -> serde_json::Value {
    let id = &provider.identity;
    json!({
        "public_key": id.public_key,
        "image_ref": provider.image_ref,
        "link_name": provider.link_name,
        "contract_id": id.contract_id,
        "instance_id": provider.instance_id,
        "annotations": provider.annotations.clone().unwrap_or_default(),
        "claims": {
            "issuer": id.issuer,
            "tags": "",
            "name": id.name.clone().unwrap_or_default(),
            "version": id.version.clone().unwrap_or_default(),
            "not_before_human": "never",
            "expires_human": "never",
        },
    })
}

/// Builds this instance's host data from the current links.
fn host_data(lattice: &Lattice, provider: &RunningProvider) -> HostData {
    let credentials = lattice.provider_credentials.as_ref();
    let tls = lattice
        .config
        .provider_tls
        .as_ref()
        .unwrap_or(&lattice.config.nats_tls);
    let url_is_tls = lattice
        .config
        .provider_rpc_url
        .as_ref()
        .unwrap_or(&lattice.config.nats_url)
        .starts_with("tls://");
    HostData {
        host_id: lattice.id(),
        lattice_rpc_prefix: lattice.config.lattice.clone(),
        link_name: provider.link_name.clone(),
        // One address: other SDKs parse no lists (a client learns the rest of a cluster from it).
        lattice_rpc_url: wash_nats::first_url(
            lattice
                .config
                .provider_rpc_url
                .as_ref()
                .unwrap_or(&lattice.config.nats_url),
        )
        .to_owned(),
        provider_key: provider.identity.public_key.clone(),
        invocation_seed: lattice.cluster_seed.clone(),
        instance_id: provider.instance_id.clone(),
        link_definitions: lattice
            .cache
            .links_of_provider(&provider.identity.public_key, &provider.link_name),
        cluster_issuers: lattice.issuers.clone(),
        config_json: provider.config_json.clone(),
        default_rpc_timeout_ms: Some(lattice.config.rpc_timeout.as_millis() as u64),
        log_level: lattice.config.provider_log_level.clone(),
        lattice_rpc_user_jwt: credentials.map(|c| c.jwt.clone()).unwrap_or_default(),
        lattice_rpc_user_seed: credentials.map(|c| c.seed.clone()).unwrap_or_default(),
        lattice_rpc_tls: tls.required || url_is_tls,
        lattice_rpc_tls_ca_file: tls.ca_file.as_ref().map(|path| path.display().to_string()),
        ..HostData::default()
    }
}

/// The service name of a provider's spans: its name in the claims, else its key.
fn provider_service_name(provider: &RunningProvider) -> String {
    provider
        .identity
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| provider.identity.public_key.clone())
}

/// Spawns the provider process with a clean environment and its host data on stdin.
async fn spawn_process(
    lattice: &Arc<Lattice>,
    provider: &Arc<RunningProvider>,
) -> Result<Child, String> {
    let mut command = Command::new(&provider.binary);
    command.env_clear();
    // As 0.x hosts did, the OpenTelemetry variables reach the provider, so its spans join the
    // lattice's traces; it is named after its claims.
    let mut traced = false;
    for name in wash_trace::PASSED_TO_PROVIDERS {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
            traced = true;
        }
    }
    if traced {
        command.env("OTEL_SERVICE_NAME", provider_service_name(provider));
        for name in wash_trace::BATCH_VARIABLES {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
    }
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|e| {
        format!(
            "failed to run provider binary `{}`: {e}",
            provider.binary.display()
        )
    })?;
    let host_data = host_data(lattice, provider);
    if let Some(mut stdin) = child.stdin.take() {
        let line = host_data.to_stdin_line();
        stdin
            .write_all(line.as_bytes())
            .await
            .map_err(|e| format!("failed to write host data: {e}"))?;
        drop(stdin);
    }
    let name = provider
        .identity
        .name
        .clone()
        .unwrap_or_else(|| provider.identity.public_key.clone());
    for stream in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
    ]
    .into_iter()
    .flatten()
    {
        let name = name.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stream).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                tracing::info!(provider = %name, "{line}");
            }
        });
    }
    *provider.child.lock().unwrap_or_else(|e| e.into_inner()) = child.id();
    tokio::spawn(catch_up_links(
        Arc::downgrade(lattice),
        provider.clone(),
        child.id(),
        host_data.link_definitions,
    ));
    Ok(child)
}

/// How long a new provider process may take to answer its health subject before the host stops
/// waiting to hand it the links that changed while it started.
const READY_WAIT: Duration = Duration::from_secs(60);

/// A link put or deleted after the host data was written but before the new process subscribed to its
/// link subjects is published to nobody. Once the process answers its health subject (our runtime
/// subscribes to the link subjects first), hand it every link that changed since its host data: puts
/// for new or changed links, deletes for links that are gone. A link that arrived on the wire too is
/// put twice; providers ignore a put for an actor they already have.
async fn catch_up_links(
    lattice: std::sync::Weak<Lattice>,
    provider: Arc<RunningProvider>,
    pid: Option<u32>,
    given: Vec<wash_wire::LinkDefinition>,
) {
    let started = tokio::time::Instant::now();
    loop {
        let Some(lattice) = lattice.upgrade() else {
            return;
        };
        if provider.stopping.load(Ordering::SeqCst) || provider.pid() != pid {
            return;
        }
        if ask_health(&lattice, &provider, Duration::from_millis(500))
            .await
            .is_some()
        {
            let now = lattice
                .cache
                .links_of_provider(&provider.identity.public_key, &provider.link_name);
            for change in crate::store::diff_links(&given, &now) {
                let (link, put) = match &change {
                    LatticeChange::LinkSet(link) => (link, true),
                    LatticeChange::LinkDeleted(link) => (link, false),
                    LatticeChange::ClaimsSet => continue,
                };
                let what = if put { "put" } else { "deleted" };
                tracing::info!(provider = %provider.identity.public_key, actor = %link.actor_id, "link {what} while the provider started: delivered again");
                crate::host::deliver_link(&lattice, link, put).await;
            }
            return;
        }
        if started.elapsed() > READY_WAIT {
            tracing::warn!(provider = %provider.identity.public_key, "provider did not answer its health subject within {} s; links put while it started may be missing", READY_WAIT.as_secs());
            return;
        }
        drop(lattice);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits on the process; restarts it with backoff when it dies unexpectedly.
async fn supervise(
    lattice: std::sync::Weak<Lattice>,
    provider: Arc<RunningProvider>,
    mut child: Child,
) {
    let mut backoff = Duration::from_millis(250);
    loop {
        let stopped = tokio::select! {
            status = child.wait() => {
                if provider.stopping.load(Ordering::SeqCst) {
                    true
                } else {
                    tracing::warn!(provider = %provider.identity.public_key, ?status, "provider exited unexpectedly; restarting");
                    false
                }
            }
            _ = provider.stopped.notified() => {
                let _ = child.wait().await;
                true
            }
        };
        *provider.child.lock().unwrap_or_else(|e| e.into_inner()) = None;
        if stopped {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
        let Some(lattice) = lattice.upgrade() else {
            return;
        };
        if provider.stopping.load(Ordering::SeqCst) {
            return;
        }
        match spawn_process(&lattice, &provider).await {
            Ok(new_child) => {
                child = new_child;
                backoff = Duration::from_millis(250);
            }
            Err(err) => {
                tracing::error!(provider = %provider.identity.public_key, %err, "provider restart failed")
            }
        }
    }
}

/// One health request to the provider instance; its reply, or `None` on no answer within `timeout`.
async fn ask_health(
    lattice: &Lattice,
    provider: &RunningProvider,
    timeout: Duration,
) -> Option<async_nats::Message> {
    let subject = wash_wire::subjects::provider_health(
        &lattice.config.lattice,
        &provider.identity.public_key,
        &provider.link_name,
    );
    let body = wash_wire::msgpack::encode(&json!({"placeholder": true}), "health request")
        .unwrap_or_default();
    match tokio::time::timeout(timeout, lattice.nats.request(subject, body.into())).await {
        Ok(Ok(reply)) => Some(reply),
        _ => None,
    }
}

/// Sends health checks on a schedule and publishes `health_check_*` events.
async fn health_checks(lattice: std::sync::Weak<Lattice>, provider: Arc<RunningProvider>) {
    let interval = match lattice.upgrade() {
        Some(l) => l.config.health_interval,
        None => return,
    };
    let mut ticker = tokio::time::interval_at(
        tokio::time::Instant::now() + interval.min(Duration::from_secs(5)),
        interval,
    );
    loop {
        ticker.tick().await;
        let Some(lattice) = lattice.upgrade() else {
            return;
        };
        if provider.stopping.load(Ordering::SeqCst) {
            return;
        }
        let id = &provider.identity;
        let healthy = match ask_health(&lattice, &provider, lattice.config.rpc_timeout).await {
            Some(reply) => {
                wash_wire::msgpack::decode::<HealthCheckResponse>(&reply.payload, "health")
                    .map(|h| h.healthy)
                    .unwrap_or(true)
            }
            None => false,
        };
        let was = provider.healthy.swap(healthy, Ordering::SeqCst);
        let event = match (was, healthy) {
            (false, true) => "health_check_passed",
            (true, false) => "health_check_failed",
            _ => "health_check_status",
        };
        lattice
            .events
            .publish(event, json!({"public_key": id.public_key, "contract_id": id.contract_id, "link_name": provider.link_name}))
            .await;
    }
}

/// Asks the provider to shut down, kills it after the grace period, publishes `provider_stopped`.
pub(crate) async fn stop_provider(lattice: &Lattice, provider: &RunningProvider, reason: &str) {
    provider.stopping.store(true, Ordering::SeqCst);
    let id = &provider.identity;
    let subject = wash_wire::subjects::provider_shutdown(
        &lattice.config.lattice,
        &id.public_key,
        &provider.link_name,
    );
    let body = serde_json::to_vec(&json!({"host_id": lattice.id()})).unwrap_or_default();
    let grace = lattice.config.provider_shutdown_grace;
    let _ = tokio::time::timeout(grace, lattice.nats.request(subject, body.into())).await;
    let deadline = tokio::time::Instant::now() + grace;
    // The supervisor clears the pid once it has reaped the process.
    while provider.pid().is_some() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    if let Some(pid) = provider.pid().and_then(|pid| i32::try_from(pid).ok()) {
        tracing::warn!(provider = %id.public_key, "provider did not exit after the shutdown request; killing it");
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    provider.stopped.notify_one();
    lattice
        .events
        .publish(
            "provider_stopped",
            json!({"public_key": id.public_key, "link_name": provider.link_name, "contract_id": id.contract_id,
                   "instance_id": provider.instance_id, "annotations": provider.annotations.clone().unwrap_or_default(),
                   "reason": reason}),
        )
        .await;
}
