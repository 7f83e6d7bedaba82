//! Errors of `wash app` requests.

use std::path::PathBuf;
use std::time::Duration;

/// A request to wadm could not be made, or wadm refused it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nothing listens on wadm's API for this lattice.
    #[error(
        "no wadm answers on lattice `{lattice}`: `wash up` starts one (unless `--disable-wadm`), or run \
         wadm against this NATS server yourself"
    )]
    NoWadm {
        /// The lattice asked.
        lattice: String,
    },
    /// wadm did not answer in time.
    #[error("wadm did not answer `{operation}` within {timeout:?}")]
    Timeout {
        /// The operation asked.
        operation: &'static str,
        /// How long we waited.
        timeout: Duration,
    },
    /// NATS failed.
    #[error("NATS: {0}")]
    Nats(String),
    /// wadm's reply could not be read.
    #[error("wadm's reply to `{operation}` could not be read: {reason}")]
    Decode {
        /// The operation asked.
        operation: &'static str,
        /// Why.
        reason: String,
    },
    /// wadm answered with an error.
    #[error("wadm refused `{operation}`: {message}")]
    Refused {
        /// The operation asked.
        operation: &'static str,
        /// wadm's message.
        message: String,
    },
    /// The application (or version) does not exist.
    #[error(
        "{message}: `wash app list` shows the applications, `wash app history NAME` their versions"
    )]
    NotFound {
        /// wadm's message.
        message: String,
    },
    /// A manifest file could not be read.
    #[error("cannot read the manifest `{path}`: {reason}")]
    ReadManifest {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A manifest is not an application wadm could read.
    #[error("`{path}` is not a wadm application manifest: {reason}")]
    InvalidManifest {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}
