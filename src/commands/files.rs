//! Output files written atomically ([`wash_keys::AtomicFile`]): a failed write leaves the old file.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use wash_keys::AtomicFile;

/// Writes `contents` to `path` through a temp file beside it, renamed over `path` once complete.
pub(crate) fn write_atomically(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let file = AtomicFile::create(path)?;
    file.file()
        .write_all(contents)
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    file.commit()?;
    Ok(())
}
