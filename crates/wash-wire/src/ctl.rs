//! Control-interface requests and replies (JSON on `wasmbus.ctl.<lattice>.*`), as the 0.2x client sends
//! and reads them. Optional fields are omitted when absent; unknown fields are ignored.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::LinkDefinition;

/// String-to-string map used for labels, annotations, constraints and flat claims.
pub type StringMap = BTreeMap<String, String>;

/// The immediate reply to a command: `{"accepted": bool, "error": string}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CtlOperationAck {
    /// Whether the host accepted the command.
    #[serde(default)]
    pub accepted: bool,
    /// Why not, or `""`.
    #[serde(default)]
    pub error: String,
}

impl CtlOperationAck {
    /// An accepting ack.
    pub fn ok() -> Self {
        Self {
            accepted: true,
            error: String::new(),
        }
    }

    /// A refusing ack with a reason.
    pub fn error(error: impl Into<String>) -> Self {
        Self {
            accepted: false,
            error: error.into(),
        }
    }
}

/// One host's answer to `ping.hosts`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Host {
    /// Host public key (`N…`).
    #[serde(default)]
    pub id: String,
    /// Cluster public key (`C…`) the host signs with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Host labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<StringMap>,
    /// A human-friendly host name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// Seconds since the host started.
    #[serde(default)]
    pub uptime_seconds: u64,
    /// Uptime in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime_human: Option<String>,
    /// Host software version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Comma-joined trusted cluster keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_issuers: Option<String>,
    /// JetStream domain, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub js_domain: Option<String>,
    /// NATS host of the control connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ctl_host: Option<String>,
    /// NATS host of the RPC connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpc_host: Option<String>,
    /// NATS host given to providers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prov_rpc_host: Option<String>,
    /// Lattice id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lattice_prefix: Option<String>,
}

/// What runs on one host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostInventory {
    /// Host public key.
    #[serde(default)]
    pub host_id: String,
    /// Cluster key of the host.
    #[serde(default)]
    pub issuer: String,
    /// Friendly name.
    #[serde(default)]
    pub friendly_name: String,
    /// Host labels (required).
    pub labels: StringMap,
    /// Running actors (required).
    pub actors: Vec<ActorDescription>,
    /// Running providers (required).
    pub providers: Vec<ProviderDescription>,
}

/// One actor in an inventory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActorDescription {
    /// Actor public key (`M…`).
    #[serde(default)]
    pub id: String,
    /// Where it was started from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_ref: Option<String>,
    /// Name from its claims.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its instances (required).
    pub instances: Vec<ActorInstance>,
}

/// One instance of an actor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActorInstance {
    /// Instance id (UUID).
    #[serde(default)]
    pub instance_id: String,
    /// Revision from the claims.
    #[serde(default)]
    pub revision: i32,
    /// Annotations given at start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<StringMap>,
}

/// One provider in an inventory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderDescription {
    /// Provider public key (`V…`).
    #[serde(default)]
    pub id: String,
    /// Link name of the instance.
    #[serde(default)]
    pub link_name: String,
    /// Contract id.
    #[serde(default)]
    pub contract_id: String,
    /// Name from its claims.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where it was started from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_ref: Option<String>,
    /// Revision from the claims.
    #[serde(default)]
    pub revision: i32,
    /// Annotations given at start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<StringMap>,
}

/// Reply to `get.claims`: flat claims maps.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetClaimsResponse {
    /// One flat map per actor or provider (required).
    pub claims: Vec<HashMap<String, String>>,
}

/// Reply to `get.links`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkDefinitionList {
    /// Every link (required).
    pub links: Vec<LinkDefinition>,
}

/// `auction.actor` request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActorAuctionRequest {
    /// Reference of the actor to place.
    #[serde(default)]
    pub actor_ref: String,
    /// Labels a host must carry to bid (required).
    pub constraints: StringMap,
}

/// A host's bid in an actor auction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ActorAuctionAck {
    /// Echo of the reference.
    #[serde(default)]
    pub actor_ref: String,
    /// The bidding host.
    #[serde(default)]
    pub host_id: String,
    /// Echo of the constraints.
    #[serde(default)]
    pub constraints: StringMap,
}

/// `auction.provider` request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderAuctionRequest {
    /// Labels a host must carry to bid (required).
    pub constraints: StringMap,
    /// Link name of the instance to place.
    #[serde(default)]
    pub link_name: String,
    /// Reference of the provider.
    #[serde(default)]
    pub provider_ref: String,
}

/// A host's bid in a provider auction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderAuctionAck {
    /// Echo of the reference.
    #[serde(default)]
    pub provider_ref: String,
    /// Echo of the link name.
    #[serde(default)]
    pub link_name: String,
    /// The bidding host.
    #[serde(default)]
    pub host_id: String,
}

/// `cmd.<host>.la`: start actor instances.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StartActorCommand {
    /// OCI reference or file path of the module.
    #[serde(default)]
    pub actor_ref: String,
    /// Annotations recorded on the instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<StringMap>,
    /// Number of instances (0 is treated as 1).
    #[serde(default)]
    pub count: u16,
    /// Target host.
    #[serde(default)]
    pub host_id: String,
}

/// `cmd.<host>.sa`: stop actor instances.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StopActorCommand {
    /// Public key (or reference) of the actor.
    #[serde(default)]
    pub actor_ref: String,
    /// Only instances with these annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<StringMap>,
    /// How many instances; 0 = all.
    #[serde(default)]
    pub count: u16,
    /// Target host.
    #[serde(default)]
    pub host_id: String,
}

/// `cmd.<host>.scale`: set the number of instances.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScaleActorCommand {
    /// Public key of the actor.
    #[serde(default)]
    pub actor_id: String,
    /// Reference to start from when none runs.
    #[serde(default)]
    pub actor_ref: String,
    /// Annotations of the instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<StringMap>,
    /// The exact number of instances wanted (0 = stop all).
    #[serde(default)]
    pub count: u16,
    /// Target host.
    #[serde(default)]
    pub host_id: String,
}

/// `cmd.<host>.upd`: live update to a new module.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateActorCommand {
    /// Public key of the running actor.
    #[serde(default)]
    pub actor_id: String,
    /// Annotations of the instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<StringMap>,
    /// Target host.
    #[serde(default)]
    pub host_id: String,
    /// Reference of the new module.
    #[serde(default)]
    pub new_actor_ref: String,
}

/// `cmd.<host>.lp`: start a provider instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StartProviderCommand {
    /// Annotations of the instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<StringMap>,
    /// Opaque configuration passed as `config_json` in host data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration: Option<String>,
    /// Target host.
    #[serde(default)]
    pub host_id: String,
    /// Link name of the instance (default `default`).
    #[serde(default)]
    pub link_name: String,
    /// OCI reference or file path of the archive.
    #[serde(default)]
    pub provider_ref: String,
}

/// `cmd.<host>.sp`: stop a provider instance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StopProviderCommand {
    /// Annotations of the instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<StringMap>,
    /// Contract id of the instance.
    #[serde(default)]
    pub contract_id: String,
    /// Target host.
    #[serde(default)]
    pub host_id: String,
    /// Link name of the instance.
    #[serde(default)]
    pub link_name: String,
    /// Provider public key (`V…`).
    #[serde(default)]
    pub provider_ref: String,
}

/// `cmd.<host>.stop`: stop the host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StopHostCommand {
    /// Target host.
    #[serde(default)]
    pub host_id: String,
    /// Grace period in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
}

/// Credentials for one registry in `registries.put`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryCredential {
    /// `oci` or `bindle` (required, camelCase on the wire).
    #[serde(rename = "registryType")]
    pub registry_type: String,
    /// User name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// Registry host → credentials.
pub type RegistryCredentialMap = HashMap<String, RegistryCredential>;

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(name: &str) -> String {
        let path = format!(
            "{}/../../tests/vectors/lattice/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
    }

    /// Inventory, host, ack and claims vectors of the 0.28 client decode and re-encode to the same JSON value.
    #[test]
    fn ctl_vectors_round_trip() {
        fn check<T: serde::de::DeserializeOwned + Serialize>(text: &str) {
            let value: serde_json::Value = serde_json::from_str(text).expect("json");
            let typed: T = serde_json::from_str(text).expect("typed decode");
            assert_eq!(serde_json::to_value(&typed).expect("encode"), value);
        }
        check::<HostInventory>(&vector("ctl_host_inventory.json"));
        check::<HostInventory>(&vector("ctl_host_inventory_empty.json"));
        check::<Host>(&vector("ctl_host.json"));
        check::<Host>(&vector("ctl_host_default.json"));
        check::<CtlOperationAck>(&vector("ctl_ack_ok.json"));
        check::<CtlOperationAck>(&vector("ctl_ack_err.json"));
        check::<LinkDefinitionList>(&vector("ctl_linkdefinition_list.json"));
    }

    /// Decode rules recorded from the 0.28 client hold for our types.
    #[test]
    fn decode_checks_match_client() {
        let checks: Vec<serde_json::Value> =
            serde_json::from_str(&vector("ctl_decode_checks.json")).expect("json");
        for check in checks {
            let input = check["input"].as_str().expect("input");
            let kind = check["type"].as_str().expect("type");
            let decodes = if kind.starts_with("LinkDefinition") {
                serde_json::from_str::<LinkDefinition>(input).is_ok()
            } else if kind.starts_with("HostInventory") {
                serde_json::from_str::<HostInventory>(input).is_ok()
            } else if kind.starts_with("Host") {
                serde_json::from_str::<Host>(input).is_ok()
            } else if kind.starts_with("RegistryCredential") {
                serde_json::from_str::<RegistryCredential>(input).is_ok()
            } else if kind.starts_with("CtlOperationAck") {
                serde_json::from_str::<CtlOperationAck>(input).is_ok()
            } else {
                panic!("unknown check type {kind}");
            };
            assert_eq!(
                decodes,
                check["decodes"].as_bool().expect("decodes"),
                "{kind}"
            );
        }
    }
}
