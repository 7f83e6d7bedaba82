//! What a host is sent for an artifact reference: a file on this machine as an absolute path, or an
//! OCI reference as it is — the one rule `wash ctl` and `wash ui` share.

use std::path::Path;

use crate::{is_oci_reference, OciError};

/// Decides what to send a host for `reference` (surrounding whitespace ignored): a `file://` URL or
/// an existing path (or one that looks like a path: `/`, `.`, `~`) must be a readable file and
/// becomes its absolute path, since hosts resolve relative paths against their own working folder;
/// otherwise a well-formed OCI reference (`registry/repository:tag`) is sent unchanged for the host
/// to pull. A file always wins over an OCI reference of the same spelling, as in wash 0.x.
pub fn host_reference(reference: &str) -> Result<String, OciError> {
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(OciError::EmptyReference);
    }
    if let Some(path) = reference.strip_prefix("file://") {
        return absolute_file(path, reference);
    }
    if reference.contains("://") {
        return Err(OciError::UnloadableUrl(reference.to_owned()));
    }
    if Path::new(reference).exists() || reference.starts_with(['/', '.', '~']) {
        return absolute_file(reference, reference);
    }
    if is_oci_reference(reference) {
        return Ok(reference.to_owned());
    }
    Err(OciError::NotAReference(reference.to_owned()))
}

fn absolute_file(path: &str, reference: &str) -> Result<String, OciError> {
    let canonical =
        std::fs::canonicalize(path).map_err(|source| OciError::UnreadableReference {
            reference: reference.to_owned(),
            source,
        })?;
    if !canonical.is_file() {
        return Err(OciError::NotAFile(reference.to_owned()));
    }
    Ok(canonical.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files (by path or `file://` URL) become absolute paths, OCI references pass unchanged, and
    /// everything else is refused with its own error.
    #[test]
    fn files_become_absolute_and_references_pass() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("a.wasm");
        std::fs::write(&file, b"x").expect("write");
        let canonical = std::fs::canonicalize(&file).unwrap().display().to_string();
        assert_eq!(
            host_reference(&file.display().to_string()).unwrap(),
            canonical
        );
        assert_eq!(
            host_reference(&format!(" file://{} ", file.display())).unwrap(),
            canonical
        );
        assert_eq!(
            host_reference("127.0.0.1:5000/kvcounter:0.1.0").unwrap(),
            "127.0.0.1:5000/kvcounter:0.1.0"
        );
        assert!(matches!(
            host_reference("  "),
            Err(OciError::EmptyReference)
        ));
        assert!(matches!(
            host_reference("https://example.com/a.wasm"),
            Err(OciError::UnloadableUrl(_))
        ));
        assert!(matches!(
            host_reference("/no/such/file.wasm"),
            Err(OciError::UnreadableReference { .. })
        ));
        assert!(matches!(
            host_reference(&dir.path().display().to_string()),
            Err(OciError::NotAFile(_))
        ));
        let err = host_reference("not a reference").unwrap_err();
        assert!(matches!(err, OciError::NotAReference(_)));
        assert!(
            err.to_string()
                .contains("neither a file on this machine nor an OCI reference"),
            "{err}"
        );
    }
}
