//! The artifact argument of `claims inspect` and `par inspect`: a file, or an OCI reference pulled
//! through the cache as `wash reg pull` does, with wash 0.18.1's registry flags.

use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

use anyhow::Context;
use clap::Args;
use wash_local::WashPaths;
use wash_oci::PullOptions;

use crate::commands::block_on;
use crate::commands::reg::{credentials_for, insecure_list, ConnectionArgs};
use crate::output::Printer;

/// Registry flags for an artifact given as an OCI reference (ignored for a file, as in 0.18.1).
#[derive(Debug, Args)]
pub(crate) struct OciSourceArgs {
    /// For an OCI reference: the manifest digest the artifact must have.
    #[arg(short = 'd', long, value_name = "DIGEST")]
    digest: Option<String>,
    /// For an OCI reference: allow the `latest` tag and references without a tag.
    #[arg(long)]
    allow_latest: bool,
    #[command(flatten)]
    connection: ConnectionArgs,
    /// For an OCI reference: neither read nor fill the OCI cache (always download).
    #[arg(long)]
    no_cache: bool,
}

impl OciSourceArgs {
    /// Opens `target`: an existing file wins (as in wash 0.x); else an OCI reference is pulled,
    /// every digest checked.
    pub fn open(
        &self,
        target: &str,
        paths: &WashPaths,
        printer: &Printer,
    ) -> anyhow::Result<Box<dyn Read>> {
        let path = Path::new(target);
        if path.exists() || !wash_oci::is_oci_reference(target) {
            let file = File::open(path).with_context(|| format!("failed to read `{target}`"))?;
            return Ok(Box::new(BufReader::with_capacity(256 * 1024, file)));
        }
        let reference = wash_oci::ArtifactRef::parse(target)?;
        let registry = reference.registry().to_owned();
        // `--no-cache`: a throwaway cache, so nothing is read from or left in the real one.
        let scratch = if self.no_cache {
            Some(tempfile::tempdir().context("failed to create a scratch folder")?)
        } else {
            None
        };
        let options = PullOptions {
            credentials: credentials_for(&registry, &self.connection, paths, printer)?,
            allow_latest: self.allow_latest,
            insecure: insecure_list(&self.connection, &registry),
            cache_dir: scratch
                .as_ref()
                .map_or_else(|| paths.oci_cache().to_owned(), |d| d.path().to_owned()),
            digest: self.digest.clone(),
            offline: false,
        };
        printer.status("Pulling", target);
        let bytes = block_on(wash_oci::pull_artifact(target, &options))
            .with_context(|| format!("failed to pull `{target}`"))?;
        Ok(Box::new(Cursor::new(bytes)))
    }
}
