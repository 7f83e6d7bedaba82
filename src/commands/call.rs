//! `wash call`: invoke an operation of a running actor — JSON in, msgpack to the actor, JSON back.

use std::io::Read as _;

use anyhow::Context as _;
use clap::Args;
use serde_json::{json, Map};
use wash_ctl::call::{call_actor, cluster_key, ActorCall};
use wash_ctl::ids::check_actor_id;
use wash_local::WashPaths;

use super::connection::RpcArgs;
use crate::output::{CommandOutput, Printer};

const AFTER_HELP: &str = r#"Examples:
  wash call MBXX.. HttpServer.HandleRequest -d '{"method":"GET","path":"/","header":{},"body":""}'
  wash call MBXX.. HttpServer.HandleRequest          # GET / with no headers and no body
  wash call MBXX.. HttpServer.HandleRequest -d request.json -o json
  wash call MBXX.. HttpServer.HandleRequest --bin > reply.msgpack

The JSON is sent as msgpack (objects as named maps); for HttpServer.HandleRequest a string `body` is
sent as bytes and missing fields default. The reply is shown as JSON, bytes that are UTF-8 as text
(an HTTP response body reads as its text). The invocation is signed with the cluster seed of the
context (`wash up` records it), as the host checks."#;

/// Arguments of `wash call`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct CallArgs {
    /// Actor id (M…) to invoke.
    actor_id: String,

    /// Operation, `<Service>.<Operation>`, e.g. HttpServer.HandleRequest.
    operation: String,

    /// The operation's argument as JSON, or a file holding it (`FILE` or `@FILE`; `@-`: stdin).
    #[arg(short = 'd', long, value_name = "JSON|FILE")]
    data: Option<String>,

    /// Print the raw reply bytes instead of decoding them (under `-o json`: as an array of byte values).
    #[arg(long)]
    bin: bool,

    #[command(flatten)]
    rpc: RpcArgs,
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
    check_actor_id(&args.actor_id)?;
    let data = read_data(args.data.as_deref())?;
    let msg = wash_ctl::payload::encode_argument(&args.operation, data.as_deref())?;
    let (connection, cluster_seed) = args.rpc.resolve(paths.home())?;
    let key = cluster_key(&cluster_seed)?;
    let call = ActorCall {
        lattice: connection.lattice.clone(),
        actor_id: args.actor_id.clone(),
        operation: args.operation.clone(),
        msg,
        timeout: connection.timeout,
    };
    printer.status(
        "Calling",
        format!("{} on {}", args.operation, args.actor_id),
    );
    let reply = super::block_on(async {
        let nats = wash_ctl::connect(&connection.url, &connection.auth).await?;
        anyhow::Ok(call_actor(&nats, &connection.url, &key, &call).await?)
    })?;
    let mut json = Map::new();
    json.insert("actor_id".into(), json!(args.actor_id));
    json.insert("operation".into(), json!(args.operation));
    if args.bin {
        json.insert("response_bytes".into(), json!(reply));
        return Ok(CommandOutput::raw(reply, json));
    }
    let response = wash_ctl::payload::decode_reply(&reply);
    let text = match &response {
        serde_json::Value::String(text) => text.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    json.insert("response".into(), response);
    Ok(CommandOutput::new(text, json))
}
