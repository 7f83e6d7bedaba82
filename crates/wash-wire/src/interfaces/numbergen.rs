//! `wasmcloud:builtin:numbergen`: GUIDs and random numbers, served by the host itself.

use serde::{Deserialize, Serialize};

/// Contract id.
pub const CONTRACT_ID: &str = "wasmcloud:builtin:numbergen";

/// Argument of `NumberGen.RandomInRange` (result: `u32` in `min..=max`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeLimit {
    /// Lowest value.
    #[serde(default)]
    pub min: u32,
    /// Highest value (inclusive).
    #[serde(default)]
    pub max: u32,
}
