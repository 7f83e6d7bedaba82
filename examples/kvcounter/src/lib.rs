//! The kvcounter example actor: every HTTP request increments a counter named after its URL path.
//!
//! The key is `counter:` followed by the request path with each `/` turned into `:` — so `GET /` counts
//! under `counter::` and `GET /a/b` under `counter::a:b` — and the reply is `{"counter": N}` with the new
//! value. A failed `KeyValue.Increment` answers 500 with `{"error": "..."}` naming the key and the cause.

use serde_json::json;
use wasmbus_rpc::actor::prelude::*;
use wasmcloud_interface_httpserver::{HttpRequest, HttpResponse, HttpServer, HttpServerReceiver};
use wasmcloud_interface_keyvalue::{IncrementRequest, KeyValue, KeyValueSender};

/// The actor: stateless, all state lives in the linked key-value provider.
#[derive(Debug, Default, Actor, HealthResponder)]
#[services(Actor, HttpServer)]
struct KvCounterActor {}

/// The key-value key that counts visits to `path`.
fn counter_key(path: &str) -> String {
    format!("counter:{}", path.replace('/', ":"))
}

#[async_trait]
impl HttpServer for KvCounterActor {
    async fn handle_request(&self, ctx: &Context, req: &HttpRequest) -> RpcResult<HttpResponse> {
        let key = counter_key(&req.path);
        let increment = IncrementRequest {
            key: key.clone(),
            value: 1,
        };
        match KeyValueSender::new().increment(ctx, &increment).await {
            Ok(counter) => HttpResponse::json(json!({ "counter": counter }), 200),
            Err(error) => HttpResponse::json(
                json!({ "error": format!("failed to increment `{key}` in the key-value store: {error}") }),
                500,
            ),
        }
    }
}
