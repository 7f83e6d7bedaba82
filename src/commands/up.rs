//! `wash up`: start a local lattice — a NATS server (unless one answers) and a host — in the
//! foreground, or in the background with `--detached`.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use serde_json::{json, Map};
use wash_host::runtime::parse_memory_size;
use wash_host::{Host, HostConfig};
use wash_local::{HostRecord, LatticeSettings, LocalNats, NatsRequest, WashHome, WashPaths};

use super::local::report_step;
use crate::commands::args::parse_key_value;
use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash up                      # NATS (started if none answers on 127.0.0.1:4222) + a host, until Ctrl-C
  wash up --detached           # the same in the background; logs in ~/.wash/host.log
  wash up -d --nats-port 4333 --lattice dev
  wash down                    # stops what `wash up` started

The host reads the wasmCloud 0.x host variables too: WASMCLOUD_LATTICE_PREFIX, WASMCLOUD_RPC_HOST,
WASMCLOUD_RPC_PORT, WASMCLOUD_CLUSTER_SEED, WASMCLOUD_CLUSTER_ISSUERS, WASMCLOUD_HOST_SEED,
WASMCLOUD_RPC_TIMEOUT_MS, WASMCLOUD_OCI_ALLOWED_INSECURE; and WASH_ACTOR_MAX_MEMORY, the per-actor
memory limit (docs/reliability.md). Pid files, logs and the default context go
to ~/.wash (WASH_HOME moves it: docs/wash-home.md).";

/// Arguments of `wash up`.
#[derive(Debug, Clone, Args)]
#[command(after_help = AFTER_HELP)]
pub struct UpArgs {
    /// Run in the background; `wash down` stops it.
    #[arg(short = 'd', long)]
    pub detached: bool,

    /// Connect to this NATS server instead of finding or starting one (e.g. nats://10.0.0.5:4222).
    #[arg(long, value_name = "URL")]
    pub nats_url: Option<String>,

    /// Host of the local NATS server.
    #[arg(long, env = "WASMCLOUD_RPC_HOST", default_value = "127.0.0.1")]
    pub nats_host: String,

    /// Port of the local NATS server (started there when nothing answers).
    #[arg(long, env = "WASMCLOUD_RPC_PORT", default_value_t = 4222)]
    pub nats_port: u16,

    /// Lattice id.
    #[arg(
        short = 'x',
        long,
        env = "WASMCLOUD_LATTICE_PREFIX",
        default_value = "default"
    )]
    pub lattice: String,

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

    /// (internal) run as the background host process of `wash up --detached`.
    #[arg(long, hide = true)]
    pub background_host: bool,
}

/// Runs `wash up`.
pub fn run(args: UpArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let home = paths.home();
    home.ensure()?;
    if let Some(record) = home.live_host()? {
        return already_running(&record);
    }
    let request = NatsRequest {
        url: args.nats_url.clone(),
        host: args.nats_host.clone(),
        port: args.nats_port,
    };
    if args.background_host {
        let nats = LocalNats::given(request.url());
        return super::block_on(run_host(&args, paths, nats, printer));
    }
    let nats =
        wash_local::find_or_start_nats(home, &request, &mut |step| report_step(printer, step))?;
    if args.detached {
        detach(&args, home, &nats, printer)
    } else {
        super::block_on(run_host(&args, paths, nats, printer))
    }
}

fn already_running(record: &HostRecord) -> anyhow::Result<CommandOutput> {
    let text = format!(
        "a host started by `wash up` is already running (pid {}, host {}, lattice {}, NATS {}); \
         `wash down` stops it",
        record.pid, record.host_id, record.lattice, record.nats_url
    );
    let mut json = Map::new();
    json.insert("already_running".into(), json!(true));
    json.insert("host".into(), serde_json::to_value(record)?);
    Ok(CommandOutput::new(text, json))
}

fn host_config(args: &UpArgs, paths: &WashPaths, nats_url: String, seed: String) -> HostConfig {
    let mut config = HostConfig {
        nats_url,
        lattice: args.lattice.clone(),
        host_seed: args.host_seed.clone(),
        cluster_seed: Some(seed),
        cluster_issuers: args
            .cluster_issuers
            .iter()
            .filter(|s| !s.trim().is_empty())
            .cloned()
            .collect(),
        labels: args.labels.iter().cloned().collect::<BTreeMap<_, _>>(),
        rpc_timeout: Duration::from_millis(args.rpc_timeout_ms),
        cache_dir: paths.home().provider_cache(),
        oci_cache_dir: paths.oci_cache().to_owned(),
        allowed_insecure: args.allowed_insecure.clone(),
        oci_allow_latest: args.allow_latest,
        ..HostConfig::default()
    };
    if let Some(bytes) = args.max_actor_memory {
        config.runtime.max_memory_bytes = bytes;
    }
    config
}

/// Runs the host in this process until Ctrl-C, SIGTERM or a control-interface `stop`.
async fn run_host(
    args: &UpArgs,
    paths: &WashPaths,
    nats: LocalNats,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    let home = paths.home();
    let settings = LatticeSettings {
        nats_url: nats.url.clone(),
        lattice: args.lattice.clone(),
        rpc_timeout_ms: args.rpc_timeout_ms,
        cluster_seed: args.cluster_seed.clone(),
    };
    let seed = wash_local::record_lattice(home, &settings)?;
    let host = match Host::start(host_config(args, paths, nats.url.clone(), seed)).await {
        Ok(host) => host,
        Err(err) => {
            nats.stop_started(home);
            return Err(err).context("the host did not start");
        }
    };
    let record = HostRecord {
        pid: std::process::id(),
        host_id: host.id(),
        nats_url: nats.url.clone(),
        lattice: host.lattice().to_owned(),
        start_time: wash_local::ProcessId::of(std::process::id()).and_then(|id| id.start_time),
    };
    home.record_host(&record)?;
    printer.status(
        "Started",
        format!(
            "host {} on lattice `{}` (NATS {}); Ctrl-C to stop",
            record.host_id, record.lattice, record.nats_url
        ),
    );
    let shutdown = super::shutdown_signal()?;
    tokio::select! {
        () = shutdown => {}
        () = host.stopped() => {}
    }
    printer.status("Stopping", format!("host {}", record.host_id));
    host.stop().await;
    home.forget_host();
    nats.stop_started(home);
    let mut json = Map::new();
    json.insert("host_id".into(), json!(record.host_id));
    json.insert("stopped".into(), json!(true));
    Ok(CommandOutput::new(
        format!("host {} stopped", record.host_id),
        json,
    ))
}

/// Starts this binary as the background host and waits until it serves the lattice.
fn detach(
    args: &UpArgs,
    home: &WashHome,
    nats: &LocalNats,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    let command = background_host(args, &nats.url)?;
    let record = super::block_on(wash_local::start_background_host(
        home,
        command,
        nats,
        &mut |step| report_step(printer, step),
    ))?;
    let log_path = home.host_log();
    let text = format!(
        "wash up: host {} started on lattice `{}` (NATS {}{}); log: {}; stop with `wash down`",
        record.host_id,
        record.lattice,
        record.nats_url,
        if nats.started.is_some() {
            ", started by wash"
        } else {
            ""
        },
        log_path.display()
    );
    let mut json = Map::new();
    json.insert("host_id".into(), json!(record.host_id));
    json.insert("lattice".into(), json!(record.lattice));
    json.insert("nats_url".into(), json!(record.nats_url));
    json.insert("pid".into(), json!(record.pid));
    json.insert("nats_started".into(), json!(nats.started.is_some()));
    json.insert("log".into(), json!(log_path));
    Ok(CommandOutput::new(text, json))
}

/// This binary's `wash up --background-host` command line carrying `args`.
fn background_host(args: &UpArgs, nats_url: &str) -> anyhow::Result<Command> {
    let exe = std::env::current_exe().context("cannot find the wash binary to start the host")?;
    let mut command = Command::new(exe);
    command
        .args(["up", "--background-host", "--nats-url", nats_url])
        .args(["--lattice", &args.lattice])
        .args(["--rpc-timeout-ms", &args.rpc_timeout_ms.to_string()])
        // The background host logs what providers print and what actors log at info level.
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
        );
    for (key, value) in &args.labels {
        command.arg("--label").arg(format!("{key}={value}"));
    }
    if args.allow_latest {
        command.arg("--allow-latest");
    }
    if let Some(bytes) = args.max_actor_memory {
        command.arg("--max-actor-memory").arg(bytes.to_string());
    }
    if !args.allowed_insecure.is_empty() {
        command
            .arg("--allowed-insecure")
            .arg(args.allowed_insecure.join(","));
    }
    if !args.cluster_issuers.is_empty() {
        command
            .arg("--cluster-issuers")
            .arg(args.cluster_issuers.join(","));
    }
    // Seeds travel in the environment, not on the command line other users can read.
    if let Some(seed) = &args.host_seed {
        command.env("WASMCLOUD_HOST_SEED", seed);
    }
    if let Some(seed) = &args.cluster_seed {
        command.env("WASMCLOUD_CLUSTER_SEED", seed);
    }
    Ok(command)
}
