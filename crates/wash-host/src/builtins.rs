//! Built-in capabilities every host serves itself: `wasmcloud:builtin:logging` and `…:numbergen`.

use wash_wire::interfaces::logging::LogEntry;
use wash_wire::interfaces::numbergen::RangeLimit;
use wash_wire::interfaces::{logging, numbergen};
use wash_wire::msgpack;

use crate::claims::ActorIdentity;

/// Serves one built-in operation for `actor`.
pub(crate) fn call(
    actor: &ActorIdentity,
    contract: &str,
    operation: &str,
    payload: &[u8],
) -> Result<Vec<u8>, String> {
    let name = actor.name.as_deref().unwrap_or(&actor.public_key);
    match (contract, operation) {
        (logging::CONTRACT_ID, "Logging.WriteLog") => {
            let entry: LogEntry =
                msgpack::decode(payload, "log entry").map_err(|e| e.to_string())?;
            let text = entry.text;
            match entry.level.to_ascii_lowercase().as_str() {
                "trace" => tracing::trace!(actor = name, "{text}"),
                "debug" => tracing::debug!(actor = name, "{text}"),
                "warn" => tracing::warn!(actor = name, "{text}"),
                "error" | "critical" => tracing::error!(actor = name, "{text}"),
                _ => tracing::info!(actor = name, "{text}"),
            }
            Ok(Vec::new())
        }
        (numbergen::CONTRACT_ID, "NumberGen.GenerateGuid") => {
            encode(&uuid::Uuid::new_v4().to_string())
        }
        (numbergen::CONTRACT_ID, "NumberGen.Random32") => encode(&random_u32()),
        (numbergen::CONTRACT_ID, "NumberGen.RandomInRange") => {
            let range: RangeLimit = msgpack::decode(payload, "range").map_err(|e| e.to_string())?;
            if range.min > range.max {
                return Err(format!(
                    "invalid range: min {} is greater than max {}",
                    range.min, range.max
                ));
            }
            let span = u64::from(range.max - range.min) + 1;
            let value = range.min + (u64::from(random_u32()) % span) as u32;
            encode(&value)
        }
        _ => Err(format!("{operation} is not an operation of {contract}")),
    }
}

fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, String> {
    msgpack::encode(value, "builtin result").map_err(|e| e.to_string())
}

fn random_u32() -> u32 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}
