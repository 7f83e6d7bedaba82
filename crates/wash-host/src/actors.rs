//! Actors on this host: starting them from a reference, serving their invocations from the lattice,
//! and routing their outbound calls (providers via links, other actors, built-in capabilities).

use std::sync::{Arc, Mutex};

use futures::StreamExt;
use serde_json::json;
use tokio::sync::Semaphore;
use wash_wire::ctl::{ActorInstance, StringMap};
use wash_wire::interfaces::{logging, numbergen};
use wash_wire::{Invocation, InvocationResponse, WasmCloudEntity};

use crate::claims::ActorIdentity;
use crate::host::Lattice;
use crate::runtime::{ActorModule, HostCall, HostCallFuture, HostCalls};

/// The fewest warm instances an actor keeps between calls (see `ActorModule::call`).
const WARM_IDLE_FLOOR: usize = 8;

/// One actor running on this host: its module, claims, instances and lattice subscription.
pub(crate) struct RunningActor {
    pub(crate) identity: ActorIdentity,
    /// Its public key, shared by its invocations (the module's calls and their spans).
    key: Arc<str>,
    /// The reference it was last started or updated from (inventories, heartbeats and events report
    /// it; wadm finds its instances by it).
    image_ref: Mutex<String>,
    module: Mutex<ActorModule>,
    instances: Mutex<Vec<ActorInstance>>,
    permits: Arc<Semaphore>,
    subscription: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl RunningActor {
    /// The reference it was last started or updated from.
    pub(crate) fn image_ref(&self) -> String {
        self.image_ref
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set_image_ref(&self, reference: &str) {
        *self.image_ref.lock().unwrap_or_else(|e| e.into_inner()) = reference.to_owned();
    }

    /// Number of instances (as reported in inventories and heartbeats).
    pub(crate) fn instance_count(&self) -> usize {
        self.instances
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// The instances, for inventories.
    pub(crate) fn instances(&self) -> Vec<ActorInstance> {
        self.instances
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Stops serving invocations.
    pub(crate) fn shutdown(&self) {
        if let Some(task) = self
            .subscription
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            task.abort();
        }
    }

    fn module(&self) -> ActorModule {
        self.module
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Loads, verifies and compiles the actor behind `actor_ref`.
pub(crate) async fn load_actor(
    lattice: &Lattice,
    actor_ref: &str,
) -> Result<(ActorIdentity, ActorModule), String> {
    let bytes = crate::refs::read_artifact(lattice, actor_ref).await?;
    let runtime = lattice.runtime.clone();
    tokio::task::spawn_blocking(move || {
        let identity = crate::claims::verify_actor(&bytes)
            .map_err(|e| format!("actor claims rejected: {e}"))?;
        let module = runtime.load(&bytes).map_err(|e| e.to_string())?;
        Ok((identity, module))
    })
    .await
    .map_err(|e| format!("actor compilation task failed: {e}"))?
}

fn new_instances(count: u16, revision: i32, annotations: &Option<StringMap>) -> Vec<ActorInstance> {
    (0..count.max(1))
        .map(|_| ActorInstance {
            instance_id: uuid::Uuid::new_v4().to_string(),
            revision,
            annotations: annotations.clone(),
        })
        .collect()
}

/// Starts `count` instances of the actor at `actor_ref`, publishing `actor_started` or
/// `actor_start_failed`.
pub(crate) async fn start_actor(
    lattice: &Arc<Lattice>,
    actor_ref: &str,
    count: u16,
    annotations: Option<StringMap>,
) {
    match start_actor_inner(lattice, actor_ref, count, annotations.clone()).await {
        Ok(()) => {}
        Err(error) => {
            tracing::warn!(%actor_ref, %error, "actor failed to start");
            lattice
                .events
                .publish(
                    "actor_start_failed",
                    json!({"actor_ref": actor_ref, "error": error}),
                )
                .await;
            // The aggregated form wadm waits for after a start command; the key is unknown when the
            // module could not be read.
            lattice
                .events
                .publish(
                    "actors_start_failed",
                    json!({"public_key": "", "image_ref": actor_ref, "host_id": lattice.id(),
                           "annotations": annotations.unwrap_or_default(), "error": error}),
                )
                .await;
        }
    }
}

async fn start_actor_inner(
    lattice: &Arc<Lattice>,
    actor_ref: &str,
    count: u16,
    annotations: Option<StringMap>,
) -> Result<(), String> {
    let (identity, module) = load_actor(lattice, actor_ref).await?;
    let key = identity.public_key.clone();
    let instances = new_instances(count, identity.rev.unwrap_or_default(), &annotations);
    let existing = lattice
        .actors
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
        .cloned();
    let actor = match existing {
        Some(actor) => {
            actor.set_image_ref(actor_ref);
            actor
                .instances
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(instances.iter().cloned());
            actor
        }
        None => {
            let actor = Arc::new(RunningActor {
                identity: identity.clone(),
                key: Arc::from(key.as_str()),
                image_ref: Mutex::new(actor_ref.to_owned()),
                module: Mutex::new(module),
                instances: Mutex::new(instances.clone()),
                permits: Arc::new(Semaphore::new(
                    lattice.config.max_concurrent_calls_per_actor,
                )),
                subscription: Mutex::new(None),
            });
            let subject = wash_wire::subjects::actor_rpc(&lattice.config.lattice, &key);
            let subscriber = lattice
                .nats
                .queue_subscribe(subject.clone(), subject.clone())
                .await
                .map_err(|e| format!("failed to subscribe to `{subject}`: {e}"))?;
            let task = tokio::spawn(serve_actor(
                Arc::downgrade(lattice),
                actor.clone(),
                subscriber,
            ));
            *actor.subscription.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
            lattice
                .actors
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key.clone(), actor.clone());
            crate::store::put_claims(&lattice.bucket, &key, &identity.to_flat_map()).await;
            actor
        }
    };
    for instance in &instances {
        lattice
            .events
            .publish("actor_started", actor_started_data(&actor, instance))
            .await;
    }
    // The aggregated form (one per command, as newer 0.x hosts send it), which wadm waits for: the
    // reference and annotations of this command, and how many instances it started.
    let mut started = actor_started_data(&actor, &instances[0]);
    if let Some(data) = started.as_object_mut() {
        data.remove("instance_id");
        data.remove("api_version");
        data.insert("image_ref".into(), json!(actor_ref));
        data.insert("host_id".into(), json!(lattice.id()));
        data.insert("count".into(), json!(instances.len()));
    }
    lattice.events.publish("actors_started", started).await;
    tracing::info!(actor = %key, name = ?identity.name, count = count.max(1), "actor started");
    Ok(())
}

fn actor_started_data(actor: &RunningActor, instance: &ActorInstance) -> serde_json::Value {
    let id = &actor.identity;
    json!({
        "public_key": id.public_key,
        "image_ref": actor.image_ref(),
        "api_version": 1,
        "instance_id": instance.instance_id,
        "annotations": instance.annotations.clone().unwrap_or_default(),
        "claims": {
            "call_alias": id.call_alias.clone().unwrap_or_default(),
            "caps": id.caps,
            "issuer": id.issuer,
            "tags": id.tags,
            "name": id.name.clone().unwrap_or_default(),
            "version": id.version.clone().unwrap_or_default(),
            "revision": id.rev.unwrap_or_default(),
            "not_before_human": "never",
            "expires_human": "never",
        },
    })
}

/// Stops `count` instances (0 = all) of an actor; returns how many remain, or `None` if it was not running.
pub(crate) async fn stop_actor(
    lattice: &Arc<Lattice>,
    actor_id: &str,
    count: u16,
    annotations: Option<&StringMap>,
) -> Option<usize> {
    let actor = lattice
        .actors
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(actor_id)
        .cloned()?;
    let stopped: Vec<ActorInstance> = {
        let mut instances = actor.instances.lock().unwrap_or_else(|e| e.into_inner());
        let limit = if count == 0 {
            usize::MAX
        } else {
            usize::from(count)
        };
        let mut stopped = Vec::new();
        instances.retain(|i| {
            let matches = annotations.is_none_or(|want| {
                i.annotations
                    .as_ref()
                    .is_some_and(|have| crate::store::satisfies(have, want))
            });
            if matches && stopped.len() < limit {
                stopped.push(i.clone());
                false
            } else {
                true
            }
        });
        stopped
    };
    let remaining = actor.instance_count();
    if remaining == 0 {
        actor.shutdown();
        lattice
            .actors
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(actor_id);
    }
    for instance in &stopped {
        lattice
            .events
            .publish(
                "actor_stopped",
                json!({"public_key": actor_id, "instance_id": instance.instance_id,
                       "annotations": instance.annotations.clone().unwrap_or_default()}),
            )
            .await;
    }
    if !stopped.is_empty() {
        // The aggregated form wadm waits for after a stop command, with that command's annotations.
        lattice
            .events
            .publish(
                "actors_stopped",
                json!({"public_key": actor_id, "host_id": lattice.id(), "count": stopped.len(),
                       "remaining": remaining, "annotations": annotations.cloned().unwrap_or_default()}),
            )
            .await;
    }
    Some(remaining)
}

/// Sets the instance count of an actor to exactly `count` (starting it from `actor_ref` if needed).
pub(crate) async fn scale_actor(
    lattice: &Arc<Lattice>,
    actor_id: &str,
    actor_ref: &str,
    count: u16,
    annotations: Option<StringMap>,
) {
    let current = lattice
        .actors
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(actor_id)
        .map(|a| a.instance_count());
    match current {
        None if count > 0 => start_actor(lattice, actor_ref, count, annotations).await,
        None => {}
        Some(n) if usize::from(count) > n => {
            let add = u16::try_from(usize::from(count) - n).unwrap_or(u16::MAX);
            start_actor(lattice, actor_ref, add, annotations).await;
        }
        Some(n) if usize::from(count) < n => {
            let remove = if count == 0 {
                0
            } else {
                u16::try_from(n - usize::from(count)).unwrap_or(u16::MAX)
            };
            stop_actor(lattice, actor_id, remove, None).await;
        }
        Some(_) => {}
    }
}

/// Replaces the module of a running actor with the one at `new_ref` (same public key required).
pub(crate) async fn update_actor(
    lattice: &Arc<Lattice>,
    actor_id: &str,
    new_ref: &str,
) -> Result<(), String> {
    let actor = lattice
        .actors
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(actor_id)
        .cloned()
        .ok_or_else(|| format!("actor `{actor_id}` is not running on this host"))?;
    let (identity, module) = load_actor(lattice, new_ref).await?;
    if identity.public_key != actor_id {
        return Err(format!(
            "`{new_ref}` is actor `{}`, not `{actor_id}`",
            identity.public_key
        ));
    }
    *actor.module.lock().unwrap_or_else(|e| e.into_inner()) = module;
    actor.set_image_ref(new_ref);
    let revision = identity.rev.unwrap_or_default();
    for instance in actor
        .instances
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter_mut()
    {
        instance.revision = revision;
    }
    crate::store::put_claims(&lattice.bucket, actor_id, &identity.to_flat_map()).await;
    lattice
        .events
        .publish(
            "actor_updated",
            json!({"public_key": actor_id, "revision": revision}),
        )
        .await;
    Ok(())
}

/// Serves invocations of one actor from its queue subscription, each in its own task.
async fn serve_actor(
    lattice: std::sync::Weak<Lattice>,
    actor: Arc<RunningActor>,
    mut subscriber: async_nats::Subscriber,
) {
    while let Some(message) = subscriber.next().await {
        let Some(lattice) = lattice.upgrade() else {
            return;
        };
        let actor = actor.clone();
        tokio::spawn(async move {
            let Some(reply) = message.reply.clone() else {
                return;
            };
            // One span per invocation, continuing the caller's trace when the message carries one.
            let hop = wash_trace::Hop::continuing_nats(
                "actor invocation",
                message.headers.as_ref(),
                || {
                    let key = wash_trace::SharedValue::from(actor.key.clone());
                    // `result` comes when the invocation ends.
                    wash_trace::attributes([wash_trace::Attribute::new("actor.id", key)], 1)
                },
            );
            let response = hop
                .run(handle_invocation(&lattice, &actor, &message.payload, &hop))
                .await;
            let ok = response.error.is_none();
            hop.set(|| wash_trace::Attribute::new("result", if ok { "ok" } else { "error" }));
            if let Some(error) = &response.error {
                hop.error(error);
            }
            let bytes = match response.encode() {
                Ok(bytes) => bytes,
                Err(err) => {
                    tracing::error!(%err, "failed to encode invocation response");
                    return;
                }
            };
            if let Err(err) = lattice.nats.publish(reply, bytes.into()).await {
                tracing::warn!(%err, "failed to reply to invocation");
            }
        });
    }
}

/// Validates an inbound invocation and runs it on the actor.
async fn handle_invocation(
    lattice: &Arc<Lattice>,
    actor: &Arc<RunningActor>,
    payload: &[u8],
    hop: &wash_trace::Hop,
) -> InvocationResponse {
    let mut invocation = match Invocation::decode(payload) {
        Ok(inv) => inv,
        Err(err) => return InvocationResponse::failure("", format!("deser error: {err}")),
    };
    hop.set(|| wash_trace::Attribute::new("operation", invocation.operation.clone()));
    let id = invocation.id.clone();
    if let Err(err) = lattice.chunks.dechunk_request(&mut invocation).await {
        return InvocationResponse::failure(id, err.to_string());
    }
    if let Err(err) = wash_claims::invocation::validate(&invocation, &lattice.issuers) {
        return InvocationResponse::failure(id, format!("Anti-forgery check failed: {err}"));
    }
    if invocation.target.public_key != actor.identity.public_key {
        return InvocationResponse::failure(
            id,
            format!(
                "Invocation received for actor {} that is not running",
                invocation.target.public_key
            ),
        );
    }
    let origin = &invocation.origin;
    if !origin.contract_id.is_empty() && !actor.identity.has_capability(&origin.contract_id) {
        return InvocationResponse::failure(
            id,
            format!(
                "Invocation source does not have the required capability claim {}",
                origin.contract_id
            ),
        );
    }
    let Ok(_permit) = actor.permits.clone().acquire_owned().await else {
        return InvocationResponse::failure(id, "actor is stopping");
    };
    let host: Arc<dyn HostCalls> = Arc::new(Router {
        lattice: lattice.clone(),
        invocation: hop.share(),
    });
    let key = actor.key.clone();
    // Warm instances kept at least: the actor's scale, and never fewer than WARM_IDLE_FLOOR; the
    // pool grows beyond that to the number of calls in progress (ActorModule::call).
    let keep_idle = actor.instance_count().max(WARM_IDLE_FLOOR);
    match actor
        .module()
        .call(key, host, &invocation.operation, invocation.msg, keep_idle)
        .await
    {
        Ok(msg) => lattice.chunks.respond(&id, msg).await,
        Err(err) => {
            tracing::debug!(actor = %actor.identity.public_key, %err, "actor call failed");
            InvocationResponse::failure(id, err.to_string())
        }
    }
}

/// Routes an actor's outbound calls, each in a span under the invocation's.
struct Router {
    lattice: Arc<Lattice>,
    invocation: wash_trace::Hop,
}

impl HostCalls for Router {
    fn host_call(&self, call: HostCall) -> HostCallFuture {
        let lattice = self.lattice.clone();
        let hop = wash_trace::Hop::client("actor call", Some(&self.invocation), || {
            use wash_trace::Attribute;
            let now = [
                Attribute::new("contract", call.namespace.clone()),
                Attribute::new("operation", call.operation.clone()),
            ];
            // `link_name` and `target` come as the call is routed.
            wash_trace::attributes(now, 2)
        });
        Box::pin(async move {
            let result = hop.run(route(&lattice, call)).await;
            if let Err(error) = &result {
                hop.error(error);
            }
            result
        })
    }
}

fn is_actor_key(s: &str) -> bool {
    s.len() == 56 && s.starts_with('M')
}

async fn route(lattice: &Arc<Lattice>, call: HostCall) -> Result<Vec<u8>, String> {
    let identity = lattice
        .actors
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(&call.actor)
        .map(|a| a.identity.clone())
        .ok_or_else(|| format!("actor {} is not running on this host", call.actor))?;
    let ns = call.namespace.as_str();
    if ns == logging::CONTRACT_ID || ns == numbergen::CONTRACT_ID {
        if !identity.has_capability(ns) {
            return Err(format!(
                "Invocation not authorized: missing capability claim for {ns}"
            ));
        }
        return crate::builtins::call(&identity, ns, &call.operation, &call.payload);
    }
    let link_name = if call.binding.is_empty() {
        wash_wire::DEFAULT_LINK_NAME
    } else {
        call.binding.as_str()
    };
    wash_trace::record(|| {
        // The default name, which nearly every call has, is recorded without a copy.
        let value = match link_name {
            wash_wire::DEFAULT_LINK_NAME => {
                wash_trace::SharedValue::from(wash_wire::DEFAULT_LINK_NAME)
            }
            named => named.to_owned().into(),
        };
        wash_trace::Attribute::new("link_name", value)
    });
    if let Some(link) = lattice.cache.link(&call.actor, ns, link_name) {
        if !identity.has_capability(ns) {
            return Err(format!(
                "Invocation not authorized: missing capability claim for {ns}"
            ));
        }
        let target = WasmCloudEntity::provider(link.provider_id, link_name, ns);
        return invoke(lattice, &call, target).await;
    }
    let target_actor = if is_actor_key(ns) {
        Some(ns.to_owned())
    } else {
        lattice.cache.actor_by_alias(ns)
    };
    if let Some(target) = target_actor {
        return invoke(lattice, &call, WasmCloudEntity::actor(target)).await;
    }
    if ns.contains(':') {
        if !identity.has_capability(ns) {
            return Err(format!(
                "Invocation not authorized: missing capability claim for {ns}"
            ));
        }
        return Err(format!(
            "Invocation not authorized: missing link definition for {ns} on {link_name} \
             (put one with `wash ctl link put {} <provider-id> {ns}`)",
            call.actor
        ));
    }
    Err(format!(
        "Could not identify suitable target for invocation: `{ns}`"
    ))
}

/// Sends a signed invocation to `target` and waits for its reply.
async fn invoke(
    lattice: &Lattice,
    call: &HostCall,
    target: WasmCloudEntity,
) -> Result<Vec<u8>, String> {
    let mut invocation = Invocation {
        origin: WasmCloudEntity::actor(call.actor.clone()),
        target,
        operation: call.operation.clone(),
        msg: call.payload.clone(),
        id: Invocation::new_id(),
        encoded_claims: String::new(),
        host_id: lattice.id(),
        content_length: None,
        trace_context: None,
    };
    wash_claims::invocation::sign(&mut invocation, &lattice.cluster_key)
        .map_err(|e| e.to_string())?;
    let mut timeout = lattice.config.rpc_timeout;
    if lattice
        .chunks
        .chunk_request(&mut invocation)
        .await
        .map_err(|e| e.to_string())?
    {
        timeout += wash_rpc::CHUNKED_EXTRA;
    }
    let subject = invocation.target.rpc_subject(&lattice.config.lattice);
    wash_trace::record(|| {
        wash_trace::Attribute::new("target", invocation.target.public_key.clone())
    });
    let bytes = invocation.encode().map_err(|e| e.to_string())?;
    // The trace context travels in headers, as wasmbus-rpc's `otel` feature sent it; none when off.
    let request = wash_trace::request(&lattice.nats, subject.clone(), bytes);
    let reply = match tokio::time::timeout(timeout, request).await {
        Ok(Ok(reply)) => reply,
        Ok(Err(err)) => return Err(format!("Failed to perform RPC call to `{subject}`: {err}")),
        Err(_) => {
            return Err(format!(
                "Failed to perform RPC call: request timeout after {timeout:?} on `{subject}`"
            ))
        }
    };
    let response = InvocationResponse::decode(&reply.payload).map_err(|e| e.to_string())?;
    lattice
        .chunks
        .dechunk_response(&invocation.id, response)
        .await
        .map_err(|e| e.to_string())?
}
