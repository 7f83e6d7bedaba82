//! CloudEvents 1.0 (structured JSON) published on `wasmbus.evt.<lattice>`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Prefix of every lattice event type.
pub const EVENT_TYPE_PREFIX: &str = "com.wasmcloud.lattice.";

/// One lattice event as it travels on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudEvent {
    /// Always `1.0`.
    pub specversion: String,
    /// UUID v4.
    pub id: String,
    /// `com.wasmcloud.lattice.<name>`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// The emitting host's id.
    pub source: String,
    /// RFC 3339 UTC timestamp.
    pub time: String,
    /// Always `application/json`.
    pub datacontenttype: String,
    /// Event-specific fields.
    pub data: Value,
}

impl CloudEvent {
    /// A new event named `name` (e.g. `actor_started`) from `source`, stamped now.
    pub fn new(name: &str, source: &str, data: Value) -> Self {
        let time = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        Self {
            specversion: "1.0".into(),
            id: uuid::Uuid::new_v4().to_string(),
            event_type: format!("{EVENT_TYPE_PREFIX}{name}"),
            source: source.into(),
            time,
            datacontenttype: "application/json".into(),
            data,
        }
    }

    /// The short name, e.g. `actor_started` (the type without its prefix).
    pub fn name(&self) -> &str {
        self.event_type
            .strip_prefix(EVENT_TYPE_PREFIX)
            .unwrap_or(&self.event_type)
    }

    /// JSON bytes of the event.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses an event; `None` for anything that is not a CloudEvent (subscribers drop those).
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An event carries the CloudEvents attributes and parses back with its short name.
    #[test]
    fn event_round_trip() {
        let event = CloudEvent::new(
            "actor_started",
            "NHOST",
            serde_json::json!({"public_key": "M1"}),
        );
        let parsed = CloudEvent::parse(&event.to_json()).expect("parse");
        assert_eq!(parsed.name(), "actor_started");
        assert_eq!(parsed.event_type, "com.wasmcloud.lattice.actor_started");
        assert!(parsed.time.ends_with('Z'), "{}", parsed.time);
        assert!(CloudEvent::parse(b"not json").is_none());
    }
}
