//! The provider runtime: host data → logging → NATS → links → the five subscriptions, until shutdown.

use std::io::BufRead as _;
use std::sync::Arc;
use std::time::Duration;

use async_nats::{Message, Subscriber};
use futures::StreamExt as _;
use nkeys::KeyPair;
use tokio::task::JoinSet;
use wash_wire::{HealthCheckResponse, HostData, Invocation, InvocationResponse, LinkDefinition};

use crate::handle::Shared;
use crate::{InvocationContext, PerActor, ProviderError, ProviderHandle, ProviderHandler};

/// The `host_id` wasmbus-rpc's test harness uses: JSON instead of msgpack on the control subjects.
const TEST_HOST_ID: &str = "_TEST_";

/// A provider that has read its host data and connected to NATS, ready to [`Provider::run`].
#[derive(Debug)]
pub struct Provider {
    handle: ProviderHandle,
}

/// Reads host data from stdin, starts logging, connects, then serves `make(handle)` until shutdown.
///
/// This is the whole `main` of a provider: `run_provider(MyProvider::new).await`.
pub async fn run_provider<H, F>(make: F) -> Result<(), ProviderError>
where
    H: ProviderHandler,
    F: FnOnce(ProviderHandle) -> H,
{
    let provider = Provider::from_stdin().await?;
    let handler = make(provider.handle());
    provider.run(handler).await
}

/// Reads exactly one line from stdin and decodes it as host data.
pub fn read_host_data() -> Result<HostData, ProviderError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(ProviderError::Stdin)?;
    Ok(HostData::from_stdin_line(&line)?)
}

/// Logs to stderr with the host data's `log_level` directive (or `RUST_LOG`, else `info`); JSON lines
/// when `structured_logging` is set. Does nothing if logging is already set up.
pub fn init_logging(host_data: &HostData) {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    use tracing_subscriber::{EnvFilter, Layer as _};
    let directive = host_data
        .log_level
        .clone()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .unwrap_or_else(|| "info".to_owned());
    let directive = directive.trim();
    let levels = ["off", "error", "warn", "info", "debug", "trace"];
    let directive = match levels.iter().find(|l| l.eq_ignore_ascii_case(directive)) {
        Some(level) => (*level).to_owned(),
        None => directive.to_owned(),
    };
    let filter = EnvFilter::try_new(&directive).unwrap_or_else(|_| EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false);
    let fmt = if host_data.structured_logging {
        fmt.json().with_filter(filter).boxed()
    } else {
        fmt.with_filter(filter).boxed()
    };
    let _ = tracing_subscriber::registry().with(fmt).try_init();
    // Spans go to the OTLP endpoint the host passed on (its OTEL_* variables), if any; flushed by
    // `wash_trace::shutdown` when the provider stops.
    if let Some(guard) = wash_trace::install("wasmcloud-provider") {
        std::mem::forget(guard);
    }
}

/// Connects as the host data says: its URL (a `user:password@` in it included), its user JWT and seed
/// (a seed alone is an nkey user), TLS when asked for, verified with the CA file the host names.
async fn connect(host_data: &HostData) -> Result<async_nats::Client, ProviderError> {
    let blank_as_none = |text: &str| (!text.trim().is_empty()).then(|| text.trim().to_owned());
    let connect = wash_nats::NatsConnect {
        auth: wash_nats::NatsAuth {
            jwt: blank_as_none(&host_data.lattice_rpc_user_jwt),
            seed: blank_as_none(&host_data.lattice_rpc_user_seed),
            ..wash_nats::NatsAuth::default()
        },
        tls: wash_nats::NatsTls {
            ca_file: host_data.lattice_rpc_tls_ca_file.as_ref().map(Into::into),
            required: host_data.lattice_rpc_tls,
        },
        timeout: None,
        ..wash_nats::NatsConnect::new(
            host_data.nats_url(),
            format!("provider {}", host_data.provider_key),
        )
    };
    connect.connect().await.map_err(|e| match e {
        wash_nats::NatsError::Settings(reason) => ProviderError::Credentials(reason),
        other => ProviderError::Connect {
            url: wash_nats::redact(&host_data.nats_url()),
            message: other.to_string(),
        },
    })
}

fn cluster_key(host_data: &HostData) -> Result<Option<KeyPair>, ProviderError> {
    if host_data.host_id == TEST_HOST_ID {
        return Ok(Some(KeyPair::new_cluster()));
    }
    let seed = host_data.invocation_seed.trim();
    if seed.is_empty() {
        return Ok(None);
    }
    KeyPair::from_seed(seed)
        .map(Some)
        .map_err(|e| ProviderError::InvocationSeed(e.to_string()))
}

impl Provider {
    /// Reads host data from stdin, sets up logging and connects to NATS.
    pub async fn from_stdin() -> Result<Self, ProviderError> {
        let host_data = tokio::task::spawn_blocking(read_host_data)
            .await
            .map_err(|e| ProviderError::Stdin(std::io::Error::other(e)))??;
        init_logging(&host_data);
        Self::connect(host_data).await
    }

    /// Connects to NATS with the given host data (logging is left to the caller).
    pub async fn connect(host_data: HostData) -> Result<Self, ProviderError> {
        let cluster_key = cluster_key(&host_data)?;
        if cluster_key.is_none() {
            tracing::warn!("host data has no `invocation_seed`: calls to actors will fail");
        }
        let client = connect(&host_data).await?;
        let lattice = match host_data.lattice_rpc_prefix.as_str() {
            "" => wash_wire::DEFAULT_LATTICE.to_owned(),
            prefix => prefix.to_owned(),
        };
        let rpc_timeout = Duration::from_millis(
            host_data
                .default_rpc_timeout_ms
                .unwrap_or(wash_wire::DEFAULT_RPC_TIMEOUT_MS),
        );
        tracing::info!(
            provider = %host_data.provider_key,
            link_name = %host_data.link_name,
            lattice = %lattice,
            "connected to NATS"
        );
        let chunks = wash_rpc::ChunkStore::new(client.clone(), &lattice);
        let trace_key = wash_trace::shared(&host_data.provider_key);
        Ok(Self {
            handle: ProviderHandle::new(Shared {
                host_data,
                client,
                lattice,
                cluster_key,
                rpc_timeout,
                links: PerActor::new(),
                chunks,
                trace_key,
            }),
        })
    }

    /// A handle for the provider's handler (NATS client, links, calls to actors).
    pub fn handle(&self) -> ProviderHandle {
        self.handle.clone()
    }

    /// Applies the start-up links, subscribes, and serves until a shutdown request for this host.
    pub async fn run<H: ProviderHandler>(self, handler: H) -> Result<(), ProviderError> {
        let handler = Arc::new(handler);
        let handle = self.handle;
        let shared = handle.shared();
        for link in &shared.host_data.link_definitions {
            match handler.put_link(link).await {
                Ok(accepted) => {
                    if !accepted {
                        tracing::warn!(actor = %link.actor_id, "start-up link refused by provider");
                    }
                    shared.links.insert(&link.actor_id, link.clone());
                }
                Err(e) => {
                    tracing::error!(actor = %link.actor_id, error = %e, "start-up link failed")
                }
            }
        }
        let (lattice, key, link_name) = (
            shared.lattice.as_str(),
            shared.host_data.provider_key.as_str(),
            shared.host_data.link_name.as_str(),
        );
        let client = &shared.client;
        let rpc_subject = wash_wire::subjects::provider_rpc(lattice, key, link_name);
        let rpc = client
            .queue_subscribe(rpc_subject.clone(), "rpc".to_owned())
            .await
            .map_err(|e| subscribe_error(&rpc_subject, e))?;
        let puts = subscribe(
            client,
            wash_wire::subjects::provider_link_put(lattice, key, link_name),
        )
        .await?;
        let dels = subscribe(
            client,
            wash_wire::subjects::provider_link_del(lattice, key, link_name),
        )
        .await?;
        let health = subscribe(
            client,
            wash_wire::subjects::provider_health(lattice, key, link_name),
        )
        .await?;
        let mut shutdown = subscribe(
            client,
            wash_wire::subjects::provider_shutdown(lattice, key, link_name),
        )
        .await?;
        if let Err(e) = client.flush().await {
            tracing::warn!(error = %e, "flush after subscribing failed");
        }
        tracing::info!(subject = %rpc_subject, "provider ready");

        let mut tasks = JoinSet::new();
        tasks.spawn(serve_rpc(handle.clone(), handler.clone(), rpc));
        tasks.spawn(serve_links(handle.clone(), handler.clone(), puts, dels));
        tasks.spawn(serve_health(handle.clone(), handler.clone(), health));

        while let Some(message) = shutdown.next().await {
            let Some(reply) = message.reply.clone() else {
                tracing::debug!("shutdown message without reply subject ignored");
                continue;
            };
            if !shutdown_is_for_us(&message.payload, &shared.host_data.host_id) {
                tracing::debug!("shutdown request for another host ignored");
                continue;
            }
            tracing::info!("shutdown requested");
            handler.shutdown().await;
            if let Err(e) = client.publish(reply, "shutting down".into()).await {
                tracing::warn!(error = %e, "failed to reply to shutdown");
            }
            break;
        }
        tasks.shutdown().await;
        let _ = shutdown.unsubscribe().await;
        if let Err(e) = client.flush().await {
            tracing::warn!(error = %e, "final flush failed");
        }
        tracing::info!("provider stopped");
        // Spans still batched are exported before the process exits.
        tokio::task::spawn_blocking(wash_trace::shutdown).await.ok();
        Ok(())
    }
}

fn subscribe_error(subject: &str, e: impl ToString) -> ProviderError {
    ProviderError::Subscribe {
        subject: subject.to_owned(),
        message: e.to_string(),
    }
}

async fn subscribe(
    client: &async_nats::Client,
    subject: String,
) -> Result<Subscriber, ProviderError> {
    client
        .subscribe(subject.clone())
        .await
        .map_err(|e| subscribe_error(&subject, e))
}

/// The body is JSON `{"host_id": …}`; an empty, missing or unreadable id means "every provider".
fn shutdown_is_for_us(body: &[u8], own_host_id: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct ShutdownRequest {
        #[serde(default)]
        host_id: Option<String>,
    }
    match serde_json::from_slice::<ShutdownRequest>(body) {
        Ok(ShutdownRequest { host_id: Some(id) }) if !id.is_empty() => id == own_host_id,
        _ => true,
    }
}

async fn serve_rpc<H: ProviderHandler>(
    handle: ProviderHandle,
    handler: Arc<H>,
    mut rpc: Subscriber,
) {
    let mut inflight = JoinSet::new();
    loop {
        tokio::select! {
            message = rpc.next() => match message {
                Some(message) => {
                    inflight.spawn(serve_invocation(handle.clone(), handler.clone(), message));
                }
                None => break,
            },
            Some(_) = inflight.join_next(), if !inflight.is_empty() => {}
        }
    }
}

async fn serve_invocation<H: ProviderHandler>(
    handle: ProviderHandle,
    handler: Arc<H>,
    message: Message,
) {
    let Some(reply) = message.reply else {
        tracing::debug!("invocation without reply subject ignored");
        return;
    };
    // One span per operation, continuing the caller's trace when the message carries one.
    let hop =
        wash_trace::Hop::continuing_nats("provider operation", message.headers.as_ref(), || {
            let key = handle.shared().trace_key.clone();
            // `operation` and `actor.id` come once the invocation is decoded.
            wash_trace::attributes([wash_trace::Attribute::new("provider.id", key)], 2)
        });
    let response = hop.run(invoke(&handle, &*handler, &message.payload)).await;
    if let Some(error) = &response.error {
        hop.error(error);
    }
    let bytes = match response.encode() {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::error!(error = %e, "failed to encode invocation response");
            return;
        }
    };
    if let Err(e) = handle.nats().publish(reply, bytes.into()).await {
        tracing::warn!(error = %e, "failed to send invocation response");
    }
}

/// Decodes, de-chunks, validates and dispatches one invocation; every failure becomes an error reply.
async fn invoke<H: ProviderHandler>(
    handle: &ProviderHandle,
    handler: &H,
    body: &[u8],
) -> InvocationResponse {
    let shared = handle.shared();
    let mut invocation = match Invocation::decode(body) {
        Ok(invocation) => invocation,
        Err(e) => {
            tracing::warn!(error = %e, "undecodable invocation");
            return InvocationResponse::failure("", format!("deser error: {e}"));
        }
    };
    let dechunked = shared.chunks.dechunk_request(&mut invocation).await;
    let id = invocation.id.clone();
    let failure = |error: String| {
        tracing::warn!(invocation = %id, operation = %invocation.operation, %error, "invocation refused");
        InvocationResponse::failure(id.clone(), error)
    };
    if let Err(e) = dechunked {
        return failure(e.to_string());
    }
    if let Err(e) =
        wash_claims::invocation::validate(&invocation, &shared.host_data.cluster_issuers)
    {
        return failure(e.to_string());
    }
    let host_id = invocation.host_id.as_str();
    if !host_id.starts_with('N') && host_id.len() != 56 {
        return failure(format!("Invalid host ID on invocation: '{host_id}'"));
    }
    if invocation.target.public_key != shared.host_data.provider_key {
        return failure(format!(
            "target key mismatch: {} != {}",
            invocation.target.public_key, shared.host_data.provider_key
        ));
    }
    let actor_id = std::mem::take(&mut invocation.origin.public_key);
    wash_trace::record(|| wash_trace::Attribute::new("operation", invocation.operation.clone()));
    wash_trace::record(|| wash_trace::Attribute::new("actor.id", actor_id.clone()));
    if !handle.is_linked(&actor_id) {
        return failure(format!("unlinked actor: '{actor_id}'"));
    }
    let ctx = InvocationContext {
        actor_id,
        invocation_id: id.clone(),
    };
    let payload = std::mem::take(&mut invocation.msg);
    match handler.handle(&invocation.operation, payload, &ctx).await {
        Ok(result) => shared.chunks.respond(&id, result).await,
        Err(error) => {
            tracing::debug!(invocation = %id, operation = %invocation.operation, %error, "operation failed");
            InvocationResponse::failure(id, error)
        }
    }
}

fn decode_link(shared: &Shared, body: &[u8]) -> Option<LinkDefinition> {
    let decoded = if shared.host_data.host_id == TEST_HOST_ID {
        LinkDefinition::from_json(body)
    } else {
        LinkDefinition::from_msgpack(body)
    };
    match decoded {
        Ok(link) => Some(link),
        Err(e) => {
            tracing::warn!(error = %e, "undecodable link definition ignored");
            None
        }
    }
}

/// Link puts and deletes, in arrival order, one at a time.
async fn serve_links<H: ProviderHandler>(
    handle: ProviderHandle,
    handler: Arc<H>,
    puts: Subscriber,
    dels: Subscriber,
) {
    let shared = handle.shared();
    let puts = puts.map(|m| (true, m));
    let dels = dels.map(|m| (false, m));
    let mut both = futures::stream::select(puts, dels);
    while let Some((is_put, message)) = both.next().await {
        let Some(link) = decode_link(shared, &message.payload) else {
            continue;
        };
        let actor = link.actor_id.clone();
        if !is_put {
            let removed = shared.links.remove(&actor);
            tracing::info!(%actor, known = removed.is_some(), "link deleted");
            handler.delete_link(&actor).await;
            continue;
        }
        if handle.is_linked(&actor) {
            tracing::info!(%actor, "duplicate link put ignored");
            continue;
        }
        match handler.put_link(&link).await {
            Ok(true) => {
                tracing::info!(%actor, "link accepted");
                shared.links.insert(&actor, link);
            }
            Ok(false) => tracing::warn!(%actor, "link refused by provider"),
            Err(e) => tracing::error!(%actor, error = %e, "link failed"),
        }
    }
}

async fn serve_health<H: ProviderHandler>(
    handle: ProviderHandle,
    handler: Arc<H>,
    mut health: Subscriber,
) {
    let json = handle.host_data().host_id == TEST_HOST_ID;
    while let Some(message) = health.next().await {
        let Some(reply) = message.reply else {
            continue;
        };
        let status = match handler.health().await {
            Ok(()) => HealthCheckResponse {
                healthy: true,
                message: None,
            },
            Err(message) => HealthCheckResponse {
                healthy: false,
                message: Some(message),
            },
        };
        let bytes = if json {
            serde_json::to_vec(&status).unwrap_or_default()
        } else {
            match wash_wire::msgpack::encode(&status, "health check response") {
                Ok(bytes) => bytes,
                Err(e) => {
                    tracing::error!(error = %e, "failed to encode health reply");
                    continue;
                }
            }
        };
        if let Err(e) = handle.nats().publish(reply, bytes.into()).await {
            tracing::warn!(error = %e, "failed to send health reply");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shutdown applies to our host id and to empty, missing or unreadable ids, never to another host.
    #[test]
    fn shutdown_host_id_rules() {
        assert!(shutdown_is_for_us(br#"{"host_id":"NME"}"#, "NME"));
        assert!(shutdown_is_for_us(br#"{"host_id":""}"#, "NME"));
        assert!(shutdown_is_for_us(br#"{}"#, "NME"));
        assert!(shutdown_is_for_us(b"not json", "NME"));
        assert!(!shutdown_is_for_us(br#"{"host_id":"NOTHER"}"#, "NME"));
    }
}
