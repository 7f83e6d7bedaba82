//! `wasmcloud:keyvalue` operations decoded into one enum, and their results encoded.

use serde::Serialize;
use wash_wire::interfaces::keyvalue::{
    GetResponse, IncrementRequest, ListAddRequest, ListDelRequest, ListRangeRequest, SetAddRequest,
    SetDelRequest, SetRequest,
};

/// One decoded `KeyValue.*` invocation (actor-abi.md §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyValueRequest {
    /// `KeyValue.Increment` → i32.
    Increment(IncrementRequest),
    /// `KeyValue.Contains` → bool.
    Contains(String),
    /// `KeyValue.Del` → bool.
    Del(String),
    /// `KeyValue.Get` → [`GetResponse`].
    Get(String),
    /// `KeyValue.Set` → nothing.
    Set(SetRequest),
    /// `KeyValue.ListAdd` → u32 new length.
    ListAdd(ListAddRequest),
    /// `KeyValue.ListClear` → bool.
    ListClear(String),
    /// `KeyValue.ListDel` → bool.
    ListDel(ListDelRequest),
    /// `KeyValue.ListRange` → list of strings.
    ListRange(ListRangeRequest),
    /// `KeyValue.SetAdd` → u32.
    SetAdd(SetAddRequest),
    /// `KeyValue.SetDel` → u32.
    SetDel(SetDelRequest),
    /// `KeyValue.SetIntersection` → list of strings.
    SetIntersection(Vec<String>),
    /// `KeyValue.SetUnion` → list of strings.
    SetUnion(Vec<String>),
    /// `KeyValue.SetQuery` → list of strings.
    SetQuery(String),
    /// `KeyValue.SetClear` → bool.
    SetClear(String),
}

/// The result of a `KeyValue.*` operation, before encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyValueReply {
    /// A msgpack i32.
    Int(i32),
    /// A msgpack u32.
    Count(u32),
    /// A msgpack bool.
    Bool(bool),
    /// A `GetResponse` map.
    Get(GetResponse),
    /// An array of strings.
    Strings(Vec<String>),
    /// No output: zero bytes.
    Unit,
}

fn decode<T: serde::de::DeserializeOwned>(payload: &[u8], operation: &str) -> Result<T, String> {
    rmp_serde::from_slice(payload).map_err(|e| format!("invalid argument for {operation}: {e}"))
}

impl KeyValueRequest {
    /// Decodes the msgpack argument of `operation`; unknown operations are an error string.
    pub fn decode(operation: &str, payload: &[u8]) -> Result<Self, String> {
        let p = payload;
        let op = operation;
        Ok(match operation {
            "KeyValue.Increment" => Self::Increment(decode(p, op)?),
            "KeyValue.Contains" => Self::Contains(decode(p, op)?),
            "KeyValue.Del" => Self::Del(decode(p, op)?),
            "KeyValue.Get" => Self::Get(decode(p, op)?),
            "KeyValue.Set" => Self::Set(decode(p, op)?),
            "KeyValue.ListAdd" => Self::ListAdd(decode(p, op)?),
            "KeyValue.ListClear" => Self::ListClear(decode(p, op)?),
            "KeyValue.ListDel" => Self::ListDel(decode(p, op)?),
            "KeyValue.ListRange" => Self::ListRange(decode(p, op)?),
            "KeyValue.SetAdd" => Self::SetAdd(decode(p, op)?),
            "KeyValue.SetDel" => Self::SetDel(decode(p, op)?),
            "KeyValue.SetIntersection" => Self::SetIntersection(decode(p, op)?),
            "KeyValue.SetUnion" => Self::SetUnion(decode(p, op)?),
            "KeyValue.SetQuery" => Self::SetQuery(decode(p, op)?),
            "KeyValue.SetClear" => Self::SetClear(decode(p, op)?),
            other => return Err(format!("unsupported operation: `{other}`")),
        })
    }
}

fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, String> {
    wash_wire::msgpack::encode(value, "keyvalue result").map_err(|e| e.to_string())
}

impl KeyValueReply {
    /// Encodes the result as the official interface crates expect it.
    pub fn encode(&self) -> Result<Vec<u8>, String> {
        match self {
            Self::Int(n) => encode(n),
            Self::Count(n) => encode(n),
            Self::Bool(b) => encode(b),
            Self::Get(get) => encode(get),
            Self::Strings(list) => encode(list),
            Self::Unit => Ok(Vec::new()),
        }
    }
}

/// Redis-style inclusive range `start..=stop` of a list of `len` items (negative = from the end).
pub fn list_range(len: usize, start: i32, stop: i32) -> std::ops::Range<usize> {
    let len = len as i64;
    let norm = |i: i32| {
        let i = i as i64;
        if i < 0 {
            (len + i).max(0)
        } else {
            i
        }
    };
    let (start, stop) = (norm(start), norm(stop).min(len - 1));
    if start > stop || start >= len {
        return 0..0;
    }
    start as usize..(stop + 1) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Arguments encoded as the official interface crate does decode into the right variant.
    #[test]
    fn decodes_operations() {
        let inc = wash_wire::msgpack::encode(
            &IncrementRequest {
                key: "counter".into(),
                value: 2,
            },
            "t",
        )
        .expect("encode");
        assert_eq!(
            KeyValueRequest::decode("KeyValue.Increment", &inc),
            Ok(KeyValueRequest::Increment(IncrementRequest {
                key: "counter".into(),
                value: 2
            }))
        );
        let key = wash_wire::msgpack::encode("k", "t").expect("encode");
        assert_eq!(
            KeyValueRequest::decode("KeyValue.Get", &key),
            Ok(KeyValueRequest::Get("k".into()))
        );
        assert!(KeyValueRequest::decode("KeyValue.Nope", &key).is_err());
        assert!(KeyValueRequest::decode("KeyValue.Increment", b"\xc1").is_err());
        assert_eq!(KeyValueReply::Unit.encode(), Ok(Vec::new()));
        assert_eq!(KeyValueReply::Bool(true).encode(), Ok(vec![0xc3]));
    }

    /// List ranges follow redis LRANGE: inclusive, negative from the end, clamped.
    #[test]
    fn list_range_like_lrange() {
        assert_eq!(list_range(5, 0, -1), 0..5);
        assert_eq!(list_range(5, 1, 2), 1..3);
        assert_eq!(list_range(5, -2, -1), 3..5);
        assert_eq!(list_range(5, 3, 100), 3..5);
        assert_eq!(list_range(5, 4, 2), 0..0);
        assert_eq!(list_range(0, 0, -1), 0..0);
        assert_eq!(list_range(5, -100, 0), 0..1);
    }
}
