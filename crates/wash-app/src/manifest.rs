//! An application manifest file (OAM `Application`, YAML or JSON) as `wash app put|deploy` sends it.
//!
//! The file goes to wadm byte for byte (wadm reads YAML or JSON); it is parsed here only to refuse what
//! is not a manifest before asking wadm, and to know the application's name and version.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::AppError;

/// A manifest read from a file.
#[derive(Debug, Clone)]
pub struct Manifest {
    path: PathBuf,
    bytes: Vec<u8>,
    name: String,
    version: Option<String>,
}

#[derive(Deserialize)]
struct Head {
    metadata: Metadata,
}

#[derive(Deserialize)]
struct Metadata {
    name: String,
    #[serde(default)]
    annotations: std::collections::BTreeMap<String, String>,
}

impl Manifest {
    /// Reads and checks the manifest at `path`.
    pub fn read(path: &Path) -> Result<Self, AppError> {
        let bytes = std::fs::read(path).map_err(|e| AppError::ReadManifest {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        Self::from_bytes(path, bytes)
    }

    /// Checks `bytes` read from `path` (named in errors).
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Self, AppError> {
        let invalid = |reason: String| AppError::InvalidManifest {
            path: path.to_owned(),
            reason,
        };
        // JSON is YAML too: one parser reads both.
        let head: Head = serde_yaml_ng::from_slice(&bytes).map_err(|e| {
            invalid(format!(
                "{e} (expected an OAM Application with metadata.name)"
            ))
        })?;
        if head.metadata.name.trim().is_empty() {
            return Err(invalid("metadata.name is empty".into()));
        }
        Ok(Self {
            path: path.to_owned(),
            bytes,
            name: head.metadata.name,
            version: head.metadata.annotations.get("version").cloned(),
        })
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The application's name (`metadata.name`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its version (the `version` annotation), if set.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The file's bytes, as sent to wadm.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: kvcounter\n  annotations:\n    version: v0.1.0\nspec:\n  components: []\n";

    #[test]
    fn reads_name_and_version_from_yaml_and_json() {
        let yaml = Manifest::from_bytes(Path::new("a.yaml"), YAML.into()).unwrap();
        assert_eq!(yaml.name(), "kvcounter");
        assert_eq!(yaml.version(), Some("v0.1.0"));
        assert_eq!(yaml.bytes(), YAML.as_bytes(), "sent byte for byte");
        let json = br#"{"apiVersion":"core.oam.dev/v1beta1","kind":"Application","metadata":{"name":"j"},"spec":{"components":[]}}"#;
        let json = Manifest::from_bytes(Path::new("a.json"), json.to_vec()).unwrap();
        assert_eq!((json.name(), json.version()), ("j", None));
    }

    #[test]
    fn refuses_what_is_not_a_manifest() {
        for (bytes, says) in [
            ("just: [a, list", "a.yaml"),
            ("kind: Application\n", "metadata"),
            ("metadata:\n  name: ' '\n", "metadata.name is empty"),
        ] {
            let error = Manifest::from_bytes(Path::new("a.yaml"), bytes.into())
                .unwrap_err()
                .to_string();
            assert!(error.contains(says), "{error}");
        }
        let missing = Manifest::read(Path::new("/nonexistent/app.yaml")).unwrap_err();
        assert!(
            matches!(missing, AppError::ReadManifest { .. }),
            "{missing}"
        );
    }
}
