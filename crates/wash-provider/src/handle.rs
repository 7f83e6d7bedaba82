//! `ProviderHandle`: the provider's NATS connection, identity and links, and outbound calls to actors.

use std::sync::Arc;
use std::time::Duration;

use async_nats::client::RequestErrorKind;
use nkeys::KeyPair;
use wash_wire::{HostData, Invocation, InvocationResponse, LinkDefinition, WasmCloudEntity};

use crate::{PerActor, ProviderError};

/// A cheap, cloneable handle on a running provider: give it to your handler to call actors.
#[derive(Clone, Debug)]
pub struct ProviderHandle {
    shared: Arc<Shared>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) host_data: HostData,
    pub(crate) client: async_nats::Client,
    pub(crate) lattice: String,
    pub(crate) cluster_key: Option<KeyPair>,
    pub(crate) rpc_timeout: Duration,
    pub(crate) links: PerActor<LinkDefinition>,
    pub(crate) chunks: wash_rpc::ChunkStore,
    /// The provider's key as its spans carry it, made once.
    pub(crate) trace_key: wash_trace::SharedValue,
}

impl ProviderHandle {
    pub(crate) fn new(shared: Shared) -> Self {
        Self {
            shared: Arc::new(shared),
        }
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// The host data this provider was started with.
    pub fn host_data(&self) -> &HostData {
        &self.shared.host_data
    }

    /// The lattice NATS connection (one client for everything; clone it freely).
    pub fn nats(&self) -> &async_nats::Client {
        &self.shared.client
    }

    /// The lattice id (`lattice_rpc_prefix`).
    pub fn lattice(&self) -> &str {
        &self.shared.lattice
    }

    /// The provider's public key (`V…`).
    pub fn provider_key(&self) -> &str {
        &self.shared.host_data.provider_key
    }

    /// The RPC timeout used for calls to actors.
    pub fn rpc_timeout(&self) -> Duration {
        self.shared.rpc_timeout
    }

    /// The link of `actor_id`, if the actor is linked.
    pub fn link(&self, actor_id: &str) -> Option<LinkDefinition> {
        self.shared.links.get(actor_id)
    }

    /// Whether `actor_id` is linked to this provider.
    pub fn is_linked(&self, actor_id: &str) -> bool {
        self.shared.links.contains(actor_id)
    }

    /// Calls `operation` on the actor of `link` with the RPC timeout; returns the actor's result.
    pub async fn call_actor(
        &self,
        link: &LinkDefinition,
        operation: &str,
        payload: Vec<u8>,
    ) -> Result<Vec<u8>, ProviderError> {
        self.call_actor_with_timeout(link, operation, payload, self.shared.rpc_timeout)
            .await
    }

    /// Like [`ProviderHandle::call_actor`] with an explicit timeout.
    pub async fn call_actor_with_timeout(
        &self,
        link: &LinkDefinition,
        operation: &str,
        payload: Vec<u8>,
        timeout: Duration,
    ) -> Result<Vec<u8>, ProviderError> {
        let shared = &*self.shared;
        let key = shared.cluster_key.as_ref().ok_or_else(|| {
            ProviderError::InvocationSeed("no `invocation_seed`: cannot sign calls".into())
        })?;
        let mut invocation = Invocation {
            origin: WasmCloudEntity::provider(
                shared.host_data.provider_key.as_str(),
                link.link_name.as_str(),
                link.contract_id.as_str(),
            ),
            target: WasmCloudEntity::actor(link.actor_id.as_str()),
            operation: operation.to_owned(),
            msg: payload,
            id: Invocation::new_id(),
            encoded_claims: String::new(),
            host_id: shared.host_data.host_id.clone(),
            content_length: None,
            trace_context: None,
        };
        wash_claims::invocation::sign(&mut invocation, key)?;
        let mut timeout = timeout;
        if shared.chunks.chunk_request(&mut invocation).await? {
            timeout += wash_rpc::CHUNKED_EXTRA;
        }
        let subject = wash_wire::subjects::actor_rpc(&shared.lattice, &link.actor_id);
        let body = invocation.encode()?;
        let mut request = async_nats::Request::new()
            .payload(body.into())
            .timeout(Some(timeout));
        // The trace context of the current span (an HTTP request's, say); no headers when off.
        if let Some(headers) = wash_trace::nats_headers() {
            request = request.headers(headers);
        }
        let reply = match shared.client.send_request(subject.clone(), request).await {
            Ok(reply) => reply,
            Err(e) => {
                return Err(match e.kind() {
                    RequestErrorKind::NoResponders => ProviderError::NoResponders { subject },
                    RequestErrorKind::TimedOut => ProviderError::Timeout {
                        subject,
                        timeout_ms: timeout.as_millis() as u64,
                    },
                    _ => ProviderError::Request {
                        subject,
                        message: e.to_string(),
                    },
                })
            }
        };
        let response = InvocationResponse::decode(&reply.payload)?;
        shared
            .chunks
            .dechunk_response(&invocation.id, response)
            .await?
            .map_err(ProviderError::Remote)
    }
}
