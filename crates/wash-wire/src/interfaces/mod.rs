//! Operation payloads of the interfaces our host and providers speak, msgpack-compatible with the
//! official 0.x interface crates (field names exactly as the Smithy members).

pub mod httpserver;
pub mod keyvalue;
pub mod logging;
pub mod numbergen;
