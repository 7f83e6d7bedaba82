//! `wasmcloud.toml`, the project file of wash 0.x: what a project is and how `wash build` treats it.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{ProjectError, ProjectKind};

/// The project file's name.
pub const MANIFEST_FILE: &str = "wasmcloud.toml";

/// A parsed `wasmcloud.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectManifest {
    /// The project name: names the build output (`build/<name>_s.wasm`, `build/<name>.par.gz`).
    pub name: String,
    /// The language: `rust`, or `go` (actors only: built for `wasip1`, see `go.rs`).
    pub language: String,
    /// Actor, provider or interface.
    pub kind: ProjectKind,
    /// The version put in claims (`0.1.0`).
    pub version: String,
    /// The revision put in claims.
    pub revision: i32,
    /// `[actor]`, present for actors.
    pub actor: ActorSection,
    /// `[provider]`, required for providers.
    pub provider: Option<ProviderSection>,
    /// `[interface]`.
    pub interface: InterfaceSection,
    /// `[rust]`: where cargo is and where it builds.
    pub rust: RustSection,
    /// `[dev]`: what `wash dev` starts beside the actor.
    pub dev: DevSection,
}

/// The `[actor]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ActorSection {
    /// Capability contract ids the actor may use (`wasmcloud:httpserver`, ...).
    #[serde(default)]
    pub claims: Vec<String>,
    /// Tags put in the claims.
    #[serde(default)]
    pub tags: Vec<String>,
    /// The call alias put in the claims.
    #[serde(default)]
    pub call_alias: Option<String>,
    /// The folder of the signing keys (relative to the project; default: the wash key store).
    #[serde(default)]
    pub key_directory: Option<PathBuf>,
    /// The target the actor compiles for (default `wasm32-unknown-unknown`).
    #[serde(default)]
    pub wasm_target: Option<String>,
    /// The signed module's path (default `build/<name>_s.wasm`).
    #[serde(default)]
    pub destination: Option<PathBuf>,
}

/// The `[provider]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ProviderSection {
    /// The capability contract id the provider serves.
    pub capability_id: String,
    /// The vendor put in the claims.
    pub vendor: String,
    /// The folder of the signing keys (relative to the project; default: the wash key store).
    #[serde(default)]
    pub key_directory: Option<PathBuf>,
    /// The cargo binary to pack, when the package has several.
    #[serde(default)]
    pub bin_name: Option<String>,
    /// The archive's path (default `build/<name>.par.gz`).
    #[serde(default)]
    pub destination: Option<PathBuf>,
}

/// The `[interface]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct InterfaceSection {
    /// The codegen configuration (default `codegen.toml`).
    #[serde(default)]
    pub codegen_config: Option<PathBuf>,
}

/// The `[rust]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RustSection {
    /// The cargo program (default: `$CARGO`, else `cargo`).
    #[serde(default)]
    pub cargo_path: Option<PathBuf>,
    /// The cargo target folder (default: cargo's own choice, e.g. `$CARGO_TARGET_DIR`).
    #[serde(default)]
    pub target_path: Option<PathBuf>,
}

/// The `[dev]` table: the providers `wash dev` starts (unless they already run) and links the actor to.
///
/// ```toml
/// [[dev.providers]]
/// reference = "../httpserver.par.gz"   # a file (relative to the project) or an OCI reference
/// contract = "wasmcloud:httpserver"
/// values = { PORT = "8080" }
/// ```
///
/// Other keys of `[dev]` (later wash versions put their own there) are ignored, so such a project
/// still builds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DevSection {
    /// The providers, each linked to the actor.
    #[serde(default)]
    pub providers: Vec<DevProvider>,
}

/// One provider of `[dev]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevProvider {
    /// A provider archive: a file (relative to the project folder) or an OCI reference.
    pub reference: String,
    /// The contract the actor is linked on (`wasmcloud:httpserver`).
    pub contract: String,
    /// The link name (default `default`).
    #[serde(default = "default_link_name")]
    pub link_name: String,
    /// The link's values.
    #[serde(default)]
    pub values: std::collections::BTreeMap<String, String>,
}

fn default_link_name() -> String {
    "default".to_owned()
}

#[derive(Deserialize)]
struct RawManifest {
    name: Option<String>,
    language: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    version: Option<String>,
    #[serde(default)]
    revision: i32,
    #[serde(default)]
    actor: ActorSection,
    #[serde(default)]
    provider: Option<ProviderSection>,
    #[serde(default)]
    interface: InterfaceSection,
    #[serde(default)]
    rust: RustSection,
    #[serde(default)]
    dev: DevSection,
}

impl ProjectManifest {
    /// Whether this is a Go project (`language = "go"`).
    pub fn is_go(&self) -> bool {
        self.language.eq_ignore_ascii_case("go")
    }

    /// Reads `<dir>/wasmcloud.toml`; a missing file names the path looked for.
    pub fn load(dir: &Path) -> Result<Self, ProjectError> {
        Self::load_file(&dir.join(MANIFEST_FILE))
    }

    /// Reads the project file `path` (any name: `wash build -p FILE`).
    pub fn load_file(path: &Path) -> Result<Self, ProjectError> {
        let path = path.to_path_buf();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ProjectError::ManifestNotFound { path })
            }
            Err(e) => return Err(ProjectError::io("read", path, e)),
        };
        Self::parse_with(&text, &path, &|name| std::env::var(name).ok())
    }

    /// Parses the text of a `wasmcloud.toml` (`path` names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Self, ProjectError> {
        Self::parse_with(text, path, &|_| None)
    }

    /// Parses the text of a `wasmcloud.toml`; as in wash 0.x, the variables `WASMCLOUD_NAME`,
    /// `WASMCLOUD_VERSION`, `WASMCLOUD_LANGUAGE` and `WASMCLOUD_TYPE` (looked up with `var`) replace
    /// the top-level fields of the same name.
    pub fn parse_with(
        text: &str,
        path: &Path,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ProjectError> {
        let bad = |message: String| ProjectError::Manifest {
            path: path.to_path_buf(),
            message,
        };
        let mut raw: RawManifest = basic_toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        for (variable, field) in [
            ("WASMCLOUD_NAME", &mut raw.name),
            ("WASMCLOUD_VERSION", &mut raw.version),
            ("WASMCLOUD_LANGUAGE", &mut raw.language),
            ("WASMCLOUD_TYPE", &mut raw.kind),
        ] {
            if let Some(value) = var(variable) {
                *field = Some(value);
            }
        }
        let name = raw
            .name
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| bad("missing `name`".to_owned()))?;
        if name.contains(['/', '\\']) || name == "." || name == ".." {
            return Err(bad(format!("`name` must not be a path: `{name}`")));
        }
        let kind_text = raw
            .kind
            .ok_or_else(|| bad("missing `type` (`actor`, `provider` or `interface`)".to_owned()))?;
        let kind = ProjectKind::parse(&kind_text).ok_or_else(|| {
            bad(format!(
                "unknown `type = \"{kind_text}\"` (expected `actor`, `provider` or `interface`)"
            ))
        })?;
        let language = raw.language.unwrap_or_else(|| "rust".to_owned());
        let go_actor = language.eq_ignore_ascii_case("go") && kind == ProjectKind::Actor;
        if !(language.eq_ignore_ascii_case("rust") || go_actor) {
            return Err(bad(format!(
                "`language = \"{language}\"` is not supported for a {kind}: wash builds Rust projects and Go actors"
            )));
        }
        if kind == ProjectKind::Provider && raw.provider.is_none() {
            return Err(bad(
                "a provider needs a `[provider]` table with `capability_id` and `vendor`"
                    .to_owned(),
            ));
        }
        Ok(ProjectManifest {
            name,
            language,
            kind,
            version: raw.version.unwrap_or_else(|| "0.1.0".to_owned()),
            revision: raw.revision,
            actor: raw.actor,
            provider: raw.provider,
            interface: raw.interface,
            rust: raw.rust,
            dev: raw.dev,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A wash 0.x actor project file parses with its claims, alias and key folder.
    #[test]
    fn parses_actor_manifest() {
        let manifest = ProjectManifest::parse(
            "name = \"hello\"\nlanguage = \"rust\"\ntype = \"actor\"\nversion = \"0.2.0\"\nrevision = 3\n\n\
             [actor]\nclaims = [\"wasmcloud:httpserver\"]\ncall_alias = \"hello\"\nkey_directory = \"./keys\"\n",
            Path::new("wasmcloud.toml"),
        )
        .expect("valid");
        assert_eq!(manifest.kind, ProjectKind::Actor);
        assert_eq!(manifest.version, "0.2.0");
        assert_eq!(manifest.revision, 3);
        assert_eq!(manifest.actor.claims, ["wasmcloud:httpserver"]);
        assert_eq!(manifest.actor.call_alias.as_deref(), Some("hello"));
    }

    /// `[dev]` lists providers with their contract, link name (default `default`) and values; an
    /// unknown key in a provider is an error rather than ignored, other `[dev]` keys are ignored.
    #[test]
    fn parses_the_dev_section() {
        let manifest = ProjectManifest::parse(
            "name = \"kv\"\ntype = \"actor\"\n\n[[dev.providers]]\nreference = \"../http.par.gz\"\n\
             contract = \"wasmcloud:httpserver\"\nvalues = { PORT = \"8080\" }\n\n[[dev.providers]]\n\
             reference = \"localhost:5000/kv:0.1.0\"\ncontract = \"wasmcloud:keyvalue\"\nlink_name = \"b\"\n",
            Path::new("wasmcloud.toml"),
        )
        .expect("valid");
        let providers = &manifest.dev.providers;
        assert_eq!(providers.len(), 2);
        assert_eq!(providers[0].link_name, "default");
        assert_eq!(providers[0].values["PORT"], "8080");
        assert_eq!(providers[1].link_name, "b");
        assert!(providers[1].values.is_empty());
        let err = ProjectManifest::parse(
            "name = \"kv\"\ntype = \"actor\"\n[[dev.providers]]\nreference = \"a\"\ncontract = \"c\"\nport = 1\n",
            Path::new("wasmcloud.toml"),
        )
        .expect_err("unknown key");
        assert!(err.to_string().contains("port"), "{err}");
        let other = ProjectManifest::parse(
            "name = \"kv\"\ntype = \"actor\"\n[dev]\nmanifests = []\n",
            Path::new("wasmcloud.toml"),
        )
        .expect("other [dev] keys are ignored");
        assert!(other.dev.providers.is_empty());
    }

    /// A provider without its `[provider]` table, or an unknown type, is refused with the reason.
    #[test]
    fn refuses_incomplete_manifests() {
        let err =
            ProjectManifest::parse("name = \"p\"\ntype = \"provider\"\n", Path::new("w.toml"))
                .expect_err("no [provider]");
        assert!(err.to_string().contains("[provider]"), "{err}");
        let err = ProjectManifest::parse("name = \"p\"\ntype = \"thing\"\n", Path::new("w.toml"))
            .expect_err("bad type");
        assert!(
            err.to_string().contains("unknown `type = \"thing\"`"),
            "{err}"
        );
        let err =
            ProjectManifest::parse("type = \"actor\"\n", Path::new("w.toml")).expect_err("no name");
        assert!(err.to_string().contains("missing `name`"), "{err}");
    }

    /// A folder without the file gives the path that was looked for.
    #[test]
    fn missing_manifest_names_the_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = ProjectManifest::load(dir.path()).expect_err("missing");
        assert!(err
            .to_string()
            .contains(&dir.path().join(MANIFEST_FILE).display().to_string()));
    }
}
