//! The [`ProviderHandler`] every KV provider shares: links open what an actor needs, invocations
//! are decoded, run against it, and their results encoded. A backend supplies only those two steps.

use std::future::Future;

use wash_wire::LinkDefinition;

use super::request::{KeyValueReply, KeyValueRequest};
use crate::{InvocationContext, PerActor, ProviderHandler};

/// What a KV provider does beyond the shared handling: open a link, run a request.
pub trait KeyValueBackend: Send + Sync + 'static {
    /// What one linked actor's calls run against (cloned out of the link map for every call).
    type Actor: Clone + Send + Sync + 'static;

    /// Sets up what `link` needs. An `Err` refuses the link: the actor stays unlinked.
    fn link(
        &self,
        link: &LinkDefinition,
    ) -> impl Future<Output = Result<Self::Actor, String>> + Send;

    /// Runs `request` (the decoded `operation`) for a linked actor.
    fn run(
        &self,
        actor: Self::Actor,
        operation: &str,
        request: KeyValueRequest,
    ) -> impl Future<Output = Result<KeyValueReply, String>> + Send;
}

/// A `wasmcloud:keyvalue` provider: `run_provider(|handle| KeyValueProvider::new(MyBackend::new(handle)))`.
pub struct KeyValueProvider<B: KeyValueBackend> {
    backend: B,
    actors: PerActor<B::Actor>,
}

impl<B: KeyValueBackend> KeyValueProvider<B> {
    /// A provider with no linked actors yet.
    pub fn new(backend: B) -> Self {
        Self {
            backend,
            actors: PerActor::new(),
        }
    }
}

impl<B: KeyValueBackend> ProviderHandler for KeyValueProvider<B> {
    fn contract_id(&self) -> &str {
        wash_wire::interfaces::keyvalue::CONTRACT_ID
    }

    async fn put_link(&self, link: &LinkDefinition) -> Result<bool, String> {
        let actor = self.backend.link(link).await?;
        self.actors.insert(&link.actor_id, actor);
        Ok(true)
    }

    async fn delete_link(&self, actor_id: &str) {
        self.actors.remove(actor_id);
    }

    async fn handle(
        &self,
        operation: &str,
        payload: Vec<u8>,
        ctx: &InvocationContext,
    ) -> Result<Vec<u8>, String> {
        let request = KeyValueRequest::decode(operation, &payload)?;
        let actor = self
            .actors
            .get(&ctx.actor_id)
            .ok_or_else(|| format!("no keyvalue link for actor `{}`", ctx.actor_id))?;
        self.backend.run(actor, operation, request).await?.encode()
    }
}
