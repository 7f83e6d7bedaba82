//! Files written atomically: a hidden temp file beside the destination, renamed over it once complete.
//!
//! It lives in wash-keys because the key store is its first user and every crate that writes signed
//! artifacts (wash-claims, wash-par, wash-project, the CLI) already depends on this one.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::KeyError;

/// A file being written atomically. Bytes go to a temp file in the destination's folder, which
/// [`AtomicFile::commit`] renames over the destination; dropped uncommitted, the temp file is
/// removed, so a failed command leaves nothing half-written.
#[derive(Debug)]
pub struct AtomicFile {
    temp: tempfile::NamedTempFile,
    destination: PathBuf,
}

impl AtomicFile {
    /// Starts writing `destination`, readable by all like any new file (0644 before the umask). The
    /// destination's folder must exist.
    pub fn create(destination: &Path) -> Result<Self, KeyError> {
        Self::with_mode(destination, 0o644)
    }

    /// Like [`AtomicFile::create`], with the Unix permission bits `mode` (0600 for a secret) set on
    /// the temp file before any byte is written.
    pub fn with_mode(destination: &Path, mode: u32) -> Result<Self, KeyError> {
        let folder = folder_of(destination);
        let mut builder = tempfile::Builder::new();
        builder.prefix(".wash-");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(mode));
        }
        #[cfg(not(unix))]
        let _ = mode;
        let temp = builder.tempfile_in(folder).map_err(|source| KeyError::Io {
            action: "create a file in",
            path: folder.to_owned(),
            source,
        })?;
        Ok(Self {
            temp,
            destination: destination.to_owned(),
        })
    }

    /// The temp file, to write the contents to.
    pub fn file(&self) -> &File {
        self.temp.as_file()
    }

    /// The file this will become.
    pub fn destination(&self) -> &Path {
        &self.destination
    }

    /// Renames the temp file over the destination (replacing any file there) and returns its path.
    pub fn commit(self) -> Result<PathBuf, KeyError> {
        let Self { temp, destination } = self;
        temp.persist(&destination).map_err(|e| KeyError::Io {
            action: "write",
            path: destination.clone(),
            source: e.error,
        })?;
        Ok(destination)
    }
}

/// The folder a file is written in: its parent, or `.` for a bare file name.
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A committed file replaces the destination; an uncommitted one leaves the folder as it was.
    #[test]
    fn commit_replaces_and_drop_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let destination = tmp.path().join("out.bin");
        std::fs::write(&destination, b"old").unwrap();
        let file = AtomicFile::create(&destination).unwrap();
        file.file().write_all(b"half").unwrap();
        drop(file);
        assert_eq!(std::fs::read(&destination).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
        let file = AtomicFile::create(&destination).unwrap();
        file.file().write_all(b"new").unwrap();
        assert_eq!(file.commit().unwrap(), destination);
        assert_eq!(std::fs::read(&destination).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&destination)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o600, 0o600, "readable and writable by its owner");
        }
    }

    /// A missing folder is an error naming the folder.
    #[test]
    fn missing_folder_is_named() {
        let err = AtomicFile::create(Path::new("does/not/exist/out.bin")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to create a file in `does/not/exist`"
        );
    }
}
