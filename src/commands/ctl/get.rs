//! `wash ctl get`: hosts, a host's inventory, claims and links, as tables or JSON.

use clap::Subcommand;
use serde_json::json;
use wash_ctl::CtlClient;

use super::{check_host, pick_host};
use crate::output::CommandOutput;
use crate::render::TextTable;

#[derive(Debug, Subcommand)]
pub(super) enum GetCommand {
    /// Every host that answers a ping.
    Hosts,
    /// What runs on a host (the only host when none is given).
    Inventory {
        /// Host id (N…).
        host_id: Option<String>,
    },
    /// Claims of every actor and provider seen by the lattice.
    Claims,
    /// Every link definition (same as `wash ctl link query`).
    Links,
}

impl GetCommand {
    /// Checks the ids given before connecting.
    pub(super) fn check(&self) -> anyhow::Result<()> {
        match self {
            GetCommand::Inventory { host_id } => check_host(host_id),
            _ => Ok(()),
        }
    }
}

pub(super) async fn run(client: &CtlClient, get: GetCommand) -> anyhow::Result<CommandOutput> {
    match get {
        GetCommand::Hosts => {
            let hosts = client.get_hosts().await?;
            if hosts.is_empty() {
                return Err(client.no_host_error().into());
            }
            let mut table = TextTable::with_header(["Host ID", "Uptime (s)", "Friendly name"]);
            for h in &hosts {
                table.row([
                    h.id.clone(),
                    h.uptime_seconds.to_string(),
                    h.friendly_name.clone().unwrap_or_default(),
                ]);
            }
            Ok(CommandOutput::with_json(
                table.render(),
                json!({ "hosts": hosts }),
            ))
        }
        GetCommand::Inventory { host_id } => {
            let host_id = pick_host(client, host_id).await?;
            let inv = client.get_inventory(&host_id).await?;
            let mut text = format!("Host {host_id}\n");
            for (k, v) in &inv.labels {
                text.push_str(&format!("  {k} = {v}\n"));
            }
            let mut actors = TextTable::with_header(["Actor ID", "Name", "Instances"]);
            for a in &inv.actors {
                actors.row([
                    a.id.clone(),
                    a.name.clone().unwrap_or_else(|| "N/A".into()),
                    a.instances.len().to_string(),
                ]);
            }
            let mut providers =
                TextTable::with_header(["Provider ID", "Link name", "Contract ID", "Name"]);
            for p in &inv.providers {
                providers.row([
                    p.id.clone(),
                    p.link_name.clone(),
                    p.contract_id.clone(),
                    p.name.clone().unwrap_or_else(|| "N/A".into()),
                ]);
            }
            text.push_str(&format!("\n{}\n{}", actors.render(), providers.render()));
            Ok(CommandOutput::with_json(text, json!({ "inventory": inv })))
        }
        GetCommand::Claims => {
            let claims = client.get_claims().await?;
            let mut table = TextTable::plain(0, 2);
            for c in &claims.claims {
                let get = |k: &str| c.get(k).cloned().unwrap_or_default();
                table.row([get("sub"), get("name"), get("caps")]);
            }
            Ok(CommandOutput::with_json(
                table.render(),
                json!({ "claims": claims.claims }),
            ))
        }
        GetCommand::Links => links_output(client).await,
    }
}

/// Every link definition, as a table or JSON (`get links` and `link query`).
pub(super) async fn links_output(client: &CtlClient) -> anyhow::Result<CommandOutput> {
    let links = client.get_links().await?.links;
    let mut table = TextTable::with_header([
        "Actor ID",
        "Provider ID",
        "Contract ID",
        "Link name",
        "Values",
    ]);
    for l in &links {
        let values: Vec<_> = l.values.iter().map(|(k, v)| format!("{k}={v}")).collect();
        table.row([
            l.actor_id.clone(),
            l.provider_id.clone(),
            l.contract_id.clone(),
            l.link_name.clone(),
            values.join(","),
        ]);
    }
    let text = if links.is_empty() {
        "no link definitions".into()
    } else {
        table.render()
    };
    Ok(CommandOutput::with_json(text, json!({ "links": links })))
}
