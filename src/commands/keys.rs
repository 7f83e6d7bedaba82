//! `wash keys`: generate nkeys, read and list the key store; plus the key report the signing commands share.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{json, Map};
use wash_keys::{KeyKind, KeyStore, ResolvedKey, SigningKeys};
use wash_local::WashPaths;

use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash keys gen account
  wash keys list -o json
  wash keys get alice_account

Keys live in ~/.wash/keys, one `<name>.nk` file per key holding its seed; `--directory`, else
`WASH_KEYS`, else `WASH_HOME` (as `$WASH_HOME/keys`) moves them (docs/wash-home.md).
Signing commands look a key up in this order: the flag (`--issuer`/`--subject`, a seed or a path
to a seed file), then `WASH_ISSUER_KEY`/`WASH_SUBJECT_KEY`, then the store (`<$USER>_account.nk`,
`<file stem>_module.nk`, ...), then they generate and store a new key unless `--disable-keygen` is given.";

/// Arguments of `wash keys`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Generate a key pair and print its public key and seed (nothing is written).
    Gen(GenArgs),
    /// Print the seed stored under a name.
    Get(GetArgs),
    /// List the names of the stored keys.
    List(ListArgs),
}

#[derive(Debug, Args)]
struct GenArgs {
    /// Kind of key: account, cluster, module (actor), operator, server (host), service (provider), user.
    #[arg(value_parser = parse_kind)]
    kind: KeyKind,
}

#[derive(Debug, Args)]
struct GetArgs {
    /// The key's name (its file name without `.nk`).
    name: String,
    /// Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys].
    #[arg(short = 'd', long = "directory", value_name = "DIR")]
    directory: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Key directory [default: $WASH_KEYS, else $WASH_HOME/keys, else ~/.wash/keys].
    #[arg(short = 'd', long = "directory", value_name = "DIR")]
    directory: Option<PathBuf>,
}

fn parse_kind(text: &str) -> Result<KeyKind, String> {
    text.parse().map_err(|e: wash_keys::KeyError| e.to_string())
}

/// Runs `wash keys ...`.
pub fn run(args: KeysArgs, paths: &WashPaths, _printer: &Printer) -> anyhow::Result<CommandOutput> {
    match args.command {
        KeysCommand::Gen(args) => {
            let pair = wash_keys::generate(args.kind);
            let seed = wash_keys::seed_of(&pair)?;
            let text = format!(
                "Public Key: {}\nSeed: {seed}\n\nRemember that the seed is private, treat it as a secret.",
                pair.public_key()
            );
            let mut json = Map::new();
            json.insert("kind".into(), json!(args.kind.name()));
            json.insert("public_key".into(), json!(pair.public_key()));
            json.insert("seed".into(), json!(seed));
            Ok(CommandOutput::new(text, json))
        }
        KeysCommand::Get(args) => {
            let store = KeyStore::new(paths.keys_dir(args.directory.as_deref()));
            let (kind, pair) = store
                .get(&args.name)
                .with_context(|| format!("failed to read key `{}`", args.name))?;
            let seed = wash_keys::seed_of(&pair)?;
            let mut json = Map::new();
            json.insert("seed".into(), json!(seed));
            json.insert("public_key".into(), json!(pair.public_key()));
            json.insert("kind".into(), json!(kind.name()));
            Ok(CommandOutput::new(seed, json))
        }
        KeysCommand::List(args) => {
            let store = KeyStore::new(paths.keys_dir(args.directory.as_deref()));
            let names = store.list()?;
            let mut text = format!("====== Keys found in {} ======\n", store.dir().display());
            for name in &names {
                text.push_str(name);
                text.push('\n');
            }
            let mut json = Map::new();
            json.insert("directory".into(), json!(store.dir()));
            json.insert("keys".into(), json!(names));
            Ok(CommandOutput::new(text, json))
        }
    }
}

/// Says on stderr which keys a signing job used and where each came from.
pub(crate) fn report_keys(printer: &Printer, keys: &SigningKeys) {
    report_key(printer, "Issuer", &keys.issuer);
    report_key(printer, "Subject", &keys.subject);
}

/// Says on stderr which key was used as `role` and where it came from.
pub(crate) fn report_key(printer: &Printer, role: &str, key: &ResolvedKey) {
    printer.status(role, format!("{} {}", key.public_key(), key.source));
}
