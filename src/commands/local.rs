//! Status lines for the steps of the local lattice's life cycle, shared by `wash up` and `wash down`.

use wash_local::LatticeStep;

use crate::output::Printer;

/// Turns a step of the local lattice's life cycle into a status line.
pub fn report_step(printer: &Printer, step: LatticeStep<'_>) {
    match step {
        LatticeStep::UsingNats(url) => printer.status(
            "Using",
            format!("the NATS server already answering at {url}"),
        ),
        LatticeStep::StartingNats(port) => {
            printer.status("Starting", format!("nats-server -js on 127.0.0.1:{port}"))
        }
        LatticeStep::StartingHost(log) => printer.status(
            "Starting",
            format!("host in the background (log: {})", log.display()),
        ),
        LatticeStep::StoppingHost(record) => printer.status(
            "Stopping",
            format!("host {} (pid {})", record.host_id, record.pid),
        ),
        LatticeStep::StoppingNats(pid) => {
            printer.status("Stopping", format!("nats-server (pid {pid})"))
        }
        LatticeStep::StartedWadm(pid) => printer.status(
            "Started",
            format!("wadm (pid {pid}); `wash app` deploys to it"),
        ),
        LatticeStep::StoppingWadm(pid) => printer.status("Stopping", format!("wadm (pid {pid})")),
        LatticeStep::StoppingRecorded(program, pid) => printer.status(
            "Stopping",
            format!("{program} (pid {pid}, started by wash 0.18.1's `up`)"),
        ),
    }
}
