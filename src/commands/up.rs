//! `wash up`: start a local lattice — a NATS server (unless one answers) and a host — in the
//! foreground, or in the background with `--detached`.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::Args;
use serde_json::{json, Map};
use wash_host::{Host, HostConfig};
use wash_local::{ContextStore, HostRecord, NatsProbe, WashHome};

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
WASMCLOUD_RPC_TIMEOUT_MS, WASMCLOUD_OCI_ALLOWED_INSECURE.";

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

    /// (internal) run as the background host process of `wash up --detached`.
    #[arg(long, hide = true)]
    pub background_host: bool,
}

/// Runs `wash up`.
pub fn run(args: UpArgs, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let home = WashHome::from_env();
    home.ensure()?;
    if let Some(record) = home.live_host()? {
        let text = format!(
            "a host started by `wash up` is already running (pid {}, host {}, lattice {}, NATS {}); \
             `wash down` stops it",
            record.pid, record.host_id, record.lattice, record.nats_url
        );
        let mut json = Map::new();
        json.insert("already_running".into(), json!(true));
        json.insert("host".into(), serde_json::to_value(&record)?);
        return Ok(CommandOutput::new(text, json));
    }
    if args.background_host {
        return super::block_on(run_host(args, &home, printer, None));
    }
    let (nats_url, started_nats) = resolve_nats(&args, &home, printer)?;
    if args.detached {
        detach(&args, &home, &nats_url, started_nats, printer)
    } else {
        super::block_on(run_host(
            UpArgs {
                nats_url: Some(nats_url),
                ..args
            },
            &home,
            printer,
            started_nats,
        ))
    }
}

/// Finds the NATS server to use: `--nats-url`, one already answering on the port, or a new one.
fn resolve_nats(
    args: &UpArgs,
    home: &WashHome,
    printer: &Printer,
) -> anyhow::Result<(String, Option<u32>)> {
    if let Some(url) = &args.nats_url {
        return Ok((url.clone(), None));
    }
    let url = format!("nats://{}:{}", args.nats_host, args.nats_port);
    let local = matches!(args.nats_host.as_str(), "127.0.0.1" | "localhost");
    if !local {
        return Ok((url, None));
    }
    match wash_local::probe_nats(args.nats_port) {
        NatsProbe::Nats => {
            printer.status(
                "Using",
                format!("the NATS server already answering at {url}"),
            );
            Ok((url, None))
        }
        NatsProbe::Other => Err(wash_local::LocalError::PortTaken {
            port: args.nats_port,
        }
        .into()),
        NatsProbe::Free => {
            printer.status(
                "Starting",
                format!("nats-server -js on 127.0.0.1:{}", args.nats_port),
            );
            let started = wash_local::start_nats_server(home, args.nats_port)?;
            Ok((url, Some(started.pid)))
        }
    }
}

fn host_config(args: &UpArgs, home: &WashHome, cluster_seed: String) -> HostConfig {
    HostConfig {
        nats_url: args
            .nats_url
            .clone()
            .unwrap_or_else(|| format!("nats://{}:{}", args.nats_host, args.nats_port)),
        lattice: args.lattice.clone(),
        host_seed: args.host_seed.clone(),
        cluster_seed: Some(cluster_seed),
        cluster_issuers: args
            .cluster_issuers
            .iter()
            .filter(|s| !s.trim().is_empty())
            .cloned()
            .collect(),
        labels: args.labels.iter().cloned().collect::<BTreeMap<_, _>>(),
        rpc_timeout: Duration::from_millis(args.rpc_timeout_ms),
        cache_dir: home.provider_cache(),
        allowed_insecure: args.allowed_insecure.clone(),
        oci_allow_latest: args.allow_latest,
        ..HostConfig::default()
    }
}

/// The cluster seed: the flag, else the default context's, else a new one; recorded in the context.
fn cluster_seed(args: &UpArgs, home: &WashHome, nats_url: &str) -> anyhow::Result<String> {
    let store = ContextStore::new(home);
    let mut context = store.load("default")?;
    let seed = match (&args.cluster_seed, &context.cluster_seed) {
        (Some(seed), _) => seed.clone(),
        (None, Some(seed)) => seed.clone(),
        (None, None) => nkeys::KeyPair::new_cluster()
            .seed()
            .context("failed to create a cluster key")?,
    };
    context.cluster_seed = Some(seed.clone());
    if let Some((host, port)) = nats_url
        .rsplit_once("://")
        .map(|(_, rest)| rest)
        .and_then(|r| r.rsplit_once(':'))
    {
        context.ctl_host = host.to_owned();
        context.rpc_host = host.to_owned();
        if let Ok(port) = port.parse() {
            context.ctl_port = port;
            context.rpc_port = port;
        }
    }
    context.ctl_lattice_prefix = args.lattice.clone();
    context.rpc_lattice_prefix = args.lattice.clone();
    context.rpc_timeout = args.rpc_timeout_ms;
    store.save(&context)?;
    Ok(seed)
}

/// Runs the host in this process until Ctrl-C, SIGTERM or a control-interface `stop`.
async fn run_host(
    args: UpArgs,
    home: &WashHome,
    printer: &Printer,
    started_nats: Option<u32>,
) -> anyhow::Result<CommandOutput> {
    let nats_url = args
        .nats_url
        .clone()
        .unwrap_or_else(|| format!("nats://{}:{}", args.nats_host, args.nats_port));
    let seed = cluster_seed(&args, home, &nats_url)?;
    let config = host_config(
        &UpArgs {
            nats_url: Some(nats_url.clone()),
            ..args.clone()
        },
        home,
        seed,
    );
    let host = match Host::start(config).await {
        Ok(host) => host,
        Err(err) => {
            if let Some(pid) = started_nats {
                wash_local::stop_pid(pid, Duration::from_secs(5));
                let _ = std::fs::remove_file(home.nats_pid());
            }
            return Err(err).context("the host did not start");
        }
    };
    let record = HostRecord {
        pid: std::process::id(),
        host_id: host.id(),
        nats_url,
        lattice: host.lattice().to_owned(),
    };
    record.write(&home.host_record())?;
    printer.status(
        "Started",
        format!(
            "host {} on lattice `{}` (NATS {}); Ctrl-C to stop",
            record.host_id, record.lattice, record.nats_url
        ),
    );
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("failed to listen for SIGTERM")?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = sigterm.recv() => {}
        _ = host.stopped() => {}
    }
    printer.status("Stopping", format!("host {}", record.host_id));
    host.stop().await;
    let _ = std::fs::remove_file(home.host_record());
    if let Some(pid) = started_nats {
        wash_local::stop_pid(pid, Duration::from_secs(5));
        let _ = std::fs::remove_file(home.nats_pid());
    }
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
    nats_url: &str,
    started_nats: Option<u32>,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    let exe = std::env::current_exe().context("cannot find the wash binary to start the host")?;
    let log_path = home.host_log();
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("failed to create `{}`", log_path.display()))?;
    let mut command = std::process::Command::new(exe);
    command
        .args([
            "up",
            "--background-host",
            "--nats-url",
            nats_url,
            "--lattice",
            &args.lattice,
        ])
        .args(["--rpc-timeout-ms", &args.rpc_timeout_ms.to_string()])
        .stdin(std::process::Stdio::null())
        // The background host logs what providers print and what actors log at info level.
        .env(
            "RUST_LOG",
            std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
        )
        .stdout(log.try_clone()?)
        .stderr(log);
    for (key, value) in &args.labels {
        command.arg("--label").arg(format!("{key}={value}"));
    }
    if args.allow_latest {
        command.arg("--allow-latest");
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
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .context("failed to start the background host")?;
    printer.status(
        "Starting",
        format!("host in the background (log: {})", log_path.display()),
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let record = loop {
        if let Some(record) = home.live_host()?.filter(|r| r.pid == child.id()) {
            break record;
        }
        if let Some(status) = child.try_wait()? {
            if let Some(pid) = started_nats {
                wash_local::stop_pid(pid, Duration::from_secs(5));
                let _ = std::fs::remove_file(home.nats_pid());
            }
            bail!(
                "the host exited ({status}) before serving the lattice; see its log: {}",
                log_path.display()
            );
        }
        if std::time::Instant::now() > deadline {
            bail!(
                "the host did not come up within 30 s; see its log: {}",
                log_path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    super::block_on(async {
        let client = wash_ctl::CtlClient::connect(&record.nats_url, record.lattice.clone()).await?;
        client
            .get_inventory(&record.host_id)
            .await
            .context("the host does not answer the control interface")?;
        anyhow::Ok(())
    })?;
    let text = format!(
        "wash up: host {} started on lattice `{}` (NATS {}{}); log: {}; stop with `wash down`",
        record.host_id,
        record.lattice,
        record.nats_url,
        if started_nats.is_some() {
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
    json.insert("nats_started".into(), json!(started_nats.is_some()));
    json.insert("log".into(), json!(log_path));
    Ok(CommandOutput::new(text, json))
}
