//! What one actor call may use: the linear-memory limit (its default, the `WASH_ACTOR_MAX_MEMORY`
//! variable and a store limiter that remembers a refused growth so the error can name it) and the call
//! deadline enforced through epoch interruption.

use std::time::Duration;

use wasmtime::ResourceLimiter;

/// The variable that sets the per-actor linear-memory limit (bytes, or a number with `KiB`, `MiB`,
/// `GiB`; e.g. `64MiB`).
pub const MAX_MEMORY_ENV: &str = "WASH_ACTOR_MAX_MEMORY";

/// The per-actor linear-memory limit when neither the configuration nor [`MAX_MEMORY_ENV`] sets one:
/// 256 MiB, the largest memory a pooling-allocator slot of this host holds by default.
pub const DEFAULT_MAX_MEMORY_BYTES: usize = 256 << 20;

/// The smallest limit accepted: one WebAssembly page.
const MIN_MEMORY_BYTES: u64 = 64 << 10;
/// The largest limit accepted: all a 32-bit memory can address.
const MAX_MEMORY_BYTES: u64 = 4 << 30;

/// A memory size that is not one this host accepts.
#[derive(Debug, thiserror::Error)]
pub enum MemorySizeError {
    /// Not a number with an optional unit.
    #[error("invalid memory size `{0}`: expected bytes, or a number with `KiB`, `MiB` or `GiB` (e.g. `128MiB`)")]
    Syntax(String),
    /// Smaller than one page or larger than 4 GiB.
    #[error("memory size `{0}` is out of range: it must be between 64 KiB and 4 GiB")]
    Range(String),
}

/// Parses a memory size: plain bytes (`1048576`) or a number with a binary unit (`64KiB`, `128MiB`,
/// `1GiB`; `K`, `M`, `G` and lowercase spellings too), between 64 KiB and 4 GiB.
pub fn parse_memory_size(text: &str) -> Result<usize, MemorySizeError> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (digits, unit) = trimmed.split_at(split);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(MemorySizeError::Syntax(text.to_owned())),
    };
    let number: u64 = digits
        .parse()
        .map_err(|_| MemorySizeError::Syntax(text.to_owned()))?;
    let bytes = number
        .checked_mul(1 << shift)
        .filter(|b| (MIN_MEMORY_BYTES..=MAX_MEMORY_BYTES).contains(b))
        .ok_or_else(|| MemorySizeError::Range(text.to_owned()))?;
    usize::try_from(bytes).map_err(|_| MemorySizeError::Range(text.to_owned()))
}

/// The limit [`MAX_MEMORY_ENV`] sets: `Ok(None)` when it is unset or empty.
pub fn max_memory_from_env() -> Result<Option<usize>, MemorySizeError> {
    match std::env::var(MAX_MEMORY_ENV) {
        Ok(value) if !value.trim().is_empty() => parse_memory_size(&value).map(Some),
        _ => Ok(None),
    }
}

/// Limits one instance's linear memory to `max_bytes` and remembers the largest growth it refused,
/// so a trap that follows can be reported as running out of memory. A refused `memory.grow` returns
/// -1 to the guest as the spec says (a guest may cope); most guests then abort.
pub(crate) struct MemoryLimiter {
    max_bytes: usize,
    refused: Option<usize>,
}

impl MemoryLimiter {
    /// A limiter allowing up to `max_bytes` of linear memory.
    pub(crate) fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            refused: None,
        }
    }

    /// The size the instance last asked to grow to and was refused, if any.
    pub(crate) fn refused(&self) -> Option<usize> {
        self.refused
    }

    /// The limit, in bytes.
    pub(crate) fn max_bytes(&self) -> usize {
        self.max_bytes
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.refused = Some(self.refused.map_or(desired, |r| r.max(desired)));
            return Ok(false);
        }
        Ok(maximum.is_none_or(|max| desired <= max))
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(maximum.is_none_or(|max| desired <= max))
    }
}

/// The trap raised when a call runs past its deadline (wall clock, host calls included).
#[derive(Debug, thiserror::Error)]
#[error("the call ran past its deadline of {0:?}")]
pub(crate) struct DeadlineExceeded(pub(crate) Duration);

/// Formats a byte count for messages: `64 MiB`, `65.2 MiB`, or bytes under 1 MiB.
pub(crate) fn human_bytes(bytes: usize) -> String {
    const MIB: usize = 1 << 20;
    if bytes >= MIB && bytes & (MIB - 1) == 0 {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain bytes and the binary units parse; the bounds are one page and 4 GiB.
    #[test]
    fn memory_sizes_parse_with_units_and_bounds() {
        assert_eq!(parse_memory_size("1048576").ok(), Some(1 << 20));
        assert_eq!(parse_memory_size("64KiB").ok(), Some(64 << 10));
        assert_eq!(parse_memory_size(" 128 MiB ").ok(), Some(128 << 20));
        assert_eq!(parse_memory_size("2g").ok(), Some(2 << 30));
        assert_eq!(parse_memory_size("4GiB").ok(), Some(4 << 30));
        assert!(matches!(
            parse_memory_size("1KiB"),
            Err(MemorySizeError::Range(_))
        ));
        assert!(matches!(
            parse_memory_size("5GiB"),
            Err(MemorySizeError::Range(_))
        ));
        assert!(matches!(
            parse_memory_size("99999999999999999999"),
            Err(MemorySizeError::Syntax(_))
        ));
        for bad in ["", "MiB", "12 parsecs", "-5MiB", "1.5GiB"] {
            assert!(
                matches!(parse_memory_size(bad), Err(MemorySizeError::Syntax(_))),
                "{bad}"
            );
        }
    }

    /// Byte counts read as whole or tenths of MiB, small ones as bytes.
    #[test]
    fn byte_counts_read_in_mib() {
        assert_eq!(human_bytes(32 << 20), "32 MiB");
        assert_eq!(human_bytes(68_354_048), "65.2 MiB");
        assert_eq!(human_bytes(4096), "4096 bytes");
    }

    /// A growth over the limit is refused (not trapped) and remembered; one within it is allowed; one over
    /// the module's own maximum is refused without being blamed on the limit.
    #[test]
    fn limiter_refuses_and_remembers_growth_over_the_limit() {
        let mut limiter = MemoryLimiter::new(1 << 20);
        assert!(limiter.memory_growing(0, 1 << 20, None).unwrap_or(false));
        assert_eq!(limiter.refused(), None);
        assert!(!limiter
            .memory_growing(1 << 20, 2 << 20, None)
            .unwrap_or(true));
        assert_eq!(limiter.refused(), Some(2 << 20));
        let mut limiter = MemoryLimiter::new(1 << 20);
        assert!(!limiter
            .memory_growing(0, 128 << 10, Some(64 << 10))
            .unwrap_or(true));
        assert_eq!(
            limiter.refused(),
            None,
            "the module's own maximum is not the host's limit"
        );
    }
}
