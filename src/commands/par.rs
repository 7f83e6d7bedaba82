//! `wash par`: create, inspect and extend provider archives.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{json, Map};
use wash_keys::{default_account_key_name, subject_key_name, KeyError, KeyKind, SigningKeys};
use wash_local::WashPaths;
use wash_par::{ArchivePacking, ProviderSpec};

use crate::cli::LongOnlyLogArgs;
use crate::commands::args::KeyArgs;
use crate::commands::artifact::OciSourceArgs;
use crate::commands::keys::report_keys;
use crate::output::{CommandOutput, Printer};
use crate::render::par::ArchiveReport;

const AFTER_HELP: &str = "\
Examples:
  wash par create -c wasmcloud:keyvalue --vendor Acme -n KV -a x86_64-linux -b ./kv --compress
  wash par insert kv.par.gz -a aarch64-linux -b ./kv-arm
  wash par inspect kv.par.gz -o json
  wash par inspect 127.0.0.1:5000/kv:0.1.0 -u alice   # password: WASH_REG_PASSWORD or -p

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

/// The shared [`KeyArgs`] as `par` spells them (wash 0.x's): `-d` is `--directory`, and the subject
/// is a service key. `mut_args` edits them in place, so their order (and the completions) stays.
fn par_key_flags(arg: clap::Arg) -> clap::Arg {
    match arg.get_id().as_str() {
        "directory" => arg.short('d'),
        "subject" => arg
            .help("Subject (service) key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY]"),
        _ => arg,
    }
}

#[derive(Debug, Args)]
#[command(disable_version_flag = true)]
#[command(mut_args(par_key_flags))]
struct CreateArgs {
    /// Capability contract id, e.g. `wasmcloud:keyvalue`.
    #[arg(short = 'c', long)]
    capid: String,
    /// Vendor name.
    #[arg(short = 'v', long)]
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
    /// Output file, used as given [default: `<binary stem>.par`, `.par.gz` with `--compress`].
    #[arg(long, value_name = "FILE")]
    destination: Option<PathBuf>,
    /// Gzip the archive (the default name becomes `<binary stem>.par.gz`).
    #[arg(long)]
    compress: bool,
    #[command(flatten)]
    keys: KeyArgs,
    /// `-v` is `--vendor` here, as in wash 0.x.
    #[command(flatten)]
    _log: LongOnlyLogArgs,
}

#[derive(Debug, Args)]
struct InspectArgs {
    /// The archive (`.par` or `.par.gz`): a file, or an OCI reference such as
    /// `127.0.0.1:5000/kv:0.1.0`, pulled through the OCI cache as by `wash reg pull`.
    archive: String,
    #[command(flatten)]
    source: OciSourceArgs,
}

#[derive(Debug, Args)]
#[command(mut_args(par_key_flags))]
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
        ParCommand::Inspect(args) => {
            let reader = args.source.open(&args.archive, paths, printer)?;
            inspect_reader(reader, &args.archive, false)
        }
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
    // A destination given is used as given, compressed or not, as wash 0.18.1 did (scripts name the
    // file they push next); readers tell gzip apart by its content.
    let destination = args.destination.clone().unwrap_or_else(|| {
        let extension = if args.compress { "par.gz" } else { "par" };
        PathBuf::from(format!("{stem}.{extension}"))
    });
    let mut keys = args
        .keys
        .signing_keys(paths, KeyKind::Service, &args.binary)?;
    let job = ArchivePacking {
        destination: destination.clone(),
        spec: ProviderSpec {
            name: Some(args.name),
            capid: args.capid,
            vendor: args.vendor,
            rev: args.revision,
            ver: args.version,
            config_schema,
        },
        target: args.arch,
        binary: args.binary.clone(),
        compress: args.compress,
    };
    printer.status("Packing", args.binary.display());
    wash_par::create_file(job, &mut keys)?;
    report_keys(printer, &keys);
    let mut json = Map::new();
    json.insert("file".into(), json!(destination));
    json.insert("service".into(), json!(keys.subject.public_key()));
    Ok(CommandOutput::new(
        format!("Successfully created archive {}", destination.display()),
        json,
    ))
}

/// The inspect output of the archive `reader` reads (`name` for messages); `jwt_only` prints only
/// its token (`claims inspect --jwt-only` of an archive).
pub(crate) fn inspect_reader(
    reader: impl Read,
    name: &str,
    jwt_only: bool,
) -> anyhow::Result<CommandOutput> {
    let summary = wash_par::inspect(reader)
        .with_context(|| format!("failed to load provider archive `{name}`"))?;
    if jwt_only {
        let mut json = Map::new();
        json.insert("token".into(), json!(summary.token.jwt));
        return Ok(CommandOutput::new(summary.token.jwt.clone(), json));
    }
    let report = ArchiveReport::new(&summary);
    Ok(CommandOutput::new(report.to_table(), report.to_json()))
}

fn insert(args: InsertArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let issuer = args
        .keys
        .issuer(KeyKind::Account, default_account_key_name());
    // The service key must stay the archive's own: look it up under the archive's stem, never generate.
    let name = args
        .archive
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let stem = name.trim_end_matches(".gz").trim_end_matches(".par");
    let subject_name = subject_key_name(Path::new(stem), KeyKind::Service);
    let subject = args
        .keys
        .subject(KeyKind::Service, subject_name)
        .keygen(false);
    let mut keys = SigningKeys::resolve(args.keys.store(paths), &issuer, &subject).map_err(|e| {
        let own_key = matches!(&e, KeyError::Lookup { role, .. } if role == "subject");
        let e = anyhow::Error::new(e);
        if own_key {
            e.context("`par insert` re-signs with the archive's own service key: pass it with `--subject`")
        } else {
            e
        }
    })?;
    printer.status(
        "Inserting",
        format!("{} as {}", args.binary.display(), args.arch),
    );
    wash_par::insert_file(&args.archive, &args.arch, &args.binary, &mut keys)?;
    report_keys(printer, &keys);
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
