//! The trap example actor: a request for `/trap` panics, which traps the wasm instance mid-call.
//!
//! Every other path answers 200 with the body `ok`. Host tests use it to show that a trap fails only the
//! call that trapped: the next request to the same actor still gets `ok`.

use wasmbus_rpc::actor::prelude::*;
use wasmcloud_interface_httpserver::{HttpRequest, HttpResponse, HttpServer, HttpServerReceiver};

/// The actor: stateless; its only behaviour is to trap on demand.
#[derive(Debug, Default, Actor, HealthResponder)]
#[services(Actor, HttpServer)]
struct TrapActor {}

#[async_trait]
impl HttpServer for TrapActor {
    async fn handle_request(&self, _ctx: &Context, req: &HttpRequest) -> RpcResult<HttpResponse> {
        if req.path == "/trap" {
            // On wasm32-unknown-unknown a panic aborts with an `unreachable` instruction: a wasm trap.
            panic!("the trap actor was asked to trap");
        }
        Ok(HttpResponse::ok("ok"))
    }
}
