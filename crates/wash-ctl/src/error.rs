//! Errors of control-interface requests.

use std::time::Duration;

/// A control request could not be made or answered.
#[derive(Debug, thiserror::Error)]
pub enum CtlError {
    /// NATS could not be reached.
    #[error("no NATS server answers at `{url}` ({reason}): start a lattice with `wash up`, or point `--ctl-host`/`--ctl-port` (or the context) at yours")]
    Connect {
        /// The URL tried (password hidden).
        url: String,
        /// Why.
        reason: String,
    },
    /// NATS asked for credentials that were not given.
    #[error("the NATS server at `{url}` requires credentials: pass `--ctl-credsfile` (or `--ctl-jwt` and `--ctl-seed`; `--ctl-seed` alone for an nkey user; `--ctl-user` and `$WASH_CTL_PASSWORD` for a user with a password; `--rpc-*` for `wash call`), or set them in the context")]
    CredentialsRequired {
        /// The URL tried (password hidden).
        url: String,
    },
    /// The server does not let this user publish the request.
    #[error("the NATS user is not allowed to send `{subject}` (the server said: {message}): use credentials with that permission")]
    PermissionDenied {
        /// The subject refused.
        subject: String,
        /// The server's message.
        message: String,
    },
    /// NATS refused the credentials given.
    #[error("the NATS server at `{url}` refused the credentials given: check the `--ctl-*` (`--rpc-*` for `wash call`) credentials or the context's, and that the user belongs to the lattice's account")]
    Unauthorized {
        /// The URL tried (password hidden).
        url: String,
    },
    /// TLS with NATS failed.
    #[error("{0}: pass the CA that signed the server's certificate with `--tls-ca-file`")]
    Tls(String),
    /// NATS auth settings could not be used.
    #[error("{0}")]
    Auth(String),
    /// No answer in time.
    #[error("no {what} within {timeout:?}")]
    Timeout {
        /// What was awaited.
        what: &'static str,
        /// How long we waited.
        timeout: Duration,
    },
    /// The host accepted a stop but did not report it done in time.
    #[error(
        "host {host_id} accepted stopping {what} but did not report it stopped within {timeout:?}; it may \
         still be stopping: check with `wash ctl get inventory {host_id}`"
    )]
    NotStopped {
        /// The host.
        host_id: String,
        /// What was being stopped (`actor M…`, `provider V…`).
        what: String,
        /// How long we waited.
        timeout: Duration,
    },
    /// No host listens on the lattice at all.
    #[error("no host is listening on lattice `{lattice}` at `{url}`: start one with `wash up`")]
    NoHost {
        /// The lattice id.
        lattice: String,
        /// The NATS URL.
        url: String,
    },
    /// The named host does not answer.
    #[error("host `{host_id}` is not listening on lattice `{lattice}` at `{url}`: `wash ctl get hosts` lists the running hosts")]
    HostNotFound {
        /// The host id asked for.
        host_id: String,
        /// The lattice id.
        lattice: String,
        /// The NATS URL.
        url: String,
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
    /// No running actor was started from this reference.
    #[error("no actor started from `{reference}` runs on lattice `{lattice}`: pass the actor id (M…), or start it first")]
    ReferenceNotRunning {
        /// The OCI reference or path asked for.
        reference: String,
        /// The lattice id.
        lattice: String,
    },
    /// Different actors were started from the same reference.
    #[error("several actors were started from `{reference}`; pass one of their ids: {}", .actor_ids.join(", "))]
    SeveralActors {
        /// The reference asked for.
        reference: String,
        /// Their ids.
        actor_ids: Vec<String>,
    },
    /// The actor runs on no host of the lattice.
    #[error("actor `{actor_id}` is not running on lattice `{lattice}`: `wash ctl get inventory` lists what runs")]
    ActorNotRunning {
        /// The actor id.
        actor_id: String,
        /// The lattice id.
        lattice: String,
    },
    /// Several hosts qualify and none was named.
    #[error("several hosts qualify; pass `--host-id` with one of: {}", .host_ids.join(", "))]
    SeveralHosts {
        /// Their ids.
        host_ids: Vec<String>,
    },
    /// A host refused a command.
    #[error("host `{host_id}` refused to {what}: {reason}")]
    Refused {
        /// The host.
        host_id: String,
        /// What was asked, e.g. "stop actor `M…`".
        what: String,
        /// The host's reason.
        reason: String,
    },
}

impl From<wash_nats::NatsError> for CtlError {
    fn from(error: wash_nats::NatsError) -> Self {
        use wash_nats::NatsError;
        match error {
            NatsError::Connect { url, reason } => CtlError::Connect { url, reason },
            NatsError::Unauthorized {
                url,
                credentials_given: false,
            } => CtlError::CredentialsRequired { url },
            NatsError::Unauthorized { url, .. } => CtlError::Unauthorized { url },
            tls @ NatsError::Tls { .. } => CtlError::Tls(tls.to_string()),
            settings @ NatsError::Settings(_) => CtlError::Auth(settings.to_string()),
        }
    }
}
