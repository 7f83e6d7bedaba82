//! `wash reg ping|login|logout`: check a registry, store and forget its credentials.

use std::io::Read;
use wash_local::WashPaths;

use anyhow::Context;
use clap::Args;
use serde_json::{json, Map};

use super::{credentials_for, explicit_credentials, insecure_list, ConnectionArgs};
use crate::commands::block_on;
use crate::output::{CommandOutput, Printer};

#[derive(Debug, Args)]
pub(super) struct PingArgs {
    /// The registry (`host[:port]`), or an artifact (`host[:port]/repo:tag`), whose manifest must
    /// then be there (as wash 0.18.1 checked).
    registry: String,
    #[command(flatten)]
    connection: ConnectionArgs,
}

#[derive(Debug, Args)]
pub(super) struct LoginArgs {
    /// The registry (`host[:port]`).
    registry: String,
    /// Read the password from stdin instead of `--password`.
    #[arg(long, conflicts_with = "password")]
    password_stdin: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

#[derive(Debug, Args)]
pub(super) struct LogoutArgs {
    /// The registry (`host[:port]`).
    registry: String,
}

pub(super) fn ping(
    args: PingArgs,
    paths: &WashPaths,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    if wash_oci::is_oci_reference(&args.registry) && args.registry.contains('/') {
        return ping_artifact(&args, paths, printer);
    }
    let registry = wash_oci::normalize_registry(&args.registry);
    let credentials = credentials_for(&registry, &args.connection, paths, printer)?;
    let insecure = insecure_list(&args.connection, &registry);
    let report = block_on(wash_oci::ping(&registry, credentials.as_ref(), &insecure))?;
    let mut json = Map::new();
    json.insert("registry".into(), json!(report.registry));
    json.insert("scheme".into(), json!(report.scheme));
    json.insert("authenticated".into(), json!(report.authenticated));
    Ok(CommandOutput::new("Pong!", json))
}

/// `reg ping host/repo:tag`: the artifact's manifest must be there.
fn ping_artifact(
    args: &PingArgs,
    paths: &WashPaths,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    let reference = wash_oci::ArtifactRef::parse(&args.registry)?;
    let registry = reference.registry().to_owned();
    let options = wash_oci::PullOptions {
        credentials: credentials_for(&registry, &args.connection, paths, printer)?,
        insecure: insecure_list(&args.connection, &registry),
        allow_latest: true,
        ..wash_oci::PullOptions::default()
    };
    let digest = block_on(wash_oci::manifest_digest(&args.registry, &options))?;
    let mut json = Map::new();
    json.insert("registry".into(), json!(registry));
    json.insert("reference".into(), json!(args.registry));
    json.insert("digest".into(), json!(digest));
    Ok(CommandOutput::new("Pong!", json))
}

pub(super) fn login(
    args: LoginArgs,
    paths: &WashPaths,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    let registry = wash_oci::normalize_registry(&args.registry);
    let mut connection = args.connection;
    if args.password_stdin {
        let mut password = String::new();
        std::io::stdin()
            .read_to_string(&mut password)
            .context("failed to read the password from stdin")?;
        connection.password = Some(password.trim_end_matches(['\r', '\n']).to_owned());
    }
    let credentials = explicit_credentials(&connection)?.context(
        "`wash reg login` needs credentials\nhelp: pass `--user` and `--password` (or `--password-stdin`)",
    )?;
    let insecure = insecure_list(&connection, &registry);
    block_on(wash_oci::ping(&registry, Some(&credentials), &insecure))?;
    let path = wash_oci::store_login(&paths.credentials(), &registry, &credentials)?;
    printer.status("Stored", format!("credentials in {}", path.display()));
    let mut json = Map::new();
    json.insert("registry".into(), json!(registry));
    json.insert("file".into(), json!(path));
    Ok(CommandOutput::new(
        format!("Login succeeded for {registry}"),
        json,
    ))
}

pub(super) fn logout(args: LogoutArgs, paths: &WashPaths) -> anyhow::Result<CommandOutput> {
    let registry = wash_oci::normalize_registry(&args.registry);
    let removed = wash_oci::remove_login(&paths.credentials(), &registry)?;
    let mut json = Map::new();
    json.insert("registry".into(), json!(registry));
    json.insert("removed".into(), json!(removed));
    let text = if removed {
        format!("Removed the credentials for {registry}")
    } else {
        format!("No credentials were stored for {registry}")
    };
    Ok(CommandOutput::new(text, json))
}
