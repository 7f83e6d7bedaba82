//! `HostData`: what a host writes, as one line of base64 JSON, on a provider's stdin.

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::{LinkDefinition, WireError};

/// Start-up data of a provider process (field names as wasmbus-rpc 0.15 reads them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostData {
    /// The host's public key (`N…`).
    #[serde(default)]
    pub host_id: String,
    /// Lattice id.
    #[serde(default)]
    pub lattice_rpc_prefix: String,
    /// This provider instance's link name.
    #[serde(default)]
    pub link_name: String,
    /// NATS user JWT for the RPC connection (`""` if none).
    #[serde(default)]
    pub lattice_rpc_user_jwt: String,
    /// NATS user seed for the RPC connection (`""` if none).
    #[serde(default)]
    pub lattice_rpc_user_seed: String,
    /// NATS URL (`nats://host:port` or `host:port`; empty means `nats://127.0.0.1:4222`).
    #[serde(default)]
    pub lattice_rpc_url: String,
    /// The provider's public key (`V…`).
    #[serde(default)]
    pub provider_key: String,
    /// Cluster seed (`SC…`) the provider signs its invocations with.
    #[serde(default)]
    pub invocation_seed: String,
    /// Always `{}` (required by wasmbus-rpc's decoder).
    pub env_values: HashMap<String, String>,
    /// Instance id (UUID v4).
    #[serde(default)]
    pub instance_id: String,
    /// Links of this provider instance that already exist.
    pub link_definitions: Vec<LinkDefinition>,
    /// Cluster keys (`C…`) whose invocation signatures are trusted.
    pub cluster_issuers: Vec<String>,
    /// The opaque configuration string given at start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_json: Option<String>,
    /// Host RPC timeout in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_rpc_timeout_ms: Option<u64>,
    /// Whether to log JSON lines.
    #[serde(default)]
    pub structured_logging: bool,
    /// A tracing env-filter directive such as `info`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_level: Option<String>,
    /// Whether the NATS connection must use TLS (the OTP host's field; wasmbus-rpc 0.15 ignores it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub lattice_rpc_tls: bool,
    /// Ours: a PEM file of CAs to verify the NATS server's certificate with (other SDKs ignore it and
    /// use the system's roots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lattice_rpc_tls_ca_file: Option<String>,
}

impl HostData {
    /// The stdin line: standard base64 (with padding) of the JSON, plus `\n`.
    pub fn to_stdin_line(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!("{}\n", BASE64.encode(json))
    }

    /// Decodes one stdin line (surrounding whitespace trimmed).
    pub fn from_stdin_line(line: &str) -> Result<Self, WireError> {
        let line = line.trim();
        if line.is_empty() {
            return Err(WireError::EmptyHostData);
        }
        let json = BASE64.decode(line)?;
        serde_json::from_slice(&json).map_err(|source| WireError::Json {
            what: "host data",
            source,
        })
    }

    /// The NATS URL to connect to, defaulting as wasmbus-rpc does.
    pub fn nats_url(&self) -> String {
        match self.lattice_rpc_url.trim() {
            "" => "nats://127.0.0.1:4222".to_owned(),
            url => url.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stdin line recorded from a real host decodes, and re-encoding it gives the same JSON value.
    #[test]
    fn stdin_vector_round_trips() {
        let dir = format!("{}/../../tests/vectors/lattice", env!("CARGO_MANIFEST_DIR"));
        let line = std::fs::read_to_string(format!("{dir}/hostdata.stdin.txt")).expect("read");
        let data = HostData::from_stdin_line(&line).expect("decode");
        assert_eq!(data.link_definitions.len(), 1);
        assert_eq!(data.link_definitions[0].value("port"), Some("8080"));
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{dir}/hostdata.json")).expect("read"),
        )
        .expect("json");
        assert_eq!(serde_json::to_value(&data).expect("value"), expected);
        let again = HostData::from_stdin_line(&data.to_stdin_line()).expect("decode ours");
        assert_eq!(again, data);
    }

    /// An empty line and bad base64 are clear errors.
    #[test]
    fn bad_lines_are_errors() {
        assert!(matches!(
            HostData::from_stdin_line("  \n"),
            Err(WireError::EmptyHostData)
        ));
        assert!(matches!(
            HostData::from_stdin_line("!!!"),
            Err(WireError::Base64(_))
        ));
    }
}
