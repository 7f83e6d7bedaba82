//! The echo example actor: answers every HTTP request with 200 and a JSON description of that request.
//!
//! The reply body is `{"method": ..., "path": ..., "query_string": ..., "header": {...}, "body": ...}`:
//! the request's fields as the host delivered them, with the body decoded as UTF-8 (invalid bytes become
//! U+FFFD) and the header map as received (names to lists of values).

use serde_json::json;
use wasmbus_rpc::actor::prelude::*;
use wasmcloud_interface_httpserver::{HttpRequest, HttpResponse, HttpServer, HttpServerReceiver};

/// The actor: stateless, it only mirrors what it receives.
#[derive(Debug, Default, Actor, HealthResponder)]
#[services(Actor, HttpServer)]
struct EchoActor {}

#[async_trait]
impl HttpServer for EchoActor {
    async fn handle_request(&self, _ctx: &Context, req: &HttpRequest) -> RpcResult<HttpResponse> {
        let description = json!({
            "method": req.method,
            "path": req.path,
            "query_string": req.query_string,
            "header": req.header,
            "body": String::from_utf8_lossy(&req.body),
        });
        HttpResponse::json(description, 200)
    }
}
