//! Provider archives (`.par`, `.par.gz`): a tar of `claims.jwt` plus one `<target>.bin` per platform.
//!
//! Format: `shared/spec/par.md`. Writing is deterministic apart from the JWT: entries in a fixed
//! order (`claims.jwt`, then targets in the order given), GNU headers with mtime 0, uid/gid 0, mode
//! 0644 for the claims and 0755 for binaries. Reading accepts only regular files with relative,
//! `..`-free names, verifies the claims' signature and every binary's SHA-256 against the signed
//! `target_hashes`.
//!
//! Hosts call [`ProviderArchive::load`] (or [`ProviderArchive::load_target`] to keep only their own
//! binary in memory) and pick their binary with [`current_target`]. The CLI uses the streaming
//! [`inspect`], [`create`] and [`insert`], which never hold a whole binary in memory; `wash par` and
//! `wash build` write archive files with [`create_file`] and [`insert_file`] (atomically, with a job's
//! [`wash_keys::SigningKeys`]).

mod archive;
mod error;
mod file;
mod pargz;
mod read;
mod write;

pub use archive::{current_target, ProviderArchive};
pub use error::ParError;
pub use file::{create_file, insert_file, ArchivePacking};
pub use read::{inspect, ArchiveSummary, TargetEntry};
pub use write::{create, insert, validate_target, BinarySource, ProviderSpec, COMPRESSION_LEVEL};

/// The name of the claims entry.
pub const CLAIMS_ENTRY: &str = "claims.jwt";

#[cfg(test)]
mod tests;
