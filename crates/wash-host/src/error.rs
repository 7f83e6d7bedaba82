//! Errors of starting and running a host.

/// A host could not start or carry out a command.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// NATS could not be reached.
    #[error("failed to connect to NATS at `{url}`: {reason}")]
    Connect {
        /// The URL tried.
        url: String,
        /// Why it failed.
        reason: String,
    },
    /// NATS asked for credentials, refused them, or TLS failed; or the credentials given are unusable.
    #[error("{0}: give the host credentials with `wash up --rpc-credsfile` (or `--rpc-jwt` and `--rpc-seed`; `--rpc-seed` alone for an nkey user; `user:password@` in `--nats-url`), and a CA with `--tls-ca-file` for a TLS server")]
    Credentials(wash_nats::NatsError),
    /// JetStream (needed for the lattice data bucket) is not available.
    #[error("JetStream is not available on `{url}` (start nats-server with `-js`): {reason}")]
    JetStream {
        /// The NATS URL.
        url: String,
        /// Why it failed.
        reason: String,
    },
    /// A seed given in the configuration is not valid.
    #[error("invalid {what} seed: {reason}")]
    BadSeed {
        /// Which seed.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The lattice bucket could not be read.
    #[error("failed to read the lattice bucket: {0}")]
    Bucket(String),
    /// A subscription could not be made.
    #[error("failed to subscribe to `{subject}`: {reason}")]
    Subscribe {
        /// The subject.
        subject: String,
        /// Why.
        reason: String,
    },
    /// A variable the host reads holds a value it cannot use.
    #[error("invalid `{var}`: {reason}")]
    Environment {
        /// The variable.
        var: &'static str,
        /// Why its value is refused.
        reason: String,
    },
    /// The actor runtime could not be created.
    #[error("failed to create the actor runtime: {0}")]
    Runtime(String),
}
