//! `wash keys`: generate nkeys, read and list the key store; plus the key lookup the signing commands share.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{json, Map};
use wash_keys::{KeyKind, KeyRequest, KeyStore, ResolvedKey};
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

/// Looks up a signing key (flag > env > store > new, see `wash keys --help`) without saving a new one
/// yet: call [`ResolvedKey::commit`] once the command's work succeeded, then [`report_key`].
pub(crate) fn find_key(store: &KeyStore, request: KeyRequest) -> anyhow::Result<ResolvedKey> {
    let what = request.flag.trim_start_matches('-').to_owned();
    wash_keys::resolve_unsaved(store, &request)
        .with_context(|| format!("failed to find the {what} key"))
}

/// Saves a newly generated key and says on stderr where the key came from.
pub(crate) fn report_key(
    printer: &Printer,
    store: &KeyStore,
    role: &str,
    key: &mut ResolvedKey,
) -> anyhow::Result<()> {
    key.commit(store)
        .with_context(|| format!("failed to save the new {} key", role.to_lowercase()))?;
    printer.status(role, format!("{} {}", key.public_key(), key.source));
    Ok(())
}
