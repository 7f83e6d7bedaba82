//! The msgpack encoding of every RPC envelope and interface payload: structs as maps keyed by field name.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::WireError;

/// Encodes `value` with structs as named maps (rmp-serde `to_vec_named`), as wasmbus-rpc does.
pub fn encode<T: Serialize + ?Sized>(value: &T, what: &'static str) -> Result<Vec<u8>, WireError> {
    rmp_serde::to_vec_named(value).map_err(|source| WireError::MsgpackEncode { what, source })
}

/// Decodes msgpack; structs may be maps (named) or arrays (positional), as wasmbus-rpc accepts.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], what: &'static str) -> Result<T, WireError> {
    rmp_serde::from_slice(bytes).map_err(|source| WireError::MsgpackDecode { what, source })
}

/// Serde helper: a string that also accepts msgpack/JSON nil as `""` (tolerant decoding of entities).
pub(crate) mod nil_as_empty {
    use serde::{Deserialize, Deserializer};

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
    }
}
