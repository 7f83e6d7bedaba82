//! `wash claims token`: standalone signed tokens for operators, accounts and capability providers.

use std::path::Path;
use wash_local::WashPaths;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{json, Map};
use wash_claims::{Account, CapabilityProvider, Claims, Operator};
use wash_keys::{default_account_key_name, subject_key_name, KeyKind, SigningKeys};

use super::sign::ActorArgs;
use super::{DateArgs, SigningFlags};
use crate::commands::args::KeyArgs;
use crate::commands::keys::{report_key, report_keys};
use crate::output::{CommandOutput, Printer};

#[derive(Debug, Subcommand)]
pub(super) enum TokenCommand {
    /// An actor token (no module), signed by an account for a module key, with the flags of
    /// `claims sign`.
    Actor(Box<ActorTokenArgs>),
    /// An account token, signed by an operator (`--issuer`) for an account (`--subject`).
    Account(SignerTokenArgs),
    /// An operator token (self-signed by `--issuer`).
    Operator(SignerTokenArgs),
    /// A capability provider token, signed by an account for a service key.
    Provider(ProviderTokenArgs),
}

/// The arguments of account and operator tokens, which differ only in the kind of their keys.
#[derive(Debug, Args)]
pub(super) struct SignerTokenArgs {
    /// Display name.
    #[arg(short = 'n', long)]
    name: String,
    /// Another key of the token's kind (an account key for `account`, an operator key for `operator`)
    /// allowed to sign for it (repeatable): its public key, its seed or a seed file, as in wash 0.x.
    /// Only the public key goes into the token.
    #[arg(short = 'a', long = "additional-key", value_name = "KEY")]
    additional_key: Vec<String>,
    #[command(flatten)]
    dates: DateArgs,
    #[command(flatten)]
    keys: KeyArgs,
}

#[derive(Debug, Args)]
pub(super) struct ActorTokenArgs {
    #[command(flatten)]
    actor: ActorArgs,
    /// `-q` and `-v` are capability and version flags here, as in wash 0.x.
    #[command(flatten)]
    signing: SigningFlags,
}

#[derive(Debug, Args)]
#[command(disable_version_flag = true)]
pub(super) struct ProviderTokenArgs {
    /// Display name.
    #[arg(short = 'n', long)]
    name: String,
    /// Capability contract id, e.g. `wasmcloud:keyvalue`.
    #[arg(short = 'c', long)]
    capid: String,
    /// Vendor.
    #[arg(short = 'v', long)]
    vendor: String,
    /// Revision number.
    #[arg(short = 'r', long)]
    revision: Option<i32>,
    /// Version string.
    #[arg(short = 'e', long = "version", id = "provider_version")]
    version: Option<String>,
    /// `-v` is `--vendor` here, as in wash 0.x.
    #[command(flatten)]
    signing: SigningFlags,
}

pub(super) fn token(
    command: TokenCommand,
    paths: &WashPaths,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    // Key file names as wash 0.18.1 picks them, so either binary signs with the same keys: the
    // operator key is named after `--name` (`<stem>_operator`) for operator and account tokens; the
    // account key of an account token is the user's (`$USER_account`).
    let operator_key_name = |name: &str| subject_key_name(Path::new(name), KeyKind::Operator);
    let (jwt, subject) = match command {
        TokenCommand::Actor(args) => {
            // Keys as 0.18.1 named them: `$USER_account`, and `<name>_module` for the subject.
            let name = args.actor.name.clone();
            let metadata = args.actor.into_actor()?;
            let signing = &args.signing;
            signed_for(signing, paths, printer, KeyKind::Module, &name, metadata)?
        }
        TokenCommand::Operator(args) => {
            let store = args.keys.store(paths);
            let request = args
                .keys
                .issuer(KeyKind::Operator, operator_key_name(&args.name));
            let mut issuer = wash_keys::find(&store, &request)?;
            let metadata = Operator {
                name: Some(args.name),
                valid_signers: Some(signers(&args.additional_key, KeyKind::Operator)?),
            };
            let claims = Claims::new(issuer.public_key(), issuer.public_key(), metadata);
            let jwt = args.dates.apply(claims).encode(&issuer.pair)?;
            issuer
                .commit(&store)
                .context("failed to save the new issuer key")?;
            report_key(printer, "Issuer", &issuer);
            (jwt, issuer.public_key())
        }
        TokenCommand::Account(args) => {
            let issuer = args
                .keys
                .issuer(KeyKind::Operator, operator_key_name(&args.name));
            let subject = args
                .keys
                .subject(KeyKind::Account, default_account_key_name());
            let mut keys = SigningKeys::resolve(args.keys.store(paths), &issuer, &subject)?;
            let metadata = Account {
                name: Some(args.name),
                valid_signers: Some(signers(&args.additional_key, KeyKind::Account)?),
            };
            let jwt = signed(&mut keys, metadata, &args.dates)?;
            report_keys(printer, &keys);
            (jwt, keys.subject.public_key())
        }
        TokenCommand::Provider(args) => {
            let name = args.name.clone();
            let metadata = CapabilityProvider {
                name: Some(args.name),
                capid: args.capid,
                vendor: args.vendor,
                rev: args.revision,
                ver: args.version,
                ..CapabilityProvider::default()
            };
            let signing = &args.signing;
            signed_for(signing, paths, printer, KeyKind::Service, &name, metadata)?
        }
    };
    let mut json = Map::new();
    json.insert("token".into(), json!(jwt));
    json.insert("subject".into(), json!(subject));
    Ok(CommandOutput::new(jwt, json))
}

/// The public keys of `--additional-key` values (public keys, seeds or seed files of `kind`).
fn signers(values: &[String], kind: KeyKind) -> anyhow::Result<Vec<String>> {
    values
        .iter()
        .map(|value| {
            Ok(wash_keys::public_key_from(
                value,
                kind,
                "`--additional-key`",
            )?)
        })
        .collect()
}

/// A token of `metadata` for a subject key of `kind` named after `name` (`<name>_module`,
/// `<name>_service`), signed by the user's account key; returns it with the subject's public key.
fn signed_for<T: serde::Serialize>(
    signing: &SigningFlags,
    paths: &WashPaths,
    printer: &Printer,
    kind: KeyKind,
    name: &str,
    metadata: T,
) -> anyhow::Result<(String, String)> {
    let mut keys = signing.keys.signing_keys(paths, kind, Path::new(name))?;
    let jwt = signed(&mut keys, metadata, &signing.dates)?;
    report_keys(printer, &keys);
    Ok((jwt, keys.subject.public_key()))
}

/// A token of `metadata` for the job's subject, signed by its issuer; then new keys are saved.
fn signed<T: serde::Serialize>(
    keys: &mut SigningKeys,
    metadata: T,
    dates: &DateArgs,
) -> anyhow::Result<String> {
    let claims = Claims::new(
        keys.issuer.public_key(),
        keys.subject.public_key(),
        metadata,
    );
    let jwt = dates.apply(claims).encode(&keys.issuer.pair)?;
    keys.commit()?;
    Ok(jwt)
}
