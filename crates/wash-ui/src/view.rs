//! What the page shows: one [`LatticeView`] built from the control interface's answers, serialised as
//! JSON and streamed to the page whole on every change.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use wash_wire::ctl::{Host, HostInventory};
use wash_wire::LinkDefinition;

/// Everything the dashboard shows about one lattice at one moment.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LatticeView {
    /// Lattice id.
    pub lattice: String,
    /// NATS URL of the control interface.
    pub nats_url: String,
    /// State of the NATS connection.
    pub nats: NatsStatus,
    /// Hosts that answered the last ping.
    pub hosts: Vec<HostView>,
    /// Actors on every host (one entry per actor and host).
    pub actors: Vec<ActorView>,
    /// Provider instances on every host.
    pub providers: Vec<ProviderView>,
    /// Every link definition.
    pub links: Vec<LinkDefinition>,
    /// The last refresh's failure (e.g. a host that did not answer), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The newest lattice events first (at most [`RECENT_EVENTS`]).
    pub events: Vec<EventEntry>,
    /// Counts up with every view sent, so the page can tell new views from repeats.
    pub revision: u64,
}

/// How many recent events a view carries.
pub const RECENT_EVENTS: usize = 30;

/// State of the dashboard's NATS connection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NatsStatus {
    /// Whether the connection is up.
    pub connected: bool,
    /// What is wrong and what the dashboard does about it, when not connected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One host.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HostView {
    /// Host id (`N…`).
    pub id: String,
    /// Friendly name.
    pub friendly_name: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Seconds since it started.
    pub uptime_seconds: u64,
    /// Uptime in words.
    pub uptime_human: String,
    /// Host software version.
    pub version: String,
}

/// One actor on one host.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ActorView {
    /// Actor id (`M…`).
    pub id: String,
    /// Name from its claims.
    pub name: String,
    /// Where it was started from.
    pub image_ref: String,
    /// The host running it.
    pub host_id: String,
    /// Running instances.
    pub instances: usize,
    /// Its claims, when the lattice knows them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<ActorClaims>,
}

/// The claims of an actor as the lattice reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ActorClaims {
    /// Signing account (`A…`).
    pub issuer: String,
    /// Capability contract ids it may use.
    pub capabilities: Vec<String>,
    /// Revision.
    pub revision: String,
    /// Version string.
    pub version: String,
    /// Expiry, or empty when it never expires.
    pub expires: String,
}

/// Health of a provider instance, from the host's periodic health checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderHealth {
    /// Running, no health check reported yet.
    #[default]
    Pending,
    /// The last check passed.
    Healthy,
    /// The last check failed.
    Unhealthy,
}

/// One provider instance on one host.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProviderView {
    /// Provider id (`V…`).
    pub id: String,
    /// Name from its claims.
    pub name: String,
    /// Contract id.
    pub contract_id: String,
    /// Link name of the instance.
    pub link_name: String,
    /// Where it was started from.
    pub image_ref: String,
    /// The host running it.
    pub host_id: String,
    /// Its health.
    pub health: ProviderHealth,
}

/// One lattice event, shortened for the page's event log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EventEntry {
    /// RFC 3339 time the host stamped.
    pub time: String,
    /// Short event name, e.g. `actor_started`.
    pub name: String,
    /// The emitting host.
    pub source: String,
    /// A one-line summary of its data.
    pub summary: String,
}

/// Health of provider instances by (provider id, link name).
pub(crate) type HealthMap = HashMap<(String, String), ProviderHealth>;

impl HostView {
    /// The page's view of a ping reply.
    pub(crate) fn from_host(host: &Host) -> Self {
        Self {
            id: host.id.clone(),
            friendly_name: host.friendly_name.clone().unwrap_or_default(),
            labels: host.labels.clone().unwrap_or_default(),
            uptime_seconds: host.uptime_seconds,
            uptime_human: host.uptime_human.clone().unwrap_or_default(),
            version: host.version.clone().unwrap_or_default(),
        }
    }
}

/// Fills `view`'s actors and providers from host inventories and the lattice's claims.
pub(crate) fn add_inventory(
    view: &mut LatticeView,
    inventory: &HostInventory,
    claims: &[HashMap<String, String>],
    health: &HealthMap,
) {
    for actor in &inventory.actors {
        let claim = claims
            .iter()
            .find(|c| c.get("sub").is_some_and(|sub| *sub == actor.id));
        view.actors.push(ActorView {
            id: actor.id.clone(),
            name: actor
                .name
                .clone()
                .or_else(|| claim.and_then(|c| c.get("name").cloned()))
                .unwrap_or_default(),
            image_ref: actor.image_ref.clone().unwrap_or_default(),
            host_id: inventory.host_id.clone(),
            instances: actor.instances.len(),
            claims: claim.map(actor_claims),
        });
    }
    for provider in &inventory.providers {
        let key = (provider.id.clone(), provider.link_name.clone());
        view.providers.push(ProviderView {
            id: provider.id.clone(),
            name: provider.name.clone().unwrap_or_default(),
            contract_id: provider.contract_id.clone(),
            link_name: provider.link_name.clone(),
            image_ref: provider.image_ref.clone().unwrap_or_default(),
            host_id: inventory.host_id.clone(),
            health: health.get(&key).copied().unwrap_or_default(),
        });
    }
}

fn actor_claims(flat: &HashMap<String, String>) -> ActorClaims {
    let get = |key: &str| flat.get(key).cloned().unwrap_or_default();
    ActorClaims {
        issuer: get("iss"),
        capabilities: get("caps")
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        revision: get("rev"),
        version: get("version"),
        expires: get("exp"),
    }
}

/// The one-line summary of an event for the page's log.
pub(crate) fn event_entry(event: &wash_wire::events::CloudEvent) -> EventEntry {
    let data = &event.data;
    let text = |key: &str| short_key(data[key].as_str().unwrap_or_default());
    let summary = match event.name() {
        "actor_started" | "actor_stopped" | "actor_start_failed" => {
            let who = [text("public_key"), text("actor_ref"), text("image_ref")]
                .into_iter()
                .find(|s| !s.is_empty())
                .unwrap_or_default();
            join_nonempty(&[who, text("error")])
        }
        "provider_started"
        | "provider_stopped"
        | "provider_start_failed"
        | "health_check_passed"
        | "health_check_failed"
        | "health_check_status" => {
            let who = [text("public_key"), text("provider_ref")]
                .into_iter()
                .find(|s| !s.is_empty())
                .unwrap_or_default();
            join_nonempty(&[who, text("contract_id"), text("link_name"), text("error")])
        }
        "linkdef_set" | "linkdef_deleted" => join_nonempty(&[
            text("actor_id"),
            text("contract_id"),
            text("link_name"),
            text("provider_id"),
        ]),
        _ => String::new(),
    };
    EventEntry {
        time: event.time.clone(),
        name: event.name().to_owned(),
        source: event.source.clone(),
        summary,
    }
}

/// A wasmCloud key (56 characters) shortened to `MBCF…3WD5`; anything else as it is.
pub(crate) fn short_key(text: &str) -> String {
    if text.len() == 56
        && text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        format!("{}…{}", &text[..4], &text[52..])
    } else {
        text.to_owned()
    }
}

fn join_nonempty(parts: &[String]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use wash_wire::ctl::{ActorDescription, ActorInstance, ProviderDescription};

    /// An inventory becomes actor and provider rows carrying the claims and the recorded health.
    #[test]
    fn inventory_rows_carry_claims_and_health() {
        let inventory = HostInventory {
            host_id: "NHOST".into(),
            actors: vec![ActorDescription {
                id: "MACTOR".into(),
                image_ref: Some("/tmp/a.wasm".into()),
                name: None,
                instances: vec![ActorInstance::default(), ActorInstance::default()],
            }],
            providers: vec![ProviderDescription {
                id: "VPROV".into(),
                link_name: "default".into(),
                contract_id: "wasmcloud:keyvalue".into(),
                name: Some("kv".into()),
                ..ProviderDescription::default()
            }],
            ..HostInventory::default()
        };
        let claims = vec![HashMap::from([
            ("sub".to_owned(), "MACTOR".to_owned()),
            ("name".to_owned(), "counter".to_owned()),
            (
                "caps".to_owned(),
                "wasmcloud:keyvalue, wasmcloud:httpserver".to_owned(),
            ),
            ("rev".to_owned(), "3".to_owned()),
        ])];
        let health = HealthMap::from([(
            ("VPROV".to_owned(), "default".to_owned()),
            ProviderHealth::Healthy,
        )]);
        let mut view = LatticeView::default();
        add_inventory(&mut view, &inventory, &claims, &health);
        assert_eq!(view.actors[0].name, "counter");
        assert_eq!(view.actors[0].instances, 2);
        let claims = view.actors[0].claims.as_ref().expect("claims");
        assert_eq!(
            claims.capabilities,
            ["wasmcloud:keyvalue", "wasmcloud:httpserver"]
        );
        assert_eq!(claims.revision, "3");
        assert_eq!(view.providers[0].health, ProviderHealth::Healthy);
        assert_eq!(view.providers[0].host_id, "NHOST");
    }

    /// A failed start's summary names the reference and the host's reason.
    #[test]
    fn failed_start_summary_names_reference_and_reason() {
        let event = wash_wire::events::CloudEvent::new(
            "actor_start_failed",
            "NHOST",
            serde_json::json!({"actor_ref": "r/x:1", "error": "pull failed"}),
        );
        let entry = event_entry(&event);
        assert_eq!(entry.name, "actor_start_failed");
        assert_eq!(entry.summary, "r/x:1 · pull failed");
    }
}
