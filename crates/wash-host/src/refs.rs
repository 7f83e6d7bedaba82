//! Reading actor modules and provider archives from a reference: a file (path or `file://` URL) or an
//! OCI reference pulled from its registry (digests verified, through the content-addressed cache).

use std::path::PathBuf;

use crate::host::Lattice;

/// Reads the bytes an artifact reference points to.
pub(crate) async fn read_artifact(lattice: &Lattice, reference: &str) -> Result<Vec<u8>, String> {
    if let Some(path) = local_path(reference) {
        if !lattice.config.allow_file_load {
            return Err(format!(
                "`{reference}` is a file, and this host does not load actors or providers from files \
                 (started with `--allow-file-load false`): use an OCI reference"
            ));
        }
        return tokio::fs::read(&path)
            .await
            .map_err(|e| format!("failed to read `{}`: {e}", path.display()));
    }
    if !wash_oci::is_oci_reference(reference) {
        return Err(format!(
            "`{reference}` is neither a file on this host nor an OCI reference (registry/repository:tag)"
        ));
    }
    let registry = reference.split('/').next().unwrap_or_default();
    let credentials = lattice
        .registries
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(registry)
        .and_then(|c| {
            Some(wash_oci::Credentials {
                username: c.username.clone()?,
                password: c.password.clone()?,
            })
        });
    let options = wash_oci::PullOptions {
        credentials,
        allow_latest: lattice.config.oci_allow_latest,
        insecure: lattice.config.allowed_insecure.clone(),
        cache_dir: lattice.config.oci_cache_dir.clone(),
        ..wash_oci::PullOptions::default()
    };
    wash_oci::pull_artifact(reference, &options)
        .await
        .map_err(|e| format!("failed to pull `{reference}`: {e}"))
}

/// The local path of a reference, if it names a file (a `file://` URL, or a path that exists).
pub(crate) fn local_path(reference: &str) -> Option<PathBuf> {
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
