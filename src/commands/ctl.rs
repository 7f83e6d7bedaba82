//! `wash ctl`: drive a lattice through the control interface — inventory, starting, scaling, updating
//! and stopping actors and providers, link definitions.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand};
use serde_json::{json, Map, Value};
use wash_ctl::ids::{
    check_actor_id, check_contract_id, check_host_id, check_link, check_provider_id,
};
use wash_ctl::{CtlClient, Placement, ScaleOutcome, StartOutcome};
use wash_local::WashPaths;
use wash_wire::ctl::{
    ScaleActorCommand, StopActorCommand, StopProviderCommand, UpdateActorCommand,
};
use wash_wire::LinkDefinition;

pub use super::connection::ConnectionArgs;
use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash ctl get hosts
  wash ctl get inventory                       # of the only host, or pass its id
  wash ctl start actor ./kvcounter_s.wasm
  wash ctl start provider ./httpserver.par.gz --link-name default
  wash ctl link put MBXX.. VAXX.. wasmcloud:httpserver PORT=8080
  wash ctl link del MBXX.. wasmcloud:keyvalue
  wash ctl link query -o json
  wash ctl scale actor MBXX.. ./kvcounter_s.wasm --count 3
  wash ctl update actor MBXX.. ./kvcounter_v2_s.wasm
  wash ctl stop actor MBXX..
  wash ctl get hosts --context prod            # another context from ~/.wash/contexts
  wash ctl get hosts --ctl-port 4333 --ctl-credsfile ./user.creds

Connection settings come from the default context (`wash ctx list` shows it; `wash up` writes
~/.wash/contexts/default.json) unless `--context` or the `--ctl-*`/`--lattice`/`--timeout-ms` flags
override them.";

/// Arguments of `wash ctl`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct CtlArgs {
    #[command(flatten)]
    connection: ConnectionArgs,

    #[command(subcommand)]
    command: CtlCommand,
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
    /// Set the number of instances of an actor on a host.
    #[command(subcommand)]
    Scale(ScaleCommand),
    /// Live-update a running actor to a new module (same actor key, e.g. a new revision).
    #[command(subcommand)]
    Update(UpdateCommand),
}

#[derive(Debug, Subcommand)]
enum ScaleCommand {
    /// Run exactly `--count` instances of an actor (0 stops all), starting from the reference if needed.
    Actor(ScaleActorArgs),
}

#[derive(Debug, Args)]
struct ScaleActorArgs {
    /// Actor id (M…).
    actor_id: String,
    /// Path, file:// URL or OCI reference of the signed module to start more instances from.
    actor_ref: String,
    /// The number of instances wanted.
    #[arg(short = 'c', long)]
    count: u16,
    /// Host to scale on (default: the host running the actor, or the only host).
    #[arg(long)]
    host_id: Option<String>,
    /// Annotation of the new instances, KEY=VALUE (repeatable).
    #[arg(long = "annotation", value_name = "KEY=VALUE", value_parser = parse_pair)]
    annotations: Vec<(String, String)>,
    /// Return after the host acknowledged, without waiting for the inventory to show the count.
    #[arg(long)]
    skip_wait: bool,
    /// How long to wait for the count, in milliseconds.
    #[arg(long, default_value_t = 30_000, value_name = "MS")]
    wait_timeout_ms: u64,
}

#[derive(Debug, Subcommand)]
enum UpdateCommand {
    /// Replace the module of a running actor.
    Actor {
        /// Actor id (M…).
        actor_id: String,
        /// Path, file:// URL or OCI reference of the new signed module (its key must be the actor id).
        new_actor_ref: String,
        /// Host running the actor (default: the only host running it).
        #[arg(long)]
        host_id: Option<String>,
        /// How long the host may take to load the new module and answer, in milliseconds.
        #[arg(long, default_value_t = 30_000, value_name = "MS")]
        wait_timeout_ms: u64,
    },
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
    /// Start actor instances from a signed module (a path, file:// URL or OCI reference).
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
    #[arg(long, default_value_t = 30_000, value_name = "MS")]
    wait_timeout_ms: u64,
    /// Annotation of the started instance(s), KEY=VALUE (repeatable).
    #[arg(long = "annotation", value_name = "KEY=VALUE", value_parser = parse_pair)]
    annotations: Vec<(String, String)>,
}

impl WaitArgs {
    fn placement(&self) -> Placement {
        Placement {
            host_id: self.host_id.clone(),
            constraints: self.constraints.iter().cloned().collect(),
            wait: (!self.skip_wait).then(|| Duration::from_millis(self.wait_timeout_ms)),
            annotations: self.annotations.iter().cloned().collect(),
        }
    }
}

#[derive(Debug, Args)]
struct StartActorArgs {
    /// Path, file:// URL or OCI reference of a signed actor module.
    actor_ref: String,
    /// Number of instances.
    #[arg(long, default_value_t = 1)]
    count: u16,
    #[command(flatten)]
    wait: WaitArgs,
}

#[derive(Debug, Args)]
struct StartProviderArgs {
    /// Path, file:// URL or OCI reference of a provider archive.
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
pub fn run(args: CtlArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    check_ids(&args.command)?;
    super::block_on(async move {
        let client = args.connection.connect(paths.home()).await?;
        match args.command {
            CtlCommand::Get(get) => run_get(&client, get).await,
            CtlCommand::Start(start) => run_start(&client, start, printer).await,
            CtlCommand::Stop(stop) => run_stop(&client, stop).await,
            CtlCommand::Link(link) => run_link(&client, link).await,
            CtlCommand::Scale(ScaleCommand::Actor(scale)) => {
                run_scale(&client, scale, printer).await
            }
            CtlCommand::Update(UpdateCommand::Actor {
                actor_id,
                new_actor_ref,
                host_id,
                wait_timeout_ms,
            }) => {
                let wait = Duration::from_millis(wait_timeout_ms);
                run_update(&client, actor_id, new_actor_ref, host_id, wait, printer).await
            }
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
    Ok(client.only_host(host_id.as_deref()).await?)
}

/// Checks the kinds of the ids given (actor `M…`, provider `V…`, host `N…`, contract `ns:name`) before
/// connecting, so a mixed-up argument is explained even when no lattice runs.
fn check_ids(command: &CtlCommand) -> anyhow::Result<()> {
    let host = |id: &Option<String>| id.as_deref().map(check_host_id).transpose();
    match command {
        CtlCommand::Get(GetCommand::Inventory { host_id }) => host(host_id)?,
        CtlCommand::Get(_) | CtlCommand::Link(LinkCommand::Query) => None,
        CtlCommand::Start(StartCommand::Actor(StartActorArgs { wait, .. }))
        | CtlCommand::Start(StartCommand::Provider(StartProviderArgs { wait, .. })) => {
            host(&wait.host_id)?
        }
        CtlCommand::Stop(StopCommand::Actor {
            actor_id, host_id, ..
        }) => {
            check_actor_id(actor_id)?;
            host(host_id)?
        }
        CtlCommand::Stop(StopCommand::Provider {
            provider_id,
            host_id,
            ..
        }) => {
            check_provider_id(provider_id)?;
            host(host_id)?
        }
        CtlCommand::Stop(StopCommand::Host { host_id }) => host(host_id)?,
        CtlCommand::Link(LinkCommand::Put {
            actor_id,
            provider_id,
            contract_id,
            ..
        }) => Some(check_link(actor_id, provider_id, contract_id)?),
        CtlCommand::Link(LinkCommand::Del {
            actor_id,
            contract_id,
            ..
        }) => {
            check_actor_id(actor_id)?;
            Some(check_contract_id(contract_id)?)
        }
        CtlCommand::Scale(ScaleCommand::Actor(args)) => {
            check_actor_id(&args.actor_id)?;
            host(&args.host_id)?
        }
        CtlCommand::Update(UpdateCommand::Actor {
            actor_id, host_id, ..
        }) => {
            check_actor_id(actor_id)?;
            host(host_id)?
        }
    };
    Ok(())
}

async fn run_get(client: &CtlClient, get: GetCommand) -> anyhow::Result<CommandOutput> {
    match get {
        GetCommand::Hosts => {
            let hosts = client.get_hosts().await?;
            if hosts.is_empty() {
                return Err(client.no_host_error().into());
            }
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

/// Hosts read files relative to their own working directory: send an absolute path. A reference that
/// is no file but an OCI reference (`registry/repo:tag`) goes to the host as it is (the host pulls it).
fn absolute_ref(reference: &str) -> anyhow::Result<String> {
    if reference.contains("://") {
        return Ok(reference.to_owned());
    }
    let path = std::path::Path::new(reference);
    if !path.exists() {
        if wash_oci::is_oci_reference(reference) {
            return Ok(reference.to_owned());
        }
        bail!("`{reference}` does not exist: pass the path of a signed actor module or provider archive, or an OCI reference");
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

async fn run_scale(
    client: &CtlClient,
    args: ScaleActorArgs,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    let reference = absolute_ref(&args.actor_ref)?;
    let host_id = match client
        .actor_host(&args.actor_id, args.host_id.as_deref())
        .await
    {
        Ok(host_id) => host_id,
        // Not running anywhere yet: scaling up from zero starts it on the only host.
        Err(wash_ctl::CtlError::ActorNotRunning { .. }) => client.only_host(None).await?,
        Err(err) => return Err(err.into()),
    };
    printer.status(
        "Scaling",
        format!(
            "actor {} to {} instance(s) on host {host_id}",
            args.actor_id, args.count
        ),
    );
    let cmd = ScaleActorCommand {
        actor_id: args.actor_id.clone(),
        actor_ref: reference,
        annotations: (!args.annotations.is_empty()).then(|| args.annotations.into_iter().collect()),
        count: args.count,
        host_id: host_id.clone(),
    };
    let wait = (!args.skip_wait).then(|| Duration::from_millis(args.wait_timeout_ms));
    let outcome = client.scale_actor_and_wait(&cmd, wait).await?;
    let mut json = object(json!({
        "actor_id": args.actor_id,
        "actor_ref": cmd.actor_ref,
        "host_id": host_id,
        "count": args.count,
    }));
    let text = match outcome {
        ScaleOutcome::Scaled(n) => {
            json.insert("instances".into(), json!(n));
            format!(
                "actor {} runs {n} instance(s) on host {host_id}",
                args.actor_id
            )
        }
        ScaleOutcome::Acknowledged => {
            json.insert("acknowledged_only".into(), json!(true));
            format!(
                "host {host_id} accepted scaling actor {} to {} (not waiting for the outcome)",
                args.actor_id, args.count
            )
        }
    };
    Ok(CommandOutput::new(text, json))
}

async fn run_update(
    client: &CtlClient,
    actor_id: String,
    new_actor_ref: String,
    host_id: Option<String>,
    wait: Duration,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    let reference = absolute_ref(&new_actor_ref)?;
    let host_id = client.actor_host(&actor_id, host_id.as_deref()).await?;
    printer.status("Updating", format!("actor {actor_id} to {reference}"));
    let cmd = UpdateActorCommand {
        actor_id: actor_id.clone(),
        annotations: None,
        host_id: host_id.clone(),
        new_actor_ref: reference.clone(),
    };
    let inventory = client.update_actor_and_check(&cmd, wait).await?;
    let revision = inventory
        .actors
        .iter()
        .find(|a| a.id == actor_id)
        .and_then(|a| a.instances.first())
        .map(|i| i.revision);
    Ok(CommandOutput::new(
        format!(
            "actor {actor_id} on host {host_id} now runs {reference} (revision {})",
            revision.map_or_else(|| "unknown".to_owned(), |r| r.to_string())
        ),
        object(json!({
            "actor_id": actor_id,
            "host_id": host_id,
            "new_actor_ref": reference,
            "revision": revision,
        })),
    ))
}
