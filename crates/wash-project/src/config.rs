//! `cargo-generate.toml`: a template's placeholders and its include / exclude / ignore globs.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::ProjectError;

/// The name of a template's configuration file (removed from the generated project).
pub const TEMPLATE_CONFIG_FILE: &str = "cargo-generate.toml";

/// The parts of `cargo-generate.toml` that wash understands.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TemplateConfig {
    /// The `[template]` table.
    #[serde(default)]
    pub template: TemplateSection,
    /// `[placeholders.<name>]`: the values the template asks for, by name.
    #[serde(default)]
    pub placeholders: BTreeMap<String, Placeholder>,
    /// `[hooks]` (Rhai scripts): not run by wash; a template that has them is rendered without them.
    #[serde(default)]
    pub hooks: Option<basic_toml_value::Ignored>,
    /// `[conditional]`: not supported; a template that has it is rendered as if every condition failed.
    #[serde(default)]
    pub conditional: Option<basic_toml_value::Ignored>,
}

/// The `[template]` table.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TemplateSection {
    /// The cargo-generate versions the template supports (accepted, not checked).
    #[serde(default)]
    pub cargo_generate_version: Option<String>,
    /// When set, only files matching one of these globs are rendered (others are copied as they are).
    #[serde(default)]
    pub include: Option<Vec<String>>,
    /// Files matching these globs are copied without rendering.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Files matching these globs are not copied at all.
    #[serde(default)]
    pub ignore: Vec<String>,
}

/// The type of a placeholder's value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlaceholderType {
    /// Any text (the default).
    #[default]
    String,
    /// `true` or `false`.
    Bool,
}

/// A default value: text or a boolean.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum PlaceholderDefault {
    /// A boolean default.
    Bool(bool),
    /// A text default.
    Text(String),
}

/// One `[placeholders.<name>]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Placeholder {
    /// The value's type.
    #[serde(default, rename = "type")]
    pub kind: PlaceholderType,
    /// The question asked at a terminal.
    #[serde(default)]
    pub prompt: Option<String>,
    /// The value used under `--silent` or without a terminal.
    #[serde(default)]
    pub default: Option<PlaceholderDefault>,
    /// The allowed values (asked as a selection).
    #[serde(default)]
    pub choices: Option<Vec<String>>,
    /// A regular expression the value must match.
    #[serde(default)]
    pub regex: Option<String>,
}

impl Placeholder {
    /// The default as text (`true` / `false` for booleans).
    pub fn default_text(&self) -> Option<String> {
        self.default.as_ref().map(|d| match d {
            PlaceholderDefault::Bool(b) => b.to_string(),
            PlaceholderDefault::Text(t) => t.clone(),
        })
    }
}

impl TemplateConfig {
    /// Parses the text of a `cargo-generate.toml`.
    pub fn parse(text: &str) -> Result<Self, ProjectError> {
        basic_toml::from_str(text).map_err(|e| ProjectError::TemplateConfig {
            file: TEMPLATE_CONFIG_FILE.to_owned(),
            message: e.to_string(),
        })
    }
}

/// A serde sink for tables wash accepts and does not use.
pub mod basic_toml_value {
    use serde::Deserialize;

    /// Any TOML value, discarded.
    #[derive(Debug, Clone, Default)]
    pub struct Ignored;

    impl<'de> Deserialize<'de> for Ignored {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            serde::de::IgnoredAny::deserialize(deserializer)?;
            Ok(Ignored)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cargo-generate.toml with every supported table parses; hooks are accepted and ignored.
    #[test]
    fn parses_placeholders_and_globs() {
        let config = TemplateConfig::parse(
            r#"
[template]
cargo_generate_version = ">=0.10.0"
exclude = ["assets/*"]
ignore = ["notes.md"]

[placeholders.vendor]
type = "string"
prompt = "Vendor?"
default = "acme"
regex = "^[a-z]+$"

[placeholders.logging]
type = "bool"
default = false

[placeholders.color]
choices = ["red", "blue"]

[hooks]
pre = ["pre.rhai"]
"#,
        )
        .expect("valid config");
        assert_eq!(config.template.exclude, ["assets/*"]);
        assert_eq!(config.template.ignore, ["notes.md"]);
        let vendor = &config.placeholders["vendor"];
        assert_eq!(vendor.default_text().as_deref(), Some("acme"));
        assert_eq!(config.placeholders["logging"].kind, PlaceholderType::Bool);
        assert_eq!(
            config.placeholders["logging"].default_text().as_deref(),
            Some("false")
        );
        assert!(config.hooks.is_some());
    }

    /// A syntax error names the file.
    #[test]
    fn syntax_error_names_the_file() {
        let err = TemplateConfig::parse("[placeholders\n").expect_err("invalid");
        assert!(err.to_string().contains("cargo-generate.toml"), "{err}");
    }
}
