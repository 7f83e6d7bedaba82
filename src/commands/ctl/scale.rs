//! `wash ctl scale` and `wash ctl update`: set an actor's instance count, live-update its module.

use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::json;
use wash_ctl::ids::check_actor_id;
use wash_ctl::{CtlClient, ScaleOutcome};
use wash_oci::host_reference;
use wash_wire::ctl::{ScaleActorCommand, UpdateActorCommand};

use super::check_host;
use crate::commands::args::parse_key_value;
use crate::output::{json_fields, CommandOutput, Printer};

#[derive(Debug, Subcommand)]
pub(super) enum ScaleCommand {
    /// Run exactly `--count` instances of an actor (0 stops all), starting from the reference if needed.
    Actor(ScaleActorArgs),
}

#[derive(Debug, Args)]
pub(super) struct ScaleActorArgs {
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
    #[arg(long = "annotation", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    annotations: Vec<(String, String)>,
    /// Return after the host acknowledged, without waiting for the inventory to show the count.
    #[arg(long)]
    skip_wait: bool,
    /// How long to wait for the count, in milliseconds.
    #[arg(long, default_value_t = 30_000, value_name = "MS")]
    wait_timeout_ms: u64,
}

#[derive(Debug, Subcommand)]
pub(super) enum UpdateCommand {
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

impl ScaleCommand {
    /// Checks the ids given before connecting.
    pub(super) fn check(&self) -> anyhow::Result<()> {
        let ScaleCommand::Actor(args) = self;
        check_actor_id(&args.actor_id)?;
        check_host(&args.host_id)
    }
}

impl UpdateCommand {
    /// Checks the ids given before connecting.
    pub(super) fn check(&self) -> anyhow::Result<()> {
        let UpdateCommand::Actor {
            actor_id, host_id, ..
        } = self;
        check_actor_id(actor_id)?;
        check_host(host_id)
    }
}

pub(super) async fn run_scale(
    client: &CtlClient,
    ScaleCommand::Actor(args): ScaleCommand,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    let reference = host_reference(&args.actor_ref)?;
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
    let mut json = json_fields(json!({
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

pub(super) async fn run_update(
    client: &CtlClient,
    update: UpdateCommand,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    let UpdateCommand::Actor {
        actor_id,
        new_actor_ref,
        host_id,
        wait_timeout_ms,
    } = update;
    let wait = Duration::from_millis(wait_timeout_ms);
    let reference = host_reference(&new_actor_ref)?;
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
    Ok(CommandOutput::with_json(
        format!(
            "actor {actor_id} on host {host_id} now runs {reference} (revision {})",
            revision.map_or_else(|| "unknown".to_owned(), |r| r.to_string())
        ),
        json!({
            "actor_id": actor_id,
            "host_id": host_id,
            "new_actor_ref": reference,
            "revision": revision,
        }),
    ))
}
