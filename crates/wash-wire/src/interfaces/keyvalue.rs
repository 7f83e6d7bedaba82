//! `wasmcloud:keyvalue`: the operations of the `KeyValue` service (actor → provider).

use serde::{Deserialize, Serialize};

/// Contract id.
pub const CONTRACT_ID: &str = "wasmcloud:keyvalue";

/// Argument of `KeyValue.Increment` (result: the new `i32`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncrementRequest {
    /// Key to increment.
    #[serde(default)]
    pub key: String,
    /// Amount (may be negative).
    #[serde(default)]
    pub value: i32,
}

/// Result of `KeyValue.Get` (argument: the key as a msgpack string).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetResponse {
    /// The value, or `""`.
    #[serde(default)]
    pub value: String,
    /// Whether the key exists.
    #[serde(default)]
    pub exists: bool,
}

/// Argument of `KeyValue.Set` (result: empty bytes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRequest {
    /// Key.
    #[serde(default)]
    pub key: String,
    /// Value.
    #[serde(default)]
    pub value: String,
    /// Expiry in seconds; 0 = never.
    #[serde(default)]
    pub expires: u32,
}

/// Argument of `KeyValue.ListAdd` (result: new length, `u32`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListAddRequest {
    /// List name.
    #[serde(rename = "listName", default)]
    pub list_name: String,
    /// Value to append.
    #[serde(default)]
    pub value: String,
}

/// Argument of `KeyValue.ListDel` (result: `bool`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListDelRequest {
    /// List name.
    #[serde(rename = "listName", default)]
    pub list_name: String,
    /// Value to remove.
    #[serde(default)]
    pub value: String,
}

/// Argument of `KeyValue.ListRange` (result: array of strings), inclusive indexes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRangeRequest {
    /// List name.
    #[serde(rename = "listName", default)]
    pub list_name: String,
    /// First index.
    #[serde(default)]
    pub start: i32,
    /// Last index (inclusive; negative counts from the end).
    #[serde(default)]
    pub stop: i32,
}

/// Argument of `KeyValue.SetAdd` (result: `u32`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAddRequest {
    /// Set name.
    #[serde(rename = "setName", default)]
    pub set_name: String,
    /// Member to add.
    #[serde(default)]
    pub value: String,
}

/// Argument of `KeyValue.SetDel` (result: `u32`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetDelRequest {
    /// Set name.
    #[serde(rename = "setName", default)]
    pub set_name: String,
    /// Member to remove.
    #[serde(default)]
    pub value: String,
}
