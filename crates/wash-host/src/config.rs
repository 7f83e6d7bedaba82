//! Host settings: where the lattice is, who the host is, and how it treats actors and providers.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::runtime::RuntimeConfig;

pub use wash_nats::{NatsAuth, NatsTls};

/// Everything a host needs to start. `Default` gives a host on `nats://127.0.0.1:4222`, lattice `default`,
/// with fresh host and cluster keys.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// NATS URL for RPC, control and events; may carry `user:password@` (never logged or shown).
    pub nats_url: String,
    /// Credentials of the host's NATS connection (`--rpc-credsfile`, `--rpc-jwt`/`--rpc-seed`).
    pub nats_auth: NatsAuth,
    /// TLS of the host's NATS connection (and of providers', unless `provider_tls` says otherwise).
    pub nats_tls: NatsTls,
    /// Credentials handed to providers in their host data (`--prov-rpc-*`); `None` gives them the
    /// host's own.
    pub provider_auth: Option<NatsAuth>,
    /// TLS of providers' connections; `None`: the host's.
    pub provider_tls: Option<NatsTls>,
    /// Lattice id (`WASMCLOUD_LATTICE_PREFIX`).
    pub lattice: String,
    /// Control-interface subject prefix (`wasmbus.ctl`).
    pub ctl_prefix: String,
    /// Host seed (`SN…`); generated when `None`.
    pub host_seed: Option<String>,
    /// Cluster seed (`SC…`) invocations are signed with; generated when `None`.
    pub cluster_seed: Option<String>,
    /// Additional trusted cluster public keys (the host's own is always trusted).
    pub cluster_issuers: Vec<String>,
    /// Labels published in pings and inventories (built-in `hostcore.*` labels are added).
    pub labels: BTreeMap<String, String>,
    /// Timeout of RPC calls to providers and other actors. A call into an actor of this host is
    /// stopped a tenth before it (or at `runtime.call_timeout`, if sooner), so its caller gets the
    /// actor's timeout error in time.
    pub rpc_timeout: Duration,
    /// Interval between provider health checks.
    pub health_interval: Duration,
    /// Interval between heartbeats.
    pub heartbeat_interval: Duration,
    /// Grace period between a provider's shutdown request and killing it.
    pub provider_shutdown_grace: Duration,
    /// Where provider binaries are extracted.
    pub cache_dir: PathBuf,
    /// The actor runtime's tuning: call deadline and per-actor memory limit (`WASH_ACTOR_MAX_MEMORY`,
    /// default 256 MiB; see [`RuntimeConfig`]).
    pub runtime: RuntimeConfig,
    /// Most calls one actor may run at once.
    pub max_concurrent_calls_per_actor: usize,
    /// Registries that may be reached over plain HTTP (`WASMCLOUD_OCI_ALLOWED_INSECURE`).
    pub allowed_insecure: Vec<String>,
    /// Whether OCI references tagged `latest` (or untagged) may be pulled (`WASMCLOUD_OCI_ALLOW_LATEST`).
    pub oci_allow_latest: bool,
    /// The content-addressed cache of pulled artifacts.
    pub oci_cache_dir: PathBuf,
    /// Log level given to providers in their host data.
    pub provider_log_level: Option<String>,
    /// JetStream domain of the lattice bucket (`WASMCLOUD_JS_DOMAIN`); `None` uses the server's own.
    pub js_domain: Option<String>,
    /// Replicas of the lattice bucket when this host creates it (3 on a three-node NATS cluster, so
    /// links and claims survive losing a node); an existing bucket is used as it is.
    pub bucket_replicas: usize,
    /// Whether actors and providers may be started from files on this host
    /// (`WASMCLOUD_ALLOW_FILE_LOAD`); when `false`, only OCI references are accepted.
    pub allow_file_load: bool,
    /// The NATS URL given to providers (`WASMCLOUD_PROV_RPC_HOST`/`PORT`); `None` gives them
    /// [`HostConfig::nats_url`].
    pub provider_rpc_url: Option<String>,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            nats_url: "nats://127.0.0.1:4222".into(),
            nats_auth: NatsAuth::default(),
            nats_tls: NatsTls::default(),
            provider_auth: None,
            provider_tls: None,
            lattice: wash_wire::DEFAULT_LATTICE.into(),
            ctl_prefix: wash_wire::subjects::DEFAULT_CTL_PREFIX.into(),
            host_seed: None,
            cluster_seed: None,
            cluster_issuers: Vec::new(),
            labels: BTreeMap::new(),
            rpc_timeout: Duration::from_millis(wash_wire::DEFAULT_RPC_TIMEOUT_MS),
            health_interval: Duration::from_secs(30),
            heartbeat_interval: Duration::from_secs(30),
            provider_shutdown_grace: Duration::from_secs(2),
            cache_dir: std::env::temp_dir().join("wash-host-cache"),
            runtime: RuntimeConfig::default(),
            max_concurrent_calls_per_actor: 256,
            allowed_insecure: Vec::new(),
            oci_allow_latest: false,
            oci_cache_dir: wash_oci::PullOptions::default().cache_dir,
            provider_log_level: None,
            js_domain: None,
            bucket_replicas: 1,
            allow_file_load: true,
            provider_rpc_url: None,
        }
    }
}
