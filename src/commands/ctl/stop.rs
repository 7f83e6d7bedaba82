//! `wash ctl stop`: stop actor instances, a provider instance or a host.
//!
//! Besides our forms (`stop actor <actor-id>`, `stop provider <provider-id>`, the host found when only
//! one runs), the positional forms of wash 0.x work: `stop actor <host-id> <actor-id>` (one instance
//! unless `--count`) and `stop provider <host-id> <provider-id> <link-name> <contract-id>`.

use anyhow::bail;
use clap::Subcommand;
use serde_json::json;
use wash_ctl::ids::{check_actor_id, check_contract_id, check_provider_id};
use wash_ctl::CtlClient;
use wash_wire::ctl::{StopActorCommand, StopProviderCommand};

use super::{check_host, pick_host};
use crate::output::{CommandOutput, UsageError};

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
        _skip_wait: SkipWait,
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
        _skip_wait: SkipWait,
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

/// wash 0.18.1's `--skip-wait` of `stop actor|provider`: return once the host acknowledged. That is
/// what this `stop` always does, so the flag is accepted and changes nothing.
#[derive(Debug, clap::Args)]
pub(super) struct SkipWait {
    /// Return once the host acknowledged (what `stop` always does; accepted for wash 0.x scripts).
    #[arg(long = "skip-wait")]
    skip_wait: bool,
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

/// A usage error: exit code 2 with `message`.
fn usage(message: String) -> anyhow::Error {
    anyhow::Error::new(UsageError::new(std::io::Error::other(message)))
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
                    "the host id is given twice: as the first argument and by `--host-id`".into(),
                ));
            }
            (Some(host_id.clone()), actor_id, count.unwrap_or(1))
        }
        _ => {
            return Err(usage(
                "expected `<actor-id>` or `<host-id> <actor-id>`".into(),
            ))
        }
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
                     `--host-id`, `--link-name` and `--contract-id`"
                        .into(),
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
    let (ack, what, host_id) = match stop {
        StopCommand::Actor {
            ids,
            host_id,
            count,
            ..
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
                client.stop_actor(&cmd).await?,
                format!("actor {actor_id}"),
                host_id,
            )
        }
        StopCommand::Provider {
            ids,
            link_name,
            contract_id,
            host_id,
            ..
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
                client.stop_provider(&cmd).await?,
                format!("provider {provider_id}"),
                host_id,
            )
        }
        StopCommand::Host {
            host_id,
            host_timeout,
        } => {
            let host_id = pick_host(client, host_id).await?;
            (
                client.stop_host(&host_id, host_timeout).await?,
                format!("host {host_id}"),
                host_id.clone(),
            )
        }
    };
    if !ack.accepted {
        bail!("host {host_id} refused to stop {what}: {}", ack.error);
    }
    Ok(CommandOutput::with_json(
        format!("stopping {what}"),
        json!({ "host_id": host_id, "stopped": what }),
    ))
}
