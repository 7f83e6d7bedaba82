//! The `wascap` metadata of each token kind, in wascap's JSON key order, and their accessors.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Claims, ClaimsError};

/// Metadata of an actor (a signed WebAssembly module).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Actor {
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Upper-case hex SHA-256 of the module without its JWT sections.
    pub hash: String,
    /// Free-form tags, in command-line order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Capability contract ids the actor may use (`wasmcloud:keyvalue`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caps: Option<Vec<String>>,
    /// Revision number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rev: Option<i32>,
    /// Version string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ver: Option<String>,
    /// A short alias other actors may call this one by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_alias: Option<String>,
    /// Whether this module is a capability provider.
    #[serde(default)]
    pub prov: bool,
}

/// Metadata of a capability provider (the `claims.jwt` of a provider archive).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CapabilityProvider {
    /// Display name (always serialised, `null` when unset).
    #[serde(default)]
    pub name: Option<String>,
    /// The capability contract id, e.g. `wasmcloud:httpserver`.
    #[serde(default)]
    pub capid: String,
    /// Vendor name.
    #[serde(default)]
    pub vendor: String,
    /// Revision number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rev: Option<i32>,
    /// Version string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ver: Option<String>,
    /// Target (`x86_64-linux`) → upper-case hex SHA-256 of that target's binary.
    #[serde(default)]
    pub target_hashes: BTreeMap<String, String>,
    /// An optional JSON schema of the provider's link configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_schema: Option<serde_json::Value>,
}

/// Metadata of an account token (signed by an operator).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Account {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Other keys allowed to sign on this account's behalf.
    #[serde(default)]
    pub valid_signers: Option<Vec<String>>,
}

/// Metadata of an operator token (self-signed).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Operator {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Other keys allowed to sign on this operator's behalf.
    #[serde(default)]
    pub valid_signers: Option<Vec<String>>,
}

/// Metadata of a cluster token.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Cluster {
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Other keys allowed to sign on this cluster's behalf.
    #[serde(default)]
    pub valid_signers: Option<Vec<String>>,
}

impl Claims<Actor> {
    /// The actor's public key (`sub`, `M...`): its identity in the lattice.
    pub fn public_key(&self) -> &str {
        &self.sub
    }

    /// The actor metadata, if present (always present after [`crate::verify_module`]).
    pub fn actor(&self) -> Option<&Actor> {
        self.wascap.as_ref()
    }

    /// The actor's display name.
    pub fn name(&self) -> Option<&str> {
        self.actor()?.name.as_deref()
    }

    /// The capability contract ids the actor was signed with (empty if none).
    pub fn capabilities(&self) -> &[String] {
        self.actor().and_then(|a| a.caps.as_deref()).unwrap_or(&[])
    }

    /// Whether the actor was signed with capability `capid`.
    pub fn has_capability(&self, capid: &str) -> bool {
        self.capabilities().iter().any(|c| c == capid)
    }

    /// The actor's call alias.
    pub fn call_alias(&self) -> Option<&str> {
        self.actor()?.call_alias.as_deref()
    }

    /// The actor's tags (empty if none).
    pub fn tags(&self) -> &[String] {
        self.actor().and_then(|a| a.tags.as_deref()).unwrap_or(&[])
    }

    /// The module hash recorded at signing.
    pub fn module_hash(&self) -> Option<&str> {
        self.actor().map(|a| a.hash.as_str())
    }

    /// The revision number.
    pub fn revision(&self) -> Option<i32> {
        self.actor()?.rev
    }

    /// The version string.
    pub fn version(&self) -> Option<&str> {
        self.actor()?.ver.as_deref()
    }
}

impl Claims<CapabilityProvider> {
    /// The provider's public key (`sub`, `V...`).
    pub fn public_key(&self) -> &str {
        &self.sub
    }

    /// The provider metadata, if present.
    pub fn provider(&self) -> Option<&CapabilityProvider> {
        self.wascap.as_ref()
    }

    /// The provider's display name.
    pub fn name(&self) -> Option<&str> {
        self.provider()?.name.as_deref()
    }

    /// The capability contract id it implements (empty if unset).
    pub fn contract_id(&self) -> &str {
        self.provider().map_or("", |p| p.capid.as_str())
    }

    /// The vendor (empty if unset).
    pub fn vendor(&self) -> &str {
        self.provider().map_or("", |p| p.vendor.as_str())
    }

    /// The revision number.
    pub fn revision(&self) -> Option<i32> {
        self.provider()?.rev
    }

    /// The version string.
    pub fn version(&self) -> Option<&str> {
        self.provider()?.ver.as_deref()
    }

    /// The signed SHA-256 (upper hex) of each target's binary.
    pub fn target_hashes(&self) -> Option<&BTreeMap<String, String>> {
        self.provider().map(|p| &p.target_hashes)
    }

    /// The link configuration schema, if any.
    pub fn config_schema(&self) -> Option<&serde_json::Value> {
        self.provider()?.config_schema.as_ref()
    }
}

/// Checks a call alias the way wash 0.x did before signing: not empty, not a public key, only
/// `[a-z0-9_/]`.
pub fn validate_call_alias(alias: &str) -> Result<(), ClaimsError> {
    let invalid = |reason: &str| ClaimsError::InvalidCallAlias {
        alias: alias.to_owned(),
        reason: reason.to_owned(),
    };
    if alias.is_empty() {
        return Err(invalid("it is empty"));
    }
    if alias.len() == 56
        && alias
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Err(invalid("a public key cannot be used as a call alias"));
    }
    if !alias
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '/')
    {
        return Err(invalid(
            "valid aliases are lowercase alphanumeric and can contain underscores and slashes",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Call aliases follow wash 0.x's rules.
    #[test]
    fn call_alias_rules() {
        assert!(validate_call_alias("my_actor/v1").is_ok());
        assert!(validate_call_alias("").is_err());
        assert!(validate_call_alias("My-Alias.x").is_err());
        assert!(
            validate_call_alias("MCATS5YOVB6ROX2WUNKGNQ2MP3GMXDMKSG2O4N5CLX3A6W4PZGZZJPUL")
                .is_err()
        );
    }

    /// Provider metadata keeps wascap's key order with `name: null` and `target_hashes` always present.
    #[test]
    fn provider_metadata_key_order() {
        let meta = CapabilityProvider {
            capid: "wasmcloud:example".into(),
            vendor: "Acme".into(),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&meta).unwrap(),
            r#"{"name":null,"capid":"wasmcloud:example","vendor":"Acme","target_hashes":{}}"#
        );
    }

    /// Decoding actor metadata without `prov` defaults it to false and ignores unknown fields.
    #[test]
    fn actor_decoding_is_lenient() {
        let actor: Actor = serde_json::from_str(r#"{"hash":"AB","extra":1}"#).unwrap();
        assert!(!actor.prov);
        assert_eq!(actor.hash, "AB");
    }
}
