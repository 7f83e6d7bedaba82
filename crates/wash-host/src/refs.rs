//! Reading actor modules and provider archives from a reference: a file path or `file://` URL.

use std::path::PathBuf;

/// Reads the bytes an artifact reference points to.
///
/// Supports plain paths and `file://` URLs. OCI references need the registry client and are refused
/// with a clear message until it lands.
pub async fn read_artifact(reference: &str) -> Result<Vec<u8>, String> {
    let path = local_path(reference).ok_or_else(|| {
        format!(
            "cannot start `{reference}`: only files (a path or a file:// URL) are supported by this host so far; \
             pull the artifact with `wash reg pull` and start it from the file"
        )
    })?;
    tokio::fs::read(&path)
        .await
        .map_err(|e| format!("failed to read `{}`: {e}", path.display()))
}

/// The local path of a reference, if it is a file reference.
pub fn local_path(reference: &str) -> Option<PathBuf> {
    if let Some(rest) = reference.strip_prefix("file://") {
        return Some(PathBuf::from(rest));
    }
    let path = PathBuf::from(reference);
    (path.is_absolute()
        || reference.starts_with("./")
        || reference.starts_with("../")
        || path.exists())
    .then_some(path)
}
