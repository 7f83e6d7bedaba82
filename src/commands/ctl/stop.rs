//! `wash ctl stop`: stop actor instances, a provider instance or a host.
//!
//! Besides our forms (`stop actor <actor-id>`, `stop provider <provider-id>`, the host found when only
//! one runs), the positional forms of wash 0.x work: `stop actor <host-id> <actor-id>` (one instance
//! unless `--count`) and `stop provider <host-id> <provider-id> <link-name> <contract-id>`.

use anyhow::bail;
use clap::Subcommand;
use serde_json::json;
use wash_ctl::ids::{check_actor_id, check_contract_id, check_provider_id};
use wash_ctl::{CtlClient, StopOutcome};
use wash_wire::ctl::{StopActorCommand, StopProviderCommand};

use super::{check_host, pick_host, usage};
use crate::output::CommandOutput;

#[derive(Debug, Subcommand)]
pub(super) enum StopCommand {
    /// Stop instances of an actor: `<actor-id>`, or wash 0.x's `<host-id> <actor-id>`.
    Actor {
        /// The actor id (M…); or the host id (N…) followed by the actor id, as in wash 0.x.
        #[arg(value_name = "[HOST_ID] ACTOR_ID", num_args = 1..=2, required = true)]
        ids: Vec<String>,
        /// Host the actor runs on (the only host running it when omitted).
        #[arg(long)]
        host_id: Option<String>,
        /// How many instances; 0 stops all [default: 0, or 1 in the wash 0.x form, as 0.x did].
        #[arg(long)]
        count: Option<u16>,
        #[command(flatten)]
        wait: StopWait,
    },
    /// Stop a provider instance: `<provider-id>`, or wash 0.x's
    /// `<host-id> <provider-id> <link-name> <contract-id>`.
    Provider {
        /// The provider id (V…); or, as in wash 0.x, host id, provider id, link name and contract id.
        #[arg(
            value_name = "PROVIDER_ID | HOST_ID PROVIDER_ID LINK_NAME CONTRACT_ID",
            num_args = 1..=4,
            required = true
        )]
        ids: Vec<String>,
        /// Link name of the instance.
        #[arg(short = 'l', long)]
        link_name: Option<String>,
        /// Contract id of the provider.
        #[arg(long)]
        contract_id: Option<String>,
        /// Host the provider runs on (the only host when omitted).
        #[arg(long)]
        host_id: Option<String>,
        #[command(flatten)]
        wait: StopWait,
    },
    /// Stop a host (and everything on it).
    Host {
        /// Host id (the only host when omitted).
        host_id: Option<String>,
        /// How long the host may take to stop gracefully, in milliseconds [default: the host's].
        #[arg(long, value_name = "MS")]
        host_timeout: Option<u64>,
    },
}

/// Waiting for the host to report the stop, as wash 0.18.1 did unless `--skip-wait`.
#[derive(Debug, clap::Args)]
pub(super) struct StopWait {
    /// Return once the host acknowledged, without waiting for it to report the stop.
    #[arg(long = "skip-wait")]
    skip_wait: bool,
    /// How long to wait for the host to report the stop, in milliseconds (a provider gets its
    /// shutdown grace period first).
    #[arg(long, default_value_t = 30_000, value_name = "MS")]
    wait_timeout_ms: u64,
}

impl StopWait {
    fn wait(&self) -> Option<std::time::Duration> {
        (!self.skip_wait).then(|| std::time::Duration::from_millis(self.wait_timeout_ms))
    }
}

/// What `stop actor` stops, from either form.
struct ActorStop {
    actor_id: String,
    host_id: Option<String>,
    count: u16,
}

/// What `stop provider` stops, from either form.
struct ProviderStop {
    provider_id: String,
    link_name: String,
    contract_id: String,
    host_id: Option<String>,
}

/// Both forms of `stop actor`, checked: the host id may come from the 0.x positional or `--host-id`,
/// not both.
fn actor_stop(
    ids: &[String],
    host_flag: &Option<String>,
    count: Option<u16>,
) -> anyhow::Result<ActorStop> {
    let (host_id, actor_id, count) = match ids {
        [actor_id] => (host_flag.clone(), actor_id, count.unwrap_or(0)),
        [host_id, actor_id] => {
            if host_flag.is_some() {
                return Err(usage(
                    "the host id is given twice: as the first argument and by `--host-id`",
                ));
            }
            (Some(host_id.clone()), actor_id, count.unwrap_or(1))
        }
        _ => return Err(usage("expected `<actor-id>` or `<host-id> <actor-id>`")),
    };
    check_actor_id(actor_id)?;
    check_host(&host_id)?;
    Ok(ActorStop {
        actor_id: actor_id.clone(),
        host_id,
        count,
    })
}

/// Both forms of `stop provider`, checked; in the 0.x form the flags for the same values are refused.
fn provider_stop(
    ids: &[String],
    link_flag: &Option<String>,
    contract_flag: &Option<String>,
    host_flag: &Option<String>,
) -> anyhow::Result<ProviderStop> {
    let stop = match ids {
        [provider_id] => ProviderStop {
            provider_id: provider_id.clone(),
            link_name: link_flag.clone().unwrap_or_else(|| "default".into()),
            contract_id: contract_flag.clone().unwrap_or_default(),
            host_id: host_flag.clone(),
        },
        [host_id, provider_id, link_name, contract_id] => {
            if link_flag.is_some() || contract_flag.is_some() || host_flag.is_some() {
                return Err(usage(
                    "with the host id, link name and contract id as arguments, leave out \
                     `--host-id`, `--link-name` and `--contract-id`",
                ));
            }
            check_contract_id(contract_id)?;
            ProviderStop {
                provider_id: provider_id.clone(),
                link_name: link_name.clone(),
                contract_id: contract_id.clone(),
                host_id: Some(host_id.clone()),
            }
        }
        _ => {
            return Err(usage(format!(
                "expected `<provider-id>` or `<host-id> <provider-id> <link-name> <contract-id>`, \
                 got {} arguments",
                ids.len()
            )))
        }
    };
    check_provider_id(&stop.provider_id)?;
    check_host(&stop.host_id)?;
    Ok(stop)
}

impl StopCommand {
    /// Checks the ids given before connecting.
    pub(super) fn check(&self) -> anyhow::Result<()> {
        match self {
            StopCommand::Actor {
                ids,
                host_id,
                count,
                ..
            } => actor_stop(ids, host_id, *count).map(drop),
            StopCommand::Provider {
                ids,
                link_name,
                contract_id,
                host_id,
                ..
            } => provider_stop(ids, link_name, contract_id, host_id).map(drop),
            StopCommand::Host { host_id, .. } => check_host(host_id),
        }
    }
}

pub(super) async fn run(client: &CtlClient, stop: StopCommand) -> anyhow::Result<CommandOutput> {
    let (outcome, what, host_id) = match stop {
        StopCommand::Actor {
            ids,
            host_id,
            count,
            wait,
        } => {
            let stop = actor_stop(&ids, &host_id, count)?;
            let actor_id = stop.actor_id;
            let host_id = client
                .actor_host(&actor_id, stop.host_id.as_deref())
                .await?;
            let cmd = StopActorCommand {
                actor_ref: actor_id.clone(),
                annotations: None,
                count: stop.count,
                host_id: host_id.clone(),
            };
            (
                client.stop_actor_and_wait(&cmd, wait.wait()).await?,
                format!("actor {actor_id}"),
                host_id,
            )
        }
        StopCommand::Provider {
            ids,
            link_name,
            contract_id,
            host_id,
            wait,
        } => {
            let stop = provider_stop(&ids, &link_name, &contract_id, &host_id)?;
            let host_id = pick_host(client, stop.host_id).await?;
            let provider_id = stop.provider_id;
            let cmd = StopProviderCommand {
                annotations: None,
                contract_id: stop.contract_id,
                host_id: host_id.clone(),
                link_name: stop.link_name,
                provider_ref: provider_id.clone(),
            };
            (
                client.stop_provider_and_wait(&cmd, wait.wait()).await?,
                format!("provider {provider_id}"),
                host_id,
            )
        }
        StopCommand::Host {
            host_id,
            host_timeout,
        } => {
            let host_id = pick_host(client, host_id).await?;
            let ack = client.stop_host(&host_id, host_timeout).await?;
            if !ack.accepted {
                bail!("host {host_id} refused to stop: {}", ack.error);
            }
            (
                StopOutcome::Acknowledged,
                format!("host {host_id}"),
                host_id.clone(),
            )
        }
    };
    let stopped = matches!(outcome, StopOutcome::Stopped(_));
    let text = if stopped {
        format!("stopped {what} on host {host_id}")
    } else {
        format!("stopping {what}")
    };
    Ok(CommandOutput::with_json(
        text,
        json!({ "host_id": host_id, "stopped": what, "acknowledged_only": !stopped }),
    ))
}
