//! Output files written atomically: a temp file beside the destination, renamed over it on success.

use std::path::Path;

use anyhow::Context;

/// A temp file in `destination`'s folder, readable by all like a normal new file (0644 before the
/// umask), to be `persist`ed over `destination` once complete.
pub(crate) fn temp_beside(destination: &Path) -> anyhow::Result<tempfile::NamedTempFile> {
    let dir = destination
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".wash-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder
        .tempfile_in(dir)
        .with_context(|| format!("failed to create a file in `{}`", dir.display()))
}
