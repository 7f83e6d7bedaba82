//! `wash claims sign`: embed an actor's claims in a module, signed with the account key.

use std::path::{Path, PathBuf};
use wash_local::WashPaths;

use anyhow::bail;
use clap::Args;
use serde_json::{json, Map};
use wash_claims::{caps, Actor, ModuleSigning};
use wash_keys::KeyKind;

use super::SigningFlags;
use crate::commands::keys::report_keys;
use crate::output::{CommandOutput, Printer};

#[derive(Debug, Args)]
pub(super) struct SignArgs {
    /// The module to sign.
    module: PathBuf,
    #[command(flatten)]
    actor: ActorArgs,
    /// Where to write the signed module [default: `<stem>_s.wasm` next to the input].
    #[arg(short = 'd', long = "destination", value_name = "FILE")]
    destination: Option<PathBuf>,
    /// `-q` and `-v` are capability and version flags here, as in wash 0.x.
    #[command(flatten)]
    signing: SigningFlags,
}

/// The actor's claims as wash 0.x's flags give them (`claims sign` and `claims token actor`).
#[derive(Debug, Args)]
pub(super) struct ActorArgs {
    /// The actor's display name.
    #[arg(short = 'n', long)]
    pub name: String,
    /// Capability: key-value store (wasmcloud:keyvalue).
    #[arg(short = 'k', long = "keyvalue")]
    keyvalue: bool,
    /// Capability: messaging (wasmcloud:messaging).
    #[arg(short = 'g', long = "msg")]
    msg: bool,
    /// Capability: HTTP client (wasmcloud:httpclient).
    #[arg(long = "http_client", visible_alias = "http-client")]
    http_client: bool,
    /// Capability: HTTP server (wasmcloud:httpserver).
    #[arg(short = 'q', long = "http_server", visible_alias = "http-server")]
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
    /// Accepted for wash 0.x scripts, which had it; grants nothing (as in wash 0.x).
    #[arg(short = 'z', long = "extras", id = "extras", hide = true)]
    _extras: bool,
    /// Mark the module as a capability provider (at most one capability).
    #[arg(short = 'p', long = "prov")]
    prov: bool,
    /// A tag (repeatable).
    #[arg(short = 't', long = "tag")]
    tag: Vec<String>,
    /// Revision number.
    #[arg(short = 'r', long = "rev")]
    rev: Option<i32>,
    /// Version string, e.g. `0.1.0`.
    #[arg(short = 'v', long = "ver")]
    ver: Option<String>,
    /// Call alias: lowercase letters, digits, `_` and `/`.
    #[arg(short = 'a', long = "call-alias")]
    call_alias: Option<String>,
}

impl ActorArgs {
    /// The capability ids of the flags, in wash 0.x's order, then `--cap`s.
    fn capabilities(&self) -> Vec<String> {
        let flags = [
            (self.keyvalue, caps::KEY_VALUE),
            (self.msg, caps::MESSAGING),
            (self.http_client, caps::HTTP_CLIENT),
            (self.http_server, caps::HTTP_SERVER),
            (self.blob_store, caps::BLOB),
            (self.logging, caps::LOGGING),
            (self.events, caps::EVENTSTREAMS),
        ];
        let known = flags
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, id)| id.to_string());
        known.chain(self.cap.iter().cloned()).collect()
    }

    /// The actor metadata, after checking the provider mark and the call alias.
    pub fn into_actor(self) -> anyhow::Result<Actor> {
        let caps = self.capabilities();
        if self.prov && caps.len() > 1 {
            bail!("capability providers cannot provide multiple capabilities at once");
        }
        if let Some(alias) = &self.call_alias {
            wash_claims::validate_call_alias(alias)?;
        }
        Ok(Actor {
            name: Some(self.name),
            tags: Some(self.tag),
            caps: Some(caps),
            rev: self.rev,
            ver: self.ver,
            call_alias: self.call_alias,
            prov: self.prov,
            ..Actor::default()
        })
    }
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

pub(super) fn sign(
    args: SignArgs,
    paths: &WashPaths,
    printer: &Printer,
) -> anyhow::Result<CommandOutput> {
    let actor = args.actor.into_actor()?;
    let caps = actor.caps.clone().unwrap_or_default();
    let destination = args
        .destination
        .clone()
        .unwrap_or_else(|| default_destination(&args.module));
    let mut keys = args
        .signing
        .keys
        .signing_keys(paths, KeyKind::Module, &args.module)?;
    let job = ModuleSigning {
        module: args.module.clone(),
        destination: destination.clone(),
        actor,
        expires_in_days: args.signing.dates.expires_in_days,
        not_before_days: args.signing.dates.not_before_days,
    };
    printer.status("Signing", args.module.display());
    let token = wash_claims::sign_module_file(job, &mut keys)?;
    report_keys(printer, &keys);
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
