//! `wash ui`: serve the lattice dashboard on 127.0.0.1 until Ctrl-C (the logic is in `wash-ui`).

use clap::Args;
use serde_json::{json, Map};
use wash_local::WashPaths;

use super::connection::ConnectionArgs;
use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash up --detached && wash ui                # then open http://127.0.0.1:3030
  wash ui --port 8000
  wash ui --context prod                       # the lattice of another context
  wash ui --ctl-port 4333 --lattice blue

The page shows hosts, actors (with their claims), providers (with their health), link
definitions and recent events, updated live. Its forms start actors and providers (a path on
this machine, a file chosen in the browser — kept under ~/.wash/uploads — or an OCI reference),
put and delete links, scale and stop. It listens on 127.0.0.1 only and needs no network: its
assets are part of the wash binary. Connection settings come from
the default context unless `--context` or the `--ctl-*` flags override them.";

/// Arguments of `wash ui`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct UiArgs {
    /// Port on 127.0.0.1 to serve the dashboard on (0 picks a free one).
    #[arg(long, default_value_t = wash_ui::DEFAULT_PORT)]
    port: u16,

    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Runs `wash ui` until Ctrl-C or SIGTERM.
pub fn run(args: UiArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    if let Some(note) = args.connection.js_domain_note() {
        printer.status("Note", note);
    }
    super::block_on(async move {
        let client = args.connection.connect(paths.home()).await?;
        let (lattice, nats_url) = (client.lattice().to_owned(), client.url().to_owned());
        let uploads = paths.home().uploads();
        let dashboard = wash_ui::Dashboard::bind(client, args.port, uploads).await?;
        let url = dashboard.url();
        printer.status(
            "Serving",
            format!(
                "the dashboard of lattice `{lattice}` (NATS {nats_url}) at {url}; Ctrl-C to stop"
            ),
        );
        dashboard.serve(super::shutdown_signal()?).await?;
        let mut json = Map::new();
        json.insert("url".into(), json!(url));
        json.insert("lattice".into(), json!(lattice));
        json.insert("nats_url".into(), json!(nats_url));
        json.insert("stopped".into(), json!(true));
        Ok(CommandOutput::new(format!("stopped serving {url}"), json))
    })
}
