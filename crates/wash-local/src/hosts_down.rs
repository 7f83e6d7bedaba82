//! `wash down` with wash 0.18.1's host selection (`--host-id`, `--all`, a lattice and control
//! connection): stop hosts of a lattice through its control interface, and stop the NATS server only
//! when no host is left on it.

use std::time::{Duration, Instant};

use wash_ctl::CtlClient;

use crate::lattice::{down, DownReport, LatticeStep};
use crate::{pid_alive, LocalError, WashHome};

/// Which hosts of the lattice `wash down` stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostSelection {
    /// This host.
    Id(String),
    /// Every host.
    All,
    /// The host `wash up` started if it is on the lattice, else the only host; several hosts and none
    /// of them ours is an error.
    Ours,
}

/// What `wash down` did on a lattice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LatticeDown {
    /// The hosts asked to stop.
    pub stopped_hosts: Vec<String>,
    /// Hosts still on the lattice; when any remain, NATS is left running.
    pub remaining_hosts: Vec<String>,
    /// What was stopped of `wash up`'s (and wash 0.18.1's) processes, when no host remained.
    pub local: Option<DownReport>,
}

/// How long `wash down` waits for the process of a host it stopped to exit.
const HOST_EXIT_TIMEOUT: Duration = Duration::from_secs(10);

/// Stops the selected hosts of `client`'s lattice; then, if none is left, what [`down`] stops.
pub async fn down_lattice(
    home: &WashHome,
    client: &CtlClient,
    selection: &HostSelection,
    on_step: &mut dyn FnMut(LatticeStep<'_>),
) -> Result<LatticeDown, LocalError> {
    let hosts: Vec<String> = client
        .get_hosts()
        .await?
        .into_iter()
        .map(|h| h.id)
        .collect();
    let ours = home.live_host()?;
    let targets: Vec<String> = match selection {
        HostSelection::Id(id) if hosts.contains(id) => vec![id.clone()],
        HostSelection::Id(id) => {
            return Err(LocalError::NoSuchHost {
                id: id.clone(),
                lattice: client.lattice().to_owned(),
            })
        }
        HostSelection::All => hosts.clone(),
        HostSelection::Ours => match &ours {
            Some(record) if hosts.contains(&record.host_id) => vec![record.host_id.clone()],
            _ if hosts.len() <= 1 => hosts.clone(),
            _ => {
                return Err(LocalError::SeveralHosts {
                    lattice: client.lattice().to_owned(),
                    hosts: hosts.clone(),
                })
            }
        },
    };
    for id in &targets {
        if let Some(record) = ours.as_ref().filter(|r| &r.host_id == id) {
            on_step(LatticeStep::StoppingHost(record));
        }
        client.stop_host(id, Some(2000)).await?;
    }
    if let Some(record) = ours.as_ref().filter(|r| targets.contains(&r.host_id)) {
        let deadline = Instant::now() + HOST_EXIT_TIMEOUT;
        while pid_alive(record.pid) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let remaining: Vec<String> = hosts.into_iter().filter(|h| !targets.contains(h)).collect();
    let local = if remaining.is_empty() {
        Some(down(home, on_step).await?)
    } else {
        None
    };
    Ok(LatticeDown {
        stopped_hosts: targets,
        remaining_hosts: remaining,
        local,
    })
}
