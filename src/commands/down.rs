//! `wash down`: stop the wadm, host and NATS server that `wash up` started, and the NATS server and wadm
//! that wash 0.18.1's `up` recorded, and nothing else. With wash 0.18.1's `--host-id`, `--all`, `-x` or
//! `--ctl-*`, the hosts of that lattice are stopped through its control interface, and NATS only when
//! no host is left.

use std::path::PathBuf;

use clap::Args;
use serde_json::{json, Map, Value};
use wash_ctl::CtlClient;
use wash_local::{
    ConnectionFlags, ContextStore, DownReport, HostSelection, RecordedOutcome, WashPaths,
};

use super::local::report_step;
use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash down                    # what `wash up` started here
  wash down --all -x staging   # every host of lattice `staging`, then NATS
  wash down --host-id NABC...  # one host; NATS stays while other hosts run
  wash down -o json";

/// Arguments of `wash down`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct DownArgs {
    /// Stop this host of the lattice (through its control interface).
    #[arg(long, value_name = "ID")]
    pub host_id: Option<String>,

    /// Stop every host of the lattice.
    #[arg(long, conflicts_with = "host_id")]
    pub all: bool,

    /// Lattice whose hosts are stopped [default: from the default context, where `wash up` records it].
    #[arg(
        short = 'x',
        long = "lattice-prefix",
        visible_alias = "lattice",
        env = "WASMCLOUD_LATTICE_PREFIX"
    )]
    pub lattice: Option<String>,

    /// NATS host of the control interface [default: from the default context].
    #[arg(long, env = "WASMCLOUD_CTL_HOST")]
    pub ctl_host: Option<String>,

    /// NATS port of the control interface [default: from the default context].
    #[arg(long, env = "WASMCLOUD_CTL_PORT")]
    pub ctl_port: Option<u16>,

    /// NATS user JWT (or a file holding it); needs --ctl-seed.
    #[arg(
        long,
        env = "WASMCLOUD_CTL_JWT",
        hide_env_values = true,
        requires = "ctl_seed"
    )]
    pub ctl_jwt: Option<String>,

    /// NATS user seed (or a file holding it).
    #[arg(long, env = "WASMCLOUD_CTL_SEED", hide_env_values = true)]
    pub ctl_seed: Option<String>,

    /// NATS credentials file.
    #[arg(long, env = "WASMCLOUD_CTL_CREDSFILE", value_name = "PATH")]
    pub ctl_credsfile: Option<PathBuf>,
}

impl DownArgs {
    /// Whether a 0.18.1 host selection or lattice connection was given.
    fn selects_hosts(&self) -> bool {
        self.host_id.is_some()
            || self.all
            || self.lattice.is_some()
            || self.ctl_host.is_some()
            || self.ctl_port.is_some()
            || self.ctl_jwt.is_some()
            || self.ctl_seed.is_some()
            || self.ctl_credsfile.is_some()
    }
}

/// Runs `wash down`.
pub fn run(args: DownArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let home = paths.home();
    let mut on_step = |step: wash_local::LatticeStep<'_>| report_step(printer, step);
    if !args.selects_hosts() {
        let report = super::block_on(wash_local::down(home, &mut on_step))?;
        let (text, json) = render_local(&report, Vec::new());
        return Ok(CommandOutput::new(text, json));
    }
    let context = ContextStore::new(home).load_selected(None)?;
    let connection = context.ctl_connection(&ConnectionFlags {
        host: args.ctl_host.clone(),
        port: args.ctl_port,
        jwt: args.ctl_jwt.clone(),
        seed: args.ctl_seed.clone(),
        credsfile: args.ctl_credsfile.clone(),
        lattice: args.lattice.clone(),
        timeout_ms: None,
        ..ConnectionFlags::default()
    });
    let selection = match (&args.host_id, args.all) {
        (Some(id), _) => HostSelection::Id(id.clone()),
        (None, true) => HostSelection::All,
        (None, false) => HostSelection::Ours,
    };
    let result = super::block_on(async {
        let client =
            CtlClient::connect_with(&connection.nats("wash"), connection.lattice.clone()).await?;
        let client = client.with_timeout(connection.timeout);
        anyhow::Ok(wash_local::down_lattice(home, &client, &selection, &mut on_step).await?)
    })?;
    let hosts: Vec<String> = result
        .stopped_hosts
        .iter()
        .map(|id| format!("host {id}"))
        .collect();
    let (mut text, mut json) = match &result.local {
        Some(report) => render_local(report, hosts),
        None => {
            let text = if hosts.is_empty() {
                "no host stopped".to_owned()
            } else {
                format!("stopped {}", hosts.join(" and "))
            };
            (text, Map::new())
        }
    };
    if !result.remaining_hosts.is_empty() {
        text.push_str(&format!(
            "\nleft NATS running: {} host(s) remain on the lattice ({})",
            result.remaining_hosts.len(),
            result.remaining_hosts.join(", ")
        ));
    }
    json.insert("hosts_stopped".into(), json!(result.stopped_hosts));
    json.insert("hosts_remaining".into(), json!(result.remaining_hosts));
    json.insert(
        "nats_stopped".into(),
        json!(result.local.is_some_and(|r| r.nats_pid.is_some())),
    );
    Ok(CommandOutput::new(text, json))
}

/// The text and JSON of what [`wash_local::down`] stopped; `stopped` lists hosts stopped before it.
fn render_local(report: &DownReport, mut stopped: Vec<String>) -> (String, Map<String, Value>) {
    let mut json = Map::new();
    if let Some(pid) = report.wadm_pid {
        stopped.push(format!("wadm (pid {pid})"));
        json.insert("wadm_pid".into(), json!(pid));
    }
    if let Some(record) = &report.host {
        stopped.push(format!("host {} (pid {})", record.host_id, record.pid));
        json.insert("host_id".into(), json!(record.host_id));
    }
    if let Some(pid) = report.nats_pid {
        stopped.push(format!("nats-server (pid {pid})"));
        json.insert("nats_pid".into(), json!(pid));
    }
    let mut stale: Vec<String> = report
        .stale
        .iter()
        .map(|record| {
            let pid = record
                .pid
                .map_or("no pid".into(), |pid| format!("pid {pid}"));
            format!(
                "stale record `{}` ({pid}): not the process `wash up` started; nothing signalled, file removed",
                record.file.display()
            )
        })
        .collect();
    let mut recorded = Vec::new();
    for process in &report.recorded {
        let pid = process
            .pid
            .map_or("no pid".into(), |pid| format!("pid {pid}"));
        match process.outcome {
            RecordedOutcome::Stopped => stopped.push(format!(
                "{} ({pid}, started by wash 0.18.1)",
                process.program
            )),
            RecordedOutcome::Stale | RecordedOutcome::Running => stale.push(format!(
                "stale pid file `{}` ({pid}): not a running {}; nothing signalled, file removed",
                process.pid_file.display(),
                process.program
            )),
        }
        recorded.push(json!({
            "program": process.program,
            "pid_file": process.pid_file,
            "pid": process.pid,
            "stopped": process.outcome == RecordedOutcome::Stopped,
        }));
    }
    json.insert("stopped".into(), json!(stopped));
    json.insert(
        "stale_records".into(),
        json!(report
            .stale
            .iter()
            .map(|r| json!({"file": r.file, "pid": r.pid}))
            .collect::<Vec<_>>()),
    );
    json.insert("wash_0_18_pid_files".into(), json!(recorded));
    let mut text = if stopped.is_empty() {
        "nothing to stop: no host, wadm or NATS server started by `wash up` is running".to_owned()
    } else {
        format!("stopped {}", stopped.join(" and "))
    };
    for line in stale {
        text.push('\n');
        text.push_str(&line);
    }
    (text, json)
}
