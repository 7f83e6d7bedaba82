//! `wash call`: invoke an operation of a running actor — JSON in, msgpack to the actor, JSON back.

use std::io::Read as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use serde_json::{json, Map, Value};
use wash_ctl::call::{call_actor, cluster_key, ActorCall};
use wash_ctl::ids::check_actor_id;
use wash_ctl::payload::BinShow;
use wash_ctl::CtlClient;
use wash_local::WashPaths;
use wash_oci::host_reference;

use super::connection::RpcArgs;
use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = r#"Examples:
  wash call MBXX.. HttpServer.HandleRequest -d '{"method":"GET","path":"/","header":{},"body":""}'
  wash call MBXX.. HttpServer.HandleRequest '{"method":"GET","path":"/"}'   # payload as argument
  wash call MBXX.. HttpServer.HandleRequest          # GET / with no headers and no body
  wash call MBXX.. HttpServer.HandleRequest -d request.json -o json --bin 2
  wash call 127.0.0.1:5000/kvcounter:0.1.0 HttpServer.HandleRequest   # the actor started from it
  wash call MBXX.. HttpServer.HandleRequest --save reply.msgpack
  wash call MBXX.. TestRunner.Start --test

The JSON is sent as msgpack (objects as named maps); for HttpServer.HandleRequest a string `body` is
sent as bytes and missing fields default. The reply is shown as JSON, bytes that are UTF-8 as text
(an HTTP response body reads as its text) unless `--bin b|s|2` says otherwise. The invocation is
signed with the cluster seed of the context (`wash up` records it), as the host checks."#;

/// Arguments of `wash call`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct CallArgs {
    /// Actor id (M…) to invoke, or the OCI reference (or path) a running actor was started from.
    actor_id: String,

    /// Operation, `<Service>.<Operation>`, e.g. HttpServer.HandleRequest.
    operation: String,

    /// The operation's argument as JSON, as wash 0.x took it (several words are joined); or `--data`.
    #[arg(value_name = "PAYLOAD", conflicts_with = "data")]
    payload: Vec<String>,

    /// The operation's argument as JSON, or a file holding it (`FILE` or `@FILE`; `@-`: stdin).
    #[arg(short = 'd', long, value_name = "JSON|FILE")]
    data: Option<String>,

    /// Write the raw reply bytes to FILE instead of showing them.
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,

    /// Alone: print the raw reply bytes (under `-o json`: an array of byte values). With a value, how
    /// binary fields of the decoded reply are shown (wash 0.x): `b` byte arrays, `s` text, `2` both.
    #[arg(long, value_name = "b|s|2", num_args = 0..=1, default_missing_value = "raw", value_parser = parse_bin)]
    bin: Option<Bin>,

    /// Read the reply as test results (`wasmcloud:testing` TestResults) and show each test's outcome.
    #[arg(long, conflicts_with_all = ["save", "bin"])]
    test: bool,

    #[command(flatten)]
    rpc: RpcArgs,
}

/// `--bin`: the raw reply, or how bin fields are shown.
#[derive(Debug, Clone, Copy)]
enum Bin {
    Raw,
    Show(BinShow),
}

fn parse_bin(value: &str) -> Result<Bin, String> {
    match value {
        "raw" => Ok(Bin::Raw),
        "b" => Ok(Bin::Show(BinShow::Bytes)),
        "s" => Ok(Bin::Show(BinShow::Text)),
        "2" => Ok(Bin::Show(BinShow::Both)),
        other => Err(format!("`{other}` is not b, s or 2")),
    }
}

/// The argument JSON: `--data`, else the payload words joined (as wash 0.x did), else none.
fn argument_text(args: &CallArgs) -> anyhow::Result<Option<String>> {
    if args.payload.is_empty() {
        read_data(args.data.as_deref())
    } else {
        Ok(Some(args.payload.concat()))
    }
}

fn read_data(data: Option<&str>) -> anyhow::Result<Option<String>> {
    match data {
        Some("@-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("failed to read the data from stdin")?;
            Ok(Some(text))
        }
        Some(arg) => match arg.strip_prefix('@') {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("failed to read `{path}`"))
                .map(Some),
            // wash 0.x took a file path here: a path that names a file is read, anything else is JSON.
            None if std::path::Path::new(arg).is_file() => std::fs::read_to_string(arg)
                .with_context(|| format!("failed to read `{arg}`"))
                .map(Some),
            None => Ok(Some(arg.to_owned())),
        },
        None => Ok(None),
    }
}

/// Runs `wash call`.
pub fn run(args: CallArgs, paths: &WashPaths, printer: &Printer) -> anyhow::Result<CommandOutput> {
    let reference = match check_actor_id(&args.actor_id) {
        Ok(()) => None,
        // Not an actor id: the reference a running actor was started from (0.x documented this).
        // When it is no reference either, the id check says what the value looks like instead.
        Err(not_an_actor) => Some(host_reference(&args.actor_id).map_err(|e| {
            anyhow::anyhow!("{not_an_actor}; nor is it a reference an actor was started from: {e}")
        })?),
    };
    let data = argument_text(&args)?;
    let msg = wash_ctl::payload::encode_argument(&args.operation, data.as_deref())?;
    let (connection, cluster_seed) = args.rpc.resolve(paths.home())?;
    let key = cluster_key(&cluster_seed)?;
    let (actor_id, reply) = super::block_on(async {
        let nats = wash_ctl::connect(&connection.nats("wash")).await?;
        let actor_id = match &reference {
            Some(reference) => {
                CtlClient::new(nats.clone(), connection.lattice.clone())
                    .with_timeout(connection.timeout)
                    .actor_id_of_reference(reference)
                    .await?
            }
            None => args.actor_id.clone(),
        };
        printer.status("Calling", format!("{} on {actor_id}", args.operation));
        let call = ActorCall {
            lattice: connection.lattice.clone(),
            actor_id: actor_id.clone(),
            operation: args.operation.clone(),
            msg,
            timeout: connection.timeout,
        };
        // The root of the call's trace when the OTEL_* variables turn traces on.
        let hop = wash_trace::Hop::client("wash call", None, || {
            use wash_trace::Attribute;
            vec![
                Attribute::new("actor.id", actor_id.clone()),
                Attribute::new("operation", call.operation.clone()),
            ]
        });
        let reply = hop
            .run(call_actor(&nats, &connection.url, &key, &call))
            .await;
        if let Err(e) = &reply {
            hop.error(&e.to_string());
        }
        anyhow::Ok((actor_id, reply?))
    })?;
    let mut json = Map::new();
    json.insert("actor_id".into(), json!(actor_id));
    json.insert("operation".into(), json!(args.operation));
    if let Some(path) = &args.save {
        std::fs::write(path, &reply)
            .with_context(|| format!("failed to save the reply to `{}`", path.display()))?;
        json.insert("saved".into(), json!(path));
        json.insert("bytes".into(), json!(reply.len()));
        let text = format!(
            "saved the reply ({} bytes) to {}",
            reply.len(),
            path.display()
        );
        return Ok(CommandOutput::new(text, json));
    }
    if args.test {
        return test_output(&reply, json);
    }
    let show = match args.bin {
        Some(Bin::Raw) => {
            json.insert("response_bytes".into(), json!(reply));
            return Ok(CommandOutput::raw(reply, json));
        }
        Some(Bin::Show(show)) => show,
        None => BinShow::Auto,
    };
    let response = wash_ctl::payload::decode_reply_with(&reply, show);
    let text = match &response {
        serde_json::Value::String(text) => text.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    json.insert("response".into(), response);
    Ok(CommandOutput::new(text, json))
}

/// `--test`: one line per test, then the counts; the JSON lists the outcomes.
fn test_output(reply: &[u8], mut json: Map<String, Value>) -> anyhow::Result<CommandOutput> {
    let outcomes = wash_ctl::payload::test_results(reply)?;
    let mut text = String::new();
    for outcome in &outcomes {
        let verdict = if outcome.passed { "PASS" } else { "FAIL" };
        text.push_str(&format!("{verdict} {}\n", outcome.name));
        if let (false, Some(data)) = (outcome.passed, &outcome.data) {
            text.push_str(&format!("     {data}\n"));
        }
    }
    let passed = outcomes.iter().filter(|o| o.passed).count();
    let failed = outcomes.len() - passed;
    text.push_str(&format!("{passed} passed, {failed} failed"));
    json.insert("test_results".into(), json!(outcomes));
    json.insert("passed".into(), json!(passed));
    json.insert("failed".into(), json!(failed));
    Ok(CommandOutput::new(text, json))
}
