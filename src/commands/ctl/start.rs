//! `wash ctl start`: start actors and providers, on a given host or by auction, and wait for the outcome.

use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use serde_json::{json, Map};
use wash_ctl::{CtlClient, Placement, StartOutcome};
use wash_oci::host_reference;

use super::check_host;
use crate::commands::args::parse_key_value;
use crate::output::{CommandOutput, Printer};

#[derive(Debug, Subcommand)]
pub(super) enum StartCommand {
    /// Start actor instances from a signed module (a path, file:// URL or OCI reference).
    Actor(StartActorArgs),
    /// Start a provider instance from a provider archive (.par.gz).
    Provider(StartProviderArgs),
}

#[derive(Debug, Args)]
pub(super) struct WaitArgs {
    /// Host to start on; without it, hosts bid in an auction.
    #[arg(long)]
    host_id: Option<String>,
    /// Label a bidding host must carry, KEY=VALUE (repeatable).
    #[arg(short = 'c', long = "constraint", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    constraints: Vec<(String, String)>,
    /// Return after the host acknowledged, without waiting for the outcome.
    #[arg(long)]
    skip_wait: bool,
    /// How long to wait for the outcome, in milliseconds (allow for a download).
    #[arg(long, default_value_t = 30_000, value_name = "MS")]
    wait_timeout_ms: u64,
    /// Annotation of the started instance(s), KEY=VALUE (repeatable).
    #[arg(long = "annotation", value_name = "KEY=VALUE", value_parser = parse_key_value)]
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
pub(super) struct StartActorArgs {
    /// Path, file:// URL or OCI reference of a signed actor module.
    actor_ref: String,
    /// Number of instances.
    #[arg(long, default_value_t = 1)]
    count: u16,
    #[command(flatten)]
    wait: WaitArgs,
}

#[derive(Debug, Args)]
pub(super) struct StartProviderArgs {
    /// Path, file:// URL or OCI reference of a provider archive.
    provider_ref: String,
    /// Link name of the instance.
    #[arg(short = 'l', long, default_value = "default")]
    link_name: String,
    /// Configuration handed to the provider as `config_json`: a JSON file (checked to be JSON), or the
    /// string itself.
    #[arg(long, value_name = "FILE|STRING")]
    config_json: Option<String>,
    #[command(flatten)]
    wait: WaitArgs,
}

impl StartCommand {
    /// Checks the ids given before connecting.
    pub(super) fn check(&self) -> anyhow::Result<()> {
        match self {
            StartCommand::Actor(StartActorArgs { wait, .. })
            | StartCommand::Provider(StartProviderArgs { wait, .. }) => check_host(&wait.host_id),
        }
    }
}

pub(super) async fn run(
    client: &CtlClient,
    start: StartCommand,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    match start {
        StartCommand::Actor(args) => {
            let reference = host_reference(&args.actor_ref)?;
            printer.status("Starting", format!("actor {reference}"));
            let (host_id, outcome) = client
                .start_actor_and_wait(&reference, args.count, None, &args.wait.placement())
                .await?;
            Ok(start_output("actor", &reference, &host_id, outcome))
        }
        StartCommand::Provider(args) => {
            let reference = host_reference(&args.provider_ref)?;
            printer.status(
                "Starting",
                format!("provider {reference} (link name {})", args.link_name),
            );
            let (host_id, outcome) = client
                .start_provider_and_wait(
                    &reference,
                    &args.link_name,
                    provider_config(args.config_json)?,
                    &args.wait.placement(),
                )
                .await?;
            Ok(start_output("provider", &reference, &host_id, outcome))
        }
    }
}

/// `--config-json`: wash 0.18.1 took the path of a JSON file and sent its text; a value that names a
/// file is read and must be JSON, anything else is sent as given.
fn provider_config(value: Option<String>) -> anyhow::Result<Option<String>> {
    let Some(value) = value else { return Ok(None) };
    let path = std::path::Path::new(&value);
    if !path.is_file() {
        return Ok(Some(value));
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read the provider configuration `{value}`"))?;
    serde_json::from_str::<serde_json::Value>(&text)
        .with_context(|| format!("the provider configuration `{value}` is not JSON"))?;
    Ok(Some(text))
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
