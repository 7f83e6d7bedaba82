//! Where a template comes from (embedded, a folder, a git repository) and its files in memory.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::ProjectError;

/// One file of a template: its `/`-separated path relative to the template root, and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateFile {
    /// Relative path with `/` separators; may hold `{{placeholders}}`.
    pub path: String,
    /// The raw contents.
    pub contents: Vec<u8>,
}

/// A whole template, read into memory before anything is written.
#[derive(Debug, Clone, Default)]
pub struct Template {
    /// Where it came from, for messages (`embedded actor template `hello``, a folder, a URL).
    pub origin: String,
    /// Its files (the `.git` folder excluded).
    pub files: Vec<TemplateFile>,
}

/// Where `wash new` takes its template from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateSource {
    /// The template of the project kind embedded in wash.
    Embedded,
    /// `--template-name`: an embedded template's name or an entry of the favorites file.
    Named(String),
    /// `--path`: a local folder (optionally a sub-folder of it).
    Path {
        /// The folder.
        path: PathBuf,
        /// A sub-folder holding the template.
        subfolder: Option<String>,
    },
    /// `--git`: a repository cloned with the `git` program.
    Git {
        /// The repository URL (`https://...`, `file:///...`, ...).
        url: String,
        /// The branch or tag to clone.
        branch: Option<String>,
        /// A sub-folder of the repository holding the template.
        subfolder: Option<String>,
    },
}

impl Template {
    /// The file at `path` (relative, `/`-separated), if the template has it.
    pub fn file(&self, path: &str) -> Option<&TemplateFile> {
        self.files.iter().find(|f| f.path == path)
    }

    /// Reads every file under `dir` (skipping `.git`) into a template.
    pub fn from_dir(dir: &Path) -> Result<Self, ProjectError> {
        if !dir.is_dir() {
            return Err(ProjectError::TemplateNotFound {
                path: dir.to_path_buf(),
            });
        }
        let mut files = Vec::new();
        read_dir_into(dir, "", &mut files)?;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Template {
            origin: format!("template folder `{}`", dir.display()),
            files,
        })
    }

    /// Clones `url` (shallow, `branch` if given; wash 0.18.1's GitHub short forms `owner/repo` and
    /// `github.com/owner/repo` are GitHub URLs) with the `git` program into a temp folder and reads
    /// the template from it (or from its `subfolder`).
    pub fn from_git(
        url: &str,
        branch: Option<&str>,
        subfolder: Option<&str>,
    ) -> Result<Self, ProjectError> {
        let url = &git_url(url);
        let temp = tempfile::Builder::new()
            .prefix("wash-template-")
            .tempdir()
            .map_err(|e| ProjectError::io("create", std::env::temp_dir(), e))?;
        let checkout = temp.path().join("repo");
        let mut command = Command::new("git");
        command.args(["clone", "--quiet", "--depth", "1"]);
        if let Some(branch) = branch {
            command.args(["--branch", branch]);
        }
        command
            .arg("--")
            .arg(url)
            .arg(&checkout)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let output = command.output().map_err(|e| ProjectError::Git {
            url: url.to_owned(),
            message: format!(
                "cannot run `git` ({e}); install git or use `--path` with a local copy"
            ),
        })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(ProjectError::Git {
                url: url.to_owned(),
                message: stderr.trim().to_owned(),
            });
        }
        let root = match subfolder {
            Some(sub) => checkout.join(sub),
            None => checkout,
        };
        let mut template = Template::from_dir(&root)?;
        template.origin = match (branch, subfolder) {
            (None, None) => format!("git repository `{url}`"),
            (Some(b), None) => format!("git repository `{url}` (branch `{b}`)"),
            (None, Some(s)) => format!("git repository `{url}`, folder `{s}`"),
            (Some(b), Some(s)) => format!("git repository `{url}` (branch `{b}`), folder `{s}`"),
        };
        Ok(template)
    }
}

fn read_dir_into(
    dir: &Path,
    prefix: &str,
    files: &mut Vec<TemplateFile>,
) -> Result<(), ProjectError> {
    let entries = std::fs::read_dir(dir).map_err(|e| ProjectError::io("read", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ProjectError::io("read", dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let relative = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let file_type = entry
            .file_type()
            .map_err(|e| ProjectError::io("read", &path, e))?;
        if file_type.is_dir() {
            if name != ".git" {
                read_dir_into(&path, &relative, files)?;
            }
        } else {
            let contents = std::fs::read(&path).map_err(|e| ProjectError::io("read", &path, e))?;
            files.push(TemplateFile {
                path: relative,
                contents,
            });
        }
    }
    Ok(())
}

/// wash 0.18.1 took `owner/repo` and `github.com/owner/repo` for GitHub repositories; any other value
/// (a URL, `git@host:path`, a folder that exists) goes to `git clone` as given.
fn git_url(value: &str) -> String {
    let github = |path: &str| format!("https://github.com/{path}");
    if value.contains("://") || value.contains('@') || Path::new(value).exists() {
        return value.to_owned();
    }
    if let Some(path) = value.strip_prefix("github.com/") {
        return github(path);
    }
    let parts: Vec<&str> = value.split('/').collect();
    let plain = |part: &&str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !part.starts_with('.')
    };
    if parts.len() == 2 && parts.iter().all(plain) {
        return github(value);
    }
    value.to_owned()
}

#[cfg(test)]
mod git_url_tests {
    use super::git_url;

    /// The 0.18.1 short forms become GitHub URLs; URLs, scp-like addresses and paths do not change.
    #[test]
    fn github_short_forms() {
        assert_eq!(
            git_url("wasmcloud/project-templates"),
            "https://github.com/wasmcloud/project-templates"
        );
        assert_eq!(git_url("github.com/me/t"), "https://github.com/me/t");
        assert_eq!(
            git_url("https://example.com/me/t.git"),
            "https://example.com/me/t.git"
        );
        assert_eq!(
            git_url("git@example.com:me/t.git"),
            "git@example.com:me/t.git"
        );
        assert_eq!(git_url("./local/repo"), "./local/repo");
        assert_eq!(git_url("../templates"), "../templates");
        assert_eq!(git_url("a/b/c"), "a/b/c");
    }
}
