//! wash's home folder and the local lattice that `wash up` starts and `wash down` stops.
//!
//! [`WashPaths`] resolves where everything lives once, from `WASH_HOME`, `WASH_KEYS` and `WASH_CACHE`
//! (in that documented order, see [`paths`](crate::WashPaths)); the libraries are handed paths and
//! never read those variables. Under the home folder: `nats.pid` / `nats.log` / `nats-data/` for a
//! NATS server that `wash up` started itself, `wadm.pid` / `wadm.log` for the wadm it started, `host.json` / `host.log` for the host process, and
//! the default context (`contexts/default.json`, or the one `contexts/index.json` names), which
//! `wash ctl` and `wash call` read (it records the host's cluster seed so invocations signed by
//! `wash call` are accepted). `wash down` stops only what these files say `wash up` started, and what
//! wash 0.18.1's `up` recorded in `downloads/nats.pid` and `downloads/wadm.pid`.

mod connection;
mod context;
mod downloads;
mod drain;
mod error;
mod hosts_down;
mod lattice;
mod nats;
mod paths;
mod state;
mod wadm;

pub use connection::{ConnectionFlags, LatticeConnection};
pub use context::{Context, ContextStore, DEFAULT_CONTEXT};
pub use downloads::{downloads_dir, recorded_processes, RecordedOutcome, RecordedProcess};
pub use drain::{empty_folder, Emptied};
pub use error::LocalError;
pub use hosts_down::{down_lattice, HostSelection, LatticeDown};
pub use lattice::{
    down, find_or_start_nats, record_lattice, start_background_host, DownReport, LatticeSettings,
    LatticeStep, LocalNats, NatsRequest, StaleRecord,
};
pub use nats::{
    nats_server_program, nats_server_version, probe_nats, start_nats_server, stop_started_nats,
    LeafRemote, NatsProbe, NatsServerOptions, StartedNats, DEFAULT_JS_DOMAIN,
};
pub use paths::{WashPaths, WASH_CACHE_ENV, WASH_HOME_ENV, WASH_KEYS_ENV};
pub use state::{pid_alive, HostRecord, ProcessId, Recorded, WashHome, HOST_PROGRAM, NATS_PROGRAM};
pub use wadm::{
    start_wadm, stop_started_wadm, wadm_program, wadm_version, StartedWadm, WadmOptions,
    WADM_PROGRAM,
};
