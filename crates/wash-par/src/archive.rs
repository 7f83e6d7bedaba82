//! The in-memory provider archive a host loads: verified claims plus the binaries it asked for.

use wash_claims::{CapabilityProvider, Claims, Token};

use crate::read::{scan, verify};
use crate::ParError;

/// The target string of this machine, `<arch>-<os>` from Rust's constants (`x86_64-linux`,
/// `aarch64-macos`, ...), which is how wasmCloud 0.x hosts pick their binary.
pub fn current_target() -> String {
    format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS)
}

/// A loaded, verified provider archive.
#[derive(Debug, Clone)]
pub struct ProviderArchive {
    token: Token<CapabilityProvider>,
    targets: Vec<String>,
    binaries: Vec<(String, Vec<u8>)>,
    compressed: bool,
}

impl ProviderArchive {
    /// Loads an archive (`.par` or `.par.gz`, detected from the bytes) with every binary, after the
    /// safety checks (regular files only, no `..` or absolute names), the claims signature and every
    /// binary's signed hash.
    pub fn load(bytes: &[u8]) -> Result<Self, ParError> {
        Self::load_filtered(bytes, &|_| true)
    }

    /// Like [`ProviderArchive::load`], but keeps only `target`'s binary in memory (all binaries are
    /// still verified). Fails if the archive has no binary for `target`.
    pub fn load_target(bytes: &[u8], target: &str) -> Result<Self, ParError> {
        let archive = Self::load_filtered(bytes, &|t| t == target)?;
        if archive.target_bytes(target).is_none() {
            return Err(ParError::Incomplete(
                "no binary for the requested target in the provider archive",
            ));
        }
        Ok(archive)
    }

    fn load_filtered(bytes: &[u8], keep: &dyn Fn(&str) -> bool) -> Result<Self, ParError> {
        let scanned = scan(bytes, keep)?;
        let token = verify(&scanned)?;
        Ok(Self {
            token,
            targets: scanned.targets.into_iter().map(|t| t.target).collect(),
            binaries: scanned.kept,
            compressed: scanned.compressed,
        })
    }

    /// The provider's claims: public key (`sub`), issuer, contract id, vendor, name, hashes.
    pub fn claims(&self) -> &Claims<CapabilityProvider> {
        &self.token.claims
    }

    /// The claims token as stored in `claims.jwt`.
    pub fn jwt(&self) -> &str {
        &self.token.jwt
    }

    /// Every target in the archive, in archive order (including ones not kept in memory).
    pub fn targets(&self) -> &[String] {
        &self.targets
    }

    /// The binary for `target` (`x86_64-linux`), if the archive has it and it was loaded.
    pub fn target_bytes(&self, target: &str) -> Option<&[u8]> {
        self.binaries
            .iter()
            .find(|(t, _)| t == target)
            .map(|(_, bytes)| bytes.as_slice())
    }

    /// Whether the archive was gzip-compressed.
    pub fn is_compressed(&self) -> bool {
        self.compressed
    }
}
