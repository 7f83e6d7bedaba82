//! wash's home folder and the local lattice that `wash up` starts and `wash down` stops.
//!
//! [`WashPaths`] resolves where everything lives once, from `WASH_HOME`, `WASH_KEYS` and `WASH_CACHE`
//! (in that documented order, see [`paths`](crate::WashPaths)); the libraries are handed paths and
//! never read those variables. Under the home folder: `nats.pid` / `nats.log` / `nats-data/` for a
//! NATS server that `wash up` started itself, `host.json` / `host.log` for the host process, and
//! `contexts/default.json`, the context `wash ctl` and `wash call` read (it records the host's cluster
//! seed so invocations signed by `wash call` are accepted). `wash down` stops only what these files
//! say `wash up` started.

mod connection;
mod context;
mod error;
mod lattice;
mod nats;
mod paths;
mod state;

pub use connection::{ConnectionFlags, LatticeConnection};
pub use context::{Context, ContextStore, DEFAULT_CONTEXT};
pub use error::LocalError;
pub use lattice::{
    down, find_or_start_nats, record_lattice, start_background_host, DownReport, LatticeSettings,
    LatticeStep, LocalNats, NatsRequest,
};
pub use nats::{
    nats_server_program, probe_nats, start_nats_server, stop_started_nats, NatsProbe, StartedNats,
};
pub use paths::{WashPaths, WASH_CACHE_ENV, WASH_HOME_ENV, WASH_KEYS_ENV};
pub use state::{pid_alive, stop_pid, HostRecord, WashHome};
