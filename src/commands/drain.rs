//! `wash drain`: empty local caches, ours and the ones wash 0.18.1 keeps, and nothing else.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::{json, Map};
use wash_local::{downloads_dir, empty_folder, Emptied, WashPaths};

use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash drain oci
  wash drain all -o json
  WASH_CACHE=/tmp/oci wash drain oci -o json

What each one empties (the folders stay; a missing folder is skipped; a symlink inside is removed as
a link, never followed):
  lib        $WASH_HOME/cache/providers (the provider binaries our host extracted),
             $WASH_HOME/cache/actors (the actors it compiled) and $TMPDIR/wasmcloudcache (wash 0.18.1's)
  oci        only the OCI cache's own folders (blobs/, tags/, tmp/) in WASH_CACHE, else
             $WASH_HOME/cache/oci; and $TMPDIR/wasmcloud_ocicache (wash 0.18.1's)
  smithy     the Smithy model cache of wash 0.18.1, $XDG_CACHE_HOME/smithy (else ~/.cache/smithy)
  downloads  $WASH_HOME/downloads and ~/.wash/downloads, where wash 0.18.1's `up` keeps nats-server,
             wadm, the host, their logs and pid files. Like 0.18.1, this drains them even while that
             lattice runs: its pid files go too, and then neither binary's `down` can stop it.
             Run `wash down` first.
  all        lib, oci, smithy and downloads, in that order
$WASH_HOME defaults to ~/.wash (docs/wash-home.md). Keys, contexts, credentials and the state of
our own `wash up` (nats.pid, host.json, nats-data/) are never touched.";

/// Arguments of `wash drain`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct DrainArgs {
    #[command(subcommand)]
    command: DrainCommand,
}

#[derive(Debug, Clone, Copy, Subcommand)]
enum DrainCommand {
    /// Empty every cache below: lib, oci, smithy, downloads.
    All,
    /// Remove extracted provider binaries and compiled actors (ours and wash 0.18.1's).
    Lib,
    /// Remove every cached OCI manifest and layer (ours and wash 0.18.1's).
    Oci,
    /// Remove wash 0.18.1's cached Smithy models.
    Smithy,
    /// Remove what wash 0.18.1's `up` downloaded, with its logs and pid files.
    Downloads,
}

/// One folder to empty.
enum Target {
    /// Everything inside goes.
    Whole(PathBuf),
    /// Our OCI cache: only its own folders go (`WASH_CACHE` may name a folder shared with others).
    OurOci(PathBuf),
}

/// Runs `wash drain ...`.
pub fn run(args: DrainArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let user_home = std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from);
    let kinds: &[DrainCommand] = match args.command {
        DrainCommand::All => &[
            DrainCommand::Lib,
            DrainCommand::Oci,
            DrainCommand::Smithy,
            DrainCommand::Downloads,
        ],
        ref one => std::slice::from_ref(one),
    };
    let mut targets: Vec<Target> = Vec::new();
    for kind in kinds {
        targets.extend(targets_of(*kind, paths, user_home.as_deref()));
    }
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut emptied: Vec<Emptied> = Vec::new();
    for target in targets {
        let dir = match &target {
            Target::Whole(dir) | Target::OurOci(dir) => dir.clone(),
        };
        if seen.contains(&dir) {
            continue;
        }
        seen.push(dir.clone());
        let done = match target {
            Target::Whole(dir) => empty_folder(&dir)?,
            Target::OurOci(dir) => {
                if !dir.is_dir() {
                    continue;
                }
                let report = wash_oci::Cache::new(&dir).drain()?;
                Some(Emptied {
                    dir: report.dir,
                    files: report.files,
                    bytes: report.bytes,
                })
            }
        };
        if let Some(done) = done {
            printer.status("Drained", done.dir.display());
            emptied.push(done);
        }
    }
    Ok(report(&emptied))
}

/// The folders `kind` empties: ours first, then wash 0.18.1's.
fn targets_of(kind: DrainCommand, paths: &WashPaths, user_home: Option<&Path>) -> Vec<Target> {
    let temp = std::env::temp_dir();
    match kind {
        DrainCommand::All => Vec::new(),
        DrainCommand::Lib => vec![
            Target::Whole(paths.home().provider_cache()),
            Target::Whole(paths.home().actor_cache()),
            Target::Whole(temp.join("wasmcloudcache")),
        ],
        DrainCommand::Oci => vec![
            Target::OurOci(paths.oci_cache().to_owned()),
            Target::Whole(temp.join("wasmcloud_ocicache")),
        ],
        DrainCommand::Smithy => user_cache_dir(user_home)
            .map(|dir| Target::Whole(dir.join("smithy")))
            .into_iter()
            .collect(),
        DrainCommand::Downloads => std::iter::once(downloads_dir(paths.home()))
            .chain(user_home.map(|home| home.join(".wash").join("downloads")))
            .map(Target::Whole)
            .collect(),
    }
}

/// The user's cache folder as wash 0.18.1 finds it; worked out here because the `dirs` crate is not
/// a dependency: macOS `~/Library/Caches`, elsewhere an absolute `XDG_CACHE_HOME`, else `~/.cache`.
fn user_cache_dir(user_home: Option<&Path>) -> Option<PathBuf> {
    if cfg!(target_os = "macos") {
        return user_home.map(|home| home.join("Library").join("Caches"));
    }
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| user_home.map(|home| home.join(".cache")))
}

/// Text: one line per emptied folder; JSON: the folders, each with its counts, and the totals.
fn report(emptied: &[Emptied]) -> CommandOutput {
    let files: u64 = emptied.iter().map(|e| e.files).sum();
    let bytes: u64 = emptied.iter().map(|e| e.bytes).sum();
    let text = if emptied.is_empty() {
        "Nothing to drain: none of the cache folders exists".to_owned()
    } else {
        emptied
            .iter()
            .map(|e| {
                format!(
                    "Removed {} cached files ({} bytes) from {}",
                    e.files,
                    e.bytes,
                    e.dir.display()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut json = Map::new();
    json.insert(
        "drained".into(),
        json!(emptied.iter().map(|e| &e.dir).collect::<Vec<_>>()),
    );
    json.insert(
        "folders".into(),
        json!(emptied
            .iter()
            .map(|e| json!({"path": e.dir, "files": e.files, "bytes": e.bytes}))
            .collect::<Vec<_>>()),
    );
    json.insert("files".into(), json!(files));
    json.insert("bytes".into(), json!(bytes));
    CommandOutput::new(text, json)
}
