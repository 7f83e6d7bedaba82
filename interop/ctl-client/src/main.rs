//! Drives a lattice with the published `wasmcloud-control-interface` 0.28 client (the one wash 0.x used)
//! and prints, as one JSON object on stdout, everything the crate decoded from the hosts' answers.
//!
//! Usage: `ctl-client <nats-url> <actor-file> <provider-file> [lattice]`
//!
//! Steps: get hosts (exactly one must answer), start the actor from the file on that host and wait until
//! the inventory shows it, start the provider from the file (link name `default`) and wait likewise,
//! advertise the link actor → provider for the provider's contract and wait for `linkdef_set`, then read
//! the inventory, links and claims. Lattice events seen meanwhile, decoded by the crate as CloudEvents,
//! are listed by type. Any failure prints `error: …` on stderr and exits 1.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use cloudevents::{AttributesReader, Event};
use serde_json::{json, Value};
use tokio::sync::mpsc::Receiver;
use wasmcloud_control_interface::{Client, ClientBuilder, HostInventory};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long to wait for the host to show a started actor or provider, or a link event.
const WAIT: Duration = Duration::from_secs(30);

/// The command line.
struct Args {
    nats_url: String,
    actor_ref: String,
    provider_ref: String,
    lattice: String,
}

fn parse_args() -> Result<Args, BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [nats_url, actor_ref, provider_ref, rest @ ..] if rest.len() <= 1 => Ok(Args {
            nats_url: nats_url.clone(),
            actor_ref: actor_ref.clone(),
            provider_ref: provider_ref.clone(),
            lattice: rest.first().cloned().unwrap_or_else(|| "default".into()),
        }),
        _ => Err("usage: ctl-client <nats-url> <actor-file> <provider-file> [lattice]".into()),
    }
}

#[tokio::main]
async fn main() {
    match run().await {
        Ok(report) => println!("{report}"),
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
    }
}

async fn run() -> Result<Value, BoxError> {
    let args = parse_args()?;
    let nats = async_nats::connect(args.nats_url.as_str())
        .await
        .map_err(|e| format!("failed to connect to `{}`: {e}", args.nats_url))?;
    let client = ClientBuilder::new(nats)
        .lattice_prefix(args.lattice.clone())
        .rpc_timeout(Duration::from_secs(5))
        .auction_timeout(Duration::from_secs(2))
        .build()
        .await?;
    let mut events = client.events_receiver().await?;
    let mut seen = Vec::new();

    let hosts = client.get_hosts().await?;
    let [host] = hosts.as_slice() else {
        return Err(format!("expected exactly one host to answer, got {}", hosts.len()).into());
    };
    let host_id = host.id.clone();

    let start_actor = client
        .start_actor(&host_id, &args.actor_ref, 1, None)
        .await?;
    let actor_id = wait_for(&client, &host_id, |inv| {
        inv.actors
            .iter()
            .find(|a| a.image_ref.as_deref() == Some(args.actor_ref.as_str()))
            .map(|a| a.id.clone())
    })
    .await
    .map_err(|e| format!("actor never showed up in the inventory: {e}"))?;

    let start_provider = client
        .start_provider(
            &host_id,
            &args.provider_ref,
            Some("default".into()),
            None,
            None,
        )
        .await?;
    let (provider_id, contract_id) = wait_for(&client, &host_id, |inv| {
        inv.providers
            .iter()
            .find(|p| p.image_ref.as_deref() == Some(args.provider_ref.as_str()))
            .map(|p| (p.id.clone(), p.contract_id.clone()))
    })
    .await
    .map_err(|e| format!("provider never showed up in the inventory: {e}"))?;

    let advertise_link = client
        .advertise_link(
            &actor_id,
            &provider_id,
            &contract_id,
            "default",
            HashMap::new(),
        )
        .await?;
    wait_for_event(&mut events, &mut seen, "com.wasmcloud.lattice.linkdef_set").await?;

    let inventory = client.get_host_inventory(&host_id).await?;
    let links = client.query_links().await?;
    let claims = client.get_claims().await?;
    while let Ok(event) = events.try_recv() {
        seen.push(event_type(&event));
    }
    Ok(json!({
        "hosts": hosts,
        "start_actor": start_actor,
        "start_provider": start_provider,
        "advertise_link": advertise_link,
        "inventory": inventory,
        "links": links,
        "claims": claims,
        "events": seen,
    }))
}

/// Polls the host's inventory until `found` returns something, for at most [`WAIT`].
async fn wait_for<T>(
    client: &Client,
    host_id: &str,
    found: impl Fn(&HostInventory) -> Option<T>,
) -> Result<T, BoxError> {
    let deadline = Instant::now() + WAIT;
    loop {
        let inventory = client.get_host_inventory(host_id).await?;
        if let Some(value) = found(&inventory) {
            return Ok(value);
        }
        if Instant::now() > deadline {
            return Err(format!(
                "not there after {WAIT:?}; last inventory: {}",
                serde_json::to_string(&inventory)?
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Collects event types until one of type `wanted` arrives, for at most [`WAIT`].
async fn wait_for_event(
    events: &mut Receiver<Event>,
    seen: &mut Vec<String>,
    wanted: &str,
) -> Result<(), BoxError> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(event)) => {
                let kind = event_type(&event);
                seen.push(kind.clone());
                if kind == wanted {
                    return Ok(());
                }
            }
            Ok(None) => return Err("the event stream closed".into()),
            Err(_) => {
                return Err(format!("no `{wanted}` event within {WAIT:?}; saw {seen:?}").into())
            }
        }
    }
}

/// The CloudEvent's `type` attribute.
fn event_type(event: &Event) -> String {
    event.ty().to_owned()
}
