//! The trait a capability provider implements, and the context each invocation carries.

use std::future::Future;

use wash_wire::LinkDefinition;

/// Who sent an invocation the runtime has already validated and dispatched.
#[derive(Debug, Clone)]
pub struct InvocationContext {
    /// Public key of the calling actor (it is linked to this provider).
    pub actor_id: String,
    /// The invocation id, for logs.
    pub invocation_id: String,
}

/// A capability provider's behaviour. The runtime calls it from many tasks at once.
///
/// Implement the methods with `async fn`; the returned futures must be `Send`.
pub trait ProviderHandler: Send + Sync + 'static {
    /// The contract this provider implements, e.g. `wasmcloud:keyvalue`.
    fn contract_id(&self) -> &str;

    /// An actor was linked. Return `Ok(true)` to accept the link, `Ok(false)` to refuse it.
    /// Only accepted links are remembered (except at start-up, where `Ok(false)` is remembered too,
    /// as wasmbus-rpc does); an `Err` is logged and the link is not remembered.
    fn put_link(&self, link: &LinkDefinition) -> impl Future<Output = Result<bool, String>> + Send;

    /// The link of `actor_id` was deleted: release what was kept for it.
    fn delete_link(&self, actor_id: &str) -> impl Future<Output = ()> + Send;

    /// Runs `operation` (e.g. `KeyValue.Get`) with its encoded argument for a linked actor.
    /// Returns the encoded result, or an error string sent back to the caller.
    fn handle(
        &self,
        operation: &str,
        payload: Vec<u8>,
        ctx: &InvocationContext,
    ) -> impl Future<Output = Result<Vec<u8>, String>> + Send;

    /// Answers a health check; an `Err` is reported as `{healthy: false, message}`.
    fn health(&self) -> impl Future<Output = Result<(), String>> + Send {
        async { Ok(()) }
    }

    /// The host asked the provider to stop: release resources before the process exits.
    fn shutdown(&self) -> impl Future<Output = ()> + Send {
        async {}
    }
}
