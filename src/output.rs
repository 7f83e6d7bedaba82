//! The only place that writes results to stdout: `CommandOutput` rendering, error envelopes and exit codes.
//!
//! Results go to stdout (text, or one JSON object under `-o json`). Status lines go to stderr through
//! [`Printer::status`] and are silent under `-q` or `-o json`. Errors are rendered here once: in text mode
//! as `error: ...` plus a `Caused by:` list on stderr, in JSON mode as an envelope on stdout (so a script
//! reading stdout always gets exactly one JSON object).

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use serde_json::{json, Map, Value};

use crate::cli::{GlobalArgs, OutputKind};

/// What a successful command produced: a text rendering and a JSON rendering of the same result.
#[derive(Debug, Default)]
pub struct CommandOutput {
    /// Printed as-is in text mode (a trailing newline is added when missing).
    pub text: String,
    /// Fields of the JSON object printed in JSON mode; `"success": true` is added by the renderer.
    pub json: Map<String, Value>,
    /// Bytes printed as-is in text mode instead of `text` (no newline added), e.g. `wash call --bin`.
    pub raw: Option<Vec<u8>>,
}

impl CommandOutput {
    /// An output with the given text and JSON fields.
    pub fn new(text: impl Into<String>, json: Map<String, Value>) -> Self {
        Self {
            text: text.into(),
            json,
            raw: None,
        }
    }

    /// An output with the given text and the fields of `json` (see [`json_fields`]).
    pub fn with_json(text: impl Into<String>, json: Value) -> Self {
        Self::new(text, json_fields(json))
    }

    /// An output that prints exactly `bytes` in text mode.
    pub fn raw(bytes: Vec<u8>, json: Map<String, Value>) -> Self {
        Self {
            text: String::new(),
            json,
            raw: Some(bytes),
        }
    }
}

/// The fields of a command's JSON result: an object's own fields; any other value goes under `result`.
pub fn json_fields(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => Map::from_iter([("result".to_owned(), other)]),
    }
}

/// Decides what goes to stderr: status lines and progress are for people, so `-q` and `-o json` silence them.
#[derive(Debug, Clone)]
pub struct Printer {
    kind: OutputKind,
    quiet: bool,
}

impl Printer {
    /// A printer for the given global flags.
    pub fn new(global: &GlobalArgs) -> Self {
        Self {
            kind: global.output,
            quiet: global.quiet,
        }
    }

    /// The output format the user asked for.
    pub fn kind(&self) -> OutputKind {
        self.kind
    }

    /// Whether status lines and progress bars may be shown.
    pub fn shows_status(&self) -> bool {
        !self.quiet && self.kind == OutputKind::Text
    }

    /// Prints a cargo-style status line (`   Signing actor.wasm`) on stderr unless silenced.
    pub fn status(&self, verb: &str, message: impl std::fmt::Display) {
        if !self.shows_status() {
            return;
        }
        let mut stderr = io::stderr().lock();
        if io::stderr().is_terminal() {
            let _ = writeln!(stderr, "\x1b[1;32m{verb:>12}\x1b[0m {message}");
        } else {
            let _ = writeln!(stderr, "{verb:>12} {message}");
        }
    }

    /// Passes on a line another program printed (a build script's output) on stderr unless silenced.
    pub fn passthrough(&self, line: &str) {
        if self.shows_status() {
            let _ = writeln!(io::stderr().lock(), "{line}");
        }
    }
}

/// An error that is the user's to fix by passing something (a missing value): exit code 2, like clap's
/// usage errors. Its message is the wrapped error's.
#[derive(Debug)]
pub struct UsageError(Box<dyn std::error::Error + Send + Sync>);

impl UsageError {
    /// Marks `error` as a usage error.
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(Box::new(error))
    }
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for UsageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// Prints a command's result or error and returns the process exit code (0 ok, 1 failed, 2 usage).
pub fn render(result: anyhow::Result<CommandOutput>, printer: &Printer) -> ExitCode {
    match result {
        Ok(output) => {
            let written = match printer.kind() {
                OutputKind::Text => match &output.raw {
                    Some(bytes) => write_raw(bytes),
                    None => write_text(&output.text),
                },
                OutputKind::Json => {
                    let mut object = Map::new();
                    object.insert("success".into(), Value::Bool(true));
                    object.extend(output.json);
                    write_text(&Value::Object(object).to_string())
                }
            };
            match written {
                // A closed pipe (`wash ... | head`) is not a failure of the command.
                Err(err) if err.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
                Ok(()) => ExitCode::SUCCESS,
            }
        }
        Err(err) => {
            render_error(&err, printer.kind());
            if err.chain().any(|cause| cause.is::<UsageError>()) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn write_raw(bytes: &[u8]) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(bytes)?;
    stdout.flush()
}

fn write_text(text: &str) -> io::Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        stdout.write_all(b"\n")?;
    }
    stdout.flush()
}

/// The JSON error envelope: `{"success": false, "error": <top message>, "error_chain": [<causes>...]}`.
pub fn error_envelope(err: &anyhow::Error) -> Value {
    let chain: Vec<String> = err.chain().skip(1).map(ToString::to_string).collect();
    json!({ "success": false, "error": err.to_string(), "error_chain": chain })
}

fn render_error(err: &anyhow::Error, kind: OutputKind) {
    match kind {
        OutputKind::Json => {
            let _ = write_text(&error_envelope(err).to_string());
        }
        OutputKind::Text => {
            let mut stderr = io::stderr().lock();
            let _ = writeln!(stderr, "error: {err}");
            let causes: Vec<_> = err.chain().skip(1).collect();
            if !causes.is_empty() {
                let _ = writeln!(stderr, "\nCaused by:");
                for cause in causes {
                    let _ = writeln!(stderr, "    {cause}");
                }
            }
        }
    }
}
