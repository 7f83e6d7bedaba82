//! `wash ctl link`: put, delete and list link definitions.

use std::collections::BTreeMap;

use anyhow::bail;
use clap::Subcommand;
use serde_json::json;
use wash_ctl::ids::{check_actor_id, check_contract_id, check_link};
use wash_ctl::CtlClient;
use wash_wire::LinkDefinition;

use crate::commands::args::parse_key_value;
use crate::output::CommandOutput;

#[derive(Debug, Subcommand)]
pub(super) enum LinkCommand {
    /// Link an actor to a provider for a contract, with KEY=VALUE settings.
    Put {
        /// Actor id (M…).
        actor_id: String,
        /// Provider id (V…).
        provider_id: String,
        /// Contract id, e.g. wasmcloud:httpserver.
        contract_id: String,
        /// Settings handed to the provider, e.g. PORT=8080.
        #[arg(value_name = "KEY=VALUE", value_parser = parse_key_value)]
        values: Vec<(String, String)>,
        /// Link name.
        #[arg(short = 'l', long, default_value = "default")]
        link_name: String,
    },
    /// Delete the link of an actor for a contract.
    Del {
        /// Actor id (M…).
        actor_id: String,
        /// Contract id.
        contract_id: String,
        /// Link name.
        #[arg(short = 'l', long, default_value = "default")]
        link_name: String,
    },
    /// List every link definition.
    Query,
}

impl LinkCommand {
    /// Checks the ids given before connecting.
    pub(super) fn check(&self) -> anyhow::Result<()> {
        match self {
            LinkCommand::Put {
                actor_id,
                provider_id,
                contract_id,
                ..
            } => {
                check_link(actor_id, provider_id, contract_id)?;
            }
            LinkCommand::Del {
                actor_id,
                contract_id,
                ..
            } => {
                check_actor_id(actor_id)?;
                check_contract_id(contract_id)?;
            }
            LinkCommand::Query => {}
        }
        Ok(())
    }
}

pub(super) async fn run(client: &CtlClient, link: LinkCommand) -> anyhow::Result<CommandOutput> {
    match link {
        LinkCommand::Put {
            actor_id,
            provider_id,
            contract_id,
            values,
            link_name,
        } => {
            let link = LinkDefinition {
                actor_id,
                provider_id,
                link_name,
                contract_id,
                values: values.into_iter().collect::<BTreeMap<_, _>>(),
            };
            let ack = client.put_link(&link).await?;
            if !ack.accepted {
                bail!("link was refused: {}", ack.error);
            }
            let text = format!(
                "published link ({}) <-> ({}) for {} on link name {}",
                link.actor_id, link.provider_id, link.contract_id, link.link_name
            );
            Ok(CommandOutput::with_json(text, json!({ "link": link })))
        }
        LinkCommand::Del {
            actor_id,
            contract_id,
            link_name,
        } => {
            let ack = client
                .delete_link(&actor_id, &contract_id, &link_name)
                .await?;
            if !ack.accepted {
                bail!("link deletion was refused: {}", ack.error);
            }
            Ok(CommandOutput::with_json(
                format!("deleted link for {actor_id} on {contract_id} ({link_name})"),
                json!({ "actor_id": actor_id, "contract_id": contract_id, "link_name": link_name }),
            ))
        }
        LinkCommand::Query => super::get::links_output(client).await,
    }
}
