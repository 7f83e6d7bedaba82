//! `wasmcloud:builtin:logging`: `Logging.WriteLog`, served by the host itself.

use serde::{Deserialize, Serialize};

/// Contract id.
pub const CONTRACT_ID: &str = "wasmcloud:builtin:logging";

/// Argument of `Logging.WriteLog` (result: empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// `trace`, `debug`, `info`, `warn`, `error` (or `critical`).
    #[serde(default)]
    pub level: String,
    /// The message.
    #[serde(default)]
    pub text: String,
}
