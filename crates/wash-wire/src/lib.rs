//! Wire types of the wasmCloud 0.x lattice, in one place for the control client, the host and providers.
//!
//! - [`subjects`]: NATS subjects of the RPC, control and event planes.
//! - [`rpc`]: msgpack `Invocation` / `InvocationResponse`, entities and their URLs, health replies.
//! - [`link`]: `LinkDefinition` (JSON on the control plane and in the KV bucket, msgpack to providers).
//! - [`host_data`]: what a host writes on a provider's stdin.
//! - [`ctl`]: control-interface requests and replies (JSON).
//! - [`events`]: CloudEvents published on `wasmbus.evt.<lattice>`.
//! - [`interfaces`]: operation payloads of the interfaces the host and our providers speak.
//! - [`wadm`]: the NATS API of wadm 0.4, the application deployment manager (`wash app`).
//! - [`msgpack`]: the one msgpack encoding every envelope and payload uses (structs as named maps).

pub mod ctl;
pub mod events;
pub mod host_data;
pub mod interfaces;
pub mod link;
pub mod msgpack;
pub mod rpc;
pub mod subjects;
pub mod wadm;

mod error;

pub use error::WireError;
pub use host_data::HostData;
pub use link::LinkDefinition;
pub use rpc::{HealthCheckResponse, Invocation, InvocationResponse, WasmCloudEntity};

/// The lattice id used when none is configured.
pub const DEFAULT_LATTICE: &str = "default";
/// The link name used when none is given.
pub const DEFAULT_LINK_NAME: &str = "default";
/// Default RPC timeout of hosts and providers, in milliseconds.
pub const DEFAULT_RPC_TIMEOUT_MS: u64 = 2000;
/// Payloads larger than this travel through the JetStream object store (rpc.md §6).
pub const CHUNK_THRESHOLD_BYTES: usize = 900 * 1024;
