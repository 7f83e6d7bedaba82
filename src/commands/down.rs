//! `wash down`: stop the host and the NATS server that `wash up` started, and the NATS server and wadm
//! that wash 0.18.1's `up` recorded, and nothing else.

use clap::Args;
use serde_json::{json, Map};
use wash_local::{RecordedOutcome, WashPaths};

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
        "nothing to stop: no host or NATS server started by `wash up` is running".to_owned()
    } else {
        format!("stopped {}", stopped.join(" and "))
    };
    for line in stale {
        text.push('\n');
        text.push_str(&line);
    }
    Ok(CommandOutput::new(text, json))
}
