//! `wash ctx`: manage contexts — named connection settings under ~/.wash/contexts, one of them the default.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand};
use serde_json::json;
use wash_local::{Context, ContextStore, WashPaths};

use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash ctx list
  wash ctx new staging --ctl-host 10.0.0.5 --ctl-port 4333 --lattice staging
  wash ctx default staging              # `wash ctl` and `wash call` now use it without flags
  wash ctx edit staging                 # opens $EDITOR (or --editor)
  wash ctl get hosts --context default  # one command with another context
  wash ctx del staging

Contexts are wash 0.x JSON files in ~/.wash/contexts (WASH_HOME replaces ~/.wash); index.json names
the default one, else it is `default`, which `wash up` writes.";

/// Arguments of `wash ctx`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct CtxArgs {
    /// The folder holding the contexts [default: ~/.wash/contexts] (wash 0.18.1's flag; `wash ctl`
    /// and `wash call` still read ~/.wash/contexts, or take `--context FILE`)
    #[arg(long, global = true, env = "WASH_CONTEXTS", value_name = "DIR")]
    directory: Option<PathBuf>,

    #[command(subcommand)]
    command: CtxCommand,
}

#[derive(Debug, Subcommand)]
enum CtxCommand {
    /// List the stored contexts and which one is the default.
    List,
    /// Create a context (control and RPC settings alike; `wash ctx edit` changes them separately).
    New(NewArgs),
    /// Make a context the default, or show the default when no name is given.
    Default {
        /// Name of the context.
        name: Option<String>,
    },
    /// Edit a context (the default one when no name is given) in a text editor.
    Edit {
        /// Name of the context.
        name: Option<String>,
        /// Editor command [default: $EDITOR]
        #[arg(short = 'e', long, env = "EDITOR", hide_env_values = true)]
        editor: Option<String>,
    },
    /// Delete a context (without a name, asks which one at a terminal).
    Del {
        /// Name of the context.
        name: Option<String>,
    },
}

#[derive(Debug, Args)]
struct NewArgs {
    /// Name of the context (its file is ~/.wash/contexts/<name>.json); asked for with `-i`.
    #[arg(required_unless_present = "interactive")]
    name: Option<String>,
    /// Ask for each setting at the terminal, the flags' values offered as defaults.
    #[arg(short = 'i', long)]
    interactive: bool,
    /// NATS host of the lattice.
    #[arg(long, default_value = "127.0.0.1")]
    ctl_host: String,
    /// NATS port of the lattice.
    #[arg(long, default_value_t = 4222)]
    ctl_port: u16,
    /// Lattice id.
    #[arg(short = 'x', long, default_value = "default")]
    lattice: String,
    /// Cluster seed (SC…) that signs `wash call` invocations.
    #[arg(long, env = "WASMCLOUD_CLUSTER_SEED", hide_env_values = true)]
    cluster_seed: Option<String>,
    /// NATS credentials file.
    #[arg(long, value_name = "PATH")]
    ctl_credsfile: Option<PathBuf>,
    /// Request timeout in milliseconds.
    #[arg(long, default_value_t = 2000, value_name = "MS")]
    timeout_ms: u64,
    /// Also make it the default context.
    #[arg(long)]
    default: bool,
}

/// Runs `wash ctx`.
pub fn run(args: CtxArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let store = match &args.directory {
        Some(dir) => ContextStore::at(dir),
        None => ContextStore::new(paths.home()),
    };
    match args.command {
        CtxCommand::List => {
            let names = store.list()?;
            let default = store.default_name()?;
            let mut text = format!("Contexts in {}:\n", store.dir().display());
            for name in &names {
                let mark = if *name == default { " (default)" } else { "" };
                text.push_str(&format!("  {name}{mark}\n"));
            }
            if names.is_empty() {
                text.push_str(
                    "  none yet (`wash up` writes `default`, `wash ctx new` adds more)\n",
                );
            }
            Ok(CommandOutput::with_json(
                text,
                json!({"contexts": names, "default": default, "dir": store.dir()}),
            ))
        }
        CtxCommand::New(mut new) => {
            if new.interactive {
                ask_settings(&mut new)?;
            }
            let name = new.name.clone().unwrap_or_default();
            let new = NewArgs {
                name: Some(name.clone()),
                ..new
            };
            let context = Context {
                name: name.clone(),
                cluster_seed: new.cluster_seed,
                ctl_host: new.ctl_host.clone(),
                ctl_port: new.ctl_port,
                ctl_credsfile: new.ctl_credsfile.clone(),
                ctl_timeout: new.timeout_ms,
                ctl_lattice_prefix: new.lattice.clone(),
                rpc_host: new.ctl_host,
                rpc_port: new.ctl_port,
                rpc_credsfile: new.ctl_credsfile,
                rpc_timeout: new.timeout_ms,
                rpc_lattice_prefix: new.lattice,
                ..Context::default()
            };
            let path = store.create(&context)?;
            if new.default {
                store.set_default(&name)?;
            }
            printer.status("Created", format!("context {}", path.display()));
            Ok(CommandOutput::with_json(
                format!("created context `{name}` ({})", path.display()),
                json!({"name": name, "path": path, "default": new.default}),
            ))
        }
        CtxCommand::Default { name: None } => {
            let name = store.default_name()?;
            Ok(CommandOutput::with_json(
                name.clone(),
                json!({"default": name, "path": store.path(&name)}),
            ))
        }
        CtxCommand::Default { name: Some(name) } => {
            store.set_default(&name)?;
            Ok(CommandOutput::with_json(
                format!("`{name}` is now the default context"),
                json!({"default": name, "path": store.path(&name)}),
            ))
        }
        CtxCommand::Edit { name, editor } => edit(&store, name, editor),
        CtxCommand::Del { name } => {
            let name = match name {
                Some(name) => name,
                None => choose_context(&store)?,
            };
            let path = store.delete(&name)?;
            Ok(CommandOutput::with_json(
                format!("deleted context `{name}` ({})", path.display()),
                json!({"deleted": name, "path": path}),
            ))
        }
    }
}

/// Whether prompts can be shown and answered.
fn interactive_terminal() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// The context to delete, chosen at the terminal (wash 0.18.1 asked too).
fn choose_context(store: &ContextStore) -> anyhow::Result<String> {
    let names = store.list()?;
    if !interactive_terminal() {
        return Err(crate::output::UsageError::new(std::io::Error::other(
            "name the context to delete (`wash ctx list` shows them); without a terminal wash cannot ask",
        ))
        .into());
    }
    if names.is_empty() {
        bail!("there is no context to delete in {}", store.dir().display());
    }
    let index = dialoguer::Select::new()
        .with_prompt("Delete which context?")
        .items(&names)
        .default(0)
        .interact()
        .context("failed to read the answer")?;
    Ok(names[index].clone())
}

/// `ctx new -i`: each setting asked at the terminal, what the flags say offered as the default.
fn ask_settings(new: &mut NewArgs) -> anyhow::Result<()> {
    if !interactive_terminal() {
        return Err(crate::output::UsageError::new(std::io::Error::other(
            "`wash ctx new -i` asks at a terminal: run it in one, or give the settings as flags",
        ))
        .into());
    }
    fn ask<T>(prompt: &str, default: T) -> anyhow::Result<T>
    where
        T: Clone + ToString + std::str::FromStr,
        T::Err: std::fmt::Debug + ToString,
    {
        dialoguer::Input::<T>::new()
            .with_prompt(prompt)
            .default(default)
            .interact_text()
            .with_context(|| format!("failed to read `{prompt}`"))
    }
    let mut name = dialoguer::Input::<String>::new().with_prompt("Name");
    if let Some(given) = &new.name {
        name = name.default(given.clone());
    }
    new.name = Some(name.interact_text().context("failed to read the name")?);
    new.ctl_host = ask("NATS host", new.ctl_host.clone())?;
    new.ctl_port = ask("NATS port", new.ctl_port)?;
    new.lattice = ask("Lattice", new.lattice.clone())?;
    let creds: String = dialoguer::Input::new()
        .with_prompt("Credentials file (empty: none)")
        .default(
            new.ctl_credsfile
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        )
        .allow_empty(true)
        .interact_text()
        .context("failed to read the credentials file")?;
    new.ctl_credsfile = (!creds.trim().is_empty()).then(|| PathBuf::from(creds.trim()));
    new.timeout_ms = ask("Request timeout (ms)", new.timeout_ms)?;
    Ok(())
}

/// Opens the context file in the editor, then checks that it still parses.
fn edit(
    store: &ContextStore,
    name: Option<String>,
    editor: Option<String>,
) -> anyhow::Result<CommandOutput> {
    let name = match name {
        Some(name) => name,
        None => store.default_name()?,
    };
    ContextStore::check_name(&name)?;
    if !store.exists(&name) {
        if name != store.default_name()? {
            store.load_selected(Some(&name))?; // the not-found error
        }
        // The default context may not be written yet: start from its defaults.
        store.save(&store.load(&name)?)?;
    }
    let editor = match editor.filter(|e| !e.trim().is_empty()) {
        Some(editor) => editor,
        None if std::io::stdin().is_terminal() => "vi".to_owned(),
        None => bail!("no editor: set $EDITOR or pass `--editor <command>`"),
    };
    let path = store.path(&name);
    // Run through the shell so `EDITOR="code --wait"` works as it does for git.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status()
        .with_context(|| format!("failed to run the editor `{editor}`"))?;
    if !status.success() {
        bail!(
            "the editor `{editor}` failed ({status}); `{}` may be unchanged",
            path.display()
        );
    }
    let context = store.load(&name).with_context(|| {
        format!("the edited context is not valid: fix it with `wash ctx edit {name}`")
    })?;
    Ok(CommandOutput::with_json(
        format!("edited context `{name}` ({})", path.display()),
        json!({"name": context.name, "path": path}),
    ))
}
