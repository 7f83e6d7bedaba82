//! Emptying a cache folder for `wash drain`: everything in it goes, the folder itself stays, and a
//! symlink inside is removed as a link, never followed, so nothing outside the folder is touched.

use std::path::{Path, PathBuf};

use crate::LocalError;

/// What emptying one folder removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Emptied {
    /// The folder.
    pub dir: PathBuf,
    /// Files (and symlinks) removed.
    pub files: u64,
    /// Bytes those files held (a symlink counts its own size, not its target's).
    pub bytes: u64,
}

/// Removes everything inside `dir` and returns what went; `None` when `dir` does not exist or is not
/// a real folder (a symlink named `dir` is left alone, as its target is outside).
pub fn empty_folder(dir: &Path) -> Result<Option<Emptied>, LocalError> {
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(LocalError::Io {
                path: dir.to_owned(),
                source,
            })
        }
    }
    let mut emptied = Emptied {
        dir: dir.to_owned(),
        ..Emptied::default()
    };
    remove_contents(dir, &mut emptied)?;
    Ok(Some(emptied))
}

/// Removes what is inside `dir`, depth first, counting each file as it goes.
fn remove_contents(dir: &Path, tally: &mut Emptied) -> Result<(), LocalError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| LocalError::Io { path, source }
    };
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        let meta = std::fs::symlink_metadata(&path).map_err(io(&path))?;
        if meta.is_dir() {
            remove_contents(&path, tally)?;
            std::fs::remove_dir(&path).map_err(io(&path))?;
        } else {
            std::fs::remove_file(&path).map_err(io(&path))?;
            tally.files += 1;
            tally.bytes += meta.len();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files and nested folders go and are counted; the folder stays; a symlink to a folder outside
    /// is removed as a link and its target keeps its files.
    #[test]
    fn empties_without_following_symlinks() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cache");
        let outside = root.path().join("outside");
        std::fs::create_dir_all(dir.join("a/b")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(dir.join("top"), b"12345").unwrap();
        std::fs::write(dir.join("a/b/deep"), b"123").unwrap();
        std::fs::write(outside.join("keep"), b"keep").unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("link")).unwrap();
        let emptied = empty_folder(&dir).unwrap().unwrap();
        assert_eq!(emptied.files, 3);
        assert!(emptied.bytes >= 8);
        assert!(dir.is_dir());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        assert!(outside.join("keep").is_file());
    }

    /// A missing folder, or a symlink in the folder's place, is skipped.
    #[test]
    fn missing_or_linked_folder_is_skipped() {
        let root = tempfile::tempdir().unwrap();
        assert_eq!(empty_folder(&root.path().join("none")).unwrap(), None);
        let target = root.path().join("target");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("keep"), b"x").unwrap();
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(empty_folder(&link).unwrap(), None);
        assert!(target.join("keep").is_file());
    }
}
