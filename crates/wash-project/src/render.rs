//! `wash new`: pick a template, settle every placeholder value, render all files in memory, then
//! write them into the new project folder in one step (a staging folder renamed into place).

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use liquid::model::{Object, Value};
use regex::Regex;

use crate::config::{PlaceholderType, TemplateConfig, TEMPLATE_CONFIG_FILE};
use crate::{
    embedded_named, embedded_template, filters, glob, Favorites, ProjectError, ProjectKind,
    Prompter, Template, TemplateSource, ValuesFile, EMBEDDED_TEMPLATE_NAMES,
    EXTRA_EMBEDDED_TEMPLATES,
};

/// The file of ignore globs a template may carry (removed from the generated project).
const GENIGNORE_FILE: &str = ".genignore";

/// What `wash new` was asked to make.
#[derive(Debug, Clone)]
pub struct NewOptions {
    /// The kind of project.
    pub kind: ProjectKind,
    /// The project name (also the folder name); asked for or taken from the values file when absent.
    pub name: Option<String>,
    /// Where the template comes from.
    pub source: TemplateSource,
    /// The folder the project folder is created in.
    pub parent: PathBuf,
    /// `--define name=value` pairs (they win over the values file).
    pub defines: BTreeMap<String, String>,
    /// A `--values` file.
    pub values_file: Option<PathBuf>,
    /// The favorites file consulted by [`TemplateSource::Named`] (`~/.wash/favorites.toml`).
    pub favorites_file: Option<PathBuf>,
    /// Render into an existing folder, overwriting files of the same name.
    pub force: bool,
}

/// A project `wash new` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProject {
    /// The project name.
    pub name: String,
    /// The project folder.
    pub path: PathBuf,
    /// Where the template came from.
    pub template: String,
    /// The files written, relative to `path`, sorted.
    pub files: Vec<String>,
    /// The template's own placeholders and the values they got.
    pub values: BTreeMap<String, String>,
}

/// Renders a template into a new project folder: nothing is written unless every file renders.
///
/// `prompter` asks for missing values; pass `None` under `--silent` or without a terminal, and a
/// missing value without a default becomes [`ProjectError::MissingValue`].
pub fn new_project(
    options: &NewOptions,
    mut prompter: Option<&mut (dyn Prompter + '_)>,
) -> Result<NewProject, ProjectError> {
    let values_file = match &options.values_file {
        Some(path) => ValuesFile::load(path)?,
        None => ValuesFile::default(),
    };
    let name = project_name(options, &values_file, prompter.as_deref_mut())?;
    let destination = options.parent.join(&name);
    if destination.exists() && !options.force {
        return Err(ProjectError::DestinationExists { path: destination });
    }
    let template = load_template(options, prompter.as_deref_mut())?;
    let config = match template.file(TEMPLATE_CONFIG_FILE) {
        Some(file) => TemplateConfig::parse(&String::from_utf8_lossy(&file.contents))?,
        None => TemplateConfig::default(),
    };
    if config.hooks.is_some() {
        tracing::warn!("the template's [hooks] (Rhai scripts) are not run by wash");
    }
    let mut ignore = config.template.ignore.clone();
    if let Some(file) = template.file(GENIGNORE_FILE) {
        ignore.extend(
            String::from_utf8_lossy(&file.contents)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }

    let mut globals = builtin_values(options, &name, &template);
    for (key, value) in values_file.values.iter().chain(&options.defines) {
        globals.insert(key.clone().into(), Value::scalar(value.clone()));
    }
    let mut values = BTreeMap::new();
    for (key, placeholder) in &config.placeholders {
        let given = options
            .defines
            .get(key)
            .or_else(|| values_file.values.get(key))
            .cloned();
        let text = match (given, prompter.as_deref_mut()) {
            (Some(value), _) => value,
            (None, Some(prompter)) => ask(prompter, key, placeholder)?,
            (None, None) => placeholder.default_text().ok_or_else(|| ProjectError::MissingValue {
                what: format!("a value for the template placeholder `{key}`"),
                help: format!(
                    "pass `--define {key}=<VALUE>`, or put `{key} = \"<VALUE>\"` under `[values]` in a `--values` file"
                ),
            })?,
        };
        let value = check_value(key, placeholder, &text)?;
        globals.insert(key.clone().into(), value);
        values.insert(key.clone(), text);
    }

    let parser = filters::parser().map_err(|e| ProjectError::Render {
        file: String::new(),
        message: e.to_string(),
    })?;
    let mut rendered: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for file in &template.files {
        if file.path == TEMPLATE_CONFIG_FILE
            || file.path == GENIGNORE_FILE
            || glob::any_matches(&ignore, &file.path)
        {
            continue;
        }
        let path = render_path(&parser, &globals, &file.path)?;
        let render_contents = config
            .template
            .include
            .as_ref()
            .is_none_or(|include| glob::any_matches(include, &file.path))
            && !glob::any_matches(&config.template.exclude, &file.path);
        let contents = match std::str::from_utf8(&file.contents) {
            Ok(text) if render_contents => {
                render_text(&parser, &globals, &file.path, text)?.into_bytes()
            }
            _ => file.contents.clone(),
        };
        rendered.insert(path, contents);
    }

    write_project(&destination, &rendered)?;
    Ok(NewProject {
        name,
        path: destination,
        template: template.origin,
        files: rendered.into_keys().collect(),
        values,
    })
}

/// The project name: given, from the values file (`project-name`), or asked for.
fn project_name(
    options: &NewOptions,
    values_file: &ValuesFile,
    prompter: Option<&mut (dyn Prompter + '_)>,
) -> Result<String, ProjectError> {
    let name = match (
        &options.name,
        values_file.values.get("project-name"),
        prompter,
    ) {
        (Some(name), _, _) => name.clone(),
        (None, Some(name), _) => name.clone(),
        (None, None, Some(prompter)) => prompter.input("Project name", None)?,
        (None, None, None) => {
            return Err(ProjectError::MissingValue {
                what: "the project name".to_owned(),
                help: format!(
                "pass it as an argument: `wash new {} <NAME>` (there is no terminal to ask for it)",
                options.kind
            ),
            })
        }
    };
    validate_project_name(&name)?;
    Ok(name)
}

/// A project name must work as a folder name and a cargo package name.
fn validate_project_name(name: &str) -> Result<(), ProjectError> {
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        Some("it must start with a letter")
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Some("use only letters, digits, `-` and `_`")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(ProjectError::InvalidProjectName {
            name: name.to_owned(),
            reason: reason.to_owned(),
        }),
        None => Ok(()),
    }
}

/// Reads the template the options point at (asking which one when a terminal and favorites allow).
fn load_template(
    options: &NewOptions,
    prompter: Option<&mut (dyn Prompter + '_)>,
) -> Result<Template, ProjectError> {
    let favorites = match &options.favorites_file {
        Some(path) => Favorites::load(path)?,
        None => Favorites::default(),
    };
    let mut source = options.source.clone();
    if let (TemplateSource::Embedded, Some(prompter)) = (&source, prompter) {
        let choices = favorites.of_kind(options.kind);
        if !choices.is_empty() {
            let embedded = embedded_name(options.kind);
            let mut items = vec![format!("{embedded} (built in)")];
            items.extend(choices.iter().map(|f| match &f.description {
                Some(d) => format!("{}: {d}", f.name),
                None => f.name.clone(),
            }));
            let index = prompter.select(&format!("Which {} template?", options.kind), &items, 0)?;
            if index > 0 {
                source = TemplateSource::Named(choices[index - 1].name.clone());
            }
        }
    }
    match source {
        TemplateSource::Embedded => Ok(embedded_template(options.kind)),
        TemplateSource::Named(name) => {
            if let Some(source) = favorites.source_of(options.kind, &name) {
                return read_source(&source);
            }
            if name == embedded_name(options.kind) {
                return Ok(embedded_template(options.kind));
            }
            if let Some(template) = embedded_named(options.kind, &name) {
                return Ok(template);
            }
            let mut known = vec![embedded_name(options.kind).to_owned()];
            known.extend(
                EXTRA_EMBEDDED_TEMPLATES
                    .iter()
                    .filter(|(k, _, _)| *k == options.kind)
                    .map(|(_, n, _)| (*n).to_owned()),
            );
            known.extend(
                favorites
                    .of_kind(options.kind)
                    .iter()
                    .map(|f| f.name.clone()),
            );
            Err(ProjectError::UnknownTemplateName {
                name,
                kind: options.kind.to_string(),
                known,
            })
        }
        other => read_source(&other),
    }
}

fn embedded_name(kind: ProjectKind) -> &'static str {
    EMBEDDED_TEMPLATE_NAMES
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or("default", |(_, name)| name)
}

fn read_source(source: &TemplateSource) -> Result<Template, ProjectError> {
    match source {
        TemplateSource::Path { path, subfolder } => {
            let dir = match subfolder {
                Some(sub) => path.join(sub),
                None => path.clone(),
            };
            Template::from_dir(&dir)
        }
        TemplateSource::Git {
            url,
            branch,
            subfolder,
        } => Template::from_git(url, branch.as_deref(), subfolder.as_deref()),
        TemplateSource::Embedded | TemplateSource::Named(_) => {
            Err(ProjectError::TemplateNotFound {
                path: PathBuf::from("<embedded>"),
            })
        }
    }
}

/// cargo-generate's built-in values.
fn builtin_values(options: &NewOptions, name: &str, template: &Template) -> Object {
    let mut globals = Object::new();
    let crate_name = name.replace('-', "_");
    globals.insert("project-name".into(), Value::scalar(name.to_owned()));
    globals.insert("crate_name".into(), Value::scalar(crate_name));
    globals.insert(
        "crate_type".into(),
        Value::scalar(options.kind.crate_type()),
    );
    globals.insert(
        "os-arch".into(),
        Value::scalar(format!(
            "{}-{}",
            std::env::consts::OS,
            std::env::consts::ARCH
        )),
    );
    globals.insert("is_init".into(), Value::scalar(false));
    let within_cargo_project = options
        .parent
        .ancestors()
        .any(|dir| dir.join("Cargo.toml").is_file());
    globals.insert(
        "within_cargo_project".into(),
        Value::scalar(within_cargo_project),
    );
    // Asking git for the user costs two processes: only when some file mentions these values.
    let wants_user = template.files.iter().any(|f| {
        let text = String::from_utf8_lossy(&f.contents);
        text.contains("authors") || text.contains("username")
    });
    let (username, authors) = if wants_user {
        user_identity()
    } else {
        Default::default()
    };
    globals.insert("username".into(), Value::scalar(username));
    globals.insert("authors".into(), Value::scalar(authors));
    globals
}

/// `(username, authors)` from git's `user.name` / `user.email`, else `$USER`.
fn user_identity() -> (String, String) {
    let git = |key: &str| {
        std::process::Command::new("git")
            .args(["config", "--get", key])
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let name = git("user.name")
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_default();
    let authors = match git("user.email") {
        Some(email) => format!("{name} <{email}>"),
        None => name.clone(),
    };
    (name, authors)
}

fn ask(
    prompter: &mut (dyn Prompter + '_),
    key: &str,
    placeholder: &crate::Placeholder,
) -> Result<String, ProjectError> {
    let prompt = placeholder.prompt.clone().unwrap_or_else(|| key.to_owned());
    let default = placeholder.default_text();
    if let Some(choices) = &placeholder.choices {
        let start = default
            .as_ref()
            .and_then(|d| choices.iter().position(|c| c == d))
            .unwrap_or(0);
        let index = prompter.select(&prompt, choices, start)?;
        return Ok(choices.get(index).cloned().unwrap_or_default());
    }
    if placeholder.kind == PlaceholderType::Bool {
        let default = default.as_deref() == Some("true");
        return Ok(prompter.confirm(&prompt, default)?.to_string());
    }
    prompter.input(&prompt, default.as_deref())
}

/// Checks `text` against the placeholder's type, choices and regex, and returns the liquid value.
fn check_value(
    key: &str,
    placeholder: &crate::Placeholder,
    text: &str,
) -> Result<Value, ProjectError> {
    let invalid = |reason: String| ProjectError::InvalidValue {
        name: key.to_owned(),
        value: text.to_owned(),
        reason,
    };
    if placeholder.kind == PlaceholderType::Bool {
        return match text.trim() {
            "true" => Ok(Value::scalar(true)),
            "false" => Ok(Value::scalar(false)),
            _ => Err(invalid("expected `true` or `false`".to_owned())),
        };
    }
    if let Some(choices) = &placeholder.choices {
        if !choices.iter().any(|c| c == text) {
            return Err(invalid(format!("expected one of: {}", choices.join(", "))));
        }
    }
    if let Some(pattern) = &placeholder.regex {
        let regex = Regex::new(pattern).map_err(|e| ProjectError::TemplateConfig {
            file: TEMPLATE_CONFIG_FILE.to_owned(),
            message: format!("placeholder `{key}` has an invalid regex: {e}"),
        })?;
        if !regex.is_match(text) {
            return Err(invalid(format!("it must match the regex `{pattern}`")));
        }
    }
    Ok(Value::scalar(text.to_owned()))
}

fn render_text(
    parser: &liquid::Parser,
    globals: &Object,
    file: &str,
    text: &str,
) -> Result<String, ProjectError> {
    let render_error = |e: liquid::Error| ProjectError::Render {
        file: file.to_owned(),
        message: e
            .to_string()
            .trim()
            .replace('\n', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    };
    parser
        .parse(text)
        .map_err(render_error)?
        .render(globals)
        .map_err(render_error)
}

/// Renders a file's path (placeholders in names), drops a `.liquid` suffix, and refuses paths that
/// would leave the project folder.
fn render_path(
    parser: &liquid::Parser,
    globals: &Object,
    path: &str,
) -> Result<String, ProjectError> {
    let rendered = if path.contains("{{") || path.contains("{%") {
        render_text(parser, globals, path, path)?
    } else {
        path.to_owned()
    };
    let rendered = rendered
        .strip_suffix(".liquid")
        .unwrap_or(&rendered)
        .to_owned();
    let escapes = Path::new(&rendered)
        .components()
        .any(|c| !matches!(c, Component::Normal(_)));
    if rendered.is_empty() || escapes || rendered.split('/').any(str::is_empty) {
        return Err(ProjectError::Render {
            file: path.to_owned(),
            message: format!(
                "the file name renders to `{rendered}`, which is not a path inside the project"
            ),
        });
    }
    Ok(rendered)
}

/// Writes the rendered files: into a staging folder renamed to `destination` when it does not exist,
/// else file by file (each written to a temp file and renamed over the old one).
fn write_project(
    destination: &Path,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<(), ProjectError> {
    if destination.exists() {
        for (path, contents) in files {
            let target = destination.join(path);
            let dir = target.parent().unwrap_or(destination);
            std::fs::create_dir_all(dir).map_err(|e| ProjectError::io("create", dir, e))?;
            let temp = tempfile::Builder::new()
                .prefix(".wash-new-")
                .tempfile_in(dir)
                .map_err(|e| ProjectError::io("create a file in", dir, e))?;
            std::fs::write(temp.path(), contents)
                .map_err(|e| ProjectError::io("write", &target, e))?;
            temp.persist(&target)
                .map_err(|e| ProjectError::io("write", &target, e.error))?;
        }
        return Ok(());
    }
    let parent = destination
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| ProjectError::io("create", parent, e))?;
    let staging = tempfile::Builder::new()
        .prefix(".wash-new-")
        .tempdir_in(parent)
        .map_err(|e| ProjectError::io("create a folder in", parent, e))?;
    for (path, contents) in files {
        let target = staging.path().join(path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| ProjectError::io("create", dir, e))?;
        }
        std::fs::write(&target, contents).map_err(|e| ProjectError::io("write", &target, e))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // tempfile makes the folder private (0700); a project folder is an ordinary one.
        std::fs::set_permissions(staging.path(), std::fs::Permissions::from_mode(0o755))
            .map_err(|e| ProjectError::io("set permissions of", staging.path(), e))?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, destination).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staged);
        ProjectError::io("create", destination, e)
    })
}
