//! What an artifact is (actor module or provider archive), told from its content, and its media types.

use std::io::{self, Read};

use sha2::{Digest, Sha256};

/// Layer media type of a signed actor module (wash 0.x; not the CNCF `vnd.wasm` type).
pub const ACTOR_LAYER_MEDIA_TYPE: &str = "application/vnd.module.wasm.content.layer.v1+wasm";
/// Config media type of an actor artifact.
pub const ACTOR_CONFIG_MEDIA_TYPE: &str = "application/vnd.wasmcloud.actor.archive.config";
/// Layer media type of a provider archive (`.par` or `.par.gz`).
pub const PROVIDER_LAYER_MEDIA_TYPE: &str =
    "application/vnd.wasmcloud.provider.archive.layer.v1+par";
/// Config media type of a provider artifact.
pub const PROVIDER_CONFIG_MEDIA_TYPE: &str = "application/vnd.wasmcloud.provider.archive.config";
/// Plain OCI tar layer, also accepted on pull as wash 0.x did.
pub const OCI_TAR_LAYER_MEDIA_TYPE: &str = "application/vnd.oci.image.layer.v1.tar";
/// Manifest media type (the `Content-Type` of a manifest PUT; the body has no `mediaType`).
pub const OCI_MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// Docker's v2 manifest type, accepted on pull (same layout).
pub const DOCKER_MANIFEST_MEDIA_TYPE: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// The layer media types a pull accepts.
pub const ACCEPTED_LAYER_MEDIA_TYPES: [&str; 3] = [
    ACTOR_LAYER_MEDIA_TYPE,
    PROVIDER_LAYER_MEDIA_TYPE,
    OCI_TAR_LAYER_MEDIA_TYPE,
];

/// The two kinds of artifact wash pushes and pulls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ArtifactKind {
    /// A WebAssembly module with embedded claims.
    Actor,
    /// A provider archive.
    Provider,
}

impl ArtifactKind {
    /// The layer media type for this kind.
    pub fn layer_media_type(self) -> &'static str {
        match self {
            Self::Actor => ACTOR_LAYER_MEDIA_TYPE,
            Self::Provider => PROVIDER_LAYER_MEDIA_TYPE,
        }
    }

    /// The config media type for this kind.
    pub fn config_media_type(self) -> &'static str {
        match self {
            Self::Actor => ACTOR_CONFIG_MEDIA_TYPE,
            Self::Provider => PROVIDER_CONFIG_MEDIA_TYPE,
        }
    }

    /// The file extension a pull gives this kind (`.wasm`, `.par.gz` as wash 0.x did).
    pub fn extension(self) -> &'static str {
        match self {
            Self::Actor => ".wasm",
            Self::Provider => ".par.gz",
        }
    }
}

impl std::fmt::Display for ArtifactKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Actor => "actor",
            Self::Provider => "provider",
        })
    }
}

/// What one pass over an artifact found: its kind, its SHA-256 digest and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// Actor or provider.
    pub kind: ArtifactKind,
    /// `sha256:<lowercase hex>` of every byte read.
    pub digest: String,
    /// Number of bytes.
    pub size: u64,
}

/// Reads an artifact once, to the end: tells its kind from its content and hashes every byte.
///
/// An actor is a wasm module (`\0asm`) with an embedded token whose module hash matches (the
/// signature is not checked, as in wash 0.x); a provider is a provider archive (tar or gzip) that
/// loads and verifies. Anything else is an error naming why.
pub fn classify<R: Read>(reader: R) -> Result<Classified, String> {
    let (kind, digest, size) = read_artifact(reader, true)?;
    Ok(Classified {
        kind,
        digest: digest.unwrap_or_default(),
        size,
    })
}

/// Reads an artifact whose bytes are already known good (a layer just checked against its digest)
/// to the end, without hashing it again: its kind and size. An actor must still be a well-formed
/// module with a decodable token (the module hash is not recomputed); a provider archive is told by
/// its gzip or tar header (the host verifies the archive when it starts the provider).
pub fn identify<R: Read>(reader: R) -> Result<(ArtifactKind, u64), String> {
    let (kind, _, size) = read_artifact(reader, false)?;
    Ok((kind, size))
}

/// Reads an artifact to its end and tells its kind from its content; returns the kind, the
/// `sha256:<hex>` of every byte when `verify` is set, and the size. `verify` also checks an actor's
/// module hash and the whole provider archive ([`classify`]); without it, see [`identify`].
fn read_artifact<R: Read>(
    mut reader: R,
    verify: bool,
) -> Result<(ArtifactKind, Option<String>, u64), String> {
    let mut magic = [0u8; 4];
    let n = read_up_to(&mut reader, &mut magic).map_err(|e| e.to_string())?;
    let head = &magic[..n];
    let stream = head.chain(reader);
    let no_claims =
        |e: wash_claims::ClaimsError| format!("a wasm module without valid claims ({e})");
    if head == b"\0asm" {
        if verify {
            // One walk hashes the file and checks the module hash, sharing the bytes before the token.
            let (_, input) =
                wash_claims::read_module_claims_with_digest(stream).map_err(no_claims)?;
            let digest = format!("sha256:{}", hex::encode(input.sha256));
            return Ok((ArtifactKind::Actor, Some(digest), input.len));
        }
        // The walk reads the module to its end.
        let mut counting = HashingReader::counting(stream);
        wash_claims::read_module_token(&mut counting).map_err(no_claims)?;
        let (_, size) = counting.finish();
        return Ok((ArtifactKind::Actor, None, size));
    }
    if !(head.starts_with(&[0x1f, 0x8b]) || looks_like_tar(head)) {
        return Err("neither a wasm module nor a provider archive".into());
    }
    let mut reading = if verify {
        HashingReader::new(stream)
    } else {
        HashingReader::counting(stream)
    };
    if verify {
        wash_par::inspect(&mut reading)
            .map_err(|e| format!("not a valid provider archive ({e})"))?;
    }
    // The archive reader may stop before the end (tar padding): read the rest too.
    io::copy(&mut reading, &mut io::sink()).map_err(|e| e.to_string())?;
    let (digest, size) = reading.finish();
    Ok((ArtifactKind::Provider, digest, size))
}

/// A tar stream has no magic in its first bytes; a file name is ASCII. `ustar` sits at offset 257,
/// which the archive reader checks.
fn looks_like_tar(head: &[u8]) -> bool {
    !head.is_empty() && head.iter().all(|b| b.is_ascii_graphic())
}

fn read_up_to<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// A reader that counts what passes through it and hashes it (SHA-256) unless made with
/// [`HashingReader::counting`].
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Option<Sha256>,
    size: u64,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Some(Sha256::new()),
            size: 0,
        }
    }

    /// Counts without hashing.
    pub(crate) fn counting(inner: R) -> Self {
        Self {
            inner,
            hasher: None,
            size: 0,
        }
    }

    /// `sha256:<hex>` (when hashing) and the byte count.
    pub(crate) fn finish(self) -> (Option<String>, u64) {
        let digest = self
            .hasher
            .map(|hasher| format!("sha256:{}", hex::encode(hasher.finalize())));
        (digest, self.size)
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(hasher) = self.hasher.as_mut() {
            hasher.update(&buf[..n]);
        }
        self.size += n as u64;
        Ok(n)
    }
}

/// `sha256:<hex>` of some bytes.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn vector(name: &str) -> Vec<u8> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/vectors/wash")
            .join(name);
        std::fs::read(path).unwrap()
    }

    /// wash 0.18.1's signed actor is an actor; the digest is that of the vector manifest's layer.
    #[test]
    fn classifies_the_signed_actor_vector() {
        let found = classify(&vector("tiny_s.wasm")[..]).unwrap();
        assert_eq!(found.kind, ArtifactKind::Actor);
        assert_eq!(found.size, 690);
        assert_eq!(
            found.digest,
            "sha256:3e60ebce7f7545ae79b23f14958bef691ca01563ec17a2baeebd47c3d3a30f4c"
        );
    }

    /// wash 0.18.1's provider archive is a provider, with the vector manifest's layer digest.
    #[test]
    fn classifies_the_provider_vector() {
        let found = classify(&vector("tinyprov.par.gz")[..]).unwrap();
        assert_eq!(found.kind, ArtifactKind::Provider);
        assert_eq!(
            found.digest,
            "sha256:227d80832d472f66aecffc6dab6fbbb4249325879701b60fd76533220180884f"
        );
    }

    /// Unsigned wasm, a tampered signed module and random bytes are refused with a reason.
    #[test]
    fn refuses_unsigned_tampered_and_other_files() {
        let err = classify(&vector("tiny.wasm")[..]).unwrap_err();
        assert!(err.contains("without valid claims"), "{err}");
        let mut tampered = vector("tiny_s.wasm");
        tampered[30] ^= 1;
        assert!(classify(&tampered[..]).is_err());
        let err = classify(&b"hello world"[..]).unwrap_err();
        assert!(err.contains("provider archive"), "{err}");
        let err = classify(&[0xffu8, 0, 1][..]).unwrap_err();
        assert!(err.contains("neither"), "{err}");
    }

    /// `identify` (for bytes already checked against a digest) tells the same kind and size as
    /// `classify`, refuses unsigned wasm and other files alike, and does not recompute the module hash.
    #[test]
    fn identify_agrees_with_classify_without_the_hashes() {
        for name in ["tiny_s.wasm", "tinyprov.par.gz"] {
            let bytes = vector(name);
            let classified = classify(&bytes[..]).unwrap();
            assert_eq!(
                identify(&bytes[..]).unwrap(),
                (classified.kind, classified.size),
                "{name}"
            );
        }
        let err = identify(&vector("tiny.wasm")[..]).unwrap_err();
        assert!(err.contains("without valid claims"), "{err}");
        assert!(identify(&[0xffu8, 0, 1][..])
            .unwrap_err()
            .contains("neither"));
        // A module byte that the token's hash covers (the last byte before the JWT section).
        let mut changed = vector("tiny_s.wasm");
        let jwt_start = vector("tiny.wasm").len();
        changed[jwt_start - 1] ^= 1;
        assert!(
            classify(&changed[..]).is_err(),
            "classify checks the module hash"
        );
        assert_eq!(identify(&changed[..]).unwrap().0, ArtifactKind::Actor);
    }
}
