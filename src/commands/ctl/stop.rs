//! `wash ctl stop`: stop actor instances, a provider instance or a host.

use anyhow::bail;
use clap::Subcommand;
use serde_json::json;
use wash_ctl::ids::{check_actor_id, check_provider_id};
use wash_ctl::CtlClient;
use wash_wire::ctl::{StopActorCommand, StopProviderCommand};

use super::{check_host, pick_host};
use crate::output::CommandOutput;

#[derive(Debug, Subcommand)]
pub(super) enum StopCommand {
    /// Stop instances of an actor.
    Actor {
        /// Actor id (M…).
        actor_id: String,
        /// Host the actor runs on (the only host when omitted).
        #[arg(long)]
        host_id: Option<String>,
        /// How many instances; 0 stops all.
        #[arg(long, default_value_t = 0)]
        count: u16,
    },
    /// Stop a provider instance.
    Provider {
        /// Provider id (V…).
        provider_id: String,
        /// Link name of the instance.
        #[arg(short = 'l', long, default_value = "default")]
        link_name: String,
        /// Contract id of the provider.
        #[arg(long, default_value = "")]
        contract_id: String,
        /// Host the provider runs on (the only host when omitted).
        #[arg(long)]
        host_id: Option<String>,
    },
    /// Stop a host (and everything on it).
    Host {
        /// Host id (the only host when omitted).
        host_id: Option<String>,
    },
}

impl StopCommand {
    /// Checks the ids given before connecting.
    pub(super) fn check(&self) -> anyhow::Result<()> {
        match self {
            StopCommand::Actor {
                actor_id, host_id, ..
            } => {
                check_actor_id(actor_id)?;
                check_host(host_id)
            }
            StopCommand::Provider {
                provider_id,
                host_id,
                ..
            } => {
                check_provider_id(provider_id)?;
                check_host(host_id)
            }
            StopCommand::Host { host_id } => check_host(host_id),
        }
    }
}

pub(super) async fn run(client: &CtlClient, stop: StopCommand) -> anyhow::Result<CommandOutput> {
    let (ack, what, host_id) = match stop {
        StopCommand::Actor {
            actor_id,
            host_id,
            count,
        } => {
            let host_id = client.actor_host(&actor_id, host_id.as_deref()).await?;
            let cmd = StopActorCommand {
                actor_ref: actor_id.clone(),
                annotations: None,
                count,
                host_id: host_id.clone(),
            };
            (
                client.stop_actor(&cmd).await?,
                format!("actor {actor_id}"),
                host_id,
            )
        }
        StopCommand::Provider {
            provider_id,
            link_name,
            contract_id,
            host_id,
        } => {
            let host_id = pick_host(client, host_id).await?;
            let cmd = StopProviderCommand {
                annotations: None,
                contract_id,
                host_id: host_id.clone(),
                link_name,
                provider_ref: provider_id.clone(),
            };
            (
                client.stop_provider(&cmd).await?,
                format!("provider {provider_id}"),
                host_id,
            )
        }
        StopCommand::Host { host_id } => {
            let host_id = pick_host(client, host_id).await?;
            (
                client.stop_host(&host_id, None).await?,
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
