//! `wash ctl`: drive a lattice through the control interface — inventory, starting, scaling, updating
//! and stopping actors and providers, link definitions.

mod apply;
mod get;
mod link;
mod scale;
mod start;
mod stop;

use clap::{Args, Subcommand};
use wash_ctl::ids::check_host_id;
use wash_ctl::CtlClient;
use wash_local::WashPaths;

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
  wash ctl apply NBXX.. host.yaml --expand-env  # a wash 0.x host manifest
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

/// wash 0.18.1's top-level forms of `ctl get|start|stop|link` (`wash get hosts`, `wash start actor
/// ...`): the same subcommands and flags, run as their `ctl` form.
macro_rules! shortcut {
    ($name:ident, $command:ty, $variant:ident, $help:literal) => {
        #[doc = $help]
        #[derive(Debug, Args)]
        #[command(after_help = AFTER_HELP)]
        pub struct $name {
            #[command(flatten)]
            connection: ConnectionArgs,
            #[command(subcommand)]
            command: $command,
        }

        impl From<$name> for CtlArgs {
            fn from(args: $name) -> Self {
                CtlArgs {
                    connection: args.connection,
                    command: CtlCommand::$variant(args.command),
                }
            }
        }
    };
}

shortcut!(
    GetArgs,
    get::GetCommand,
    Get,
    "Arguments of `wash get` (`wash ctl get`)."
);
shortcut!(
    StartArgs,
    start::StartCommand,
    Start,
    "Arguments of `wash start` (`wash ctl start`)."
);
shortcut!(
    StopArgs,
    stop::StopCommand,
    Stop,
    "Arguments of `wash stop` (`wash ctl stop`)."
);
shortcut!(
    LinkArgs,
    link::LinkCommand,
    Link,
    "Arguments of `wash link` (`wash ctl link`)."
);

#[derive(Debug, Subcommand)]
enum CtlCommand {
    /// Query the lattice: hosts, a host's inventory, claims, links.
    #[command(subcommand)]
    Get(get::GetCommand),
    /// Start an actor or a provider.
    #[command(subcommand)]
    Start(start::StartCommand),
    /// Stop an actor, a provider or a host.
    #[command(subcommand)]
    Stop(stop::StopCommand),
    /// Put, delete or list link definitions.
    #[command(subcommand)]
    Link(link::LinkCommand),
    /// Set the number of instances of an actor on a host.
    #[command(subcommand)]
    Scale(scale::ScaleCommand),
    /// Live-update a running actor to a new module (same actor key, e.g. a new revision).
    #[command(subcommand)]
    Update(scale::UpdateCommand),
    /// Start the actors and providers of a host manifest on a host and put its links (wash 0.x).
    Apply(apply::ApplyArgs),
}

/// Runs `wash ctl`.
pub fn run(args: CtlArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    // The kinds of the ids given (actor `M…`, provider `V…`, host `N…`, contract `ns:name`) are
    // checked before connecting, so a mixed-up argument is explained even when no lattice runs.
    match &args.command {
        CtlCommand::Get(get) => get.check()?,
        CtlCommand::Start(start) => start.check()?,
        CtlCommand::Stop(stop) => stop.check()?,
        CtlCommand::Link(link) => link.check()?,
        CtlCommand::Scale(scale) => scale.check()?,
        CtlCommand::Update(update) => update.check()?,
        CtlCommand::Apply(apply) => apply.check()?,
    }
    if let Some(note) = args.connection.js_domain_note() {
        printer.status("Note", note);
    }
    // The root of the requests' traces when the OTEL_* variables turn traces on.
    let hop = wash_trace::Hop::client("wash ctl", None, Vec::new);
    super::block_on(hop.run(async move {
        let client = args.connection.connect(paths.home()).await?;
        match args.command {
            CtlCommand::Get(get) => get::run(&client, get).await,
            CtlCommand::Start(start) => start::run(&client, start, printer).await,
            CtlCommand::Stop(stop) => stop::run(&client, stop).await,
            CtlCommand::Link(link) => link::run(&client, link).await,
            CtlCommand::Scale(scale) => scale::run_scale(&client, scale, printer).await,
            CtlCommand::Update(update) => scale::run_update(&client, update, printer).await,
            CtlCommand::Apply(apply) => apply::run(&client, apply, printer).await,
        }
    }))
}

/// The host to talk to: the given one, or the only one that answers a ping.
async fn pick_host(client: &CtlClient, host_id: Option<String>) -> anyhow::Result<String> {
    Ok(client.only_host(host_id.as_deref()).await?)
}

/// A usage error: exit code 2 with `message`.
fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(crate::output::UsageError::new(std::io::Error::other(
        message.into(),
    )))
}

/// Checks a host id when one is given.
fn check_host(host_id: &Option<String>) -> anyhow::Result<()> {
    if let Some(id) = host_id {
        check_host_id(id)?;
    }
    Ok(())
}
