//! Errors of the provider SDK: start-up (host data, logging, NATS) and RPC calls to actors.

use wash_claims::InvocationAuthError;
use wash_wire::WireError;

/// Why a provider could not start, or why a call to an actor failed.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// Reading the host data line from stdin failed.
    #[error("failed to read host data from stdin: {0}")]
    Stdin(#[source] std::io::Error),
    /// The host data line (or an RPC message) could not be decoded or encoded.
    #[error(transparent)]
    Wire(#[from] WireError),
    /// Host data names credentials that cannot be used.
    #[error("invalid NATS credentials in host data: {0}")]
    Credentials(String),
    /// The `invocation_seed` of the host data is not a cluster seed.
    #[error("invalid `invocation_seed` in host data: {0}")]
    InvocationSeed(String),
    /// Connecting to NATS failed.
    #[error("failed to connect to NATS at `{url}`: {message}")]
    Connect {
        /// The URL tried.
        url: String,
        /// The client's error.
        message: String,
    },
    /// Subscribing to a subject failed.
    #[error("failed to subscribe to `{subject}`: {message}")]
    Subscribe {
        /// The subject.
        subject: String,
        /// The client's error.
        message: String,
    },
    /// Signing an outbound invocation failed.
    #[error(transparent)]
    Signing(#[from] InvocationAuthError),
    /// Nobody listens on the actor's subject (the actor is not running anywhere).
    #[error("no responders on `{subject}`: actor not running")]
    NoResponders {
        /// The subject of the request.
        subject: String,
    },
    /// The actor did not answer within the RPC timeout.
    #[error("request on `{subject}` timed out after {timeout_ms} ms")]
    Timeout {
        /// The subject of the request.
        subject: String,
        /// The timeout that expired.
        timeout_ms: u64,
    },
    /// The request could not be sent or its reply not received.
    #[error("request on `{subject}` failed: {message}")]
    Request {
        /// The subject of the request.
        subject: String,
        /// The client's error.
        message: String,
    },
    /// The actor (or its host) answered with an error.
    #[error("actor returned an error: {0}")]
    Remote(String),
    /// A chunked payload could not be stored in or read from the JetStream object store.
    #[error(transparent)]
    Chunk(#[from] wash_rpc::ChunkError),
}

impl ProviderError {
    /// Whether the actor could not be reached at all (no responders or timeout): HTTP 503 territory.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::NoResponders { .. } | Self::Timeout { .. })
    }
}
