//! The nocap example actor: calls `KeyValue.Increment` although its claims lack `wasmcloud:keyvalue`.
//!
//! Every HTTP request makes the call on key `nocap`. When the host refuses it, as it must, the reply is 500
//! with the error's text as the body: `Host send error <the host's message>` (the wasmbus-rpc rendering of
//! the string the host passed back through `__host_error`). Should the call ever succeed, the reply is 200
//! with `unexpectedly allowed: <new value>`, so a test can tell the two apart.

use wasmbus_rpc::actor::prelude::*;
use wasmcloud_interface_httpserver::{HttpRequest, HttpResponse, HttpServer, HttpServerReceiver};
use wasmcloud_interface_keyvalue::{IncrementRequest, KeyValue, KeyValueSender};

/// The actor: stateless; it exists to make one call it has no claim for.
#[derive(Debug, Default, Actor, HealthResponder)]
#[services(Actor, HttpServer)]
struct NoCapActor {}

#[async_trait]
impl HttpServer for NoCapActor {
    async fn handle_request(&self, ctx: &Context, _req: &HttpRequest) -> RpcResult<HttpResponse> {
        let increment = IncrementRequest {
            key: "nocap".to_string(),
            value: 1,
        };
        let response = match KeyValueSender::new().increment(ctx, &increment).await {
            Ok(value) => HttpResponse::ok(format!("unexpectedly allowed: {value}")),
            Err(error) => HttpResponse::internal_server_error(error),
        };
        Ok(response)
    }
}
