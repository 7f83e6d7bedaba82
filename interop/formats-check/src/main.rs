//! Oracle for wash's claims and provider archives (driven by tests in the main workspace): each
//! subcommand does one thing with the published `wascap` 0.11.2 / `provider-archive` 0.8.0 crates and
//! prints what they saw as one JSON object on stdout; the tests compare it with wash-claims / wash-par.
//!
//! - `formats-check wascap-read <module.wasm>`: extracts and validates the module's claims and prints
//!   `{"jwt", "claims_json" (wascap's serialisation), "signature_valid", "expired", "cannot_use_yet"}`.
//! - `formats-check wascap-sign <in.wasm> <out.wasm> <account.nk> <module.nk> <actor.json>`: signs the
//!   module as an actor (`actor.json`: `{"name", "caps", "tags", "rev", "ver"}`, no expiry) and prints
//!   `{"jwt", "claims_json"}`.
//! - `formats-check par-read <archive>`: loads a provider archive and prints `{"targets": {target:
//!   hex of the binary}, "claims": <its claims as wascap serialises them>}`.
//! - `formats-check par-write <out.par> <account.nk> <service.nk> <spec.json> <target>=<file>...`: writes
//!   a gzip-compressed archive (provider-archive appends `.gz`; `spec.json`: `{"capid", "name",
//!   "vendor", "rev", "ver"}`) and prints `{"path"}` of the file written.
//!
//! Failures print a message on stderr and exit 1; usage errors exit 2.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use wascap::prelude::KeyPair;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["wascap-read", module] => wascap_read(Path::new(module)),
        ["wascap-sign", input, output, account, module, actor] => {
            wascap_sign(input, output, account, module, actor)
        }
        ["par-read", archive] => par_read(Path::new(archive)).await,
        ["par-write", output, account, service, spec, targets @ ..] => {
            par_write(output, account, service, spec, targets).await
        }
        _ => {
            eprintln!(
                "usage: formats-check wascap-read <module.wasm>\n\
                 \x20      formats-check wascap-sign <in.wasm> <out.wasm> <account.nk> <module.nk> <actor.json>\n\
                 \x20      formats-check par-read <archive>\n\
                 \x20      formats-check par-write <out.par> <account.nk> <service.nk> <spec.json> <target>=<file>..."
            );
            std::process::exit(2);
        }
    };
    match result {
        Ok(value) => println!("{value}"),
        Err(error) => {
            eprintln!("formats-check: {error}");
            std::process::exit(1);
        }
    }
}

type Result<T> = std::result::Result<T, String>;

fn read(path: impl AsRef<Path>) -> Result<Vec<u8>> {
    let path = path.as_ref();
    std::fs::read(path).map_err(|e| format!("read `{}`: {e}", path.display()))
}

fn key(seed_file: &str) -> Result<KeyPair> {
    let seed = String::from_utf8(read(seed_file)?).map_err(|e| e.to_string())?;
    KeyPair::from_seed(seed.trim()).map_err(|e| format!("seed `{seed_file}`: {e}"))
}

fn json_file(path: &str) -> Result<Value> {
    serde_json::from_slice(&read(path)?).map_err(|e| format!("`{path}`: {e}"))
}

fn wascap_read(module: &Path) -> Result<Value> {
    let token = wascap::wasm::extract_claims(read(module)?)
        .map_err(|e| e.to_string())?
        .ok_or("wascap finds no claims in the module")?;
    let validation =
        wascap::jwt::validate_token::<wascap::jwt::Actor>(&token.jwt).map_err(|e| e.to_string())?;
    Ok(json!({
        "jwt": token.jwt,
        "claims_json": serde_json::to_string(&token.claims).map_err(|e| e.to_string())?,
        "signature_valid": validation.signature_valid,
        "expired": validation.expired,
        "cannot_use_yet": validation.cannot_use_yet,
    }))
}

fn wascap_sign(
    input: &str,
    output: &str,
    account: &str,
    module: &str,
    actor: &str,
) -> Result<Value> {
    let (account, module, actor) = (key(account)?, key(module)?, json_file(actor)?);
    let strings = |field: &str| {
        actor[field].as_array().map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        })
    };
    let claims = wascap::jwt::Claims::<wascap::jwt::Actor>::new(
        actor["name"].as_str().unwrap_or_default().to_owned(),
        account.public_key(),
        module.public_key(),
        strings("caps"),
        strings("tags"),
        false,
        actor["rev"].as_i64().map(|rev| rev as i32),
        actor["ver"].as_str().map(str::to_owned),
        None,
    );
    let signed =
        wascap::wasm::embed_claims(&read(input)?, &claims, &account).map_err(|e| e.to_string())?;
    std::fs::write(output, &signed).map_err(|e| format!("write `{output}`: {e}"))?;
    let token = wascap::wasm::extract_claims(&signed)
        .map_err(|e| e.to_string())?
        .ok_or("wascap finds no claims in the module it signed")?;
    Ok(json!({
        "jwt": token.jwt,
        "claims_json": serde_json::to_string(&token.claims).map_err(|e| e.to_string())?,
    }))
}

async fn par_read(archive: &Path) -> Result<Value> {
    let par = provider_archive::ProviderArchive::try_load(&read(archive)?)
        .await
        .map_err(|e| e.to_string())?;
    let mut targets = serde_json::Map::new();
    for target in par.targets() {
        let bytes = par.target_bytes(&target).unwrap_or_default();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        targets.insert(target, hex.into());
    }
    let claims = par.claims().ok_or("provider-archive finds no claims")?;
    Ok(json!({
        "targets": targets,
        "claims": serde_json::to_value(&claims).map_err(|e| e.to_string())?,
    }))
}

async fn par_write(
    output: &str,
    account: &str,
    service: &str,
    spec: &str,
    targets: &[&str],
) -> Result<Value> {
    let (account, service, spec) = (key(account)?, key(service)?, json_file(spec)?);
    let text = |field: &str| spec[field].as_str().unwrap_or_default();
    let mut par = provider_archive::ProviderArchive::new(
        text("capid"),
        text("name"),
        text("vendor"),
        spec["rev"].as_i64().map(|rev| rev as i32),
        spec["ver"].as_str().map(str::to_owned),
    );
    for target in targets {
        let (name, file) = target
            .split_once('=')
            .ok_or_else(|| format!("`{target}` is not <target>=<file>"))?;
        par.add_library(name, &read(file)?)
            .map_err(|e| e.to_string())?;
    }
    par.write(output, &account, &service, true)
        .await
        .map_err(|e| e.to_string())?;
    // provider-archive adds `.gz` to a compressed archive's name unless it has it already.
    let mut written = PathBuf::from(output).into_os_string();
    if !output.ends_with(".gz") {
        written.push(".gz");
    }
    Ok(json!({ "path": PathBuf::from(written) }))
}
