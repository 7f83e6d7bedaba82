//! `wash new actor|provider|interface`: scaffold a project from a template (embedded, a folder, git).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{json, Map};
use wash_local::WashPaths;
use wash_project::{
    Favorites, GitInit, NewOptions, ProjectError, ProjectKind, Prompter, TemplateSource,
    FAVORITES_FILE,
};

use crate::cli::LongOnlyLogArgs;
use crate::commands::args::parse_key_value;
use crate::output::{CommandOutput, Printer, UsageError};

const AFTER_HELP: &str = "\
Examples:
  wash new actor hello                       # the built-in hello-world HTTP actor, in ./hello
  wash new provider kvredis --silent         # defaults for every placeholder, no questions
  wash new interface keyvalue -o json
  wash new actor echo --git https://github.com/me/templates --branch main --subfolder actor/echo
  wash new actor mine --path ../my-template --values values.toml -d vendor=Acme
  wash new actor mine --template-name fancy  # a favorite from ~/.wash/favorites.toml
  wash new actor mine --favorites favs.toml --silent --no-git-init

Templates use cargo-generate's format: liquid placeholders (`{{project-name}}`, `{{crate_name}}`,
your own from `[placeholders]` in cargo-generate.toml). Values come from `--define`, then the
`[values]` table of `--values`, then a prompt at a terminal, then the placeholder's default; without
a terminal (or with `--silent`) a value without a default is an error. Nothing is written unless
every file renders. Favorites: `[[actor]]`/`[[provider]]`/`[[interface]]` entries with `name` and
`git` (+ `branch`, `subfolder`) or `path` in ~/.wash/favorites.toml (WASH_HOME moves ~/.wash: docs/wash-home.md).";

/// Arguments of `wash new`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct NewArgs {
    #[command(subcommand)]
    command: NewCommand,
}

#[derive(Debug, Subcommand)]
enum NewCommand {
    /// A WebAssembly actor (built-in template: a hello-world HTTP actor).
    #[command(after_help = AFTER_HELP)]
    Actor(TemplateArgs),
    /// A native capability provider (built-in template: a factorial provider on the 0.x SDK).
    #[command(after_help = AFTER_HELP)]
    Provider(TemplateArgs),
    /// A Smithy interface and the Rust crate of its bindings.
    #[command(after_help = AFTER_HELP)]
    Interface(TemplateArgs),
}

#[derive(Debug, Args)]
struct TemplateArgs {
    /// The project name: the new folder and the cargo package.
    #[arg(value_name = "NAME")]
    project_name: Option<String>,
    /// Take the template from this git repository (cloned with `git`).
    #[arg(long, value_name = "URL", conflicts_with_all = ["path", "template_name"])]
    git: Option<String>,
    /// The branch or tag of `--git`.
    #[arg(long, value_name = "BRANCH", requires = "git")]
    branch: Option<String>,
    /// The sub-folder of `--git` or `--path` that holds the template.
    #[arg(long, value_name = "DIR", visible_alias = "subdir")]
    subfolder: Option<String>,
    /// Take the template from this local folder.
    #[arg(
        short = 'p',
        long,
        value_name = "DIR",
        conflicts_with = "template_name"
    )]
    path: Option<PathBuf>,
    /// A template by name: a built-in one or a favorite from ~/.wash/favorites.toml.
    #[arg(short = 't', long, value_name = "NAME")]
    template_name: Option<String>,
    /// A TOML file of placeholder values (a `[values]` table).
    #[arg(short = 'v', long, value_name = "FILE")]
    values: Option<PathBuf>,
    /// Set a placeholder value (repeatable); wins over `--values`.
    #[arg(short = 'd', long, value_name = "NAME=VALUE", value_parser = parse_key_value)]
    define: Vec<(String, String)>,
    /// Ask nothing: placeholders take their defaults, and a value without one is an error.
    #[arg(long)]
    silent: bool,
    /// Render into an existing folder (files of the same name are overwritten).
    #[arg(long)]
    force: bool,
    /// The favorites file for `--template-name`; without a name, its first template of this kind
    /// is used (or chosen at a terminal) [default: ~/.wash/favorites.toml].
    #[arg(long, value_name = "FILE")]
    favorites: Option<PathBuf>,
    /// Do not run `git init` in the new project (by default it becomes a repository on `main`).
    #[arg(long)]
    no_git_init: bool,
    /// `-v` is `--values` here, as in wash 0.x.
    #[command(flatten)]
    _log: LongOnlyLogArgs,
}

/// Runs `wash new ...`.
pub fn run(args: NewArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let (kind, args) = match args.command {
        NewCommand::Actor(a) => (ProjectKind::Actor, a),
        NewCommand::Provider(a) => (ProjectKind::Provider, a),
        NewCommand::Interface(a) => (ProjectKind::Interface, a),
    };
    let interactive =
        !args.silent && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let favorites_file = match &args.favorites {
        Some(file) if !file.is_file() => {
            anyhow::bail!("`--favorites`: `{}` is not a file", file.display())
        }
        Some(file) => file.clone(),
        None => paths.home().root().join(FAVORITES_FILE),
    };
    let source = match (&args.git, &args.path, &args.template_name) {
        (Some(url), _, _) => TemplateSource::Git {
            url: url.clone(),
            branch: args.branch.clone(),
            subfolder: args.subfolder.clone(),
        },
        (None, Some(path), _) => TemplateSource::Path {
            path: path.clone(),
            subfolder: args.subfolder.clone(),
        },
        (None, None, Some(name)) => TemplateSource::Named(name.clone()),
        // wash 0.x: a favorites file without a name gives its first template of the kind.
        (None, None, None) if args.favorites.is_some() && !interactive => {
            let favorites = Favorites::load(&favorites_file)?;
            let first = favorites.of_kind(kind).first().with_context(|| {
                format!(
                    "`{}` has no [[{}]] template",
                    favorites_file.display(),
                    kind.as_str()
                )
            })?;
            TemplateSource::Named(first.name.clone())
        }
        (None, None, None) => TemplateSource::Embedded,
    };
    let options = NewOptions {
        kind,
        name: args.project_name,
        source,
        parent: std::env::current_dir().context("failed to read the current folder")?,
        defines: args.define.into_iter().collect::<BTreeMap<_, _>>(),
        values_file: args.values,
        favorites_file: Some(favorites_file),
        force: args.force,
    };
    let mut terminal = TerminalPrompter;
    let prompter: Option<&mut dyn Prompter> = if interactive {
        Some(&mut terminal)
    } else {
        None
    };
    let project = wash_project::new_project(&options, prompter).map_err(|err| match err {
        err @ ProjectError::MissingValue { .. } => anyhow::Error::new(UsageError::new(err)),
        err => anyhow::Error::new(err).context(format!("failed to create the {kind} project")),
    })?;
    printer.status(
        "Created",
        format!("{kind} `{}` from the {}", project.name, project.template),
    );
    let git_repository = !args.no_git_init
        && match wash_project::git_init(&project.path)? {
            GitInit::Initialized => {
                printer.status("Initialized", "a git repository (branch `main`)");
                true
            }
            GitInit::GitNotFound => {
                printer.status(
                    "Skipped",
                    "`git init`: no `git` on PATH (`--no-git-init` skips it quietly)",
                );
                false
            }
        };
    let mut json = Map::new();
    json.insert("name".into(), json!(project.name));
    json.insert("kind".into(), json!(kind.as_str()));
    json.insert("path".into(), json!(project.path));
    json.insert("project_path".into(), json!(project.path));
    json.insert("git_repository".into(), json!(git_repository));
    json.insert("template".into(), json!(project.template));
    json.insert("files".into(), json!(project.files));
    json.insert("values".into(), json!(project.values));
    Ok(CommandOutput::new(
        format!("Project generated: {}", project.path.display()),
        json,
    ))
}

/// Terminal prompts (on stderr) with dialoguer.
struct TerminalPrompter;

fn prompt_error(what: &str, err: dialoguer::Error) -> ProjectError {
    ProjectError::Prompt {
        what: what.to_owned(),
        message: err.to_string(),
    }
}

impl Prompter for TerminalPrompter {
    fn input(&mut self, prompt: &str, default: Option<&str>) -> Result<String, ProjectError> {
        let mut input = dialoguer::Input::<String>::new().with_prompt(prompt);
        if let Some(default) = default {
            input = input.default(default.to_owned());
        }
        input.interact_text().map_err(|e| prompt_error(prompt, e))
    }

    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool, ProjectError> {
        dialoguer::Confirm::new()
            .with_prompt(prompt)
            .default(default)
            .interact()
            .map_err(|e| prompt_error(prompt, e))
    }

    fn select(
        &mut self,
        prompt: &str,
        items: &[String],
        default: usize,
    ) -> Result<usize, ProjectError> {
        dialoguer::Select::new()
            .with_prompt(prompt)
            .items(items)
            .default(default)
            .interact()
            .map_err(|e| prompt_error(prompt, e))
    }
}
