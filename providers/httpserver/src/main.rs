//! `httpserver`: the `wasmcloud:httpserver` capability provider (provider.md §8).
//!
//! Started by a host with host data on stdin; serves one HTTP listener per linked actor and forwards
//! each request to that actor as `HttpServer.HandleRequest`.

mod server;
mod settings;

use server::HttpServerProvider;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    wash_provider::exit_code(wash_provider::run_provider(HttpServerProvider::new).await)
}
