//! SDK for wash's native capability providers (provider.md, rpc.md).
//!
//! A provider binary is `run_provider(MyProvider::new)` inside a tokio `main`: the runtime reads one
//! line of host data from stdin, logs to stderr, connects to the lattice NATS, applies the start-up
//! links, and serves the provider's subjects — invocations (validated: signature, cluster issuer,
//! target key, linked actor; then dispatched to [`ProviderHandler::handle`]), link put/delete, health and
//! shutdown — until the host asks it to stop. [`ProviderHandle::call_actor`] sends signed invocations to
//! linked actors. Payloads over 900 KiB go through the lattice's JetStream object store both ways.
//!
//! - [`handler`]: the [`ProviderHandler`] trait.
//! - [`handle`]: [`ProviderHandle`], the connection and outbound calls.
//! - [`runtime`]: [`run_provider`], [`Provider`].
//! - [`PerActor`]: what a provider keeps for each linked actor.
//! - [`keyvalue`]: `wasmcloud:keyvalue` once for every KV provider: requests and replies, the
//!   operations over a compare-and-set store, the provider's handler.
//! - `testing` (cargo feature `testing`, for tests only): a fake host for the providers' integration
//!   tests.

mod error;
pub mod handle;
pub mod handler;
pub mod keyvalue;
mod per_actor;
pub mod runtime;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::ProviderError;
pub use handle::ProviderHandle;
pub use handler::{InvocationContext, ProviderHandler};
pub use per_actor::PerActor;
pub use runtime::{init_logging, read_host_data, run_provider, Provider};
pub use wash_wire::{HostData, LinkDefinition};

/// Maps the outcome of [`run_provider`] to a process exit code, printing a failure on stderr.
pub fn exit_code(result: Result<(), ProviderError>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "provider failed");
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
