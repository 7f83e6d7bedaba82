//! The kvblob example actor: a key-value store over HTTP, for values of any size.
//!
//! `PUT /<key>` stores the request body (UTF-8 text) under `<key>` with `KeyValue.Set` and answers 200
//! with the number of bytes stored; `GET /<key>` answers the stored value with `KeyValue.Get`, or 404 when
//! the key has none. Any other method answers 405. A keyvalue error answers 500 with its text. Large
//! bodies make large `Set` arguments and `Get` replies: the host and the provider move them in chunks.

use wasmbus_rpc::actor::prelude::*;
use wasmcloud_interface_httpserver::{HttpRequest, HttpResponse, HttpServer, HttpServerReceiver};
use wasmcloud_interface_keyvalue::{KeyValue, KeyValueSender, SetRequest};

/// The actor: stateless, the values live in the linked key-value provider.
#[derive(Debug, Default, Actor, HealthResponder)]
#[services(Actor, HttpServer)]
struct KvBlobActor {}

/// A plain-text reply.
fn text(status: u16, body: impl Into<Vec<u8>>) -> HttpResponse {
    HttpResponse {
        status_code: status,
        body: body.into(),
        ..HttpResponse::default()
    }
}

#[async_trait]
impl HttpServer for KvBlobActor {
    async fn handle_request(&self, ctx: &Context, req: &HttpRequest) -> RpcResult<HttpResponse> {
        let key = req.path.trim_start_matches('/').to_owned();
        let store = KeyValueSender::new();
        match req.method.as_str() {
            "PUT" => {
                let Ok(value) = String::from_utf8(req.body.clone()) else {
                    return Ok(text(400, "the body must be UTF-8 text"));
                };
                let len = value.len();
                let set = SetRequest {
                    key,
                    value,
                    expires: 0,
                };
                Ok(match store.set(ctx, &set).await {
                    Ok(()) => text(200, format!("stored {len} bytes")),
                    Err(error) => text(500, format!("KeyValue.Set failed: {error}")),
                })
            }
            "GET" => Ok(match store.get(ctx, &key).await {
                Ok(found) if found.exists => text(200, found.value),
                Ok(_) => text(404, format!("no value under `{key}`")),
                Err(error) => text(500, format!("KeyValue.Get failed: {error}")),
            }),
            other => Ok(text(
                405,
                format!("method {other} is not allowed: use PUT or GET"),
            )),
        }
    }
}
