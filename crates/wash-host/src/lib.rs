//! The wash lattice host: runs wasmbus actors on wasmtime and native capability providers, routes RPC
//! between them over NATS, keeps links and claims in the `LATTICEDATA_<lattice>` bucket and serves the
//! wasmCloud 0.x control interface.

mod actors;
mod builtins;
mod claims;
mod config;
mod ctl;
mod error;
mod events;
mod host;
mod limits;
mod providers;
mod refs;
mod store;
mod wasi;

pub mod runtime;

pub use claims::{ActorIdentity, ProviderIdentity};
pub use config::{HostConfig, NatsAuth, NatsTls};
pub use error::HostError;
pub use host::Host;
