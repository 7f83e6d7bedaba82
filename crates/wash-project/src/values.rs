//! Files that feed `wash new`: `--values` (placeholder values) and the favorites file (`--template-name`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{ProjectError, ProjectKind, TemplateSource};

/// The favorites file's name inside the wash home folder (`~/.wash/favorites.toml`).
pub const FAVORITES_FILE: &str = "favorites.toml";

/// A `--values` file in cargo-generate's format: a `[values]` table of placeholder names to values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValuesFile {
    /// Placeholder values as text (booleans as `true` / `false`).
    pub values: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RawValues {
    #[serde(default)]
    values: BTreeMap<String, RawValue>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawValue {
    Bool(bool),
    Integer(i64),
    Text(String),
}

impl ValuesFile {
    /// Reads and parses a values file.
    pub fn load(path: &Path) -> Result<Self, ProjectError> {
        let text = std::fs::read_to_string(path).map_err(|e| ProjectError::io("read", path, e))?;
        Self::parse(&text, path)
    }

    /// Parses the text of a values file (`path` names it in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Self, ProjectError> {
        let raw: RawValues = basic_toml::from_str(text).map_err(|e| ProjectError::BadFile {
            what: "values file",
            path: path.to_path_buf(),
            message: format!("{e} (expected a `[values]` table of `name = \"value\"` lines)"),
        })?;
        let values = raw
            .values
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    RawValue::Bool(b) => b.to_string(),
                    RawValue::Integer(i) => i.to_string(),
                    RawValue::Text(t) => t,
                };
                (k, text)
            })
            .collect();
        Ok(ValuesFile { values })
    }
}

/// One favorite template: a name and where the template lives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Favorite {
    /// The name `--template-name` selects it by.
    pub name: String,
    /// A line shown when choosing at a terminal.
    #[serde(default)]
    pub description: Option<String>,
    /// A git repository URL.
    #[serde(default)]
    pub git: Option<String>,
    /// The branch of `git`.
    #[serde(default)]
    pub branch: Option<String>,
    /// A local folder (relative paths are relative to the favorites file).
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// A sub-folder of the repository or folder.
    #[serde(default)]
    pub subfolder: Option<String>,
}

/// The favorites file: `[[actor]]`, `[[provider]]` and `[[interface]]` lists of [`Favorite`]s.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Favorites {
    /// Actor templates.
    #[serde(default)]
    pub actor: Vec<Favorite>,
    /// Provider templates.
    #[serde(default)]
    pub provider: Vec<Favorite>,
    /// Interface templates.
    #[serde(default)]
    pub interface: Vec<Favorite>,
    #[serde(skip)]
    dir: PathBuf,
}

impl Favorites {
    /// Reads the favorites file at `path`; a missing file is an empty list.
    pub fn load(path: &Path) -> Result<Self, ProjectError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(ProjectError::io("read", path, e)),
        };
        let mut favorites: Favorites =
            basic_toml::from_str(&text).map_err(|e| ProjectError::BadFile {
                what: "favorites file",
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        favorites.dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        for favorite in favorites
            .actor
            .iter()
            .chain(&favorites.provider)
            .chain(&favorites.interface)
        {
            if favorite.git.is_some() == favorite.path.is_some() {
                return Err(ProjectError::BadFile {
                    what: "favorites file",
                    path: path.to_path_buf(),
                    message: format!(
                        "favorite `{}` needs exactly one of `git` and `path`",
                        favorite.name
                    ),
                });
            }
        }
        Ok(favorites)
    }

    /// The favorites of one project kind.
    pub fn of_kind(&self, kind: ProjectKind) -> &[Favorite] {
        match kind {
            ProjectKind::Actor => &self.actor,
            ProjectKind::Provider => &self.provider,
            ProjectKind::Interface => &self.interface,
        }
    }

    /// Where the favorite `name` of `kind` lives, if there is one.
    pub fn source_of(&self, kind: ProjectKind, name: &str) -> Option<TemplateSource> {
        let favorite = self.of_kind(kind).iter().find(|f| f.name == name)?;
        Some(match (&favorite.git, &favorite.path) {
            (Some(url), _) => TemplateSource::Git {
                url: url.clone(),
                branch: favorite.branch.clone(),
                subfolder: favorite.subfolder.clone(),
            },
            (None, path) => TemplateSource::Path {
                path: self.dir.join(path.clone().unwrap_or_default()),
                subfolder: favorite.subfolder.clone(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A values file's strings, booleans and numbers all become text.
    #[test]
    fn values_file_reads_every_scalar() {
        let file = ValuesFile::parse(
            "[values]\nvendor = \"Acme\"\nlogging = true\nport = 8080\n",
            Path::new("v.toml"),
        )
        .expect("valid");
        assert_eq!(file.values["vendor"], "Acme");
        assert_eq!(file.values["logging"], "true");
        assert_eq!(file.values["port"], "8080");
    }

    /// A values file that is not TOML names itself and the expected shape.
    #[test]
    fn bad_values_file_is_explained() {
        let err = ValuesFile::parse("vendor = ", Path::new("v.toml")).expect_err("invalid");
        let text = err.to_string();
        assert!(
            text.contains("v.toml") && text.contains("[values]"),
            "{text}"
        );
    }

    /// Favorites resolve by kind and name; relative paths are relative to the favorites file.
    #[test]
    fn favorites_resolve_by_kind_and_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(FAVORITES_FILE);
        std::fs::write(
            &path,
            "[[actor]]\nname = \"mine\"\npath = \"templates/mine\"\n\n\
             [[provider]]\nname = \"remote\"\ngit = \"file:///srv/t.git\"\nbranch = \"v1\"\n",
        )
        .expect("write");
        let favorites = Favorites::load(&path).expect("valid");
        assert_eq!(
            favorites.source_of(ProjectKind::Actor, "mine"),
            Some(TemplateSource::Path {
                path: dir.path().join("templates/mine"),
                subfolder: None
            })
        );
        assert!(matches!(
            favorites.source_of(ProjectKind::Provider, "remote"),
            Some(TemplateSource::Git { branch: Some(b), .. }) if b == "v1"
        ));
        assert_eq!(favorites.source_of(ProjectKind::Actor, "remote"), None);
        assert_eq!(
            Favorites::load(&dir.path().join("none.toml")).expect("empty"),
            Favorites::default()
        );
    }
}
