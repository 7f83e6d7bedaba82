//! `wash ctl apply HOST_ID MANIFEST`: wash 0.18.1's host manifests — start each actor and capability
//! provider on the host, then put each link (the manifest format is `wash_ctl::manifest`).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde_json::{json, Value};
use wash_ctl::manifest::HostManifest;
use wash_ctl::{CtlClient, Placement};
use wash_oci::host_reference;

use crate::output::{CommandOutput, Printer};

/// Arguments of `wash ctl apply`.
#[derive(Debug, Args)]
pub(super) struct ApplyArgs {
    /// The host to run the manifest's actors and providers on (N…).
    host_id: String,
    /// The manifest: YAML (`.yaml`, `.yml`, no extension) or JSON, wash 0.x's `actors`,
    /// `capabilities` and `links`.
    path: PathBuf,
    /// Replace `${VAR}` and `${VAR:default}` in the manifest with environment variables first.
    #[arg(short = 'e', long)]
    expand_env: bool,
    /// How long to wait for each start to be reported, in milliseconds (allow for downloads).
    #[arg(long, default_value_t = 30_000, value_name = "MS")]
    wait_timeout_ms: u64,
}

impl ApplyArgs {
    /// Checks the host id before connecting.
    pub(super) fn check(&self) -> anyhow::Result<()> {
        wash_ctl::ids::check_host_id(&self.host_id)?;
        Ok(())
    }
}

/// One step of the manifest and how it went.
struct Step {
    kind: &'static str,
    what: String,
    outcome: Result<String, String>,
}

impl Step {
    fn json(&self) -> Value {
        match &self.outcome {
            Ok(done) => json!({"kind": self.kind, "what": self.what, "ok": true, "result": done}),
            Err(error) => {
                json!({"kind": self.kind, "what": self.what, "ok": false, "error": error})
            }
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.outcome {
            Ok(done) => write!(f, "{} {}: {done}", self.kind, self.what),
            Err(error) => write!(f, "{} {}: FAILED: {error}", self.kind, self.what),
        }
    }
}

pub(super) async fn run(
    client: &CtlClient,
    args: ApplyArgs,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    let manifest = HostManifest::from_path(&args.path, args.expand_env)?;
    let links = manifest
        .link_definitions()
        .map_err(|key| anyhow::anyhow!("the link value `{key}` is not a scalar"))?;
    let placement = Placement {
        host_id: Some(args.host_id.clone()),
        wait: Some(Duration::from_millis(args.wait_timeout_ms)),
        ..Placement::default()
    };
    let mut steps = Vec::new();
    // Each step is tried, and reported, even when an earlier one failed, as wash 0.x did.
    for actor in &manifest.actors {
        printer.status("Starting", format!("actor {actor}"));
        let result = match host_reference(actor) {
            Ok(reference) => client
                .start_actor_and_wait(&reference, 1, None, &placement)
                .await
                .map(|(host, _)| format!("started on host {host}"))
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        steps.push(Step {
            kind: "actor",
            what: actor.clone(),
            outcome: result,
        });
    }
    for capability in &manifest.capabilities {
        let link_name = capability.link_name.as_deref().unwrap_or("default");
        printer.status("Starting", format!("provider {}", capability.image_ref));
        let result = match host_reference(&capability.image_ref) {
            Ok(reference) => client
                .start_provider_and_wait(&reference, link_name, None, &placement)
                .await
                .map(|(host, _)| format!("started on host {host} (link name {link_name})"))
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        steps.push(Step {
            kind: "provider",
            what: capability.image_ref.clone(),
            outcome: result,
        });
    }
    for link in &links {
        let what = format!("{} {} {}", link.actor_id, link.contract_id, link.link_name);
        printer.status("Linking", &what);
        let result = match client.put_link(link).await {
            Ok(ack) if ack.accepted => Ok("put".to_owned()),
            Ok(ack) => Err(format!("refused: {}", ack.error)),
            Err(e) => Err(e.to_string()),
        };
        steps.push(Step {
            kind: "link",
            what,
            outcome: result,
        });
    }
    let failed = steps.iter().filter(|s| s.outcome.is_err()).count();
    let mut text: Vec<String> = steps.iter().map(ToString::to_string).collect();
    if failed > 0 {
        anyhow::bail!(
            "{failed} of {} step(s) of `{}` failed:\n{}",
            steps.len(),
            args.path.display(),
            text.join("\n")
        );
    }
    text.push(format!(
        "applied `{}` to host {}",
        args.path.display(),
        args.host_id
    ));
    let steps: Vec<Value> = steps.iter().map(Step::json).collect();
    Ok(CommandOutput::with_json(
        text.join("\n"),
        json!({"host_id": args.host_id, "steps": steps}),
    ))
}
