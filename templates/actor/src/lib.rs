//! {{project-name}}: a wasmCloud actor that answers every HTTP request with a greeting.
//!
//! `GET /?name=Ada` answers `Hello, Ada!`; without a `name` it greets the world.

use wasmbus_rpc::actor::prelude::*;
use wasmcloud_interface_httpserver::{HttpRequest, HttpResponse, HttpServer, HttpServerReceiver};

/// The actor. It holds no state: every request is answered from its own contents.
#[derive(Debug, Default, Actor, HealthResponder)]
#[services(Actor, HttpServer)]
struct {{project-name | pascal_case}}Actor {}

#[async_trait]
impl HttpServer for {{project-name | pascal_case}}Actor {
    async fn handle_request(&self, _ctx: &Context, req: &HttpRequest) -> RpcResult<HttpResponse> {
        let name = req
            .query_string
            .split('&')
            .find_map(|pair| pair.strip_prefix("name="))
            .filter(|name| !name.is_empty())
            .unwrap_or("World");
        Ok(HttpResponse::ok(format!("Hello, {name}!")))
    }
}
