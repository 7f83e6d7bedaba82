//! `wash call`: invoke one operation of an actor over RPC, as wash 0.x did — a signed `Invocation` from
//! the pseudo-actor `__WASH__` (no contract id, so the host's capability check on provider origins does
//! not apply), sent to `wasmbus.rpc.<lattice>.<actor>` and signed with the lattice's cluster seed.

use std::time::Duration;

use wash_wire::{Invocation, InvocationResponse, WasmCloudEntity};

/// The origin key of invocations made by `wash call` (not a real key, as in wash 0.x).
pub const WASH_ORIGIN_KEY: &str = "__WASH__";
/// The host id `wash call` puts on its invocations (wash 0.x's value).
pub const WASH_HOST_ID: &str = "NwashHostCallerId000000000000000000000000000000000000000";

/// One call to make.
#[derive(Debug, Clone)]
pub struct ActorCall {
    /// Lattice id.
    pub lattice: String,
    /// Actor public key (`M…`).
    pub actor_id: String,
    /// `<Service>.<Operation>`, e.g. `HttpServer.HandleRequest`.
    pub operation: String,
    /// The msgpack argument.
    pub msg: Vec<u8>,
    /// How long to wait for the reply.
    pub timeout: Duration,
}

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The cluster seed is missing or invalid.
    #[error("{0}")]
    Seed(String),
    /// No host runs the actor.
    #[error("no host runs actor `{actor_id}` on lattice `{lattice}` at `{url}`: start it with `wash ctl start actor`, or start a host with `wash up`")]
    NotRunning {
        /// The actor.
        actor_id: String,
        /// The lattice.
        lattice: String,
        /// The NATS URL.
        url: String,
    },
    /// No reply in time.
    #[error(
        "actor `{actor_id}` did not answer within {timeout:?} (raise it with `--rpc-timeout-ms`)"
    )]
    Timeout {
        /// The actor.
        actor_id: String,
        /// How long we waited.
        timeout: Duration,
    },
    /// The host or actor returned an error.
    #[error("calling {operation} on actor `{actor_id}` failed: {error}")]
    Failed {
        /// The actor.
        actor_id: String,
        /// The operation.
        operation: String,
        /// The error text of the reply.
        error: String,
    },
    /// Encoding, decoding or NATS failed.
    #[error("{0}")]
    Transport(String),
}

/// Loads a cluster seed (`SC…`).
pub fn cluster_key(seed: &str) -> Result<nkeys::KeyPair, CallError> {
    let seed = seed.trim();
    if !seed.starts_with("SC") {
        return Err(CallError::Seed(
            "the cluster seed must be a cluster seed (SC…): the one `wash up` recorded in the context, or \
             the host's WASMCLOUD_CLUSTER_SEED"
                .into(),
        ));
    }
    nkeys::KeyPair::from_seed(seed)
        .map_err(|e| CallError::Seed(format!("the cluster seed is not valid: {e}")))
}

/// Sends the call and returns the actor's reply bytes.
pub async fn call_actor(
    nats: &async_nats::Client,
    url: &str,
    cluster_key: &nkeys::KeyPair,
    call: &ActorCall,
) -> Result<Vec<u8>, CallError> {
    let mut invocation = Invocation {
        origin: WasmCloudEntity::actor(WASH_ORIGIN_KEY),
        target: WasmCloudEntity::actor(call.actor_id.clone()),
        operation: call.operation.clone(),
        msg: call.msg.clone(),
        id: Invocation::new_id(),
        encoded_claims: String::new(),
        host_id: WASH_HOST_ID.into(),
        content_length: None,
        trace_context: None,
    };
    wash_claims::invocation::sign(&mut invocation, cluster_key)
        .map_err(|e| CallError::Transport(e.to_string()))?;
    let chunks = wash_rpc::ChunkStore::new(nats.clone(), &call.lattice);
    let transport = |e: wash_rpc::ChunkError| CallError::Transport(e.to_string());
    let mut wait = call.timeout;
    if chunks
        .chunk_request(&mut invocation)
        .await
        .map_err(transport)?
    {
        wait += wash_rpc::CHUNKED_EXTRA;
    }
    let bytes = invocation
        .encode()
        .map_err(|e| CallError::Transport(e.to_string()))?;
    let subject = invocation.target.rpc_subject(&call.lattice);
    let timeout = || CallError::Timeout {
        actor_id: call.actor_id.clone(),
        timeout: call.timeout,
    };
    let reply = tokio::time::timeout(wait, wash_trace::request(nats, subject, bytes))
        .await
        .map_err(|_| timeout())?
        .map_err(|e| match e.kind() {
            async_nats::RequestErrorKind::NoResponders => CallError::NotRunning {
                actor_id: call.actor_id.clone(),
                lattice: call.lattice.clone(),
                url: url.into(),
            },
            async_nats::RequestErrorKind::TimedOut => timeout(),
            _ => CallError::Transport(e.to_string()),
        })?;
    let response = InvocationResponse::decode(&reply.payload)
        .map_err(|e| CallError::Transport(format!("undecodable reply: {e}")))?;
    let result = chunks
        .dechunk_response(&invocation.id, response)
        .await
        .map_err(transport)?;
    result.map_err(|error| CallError::Failed {
        actor_id: call.actor_id.clone(),
        operation: call.operation.clone(),
        error,
    })
}
