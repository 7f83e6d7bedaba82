//! `wash down`: stop the host and the NATS server that `wash up` started, and nothing else.

use std::time::Duration;

use clap::Args;
use serde_json::{json, Map};
use wash_local::WashHome;

use crate::output::{CommandOutput, Printer};

/// Arguments of `wash down`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  wash down\n  wash down -o json")]
pub struct DownArgs {}

/// Runs `wash down`.
pub fn run(_args: DownArgs, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let home = WashHome::from_env();
    let mut stopped = Vec::new();
    let mut json = Map::new();
    if let Some(record) = home.live_host()? {
        printer.status(
            "Stopping",
            format!("host {} (pid {})", record.host_id, record.pid),
        );
        // Ask the host to stop cleanly (it shuts its providers down), then make sure the process is gone.
        let asked = super::block_on(async {
            let client =
                wash_ctl::CtlClient::connect(&record.nats_url, record.lattice.clone()).await?;
            client.stop_host(&record.host_id, Some(2000)).await
        });
        if let Err(err) = &asked {
            tracing::debug!(%err, "control-interface stop failed; signalling the process");
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while wash_local::pid_alive(record.pid) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        wash_local::stop_pid(record.pid, Duration::from_secs(5));
        stopped.push(format!("host {} (pid {})", record.host_id, record.pid));
        json.insert("host_id".into(), json!(record.host_id));
    }
    let _ = std::fs::remove_file(home.host_record());
    if let Some(pid) = home.live_pid(&home.nats_pid()) {
        printer.status("Stopping", format!("nats-server (pid {pid})"));
        wash_local::stop_pid(pid, Duration::from_secs(5));
        stopped.push(format!("nats-server (pid {pid})"));
        json.insert("nats_pid".into(), json!(pid));
    }
    let _ = std::fs::remove_file(home.nats_pid());
    json.insert("stopped".into(), json!(stopped));
    let text = if stopped.is_empty() {
        "nothing to stop: no host or NATS server started by `wash up` is running".to_owned()
    } else {
        format!("stopped {}", stopped.join(" and "))
    };
    Ok(CommandOutput::new(text, json))
}
