//! The host: keys, NATS connections, the lattice bucket watch, heartbeats, and the handle callers hold.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use async_nats::jetstream::kv;
use nkeys::KeyPair;
use serde_json::json;
use tokio::sync::watch;
use wash_wire::ctl::StringMap;

use crate::actors::RunningActor;
use crate::config::HostConfig;
use crate::error::HostError;
use crate::events::EventPublisher;
use crate::providers::RunningProvider;
use crate::runtime::ActorRuntime;
use crate::store::{self, LatticeCache, LatticeChange, WatchEvent};

/// Shared state of a running host.
pub(crate) struct Lattice {
    pub(crate) config: HostConfig,
    pub(crate) host_key: KeyPair,
    pub(crate) cluster_key: KeyPair,
    pub(crate) cluster_seed: String,
    /// The user JWT and seed providers log in with (host data), if the lattice's NATS needs them.
    pub(crate) provider_credentials: Option<wash_nats::UserCredentials>,
    pub(crate) issuers: Vec<String>,
    pub(crate) labels: StringMap,
    pub(crate) friendly_name: String,
    pub(crate) started: Instant,
    pub(crate) nats: async_nats::Client,
    /// Payloads over 900 KiB, both ways, through the lattice's object store.
    pub(crate) chunks: wash_rpc::ChunkStore,
    pub(crate) bucket: kv::Store,
    pub(crate) cache: Arc<LatticeCache>,
    pub(crate) runtime: ActorRuntime,
    pub(crate) events: EventPublisher,
    pub(crate) actors: RwLock<HashMap<String, Arc<RunningActor>>>,
    pub(crate) providers: Mutex<HashMap<(String, String), Arc<RunningProvider>>>,
    /// Provider references (and link names) being started, to refuse duplicates early.
    pub(crate) provider_refs: Mutex<HashMap<(String, String), String>>,
    pub(crate) registries: Mutex<wash_wire::ctl::RegistryCredentialMap>,
    pub(crate) stop_tx: watch::Sender<bool>,
    /// The bucket revision up to which this host has applied every change (links delivered).
    pub(crate) applied: watch::Sender<u64>,
}

impl Lattice {
    /// The host's public key (`N…`).
    pub(crate) fn id(&self) -> String {
        self.host_key.public_key()
    }

    /// Seconds since start.
    pub(crate) fn uptime_seconds(&self) -> u64 {
        self.started.elapsed().as_secs()
    }
}

/// A running host. Dropping the handle does not stop it: call [`Host::stop`].
#[derive(Clone)]
pub struct Host {
    pub(crate) inner: Arc<Lattice>,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("id", &self.inner.id())
            .field("lattice", &self.inner.config.lattice)
            .finish()
    }
}

/// The runtime's settings, with the call deadline brought under the RPC timeout: a caller waits
/// `rpc_timeout` for a reply, so a call that cannot finish is stopped (a tenth) before that, and the
/// caller gets the actor's timeout error rather than a timeout of its own.
fn actor_runtime_config(config: &HostConfig) -> crate::runtime::RuntimeConfig {
    let mut runtime = config.runtime.clone();
    runtime.call_timeout = runtime
        .call_timeout
        .min(config.rpc_timeout - config.rpc_timeout / 10);
    runtime
        .compiled_cache_dir
        .get_or_insert_with(|| config.cache_dir.join("compiled-actors"));
    runtime
}

fn key_from_seed(
    seed: Option<&str>,
    what: &'static str,
    generate: fn() -> KeyPair,
) -> Result<KeyPair, HostError> {
    match seed {
        Some(seed) => KeyPair::from_seed(seed.trim()).map_err(|e| HostError::BadSeed {
            what,
            reason: e.to_string(),
        }),
        None => Ok(generate()),
    }
}

impl Host {
    /// Connects to NATS, opens the lattice bucket, starts serving the control interface and announces
    /// the host with `host_started`.
    ///
    /// Fails before connecting when `WASH_ACTOR_MAX_MEMORY` is set to something that is not a memory
    /// size, and when the actor runtime (its epoch ticker included) cannot start.
    pub async fn start(config: HostConfig) -> Result<Self, HostError> {
        crate::runtime::max_memory_from_env().map_err(|e| HostError::Environment {
            var: crate::runtime::MAX_MEMORY_ENV,
            reason: e.to_string(),
        })?;
        let host_key = key_from_seed(config.host_seed.as_deref(), "host", KeyPair::new_server)?;
        let cluster_key = key_from_seed(
            config.cluster_seed.as_deref(),
            "cluster",
            KeyPair::new_cluster,
        )?;
        let cluster_seed = cluster_key.seed().map_err(|e| HostError::BadSeed {
            what: "cluster",
            reason: e.to_string(),
        })?;
        let mut issuers = vec![cluster_key.public_key()];
        issuers.extend(
            config
                .cluster_issuers
                .iter()
                .filter(|k| **k != cluster_key.public_key())
                .cloned(),
        );

        let (reconnected_tx, reconnected) = watch::channel(0u64);
        // What providers will log in with, checked now so a bad creds file fails the start.
        let provider_credentials = config
            .provider_auth
            .as_ref()
            .unwrap_or(&config.nats_auth)
            .user_credentials()
            .map_err(HostError::Credentials)?;
        let connect = wash_nats::NatsConnect {
            auth: config.nats_auth.clone(),
            tls: config.nats_tls.clone(),
            timeout: None,
            ..wash_nats::NatsConnect::new(config.nats_url.clone(), "wash-host")
        };
        let nats = connect
            .connect_with(
                async_nats::ConnectOptions::new().event_callback(nats_event_logger(reconnected_tx)),
            )
            .await
            .map_err(|e| match e {
                wash_nats::NatsError::Connect { url, reason } => HostError::Connect { url, reason },
                other => HostError::Credentials(other),
            })?;
        let js = match &config.js_domain {
            Some(domain) => async_nats::jetstream::with_domain(nats.clone(), domain),
            None => async_nats::jetstream::new(nats.clone()),
        };
        let shown_url = wash_nats::redact(&config.nats_url);
        let bucket =
            store::open_bucket(&js, &config.lattice, &shown_url, config.bucket_replicas).await?;
        let runtime = ActorRuntime::new(actor_runtime_config(&config))
            .map_err(|e| HostError::Runtime(format!("{e:#}")))?;

        let mut labels: StringMap = BTreeMap::new();
        labels.insert("hostcore.os".into(), std::env::consts::OS.into());
        labels.insert("hostcore.osfamily".into(), std::env::consts::FAMILY.into());
        labels.insert("hostcore.arch".into(), std::env::consts::ARCH.into());
        labels.extend(config.labels.clone());

        let id = host_key.public_key();
        let friendly_name = friendly_name(&id);
        let events = EventPublisher::new(nats.clone(), &config.lattice, &id);
        let chunks = wash_rpc::ChunkStore::new(nats.clone(), &config.lattice);
        let (stop_tx, _) = watch::channel(false);
        let inner = Arc::new(Lattice {
            config,
            provider_credentials,
            host_key,
            cluster_key,
            cluster_seed,
            issuers,
            labels,
            friendly_name,
            started: Instant::now(),
            chunks,
            nats,
            bucket: bucket.clone(),
            cache: Arc::new(LatticeCache::default()),
            runtime,
            events,
            actors: RwLock::new(HashMap::new()),
            providers: Mutex::new(HashMap::new()),
            provider_refs: Mutex::new(HashMap::new()),
            registries: Mutex::new(HashMap::new()),
            stop_tx,
            applied: watch::channel(0).0,
        });

        store::load(&inner.bucket, &inner.cache).await?;
        crate::ctl::serve(inner.clone()).await?;
        let (changes_tx, mut changes_rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(store::watch(
            bucket,
            inner.cache.clone(),
            changes_tx,
            reconnected,
        ));
        let weak = Arc::downgrade(&inner);
        tokio::spawn(async move {
            while let Some(event) = changes_rx.recv().await {
                let Some(lattice) = weak.upgrade() else {
                    return;
                };
                match event {
                    WatchEvent::Change(change) => apply_change(&lattice, change).await,
                    WatchEvent::Applied(revision) => {
                        lattice.applied.send_if_modified(|applied| {
                            let newer = revision > *applied;
                            if newer {
                                *applied = revision;
                            }
                            newer
                        });
                    }
                }
            }
        });
        tokio::spawn(heartbeat(Arc::downgrade(&inner)));

        inner
            .events
            .publish(
                "host_started",
                json!({
                    "labels": inner.labels,
                    "friendly_name": inner.friendly_name,
                    "uptime_seconds": 0,
                    "version": env!("CARGO_PKG_VERSION"),
                }),
            )
            .await;
        tracing::info!(host_id = %inner.id(), lattice = %inner.config.lattice, "host started");
        Ok(Self { inner })
    }

    /// The host's public key (`N…`).
    pub fn id(&self) -> String {
        self.inner.id()
    }

    /// The cluster public key (`C…`) invocations are signed with.
    pub fn cluster_public_key(&self) -> String {
        self.inner.cluster_key.public_key()
    }

    /// The cluster seed (`SC…`), for clients that must sign invocations the host accepts.
    pub fn cluster_seed(&self) -> String {
        self.inner.cluster_seed.clone()
    }

    /// The lattice id.
    pub fn lattice(&self) -> &str {
        &self.inner.config.lattice
    }

    /// The OS process id of a provider instance this host runs, if its process is up.
    pub fn provider_pid(&self, provider_id: &str, link_name: &str) -> Option<u32> {
        let providers = self
            .inner
            .providers
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        providers
            .get(&(provider_id.to_owned(), link_name.to_owned()))
            .and_then(|p| p.pid())
    }

    /// Resolves when the host was asked to stop (control interface `stop`, or [`Host::stop`]).
    pub async fn stopped(&self) {
        let mut rx = self.inner.stop_tx.subscribe();
        let _ = rx.wait_for(|stopped| *stopped).await;
    }

    /// Stops every provider (shutdown message, then kill) and actor, publishes `host_stopped`.
    pub async fn stop(&self) {
        stop_everything(&self.inner).await;
    }
}

/// Stops providers and actors, publishes `host_stopped` and flags the host stopped (idempotent).
pub(crate) async fn stop_everything(lattice: &Arc<Lattice>) {
    if *lattice.stop_tx.borrow() {
        return;
    }
    let providers: Vec<_> = lattice
        .providers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .drain()
        .map(|(_, p)| p)
        .collect();
    futures::future::join_all(
        providers
            .iter()
            .map(|p| crate::providers::stop_provider(lattice, p, "host_stopped")),
    )
    .await;
    let actors: Vec<_> = lattice
        .actors
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .drain()
        .map(|(_, a)| a)
        .collect();
    for actor in actors {
        actor.shutdown();
    }
    lattice
        .events
        .publish("host_stopped", json!({ "labels": lattice.labels }))
        .await;
    let _ = lattice.nats.flush().await;
    let _ = lattice.stop_tx.send(true);
    tracing::info!(host_id = %lattice.id(), "host stopped");
}

/// Logs the NATS client's connection events and bumps `reconnected` each time the client is connected
/// again after losing its connection.
fn nats_event_logger(
    reconnected: watch::Sender<u64>,
) -> impl Fn(async_nats::Event) -> futures::future::Ready<()> + Send + Sync + 'static {
    let lost = std::sync::atomic::AtomicBool::new(false);
    move |event| {
        use std::sync::atomic::Ordering;
        match event {
            async_nats::Event::Disconnected => {
                lost.store(true, Ordering::SeqCst);
                tracing::warn!("lost the NATS connection; reconnecting");
            }
            async_nats::Event::Connected => {
                if lost.swap(false, Ordering::SeqCst) {
                    tracing::info!("reconnected to NATS");
                    reconnected.send_modify(|n| *n += 1);
                }
            }
            other => tracing::info!("NATS: {other}"),
        }
        futures::future::ready(())
    }
}

/// Waits until this host has applied every bucket change up to `revision` (its links delivered to
/// its providers); `false` if that did not happen within `within`.
pub(crate) async fn wait_applied(lattice: &Lattice, revision: u64, within: Duration) -> bool {
    let mut applied = lattice.applied.subscribe();
    tokio::time::timeout(within, applied.wait_for(|a| *a >= revision))
        .await
        .is_ok_and(|r| r.is_ok())
}

/// Reacts to a bucket change: events, and link delivery to local provider instances.
async fn apply_change(lattice: &Arc<Lattice>, change: LatticeChange) {
    match change {
        LatticeChange::LinkSet(link) => {
            lattice
                .events
                .publish("linkdef_set", link_event(&link))
                .await;
            deliver_link(lattice, &link, true).await;
        }
        LatticeChange::LinkDeleted(link) => {
            lattice
                .events
                .publish("linkdef_deleted", link_event(&link))
                .await;
            deliver_link(lattice, &link, false).await;
        }
        LatticeChange::ClaimsSet => {}
    }
}

fn link_event(link: &wash_wire::LinkDefinition) -> serde_json::Value {
    json!({
        "id": link.kv_key(),
        "actor_id": link.actor_id,
        "provider_id": link.provider_id,
        "link_name": link.link_name,
        "contract_id": link.contract_id,
        "values": link.values,
    })
}

/// Publishes a link put/del to the provider instance it names (msgpack, no reply).
pub(crate) async fn deliver_link(lattice: &Lattice, link: &wash_wire::LinkDefinition, put: bool) {
    let lattice_id = &lattice.config.lattice;
    let subject = if put {
        wash_wire::subjects::provider_link_put(lattice_id, &link.provider_id, &link.link_name)
    } else {
        wash_wire::subjects::provider_link_del(lattice_id, &link.provider_id, &link.link_name)
    };
    match link.to_msgpack() {
        Ok(bytes) => {
            if let Err(err) = lattice.nats.publish(subject, bytes.into()).await {
                tracing::warn!(%err, "failed to deliver link to provider");
            }
        }
        Err(err) => tracing::warn!(%err, "failed to encode link"),
    }
}

/// Publishes `host_heartbeat` at the configured interval until the host stops.
async fn heartbeat(weak: std::sync::Weak<Lattice>) {
    let interval = match weak.upgrade() {
        Some(lattice) => lattice.config.heartbeat_interval,
        None => return,
    };
    let mut ticker = tokio::time::interval(interval);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        let Some(lattice) = weak.upgrade() else {
            return;
        };
        if *lattice.stop_tx.borrow() {
            return;
        }
        lattice
            .events
            .publish("host_heartbeat", heartbeat_data(&lattice))
            .await;
    }
}

/// The `host_heartbeat` event data.
pub(crate) fn heartbeat_data(lattice: &Lattice) -> serde_json::Value {
    let actors: HashMap<String, usize> = lattice
        .actors
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|(key, actor)| (key.clone(), actor.instance_count()))
        .collect();
    let providers: Vec<_> = lattice
        .providers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .map(|p| json!({"public_key": p.identity.public_key, "link_name": p.link_name, "contract_id": p.identity.contract_id,
                        "annotations": p.annotations.clone().unwrap_or_default()}))
        .collect();
    json!({
        "actors": actors,
        "providers": providers,
        "labels": lattice.labels,
        "friendly_name": lattice.friendly_name,
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_seconds": lattice.uptime_seconds(),
        "uptime_human": uptime_human(lattice.uptime_seconds()),
    })
}

/// "1 minute, 3 seconds".
pub(crate) fn uptime_human(secs: u64) -> String {
    let parts = [
        (secs / 86400, "day"),
        (secs / 3600 % 24, "hour"),
        (secs / 60 % 60, "minute"),
        (secs % 60, "second"),
    ];
    let words: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    if words.is_empty() {
        "0 seconds".into()
    } else {
        words.join(", ")
    }
}

/// A stable two-word name derived from the host key, e.g. `quiet-river-4821`.
fn friendly_name(id: &str) -> String {
    const ADJECTIVES: &[&str] = &[
        "quiet", "bold", "misty", "sunny", "frosty", "gentle", "swift", "calm", "bright", "wild",
    ];
    const NOUNS: &[&str] = &[
        "river", "forest", "meadow", "breeze", "canyon", "harbor", "summit", "glade", "shore",
        "dune",
    ];
    let hash = id.bytes().fold(0u32, |acc, b| {
        acc.wrapping_mul(31).wrapping_add(u32::from(b))
    });
    format!(
        "{}-{}-{}",
        ADJECTIVES[(hash % 10) as usize],
        NOUNS[(hash / 10 % 10) as usize],
        hash / 100 % 10000
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// An actor call is cut a tenth before the RPC timeout its caller waits, unless the runtime's own
    /// call timeout is shorter.
    #[test]
    fn call_deadline_stays_under_the_rpc_timeout() {
        let mut config = HostConfig {
            rpc_timeout: Duration::from_secs(2),
            ..HostConfig::default()
        };
        assert_eq!(
            actor_runtime_config(&config).call_timeout,
            Duration::from_millis(1800)
        );
        config.runtime.call_timeout = Duration::from_secs(1);
        assert_eq!(
            actor_runtime_config(&config).call_timeout,
            Duration::from_secs(1)
        );
    }
}
