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
    ///
    /// `wash ctl scale actor ACTOR_ID REF`, on the host running the actor; wash 0.x's
    /// `wash ctl scale actor HOST_ID ACTOR_ID REF` works too.
    Actor(ScaleActorArgs),
}

#[derive(Debug, Args)]
pub(super) struct ScaleActorArgs {
    #[command(flatten)]
    ids: TargetIds,
    /// The number of instances wanted (0 stops all).
    #[arg(short = 'c', long, default_value_t = 1)]
    count: u16,
    /// Host to scale on (default: the host running the actor, or the only host).
    #[arg(long)]
    host_id: Option<String>,
    /// Annotation of the new instances, KEY=VALUE (repeatable).
    #[arg(
        short = 'a',
        long = "annotation",
        visible_alias = "annotations",
        value_name = "KEY=VALUE",
        value_parser = parse_key_value
    )]
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
    ///
    /// `wash ctl update actor ACTOR_ID NEW_REF`, on the host running the actor; wash 0.x's
    /// `wash ctl update actor HOST_ID ACTOR_ID NEW_REF` works too.
    Actor {
        #[command(flatten)]
        ids: TargetIds,
        /// Host running the actor (default: the only host running it).
        #[arg(long)]
        host_id: Option<String>,
        /// How long the host may take to load the new module and answer, in milliseconds.
        #[arg(long, default_value_t = 30_000, value_name = "MS")]
        wait_timeout_ms: u64,
    },
}

/// The positional arguments of `scale actor`/`update actor`: ours, `ACTOR_ID REF`, or wash 0.x's
/// `HOST_ID ACTOR_ID REF` (its third argument is hidden from help to keep the usage line readable; the
/// commands' help names the form).
#[derive(Debug, Args)]
pub(super) struct TargetIds {
    /// Actor id (M…).
    actor_id: String,
    /// Path, file:// URL or OCI reference of the signed module (its key must be the actor id).
    actor_ref: String,
    /// The reference in wash 0.x's form `HOST_ID ACTOR_ID REF`.
    #[arg(hide = true)]
    zero_x_ref: Option<String>,
}

/// The actor, module reference and host of `scale actor`/`update actor`, from our form
/// (`ACTOR_ID REF [--host-id H]`) or wash 0.x's (`HOST_ID ACTOR_ID REF`), checked.
struct Target {
    actor_id: String,
    reference: String,
    host_id: Option<String>,
}

fn target(ids: &TargetIds, host_flag: &Option<String>) -> anyhow::Result<Target> {
    let (host_id, actor_id, reference) = match &ids.zero_x_ref {
        None => (host_flag.clone(), &ids.actor_id, &ids.actor_ref),
        Some(reference) => {
            if host_flag.is_some() {
                return Err(super::usage(
                    "the host id is given twice: as the first argument and by `--host-id`",
                ));
            }
            (Some(ids.actor_id.clone()), &ids.actor_ref, reference)
        }
    };
    check_actor_id(actor_id)?;
    check_host(&host_id)?;
    Ok(Target {
        actor_id: actor_id.clone(),
        reference: reference.clone(),
        host_id,
    })
}

impl ScaleCommand {
    /// Checks the ids given before connecting.
    pub(super) fn check(&self) -> anyhow::Result<()> {
        let ScaleCommand::Actor(args) = self;
        target(&args.ids, &args.host_id).map(drop)
    }
}

impl UpdateCommand {
    /// Checks the ids given before connecting.
    pub(super) fn check(&self) -> anyhow::Result<()> {
        let UpdateCommand::Actor { ids, host_id, .. } = self;
        target(ids, host_id).map(drop)
    }
}

pub(super) async fn run_scale(
    client: &CtlClient,
    ScaleCommand::Actor(args): ScaleCommand,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    let Target {
        actor_id,
        reference,
        host_id,
    } = target(&args.ids, &args.host_id)?;
    let reference = host_reference(&reference)?;
    let host_id = match client.actor_host(&actor_id, host_id.as_deref()).await {
        Ok(host_id) => host_id,
        // Not running anywhere yet: scaling up from zero starts it on the only host.
        Err(wash_ctl::CtlError::ActorNotRunning { .. }) => client.only_host(None).await?,
        Err(err) => return Err(err.into()),
    };
    printer.status(
        "Scaling",
        format!(
            "actor {} to {} instance(s) on host {host_id}",
            actor_id, args.count
        ),
    );
    let cmd = ScaleActorCommand {
        actor_id: actor_id.clone(),
        actor_ref: reference,
        annotations: (!args.annotations.is_empty()).then(|| args.annotations.into_iter().collect()),
        count: args.count,
        host_id: host_id.clone(),
    };
    let wait = (!args.skip_wait).then(|| Duration::from_millis(args.wait_timeout_ms));
    let outcome = client.scale_actor_and_wait(&cmd, wait).await?;
    let mut json = json_fields(json!({
        "actor_id": actor_id,
        "actor_ref": cmd.actor_ref,
        "host_id": host_id,
        "count": args.count,
    }));
    let text = match outcome {
        ScaleOutcome::Scaled(n) => {
            json.insert("instances".into(), json!(n));
            format!("actor {} runs {n} instance(s) on host {host_id}", actor_id)
        }
        ScaleOutcome::Acknowledged => {
            json.insert("acknowledged_only".into(), json!(true));
            format!(
                "host {host_id} accepted scaling actor {} to {} (not waiting for the outcome)",
                actor_id, args.count
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
        ids,
        host_id,
        wait_timeout_ms,
    } = update;
    let Target {
        actor_id,
        reference,
        host_id,
    } = target(&ids, &host_id)?;
    let wait = Duration::from_millis(wait_timeout_ms);
    let reference = host_reference(&reference)?;
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
