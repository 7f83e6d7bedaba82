//! `wash build`: compile a project with cargo as its `wasmcloud.toml` says, then sign an actor into
//! `build/<name>_s.wasm` or pack a provider into `build/<name>.par.gz`.
//!
//! cargo's progress and diagnostics stream to stderr as they come; its JSON messages (stdout) tell
//! which artifact it built. `build/` is written only after cargo succeeded, each file atomically.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use wash_claims::{Actor, ModuleSigning};
use wash_keys::{
    default_account_key_name, subject_key_name, KeyKind, KeyRequest, KeyStore, ResolvedKey,
    SigningKeys,
};
use wash_par::{ArchivePacking, ProviderSpec};

use crate::{ProjectError, ProjectKind, ProjectManifest};

/// The target actors compile for unless `[actor] wasm_target` says otherwise.
const DEFAULT_WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Generates Rust bindings from a `codegen.toml` (`wash gen`); the CLI supplies it when available.
pub trait Codegen {
    /// Runs the generator for `config` and returns the files it wrote, or a message saying why not.
    fn generate(&self, config: &Path) -> Result<Vec<PathBuf>, String>;
}

/// What `wash build` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The project folder (holding `wasmcloud.toml`).
    pub project_dir: PathBuf,
    /// Compile only: no signing, no archive.
    pub no_sign: bool,
    /// Skip compiling: sign (or pack) the artifact of an earlier build.
    pub sign_only: bool,
    /// The key store used unless `wasmcloud.toml` names a `key_directory` (wash passes
    /// `~/.wash/keys`, or `WASH_KEYS`).
    pub key_dir: PathBuf,
    /// The project file when it is not `<project_dir>/wasmcloud.toml` (`wash build -p FILE`).
    pub manifest_file: Option<PathBuf>,
    /// How the signing keys are chosen (`--issuer`, `--subject`, `--keys-directory`, `--disable-keygen`).
    pub keys: BuildKeys,
}

/// The signing keys the user named for a build; unset fields fall back to the variables
/// (`WASH_ISSUER_KEY`, `WASH_SUBJECT_KEY`), the project's `key_directory` and the key store.
#[derive(Debug, Clone, Default)]
pub struct BuildKeys {
    /// The issuer (account) key: a seed or a seed file.
    pub issuer: Option<String>,
    /// The subject (module or service) key: a seed or a seed file.
    pub subject: Option<String>,
    /// A key store that wins over `key_directory` in `wasmcloud.toml` and over `key_dir`.
    pub directory: Option<PathBuf>,
    /// Fail instead of generating a key that is not found.
    pub disable_keygen: bool,
}

/// A step of the build, reported as it starts (the CLI turns these into status lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildStep {
    /// cargo is running this command line.
    Compiling(String),
    /// Bindings are generated from this `codegen.toml`.
    Generating(PathBuf),
    /// No generator is available: the bindings already in the project are compiled as they are.
    CodegenSkipped(PathBuf),
    /// This module is being signed.
    Signing(PathBuf),
    /// This executable is being packed into a provider archive.
    Packing(PathBuf),
    /// A line a build script printed on cargo's stdout (not one of cargo's JSON messages).
    Output(String),
    /// A signing key was used: its role, public key and where it came from.
    Key {
        /// `Issuer` or `Subject`.
        role: &'static str,
        /// The public key.
        public_key: String,
        /// Where it came from (`from ~/.wash/keys/x.nk`, `newly generated ...`).
        source: String,
    },
}

/// What a build produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOutcome {
    /// The project name.
    pub name: String,
    /// The project kind.
    pub kind: ProjectKind,
    /// What cargo built (the `.wasm` or the executable); `None` for an interface.
    pub compiled: Option<PathBuf>,
    /// The signed module or provider archive; `None` under `--no-sign` and for interfaces.
    pub artifact: Option<PathBuf>,
    /// The public key of the signed module (`M...`) or provider (`V...`).
    pub subject: Option<String>,
    /// The actor's capabilities, or the provider's contract id.
    pub capabilities: Vec<String>,
    /// The provider archive's target (`x86_64-linux`).
    pub target: Option<String>,
}

/// Builds the project in `options.project_dir`, reporting each step to `on_step`.
pub fn build_project(
    options: &BuildOptions,
    codegen: Option<&dyn Codegen>,
    on_step: &mut dyn FnMut(BuildStep),
) -> Result<BuildOutcome, ProjectError> {
    let dir = &options.project_dir;
    let manifest = match &options.manifest_file {
        Some(file) => ProjectManifest::load_file(file)?,
        None => ProjectManifest::load(dir)?,
    };
    let mut outcome = BuildOutcome {
        name: manifest.name.clone(),
        kind: manifest.kind,
        compiled: None,
        artifact: None,
        subject: None,
        capabilities: Vec::new(),
        target: None,
    };
    match manifest.kind {
        ProjectKind::Interface => {
            let config = dir.join(
                manifest
                    .interface
                    .codegen_config
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("codegen.toml")),
            );
            if !options.sign_only {
                generate_bindings(&config, codegen, on_step)?;
                cargo_build(dir, &manifest, None, on_step)?;
            }
        }
        ProjectKind::Actor => {
            let target = manifest
                .actor
                .wasm_target
                .clone()
                .unwrap_or_else(|| DEFAULT_WASM_TARGET.to_owned());
            let wasm = if manifest.is_go() {
                if options.sign_only {
                    crate::go::existing_module(dir, &manifest)?
                } else {
                    crate::go::go_build(dir, &manifest, on_step)?
                }
            } else if options.sign_only {
                existing_artifact(dir, &manifest, Some(&target))?
            } else {
                let artifacts = cargo_build(dir, &manifest, Some(&target), on_step)?;
                pick_artifact(&artifacts, &manifest, "cdylib")?
            };
            outcome.capabilities = manifest.actor.claims.clone();
            outcome.compiled = Some(wasm.clone());
            if !options.no_sign {
                let (destination, subject) = sign_actor(dir, options, &manifest, &wasm, on_step)?;
                outcome.artifact = Some(destination);
                outcome.subject = Some(subject);
            }
        }
        ProjectKind::Provider => {
            let binary = if options.sign_only {
                existing_artifact(dir, &manifest, None)?
            } else {
                let artifacts = cargo_build(dir, &manifest, None, on_step)?;
                pick_artifact(&artifacts, &manifest, "bin")?
            };
            outcome.compiled = Some(binary.clone());
            if let Some(provider) = &manifest.provider {
                outcome.capabilities = vec![provider.capability_id.clone()];
            }
            if !options.no_sign {
                let (destination, subject) =
                    pack_provider(dir, options, &manifest, &binary, on_step)?;
                outcome.artifact = Some(destination);
                outcome.subject = Some(subject);
                outcome.target = Some(wash_par::current_target());
            }
        }
    }
    Ok(outcome)
}

fn generate_bindings(
    config: &Path,
    codegen: Option<&dyn Codegen>,
    on_step: &mut dyn FnMut(BuildStep),
) -> Result<(), ProjectError> {
    if !config.is_file() {
        return Ok(());
    }
    match codegen {
        Some(codegen) => {
            on_step(BuildStep::Generating(config.to_path_buf()));
            codegen
                .generate(config)
                .map(|_| ())
                .map_err(|message| ProjectError::Codegen {
                    config: config.to_path_buf(),
                    message,
                })
        }
        None => {
            on_step(BuildStep::CodegenSkipped(config.to_path_buf()));
            Ok(())
        }
    }
}

/// One artifact cargo reported: the target's kinds and the files it wrote.
#[derive(Debug, Clone)]
struct Artifact {
    kinds: Vec<String>,
    name: String,
    filenames: Vec<PathBuf>,
    executable: Option<PathBuf>,
    manifest_path: PathBuf,
}

fn cargo_program(manifest: &ProjectManifest) -> PathBuf {
    manifest
        .rust
        .cargo_path
        .clone()
        .or_else(|| std::env::var_os("CARGO").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("cargo"))
}

/// Runs `cargo build --release` (for `target` when given) in `dir`, streaming its stderr, and returns
/// the artifacts it reported.
fn cargo_build(
    dir: &Path,
    manifest: &ProjectManifest,
    target: Option<&str>,
    on_step: &mut dyn FnMut(BuildStep),
) -> Result<Vec<Artifact>, ProjectError> {
    let cargo = cargo_program(manifest);
    let mut args = vec!["build".to_owned(), "--release".to_owned()];
    if let Some(target) = target {
        args.extend(["--target".to_owned(), target.to_owned()]);
    }
    if let Some(target_dir) = &manifest.rust.target_path {
        args.extend([
            "--target-dir".to_owned(),
            dir.join(target_dir).display().to_string(),
        ]);
    }
    let shown = format!("cargo {}", args.join(" "));
    on_step(BuildStep::Compiling(shown.clone()));
    args.push("--message-format=json-render-diagnostics".to_owned());
    let mut child = Command::new(&cargo)
        .args(&args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|source| ProjectError::Spawn {
            program: cargo.display().to_string(),
            source,
        })?;
    let mut artifacts = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            match serde_json::from_str::<Value>(&line) {
                Ok(message) => {
                    if let Some(artifact) = parse_artifact(&message) {
                        artifacts.push(artifact);
                    }
                }
                // Not cargo's JSON (a build script printing to stdout): pass it on as output.
                Err(_) => on_step(BuildStep::Output(line)),
            }
        }
    }
    let status = child.wait().map_err(|source| ProjectError::Spawn {
        program: cargo.display().to_string(),
        source,
    })?;
    if !status.success() {
        return Err(ProjectError::CargoFailed {
            command: shown,
            status: status.to_string(),
        });
    }
    let own_manifest = dir.join("Cargo.toml");
    let own_manifest = own_manifest.canonicalize().unwrap_or(own_manifest);
    Ok(artifacts
        .into_iter()
        .filter(|a| {
            a.manifest_path
                .canonicalize()
                .unwrap_or_else(|_| a.manifest_path.clone())
                == own_manifest
        })
        .collect())
}

fn parse_artifact(message: &Value) -> Option<Artifact> {
    if message.get("reason")?.as_str()? != "compiler-artifact" {
        return None;
    }
    let target = message.get("target")?;
    let strings = |value: Option<&Value>| -> Vec<String> {
        value
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    Some(Artifact {
        kinds: strings(target.get("kind")),
        name: target.get("name")?.as_str()?.to_owned(),
        filenames: strings(message.get("filenames"))
            .into_iter()
            .map(PathBuf::from)
            .collect(),
        executable: message
            .get("executable")
            .and_then(Value::as_str)
            .map(PathBuf::from),
        manifest_path: PathBuf::from(message.get("manifest_path")?.as_str()?),
    })
}

/// The `.wasm` of the cdylib, or the executable of the (named) binary, among cargo's artifacts.
fn pick_artifact(
    artifacts: &[Artifact],
    manifest: &ProjectManifest,
    kind: &str,
) -> Result<PathBuf, ProjectError> {
    let bin_name = manifest
        .provider
        .as_ref()
        .and_then(|p| p.bin_name.as_deref());
    let found = artifacts
        .iter()
        .filter(|a| a.kinds.iter().any(|k| k == kind))
        .filter(|a| kind != "bin" || bin_name.is_none_or(|n| a.name == n))
        .find_map(|a| {
            if kind == "bin" {
                a.executable.clone()
            } else {
                a.filenames
                    .iter()
                    .find(|f| f.extension().is_some_and(|e| e == "wasm"))
                    .cloned()
            }
        });
    found.ok_or_else(|| not_found(manifest, kind))
}

fn not_found(manifest: &ProjectManifest, kind: &str) -> ProjectError {
    if kind == "bin" {
        ProjectError::ArtifactNotFound {
            what: "executable",
            package: manifest.name.clone(),
            help: "a provider is a binary crate (`src/main.rs`); with several binaries, name one in `[provider] bin_name`".to_owned(),
        }
    } else {
        ProjectError::ArtifactNotFound {
            what: "cdylib (.wasm)",
            package: manifest.name.clone(),
            help: "an actor needs `crate-type = [\"cdylib\"]` under `[lib]` in Cargo.toml"
                .to_owned(),
        }
    }
}

/// For `--sign-only`: where the last release build left the artifact (asks `cargo metadata`).
fn existing_artifact(
    dir: &Path,
    manifest: &ProjectManifest,
    wasm_target: Option<&str>,
) -> Result<PathBuf, ProjectError> {
    let cargo = cargo_program(manifest);
    let output = Command::new(&cargo)
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| ProjectError::Spawn {
            program: cargo.display().to_string(),
            source,
        })?;
    let kind = if wasm_target.is_some() {
        "cdylib"
    } else {
        "bin"
    };
    if !output.status.success() {
        return Err(ProjectError::CargoFailed {
            command: "cargo metadata --no-deps --format-version 1".to_owned(),
            status: output.status.to_string(),
        });
    }
    let metadata: Value =
        serde_json::from_slice(&output.stdout).map_err(|e| ProjectError::Manifest {
            path: dir.join("Cargo.toml"),
            message: format!("`cargo metadata` printed no JSON: {e}"),
        })?;
    let target_dir = match &manifest.rust.target_path {
        Some(path) => dir.join(path),
        None => PathBuf::from(metadata["target_directory"].as_str().unwrap_or("target")),
    };
    let own_manifest = dir.join("Cargo.toml").canonicalize().ok();
    let bin_name = manifest
        .provider
        .as_ref()
        .and_then(|p| p.bin_name.as_deref());
    let targets = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| {
            let path = p["manifest_path"]
                .as_str()
                .map(|m| Path::new(m).canonicalize().ok());
            own_manifest.is_none() || path.flatten() == own_manifest
        })
        .flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default());
    let name = targets
        .filter(|t| {
            t["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == kind))
        })
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .find(|n| kind != "bin" || bin_name.is_none_or(|b| b == n))
        .ok_or_else(|| not_found(manifest, kind))?;
    let path = match wasm_target {
        Some(target) => target_dir
            .join(target)
            .join("release")
            .join(format!("{}.wasm", name.replace('-', "_"))),
        None => target_dir
            .join("release")
            .join(format!("{name}{}", std::env::consts::EXE_SUFFIX)),
    };
    if !path.is_file() {
        return Err(ProjectError::ArtifactNotFound {
            what: if kind == "bin" {
                "executable"
            } else {
                "cdylib (.wasm)"
            },
            package: manifest.name.clone(),
            help: format!(
                "`{}` does not exist: run `wash build` without `--sign-only` first",
                path.display()
            ),
        });
    }
    Ok(path)
}

/// The keys of a build's signing job: the account key and the artifact's subject key, as the user
/// named them, else from the store `--keys-directory` names, else the project's `key_directory`
/// (relative to the project), else `options.key_dir`.
fn signing_keys(
    dir: &Path,
    options: &BuildOptions,
    key_directory: Option<&PathBuf>,
    subject_kind: KeyKind,
    artifact: &str,
) -> Result<SigningKeys, ProjectError> {
    let keys = &options.keys;
    let store_dir = match (&keys.directory, key_directory) {
        (Some(flag), _) => flag.clone(),
        (None, Some(project)) => dir.join(project),
        (None, None) => options.key_dir.clone(),
    };
    let store = KeyStore::new(store_dir);
    let keygen = !keys.disable_keygen;
    let issuer = KeyRequest::issuer(
        KeyKind::Account,
        keys.issuer.clone(),
        default_account_key_name(),
    )
    .keygen(keygen);
    let subject_name = subject_key_name(Path::new(artifact), subject_kind);
    let subject =
        KeyRequest::subject(subject_kind, keys.subject.clone(), subject_name).keygen(keygen);
    Ok(SigningKeys::resolve(store, &issuer, &subject)?)
}

fn report(on_step: &mut dyn FnMut(BuildStep), keys: &SigningKeys) {
    let mut one = |role, key: &ResolvedKey| {
        on_step(BuildStep::Key {
            role,
            public_key: key.public_key(),
            source: key.source.to_string(),
        })
    };
    one("Issuer", &keys.issuer);
    one("Subject", &keys.subject);
}

/// Creates the folder `destination` goes in (`build/`; compilation already succeeded).
fn create_folder_of(destination: &Path) -> Result<(), ProjectError> {
    match destination.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(folder) => {
            std::fs::create_dir_all(folder).map_err(|e| ProjectError::io("create", folder, e))
        }
        None => Ok(()),
    }
}

fn sign_actor(
    dir: &Path,
    options: &BuildOptions,
    manifest: &ProjectManifest,
    wasm: &Path,
    on_step: &mut dyn FnMut(BuildStep),
) -> Result<(PathBuf, String), ProjectError> {
    if let Some(alias) = &manifest.actor.call_alias {
        wash_claims::validate_call_alias(alias).map_err(|e| ProjectError::Manifest {
            path: dir.join(crate::MANIFEST_FILE),
            message: format!("`[actor] call_alias`: {e}"),
        })?;
    }
    let destination = dir.join(
        manifest
            .actor
            .destination
            .clone()
            .unwrap_or_else(|| Path::new("build").join(format!("{}_s.wasm", manifest.name))),
    );
    let mut keys = signing_keys(
        dir,
        options,
        manifest.actor.key_directory.as_ref(),
        KeyKind::Module,
        &format!("{}.wasm", manifest.name),
    )?;
    let actor = Actor {
        name: Some(manifest.name.clone()),
        tags: Some(manifest.actor.tags.clone()),
        caps: Some(manifest.actor.claims.clone()),
        rev: Some(manifest.revision),
        ver: Some(manifest.version.clone()),
        call_alias: manifest.actor.call_alias.clone(),
        ..Actor::default()
    };
    on_step(BuildStep::Signing(wasm.to_path_buf()));
    create_folder_of(&destination)?;
    let job = ModuleSigning {
        module: wasm.to_path_buf(),
        destination: destination.clone(),
        actor,
        ..ModuleSigning::default()
    };
    wash_claims::sign_module_file(job, &mut keys)?;
    report(on_step, &keys);
    Ok((destination, keys.subject.public_key()))
}

fn pack_provider(
    dir: &Path,
    options: &BuildOptions,
    manifest: &ProjectManifest,
    binary: &Path,
    on_step: &mut dyn FnMut(BuildStep),
) -> Result<(PathBuf, String), ProjectError> {
    let provider = manifest.provider.clone().unwrap_or_default();
    let destination = dir.join(
        provider
            .destination
            .clone()
            .unwrap_or_else(|| Path::new("build").join(format!("{}.par.gz", manifest.name))),
    );
    let mut keys = signing_keys(
        dir,
        options,
        provider.key_directory.as_ref(),
        KeyKind::Service,
        &format!("{}.bin", manifest.name),
    )?;
    let spec = ProviderSpec {
        name: Some(manifest.name.clone()),
        capid: provider.capability_id.clone(),
        vendor: provider.vendor.clone(),
        rev: Some(manifest.revision),
        ver: Some(manifest.version.clone()),
        config_schema: None,
    };
    on_step(BuildStep::Packing(binary.to_path_buf()));
    create_folder_of(&destination)?;
    let job = ArchivePacking {
        destination: destination.clone(),
        spec,
        target: wash_par::current_target(),
        binary: binary.to_path_buf(),
        compress: true,
    };
    wash_par::create_file(job, &mut keys)?;
    report(on_step, &keys);
    Ok((destination, keys.subject.public_key()))
}
