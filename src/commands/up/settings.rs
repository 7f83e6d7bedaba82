//! What `wash up`'s flags turn into: the NATS server to find or start, the host's settings, and the
//! command line of the background host; and the wash 0.18.1 flags our host cannot honour, refused.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context as _};
use wash_host::HostConfig;
use wash_local::{LeafRemote, NatsRequest, NatsServerOptions, WashPaths};

use super::args::UpArgs;
use super::login::HostLogin;

/// Fails on a wash 0.18.1 flag (or its variable) that our host cannot do what it says.
pub(super) fn refuse_unsupported(args: &UpArgs) -> anyhow::Result<()> {
    let host = &args.host;
    if let Some(version) = &host.wasmcloud_version {
        bail!(
            "`--wasmcloud-version {version}` (or WASMCLOUD_VERSION): wash runs its own built-in host \
             and cannot download or run another wasmCloud version; leave it out"
        );
    }
    if let Some(wanted) = &host.wadm_version {
        check_wadm_version(wanted)?;
    }
    if let Some(port) = host.dashboard_port {
        bail!(
            "`--dashboard-port {port}` (or WASMCLOUD_DASHBOARD_PORT): our host has no built-in \
             dashboard; run `wash ui --port {port}` for one"
        );
    }
    if host.config_service_enabled {
        bail!(
            "`--config-service-enabled` (or WASMCLOUD_CONFIG_SERVICE): our host has no config-service \
             client; leave it out"
        );
    }
    if let Some(level) = &host.log_level {
        tracing_subscriber::EnvFilter::try_new(level)
            .with_context(|| format!("`--log-level {level}` is not a log level"))?;
    }
    Ok(())
}

/// `--wadm-version`: wash does not download wadm, so the installed one must be that version.
fn check_wadm_version(wanted: &str) -> anyhow::Result<()> {
    let Some(program) = wash_local::wadm_program() else {
        bail!(
            "`--wadm-version {wanted}` (or WADM_VERSION): wash does not download wadm, and none is \
             installed: put `wadm` on PATH or set WASH_WADM to it (`./dev setup` builds wadm 0.4.1), \
             or leave `--wadm-version` out"
        );
    };
    let found = wash_local::wadm_version(&program).unwrap_or_else(|| "unknown".into());
    if found != wanted.trim_start_matches('v') {
        bail!(
            "`--wadm-version {wanted}` (or WADM_VERSION): wash does not download wadm; the installed \
             `{}` is version {found}. Install that version and point WASH_WADM at it, or leave \
             `--wadm-version` out",
            program.display()
        );
    }
    Ok(())
}

/// Where to find NATS, and how to start it if `wash up` starts it. When `--rpc-*`/`--ctl-*` point the
/// host at another server than --nats-host/--nats-port, that server is used as given.
pub(super) fn nats_request(args: &UpArgs) -> anyhow::Result<NatsRequest> {
    let nats = &args.nats;
    let local = format!(
        "nats://{}",
        address(&None, None, &nats.nats_host, nats.nats_port)
    );
    let host = host_url(args, &local)?;
    let url = nats.nats_url.clone().or((host != local).then_some(host));
    Ok(NatsRequest {
        url,
        host: nats.nats_host.clone(),
        port: nats.nats_port,
        connect_only: nats.connect_only,
        server: NatsServerOptions {
            port: nats.nats_port,
            js_domain: nats.nats_js_domain.clone(),
            leaf: nats.nats_remote_url.as_ref().map(|url| LeafRemote {
                url: url.clone(),
                credsfile: nats.nats_credsfile.clone(),
            }),
            version: nats.nats_version.clone(),
        },
    })
}

/// The NATS URL the host connects to: `nats_url` unless `--rpc-*`/`--ctl-*` name another address.
/// Our host has one connection for RPC and the control interface: addresses that differ are refused.
pub(super) fn host_url(args: &UpArgs, nats_url: &str) -> anyhow::Result<String> {
    let c = &args.connection;
    if [&c.rpc_host, &c.ctl_host].iter().all(|h| h.is_none())
        && c.rpc_port.is_none()
        && c.ctl_port.is_none()
    {
        return Ok(nats_url.to_owned());
    }
    let (default_host, default_port) = (&args.nats.nats_host, args.nats.nats_port);
    let rpc = address(&c.rpc_host, c.rpc_port, default_host, default_port);
    let ctl = address(&c.ctl_host, c.ctl_port, default_host, default_port);
    if rpc != ctl {
        bail!(
            "RPC at {rpc} and the control interface at {ctl}: our host uses one NATS connection for \
             both, so --rpc-host/--rpc-port and --ctl-host/--ctl-port must name the same server"
        );
    }
    Ok(format!("nats://{rpc}"))
}

/// The NATS URL given to providers, when `--prov-rpc-*` name one (unset parts from the host's URL).
pub(super) fn provider_url(args: &UpArgs, host_url: &str) -> Option<String> {
    let c = &args.connection;
    if c.prov_rpc_host.is_none() && c.prov_rpc_port.is_none() {
        return None;
    }
    let rest = host_url.rsplit_once("://").map_or(host_url, |(_, r)| r);
    let (host, port) = rest.rsplit_once(':').unwrap_or((rest, "4222"));
    let port = port.parse().unwrap_or(4222);
    Some(format!(
        "nats://{}",
        address(&c.prov_rpc_host, c.prov_rpc_port, host, port)
    ))
}

fn address(
    host: &Option<String>,
    port: Option<u16>,
    default_host: &str,
    default_port: u16,
) -> String {
    let host = host.as_deref().unwrap_or(default_host);
    let port = port.unwrap_or(default_port);
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The host's settings from the flags.
pub(super) fn host_config(
    args: &UpArgs,
    paths: &WashPaths,
    nats_url: String,
    seed: String,
    login: HostLogin,
) -> HostConfig {
    let mut config = HostConfig {
        provider_rpc_url: provider_url(args, &nats_url),
        nats_url,
        nats_auth: login.auth,
        nats_tls: login.tls,
        provider_auth: login.provider_auth,
        provider_tls: login.provider_tls,
        lattice: args.lattice.clone(),
        ctl_prefix: args.ctl_topic_prefix.clone(),
        bucket_replicas: args.lattice_replicas,
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
        js_domain: args.host.wasmcloud_js_domain.clone(),
        allow_file_load: args.host.allow_file_load,
        provider_log_level: Some(args.host.log_level.clone().unwrap_or_else(|| "info".into())),
        ..HostConfig::default()
    };
    if let Some(ms) = args.host.provider_delay {
        config.provider_shutdown_grace = Duration::from_millis(ms);
    }
    if let Some(bytes) = args.max_actor_memory {
        config.runtime.max_memory_bytes = bytes;
    }
    config.runtime.compiled_cache_dir = Some(paths.home().actor_cache());
    config
}

/// The 0.18.1 variables that choose or start a NATS server: the background host is told its NATS
/// URL with `--nats-url`, so it must not see them.
const NATS_SERVER_VARIABLES: [&str; 3] = ["NATS_REMOTE_URL", "NATS_CREDSFILE", "NATS_CONNECT_ONLY"];

/// This binary's `wash up --background-host` command line carrying `args`.
pub(super) fn background_host(args: &UpArgs, nats_url: &str) -> anyhow::Result<Command> {
    let exe = std::env::current_exe().context("cannot find the wash binary to start the host")?;
    let mut command = Command::new(exe);
    command
        .args(["up", "--background-host"])
        // In the environment, like the credentials below: the URL may carry a password.
        .env("WASH_NATS_URL", nats_url)
        .args(["--lattice", &args.lattice])
        .args(["--rpc-timeout-ms", &args.rpc_timeout_ms.to_string()])
        .args(["--allow-file-load", &args.host.allow_file_load.to_string()])
        // The background host logs what providers print and what actors log at info level.
        .args([
            "--log-level",
            args.host.log_level.as_deref().unwrap_or("info"),
        ]);
    for name in NATS_SERVER_VARIABLES {
        command.env_remove(name);
    }
    let c = &args.connection;
    let optional = [
        ("--rpc-host", c.rpc_host.clone()),
        ("--rpc-port", c.rpc_port.map(|p| p.to_string())),
        ("--ctl-host", c.ctl_host.clone()),
        ("--ctl-port", c.ctl_port.map(|p| p.to_string())),
        ("--prov-rpc-host", c.prov_rpc_host.clone()),
        ("--prov-rpc-port", c.prov_rpc_port.map(|p| p.to_string())),
        (
            "--wasmcloud-js-domain",
            args.host.wasmcloud_js_domain.clone(),
        ),
        (
            "--provider-delay",
            args.host.provider_delay.map(|ms| ms.to_string()),
        ),
        (
            "--max-actor-memory",
            args.max_actor_memory.map(|b| b.to_string()),
        ),
        ("--ctl-topic-prefix", Some(args.ctl_topic_prefix.clone())),
        (
            "--lattice-replicas",
            Some(args.lattice_replicas.to_string()),
        ),
        ("--nats-host", Some(args.nats.nats_host.clone())),
        ("--nats-port", Some(args.nats.nats_port.to_string())),
    ];
    for (flag, value) in optional {
        if let Some(value) = value {
            command.arg(flag).arg(value);
        }
    }
    for (key, value) in &args.labels {
        command.arg("--label").arg(format!("{key}={value}"));
    }
    let switches = [
        ("--allow-latest", args.allow_latest),
        (
            "--enable-structured-logging",
            args.host.enable_structured_logging,
        ),
    ];
    // With JSON logs, the host's log holds JSON lines only: no status lines.
    if args.host.enable_structured_logging {
        command.arg("--quiet");
    }
    for (flag, on) in switches {
        if on {
            command.arg(flag);
        }
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
    // Credentials and seeds travel in the environment, not on the command line other users can read.
    for (name, value) in [&c.rpc_auth.env(), &c.ctl_auth.env(), &c.prov_rpc_auth.env()]
        .into_iter()
        .flatten()
    {
        command.env(name, value);
    }
    if let Some(ca) = &c.tls_ca_file {
        command.env("WASH_TLS_CA_FILE", ca);
    }
    if let Some(seed) = &args.host_seed {
        command.env("WASMCLOUD_HOST_SEED", seed);
    }
    if let Some(seed) = &args.cluster_seed {
        command.env("WASMCLOUD_CLUSTER_SEED", seed);
    }
    Ok(command)
}
