//! `wash reg push|pull|ping|login|logout`: artifacts in OCI registries, through `wash_oci`.

mod login;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{json, Map};
use wash_local::WashPaths;
use wash_oci::{Credentials, Progress, PullOptions, PushOptions};

use crate::commands::block_on;
use crate::commands::progress::TransferBars;
use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash reg push 127.0.0.1:5000/echo:0.1.0 echo_s.wasm
  wash reg push ghcr.io/acme/kv:0.2.0 kv.par.gz -a org.opencontainers.image.source=https://...
  wash reg pull 127.0.0.1:5000/echo:0.1.0 --digest sha256:170ff349... -o json
  wash reg login ghcr.io -u alice --password-stdin < token.txt

`localhost` and `127.0.0.1` are reached over plain HTTP, other registries over HTTPS unless
`--insecure`. Credentials: --user/--password (or WASH_REG_USER/WASH_REG_PASSWORD), else
`wash reg login`'s store (~/.wash/credentials.json), else ~/.docker/config.json `auths`.
Pulls go through the cache (~/.wash/cache/oci, or WASH_CACHE): a pull pinned by digest that is
cached needs no network; `wash drain oci` empties it. WASH_HOME moves ~/.wash (docs/wash-home.md).";

/// Arguments of `wash reg`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct RegArgs {
    #[command(subcommand)]
    command: RegCommand,
}

#[derive(Debug, Subcommand)]
enum RegCommand {
    /// Push an actor module or provider archive (told apart by content).
    Push(PushArgs),
    /// Pull an artifact into a file, checking every digest.
    Pull(PullArgs),
    /// Check that a registry answers (with credentials, if it wants them).
    Ping(login::PingArgs),
    /// Check credentials against a registry and store them (0600) for later pushes and pulls.
    Login(login::LoginArgs),
    /// Forget the stored credentials of a registry.
    Logout(login::LogoutArgs),
}

/// Connection flags shared by the registry commands (and `claims inspect`/`par inspect` of a reference).
#[derive(Debug, Args)]
pub(crate) struct ConnectionArgs {
    /// User name for the registry.
    #[arg(
        short = 'u',
        long = "user",
        env = "WASH_REG_USER",
        hide_env_values = true
    )]
    user: Option<String>,
    /// Password for the registry (never printed).
    #[arg(
        short = 'p',
        long = "password",
        env = "WASH_REG_PASSWORD",
        hide_env_values = true
    )]
    password: Option<String>,
    /// Use plain HTTP for this registry (always the case for localhost and 127.0.0.1).
    #[arg(long)]
    insecure: bool,
}

#[derive(Debug, Args)]
struct PushArgs {
    /// Where to push: `registry/repository:tag`.
    url: String,
    /// The signed actor module or provider archive.
    artifact: PathBuf,
    /// A file to use as the config blob [default: `{}`].
    #[arg(short = 'c', long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// A manifest annotation `key=value` (repeatable).
    #[arg(short = 'a', long = "annotation", value_name = "KEY=VALUE")]
    annotations: Vec<String>,
    /// Allow the `latest` tag (also what a reference without a tag means).
    #[arg(long)]
    allow_latest: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

#[derive(Debug, Args)]
struct PullArgs {
    /// What to pull: `registry/repository:tag` or `registry/repository@sha256:<digest>`.
    url: String,
    /// The manifest digest the artifact must have; when cached, no network is used.
    #[arg(short = 'd', long, value_name = "DIGEST")]
    digest: Option<String>,
    /// Output file [default: `<repository name>.wasm` or `.par.gz` in the current folder].
    #[arg(long, value_name = "FILE")]
    destination: Option<PathBuf>,
    /// Allow the `latest` tag and references without a tag.
    #[arg(long)]
    allow_latest: bool,
    /// Use only the cache: tags last pulled and digests, no network.
    #[arg(long)]
    offline: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Arguments of `wash push` (wash 0.18.1's top-level form of `wash reg push`).
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct PushShortcut {
    #[command(flatten)]
    args: PushArgs,
}

/// Arguments of `wash pull` (wash 0.18.1's top-level form of `wash reg pull`).
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct PullShortcut {
    #[command(flatten)]
    args: PullArgs,
}

impl From<PushShortcut> for RegArgs {
    fn from(push: PushShortcut) -> Self {
        RegArgs {
            command: RegCommand::Push(push.args),
        }
    }
}

impl From<PullShortcut> for RegArgs {
    fn from(pull: PullShortcut) -> Self {
        RegArgs {
            command: RegCommand::Pull(pull.args),
        }
    }
}

/// Runs `wash reg ...`.
pub fn run(args: RegArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    match args.command {
        RegCommand::Push(args) => push(args, paths, printer),
        RegCommand::Pull(args) => pull(args, paths, printer),
        RegCommand::Ping(args) => login::ping(args, paths, printer),
        RegCommand::Login(args) => login::login(args, paths, printer),
        RegCommand::Logout(args) => login::logout(args, paths),
    }
}

/// Credentials given on the command line or in the environment, both or neither.
fn explicit_credentials(connection: &ConnectionArgs) -> anyhow::Result<Option<Credentials>> {
    match (&connection.user, &connection.password) {
        (Some(username), Some(password)) => Ok(Some(Credentials {
            username: username.clone(),
            password: password.clone(),
        })),
        (None, None) => Ok(None),
        (Some(_), None) => anyhow::bail!(
            "`--user` needs a password\nhelp: pass `--password` or set WASH_REG_PASSWORD"
        ),
        (None, Some(_)) => {
            anyhow::bail!("a password needs a user\nhelp: pass `--user` or set WASH_REG_USER")
        }
    }
}

/// Explicit credentials, else those stored for `registry` (login store, Docker config).
pub(crate) fn credentials_for(
    registry: &str,
    connection: &ConnectionArgs,
    paths: &WashPaths,
    printer: &Printer,
) -> anyhow::Result<Option<Credentials>> {
    let explicit = explicit_credentials(connection)?;
    let found = wash_oci::resolve_credentials(
        registry,
        explicit,
        Some(&paths.credentials()),
        paths.docker_config(),
    )?;
    Ok(found.map(|(credentials, source)| {
        printer.status(
            "Credentials",
            format!("user `{}` from {source}", credentials.username),
        );
        credentials
    }))
}

pub(crate) fn insecure_list(connection: &ConnectionArgs, registry: &str) -> Vec<String> {
    if connection.insecure {
        vec![registry.to_owned()]
    } else {
        Vec::new()
    }
}

fn bars(printer: &Printer) -> Arc<dyn Progress> {
    if printer.shows_status() && std::io::stderr().is_terminal() {
        Arc::new(TransferBars::default())
    } else {
        Arc::new(wash_oci::NoProgress)
    }
}

fn push(args: PushArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let target = wash_oci::ArtifactRef::parse(&args.url)?;
    let registry = target.registry().to_owned();
    let options = PushOptions {
        credentials: credentials_for(&registry, &args.connection, paths, printer)?,
        insecure: insecure_list(&args.connection, &registry),
        allow_latest: args.allow_latest,
        annotations: args.annotations,
        config: args.config,
    };
    printer.status(
        "Pushing",
        format!("{} to {}", args.artifact.display(), args.url),
    );
    let report = block_on(wash_oci::push(
        &args.url,
        &args.artifact,
        &options,
        bars(printer),
    ))
    .with_context(|| format!("failed to push `{}`", args.artifact.display()))?;
    let mut json = Map::new();
    json.insert("url".into(), json!(report.reference));
    json.insert("digest".into(), json!(report.manifest_digest));
    json.insert("kind".into(), json!(report.kind));
    json.insert("layer_digest".into(), json!(report.layer_digest));
    json.insert("size".into(), json!(report.size));
    Ok(CommandOutput::new(
        format!(
            "Successfully validated and pushed {} to {}\ndigest: {}",
            report.kind,
            args.url.to_ascii_lowercase(),
            report.manifest_digest
        ),
        json,
    ))
}

fn pull(args: PullArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let target = wash_oci::ArtifactRef::parse(&args.url)?;
    let registry = target.registry().to_owned();
    let options = PullOptions {
        credentials: credentials_for(&registry, &args.connection, paths, printer)?,
        allow_latest: args.allow_latest,
        insecure: insecure_list(&args.connection, &registry),
        cache_dir: paths.oci_cache().to_owned(),
        digest: args.digest,
        offline: args.offline,
    };
    printer.status("Pulling", &args.url);
    let report = block_on(wash_oci::pull_to_file(
        &args.url,
        &options,
        args.destination.as_deref(),
        bars(printer),
    ))
    .with_context(|| format!("failed to pull `{}`", args.url))?;
    let mut json = Map::new();
    json.insert("file".into(), json!(report.file));
    json.insert("digest".into(), json!(report.manifest_digest));
    json.insert("kind".into(), json!(report.kind));
    json.insert("size".into(), json!(report.size));
    json.insert("from_cache".into(), json!(report.from_cache));
    Ok(CommandOutput::new(
        format!(
            "Successfully pulled and validated {} ({})",
            report.file.display(),
            report.kind
        ),
        json,
    ))
}
