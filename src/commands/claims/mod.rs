//! `wash claims`: sign actors, inspect their claims, and make standalone tokens.

mod sign;
mod token;

use std::io::{BufRead, BufReader};
use wash_local::WashPaths;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use serde_json::{json, Map};
use wash_claims::Claims;

use crate::cli::LongOnlyLogArgs;
use crate::commands::args::KeyArgs;
use crate::commands::artifact::OciSourceArgs;
use crate::output::{CommandOutput, Printer};
use crate::render::claims::ActorReport;

const AFTER_HELP: &str = "\
Examples:
  wash claims sign echo.wasm --name Echo --http_server -k     # writes echo_s.wasm
  wash claims inspect echo_s.wasm -o json
  wash claims inspect 127.0.0.1:5000/echo:0.1.0 --digest sha256:170ff349...
  wash claims token operator --name ops
  wash claims token actor --name echo -q -k     # a token without a module

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
    Sign(Box<sign::SignArgs>),
    /// Show (and verify) the claims embedded in a signed module.
    Inspect(InspectArgs),
    /// Make a standalone signed token.
    #[command(subcommand)]
    Token(token::TokenCommand),
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

/// The validity and key flags of `claims sign`, `claims token actor` and `claims token provider`,
/// where `-v`/`-q` keep wash 0.x's meanings (capability, version, vendor) and the log flags are long.
#[derive(Debug, Args)]
struct SigningFlags {
    #[command(flatten)]
    dates: DateArgs,
    #[command(flatten)]
    keys: KeyArgs,
    #[command(flatten)]
    _log: LongOnlyLogArgs,
}

impl DateArgs {
    /// `claims` with these validity dates.
    fn apply<T>(&self, claims: Claims<T>) -> Claims<T> {
        claims
            .expires_in_days(self.expires_in_days)
            .not_before_days(self.not_before_days)
    }
}

#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// The signed module (or a provider archive): a file, or an OCI reference such as
    /// `127.0.0.1:5000/echo:0.1.0`, pulled through the OCI cache as by `wash reg pull`.
    module: String,
    /// Print only the raw JWT.
    #[arg(long = "jwt-only")]
    jwt_only: bool,
    /// Fail (exit 1) when the claims are expired or not yet valid; without it they are shown,
    /// marked as such.
    #[arg(long)]
    verify: bool,
    #[command(flatten)]
    source: OciSourceArgs,
}

/// Runs `wash claims ...`.
pub fn run(
    args: ClaimsArgs,
    paths: &WashPaths,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    match args.command {
        ClaimsCommand::Sign(args) => sign::sign(*args, paths, printer),
        ClaimsCommand::Inspect(args) => inspect(args, paths, printer),
        ClaimsCommand::Token(command) => token::token(command, paths, printer),
    }
}

/// `claims inspect` (also wash 0.18.1's top-level `wash inspect`).
pub(crate) fn inspect(
    args: InspectArgs,
    paths: &WashPaths,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    let name = &args.module;
    let mut reader = BufReader::with_capacity(256 * 1024, args.source.open(name, paths, printer)?);
    let head = reader
        .fill_buf()
        .with_context(|| format!("failed to read `{name}`"))?;
    let archive = head.starts_with(&[0x1f, 0x8b]) || head.get(257..262) == Some(b"ustar");
    if archive {
        // A provider archive (gzip or tar), shown as `par inspect` does (wash 0.x did the same).
        return crate::commands::par::inspect_reader(reader, name, args.jwt_only);
    }
    let found = wash_claims::read_module_claims(reader)
        .with_context(|| format!("failed to read the claims of `{name}`"))?;
    let token = found.token;
    token
        .verify_signature()
        .with_context(|| format!("the claims of `{name}` are not valid"))?;
    let validation = token.validation();
    if args.verify {
        if validation.expired {
            bail!(
                "the claims of `{name}` expired {}\nhelp: sign the module again with `wash claims sign`",
                validation.expires_human
            );
        }
        if validation.cannot_use_yet {
            bail!(
                "the claims of `{name}` are not valid until {}",
                validation.not_before_human
            );
        }
    }
    if args.jwt_only {
        let mut json = Map::new();
        json.insert("token".into(), json!(token.jwt));
        return Ok(CommandOutput::new(token.jwt.clone(), json));
    }
    let report = ActorReport::new(&token.claims, &validation);
    Ok(CommandOutput::new(report.to_table(), report.to_json()))
}
