//! The wash 0.x connection flags of `wash ctl` (`--ctl-*`) and `wash call` (`--rpc-*`): each one
//! overrides the selected context (`--context`, else the default context), which overrides the
//! defaults; `wash_local::ConnectionFlags` does the merging. The environment variables are wash 0.x's
//! (`WASMCLOUD_CTL_HOST`, ...), with our older `WASH_CTL_*`/`WASH_LATTICE` names read after them.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use clap::Args;
use wash_ctl::CtlClient;
use wash_local::{ConnectionFlags, ContextStore, LatticeConnection, WashHome};

/// Where the lattice's control interface is and how to log in to its NATS.
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// NATS host of the control interface (or `$WASH_CTL_HOST`) [default: from the context, else
    /// 127.0.0.1]
    #[arg(
        short = 'r',
        long,
        global = true,
        env = "WASMCLOUD_CTL_HOST",
        hide_env_values = true
    )]
    pub ctl_host: Option<String>,

    /// NATS port of the control interface (or `$WASH_CTL_PORT`) [default: from the context, else 4222]
    #[arg(
        short = 'p',
        long,
        global = true,
        env = "WASMCLOUD_CTL_PORT",
        hide_env_values = true
    )]
    pub ctl_port: Option<u16>,

    /// NATS user JWT (or a file holding it; or `$WASH_CTL_JWT`); needs `--ctl-seed`
    #[arg(long, global = true, env = "WASMCLOUD_CTL_JWT", hide_env_values = true)]
    pub ctl_jwt: Option<String>,

    /// NATS user seed (or a file holding it; or `$WASH_CTL_SEED`); alone, authenticates as that nkey
    #[arg(
        long,
        global = true,
        env = "WASMCLOUD_CTL_SEED",
        hide_env_values = true
    )]
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

    /// Lattice id (or `$WASH_LATTICE`) [default: from the context, else `default`]
    #[arg(
        short = 'x',
        long,
        visible_alias = "lattice-prefix",
        global = true,
        env = "WASMCLOUD_LATTICE_PREFIX",
        hide_env_values = true
    )]
    pub lattice: Option<String>,

    /// Timeout of one control request in milliseconds [default: from the context, else 2000]
    #[arg(
        short = 't',
        long,
        global = true,
        value_name = "MS",
        env = "WASMCLOUD_CTL_TIMEOUT_MS",
        hide_env_values = true
    )]
    pub timeout_ms: Option<u64>,

    /// How long pings and auctions collect host answers, in milliseconds
    #[arg(long, global = true, value_name = "MS", default_value_t = 2000)]
    pub auction_timeout_ms: u64,

    /// Context to read settings from: a name in ~/.wash/contexts, or the path of a context file
    /// [default: the default context]
    #[arg(long, global = true, value_name = "NAME|FILE")]
    pub context: Option<String>,

    /// NATS user name, for a server with user/password authorization (with `--ctl-password`)
    #[arg(long, global = true, env = "WASH_CTL_USER", hide_env_values = true)]
    pub ctl_user: Option<String>,

    /// The NATS user's password (better in `$WASH_CTL_PASSWORD` than on the command line)
    #[arg(
        long,
        global = true,
        env = "WASH_CTL_PASSWORD",
        hide_env_values = true,
        requires = "ctl_user"
    )]
    pub ctl_password: Option<String>,

    /// PEM file of the CA that signed the NATS server's TLS certificate (besides the system's roots)
    #[arg(
        long,
        global = true,
        env = "WASH_TLS_CA_FILE",
        hide_env_values = true,
        value_name = "PATH"
    )]
    pub tls_ca_file: Option<PathBuf>,

    /// Subject prefix of the control interface, in place of `wasmbus.ctl` (a host started with the
    /// same prefix answers)
    #[arg(
        long,
        global = true,
        env = "WASMCLOUD_CTL_TOPIC_PREFIX",
        value_name = "PREFIX",
        default_value = wash_wire::subjects::DEFAULT_CTL_PREFIX
    )]
    pub ctl_topic_prefix: String,

    /// JetStream domain of the lattice's NATS (wash 0.18.1 read links and claims from the lattice's
    /// bucket there). Accepted; not needed: this wash asks the hosts for links and claims
    #[arg(
        long,
        global = true,
        env = "WASMCLOUD_JS_DOMAIN",
        hide_env_values = true,
        value_name = "DOMAIN"
    )]
    pub js_domain: Option<String>,
}

impl ConnectionArgs {
    /// The note printed when `--js-domain` (or `$WASMCLOUD_JS_DOMAIN`) is set: it has no effect here.
    pub fn js_domain_note(&self) -> Option<String> {
        self.js_domain.as_ref().map(|domain| {
            format!(
                "JetStream domain `{domain}` is not used: links and claims are asked of the hosts, \
                 which read the lattice bucket in their own domain"
            )
        })
    }

    /// Connects using the flags over the selected context.
    pub async fn connect(&self, home: &WashHome) -> anyhow::Result<CtlClient> {
        let connection = self.lattice_connection(home)?;
        let client =
            CtlClient::connect_with(&connection.nats("wash"), connection.lattice.clone()).await?;
        Ok(client
            .with_prefix(&self.ctl_topic_prefix)
            .with_timeout(connection.timeout)
            .with_auction_timeout(Duration::from_millis(self.auction_timeout_ms)))
    }

    /// The connection settings: the flags over the selected context.
    pub fn lattice_connection(&self, home: &WashHome) -> anyhow::Result<LatticeConnection> {
        let context = ContextStore::new(home).load_selected(self.context.as_deref())?;
        Ok(context.ctl_connection(&ConnectionFlags {
            host: or_env(self.ctl_host.clone(), "WASH_CTL_HOST")?,
            port: or_env(self.ctl_port, "WASH_CTL_PORT")?,
            jwt: or_env(self.ctl_jwt.clone(), "WASH_CTL_JWT")?,
            seed: or_env(self.ctl_seed.clone(), "WASH_CTL_SEED")?,
            credsfile: self.ctl_credsfile.clone(),
            lattice: or_env(self.lattice.clone(), "WASH_LATTICE")?,
            timeout_ms: self.timeout_ms,
            tls_ca_file: self.tls_ca_file.clone(),
            user: self.ctl_user.clone(),
            password: self.ctl_password.clone(),
        }))
    }
}

/// `value` (from the flag or the wash 0.x variable clap reads), else our older variable `name`: clap's
/// `env` takes one name, so the alias is read here. An empty variable counts as unset.
fn or_env<T: FromStr>(value: Option<T>, name: &str) -> anyhow::Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    if value.is_some() {
        return Ok(value);
    }
    match std::env::var(name) {
        Ok(text) if !text.is_empty() => text
            .parse()
            .map(Some)
            .map_err(|e| anyhow::anyhow!("invalid value `{text}` of `${name}`: {e}")),
        _ => Ok(None),
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
        visible_alias = "lattice-prefix",
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

    /// Context to read settings from: a name in ~/.wash/contexts, or the path of a context file
    /// [default: the default context]
    #[arg(long, value_name = "NAME|FILE")]
    pub context: Option<String>,

    /// NATS user name, for a server with user/password authorization (with `--rpc-password`)
    #[arg(long, env = "WASH_RPC_USER", hide_env_values = true)]
    pub rpc_user: Option<String>,

    /// The NATS user's password (better in `$WASH_RPC_PASSWORD` than on the command line)
    #[arg(
        long,
        env = "WASH_RPC_PASSWORD",
        hide_env_values = true,
        requires = "rpc_user"
    )]
    pub rpc_password: Option<String>,

    /// PEM file of the CA that signed the NATS server's TLS certificate (besides the system's roots)
    #[arg(
        long,
        env = "WASH_TLS_CA_FILE",
        hide_env_values = true,
        value_name = "PATH"
    )]
    pub tls_ca_file: Option<PathBuf>,
}

impl RpcArgs {
    /// The RPC connection (flags over the selected context) and the cluster seed that signs the call.
    pub fn resolve(&self, home: &WashHome) -> anyhow::Result<(LatticeConnection, String)> {
        let context = ContextStore::new(home).load_selected(self.context.as_deref())?;
        let connection = context.rpc_connection(&ConnectionFlags {
            host: self.rpc_host.clone(),
            port: self.rpc_port,
            jwt: self.rpc_jwt.clone(),
            seed: self.rpc_seed.clone(),
            credsfile: self.rpc_credsfile.clone(),
            lattice: self.lattice.clone(),
            timeout_ms: self.rpc_timeout_ms,
            tls_ca_file: self.tls_ca_file.clone(),
            user: self.rpc_user.clone(),
            password: self.rpc_password.clone(),
        });
        let seed = context.signing_seed(self.cluster_seed.as_deref())?;
        Ok((connection, seed))
    }
}
