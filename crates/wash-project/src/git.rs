//! `git init` in a project `wash new` wrote, as wash 0.x did unless `--no-git-init`.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::ProjectError;

/// What [`git_init`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitInit {
    /// The folder is now a git repository with `main` as its initial branch.
    Initialized,
    /// No `git` program on `PATH`: nothing was done.
    GitNotFound,
}

/// Runs `git init --initial-branch main` in `dir`. A missing `git` is reported, not an error;
/// a `git` that fails is.
pub fn git_init(dir: &Path) -> Result<GitInit, ProjectError> {
    let output = Command::new("git")
        .args(["init", "--quiet", "--initial-branch", "main", "."])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(GitInit::GitNotFound),
        Err(source) => {
            return Err(ProjectError::Spawn {
                program: "git".to_owned(),
                source,
            })
        }
    };
    if !output.status.success() {
        return Err(ProjectError::GitInit {
            path: dir.to_path_buf(),
            message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(GitInit::Initialized)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder becomes a repository on branch `main`.
    #[test]
    fn initializes_a_repository_on_main() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(
            git_init(dir.path()).expect("git init"),
            GitInit::Initialized
        );
        let head = std::fs::read_to_string(dir.path().join(".git/HEAD")).expect("HEAD");
        assert_eq!(head.trim(), "ref: refs/heads/main");
    }
}
