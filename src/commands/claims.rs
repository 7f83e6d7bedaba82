//! `wash claims`: sign actors, inspect their claims, and make standalone tokens.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use serde_json::{json, Map};
use wash_claims::{caps, Account, Actor, ActorReport, CapabilityProvider, Claims, Operator};
use wash_keys::{default_account_key_name, subject_key_name, KeyKind, KeyRequest, KeyStore};
use wash_local::WashPaths;

use crate::commands::files::temp_beside;
use crate::commands::keys::{find_key, report_key};
use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash claims sign echo.wasm --name Echo --http_server -k     # writes echo_s.wasm
  wash claims inspect echo_s.wasm -o json
  wash claims token operator --name ops

Keys: `--issuer`/`--subject` take a seed or a path to a seed file; without them wash uses
`WASH_ISSUER_KEY`/`WASH_SUBJECT_KEY`, then the key store (see `wash keys --help`), then generates keys.";

/// Arguments of `wash claims`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ClaimsArgs {
    #[command(subcommand)]
    command: ClaimsCommand,
}

#[derive(Debug, Subcommand)]
enum ClaimsCommand {
    /// Sign a WebAssembly module: embed a `wasmcloud_jwt` section with the actor's claims.
    Sign(Box<SignArgs>),
    /// Show (and verify) the claims embedded in a signed module.
    Inspect(InspectArgs),
    /// Make a standalone signed token.
    #[command(subcommand)]
    Token(TokenCommand),
}

/// Key flags shared by every signing command.
#[derive(Debug, Args)]
struct KeyArgs {
    /// Issuer (account) key: a seed or a path to a seed file [env: WASH_ISSUER_KEY].
    #[arg(short = 'i', long = "issuer", value_name = "SEED_OR_FILE")]
    issuer: Option<String>,
    /// Subject key: a seed or a path to a seed file [env: WASH_SUBJECT_KEY].
    #[arg(short = 's', long = "subject", value_name = "SEED_OR_FILE")]
    subject: Option<String>,
    /// Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys].
    #[arg(long = "directory", value_name = "DIR")]
    directory: Option<PathBuf>,
    /// Fail instead of generating a key that is not found.
    #[arg(long = "disable-keygen")]
    disable_keygen: bool,
}

/// Validity flags shared by every signing command.
#[derive(Debug, Args)]
struct DateArgs {
    /// The token expires this many days from now.
    #[arg(
        short = 'x',
        long = "expires-in-days",
        visible_alias = "expires",
        value_name = "DAYS"
    )]
    expires_in_days: Option<u64>,
    /// The token is not valid until this many days from now.
    #[arg(
        short = 'b',
        long = "not-before-days",
        visible_alias = "nbf",
        value_name = "DAYS"
    )]
    not_before_days: Option<u64>,
}

#[derive(Debug, Args)]
struct SignArgs {
    /// The module to sign.
    module: PathBuf,
    /// The actor's display name.
    #[arg(short = 'n', long)]
    name: String,
    /// Capability: key-value store (wasmcloud:keyvalue).
    #[arg(short = 'k', long = "keyvalue")]
    keyvalue: bool,
    /// Capability: messaging (wasmcloud:messaging).
    #[arg(short = 'g', long = "msg")]
    msg: bool,
    /// Capability: HTTP client (wasmcloud:httpclient).
    #[arg(long = "http_client", visible_alias = "http-client")]
    http_client: bool,
    /// Capability: HTTP server (wasmcloud:httpserver). (wash 0.x's `-q` is `--quiet` here.)
    #[arg(long = "http_server", visible_alias = "http-server")]
    http_server: bool,
    /// Capability: blob store (wasmcloud:blobstore).
    #[arg(short = 'f', long = "blob_store", visible_alias = "blob-store")]
    blob_store: bool,
    /// Capability: logging (wasmcloud:builtin:logging).
    #[arg(short = 'l', long = "logging")]
    logging: bool,
    /// Capability: event streams (wasmcloud:eventstreams).
    #[arg(short = 'e', long = "events")]
    events: bool,
    /// Another capability id (repeatable), e.g. `-c wasmcloud:builtin:numbergen`.
    #[arg(short = 'c', long = "cap", value_name = "CAPID")]
    cap: Vec<String>,
    /// Mark the module as a capability provider (at most one capability).
    #[arg(short = 'p', long = "prov")]
    prov: bool,
    /// A tag (repeatable).
    #[arg(short = 't', long = "tag")]
    tag: Vec<String>,
    /// Revision number.
    #[arg(short = 'r', long = "rev")]
    rev: Option<i32>,
    /// Version string, e.g. `0.1.0`. (wash 0.x's `-v` is `--verbose` here.)
    #[arg(long = "ver")]
    ver: Option<String>,
    /// Call alias: lowercase letters, digits, `_` and `/`.
    #[arg(short = 'a', long = "call-alias")]
    call_alias: Option<String>,
    /// Where to write the signed module [default: `<stem>_s.wasm` next to the input].
    #[arg(short = 'd', long = "destination", value_name = "FILE")]
    destination: Option<PathBuf>,
    #[command(flatten)]
    dates: DateArgs,
    #[command(flatten)]
    keys: KeyArgs,
}

#[derive(Debug, Args)]
struct InspectArgs {
    /// The signed module.
    module: PathBuf,
    /// Print only the raw JWT.
    #[arg(long = "jwt-only")]
    jwt_only: bool,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// An account token, signed by an operator (`--issuer`) for an account (`--subject`).
    Account(AccountTokenArgs),
    /// An operator token (self-signed by `--issuer`).
    Operator(OperatorTokenArgs),
    /// A capability provider token, signed by an account for a service key.
    Provider(ProviderTokenArgs),
}

#[derive(Debug, Args)]
struct AccountTokenArgs {
    /// Display name.
    #[arg(short = 'n', long)]
    name: String,
    /// Another key allowed to sign for this account (repeatable).
    #[arg(short = 'a', long = "additional-key", value_name = "PUBLIC_KEY")]
    additional_key: Vec<String>,
    #[command(flatten)]
    dates: DateArgs,
    #[command(flatten)]
    keys: KeyArgs,
}

#[derive(Debug, Args)]
struct OperatorTokenArgs {
    /// Display name.
    #[arg(short = 'n', long)]
    name: String,
    /// Another key allowed to sign for this operator (repeatable).
    #[arg(short = 'a', long = "additional-key", value_name = "PUBLIC_KEY")]
    additional_key: Vec<String>,
    #[command(flatten)]
    dates: DateArgs,
    #[command(flatten)]
    keys: KeyArgs,
}

#[derive(Debug, Args)]
#[command(disable_version_flag = true)]
struct ProviderTokenArgs {
    /// Display name.
    #[arg(short = 'n', long)]
    name: String,
    /// Capability contract id, e.g. `wasmcloud:keyvalue`.
    #[arg(short = 'c', long)]
    capid: String,
    /// Vendor.
    #[arg(long)]
    vendor: String,
    /// Revision number.
    #[arg(short = 'r', long)]
    revision: Option<i32>,
    /// Version string.
    #[arg(short = 'e', long = "version", id = "provider_version")]
    version: Option<String>,
    #[command(flatten)]
    dates: DateArgs,
    #[command(flatten)]
    keys: KeyArgs,
}

/// Runs `wash claims ...`.
pub fn run(
    args: ClaimsArgs,
    paths: &WashPaths,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    match args.command {
        ClaimsCommand::Sign(args) => sign(*args, paths, printer),
        ClaimsCommand::Inspect(args) => inspect(args),
        ClaimsCommand::Token(command) => token(command, paths, printer),
    }
}

fn capabilities(args: &SignArgs) -> Vec<String> {
    let flags = [
        (args.keyvalue, caps::KEY_VALUE),
        (args.msg, caps::MESSAGING),
        (args.http_client, caps::HTTP_CLIENT),
        (args.http_server, caps::HTTP_SERVER),
        (args.blob_store, caps::BLOB),
        (args.logging, caps::LOGGING),
        (args.events, caps::EVENTSTREAMS),
    ];
    let known = flags
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, id)| id.to_string());
    known.chain(args.cap.iter().cloned()).collect()
}

fn default_destination(module: &Path) -> PathBuf {
    let stem = module
        .file_stem()
        .map_or_else(|| "module".into(), |s| s.to_string_lossy());
    let dir = module
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    dir.join(format!("{stem}_s.wasm"))
}

fn sign(args: SignArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let caps = capabilities(&args);
    if args.prov && caps.len() > 1 {
        bail!("capability providers cannot provide multiple capabilities at once");
    }
    if let Some(alias) = &args.call_alias {
        wash_claims::validate_call_alias(alias)?;
    }
    let input = File::open(&args.module)
        .with_context(|| format!("failed to read `{}`", args.module.display()))?;
    let destination = args
        .destination
        .clone()
        .unwrap_or_else(|| default_destination(&args.module));
    let store = KeyStore::new(paths.keys_dir(args.keys.directory.as_deref()));
    let keygen = !args.keys.disable_keygen;
    let issuer_request = KeyRequest::issuer(
        KeyKind::Account,
        args.keys.issuer.clone(),
        default_account_key_name(),
    );
    let mut issuer = find_key(&store, issuer_request.keygen(keygen))?;
    let subject_name = subject_key_name(&args.module, KeyKind::Module);
    let subject_request =
        KeyRequest::subject(KeyKind::Module, args.keys.subject.clone(), subject_name);
    let mut subject = find_key(&store, subject_request.keygen(keygen))?;

    let actor = Actor {
        name: Some(args.name),
        tags: Some(args.tag),
        caps: Some(caps.clone()),
        rev: args.rev,
        ver: args.ver,
        call_alias: args.call_alias,
        prov: args.prov,
        ..Actor::default()
    };
    let claims = Claims::new(issuer.public_key(), subject.public_key(), actor)
        .expires_in_days(args.dates.expires_in_days)
        .not_before_days(args.dates.not_before_days);
    printer.status("Signing", args.module.display());
    let temp = temp_beside(&destination)?;
    let token = wash_claims::sign_module(
        BufReader::with_capacity(256 * 1024, input),
        BufWriter::with_capacity(256 * 1024, temp.as_file()),
        claims,
        &issuer.pair,
    )
    .with_context(|| format!("failed to sign `{}`", args.module.display()))?;
    temp.persist(&destination)
        .with_context(|| format!("failed to write `{}`", destination.display()))?;
    report_key(printer, &store, "Issuer", &mut issuer)?;
    report_key(printer, &store, "Subject", &mut subject)?;
    let text = format!(
        "Successfully signed {} with capabilities: {}",
        destination.display(),
        caps.join(",")
    );
    let mut json = Map::new();
    json.insert("destination".into(), json!(destination));
    json.insert("capabilities".into(), json!(caps));
    json.insert("module".into(), json!(token.claims.sub));
    json.insert("account".into(), json!(token.claims.iss));
    json.insert("hash".into(), json!(token.claims.module_hash()));
    Ok(CommandOutput::new(text, json))
}

fn inspect(args: InspectArgs) -> anyhow::Result<CommandOutput> {
    let path = &args.module;
    let file = File::open(path).with_context(|| format!("failed to read `{}`", path.display()))?;
    let found = wash_claims::read_module_claims(BufReader::with_capacity(256 * 1024, file))
        .with_context(|| format!("failed to read the claims of `{}`", path.display()))?;
    let token = found.token;
    token
        .verify_signature()
        .with_context(|| format!("the claims of `{}` are not valid", path.display()))?;
    let validation = token.validation();
    if validation.expired {
        bail!(
            "the claims of `{}` expired {}\nhelp: sign the module again with `wash claims sign`",
            path.display(),
            validation.expires_human
        );
    }
    if args.jwt_only {
        let mut json = Map::new();
        json.insert("token".into(), json!(token.jwt));
        return Ok(CommandOutput::new(token.jwt.clone(), json));
    }
    let report = ActorReport::new(&token.claims, &validation);
    Ok(CommandOutput::new(report.to_table(), report.to_json()))
}

fn token(
    command: TokenCommand,
    paths: &WashPaths,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    let user = default_account_key_name();
    let user = user.trim_end_matches("_account");
    let (jwt, subject) = match command {
        TokenCommand::Operator(args) => {
            let store = KeyStore::new(paths.keys_dir(args.keys.directory.as_deref()));
            let request = KeyRequest::issuer(
                KeyKind::Operator,
                args.keys.issuer.clone(),
                format!("{user}_operator"),
            );
            let mut issuer = find_key(&store, request.keygen(!args.keys.disable_keygen))?;
            let metadata = Operator {
                name: Some(args.name),
                valid_signers: Some(args.additional_key),
            };
            let claims = Claims::new(issuer.public_key(), issuer.public_key(), metadata);
            let jwt = dated(claims, &args.dates).encode(&issuer.pair)?;
            report_key(printer, &store, "Issuer", &mut issuer)?;
            (jwt, issuer.public_key())
        }
        TokenCommand::Account(args) => {
            let store = KeyStore::new(paths.keys_dir(args.keys.directory.as_deref()));
            let keygen = !args.keys.disable_keygen;
            let request = KeyRequest::issuer(
                KeyKind::Operator,
                args.keys.issuer.clone(),
                format!("{user}_operator"),
            );
            let mut issuer = find_key(&store, request.keygen(keygen))?;
            let subject_name = subject_key_name(Path::new(&args.name), KeyKind::Account);
            let request =
                KeyRequest::subject(KeyKind::Account, args.keys.subject.clone(), subject_name);
            let mut subject = find_key(&store, request.keygen(keygen))?;
            let metadata = Account {
                name: Some(args.name),
                valid_signers: Some(args.additional_key),
            };
            let claims = Claims::new(issuer.public_key(), subject.public_key(), metadata);
            let jwt = dated(claims, &args.dates).encode(&issuer.pair)?;
            report_key(printer, &store, "Issuer", &mut issuer)?;
            report_key(printer, &store, "Subject", &mut subject)?;
            (jwt, subject.public_key())
        }
        TokenCommand::Provider(args) => {
            let store = KeyStore::new(paths.keys_dir(args.keys.directory.as_deref()));
            let keygen = !args.keys.disable_keygen;
            let request = KeyRequest::issuer(
                KeyKind::Account,
                args.keys.issuer.clone(),
                default_account_key_name(),
            );
            let mut issuer = find_key(&store, request.keygen(keygen))?;
            let subject_name = subject_key_name(Path::new(&args.name), KeyKind::Service);
            let request =
                KeyRequest::subject(KeyKind::Service, args.keys.subject.clone(), subject_name);
            let mut subject = find_key(&store, request.keygen(keygen))?;
            let metadata = CapabilityProvider {
                name: Some(args.name),
                capid: args.capid,
                vendor: args.vendor,
                rev: args.revision,
                ver: args.version,
                ..CapabilityProvider::default()
            };
            let claims = Claims::new(issuer.public_key(), subject.public_key(), metadata);
            let jwt = dated(claims, &args.dates).encode(&issuer.pair)?;
            report_key(printer, &store, "Issuer", &mut issuer)?;
            report_key(printer, &store, "Subject", &mut subject)?;
            (jwt, subject.public_key())
        }
    };
    let mut json = Map::new();
    json.insert("token".into(), json!(jwt));
    json.insert("subject".into(), json!(subject));
    Ok(CommandOutput::new(jwt, json))
}

fn dated<T>(claims: Claims<T>, dates: &DateArgs) -> Claims<T> {
    claims
        .expires_in_days(dates.expires_in_days)
        .not_before_days(dates.not_before_days)
}
