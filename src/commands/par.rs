//! `wash par`: create, inspect and extend provider archives.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{json, Map};
use wash_keys::{default_account_key_name, subject_key_name, KeyKind, KeyRequest, KeyStore};
use wash_local::WashPaths;
use wash_par::{ArchiveReport, BinarySource, ProviderSpec};

use crate::commands::files::temp_beside;
use crate::commands::keys::{find_key, report_key};
use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash par create -c wasmcloud:keyvalue --vendor Acme -n KV -a x86_64-linux -b ./kv --compress
  wash par insert kv.par.gz -a aarch64-linux -b ./kv-arm
  wash par inspect kv.par.gz -o json

Targets are `<arch>-<os>` as a host computes them (x86_64-linux, aarch64-linux, x86_64-macos,
aarch64-macos, x86_64-windows). Keys are found as for `wash claims sign` (see `wash keys --help`).";

/// Arguments of `wash par`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ParArgs {
    #[command(subcommand)]
    command: ParCommand,
}

#[derive(Debug, Subcommand)]
enum ParCommand {
    /// Create a provider archive from one binary.
    Create(Box<CreateArgs>),
    /// Show (and verify) a provider archive.
    Inspect(InspectArgs),
    /// Add or replace the binary for one target in an archive (re-signs it).
    Insert(InsertArgs),
}

/// Key flags of `par create` / `par insert`.
#[derive(Debug, Args)]
struct KeyArgs {
    /// Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY].
    #[arg(short = 'i', long = "issuer", value_name = "SEED_OR_FILE")]
    issuer: Option<String>,
    /// Subject (service) key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY].
    #[arg(short = 's', long = "subject", value_name = "SEED_OR_FILE")]
    subject: Option<String>,
    /// Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys].
    #[arg(short = 'd', long = "directory", value_name = "DIR")]
    directory: Option<PathBuf>,
    /// Fail instead of generating a key that is not found.
    #[arg(long = "disable-keygen")]
    disable_keygen: bool,
}

#[derive(Debug, Args)]
#[command(disable_version_flag = true)]
struct CreateArgs {
    /// Capability contract id, e.g. `wasmcloud:keyvalue`.
    #[arg(short = 'c', long)]
    capid: String,
    /// Vendor name.
    #[arg(long)]
    vendor: String,
    /// Display name.
    #[arg(short = 'n', long)]
    name: String,
    /// Target of the binary, `<arch>-<os>` (e.g. `x86_64-linux`).
    #[arg(short = 'a', long)]
    arch: String,
    /// The provider executable.
    #[arg(short = 'b', long)]
    binary: PathBuf,
    /// Revision number.
    #[arg(short = 'r', long)]
    revision: Option<i32>,
    /// Version string.
    #[arg(long = "version", id = "provider_version")]
    version: Option<String>,
    /// JSON schema of the provider's link configuration.
    #[arg(long, value_name = "FILE")]
    schema: Option<PathBuf>,
    /// Output file [default: `<binary stem>.par`, `.par.gz` with `--compress`].
    #[arg(long, value_name = "FILE")]
    destination: Option<PathBuf>,
    /// Gzip the archive (`.gz` is appended to a destination without it).
    #[arg(long)]
    compress: bool,
    #[command(flatten)]
    keys: KeyArgs,
}

#[derive(Debug, Args)]
struct InspectArgs {
    /// The archive (`.par` or `.par.gz`).
    archive: PathBuf,
}

#[derive(Debug, Args)]
struct InsertArgs {
    /// The archive to extend (rewritten in place, atomically).
    archive: PathBuf,
    /// Target of the binary, `<arch>-<os>`.
    #[arg(short = 'a', long)]
    arch: String,
    /// The executable for that target.
    #[arg(short = 'b', long)]
    binary: PathBuf,
    #[command(flatten)]
    keys: KeyArgs,
}

/// Runs `wash par ...`.
pub fn run(args: ParArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    match args.command {
        ParCommand::Create(args) => create(*args, paths, printer),
        ParCommand::Inspect(args) => inspect(args),
        ParCommand::Insert(args) => insert(args, paths, printer),
    }
}

fn create(args: CreateArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    wash_par::validate_target(&args.arch)?;
    let config_schema = match &args.schema {
        Some(path) => {
            let text = std::fs::read(path)
                .with_context(|| format!("failed to read `{}`", path.display()))?;
            Some(
                serde_json::from_slice(&text)
                    .with_context(|| format!("`{}` is not JSON", path.display()))?,
            )
        }
        None => None,
    };
    let stem = args
        .binary
        .file_stem()
        .map_or_else(|| "provider".into(), |s| s.to_string_lossy());
    let mut destination = args
        .destination
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{stem}.par")));
    if args.compress && destination.extension().is_none_or(|e| e != "gz") {
        destination.as_mut_os_string().push(".gz");
    }
    let store = KeyStore::new(paths.keys_dir(args.keys.directory.as_deref()));
    let keygen = !args.keys.disable_keygen;
    let request = KeyRequest::issuer(
        KeyKind::Account,
        args.keys.issuer.clone(),
        default_account_key_name(),
    );
    let mut issuer = find_key(&store, request.keygen(keygen))?;
    let subject_name = subject_key_name(&args.binary, KeyKind::Service);
    let request = KeyRequest::subject(KeyKind::Service, args.keys.subject.clone(), subject_name);
    let mut subject = find_key(&store, request.keygen(keygen))?;
    let spec = ProviderSpec {
        name: Some(args.name),
        capid: args.capid,
        vendor: args.vendor,
        rev: args.revision,
        ver: args.version,
        config_schema,
    };
    printer.status("Packing", args.binary.display());
    let temp = temp_beside(&destination)?;
    let binaries = [(args.arch, BinarySource::File(args.binary.clone()))];
    let out = BufWriter::with_capacity(256 * 1024, temp.as_file());
    wash_par::create(
        out,
        spec,
        &binaries,
        &issuer.pair,
        &subject.public_key(),
        args.compress,
    )
    .with_context(|| format!("failed to create `{}`", destination.display()))?;
    temp.persist(&destination)
        .with_context(|| format!("failed to write `{}`", destination.display()))?;
    report_key(printer, &store, "Issuer", &mut issuer)?;
    report_key(printer, &store, "Subject", &mut subject)?;
    let mut json = Map::new();
    json.insert("file".into(), json!(destination));
    json.insert("service".into(), json!(subject.public_key()));
    Ok(CommandOutput::new(
        format!("Successfully created archive {}", destination.display()),
        json,
    ))
}

fn inspect(args: InspectArgs) -> anyhow::Result<CommandOutput> {
    let path = &args.archive;
    let file = File::open(path).with_context(|| format!("failed to read `{}`", path.display()))?;
    let summary = wash_par::inspect(BufReader::with_capacity(256 * 1024, file))
        .with_context(|| format!("failed to load provider archive `{}`", path.display()))?;
    let report = ArchiveReport::new(&summary);
    Ok(CommandOutput::new(report.to_table(), report.to_json()))
}

fn insert(args: InsertArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let store = KeyStore::new(paths.keys_dir(args.keys.directory.as_deref()));
    let keygen = !args.keys.disable_keygen;
    let request = KeyRequest::issuer(
        KeyKind::Account,
        args.keys.issuer.clone(),
        default_account_key_name(),
    );
    let mut issuer = find_key(&store, request.keygen(keygen))?;
    // The service key must stay the archive's own: look it up under the archive's stem, never generate.
    let name = args
        .archive
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let stem = name.trim_end_matches(".gz").trim_end_matches(".par");
    let subject_name = subject_key_name(Path::new(stem), KeyKind::Service);
    let request = KeyRequest::subject(KeyKind::Service, args.keys.subject.clone(), subject_name);
    let mut subject = find_key(&store, request.keygen(false)).context(
        "`par insert` re-signs with the archive's own service key: pass it with `--subject`",
    )?;
    printer.status(
        "Inserting",
        format!("{} as {}", args.binary.display(), args.arch),
    );
    let temp = temp_beside(&args.archive)?;
    let out = BufWriter::with_capacity(256 * 1024, temp.as_file());
    let binary = BinarySource::File(args.binary.clone());
    wash_par::insert(
        &args.archive,
        out,
        &args.arch,
        &binary,
        &issuer.pair,
        &subject.public_key(),
    )
    .with_context(|| format!("failed to insert into `{}`", args.archive.display()))?;
    temp.persist(&args.archive)
        .with_context(|| format!("failed to write `{}`", args.archive.display()))?;
    report_key(printer, &store, "Issuer", &mut issuer)?;
    report_key(printer, &store, "Subject", &mut subject)?;
    let mut json = Map::new();
    json.insert("file".into(), json!(args.archive));
    json.insert("target".into(), json!(args.arch));
    Ok(CommandOutput::new(
        format!(
            "Successfully inserted {} into archive {}",
            args.binary.display(),
            args.archive.display()
        ),
        json,
    ))
}
