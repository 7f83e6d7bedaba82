//! `wash app`: declarative applications, stored and deployed by wadm 0.4 (which `wash up` starts beside
//! the host). wash 0.18.1's subcommands and JSON keys: `list` (`apps`), `get` (`model`), `history`
//! (`revisions`), `put` (`results`), `del` (`deleted`), `deploy` (`acknowledged`), `undeploy`
//! (`results`); `status` is ours.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::json;
use wash_app::{AppClient, AppError, Manifest};
use wash_local::WashPaths;

use super::connection::ConnectionArgs;
use crate::output::{CommandOutput, Printer};
use crate::render::TextTable;

const AFTER_HELP: &str = "\
Examples:
  wash app deploy examples/kvcounter/wadm.yaml   # put the manifest, then deploy it
  wash app list
  wash app status kvcounter                      # per component and trait
  wash app get kvcounter v0.1.0                  # the stored manifest, as YAML
  wash app history kvcounter
  wash app undeploy kvcounter                    # stops what the app started
  wash app del kvcounter --delete-all

wadm (the wasmCloud application deployment manager) answers these on the lattice's NATS: `wash up`
starts it unless `--disable-wadm`. Connection settings are those of `wash ctl` (the default context,
`--context`, `--ctl-*`, `--lattice`).";

/// Arguments of `wash app`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct AppArgs {
    #[command(flatten)]
    connection: ConnectionArgs,

    #[command(subcommand)]
    command: AppCommand,
}

#[derive(Debug, Subcommand)]
enum AppCommand {
    /// List the applications wadm knows, with their newest and deployed versions and status.
    List,
    /// Print one version of an application's manifest (the newest by default), as YAML.
    Get {
        /// The application's name.
        name: String,
        /// The version (default: the newest).
        #[arg(value_name = "VERSION")]
        app_version: Option<String>,
    },
    /// List the versions of an application, oldest first.
    History {
        /// The application's name.
        name: String,
    },
    /// Store a manifest (YAML or JSON) as a new version of its application, without deploying it.
    Put {
        /// The manifest file.
        source: PathBuf,
    },
    /// Delete one version of an application, or all of them with `--delete-all` (which undeploys it).
    #[command(visible_alias = "delete")]
    Del {
        /// The application's name.
        name: String,
        /// The version to delete.
        #[arg(value_name = "VERSION")]
        app_version: Option<String>,
        /// Delete every version (and undeploy the application).
        #[arg(long)]
        delete_all: bool,
    },
    /// Deploy an application: wadm starts what its manifest describes and keeps it so.
    ///
    /// NAME is an application wadm stores, or a manifest file, which is put first (its version must
    /// be new, unless `--force` replaces the stored one).
    Deploy {
        /// The application's name, or a manifest file.
        name: String,
        /// The version to deploy (default: the newest, or the file's).
        #[arg(value_name = "VERSION")]
        app_version: Option<String>,
        /// With a manifest file whose version wadm already stores: replace that version.
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// Undeploy an application: wadm stops managing it and stops what it started.
    Undeploy {
        /// The application's name.
        name: String,
        /// Leave what the application started running.
        #[arg(long)]
        non_destructive: bool,
    },
    /// Show an application's deployment status, per component and trait.
    Status {
        /// The application's name.
        name: String,
    },
}

/// Runs `wash app`.
pub fn run(args: AppArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    // Usage mistakes and a manifest that cannot be read are reported before connecting.
    if let AppCommand::Del {
        name,
        app_version: None,
        delete_all: false,
    } = &args.command
    {
        return Err(anyhow::Error::new(crate::output::UsageError::new(
            std::io::Error::other(format!(
                "`wash app del {name}` needs the VERSION to delete, or `--delete-all` to delete \
                 every version (`wash app history {name}` lists them)"
            )),
        )));
    }
    let manifest = match &args.command {
        AppCommand::Put { source } => Some(Manifest::read(source)?),
        AppCommand::Deploy { name, .. } if Path::new(name).is_file() => {
            Some(Manifest::read(Path::new(name))?)
        }
        _ => None,
    };
    super::block_on(async move {
        let ctl = args.connection.connect(paths.home()).await?;
        let client = AppClient::new(ctl.nats().clone(), ctl.lattice(), ctl.timeout());
        match args.command {
            AppCommand::List => list(&client).await,
            AppCommand::Get { name, app_version } => {
                get(&client, &name, app_version.as_deref()).await
            }
            AppCommand::History { name } => history(&client, &name).await,
            AppCommand::Put { .. } => {
                let manifest = manifest.expect("read above");
                let reply = client.put(&manifest).await?;
                Ok(CommandOutput::with_json(
                    format!(
                        "Stored {} version {} ({} version(s) in all)",
                        reply.name, reply.current_version, reply.total_versions
                    ),
                    json!({ "results": reply }),
                ))
            }
            AppCommand::Del {
                name,
                app_version,
                delete_all,
            } => {
                let reply = client
                    .delete(&name, app_version.as_deref(), delete_all)
                    .await?;
                Ok(CommandOutput::with_json(
                    reply.message.clone(),
                    json!({ "deleted": reply }),
                ))
            }
            AppCommand::Deploy {
                name,
                app_version,
                force,
            } => deploy(&client, manifest, name, app_version, force, printer).await,
            AppCommand::Undeploy {
                name,
                non_destructive,
            } => {
                let reply = client.undeploy(&name, non_destructive).await?;
                Ok(CommandOutput::with_json(
                    reply.message.clone(),
                    json!({ "results": reply }),
                ))
            }
            AppCommand::Status { name } => status(&client, &name).await,
        }
    })
}

async fn list(client: &AppClient) -> anyhow::Result<CommandOutput> {
    let apps = client.list().await?;
    let text = if apps.is_empty() {
        format!(
            "No applications on lattice `{}`: `wash app put FILE` stores one",
            client.lattice()
        )
    } else {
        let mut table = TextTable::with_header([
            "Name",
            "Latest version",
            "Deployed version",
            "Status",
            "Description",
        ]);
        for app in &apps {
            table.row([
                app.name.clone(),
                app.version.clone(),
                app.deployed_version.clone().unwrap_or_else(|| "N/A".into()),
                app.status.to_string(),
                app.description.clone().unwrap_or_default(),
            ]);
        }
        table.render()
    };
    Ok(CommandOutput::with_json(text, json!({ "apps": apps })))
}

async fn get(
    client: &AppClient,
    name: &str,
    version: Option<&str>,
) -> anyhow::Result<CommandOutput> {
    let manifest = client.get(name, version).await?;
    let yaml = serde_yaml_ng::to_string(&manifest)?;
    Ok(CommandOutput::with_json(
        yaml.trim_end().to_owned(),
        json!({ "model": { "result": "success", "manifest": manifest } }),
    ))
}

async fn history(client: &AppClient, name: &str) -> anyhow::Result<CommandOutput> {
    let versions = client.versions(name).await?;
    let mut table = TextTable::with_header(["Version", "Deployed"]);
    for v in &versions {
        table.row([v.version.clone(), v.deployed.to_string()]);
    }
    Ok(CommandOutput::with_json(
        table.render(),
        json!({ "revisions": { "result": "success", "versions": versions } }),
    ))
}

async fn deploy(
    client: &AppClient,
    manifest: Option<Manifest>,
    name: String,
    version: Option<String>,
    force: bool,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    let (name, version) = match manifest {
        None => (name, version),
        Some(manifest) => {
            let stored = put_for_deploy(client, &manifest, force, printer).await?;
            (manifest.name().to_owned(), version.or(Some(stored)))
        }
    };
    let reply = client.deploy(&name, version.as_deref()).await?;
    let text = match &version {
        Some(v) => format!("Deploying {name} version {v}: {}", reply.message),
        None => format!("Deploying {name}: {}", reply.message),
    };
    Ok(CommandOutput::with_json(
        text,
        json!({ "acknowledged": reply, "name": name, "version": version }),
    ))
}

/// Puts the manifest `wash app deploy FILE` was given and returns the version stored. A version wadm
/// already has is an error, unless `force` replaces it.
async fn put_for_deploy(
    client: &AppClient,
    manifest: &Manifest,
    force: bool,
    printer: &Printer,
) -> anyhow::Result<String> {
    match client.put(manifest).await {
        Ok(reply) => {
            printer.status(
                "Stored",
                format!("{} version {}", reply.name, reply.current_version),
            );
            Ok(reply.current_version)
        }
        Err(AppError::Refused { message, .. }) if message.contains("already exists") => {
            let Some(version) = manifest.version() else {
                anyhow::bail!("wadm refused `{}`: {message}", manifest.path().display());
            };
            if !force {
                anyhow::bail!(
                    "{} version {version} is already stored (wadm: {message}): deploy it with \
                     `wash app deploy {} {version}`, give the manifest a new version, or pass \
                     `--force` to replace the stored one",
                    manifest.name(),
                    manifest.name()
                );
            }
            client.delete(manifest.name(), Some(version), false).await?;
            let reply = client.put(manifest).await?;
            printer.status(
                "Replaced",
                format!("{} version {}", reply.name, reply.current_version),
            );
            Ok(reply.current_version)
        }
        Err(e) => Err(e.into()),
    }
}

async fn status(client: &AppClient, name: &str) -> anyhow::Result<CommandOutput> {
    let status = client.status(name).await?;
    let mut text = format!(
        "{name} version {}: {}{}\n",
        status.version,
        status.status.status_type,
        note(&status.status.message)
    );
    let mut table = TextTable::with_header(["Component", "Type", "Status"]);
    for component in &status.components {
        table.row([
            component.name.clone(),
            component.component_type.clone(),
            format!(
                "{}{}",
                component.status.status_type,
                note(&component.status.message)
            ),
        ]);
        for t in &component.traits {
            table.row([
                String::new(),
                format!("  {}", t.trait_type),
                format!("{}{}", t.status.status_type, note(&t.status.message)),
            ]);
        }
    }
    text.push_str(&table.render());
    Ok(CommandOutput::with_json(
        text,
        json!({ "name": name, "status": status }),
    ))
}

fn note(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(" ({message})")
    }
}
