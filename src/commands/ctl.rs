//! `wash ctl`: drive a lattice through the control interface — inventory, starting and stopping actors
//! and providers, link definitions.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand};
use serde_json::{json, Map, Value};
use wash_ctl::{CtlClient, Placement, StartOutcome};
use wash_local::{ContextStore, WashHome};
use wash_wire::ctl::{StopActorCommand, StopProviderCommand};
use wash_wire::LinkDefinition;

use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash ctl get hosts
  wash ctl get inventory                       # of the only host, or pass its id
  wash ctl start actor ./kvcounter_s.wasm
  wash ctl start provider ./httpserver.par.gz --link-name default
  wash ctl link put MBXX.. VAXX.. wasmcloud:httpserver PORT=8080
  wash ctl link query -o json
  wash ctl stop actor MBXX..

Connection settings come from the default context (~/.wash/contexts/default.json, written by `wash up`)
unless flags override them.";

/// Arguments of `wash ctl`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct CtlArgs {
    #[command(flatten)]
    connection: ConnectionArgs,

    #[command(subcommand)]
    command: CtlCommand,
}

/// Where the lattice is.
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// NATS host of the control interface (default: from the context, else 127.0.0.1).
    #[arg(long, global = true, env = "WASH_CTL_HOST")]
    pub ctl_host: Option<String>,

    /// NATS port of the control interface (default: from the context, else 4222).
    #[arg(long, global = true, env = "WASH_CTL_PORT")]
    pub ctl_port: Option<u16>,

    /// Lattice id (default: from the context, else `default`).
    #[arg(short = 'x', long, global = true, env = "WASH_LATTICE")]
    pub lattice: Option<String>,

    /// Timeout of one control request in milliseconds.
    #[arg(long, global = true)]
    pub timeout_ms: Option<u64>,

    /// Context to read settings from (a name under ~/.wash/contexts).
    #[arg(long, global = true, default_value = "default")]
    pub context: String,
}

impl ConnectionArgs {
    /// Connects using flags over the context.
    pub async fn connect(&self) -> anyhow::Result<CtlClient> {
        let context = ContextStore::new(&WashHome::from_env()).load(&self.context)?;
        let host = self.ctl_host.clone().unwrap_or(context.ctl_host);
        let port = self.ctl_port.unwrap_or(context.ctl_port);
        let lattice = self.lattice.clone().unwrap_or(context.ctl_lattice_prefix);
        let timeout = Duration::from_millis(self.timeout_ms.unwrap_or(context.ctl_timeout));
        let url = format!("nats://{host}:{port}");
        let client = CtlClient::connect(&url, lattice).await.with_context(|| {
            format!("cannot reach the lattice at {url} (is `wash up` running?)")
        })?;
        Ok(client.with_timeout(timeout))
    }
}

#[derive(Debug, Subcommand)]
enum CtlCommand {
    /// Query the lattice: hosts, a host's inventory, claims, links.
    #[command(subcommand)]
    Get(GetCommand),
    /// Start an actor or a provider.
    #[command(subcommand)]
    Start(StartCommand),
    /// Stop an actor, a provider or a host.
    #[command(subcommand)]
    Stop(StopCommand),
    /// Put, delete or list link definitions.
    #[command(subcommand)]
    Link(LinkCommand),
}

#[derive(Debug, Subcommand)]
enum GetCommand {
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

#[derive(Debug, Subcommand)]
enum StartCommand {
    /// Start actor instances from a file (OCI references arrive with `wash reg`).
    Actor(StartActorArgs),
    /// Start a provider instance from a provider archive (.par.gz).
    Provider(StartProviderArgs),
}

#[derive(Debug, Args)]
struct WaitArgs {
    /// Host to start on; without it, hosts bid in an auction.
    #[arg(long)]
    host_id: Option<String>,
    /// Label a bidding host must carry, KEY=VALUE (repeatable).
    #[arg(long = "constraint", value_name = "KEY=VALUE", value_parser = parse_pair)]
    constraints: Vec<(String, String)>,
    /// Return after the host acknowledged, without waiting for the outcome.
    #[arg(long)]
    skip_wait: bool,
    /// How long to wait for the outcome, in milliseconds (allow for a download).
    #[arg(long, default_value_t = 30_000)]
    wait_timeout_ms: u64,
}

impl WaitArgs {
    fn placement(&self) -> Placement {
        Placement {
            host_id: self.host_id.clone(),
            constraints: self.constraints.iter().cloned().collect(),
            wait: (!self.skip_wait).then(|| Duration::from_millis(self.wait_timeout_ms)),
        }
    }
}

#[derive(Debug, Args)]
struct StartActorArgs {
    /// Path (or file:// URL) of a signed actor module.
    actor_ref: String,
    /// Number of instances.
    #[arg(long, default_value_t = 1)]
    count: u16,
    #[command(flatten)]
    wait: WaitArgs,
}

#[derive(Debug, Args)]
struct StartProviderArgs {
    /// Path (or file:// URL) of a provider archive.
    provider_ref: String,
    /// Link name of the instance.
    #[arg(short = 'l', long, default_value = "default")]
    link_name: String,
    /// Configuration string handed to the provider as `config_json`.
    #[arg(long)]
    config_json: Option<String>,
    #[command(flatten)]
    wait: WaitArgs,
}

#[derive(Debug, Subcommand)]
enum StopCommand {
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

#[derive(Debug, Subcommand)]
enum LinkCommand {
    /// Link an actor to a provider for a contract, with KEY=VALUE settings.
    Put {
        /// Actor id (M…).
        actor_id: String,
        /// Provider id (V…).
        provider_id: String,
        /// Contract id, e.g. wasmcloud:httpserver.
        contract_id: String,
        /// Settings handed to the provider, e.g. PORT=8080.
        #[arg(value_name = "KEY=VALUE", value_parser = parse_pair)]
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

fn parse_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("`{s}` is not KEY=VALUE"))
}

/// Runs `wash ctl`.
pub fn run(args: CtlArgs, printer: &Printer) -> anyhow::Result<CommandOutput> {
    super::block_on(async move {
        let client = args.connection.connect().await?;
        match args.command {
            CtlCommand::Get(get) => run_get(&client, get).await,
            CtlCommand::Start(start) => run_start(&client, start, printer).await,
            CtlCommand::Stop(stop) => run_stop(&client, stop).await,
            CtlCommand::Link(link) => run_link(&client, link).await,
        }
    })
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => Map::from_iter([("result".to_owned(), other)]),
    }
}

/// The host to talk to: the given one, or the only one that answers a ping.
async fn pick_host(client: &CtlClient, host_id: Option<String>) -> anyhow::Result<String> {
    if let Some(id) = host_id {
        return Ok(id);
    }
    let hosts = client.get_hosts().await?;
    match hosts.as_slice() {
        [] => bail!(
            "no host answered on lattice `{}` (is `wash up` running?)",
            client.lattice()
        ),
        [only] => Ok(only.id.clone()),
        many => {
            let ids: Vec<_> = many.iter().map(|h| h.id.as_str()).collect();
            bail!(
                "several hosts answered; pass one of them: {}",
                ids.join(", ")
            )
        }
    }
}

async fn run_get(client: &CtlClient, get: GetCommand) -> anyhow::Result<CommandOutput> {
    match get {
        GetCommand::Hosts => {
            let hosts = client.get_hosts().await?;
            let mut text = format!(
                "{:<58} {:<16} {}\n",
                "Host ID", "Uptime (s)", "Friendly name"
            );
            for h in &hosts {
                text.push_str(&format!(
                    "{:<58} {:<16} {}\n",
                    h.id,
                    h.uptime_seconds,
                    h.friendly_name.as_deref().unwrap_or("")
                ));
            }
            if hosts.is_empty() {
                text = format!("no hosts answered on lattice `{}`", client.lattice());
            }
            Ok(CommandOutput::new(text, object(json!({ "hosts": hosts }))))
        }
        GetCommand::Inventory { host_id } => {
            let host_id = pick_host(client, host_id).await?;
            let inv = client.get_inventory(&host_id).await?;
            let mut text = format!("Host {host_id}\n");
            for (k, v) in &inv.labels {
                text.push_str(&format!("  {k} = {v}\n"));
            }
            text.push_str(&format!(
                "\n{:<58} {:<20} {}\n",
                "Actor ID", "Name", "Instances"
            ));
            for a in &inv.actors {
                text.push_str(&format!(
                    "{:<58} {:<20} {}\n",
                    a.id,
                    a.name.as_deref().unwrap_or("N/A"),
                    a.instances.len()
                ));
            }
            text.push_str(&format!(
                "\n{:<58} {:<14} {:<22} {}\n",
                "Provider ID", "Link name", "Contract ID", "Name"
            ));
            for p in &inv.providers {
                text.push_str(&format!(
                    "{:<58} {:<14} {:<22} {}\n",
                    p.id,
                    p.link_name,
                    p.contract_id,
                    p.name.as_deref().unwrap_or("N/A")
                ));
            }
            Ok(CommandOutput::new(
                text,
                object(json!({ "inventory": inv })),
            ))
        }
        GetCommand::Claims => {
            let claims = client.get_claims().await?;
            let mut text = String::new();
            for c in &claims.claims {
                let get = |k: &str| c.get(k).map(String::as_str).unwrap_or("");
                text.push_str(&format!(
                    "{}  {}  {}\n",
                    get("sub"),
                    get("name"),
                    get("caps")
                ));
            }
            Ok(CommandOutput::new(
                text,
                object(json!({ "claims": claims.claims })),
            ))
        }
        GetCommand::Links => links_output(client).await,
    }
}

async fn links_output(client: &CtlClient) -> anyhow::Result<CommandOutput> {
    let links = client.get_links().await?.links;
    let mut text = format!(
        "{:<58} {:<58} {:<22} {:<10} {}\n",
        "Actor ID", "Provider ID", "Contract ID", "Link name", "Values"
    );
    for l in &links {
        let values: Vec<_> = l.values.iter().map(|(k, v)| format!("{k}={v}")).collect();
        text.push_str(&format!(
            "{:<58} {:<58} {:<22} {:<10} {}\n",
            l.actor_id,
            l.provider_id,
            l.contract_id,
            l.link_name,
            values.join(",")
        ));
    }
    if links.is_empty() {
        text = "no link definitions".into();
    }
    Ok(CommandOutput::new(text, object(json!({ "links": links }))))
}

async fn run_start(
    client: &CtlClient,
    start: StartCommand,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    match start {
        StartCommand::Actor(args) => {
            let reference = absolute_ref(&args.actor_ref)?;
            printer.status("Starting", format!("actor {reference}"));
            let (host_id, outcome) = client
                .start_actor_and_wait(&reference, args.count, None, &args.wait.placement())
                .await?;
            Ok(start_output("actor", &reference, &host_id, outcome))
        }
        StartCommand::Provider(args) => {
            let reference = absolute_ref(&args.provider_ref)?;
            printer.status(
                "Starting",
                format!("provider {reference} (link name {})", args.link_name),
            );
            let (host_id, outcome) = client
                .start_provider_and_wait(
                    &reference,
                    &args.link_name,
                    args.config_json,
                    &args.wait.placement(),
                )
                .await?;
            Ok(start_output("provider", &reference, &host_id, outcome))
        }
    }
}

/// Hosts read files relative to their own working directory: send an absolute path.
fn absolute_ref(reference: &str) -> anyhow::Result<String> {
    if reference.contains("://") {
        return Ok(reference.to_owned());
    }
    let path = std::path::Path::new(reference);
    if !path.exists() {
        bail!("`{reference}` does not exist (only files can be started until `wash reg` lands)");
    }
    Ok(std::fs::canonicalize(path)
        .with_context(|| format!("cannot resolve `{reference}`"))?
        .display()
        .to_string())
}

fn start_output(
    kind: &str,
    reference: &str,
    host_id: &str,
    outcome: StartOutcome,
) -> CommandOutput {
    let mut json = Map::new();
    json.insert("host_id".into(), json!(host_id));
    json.insert(format!("{kind}_ref"), json!(reference));
    match outcome {
        StartOutcome::Started(event) => {
            let id = event.data["public_key"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            json.insert(format!("{kind}_id"), json!(id));
            CommandOutput::new(format!("{kind} {id} started on host {host_id}"), json)
        }
        StartOutcome::Acknowledged => {
            json.insert("acknowledged_only".into(), json!(true));
            CommandOutput::new(
                format!("host {host_id} accepted {kind} {reference} (not waiting for the outcome)"),
                json,
            )
        }
    }
}

async fn run_stop(client: &CtlClient, stop: StopCommand) -> anyhow::Result<CommandOutput> {
    let (ack, what, host_id) = match stop {
        StopCommand::Actor {
            actor_id,
            host_id,
            count,
        } => {
            let host_id = pick_host(client, host_id).await?;
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
    Ok(CommandOutput::new(
        format!("stopping {what}"),
        object(json!({ "host_id": host_id, "stopped": what })),
    ))
}

async fn run_link(client: &CtlClient, link: LinkCommand) -> anyhow::Result<CommandOutput> {
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
            Ok(CommandOutput::new(text, object(json!({ "link": link }))))
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
            Ok(CommandOutput::new(
                format!("deleted link for {actor_id} on {contract_id} ({link_name})"),
                object(
                    json!({ "actor_id": actor_id, "contract_id": contract_id, "link_name": link_name }),
                ),
            ))
        }
        LinkCommand::Query => links_output(client).await,
    }
}
