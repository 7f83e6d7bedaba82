//! The local OCI cache: blobs named by their digest, plus the manifest digest last seen for each tag.
//!
//! Layout under the cache root (the caller's choice; wash uses `~/.wash/cache/oci`, or `WASH_CACHE`):
//! `blobs/sha256/<hex>` (manifests and layers), `tags/<registry>/<repository>/<tag>` (a manifest
//! digest, for `--offline`), `tmp/` (downloads in progress). Every write goes through `tmp/` and a
//! rename, so a reader never sees half a blob; every read is checked against its digest.

use std::path::{Path, PathBuf};

use crate::artifact::sha256_digest;
use crate::reference::{normalize_digest, ArtifactRef};
use crate::OciError;

/// The folders this cache owns; `drain` removes these and nothing else.
const OWNED: [&str; 3] = ["blobs", "tags", "tmp"];

/// What `drain` removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrainReport {
    /// The cache root.
    pub dir: PathBuf,
    /// Files removed.
    pub files: u64,
    /// Bytes those files held.
    pub bytes: u64,
}

/// A content-addressed cache rooted at one folder.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    /// A cache rooted at `root` (created lazily on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The cache root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob with this digest lives (it may not exist).
    pub fn blob_path(&self, digest: &str) -> Result<PathBuf, OciError> {
        let digest = normalize_digest(digest)?;
        let hex = digest.trim_start_matches("sha256:");
        Ok(self.root.join("blobs").join("sha256").join(hex))
    }

    /// Whether the blob is present (not checked: reads check).
    pub fn has_blob(&self, digest: &str) -> bool {
        self.blob_path(digest).is_ok_and(|p| p.is_file())
    }

    /// Reads a small blob (a manifest) and checks its digest; `None` if absent. A blob whose bytes no
    /// longer match is removed and reported absent.
    pub fn read_small_blob(&self, digest: &str) -> Result<Option<Vec<u8>>, OciError> {
        let path = self.blob_path(digest)?;
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(OciError::io("read", path)(e)),
        };
        if sha256_digest(&bytes) != normalize_digest(digest)? {
            tracing::warn!("removing corrupt cache entry `{}`", path.display());
            let _ = std::fs::remove_file(&path);
            return Ok(None);
        }
        Ok(Some(bytes))
    }

    /// Reads a whole blob into memory, checking its digest.
    pub fn read_blob_verified(&self, digest: &str) -> Result<Vec<u8>, OciError> {
        let path = self.blob_path(digest)?;
        let bytes = std::fs::read(&path).map_err(OciError::io("read", &path))?;
        let actual = sha256_digest(&bytes);
        let expected = normalize_digest(digest)?;
        if actual != expected {
            let _ = std::fs::remove_file(&path);
            return Err(OciError::DigestMismatch {
                what: format!("cached blob `{}`", path.display()),
                expected,
                actual,
            });
        }
        Ok(bytes)
    }

    /// A new temp file in `tmp/`, to be filled and then [`Cache::commit`]ted.
    pub fn temp_file(&self) -> Result<tempfile::NamedTempFile, OciError> {
        let dir = self.root.join("tmp");
        std::fs::create_dir_all(&dir).map_err(OciError::io("create", &dir))?;
        tempfile::Builder::new()
            .prefix("blob-")
            .tempfile_in(&dir)
            .map_err(OciError::io("create a file in", &dir))
    }

    /// Moves a filled temp file (whose digest the caller checked) to its blob path.
    pub fn commit(&self, temp: tempfile::NamedTempFile, digest: &str) -> Result<PathBuf, OciError> {
        let path = self.blob_path(digest)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(OciError::io("create", dir))?;
        }
        temp.persist(&path)
            .map_err(|e| OciError::io("write", &path)(e.error))?;
        Ok(path)
    }

    /// Stores small bytes (a manifest) under their digest; returns the digest.
    pub fn write_blob(&self, bytes: &[u8]) -> Result<String, OciError> {
        let digest = sha256_digest(bytes);
        if self.has_blob(&digest) {
            return Ok(digest);
        }
        let mut temp = self.temp_file()?;
        std::io::Write::write_all(&mut temp, bytes)
            .map_err(OciError::io("write", temp.path().to_owned()))?;
        self.commit(temp, &digest)?;
        Ok(digest)
    }

    fn tag_path(&self, reference: &ArtifactRef) -> Option<PathBuf> {
        let tag = reference.tag()?;
        // `:` is fine on unix but not elsewhere; `+` cannot occur in a registry host.
        let registry = reference.registry().replace(':', "+");
        let mut path = self.root.join("tags").join(registry);
        for segment in reference.repository().split('/') {
            path.push(segment);
        }
        path.push(tag);
        Some(path)
    }

    /// Remembers that `reference`'s tag pointed at this manifest digest.
    pub fn record_tag(&self, reference: &ArtifactRef, digest: &str) -> Result<(), OciError> {
        let Some(path) = self.tag_path(reference) else {
            return Ok(());
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(OciError::io("create", dir))?;
        }
        let mut temp = self.temp_file()?;
        std::io::Write::write_all(&mut temp, digest.as_bytes())
            .map_err(OciError::io("write", &path))?;
        temp.persist(&path)
            .map_err(|e| OciError::io("write", &path)(e.error))?;
        Ok(())
    }

    /// The manifest digest last seen for `reference`'s tag, if any.
    pub fn lookup_tag(&self, reference: &ArtifactRef) -> Option<String> {
        let text = std::fs::read_to_string(self.tag_path(reference)?).ok()?;
        normalize_digest(text.trim()).ok()
    }

    /// Empties the cache: removes `blobs/`, `tags/` and `tmp/` under the root and nothing else (so a
    /// `WASH_CACHE` pointed at a shared folder never loses other files).
    pub fn drain(&self) -> Result<DrainReport, OciError> {
        let mut report = DrainReport {
            dir: self.root.clone(),
            ..DrainReport::default()
        };
        for name in OWNED {
            let dir = self.root.join(name);
            if !dir.is_dir() {
                continue;
            }
            count(&dir, &mut report);
            std::fs::remove_dir_all(&dir).map_err(OciError::io("remove", &dir))?;
        }
        Ok(report)
    }
}

fn count(dir: &Path, report: &mut DrainReport) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            count(&entry.path(), report);
        } else {
            report.files += 1;
            report.bytes += entry.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blobs round-trip by digest; a corrupted blob is detected and dropped; tags map to digests.
    #[test]
    fn blobs_and_tags() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().join("oci"));
        let digest = cache.write_blob(b"{}").unwrap();
        assert_eq!(
            digest,
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert_eq!(cache.read_small_blob(&digest).unwrap().unwrap(), b"{}");
        std::fs::write(cache.blob_path(&digest).unwrap(), b"{x}").unwrap();
        assert!(cache.read_small_blob(&digest).unwrap().is_none());
        assert!(!cache.has_blob(&digest));
        let reference = ArtifactRef::parse("127.0.0.1:5000/a/b:1.0").unwrap();
        assert_eq!(cache.lookup_tag(&reference), None);
        cache.record_tag(&reference, &digest).unwrap();
        assert_eq!(cache.lookup_tag(&reference), Some(digest));
    }

    /// `drain` removes only the cache's own folders, never other files in the root.
    #[test]
    fn drain_touches_only_its_own_folders() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        cache.write_blob(b"abc").unwrap();
        std::fs::write(dir.path().join("keep.txt"), b"mine").unwrap();
        let report = cache.drain().unwrap();
        assert_eq!(report.files, 1);
        assert_eq!(report.bytes, 3);
        assert!(dir.path().join("keep.txt").is_file());
        assert!(!dir.path().join("blobs").exists());
    }
}
