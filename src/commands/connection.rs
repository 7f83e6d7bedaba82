//! The wash 0.x connection flags of `wash ctl` (`--ctl-*`) and `wash call` (`--rpc-*`): each one
//! overrides the selected context (`--context`, else the default context), which overrides the defaults.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use wash_ctl::{CtlClient, NatsAuth};
use wash_local::{Context, ContextStore, WashHome};

/// Where the lattice's control interface is and how to log in to its NATS.
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// NATS host of the control interface [default: from the context, else 127.0.0.1]
    #[arg(long, global = true, env = "WASH_CTL_HOST", hide_env_values = true)]
    pub ctl_host: Option<String>,

    /// NATS port of the control interface [default: from the context, else 4222]
    #[arg(long, global = true, env = "WASH_CTL_PORT", hide_env_values = true)]
    pub ctl_port: Option<u16>,

    /// NATS user JWT (or a file holding it); needs `--ctl-seed`
    #[arg(long, global = true, env = "WASH_CTL_JWT", hide_env_values = true)]
    pub ctl_jwt: Option<String>,

    /// NATS user seed (or a file holding it); alone, authenticates as that nkey
    #[arg(long, global = true, env = "WASH_CTL_SEED", hide_env_values = true)]
    pub ctl_seed: Option<String>,

    /// NATS credentials file (JWT and seed in one)
    #[arg(
        long,
        global = true,
        env = "WASH_CTL_CREDS",
        hide_env_values = true,
        value_name = "PATH"
    )]
    pub ctl_credsfile: Option<PathBuf>,

    /// Lattice id [default: from the context, else `default`]
    #[arg(
        short = 'x',
        long,
        global = true,
        env = "WASH_LATTICE",
        hide_env_values = true
    )]
    pub lattice: Option<String>,

    /// Timeout of one control request in milliseconds [default: from the context, else 2000]
    #[arg(long, global = true, value_name = "MS")]
    pub timeout_ms: Option<u64>,

    /// How long pings and auctions collect host answers, in milliseconds
    #[arg(long, global = true, value_name = "MS", default_value_t = 2000)]
    pub auction_timeout_ms: u64,

    /// Context to read settings from (a name in ~/.wash/contexts) [default: the default context]
    #[arg(long, global = true)]
    pub context: Option<String>,
}

/// Loads the context the flags select.
pub fn load_context(name: Option<&str>) -> anyhow::Result<Context> {
    Ok(ContextStore::new(&WashHome::from_env()).load_selected(name)?)
}

impl ConnectionArgs {
    /// Connects using flags over the context.
    pub async fn connect(&self) -> anyhow::Result<CtlClient> {
        let context = load_context(self.context.as_deref())?;
        let host = self.ctl_host.clone().unwrap_or(context.ctl_host);
        let port = self.ctl_port.unwrap_or(context.ctl_port);
        let lattice = self.lattice.clone().unwrap_or(context.ctl_lattice_prefix);
        let timeout = Duration::from_millis(self.timeout_ms.unwrap_or(context.ctl_timeout));
        let auth = NatsAuth {
            jwt: self.ctl_jwt.clone().or(context.ctl_jwt),
            seed: self.ctl_seed.clone().or(context.ctl_seed),
            credsfile: self.ctl_credsfile.clone().or(context.ctl_credsfile),
        };
        let url = format!("nats://{host}:{port}");
        let client = CtlClient::connect_with(&url, lattice, &auth).await?;
        Ok(client
            .with_timeout(timeout)
            .with_auction_timeout(Duration::from_millis(self.auction_timeout_ms)))
    }
}

/// Where the lattice's RPC plane is, how to log in, and the cluster seed that signs invocations.
#[derive(Debug, Clone, Args)]
pub struct RpcArgs {
    /// NATS host for RPC [default: from the context, else 127.0.0.1]
    #[arg(short = 'r', long, env = "WASMCLOUD_RPC_HOST", hide_env_values = true)]
    pub rpc_host: Option<String>,

    /// NATS port for RPC [default: from the context, else 4222]
    #[arg(short = 'p', long, env = "WASMCLOUD_RPC_PORT", hide_env_values = true)]
    pub rpc_port: Option<u16>,

    /// NATS user JWT (or a file holding it); needs `--rpc-seed`
    #[arg(long, env = "WASMCLOUD_RPC_JWT", hide_env_values = true)]
    pub rpc_jwt: Option<String>,

    /// NATS user seed (or a file holding it); alone, authenticates as that nkey
    #[arg(long, env = "WASMCLOUD_RPC_SEED", hide_env_values = true)]
    pub rpc_seed: Option<String>,

    /// NATS credentials file (JWT and seed in one)
    #[arg(
        long,
        env = "WASH_RPC_CREDS",
        hide_env_values = true,
        value_name = "PATH"
    )]
    pub rpc_credsfile: Option<PathBuf>,

    /// Lattice id [default: from the context, else `default`]
    #[arg(
        short = 'x',
        long,
        env = "WASMCLOUD_LATTICE_PREFIX",
        hide_env_values = true
    )]
    pub lattice: Option<String>,

    /// How long to wait for the reply, in milliseconds [default: from the context, else 2000]
    #[arg(
        short = 't',
        long,
        env = "WASMCLOUD_RPC_TIMEOUT_MS",
        hide_env_values = true,
        value_name = "MS"
    )]
    pub rpc_timeout_ms: Option<u64>,

    /// Cluster seed (SC…, or a file holding it) that signs the invocation [default: from the context,
    /// where `wash up` records it]
    #[arg(
        short = 'c',
        long,
        env = "WASMCLOUD_CLUSTER_SEED",
        hide_env_values = true
    )]
    pub cluster_seed: Option<String>,

    /// Context to read settings from (a name in ~/.wash/contexts) [default: the default context]
    #[arg(long)]
    pub context: Option<String>,
}

/// Resolved RPC settings.
#[derive(Debug)]
pub struct RpcSettings {
    /// NATS URL.
    pub url: String,
    /// Lattice id.
    pub lattice: String,
    /// Reply timeout.
    pub timeout: Duration,
    /// NATS auth.
    pub auth: NatsAuth,
    /// Cluster seed text.
    pub cluster_seed: String,
}

impl RpcArgs {
    /// Flags over the context.
    pub fn resolve(&self) -> anyhow::Result<RpcSettings> {
        let context = load_context(self.context.as_deref())?;
        let host = self.rpc_host.clone().unwrap_or(context.rpc_host);
        let port = self.rpc_port.unwrap_or(context.rpc_port);
        let seed = self
            .cluster_seed
            .clone()
            .or(context.cluster_seed)
            .context(
                "no cluster seed to sign the invocation: the context has none (`wash up` records one); \
                 pass `--cluster-seed` with the host's WASMCLOUD_CLUSTER_SEED",
            )?;
        let seed = match std::fs::read_to_string(&seed) {
            Ok(text) => text.trim().to_owned(),
            Err(_) => seed,
        };
        Ok(RpcSettings {
            url: format!("nats://{host}:{port}"),
            lattice: self.lattice.clone().unwrap_or(context.rpc_lattice_prefix),
            timeout: Duration::from_millis(self.rpc_timeout_ms.unwrap_or(context.rpc_timeout)),
            auth: NatsAuth {
                jwt: self.rpc_jwt.clone().or(context.rpc_jwt),
                seed: self.rpc_seed.clone().or(context.rpc_seed),
                credsfile: self.rpc_credsfile.clone().or(context.rpc_credsfile),
            },
            cluster_seed: seed,
        })
    }
}
