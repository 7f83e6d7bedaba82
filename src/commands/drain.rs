//! `wash drain oci`: empty the local OCI cache (and nothing else).

use clap::{Args, Subcommand};
use serde_json::{json, Map};
use wash_local::WashPaths;

use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash drain oci
  WASH_CACHE=/tmp/oci wash drain oci -o json

Only the cache's own folders (blobs/, tags/, tmp/) are removed, in WASH_CACHE, else
$WASH_HOME/cache/oci, else ~/.wash/cache/oci (docs/wash-home.md); keys, credentials and a running
lattice's state are never touched.";

/// Arguments of `wash drain`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct DrainArgs {
    #[command(subcommand)]
    command: DrainCommand,
}

#[derive(Debug, Subcommand)]
enum DrainCommand {
    /// Remove every cached OCI manifest and layer.
    Oci,
}

/// Runs `wash drain ...`.
pub fn run(args: DrainArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    match args.command {
        DrainCommand::Oci => {
            let cache = wash_oci::Cache::new(paths.oci_cache());
            printer.status("Draining", cache.root().display());
            let report = cache.drain()?;
            let mut json = Map::new();
            json.insert("drained".into(), json!([report.dir]));
            json.insert("files".into(), json!(report.files));
            json.insert("bytes".into(), json!(report.bytes));
            Ok(CommandOutput::new(
                format!(
                    "Removed {} cached files ({} bytes) from {}",
                    report.files,
                    report.bytes,
                    report.dir.display()
                ),
                json,
            ))
        }
    }
}
