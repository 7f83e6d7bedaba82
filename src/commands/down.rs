//! `wash down`: stop the host and the NATS server that `wash up` started, and nothing else.

use clap::Args;
use serde_json::{json, Map};
use wash_local::WashPaths;

use super::local::report_step;
use crate::output::{CommandOutput, Printer};

/// Arguments of `wash down`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  wash down\n  wash down -o json")]
pub struct DownArgs {}

/// Runs `wash down`.
pub fn run(_args: DownArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let report = super::block_on(wash_local::down(paths.home(), &mut |step| {
        report_step(printer, step)
    }))?;
    let mut stopped = Vec::new();
    let mut json = Map::new();
    if let Some(record) = &report.host {
        stopped.push(format!("host {} (pid {})", record.host_id, record.pid));
        json.insert("host_id".into(), json!(record.host_id));
    }
    if let Some(pid) = report.nats_pid {
        stopped.push(format!("nats-server (pid {pid})"));
        json.insert("nats_pid".into(), json!(pid));
    }
    json.insert("stopped".into(), json!(stopped));
    let text = if stopped.is_empty() {
        "nothing to stop: no host or NATS server started by `wash up` is running".to_owned()
    } else {
        format!("stopped {}", stopped.join(" and "))
    };
    Ok(CommandOutput::new(text, json))
}
