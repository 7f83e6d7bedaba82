//! The local lattice that `wash up` starts and `wash down` stops.
//!
//! Everything lives under `~/.wash` (or `$WASH_HOME`): `nats.pid` / `nats.log` / `nats-data/` for a
//! NATS server that `wash up` started itself, `host.json` / `host.log` for the host process, and
//! `contexts/default.json`, the context `wash ctl` and `wash call` read (it records the host's cluster
//! seed so invocations signed by `wash call` are accepted). `wash down` stops only what these files say
//! `wash up` started.

mod context;
mod error;
mod nats;
mod state;

pub use context::{Context, ContextStore, DEFAULT_CONTEXT};
pub use error::LocalError;
pub use nats::{nats_server_program, probe_nats, start_nats_server, NatsProbe, StartedNats};
pub use state::{pid_alive, stop_pid, HostRecord, WashHome};
