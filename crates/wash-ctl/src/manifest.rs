//! Host manifests (`wash ctl apply`): the actors, capability providers and links one host should run,
//! in wash 0.18.1's format — YAML (`.yaml`, `.yml`, or no extension) or JSON — with optional
//! `${VAR}` / `${VAR:default}` substitution from the environment:
//!
//! ```yaml
//! actors:
//!   - ./kvcounter_s.wasm
//! capabilities:
//!   - image_ref: ./httpserver.par.gz
//!     link_name: default
//! links:
//!   - actor: ${KVCOUNTER:MBCFOPM6JW2APJLXJD3Z5O4CN7CPYJ2B4FTKLJUR5YR5MITIU7HD3WD5}
//!     provider_id: VAG3QITQQ2ODAOWB5TTQSDJ53XK3SHBEIFNK4AYJ5RKAX2UNSCAPHA5M
//!     contract_id: wasmcloud:httpserver
//!     values:
//!       PORT: 8080
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use wash_wire::LinkDefinition;

/// A manifest could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("cannot read the manifest `{path}`: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The text is not a manifest.
    #[error("`{path}` is not a host manifest: {reason}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message (with line and column).
        reason: String,
    },
    /// A link value is not a string, number or boolean.
    #[error("`{path}`: the link value `{key}` must be a string, number or boolean")]
    Value {
        /// The file.
        path: String,
        /// The value's key.
        key: String,
    },
}

/// What one host should run.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct HostManifest {
    /// Actor references (files or OCI references), one instance each.
    #[serde(default)]
    pub actors: Vec<String>,
    /// Capability providers to start.
    #[serde(default)]
    pub capabilities: Vec<Capability>,
    /// Link definitions to put.
    #[serde(default)]
    pub links: Vec<LinkEntry>,
}

/// A capability provider of a manifest.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Capability {
    /// A provider archive file or OCI reference.
    pub image_ref: String,
    /// Link name of the instance [default: `default`].
    #[serde(default)]
    pub link_name: Option<String>,
}

/// A link of a manifest; values may be written as numbers or booleans (`PORT: 8080`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LinkEntry {
    /// The actor's public key.
    pub actor: String,
    /// The contract id.
    pub contract_id: String,
    /// The provider's public key.
    pub provider_id: String,
    /// Link name [default: `default`].
    #[serde(default)]
    pub link_name: Option<String>,
    /// The link's values.
    #[serde(default)]
    pub values: Option<BTreeMap<String, Value>>,
}

impl HostManifest {
    /// Reads a manifest file; with `expand_env`, `${VAR}` and `${VAR:default}` are replaced first
    /// (a variable that is unset and has no default is left as written).
    pub fn from_path(path: &Path, expand_env: bool) -> Result<Self, ManifestError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: shown.clone(),
            source,
        })?;
        let text = if expand_env {
            expand(&text, |name| std::env::var(name).ok())
        } else {
            text
        };
        let yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_none_or(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        let parsed = if yaml {
            serde_yaml_ng::from_str::<Self>(&text).map_err(|e| e.to_string())
        } else {
            serde_json::from_str::<Self>(&text).map_err(|e| e.to_string())
        };
        let manifest = parsed.map_err(|reason| ManifestError::Parse {
            path: shown.clone(),
            reason,
        })?;
        // Every link value must turn into a string.
        manifest
            .link_definitions()
            .map_err(|key| ManifestError::Value { path: shown, key })?;
        Ok(manifest)
    }

    /// The links as link definitions; `Err` names a value that is not a scalar.
    pub fn link_definitions(&self) -> Result<Vec<LinkDefinition>, String> {
        self.links
            .iter()
            .map(|link| {
                let mut values = BTreeMap::new();
                for (key, value) in link.values.iter().flatten() {
                    let text = match value {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => return Err(key.clone()),
                    };
                    values.insert(key.clone(), text);
                }
                Ok(LinkDefinition {
                    actor_id: link.actor.clone(),
                    provider_id: link.provider_id.clone(),
                    link_name: link.link_name.clone().unwrap_or_else(|| "default".into()),
                    contract_id: link.contract_id.clone(),
                    values,
                })
            })
            .collect()
    }
}

/// Replaces `${NAME}` and `${NAME:default}` with `lookup(NAME)`, else the default; an unset variable
/// without a default stays as written.
fn expand(text: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = &after[..end];
        let (name, default) = match inner.split_once(':') {
            Some((name, default)) => (name, Some(default)),
            None => (inner, None),
        };
        match lookup(name).or_else(|| default.map(str::to_owned)) {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[start..start + 2 + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Variables, defaults, and unset variables left alone.
    #[test]
    fn environment_substitution() {
        let lookup = |name: &str| (name == "SET").then(|| "value".to_owned());
        assert_eq!(expand("a ${SET} b", lookup), "a value b");
        assert_eq!(expand("${UNSET:fallback}", lookup), "fallback");
        assert_eq!(expand("${SET:fallback}", lookup), "value");
        assert_eq!(expand("keep ${UNSET} as is", lookup), "keep ${UNSET} as is");
        assert_eq!(expand("open ${SET", lookup), "open ${SET");
    }

    /// 0.18.1's documented manifest parses from YAML and JSON; `PORT: 8080` becomes `"8080"`.
    #[test]
    fn yaml_and_json_manifests() {
        let dir = tempfile::tempdir().expect("temp dir");
        let yaml = dir.path().join("host.yaml");
        std::fs::write(
            &yaml,
            "actors:\n  - wasmcloud.azurecr.io/echo:0.2.0\ncapabilities:\n  - image_ref: \
             wasmcloud.azurecr.io/httpserver:0.11.1\n    link_name: default\nlinks:\n  - actor: \
             ${ECHO_ACTOR:MBCFOPM6JW2APJLXJD3Z5O4CN7CPYJ2B4FTKLJUR5YR5MITIU7HD3WD5}\n    provider_id: \
             \"VAG3QITQQ2ODAOWB5TTQSDJ53XK3SHBEIFNK4AYJ5RKAX2UNSCAPHA5M\"\n    contract_id: \
             \"wasmcloud:httpserver\"\n    link_name: default\n    values:\n      PORT: 8080\n",
        )
        .expect("write");
        let manifest = HostManifest::from_path(&yaml, true).expect("yaml manifest");
        assert_eq!(manifest.actors, ["wasmcloud.azurecr.io/echo:0.2.0"]);
        assert_eq!(
            manifest.capabilities[0].link_name.as_deref(),
            Some("default")
        );
        let links = manifest.link_definitions().expect("links");
        assert_eq!(
            links[0].actor_id,
            "MBCFOPM6JW2APJLXJD3Z5O4CN7CPYJ2B4FTKLJUR5YR5MITIU7HD3WD5"
        );
        assert_eq!(links[0].values["PORT"], "8080");
        let json = dir.path().join("host.json");
        std::fs::write(&json, r#"{"actors": ["./a.wasm"]}"#).expect("write");
        assert_eq!(
            HostManifest::from_path(&json, false).expect("json").actors,
            ["./a.wasm"]
        );
        std::fs::write(&json, "actors: [").expect("write");
        assert!(matches!(
            HostManifest::from_path(&json, false),
            Err(ManifestError::Parse { .. })
        ));
    }
}
