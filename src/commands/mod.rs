//! One thin module per subcommand: clap arguments plus glue that calls one library operation.

pub mod app;
mod args;
mod artifact;
pub mod build;
pub mod call;
pub mod claims;
pub mod completions;
mod connection;
pub mod ctl;
pub mod ctx;
pub mod dev;
pub mod down;
pub mod drain;
mod files;
pub mod gen;
pub mod keys;
mod local;
pub mod new;
pub mod par;
mod progress;
pub mod reg;
pub mod spy;
pub mod ui;
pub mod up;
pub mod validate;

use clap::Subcommand;
use wash_local::WashPaths;

use crate::output::{CommandOutput, Printer};

/// Every `wash` subcommand. Only commands that work are listed here.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate nkeys and read the key store.
    Keys(keys::KeysArgs),
    /// Sign actors, inspect their claims, make tokens.
    Claims(claims::ClaimsArgs),
    /// Create, inspect and extend provider archives.
    Par(par::ParArgs),
    /// Push and pull actors and provider archives to and from OCI registries.
    Reg(reg::RegArgs),
    /// Push an actor module or provider archive to an OCI registry (`reg push`).
    Push(reg::PushShortcut),
    /// Pull an artifact from an OCI registry into a file (`reg pull`).
    Pull(reg::PullShortcut),
    /// Show a module's claims or a provider archive's contents (told apart by content).
    Inspect(claims::InspectArgs),
    /// Empty local caches, ours and wash 0.18.1's (`wash drain all`).
    Drain(drain::DrainArgs),
    /// Start a local lattice: NATS (unless one answers), wadm (when installed) and a host.
    Up(Box<up::UpArgs>),
    /// Stop what `wash up` started.
    Down(down::DownArgs),
    /// Drive the lattice: inventory, start/stop actors and providers, links.
    Ctl(ctl::CtlArgs),
    /// Deploy and manage declarative applications (OAM manifests) with wadm.
    App(app::AppArgs),
    /// Serve a live dashboard of the lattice on 127.0.0.1: view, start, link, scale, stop.
    Ui(ui::UiArgs),
    /// Query the lattice: hosts, a host's inventory, claims, links (`ctl get`).
    Get(ctl::GetArgs),
    /// Start an actor or a provider (`ctl start`).
    Start(ctl::StartArgs),
    /// Stop an actor, a provider or a host (`ctl stop`).
    Stop(ctl::StopArgs),
    /// Put, delete or list link definitions (`ctl link`).
    Link(ctl::LinkArgs),
    /// Invoke an operation of a running actor (JSON in, JSON out).
    Call(call::CallArgs),
    /// Watch one actor's invocations and replies on the lattice, live.
    Spy(spy::SpyArgs),
    /// Manage contexts: named lattice connection settings, one of them the default.
    Ctx(ctx::CtxArgs),
    /// Scaffold an actor, provider or interface project from a template.
    New(new::NewArgs),
    /// Compile a project (wasmcloud.toml), then sign the actor or pack the provider.
    Build(build::BuildArgs),
    /// Build, start and hot-swap an actor project on a local lattice as its sources change.
    Dev(dev::DevArgs),
    /// Generate Rust bindings from Smithy models (codegen.toml).
    Gen(gen::GenArgs),
    /// Check Smithy models and print every error with its line and column.
    Validate(validate::ValidateArgs),
    /// Report style issues in Smithy models: naming conventions, unwelcome terms.
    Lint(validate::LintArgs),
    /// Print or write shell completion scripts.
    Completions(completions::CompletionsArgs),
}

impl Command {
    /// How the host that `wash up` runs in this process logs, if this is `wash up`.
    pub fn host_logging(&self) -> Option<crate::cli::HostLogging> {
        match self {
            Command::Up(args) => Some(up::host_logging(args)),
            _ => None,
        }
    }
}

/// Runs one subcommand and returns its output for the renderer. wash's folders are resolved from the
/// environment here, once (`WASH_HOME`, `WASH_KEYS`, `WASH_CACHE`: docs/wash-home.md), for the commands
/// that use them; the libraries are handed paths.
pub fn run(command: Command, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let paths = WashPaths::from_env;
    match command {
        Command::Keys(args) => keys::run(args, &paths()?, printer),
        Command::Claims(args) => claims::run(args, &paths()?, printer),
        Command::Par(args) => par::run(args, &paths()?, printer),
        Command::Reg(args) => reg::run(args, &paths()?, printer),
        Command::Drain(args) => drain::run(args, &paths()?, printer),
        Command::Up(args) => up::run(*args, &paths()?, printer),
        Command::Down(args) => down::run(args, &paths()?, printer),
        Command::Ctl(args) => ctl::run(args, &paths()?, printer),
        Command::App(args) => app::run(args, &paths()?, printer),
        Command::Ui(args) => ui::run(args, &paths()?, printer),
        Command::Get(args) => ctl::run(args.into(), &paths()?, printer),
        Command::Start(args) => ctl::run(args.into(), &paths()?, printer),
        Command::Stop(args) => ctl::run(args.into(), &paths()?, printer),
        Command::Link(args) => ctl::run(args.into(), &paths()?, printer),
        Command::Push(args) => reg::run(args.into(), &paths()?, printer),
        Command::Pull(args) => reg::run(args.into(), &paths()?, printer),
        Command::Inspect(args) => claims::inspect(args, &paths()?, printer),
        Command::Call(args) => call::run(args, &paths()?, printer),
        Command::Spy(args) => spy::run(args, &paths()?, printer),
        Command::Ctx(args) => ctx::run(args, &paths()?, printer),
        Command::New(args) => new::run(args, &paths()?, printer),
        Command::Build(args) => build::run(args, &paths()?, printer),
        Command::Dev(args) => dev::run(args, &paths()?, printer),
        Command::Gen(args) => gen::run(args, printer),
        Command::Validate(args) => validate::run(args, printer),
        Command::Lint(args) => validate::lint(args, printer),
        Command::Completions(args) => completions::run(args, printer),
    }
}

/// Runs an async command body on a multi-threaded tokio runtime.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("failed to start the async runtime")
        .block_on(future)
}

/// A future that resolves on Ctrl-C or SIGTERM (call it inside the runtime).
pub fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use anyhow::Context as _;
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("failed to listen for SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = sigterm.recv() => {}
        }
    })
}
