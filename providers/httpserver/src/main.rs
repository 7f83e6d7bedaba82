//! `httpserver`: the `wasmcloud:httpserver` capability provider (provider.md §8).
//!
//! Started by a host with host data on stdin; serves one HTTP listener per linked actor and forwards
//! each request to that actor as `HttpServer.HandleRequest`.

mod server;
mod settings;

use server::HttpServerProvider;

// mimalloc: 5–12% less CPU per request than glibc's allocator in the lattice benchmark (A/B in
// docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// One thread: a provider's work per call is I/O plus one signature. It shares the machine with the
// host, nats-server and other providers, where a second worker thread mostly adds cross-thread
// wake-ups (docs/benchmarks.md: about 8% more kvcounter requests/s with single-threaded providers).
#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    wash_provider::exit_code(wash_provider::run_provider(HttpServerProvider::new).await)
}
