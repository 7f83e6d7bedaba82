//! `wash dev`: the inner loop of an actor project. Build and sign it, start a local lattice when none
//! answers, start the actor (and the providers and links of `[dev]` in wasmcloud.toml), then watch the
//! sources: each change is rebuilt and hot-swapped into the running actor (`ctl update actor`), which
//! keeps its links. A failed build is shown and the running version keeps serving. Ctrl-C stops what
//! `wash dev` started, and nothing else.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use serde_json::json;
use tokio::sync::mpsc;
use wash_ctl::{CtlClient, Placement, StartOutcome};
use wash_local::WashPaths;
use wash_project::{BuildOptions, ProjectKind, ProjectManifest};
use wash_wire::ctl::{StopActorCommand, StopProviderCommand, UpdateActorCommand};
use wash_wire::LinkDefinition;

use super::build::{project_location, report_step, WashGen};
use super::connection::ConnectionArgs;
use crate::output::{CommandOutput, Printer, UsageError};

const AFTER_HELP: &str = "\
Examples:
  wash dev                          # in an actor project (wasmcloud.toml)
  wash dev --path ./kvcounter --host-id NABC...

Each change under the project folder (but `target/`, `build/` and `.git/`) rebuilds the actor and
swaps the new module into the running instances: links and state in providers stay. A failed build
is printed and the running version keeps serving. Ctrl-C stops what `wash dev` started: the actor,
the providers and links of `[dev]` (a provider the host is still downloading once its start ends,
waiting up to a minute), and the lattice if it started one.

Providers to start and link, in wasmcloud.toml:
  [[dev.providers]]
  reference = \"../httpserver.par.gz\"    # a file (relative to the project) or an OCI reference
  contract = \"wasmcloud:httpserver\"
  values = { PORT = \"8080\" }          # link values; link_name = \"default\" unless given

With no host answering at the context's NATS address, `wash up --detached` starts one there.";

/// Arguments of `wash dev`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct DevArgs {
    #[command(flatten)]
    connection: ConnectionArgs,

    /// The project folder holding wasmcloud.toml, or the project file itself [default: the current
    /// folder].
    #[arg(long = "path", value_name = "PATH")]
    path: Option<PathBuf>,

    /// The host to run on [default: the only host of the lattice].
    #[arg(long, value_name = "ID")]
    host_id: Option<String>,

    /// How long the sources must stay unchanged before a rebuild starts, in milliseconds.
    #[arg(long, default_value_t = 300, value_name = "MS")]
    debounce_ms: u64,
}

/// What this `wash dev` started, and stops on the way out.
#[derive(Debug, Default)]
struct Started {
    /// `wash up --detached` ran: `wash down` ends it.
    lattice: bool,
    /// The actor, if it was not running before.
    actor: Option<String>,
    /// Providers started here: (id, link name, contract).
    providers: Vec<(String, String, String)>,
    /// A provider start the host accepted and had not reported yet: (reference, link name,
    /// contract). Ctrl-C then leaves it starting on the host; the clean-up waits for it and stops it.
    starting: Option<(String, String, String)>,
    /// Links put here that did not exist before: (contract, link name).
    links: Vec<(String, String)>,
    /// The host everything runs on.
    host_id: Option<String>,
    /// Rebuilds swapped into the running actor.
    rebuilds: usize,
}

/// Runs `wash dev` until Ctrl-C.
pub fn run(args: DevArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let (project_dir, manifest_file) = project_location(args.path.clone())?;
    let manifest = match &manifest_file {
        Some(file) => ProjectManifest::load_file(file)?,
        None => ProjectManifest::load(&project_dir)?,
    };
    if manifest.kind != ProjectKind::Actor {
        return Err(anyhow::Error::new(UsageError::new(std::io::Error::other(
            format!(
                "`wash dev` runs actor projects; `{}` is a {} (`wash build` builds it)",
                manifest.name, manifest.kind
            ),
        ))));
    }
    let options = BuildOptions {
        project_dir: project_dir.clone(),
        key_dir: paths.keys_dir(None),
        manifest_file,
        ..BuildOptions::default()
    };
    // The first build must work: there is nothing to run otherwise.
    let (actor_id, artifact) = build(&options, printer)?;
    super::block_on(async move {
        // Ctrl-C at any point (starting things included) ends the session, then the clean-up runs.
        let shutdown = super::shutdown_signal()?;
        let mut state = Started::default();
        let outcome = tokio::select! {
            result = session(&args, paths, printer, &options, &manifest, &actor_id, &artifact, &mut state) => result,
            () = shutdown => Ok(()),
        };
        stop_started(&args, paths, printer, &actor_id, &state).await;
        outcome?;
        Ok(CommandOutput::with_json(
            format!("wash dev stopped after {} rebuild(s)", state.rebuilds),
            json!({ "actor_id": actor_id, "rebuilds": state.rebuilds }),
        ))
    })
}

/// Builds and signs the actor; returns its key and the signed module.
fn build(options: &BuildOptions, printer: &Printer) -> anyhow::Result<(String, PathBuf)> {
    let outcome = wash_project::build_project(options, Some(&WashGen), &mut |step| {
        report_step(printer, step)
    })
    .context("build failed")?;
    match (outcome.subject, outcome.artifact) {
        (Some(key), Some(artifact)) => Ok((key, artifact)),
        _ => anyhow::bail!("the build signed no actor"),
    }
}

/// Starts everything, then rebuilds and updates on each change; returns only on an error.
#[allow(clippy::too_many_arguments)]
async fn session(
    args: &DevArgs,
    paths: &WashPaths,
    printer: &Printer,
    options: &BuildOptions,
    manifest: &ProjectManifest,
    actor_id: &str,
    artifact: &Path,
    state: &mut Started,
) -> anyhow::Result<()> {
    // Watching starts now, so a change made while things start is rebuilt once they run.
    let changes = Changes::watch(&options.project_dir)?;
    let client = lattice(args, paths, printer, state).await?;
    let host_id = client.only_host(args.host_id.as_deref()).await?;
    state.host_id = Some(host_id.clone());
    let actor_ref = wash_oci::host_reference(&artifact.to_string_lossy())?;
    let inventory = client.get_inventory(&host_id).await?;
    if inventory.actors.iter().any(|a| a.id == actor_id) {
        printer.status(
            "Updating",
            format!("actor {actor_id}, already running on host {host_id} (left running on exit)"),
        );
        update(&client, &host_id, actor_id, &actor_ref).await?;
    } else {
        let placement = Placement {
            host_id: Some(host_id.clone()),
            wait: Some(Duration::from_secs(30)),
            ..Placement::default()
        };
        // Recorded first: a start interrupted by Ctrl-C is stopped too.
        state.actor = Some(actor_id.to_owned());
        client
            .start_actor_and_wait(&actor_ref, 1, None, &placement)
            .await?;
        printer.status("Started", format!("actor {actor_id} on host {host_id}"));
    }
    start_providers(
        &client, &host_id, options, manifest, actor_id, printer, state,
    )
    .await?;
    printer.status(
        "Watching",
        format!(
            "{} for changes; Ctrl-C stops what `wash dev` started",
            options.project_dir.display()
        ),
    );
    rebuild_on_change(
        args, changes, &client, &host_id, options, actor_id, &actor_ref, printer, state,
    )
    .await
}

/// A client on the lattice, after starting one with `wash up --detached` when no host answers.
async fn lattice(
    args: &DevArgs,
    paths: &WashPaths,
    printer: &Printer,
    started: &mut Started,
) -> anyhow::Result<CtlClient> {
    if let Ok(client) = args.connection.connect(paths.home()).await {
        if !client.get_hosts().await.unwrap_or_default().is_empty() {
            return Ok(client);
        }
    }
    let connection = args.connection.lattice_connection(paths.home())?;
    let (host, port) = wash_ctl::host_and_port(&connection.url).with_context(|| {
        format!(
            "no port in the NATS address `{}`",
            wash_ctl::redact(&connection.url)
        )
    })?;
    printer.status(
        "Starting",
        format!("a local lattice (`wash up --detached`) at {host}:{port}: no host answers there"),
    );
    let wash = std::env::current_exe().context("cannot find the running wash")?;
    let output = tokio::process::Command::new(wash)
        .args([
            "up",
            "--detached",
            "--nats-host",
            &host,
            "--nats-port",
            &port,
        ])
        .args(["--lattice", &connection.lattice])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .await
        .context("failed to run `wash up --detached`")?;
    if !output.status.success() {
        anyhow::bail!("`wash up --detached` failed (above); start a lattice yourself and run `wash dev` again");
    }
    started.lattice = true;
    args.connection.connect(paths.home()).await
}

/// Starts the `[dev]` providers that do not run yet and puts their links.
async fn start_providers(
    client: &CtlClient,
    host_id: &str,
    options: &BuildOptions,
    manifest: &ProjectManifest,
    actor_id: &str,
    printer: &Printer,
    started: &mut Started,
) -> anyhow::Result<()> {
    if manifest.dev.providers.is_empty() {
        return Ok(());
    }
    let links_before = client.get_links().await?.links;
    for provider in &manifest.dev.providers {
        let local = options.project_dir.join(&provider.reference);
        let reference = if local.exists() {
            wash_oci::host_reference(&local.to_string_lossy())?
        } else {
            wash_oci::host_reference(&provider.reference)?
        };
        let inventory = client.get_inventory(host_id).await?;
        let running = inventory
            .providers
            .iter()
            .find(|p| {
                p.image_ref.as_deref() == Some(reference.as_str())
                    && p.link_name == provider.link_name
            })
            .map(|p| p.id.clone());
        let provider_id = match running {
            Some(id) => {
                printer.status(
                    "Using",
                    format!("provider {id} ({}), already running", provider.link_name),
                );
                id
            }
            None => {
                let placement = Placement {
                    host_id: Some(host_id.to_owned()),
                    wait: Some(Duration::from_secs(60)),
                    ..Placement::default()
                };
                let result = client
                    .start_provider_and_wait_then(
                        &reference,
                        &provider.link_name,
                        None,
                        &placement,
                        |_| {
                            started.starting = Some((
                                reference.clone(),
                                provider.link_name.clone(),
                                provider.contract.clone(),
                            ))
                        },
                    )
                    .await;
                // Only a start with no outcome yet may still bring the provider up.
                if !matches!(result, Err(wash_ctl::StartError::NoOutcome { .. })) {
                    started.starting = None;
                }
                let (_, outcome) = result?;
                let StartOutcome::Started(event) = outcome else {
                    anyhow::bail!("provider `{reference}` was not reported started");
                };
                let id = event.data["public_key"]
                    .as_str()
                    .context("the provider_started event names no provider")?
                    .to_owned();
                printer.status("Started", format!("provider {id} ({})", provider.link_name));
                started.providers.push((
                    id.clone(),
                    provider.link_name.clone(),
                    provider.contract.clone(),
                ));
                id
            }
        };
        let existed = links_before.iter().any(|l| {
            l.actor_id == actor_id
                && l.contract_id == provider.contract
                && l.link_name == provider.link_name
        });
        let link = LinkDefinition {
            actor_id: actor_id.to_owned(),
            provider_id,
            link_name: provider.link_name.clone(),
            contract_id: provider.contract.clone(),
            values: provider
                .values
                .clone()
                .into_iter()
                .collect::<BTreeMap<_, _>>(),
        };
        let ack = client.put_link(&link).await?;
        if !ack.accepted {
            anyhow::bail!(
                "the link on `{}` was refused: {}",
                provider.contract,
                ack.error
            );
        }
        if !existed {
            started
                .links
                .push((provider.contract.clone(), provider.link_name.clone()));
        }
        printer.status(
            "Linked",
            format!("actor to {} ({})", provider.contract, provider.link_name),
        );
    }
    Ok(())
}

/// Swaps the module at `actor_ref` into the running actor.
async fn update(
    client: &CtlClient,
    host_id: &str,
    actor_id: &str,
    actor_ref: &str,
) -> anyhow::Result<()> {
    let cmd = UpdateActorCommand {
        actor_id: actor_id.to_owned(),
        annotations: None,
        host_id: host_id.to_owned(),
        new_actor_ref: actor_ref.to_owned(),
    };
    client
        .update_actor_and_check(&cmd, Duration::from_secs(30))
        .await?;
    Ok(())
}

/// The project folder's changes, as they come (cargo's and wash's outputs and hidden files left out).
struct Changes {
    root: PathBuf,
    ignored: Vec<PathBuf>,
    events: mpsc::UnboundedReceiver<notify::Event>,
    /// Kept alive: dropping it ends the events.
    _watcher: notify::RecommendedWatcher,
}

impl Changes {
    fn watch(project_dir: &Path) -> anyhow::Result<Self> {
        use notify::Watcher as _;
        let root = std::fs::canonicalize(project_dir)
            .with_context(|| format!("cannot read `{}`", project_dir.display()))?;
        let (tx, events) = mpsc::unbounded_channel();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if let Ok(event) = event {
                    let _ = tx.send(event);
                }
            })
            .context("cannot watch the project folder")?;
        watcher
            .watch(&root, notify::RecursiveMode::Recursive)
            .with_context(|| format!("cannot watch `{}`", root.display()))?;
        Ok(Self {
            ignored: ignored_dirs(&root),
            root,
            events,
            _watcher: watcher,
        })
    }

    fn relevant(&self, event: &notify::Event) -> bool {
        !matches!(event.kind, notify::EventKind::Access(_))
            && event.paths.iter().any(|p| {
                !self.ignored.iter().any(|dir| p.starts_with(dir)) && !hidden_under(&self.root, p)
            })
    }

    /// Waits for a relevant change, then until nothing changed for `quiet`.
    async fn settled(&mut self, quiet: Duration) -> anyhow::Result<()> {
        loop {
            match self.events.recv().await {
                Some(event) if self.relevant(&event) => break,
                Some(_) => {}
                None => anyhow::bail!("the file watcher stopped"),
            }
        }
        loop {
            match tokio::time::timeout(quiet, self.events.recv()).await {
                Err(_) => return Ok(()),
                Ok(Some(_)) => {}
                Ok(None) => anyhow::bail!("the file watcher stopped"),
            }
        }
    }
}

/// Rebuilds and updates the actor on each change; returns only on an error (Ctrl-C ends it from
/// outside).
#[allow(clippy::too_many_arguments)]
async fn rebuild_on_change(
    args: &DevArgs,
    mut changes: Changes,
    client: &CtlClient,
    host_id: &str,
    options: &BuildOptions,
    actor_id: &str,
    actor_ref: &str,
    printer: &Printer,
    state: &mut Started,
) -> anyhow::Result<()> {
    let quiet = Duration::from_millis(args.debounce_ms);
    loop {
        changes.settled(quiet).await?;
        printer.status("Rebuilding", "after a change");
        let build_options = options.clone();
        let build_printer = printer.clone();
        let built = tokio::task::spawn_blocking(move || build(&build_options, &build_printer))
            .await
            .context("the build task failed")?;
        match built {
            Ok((key, _)) if key != actor_id => printer.status(
                "Skipped",
                format!(
                    "the new build is actor {key}, not {actor_id} (signing key changed?): restart \
                     `wash dev`"
                ),
            ),
            Ok(_) => match update(client, host_id, actor_id, actor_ref).await {
                Ok(()) => {
                    state.rebuilds += 1;
                    printer.status(
                        "Updated",
                        format!("actor {actor_id} (rebuild {})", state.rebuilds),
                    );
                }
                Err(e) => printer.status(
                    "Failed",
                    format!("to update the actor: {e:#}; the old version keeps serving"),
                ),
            },
            Err(e) => printer.status(
                "Failed",
                format!("{e:#}; the running version keeps serving"),
            ),
        }
        // A change saved while this build ran is seen by the next `settled`: it is built next.
    }
}

/// The folders whose changes never trigger a rebuild: cargo's and wash's outputs.
fn ignored_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![root.join("target"), root.join("build")];
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        dirs.push(root.join(target));
    }
    dirs.into_iter()
        .map(|d| std::fs::canonicalize(&d).unwrap_or(d))
        .collect()
}

/// Whether `path` is under a hidden folder (or is a hidden file) of the project: `.git`, editor swap
/// files.
fn hidden_under(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root).is_ok_and(|rel| {
        rel.components().any(|c| match c {
            Component::Normal(name) => name.to_string_lossy().starts_with('.'),
            _ => false,
        })
    })
}

/// Stops what `wash dev` started: links, providers, the actor, then the lattice.
async fn stop_started(
    args: &DevArgs,
    paths: &WashPaths,
    printer: &Printer,
    actor_id: &str,
    started: &Started,
) {
    if started.actor.is_none()
        && started.providers.is_empty()
        && started.starting.is_none()
        && started.links.is_empty()
        && !started.lattice
    {
        return;
    }
    if started.lattice {
        // `wash down` takes the host and everything on it.
        down(printer).await;
        return;
    }
    let client = match args.connection.connect(paths.home()).await {
        Ok(client) => client,
        Err(e) => {
            printer.status("Failed", format!("to reach the lattice to clean up: {e:#}"));
            return;
        }
    };
    let Some(host_id) = started.host_id.clone() else {
        return;
    };
    for (contract, link_name) in &started.links {
        match client.delete_link(actor_id, contract, link_name).await {
            Ok(_) => printer.status("Removed", format!("link to {contract} ({link_name})")),
            Err(e) => printer.status("Failed", format!("to remove the link to {contract}: {e}")),
        }
    }
    let mut providers = started.providers.clone();
    if let Some((reference, link_name, contract)) = &started.starting {
        if let Some(id) = finish_start(&client, &host_id, reference, link_name, printer).await {
            providers.push((id, link_name.clone(), contract.clone()));
        }
    }
    for (provider_id, link_name, contract) in &providers {
        let cmd = StopProviderCommand {
            annotations: None,
            contract_id: contract.clone(),
            host_id: host_id.clone(),
            link_name: link_name.clone(),
            provider_ref: provider_id.clone(),
        };
        match client
            .stop_provider_and_wait(&cmd, Some(Duration::from_secs(15)))
            .await
        {
            Ok(_) => printer.status("Stopped", format!("provider {provider_id} ({link_name})")),
            Err(e) => printer.status("Failed", format!("to stop provider {provider_id}: {e}")),
        }
    }
    if let Some(actor) = &started.actor {
        let cmd = StopActorCommand {
            actor_ref: actor.clone(),
            annotations: None,
            count: 0,
            host_id: host_id.clone(),
        };
        match client
            .stop_actor_and_wait(&cmd, Some(Duration::from_secs(15)))
            .await
        {
            Ok(_) => printer.status("Stopped", format!("actor {actor}")),
            Err(e) => printer.status("Failed", format!("to stop actor {actor}: {e}")),
        }
    }
}

/// A provider start the host accepted before Ctrl-C came: waits (up to a minute: a download can take
/// that long) until it runs, and returns its id, to stop it; `None` when it failed or is still not
/// running (then says so).
async fn finish_start(
    client: &CtlClient,
    host_id: &str,
    reference: &str,
    link_name: &str,
    printer: &Printer,
) -> Option<String> {
    // Listening first, so that an outcome between the look at the inventory and the wait is not missed.
    let mut events = match client.events().await {
        Ok(events) => events,
        Err(e) => {
            printer.status(
                "Failed",
                format!("to follow provider `{reference}`'s start ({e}); it may still come up"),
            );
            return None;
        }
    };
    if let Ok(inventory) = client.get_inventory(host_id).await {
        let running = inventory
            .providers
            .iter()
            .find(|p| p.image_ref.as_deref() == Some(reference) && p.link_name == link_name);
        if let Some(provider) = running {
            return Some(provider.id.clone());
        }
    }
    printer.status(
        "Waiting",
        format!(
            "for provider `{reference}` ({link_name}) to finish starting, to stop it \
             (Ctrl-C again leaves it)"
        ),
    );
    let wait = Duration::from_secs(60);
    let finished = events.wait_for(wait, |e| match e.name() {
        "provider_started" => e.data["image_ref"] == reference && e.data["link_name"] == link_name,
        "provider_start_failed" => {
            e.data["provider_ref"] == reference && e.data["link_name"] == link_name
        }
        _ => false,
    });
    let leave = |why: &str| {
        printer.status(
            "Left",
            format!(
                "provider `{reference}` ({link_name}) starting: {why}; once it runs, stop it with \
                 `wash ctl stop provider`"
            ),
        );
    };
    let outcome = match super::shutdown_signal() {
        Ok(again) => tokio::select! {
            outcome = finished => outcome,
            () = again => {
                leave("interrupted");
                return None;
            }
        },
        Err(_) => finished.await,
    };
    match outcome {
        Ok(event) if event.name() == "provider_started" => {
            event.data["public_key"].as_str().map(str::to_owned)
        }
        Ok(_) => None,
        Err(_) => {
            leave(&format!("no outcome within {}s", wait.as_secs()));
            None
        }
    }
}

/// Runs `wash down` for the lattice `wash dev` started.
async fn down(printer: &Printer) {
    let Ok(wash) = std::env::current_exe() else {
        return;
    };
    let status = tokio::process::Command::new(wash)
        .arg("down")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .await;
    match status {
        Ok(s) if s.success() => printer.status("Stopped", "the lattice `wash dev` started"),
        _ => printer.status("Failed", "`wash down`: run it yourself"),
    }
}
