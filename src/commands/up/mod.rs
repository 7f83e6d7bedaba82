//! `wash up`: start a local lattice — a NATS server (unless one answers), wadm and a host — in the
//! foreground, or in the background with `--detached`.

mod args;
mod login;
mod settings;
mod wadm;

use anyhow::Context as _;
use serde_json::{json, Map};
use wash_host::Host;
use wash_local::{HostRecord, LatticeSettings, LocalNats, WashHome, WashPaths};

pub use args::UpArgs;

use super::local::report_step;
use crate::output::{CommandOutput, Printer};

/// Runs `wash up`.
pub fn run(args: UpArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    settings::refuse_unsupported(&args)?;
    login::host_login(&args)?;
    let request = settings::nats_request(&args)?;
    let home = paths.home();
    home.ensure()?;
    if let Some(record) = home.live_host()? {
        return already_running(&record);
    }
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

/// Runs the host in this process until Ctrl-C, SIGTERM or a control-interface `stop`.
async fn run_host(
    args: &UpArgs,
    paths: &WashPaths,
    nats: LocalNats,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    let home = paths.home();
    let host_url = match settings::host_url(args, &nats.url) {
        Ok(url) => url,
        Err(err) => {
            nats.stop_started(home);
            return Err(err);
        }
    };
    let login = login::host_login(args)?;
    // The background host's parent (`--detached`) started wadm already.
    let wadm = if args.background_host {
        None
    } else {
        match wadm::start(args, home, &host_url, &login, printer).await {
            Ok(wadm) => wadm,
            Err(err) => {
                nats.stop_started(home);
                return Err(err);
            }
        }
    };
    let stop_wadm = || {
        if let Some(started) = wadm {
            wash_local::stop_started_wadm(home, started.id);
        }
    };
    let lattice = LatticeSettings {
        nats_url: host_url.clone(),
        lattice: args.lattice.clone(),
        rpc_timeout_ms: args.rpc_timeout_ms,
        cluster_seed: args.cluster_seed.clone(),
        auth: login.auth.clone(),
    };
    let seed = wash_local::record_lattice(home, &lattice)?;
    let config = settings::host_config(args, paths, host_url.clone(), seed, login);
    let host = match Host::start(config).await {
        Ok(host) => host,
        Err(err) => {
            stop_wadm();
            nats.stop_started(home);
            return Err(err).context("the host did not start");
        }
    };
    let record = HostRecord {
        pid: std::process::id(),
        host_id: host.id(),
        // Without a user and password: the record is a file, and its URL is shown.
        nats_url: wash_ctl::without_user(&host_url),
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
    if let Some(started) = wadm {
        report_step(
            printer,
            wash_local::LatticeStep::StoppingWadm(started.id.pid),
        );
    }
    stop_wadm();
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
    let login = login::host_login(args)?;
    let command = settings::background_host(args, &nats.url)?;
    let host_url = settings::host_url(args, &nats.url)?;
    let control = login.control(&host_url);
    let record = super::block_on(async {
        let wadm = wadm::start(args, home, &host_url, &login, printer)
            .await
            .inspect_err(|_| nats.stop_started(home))?;
        let started = wash_local::start_background_host(
            home,
            command,
            nats,
            &control,
            &args.ctl_topic_prefix,
            &mut |step| report_step(printer, step),
        )
        .await;
        if let (Err(_), Some(wadm)) = (&started, wadm) {
            wash_local::stop_started_wadm(home, wadm.id);
        }
        anyhow::Ok(started?)
    })?;
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

/// The log level and format `wash up` asks for (`--log-level`, `--enable-structured-logging`).
pub fn host_logging(args: &UpArgs) -> crate::cli::HostLogging {
    crate::cli::HostLogging {
        level: args.host.log_level.clone(),
        json: args.host.enable_structured_logging,
    }
}
