//! RPC envelopes on `wasmbus.rpc.*`: entities, `Invocation`, `InvocationResponse`, health replies.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::msgpack::{self, nil_as_empty};
use crate::WireError;

/// One end of an invocation: an actor (`M…` key, empty link name and contract) or a provider instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WasmCloudEntity {
    /// Public key of the actor (`M…`) or provider (`V…`).
    #[serde(default, deserialize_with = "nil_as_empty::deserialize")]
    pub public_key: String,
    /// Link name of a provider instance; empty for actors.
    #[serde(default, deserialize_with = "nil_as_empty::deserialize")]
    pub link_name: String,
    /// Contract id of a provider, e.g. `wasmcloud:keyvalue`; empty for actors.
    #[serde(default, deserialize_with = "nil_as_empty::deserialize")]
    pub contract_id: String,
}

impl WasmCloudEntity {
    /// An actor entity.
    pub fn actor(public_key: impl Into<String>) -> Self {
        Self {
            public_key: public_key.into(),
            ..Self::default()
        }
    }

    /// A provider entity.
    pub fn provider(
        public_key: impl Into<String>,
        link_name: impl Into<String>,
        contract_id: impl Into<String>,
    ) -> Self {
        Self {
            public_key: public_key.into(),
            link_name: link_name.into(),
            contract_id: contract_id.into(),
        }
    }

    /// Whether this entity is an actor (its key starts with `M`).
    pub fn is_actor(&self) -> bool {
        self.public_key.to_ascii_uppercase().starts_with('M')
    }

    /// The entity URL used in invocation claims: `wasmbus://<actor key>` or
    /// `wasmbus://<contract with : as />/<link>/<provider key>` (lowercased, spaces as `_`).
    pub fn url(&self) -> String {
        if self.is_actor() {
            format!("wasmbus://{}", self.public_key)
        } else {
            let contract = self
                .contract_id
                .replace(':', "/")
                .replace(' ', "_")
                .to_lowercase();
            let link = self.link_name.replace(' ', "_").to_lowercase();
            format!("wasmbus://{contract}/{link}/{}", self.public_key)
        }
    }

    /// The subject an invocation of this entity goes to.
    pub fn rpc_subject(&self, lattice: &str) -> String {
        if self.link_name.is_empty() {
            crate::subjects::actor_rpc(lattice, &self.public_key)
        } else {
            crate::subjects::provider_rpc(lattice, &self.public_key, &self.link_name)
        }
    }
}

/// A request to run one operation on an actor or provider (msgpack map on the wire).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Invocation {
    /// The caller.
    pub origin: WasmCloudEntity,
    /// The callee.
    pub target: WasmCloudEntity,
    /// `<Service>.<Operation>`, e.g. `KeyValue.Increment`.
    #[serde(default)]
    pub operation: String,
    /// The encoded argument (empty when chunked).
    #[serde(default, with = "serde_bytes")]
    pub msg: Vec<u8>,
    /// Invocation id (opaque; we write 32 lowercase hex digits).
    #[serde(default)]
    pub id: String,
    /// Signed invocation JWT (anti-forgery token, rpc.md §5).
    #[serde(default)]
    pub encoded_claims: String,
    /// Id of the sending host (`N…`), or the cluster key for OTP hosts.
    #[serde(default)]
    pub host_id: String,
    /// Full argument length before chunking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_length: Option<u64>,
    /// W3C trace context (camelCase key on the wire).
    #[serde(
        rename = "traceContext",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub trace_context: Option<HashMap<String, String>>,
}

impl Invocation {
    /// Decodes an invocation from msgpack (map or array form).
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        msgpack::decode(bytes, "invocation")
    }

    /// Encodes the invocation as a msgpack map.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        msgpack::encode(self, "invocation")
    }

    /// `target url + "/" + operation`, the `target_url` of the invocation claims.
    pub fn target_url(&self) -> String {
        format!("{}/{}", self.target.url(), self.operation)
    }

    /// The `origin_url` of the invocation claims.
    pub fn origin_url(&self) -> String {
        self.origin.url()
    }

    /// Upper-hex SHA-256 of `origin_url ‖ target_url ‖ operation ‖ msg` (the claims `hash`).
    pub fn hash(&self) -> String {
        invocation_hash(
            &self.origin_url(),
            &self.target_url(),
            &self.operation,
            &self.msg,
        )
    }

    /// A fresh invocation id: 32 lowercase hex digits, as wasmbus-rpc writes them.
    pub fn new_id() -> String {
        uuid::Uuid::new_v4().simple().to_string()
    }
}

/// Upper-hex SHA-256 over the plain concatenation of the four parts.
pub fn invocation_hash(origin_url: &str, target_url: &str, operation: &str, msg: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(origin_url.as_bytes());
    hasher.update(target_url.as_bytes());
    hasher.update(operation.as_bytes());
    hasher.update(msg);
    hex_upper(&hasher.finalize())
}

/// Upper-case hex of bytes.
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02X}");
            out
        })
}

/// The reply to an [`Invocation`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InvocationResponse {
    /// The encoded result (empty on error or when chunked).
    #[serde(default, with = "serde_bytes")]
    pub msg: Vec<u8>,
    /// Copy of [`Invocation::id`].
    #[serde(default)]
    pub invocation_id: String,
    /// Present when the invocation failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Full result length before chunking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_length: Option<u64>,
}

impl InvocationResponse {
    /// A successful reply carrying `msg`.
    pub fn success(invocation_id: impl Into<String>, msg: Vec<u8>) -> Self {
        let len = msg.len() as u64;
        Self {
            msg,
            invocation_id: invocation_id.into(),
            error: None,
            content_length: Some(len),
        }
    }

    /// A failed reply carrying an error string.
    pub fn failure(invocation_id: impl Into<String>, error: impl Into<String>) -> Self {
        Self {
            msg: Vec::new(),
            invocation_id: invocation_id.into(),
            error: Some(error.into()),
            content_length: Some(0),
        }
    }

    /// Decodes a reply from msgpack.
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        msgpack::decode(bytes, "invocation response")
    }

    /// Encodes the reply as a msgpack map.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        msgpack::encode(self, "invocation response")
    }

    /// The result bytes, or the error string.
    pub fn into_result(self) -> Result<Vec<u8>, String> {
        match self.error {
            Some(error) => Err(error),
            None => Ok(self.msg),
        }
    }
}

/// A provider's answer to a health check (msgpack map; `message` omitted when none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheckResponse {
    /// Whether the provider is healthy.
    #[serde(default)]
    pub healthy: bool,
    /// An explanation, usually when unhealthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTOR: &str = "MBCFOPM6JW2APJLXJD3Z5O4CN7CPYJ2B4FTKLJUR5YR5MITIU7HD3WD5";
    const PROVIDER: &str = "VAG3QITQQ2ODAOWB5TTQSDJ53XK3SHBEIFNK4AYJ5RKAX2UNSCAPHA5M";

    fn vector(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../tests/vectors/lattice/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
        hex::decode(text.trim()).expect("hex vector")
    }

    fn sample_invocation() -> Invocation {
        let bytes = vector("rpc_invocation.msgpack.hex");
        Invocation::decode(&bytes).expect("decode vector")
    }

    /// Our encoding of the wasmbus-rpc 0.15 invocation vector reproduces its bytes exactly.
    #[test]
    fn invocation_round_trips_vector_bytes() {
        let bytes = vector("rpc_invocation.msgpack.hex");
        let inv = Invocation::decode(&bytes).expect("decode");
        assert_eq!(inv.operation, "HttpServer.HandleRequest");
        assert_eq!(inv.msg, [1, 2, 3]);
        assert_eq!(inv.content_length, Some(3));
        assert_eq!(inv.encode().expect("encode"), bytes);
    }

    /// The trace-context and positional (array) forms decode to the same invocation.
    #[test]
    fn invocation_other_forms_decode() {
        let base = sample_invocation();
        let traced =
            Invocation::decode(&vector("rpc_invocation_tracecontext.msgpack.hex")).expect("traced");
        assert!(traced.trace_context.is_some());
        assert_eq!(
            traced.encode().expect("encode"),
            vector("rpc_invocation_tracecontext.msgpack.hex")
        );
        let positional = Invocation::decode(&vector("rpc_invocation_positional.msgpack.hex"))
            .expect("positional");
        assert_eq!(positional, base);
    }

    /// Responses (ok and error) and the health reply reproduce the vector bytes.
    #[test]
    fn responses_match_vectors() {
        for name in [
            "rpc_invocation_response.msgpack.hex",
            "rpc_invocation_response_error.msgpack.hex",
        ] {
            let bytes = vector(name);
            let resp = InvocationResponse::decode(&bytes).expect("decode");
            assert_eq!(resp.encode().expect("encode"), bytes, "{name}");
        }
        let health = crate::msgpack::encode(
            &HealthCheckResponse {
                healthy: true,
                message: None,
            },
            "health",
        )
        .expect("encode");
        assert_eq!(health, vector("rpc_health_response.msgpack.hex"));
    }

    /// Entity URLs, subjects and the invocation hash equal those computed by wasmbus-rpc 0.15.
    #[test]
    fn urls_and_hash_match_vectors() {
        let path = format!(
            "{}/../../tests/vectors/lattice/rpc_urls_and_hash.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
        let actor = WasmCloudEntity::actor(ACTOR);
        let provider = WasmCloudEntity::provider(PROVIDER, "default", "wasmcloud:httpserver");
        assert_eq!(actor.url(), v["actor_entity_url"]);
        assert_eq!(provider.url(), v["provider_entity_url"]);
        let odd = WasmCloudEntity::provider(PROVIDER, "My Link", "Acme:Thing Two");
        assert_eq!(odd.url(), v["provider_entity_url_with_spaces_and_caps"]);
        assert_eq!(
            actor.rpc_subject("default"),
            v["rpc_topic_for_actor_target"]
        );
        assert_eq!(
            provider.rpc_subject("default"),
            v["rpc_topic_for_provider_target"]
        );
        let inv = sample_invocation();
        assert_eq!(inv.target_url(), v["target_url"]);
        assert_eq!(inv.hash(), v["invocation_hash"]);
    }

    /// A nil entity field decodes as an empty string instead of failing.
    #[test]
    fn nil_entity_fields_are_empty() {
        let mut map = std::collections::BTreeMap::new();
        map.insert("public_key", Some(ACTOR));
        map.insert("link_name", None);
        map.insert("contract_id", None);
        let bytes = rmp_serde::to_vec_named(&map).expect("encode");
        let entity: WasmCloudEntity = crate::msgpack::decode(&bytes, "entity").expect("decode");
        assert_eq!(entity, WasmCloudEntity::actor(ACTOR));
    }
}
