//! Publishing lattice CloudEvents on `wasmbus.evt.<lattice>`.

use serde_json::Value;
use wash_wire::events::CloudEvent;

/// Publishes events on behalf of one host.
#[derive(Debug, Clone)]
pub struct EventPublisher {
    nats: async_nats::Client,
    subject: String,
    source: String,
}

impl EventPublisher {
    /// A publisher for host `source` on `lattice`.
    pub fn new(nats: async_nats::Client, lattice: &str, source: &str) -> Self {
        Self {
            nats,
            subject: wash_wire::subjects::events(lattice),
            source: source.into(),
        }
    }

    /// Publishes event `name` with `data`; failures are logged, never fatal.
    pub async fn publish(&self, name: &str, data: Value) {
        let event = CloudEvent::new(name, &self.source, data);
        tracing::debug!(event = name, "publishing lattice event");
        if let Err(err) = self
            .nats
            .publish(self.subject.clone(), event.to_json().into())
            .await
        {
            tracing::warn!(event = name, %err, "failed to publish lattice event");
        }
    }
}
