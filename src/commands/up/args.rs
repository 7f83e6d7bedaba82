//! The flags of `wash up`: ours, and every one wash 0.18.1's `up` had, with its environment variable
//! (docs/compat.md lists each and what it does here).

use std::path::PathBuf;

use clap::builder::BoolishValueParser;
use clap::Args;
use wash_host::runtime::parse_memory_size;

use crate::commands::args::parse_key_value;

pub(super) const AFTER_HELP: &str = "\
Examples:
  wash up                      # NATS (started if none answers on 127.0.0.1:4222) + a host, until Ctrl-C
  wash up --detached           # the same in the background; logs in ~/.wash/host.log
  wash up -d --nats-port 4333 --lattice dev
  wash up -d --nats-remote-url nats-leaf://hub.example:7422 --nats-credsfile user.creds
  wash down                    # stops what `wash up` started

Every flag of wash 0.18.1's `up` is accepted with its environment variable (NATS_HOST, NATS_PORT,
WASMCLOUD_LATTICE_PREFIX, WASMCLOUD_RPC_HOST, ...); the few our host cannot honour fail with the reason
(docs/compat.md). WASH_ACTOR_MAX_MEMORY sets the per-actor memory limit (docs/reliability.md). Pid
files, logs and the default context go to ~/.wash (WASH_HOME moves it: docs/wash-home.md).";

/// Arguments of `wash up`.
#[derive(Debug, Clone, Args)]
#[command(after_help = AFTER_HELP)]
pub struct UpArgs {
    /// Run in the background; `wash down` stops it.
    #[arg(short = 'd', long, visible_alias = "detach")]
    pub detached: bool,

    #[command(flatten)]
    pub nats: NatsFlags,

    #[command(flatten)]
    pub connection: HostConnectionFlags,

    /// Lattice id (wash 0.18.1's lattice prefix).
    #[arg(
        short = 'x',
        long,
        visible_alias = "lattice-prefix",
        env = "WASMCLOUD_LATTICE_PREFIX",
        default_value = "default"
    )]
    pub lattice: String,

    /// Replicas of the lattice's JetStream bucket (links, claims) when this host creates it: 3 on a
    /// three-node NATS cluster keeps them through the loss of a node.
    #[arg(
        long,
        env = "WASH_LATTICE_REPLICAS",
        value_name = "N",
        default_value_t = 1
    )]
    pub lattice_replicas: usize,

    /// Subject prefix of the host's control interface, in place of `wasmbus.ctl`.
    #[arg(
        long,
        env = "WASMCLOUD_CTL_TOPIC_PREFIX",
        value_name = "PREFIX",
        default_value = wash_wire::subjects::DEFAULT_CTL_PREFIX
    )]
    pub ctl_topic_prefix: String,

    /// Host seed (SN…); a new one is generated when absent.
    #[arg(long, env = "WASMCLOUD_HOST_SEED", hide_env_values = true)]
    pub host_seed: Option<String>,

    /// Cluster seed (SC…) invocations are signed with; reused from the default context, else generated.
    #[arg(long, env = "WASMCLOUD_CLUSTER_SEED", hide_env_values = true)]
    pub cluster_seed: Option<String>,

    /// Further trusted cluster public keys (C…), comma-separated.
    #[arg(long, env = "WASMCLOUD_CLUSTER_ISSUERS", value_delimiter = ',')]
    pub cluster_issuers: Vec<String>,

    /// A host label, KEY=VALUE (repeatable).
    #[arg(short = 'l', long = "label", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub labels: Vec<(String, String)>,

    /// RPC timeout in milliseconds.
    #[arg(long, env = "WASMCLOUD_RPC_TIMEOUT_MS", default_value_t = 2000)]
    pub rpc_timeout_ms: u64,

    /// Registries that may be reached over plain HTTP, comma-separated.
    #[arg(long, env = "WASMCLOUD_OCI_ALLOWED_INSECURE", value_delimiter = ',')]
    pub allowed_insecure: Vec<String>,

    /// Allow pulling OCI references tagged `latest` (or untagged).
    #[arg(long, env = "WASMCLOUD_OCI_ALLOW_LATEST")]
    pub allow_latest: bool,

    /// Largest linear memory one actor instance may grow to: bytes, or with KiB/MiB/GiB
    /// [default: 256MiB]. An actor growing past it traps with an out-of-memory error.
    #[arg(long, env = "WASH_ACTOR_MAX_MEMORY", value_name = "SIZE", value_parser = parse_memory_size)]
    pub max_actor_memory: Option<usize>,

    #[command(flatten)]
    pub host: HostFlags,

    /// (internal) run as the background host process of `wash up --detached`.
    #[arg(long, hide = true)]
    pub background_host: bool,
}

/// Where the lattice's NATS server is, or how `wash up` starts one.
#[derive(Debug, Clone, Args)]
pub struct NatsFlags {
    /// Connect to this NATS server instead of finding or starting one (e.g. nats://10.0.0.5:4222,
    /// tls://…; `nats://user:password@host:port` for a user/password server — better in
    /// `$WASH_NATS_URL` than on the command line).
    #[arg(
        long,
        value_name = "URL",
        env = "WASH_NATS_URL",
        hide_env_values = true,
        conflicts_with = "nats_remote_url"
    )]
    pub nats_url: Option<String>,

    /// Host of the NATS server (one is started on 127.0.0.1 or localhost when none answers).
    #[arg(long, env = "NATS_HOST", default_value = "127.0.0.1")]
    pub nats_host: String,

    /// Port of the NATS server (started there when nothing answers).
    #[arg(long, env = "NATS_PORT", default_value_t = 4222)]
    pub nats_port: u16,

    /// Never start a NATS server: fail when none answers at --nats-host/--nats-port.
    #[arg(
        long = "nats-connect-only",
        env = "NATS_CONNECT_ONLY",
        conflicts_with = "nats_remote_url"
    )]
    pub connect_only: bool,

    /// Start the local NATS server as a leaf node of this remote (its leaf-node URL, e.g.
    /// nats-leaf://hub.example:7422 or tls://connect.ngs.global).
    #[arg(long, env = "NATS_REMOTE_URL", value_name = "URL")]
    pub nats_remote_url: Option<String>,

    /// NATS credentials file the leaf node logs in to --nats-remote-url with.
    #[arg(
        long,
        env = "NATS_CREDSFILE",
        value_name = "PATH",
        requires = "nats_remote_url"
    )]
    pub nats_credsfile: Option<PathBuf>,

    /// JetStream domain of the NATS server `wash up` starts.
    #[arg(long, env = "NATS_JS_DOMAIN", default_value = wash_local::DEFAULT_JS_DOMAIN)]
    pub nats_js_domain: String,

    /// The version the started nats-server must be (wash does not download it: it checks the
    /// installed one and fails when it differs).
    #[arg(long, env = "NATS_VERSION", value_name = "VERSION")]
    pub nats_version: Option<String>,
}

/// wash 0.18.1's separate NATS connections of the host: RPC (actors), control interface, providers.
#[derive(Debug, Clone, Args)]
pub struct HostConnectionFlags {
    /// NATS host the host uses for RPC [default: --nats-host]; our host has one connection for RPC
    /// and the control interface, so it must match --ctl-host.
    #[arg(long, env = "WASMCLOUD_RPC_HOST")]
    pub rpc_host: Option<String>,

    /// NATS port for RPC [default: --nats-port]; must match --ctl-port.
    #[arg(long, env = "WASMCLOUD_RPC_PORT")]
    pub rpc_port: Option<u16>,

    /// NATS host of the control interface [default: --nats-host]; must match --rpc-host.
    #[arg(long, env = "WASMCLOUD_CTL_HOST")]
    pub ctl_host: Option<String>,

    /// NATS port of the control interface [default: --nats-port]; must match --rpc-port.
    #[arg(long, env = "WASMCLOUD_CTL_PORT")]
    pub ctl_port: Option<u16>,

    /// NATS host given to providers [default: the host's own NATS].
    #[arg(long, env = "WASMCLOUD_PROV_RPC_HOST")]
    pub prov_rpc_host: Option<String>,

    /// NATS port given to providers [default: the host's own NATS].
    #[arg(long, env = "WASMCLOUD_PROV_RPC_PORT")]
    pub prov_rpc_port: Option<u16>,

    #[command(flatten)]
    pub rpc_auth: RpcAuthFlags,

    #[command(flatten)]
    pub ctl_auth: CtlAuthFlags,

    #[command(flatten)]
    pub prov_rpc_auth: ProvRpcAuthFlags,

    /// PEM file of the CA that signed the NATS server's TLS certificate (besides the system's
    /// roots), for the host and the providers it starts.
    #[arg(long, env = "WASH_TLS_CA_FILE", value_name = "PATH")]
    pub tls_ca_file: Option<PathBuf>,
}

/// Declares the credential flags of one of the host's NATS connections (wash 0.18.1's `--rpc-*`,
/// `--ctl-*`, `--prov-rpc-*`): a creds file, or a JWT and seed (literal or files; a seed alone is an
/// nkey user), and whether TLS is required.
macro_rules! auth_flags {
    ($name:ident, $what:literal, $jwt:literal, $seed:literal, $creds:literal, $tls:literal,
     $jwt_env:literal, $seed_env:literal, $creds_env:literal, $tls_env:literal) => {
        #[doc = concat!("Credentials of ", $what, ".")]
        #[derive(Debug, Clone, Default, Args)]
        pub struct $name {
            #[doc = concat!("NATS user JWT (or a file holding it) of ", $what, "; needs the seed")]
            #[arg(id = $jwt, long = $jwt, env = $jwt_env, hide_env_values = true, value_name = "JWT|FILE")]
            pub jwt: Option<String>,
            #[doc = concat!("NATS user seed (or a file holding it) of ", $what, "; alone, an nkey user")]
            #[arg(id = $seed, long = $seed, env = $seed_env, hide_env_values = true, value_name = "SEED|FILE")]
            pub seed: Option<String>,
            #[doc = concat!("NATS credentials file (JWT and seed in one) of ", $what)]
            #[arg(id = $creds, long = $creds, env = $creds_env, value_name = "PATH")]
            pub credsfile: Option<PathBuf>,
            #[doc = concat!("Require TLS for ", $what, " (a `tls://` URL does too)")]
            #[arg(id = $tls, long = $tls, env = $tls_env)]
            pub tls: bool,
        }

        impl $name {
            /// The credentials as the NATS client takes them (files are read at connect time).
            pub fn auth(&self) -> wash_host::NatsAuth {
                wash_host::NatsAuth {
                    jwt: self.jwt.clone(),
                    seed: self.seed.clone(),
                    credsfile: self.credsfile.clone(),
                    ..wash_host::NatsAuth::default()
                }
            }

            /// The variables that carry these settings to the background host (not its command
            /// line, which other users can read).
            pub fn env(&self) -> Vec<(&'static str, String)> {
                let mut vars = Vec::new();
                if let Some(jwt) = &self.jwt {
                    vars.push(($jwt_env, jwt.clone()));
                }
                if let Some(seed) = &self.seed {
                    vars.push(($seed_env, seed.clone()));
                }
                if let Some(path) = &self.credsfile {
                    vars.push(($creds_env, path.display().to_string()));
                }
                if self.tls {
                    vars.push(($tls_env, "true".to_owned()));
                }
                vars
            }
        }
    };
}

auth_flags!(
    RpcAuthFlags,
    "the host's RPC connection",
    "rpc-jwt",
    "rpc-seed",
    "rpc-credsfile",
    "rpc-tls",
    "WASMCLOUD_RPC_JWT",
    "WASMCLOUD_RPC_SEED",
    "WASMCLOUD_RPC_CREDSFILE",
    "WASMCLOUD_RPC_TLS"
);
auth_flags!(
    CtlAuthFlags,
    "the host's control-interface connection (the same connection as RPC in our host)",
    "ctl-jwt",
    "ctl-seed",
    "ctl-credsfile",
    "ctl-tls",
    "WASMCLOUD_CTL_JWT",
    "WASMCLOUD_CTL_SEED",
    "WASMCLOUD_CTL_CREDSFILE",
    "WASMCLOUD_CTL_TLS"
);
auth_flags!(
    ProvRpcAuthFlags,
    "the providers' connections (default: the host's)",
    "prov-rpc-jwt",
    "prov-rpc-seed",
    "prov-rpc-credsfile",
    "prov-rpc-tls",
    "WASMCLOUD_PROV_RPC_JWT",
    "WASMCLOUD_PROV_RPC_SEED",
    "WASMCLOUD_PROV_RPC_CREDSFILE",
    "WASMCLOUD_PROV_RPC_TLS"
);

/// Host settings wash 0.18.1 passed to its wasmCloud host.
#[derive(Debug, Clone, Args)]
pub struct HostFlags {
    /// JetStream domain the host keeps its lattice data in [default: the NATS server's own].
    #[arg(long, env = "WASMCLOUD_JS_DOMAIN")]
    pub wasmcloud_js_domain: Option<String>,

    /// Whether actors and providers may be started from files (`false`: OCI references only).
    #[arg(
        long,
        env = "WASMCLOUD_ALLOW_FILE_LOAD",
        value_name = "BOOL",
        value_parser = BoolishValueParser::new(),
        num_args = 0..=1,
        default_missing_value = "true",
        default_value = "true"
    )]
    pub allow_file_load: bool,

    /// Milliseconds between asking a provider to shut down and killing it [default: 2000].
    #[arg(long, env = "WASMCLOUD_PROV_SHUTDOWN_DELAY_MS", value_name = "MS")]
    pub provider_delay: Option<u64>,

    /// Log level of the host and its providers (error, warn, info, debug, trace) [default: info in
    /// the background host's log; in the foreground, what -v says]; RUST_LOG wins.
    #[arg(
        long,
        visible_alias = "structured-log-level",
        env = "WASMCLOUD_LOG_LEVEL",
        value_name = "LEVEL"
    )]
    pub log_level: Option<String>,

    /// Write the host's log as JSON lines.
    #[arg(long, env = "WASMCLOUD_STRUCTURED_LOGGING_ENABLED")]
    pub enable_structured_logging: bool,

    /// Accepted: our host reaches NATS over IPv6 or IPv4 addresses alike.
    #[arg(long, env = "WASMCLOUD_ENABLE_IPV6")]
    pub enable_ipv6: bool,

    /// Accepted: our host is built into wash and never downloaded.
    #[arg(long = "wasmcloud-start-only")]
    pub start_only: bool,

    /// Do not start wadm (the application deployment manager `wash app` talks to) beside the host.
    #[arg(long)]
    pub disable_wadm: bool,

    /// Refused: the host is built into wash; no other wasmCloud version can be run.
    #[arg(hide = true, long, env = "WASMCLOUD_VERSION", value_name = "VERSION")]
    pub wasmcloud_version: Option<String>,

    /// The wadm version that must run: wash does not download wadm, so another installed version is
    /// refused.
    #[arg(long, env = "WADM_VERSION", value_name = "VERSION")]
    pub wadm_version: Option<String>,

    /// Refused: our host has no dashboard; `wash ui` serves one.
    #[arg(
        hide = true,
        long,
        env = "WASMCLOUD_DASHBOARD_PORT",
        value_name = "PORT"
    )]
    pub dashboard_port: Option<u16>,

    /// Refused: our host has no config-service client.
    #[arg(hide = true, long, env = "WASMCLOUD_CONFIG_SERVICE")]
    pub config_service_enabled: bool,
}
