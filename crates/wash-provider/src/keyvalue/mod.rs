//! `wasmcloud:keyvalue` for the KV providers: the 15 operations and their results, their semantics
//! once over any compare-and-set store, and the provider that serves them.
//!
//! - [`request`]: [`KeyValueRequest`] decoded from an invocation, [`KeyValueReply`] encoded back.
//! - [`cas`]: [`CasStore`], the few calls a versioned backend provides (read with a version, write
//!   if the version still holds), and [`CasKeyValue`], every operation on top of it — lists and sets
//!   as JSON arrays, lazy expiry, no lost update.
//! - [`names`]: [`store_name`], an actor's key as a name the store accepts.
//! - [`provider`]: [`KeyValueProvider`], the [`crate::ProviderHandler`] of a KV provider, over a
//!   [`KeyValueBackend`] that opens what each link needs and runs requests against it.

pub mod cas;
pub mod names;
pub mod provider;
pub mod request;

pub use cas::{CasKeyValue, CasStore, Stored, Versioned, Written};
pub use names::store_name;
pub use provider::{KeyValueBackend, KeyValueProvider};
pub use request::{list_range, KeyValueReply, KeyValueRequest};
