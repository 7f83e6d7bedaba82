//! Image manifests as wash 0.x writes them: canonical JSON, no `mediaType`, `annotations` always present.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::artifact::{ArtifactKind, ACCEPTED_LAYER_MEDIA_TYPES};
use crate::OciError;

/// A content descriptor (`digest`, `mediaType`, `size`; optional fields are never written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Descriptor {
    /// `sha256:<hex>`.
    pub digest: String,
    /// The content's media type.
    #[serde(rename = "mediaType")]
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
}

/// An OCI image manifest with one config and its layers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Manifest-level annotations (wash always writes the map, possibly empty).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// The config blob.
    pub config: Descriptor,
    /// The layers, in order (wash pushes exactly one).
    pub layers: Vec<Descriptor>,
    /// Always 2.
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
}

impl Manifest {
    /// The manifest of a wash push: one layer of `kind`, its config and the annotations.
    pub fn for_artifact(
        kind: ArtifactKind,
        layer: (String, u64),
        config: (String, u64),
        annotations: BTreeMap<String, String>,
    ) -> Self {
        Self {
            annotations,
            config: Descriptor {
                digest: config.0,
                media_type: kind.config_media_type().into(),
                size: config.1,
            },
            layers: vec![Descriptor {
                digest: layer.0,
                media_type: kind.layer_media_type().into(),
                size: layer.1,
            }],
            schema_version: 2,
        }
    }

    /// The exact bytes wash 0.x (oci-distribution) PUTs: OLPC canonical JSON (sorted keys, no
    /// whitespace, no trailing newline), so identical artifacts get identical digests.
    pub fn to_canonical_bytes(&self) -> Vec<u8> {
        let mut body = Vec::new();
        let mut serializer = serde_json::Serializer::with_formatter(
            &mut body,
            olpc_cjson::CanonicalFormatter::new(),
        );
        // Strings, integers and maps only: serialising cannot fail.
        self.serialize(&mut serializer)
            .expect("a manifest always serialises");
        body
    }

    /// Parses a pulled manifest and checks what a pull needs: schema 2, at least one layer, and every
    /// layer of a media type wash pulls.
    pub fn parse_for_pull(bytes: &[u8], reference: &str) -> Result<Self, OciError> {
        let manifest: Self =
            serde_json::from_slice(bytes).map_err(|e| OciError::InvalidManifest {
                reference: reference.to_owned(),
                reason: e.to_string(),
            })?;
        if manifest.schema_version != 2 {
            return Err(OciError::InvalidManifest {
                reference: reference.to_owned(),
                reason: format!("schema version {} is not 2", manifest.schema_version),
            });
        }
        if manifest.layers.is_empty() {
            return Err(OciError::InvalidManifest {
                reference: reference.to_owned(),
                reason: "it has no layers".into(),
            });
        }
        for layer in &manifest.layers {
            if !ACCEPTED_LAYER_MEDIA_TYPES.contains(&layer.media_type.as_str()) {
                return Err(OciError::IncompatibleLayer {
                    reference: reference.to_owned(),
                    media_type: layer.media_type.clone(),
                });
            }
            crate::reference::normalize_digest(&layer.digest).map_err(|_| {
                OciError::InvalidManifest {
                    reference: reference.to_owned(),
                    reason: format!("layer digest `{}` is not sha256", layer.digest),
                }
            })?;
        }
        Ok(manifest)
    }
}

/// Parses `key=value` annotations (split at the first `=`), sorted by key.
pub fn parse_annotations(pairs: &[String]) -> Result<BTreeMap<String, String>, OciError> {
    pairs
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| OciError::InvalidAnnotation(pair.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::artifact::sha256_digest;

    fn vector(name: &str) -> Vec<u8> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/vectors/wash")
            .join(name);
        std::fs::read(path).unwrap()
    }

    /// Our manifests for wash 0.18.1's actor and provider are byte-identical to what it pushed.
    #[test]
    fn canonical_bytes_match_wash_vectors() {
        let config = (sha256_digest(b"{}"), 2);
        let actor = vector("tiny_s.wasm");
        let ours = Manifest::for_artifact(
            ArtifactKind::Actor,
            (sha256_digest(&actor), actor.len() as u64),
            config.clone(),
            BTreeMap::new(),
        );
        assert_eq!(
            ours.to_canonical_bytes(),
            vector("tiny_s.oci-manifest.json")
        );
        let par = vector("tinyprov.par.gz");
        let ours = Manifest::for_artifact(
            ArtifactKind::Provider,
            (sha256_digest(&par), par.len() as u64),
            config,
            BTreeMap::new(),
        );
        assert_eq!(
            ours.to_canonical_bytes(),
            vector("tinyprov.oci-manifest.json")
        );
        assert_eq!(
            sha256_digest(&vector("tinyprov.oci-manifest.json")),
            "sha256:922007c7542e9c9440a1c7a10b5b1796794b44f4c4bb52081a5c4de76de7fe3e"
        );
    }

    /// A layer of another media type is refused naming that type; an empty layer list too.
    #[test]
    fn refuses_foreign_layers() {
        let text = String::from_utf8(vector("tiny_s.oci-manifest.json")).unwrap();
        let foreign = text.replace(
            crate::ACTOR_LAYER_MEDIA_TYPE,
            "application/vnd.wasm.content.layer.v1+wasm",
        );
        let err = Manifest::parse_for_pull(foreign.as_bytes(), "r").unwrap_err();
        assert!(
            err.to_string()
                .contains("`application/vnd.wasm.content.layer.v1+wasm`"),
            "{err}"
        );
        let parsed = Manifest::parse_for_pull(text.as_bytes(), "r").unwrap();
        assert_eq!(parsed.layers[0].size, 690);
    }

    /// Annotations split at the first `=` and are sorted; a pair without `=` is an error.
    #[test]
    fn annotations() {
        let map = parse_annotations(&["b=c=d".into(), "a=".into()]).unwrap();
        assert_eq!(
            serde_json::to_string(&map).unwrap(),
            r#"{"a":"","b":"c=d"}"#
        );
        assert!(parse_annotations(&["nope".into()]).is_err());
    }
}
