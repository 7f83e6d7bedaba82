//! `LinkDefinition`: binds an actor to a provider instance for one contract, with configuration values.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::msgpack::nil_as_empty;
use crate::rpc::hex_upper;
use crate::{msgpack, WireError};

/// A link definition, as JSON on the control plane / in the KV bucket and msgpack to providers.
///
/// Extra fields (such as the `id` OTP hosts add) are ignored on decode and never written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkDefinition {
    /// The actor's public key (`M…`).
    #[serde(default, deserialize_with = "nil_as_empty::deserialize")]
    pub actor_id: String,
    /// The provider's public key (`V…`).
    #[serde(default, deserialize_with = "nil_as_empty::deserialize")]
    pub provider_id: String,
    /// Link name of the provider instance.
    #[serde(default, deserialize_with = "nil_as_empty::deserialize")]
    pub link_name: String,
    /// Contract id, e.g. `wasmcloud:httpserver`.
    #[serde(default, deserialize_with = "nil_as_empty::deserialize")]
    pub contract_id: String,
    /// Configuration values for the provider (e.g. `PORT`, `URL`).
    pub values: BTreeMap<String, String>,
}

impl LinkDefinition {
    /// The KV bucket key of this link: `LINKDEF_<upper hex SHA-256(actor ‖ contract ‖ link name)>`.
    pub fn kv_key(&self) -> String {
        link_kv_key(&self.actor_id, &self.contract_id, &self.link_name)
    }

    /// Encodes the link as a msgpack map (what providers receive on `linkdefs.put`/`del`).
    pub fn to_msgpack(&self) -> Result<Vec<u8>, WireError> {
        msgpack::encode(self, "link definition")
    }

    /// Decodes a link from msgpack, map or array form.
    pub fn from_msgpack(bytes: &[u8]) -> Result<Self, WireError> {
        msgpack::decode(bytes, "link definition")
    }

    /// Encodes the link as JSON (field order actor_id, provider_id, link_name, contract_id, values).
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Decodes a link from JSON.
    pub fn from_json(bytes: &[u8]) -> Result<Self, WireError> {
        serde_json::from_slice(bytes).map_err(|source| WireError::Json {
            what: "link definition",
            source,
        })
    }

    /// Looks up a value by key, ignoring ASCII case (providers match `PORT` and `port` alike).
    pub fn value(&self, key: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// `LINKDEF_<upper hex SHA-256(actor_id ‖ contract_id ‖ link_name)>` (provider id not included).
pub fn link_kv_key(actor_id: &str, contract_id: &str, link_name: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(actor_id.as_bytes());
    hasher.update(contract_id.as_bytes());
    hasher.update(link_name.as_bytes());
    format!("LINKDEF_{}", hex_upper(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vectors_dir() -> String {
        format!("{}/../../tests/vectors/lattice", env!("CARGO_MANIFEST_DIR"))
    }

    /// KV keys and the JSON written by the 0.28 control client are reproduced exactly.
    #[test]
    fn kv_keys_and_json_match_client_vectors() {
        let text =
            std::fs::read_to_string(format!("{}/linkdef_keys.json", vectors_dir())).expect("read");
        let cases: Vec<serde_json::Value> = serde_json::from_str(&text).expect("json");
        for case in cases {
            let key = link_kv_key(
                case["actor_id"].as_str().expect("actor"),
                case["contract_id"].as_str().expect("contract"),
                case["link_name"].as_str().expect("link"),
            );
            assert_eq!(key, case["key"]);
            if let Some(written) = case["value_written_by_client"].as_str() {
                let link = LinkDefinition::from_json(written.as_bytes()).expect("decode");
                assert_eq!(link.kv_key(), key);
                assert_eq!(String::from_utf8(link.to_json()).expect("utf8"), written);
            }
        }
    }

    /// Map and array msgpack forms (wasmbus-rpc 0.15 vectors) decode to the same link, and ours
    /// encodes to the map form byte for byte.
    #[test]
    fn msgpack_forms_match_vectors() {
        let read = |name: &str| {
            let text = std::fs::read_to_string(format!("{}/{name}", vectors_dir())).expect("read");
            hex::decode(text.trim()).expect("hex")
        };
        let named = read("rpc_linkdefinition_named.msgpack.hex");
        let positional = read("rpc_linkdefinition_positional.msgpack.hex");
        let a = LinkDefinition::from_msgpack(&named).expect("named");
        let b = LinkDefinition::from_msgpack(&positional).expect("positional");
        assert_eq!(a, b);
        assert_eq!(a.to_msgpack().expect("encode"), named);
    }

    /// A link without `values` is rejected, as the Rust control client rejects it; an extra `id` is ignored.
    #[test]
    fn json_decode_rules() {
        assert!(LinkDefinition::from_json(
            br#"{"actor_id":"M","provider_id":"V","link_name":"default","contract_id":"c"}"#
        )
        .is_err());
        let link = LinkDefinition::from_json(
            br#"{"id":"x","actor_id":"M","provider_id":"V","link_name":"default","contract_id":"c","values":{"Port":"8080"}}"#,
        )
        .expect("decode with id");
        assert_eq!(link.value("PORT"), Some("8080"));
    }
}
