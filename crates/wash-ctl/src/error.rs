//! Errors of control-interface requests.

use std::time::Duration;

/// A control request could not be made or answered.
#[derive(Debug, thiserror::Error)]
pub enum CtlError {
    /// NATS could not be reached.
    #[error("failed to connect to NATS at `{url}`: {reason}")]
    Connect {
        /// The URL tried.
        url: String,
        /// Why.
        reason: String,
    },
    /// No answer in time.
    #[error("no {what} within {timeout:?}")]
    Timeout {
        /// What was awaited.
        what: &'static str,
        /// How long we waited.
        timeout: Duration,
    },
    /// Nobody listens on the subject (no host with that id, or no host at all).
    #[error("no {what}: nothing is listening on `{subject}` (is a host running on this lattice?)")]
    NoResponders {
        /// What was awaited.
        what: &'static str,
        /// The subject.
        subject: String,
    },
    /// The reply was not the expected JSON.
    #[error("invalid {what}: {reason}")]
    Decode {
        /// What was decoded.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The request could not be encoded.
    #[error("failed to encode request: {0}")]
    Encode(String),
    /// Another NATS error.
    #[error("NATS error: {0}")]
    Nats(String),
}
