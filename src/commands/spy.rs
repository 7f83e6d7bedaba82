//! `wash spy`: print one actor's invocations and replies as they cross the lattice, until Ctrl-C (the
//! watching is `wash_ctl::spy`).

use std::io::Write as _;

use clap::Args;
use serde_json::{json, Map, Value};
use wash_ctl::spy::{Observed, Spy};
use wash_local::WashPaths;

use super::connection::ConnectionArgs;
use crate::cli::OutputKind;
use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = "\
Examples:
  wash spy MBXX..                     # by actor id
  wash spy kvcounter                  # by (part of) the actor's name or call alias
  wash spy kvcounter -o json | jq .   # one JSON object per message, then a summary

Shows every invocation the actor receives (from providers, other actors, `wash call`) and sends
(to providers and actors), and each reply with its time, decoded from msgpack to JSON where it can
be (bytes that are UTF-8 as text). Arguments and results travelling in chunks (over 1 MB) are
shown by size. Connection settings come from the default context unless `--context` or the
`--ctl-*` flags override them.";

/// Longest message text printed in the text view; `-o json` prints every message whole.
const TEXT_LIMIT: usize = 2_000;

/// Arguments of `wash spy`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct SpyArgs {
    /// The actor: its id (M…), or part of its name or call alias (one actor must match).
    actor: String,

    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Runs `wash spy` until Ctrl-C or SIGTERM.
pub fn run(args: SpyArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    if let Some(note) = args.connection.js_domain_note() {
        printer.status("Note", note);
    }
    super::block_on(async move {
        let client = args.connection.connect(paths.home()).await?;
        let mut spy = Spy::start(&client, &args.actor).await?;
        let actor_id = spy.actor_id().to_owned();
        let shown = match spy.actor_name() {
            Some(name) => format!("{name} ({actor_id})"),
            None => actor_id.clone(),
        };
        printer.status(
            "Spying",
            format!(
                "on actor {shown} in lattice `{}`; Ctrl-C to stop",
                client.lattice()
            ),
        );
        let stop = super::shutdown_signal()?;
        tokio::pin!(stop);
        let mut seen = 0u64;
        loop {
            tokio::select! {
                () = &mut stop => break,
                observed = spy.next() => {
                    let Some(observed) = observed else { break };
                    seen += 1;
                    let text = match printer.kind() {
                        OutputKind::Json => serde_json::to_string(&observed)?,
                        OutputKind::Text => describe(&observed),
                    };
                    let mut stdout = std::io::stdout().lock();
                    writeln!(stdout, "{text}")?;
                    stdout.flush()?;
                }
            }
        }
        let mut json = Map::new();
        json.insert("actor_id".into(), json!(actor_id));
        json.insert("observed".into(), json!(seen));
        Ok(CommandOutput::new(
            format!("stopped spying on {shown} after {seen} message(s)"),
            json,
        ))
    })
}

/// The text view of one message: a header line (time, kind, who to whom), the operation and the
/// message as one line of JSON.
fn describe(observed: &Observed) -> String {
    let now = humantime::format_rfc3339_millis(std::time::SystemTime::now());
    let (header, operation, message, size, chunked, error) = match observed {
        Observed::Invocation {
            id,
            operation,
            from,
            to,
            host_id,
            message,
            size,
            chunked,
        } => (
            format!("[{now}] invocation {id}\nFrom: {from}  To: {to}  Host: {host_id}"),
            operation,
            message,
            *size,
            *chunked,
            None,
        ),
        Observed::Reply {
            id,
            operation,
            from,
            to,
            message,
            size,
            chunked,
            error,
            elapsed_ms,
        } => (
            format!("[{now}] reply to {id} after {elapsed_ms} ms\nFrom: {from}  To: {to}"),
            operation,
            message,
            *size,
            *chunked,
            error.as_deref(),
        ),
    };
    let body = match (error, chunked) {
        (Some(error), _) => format!("Error: {error}"),
        (None, true) => format!("Message: ({size} bytes, sent in chunks through the object store)"),
        (None, false) => format!("Message: {}", shorten(message, size)),
    };
    format!("{header}\nOperation: {operation}\n{body}\n")
}

/// One line of JSON, cut at [`TEXT_LIMIT`] characters with the full size noted.
fn shorten(message: &Value, size: u64) -> String {
    let text = message.to_string();
    if text.chars().count() <= TEXT_LIMIT {
        return text;
    }
    let cut: String = text.chars().take(TEXT_LIMIT).collect();
    format!("{cut}… ({size} bytes; `-o json` shows it whole)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_cut_with_their_size() {
        let long = Value::String("x".repeat(5_000));
        let text = shorten(&long, 5_002);
        assert!(
            text.ends_with("… (5002 bytes; `-o json` shows it whole)"),
            "{text}"
        );
        assert_eq!(
            text.chars().count(),
            TEXT_LIMIT + "… (5002 bytes; `-o json` shows it whole)".chars().count()
        );
        assert_eq!(shorten(&json!({"a": 1}), 4), r#"{"a":1}"#);
    }

    #[test]
    fn errors_and_chunks_replace_the_message() {
        let reply = Observed::Reply {
            id: "abc".into(),
            operation: "KeyValue.Get".into(),
            from: "KV".into(),
            to: "kvcounter".into(),
            message: Value::Null,
            size: 0,
            chunked: false,
            error: Some("no such key".into()),
            elapsed_ms: 3,
        };
        let text = describe(&reply);
        assert!(
            text.contains("reply to abc after 3 ms\nFrom: KV  To: kvcounter\n"),
            "{text}"
        );
        assert!(
            text.ends_with("Operation: KeyValue.Get\nError: no such key\n"),
            "{text}"
        );
        let big = Observed::Invocation {
            id: "def".into(),
            operation: "KeyValue.Set".into(),
            from: "kvcounter".into(),
            to: "KV".into(),
            host_id: "NHOST".into(),
            message: Value::Null,
            size: 5_242_880,
            chunked: true,
        };
        let text = describe(&big);
        assert!(text.contains("Host: NHOST"), "{text}");
        assert!(
            text.contains("Message: (5242880 bytes, sent in chunks"),
            "{text}"
        );
    }
}
