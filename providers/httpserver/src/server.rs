//! One HTTP/1 listener per linked actor; each request becomes `HttpServer.HandleRequest` to that actor.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue, CACHE_CONTROL};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use wash_provider::{
    InvocationContext, LinkDefinition, PerActor, ProviderError, ProviderHandle, ProviderHandler,
};
use wash_wire::interfaces::httpserver::{HeaderMap, HttpRequest, HttpResponse, HANDLE_REQUEST};

use crate::settings::ServerSettings;

/// The `wasmcloud:httpserver` provider: the running listeners, by actor.
#[derive(Debug)]
pub struct HttpServerProvider {
    provider: ProviderHandle,
    listeners: PerActor<JoinHandle<()>>,
}

/// What every request on one listener needs.
#[derive(Debug)]
struct Route {
    provider: ProviderHandle,
    link: LinkDefinition,
    settings: ServerSettings,
    /// The linked actor's key as the request spans carry it, made once.
    trace_actor: wash_trace::SharedValue,
}

impl HttpServerProvider {
    /// A provider with no listeners yet.
    pub fn new(provider: ProviderHandle) -> Self {
        Self {
            provider,
            listeners: PerActor::new(),
        }
    }
}

impl ProviderHandler for HttpServerProvider {
    fn contract_id(&self) -> &str {
        wash_wire::interfaces::httpserver::CONTRACT_ID
    }

    async fn put_link(&self, link: &LinkDefinition) -> Result<bool, String> {
        let settings = ServerSettings::from_link_values(&link.values)?;
        let listener = match TcpListener::bind(settings.address).await {
            Ok(listener) => listener,
            Err(e) => {
                tracing::error!(actor = %link.actor_id, address = %settings.address, error = %e,
                    "cannot bind HTTP listener; link refused");
                return Ok(false);
            }
        };
        tracing::info!(actor = %link.actor_id, address = %settings.address, "HTTP listener started");
        let route = Arc::new(Route {
            provider: self.provider.clone(),
            link: link.clone(),
            settings,
            trace_actor: wash_trace::shared(&link.actor_id),
        });
        let task = tokio::spawn(accept_loop(listener, route));
        if let Some(old) = self.listeners.insert(&link.actor_id, task) {
            old.abort();
        }
        Ok(true)
    }

    async fn delete_link(&self, actor_id: &str) {
        if let Some(task) = self.listeners.remove(actor_id) {
            task.abort();
            // Wait until the listener socket is really closed before reporting it.
            let _ = task.await;
            tracing::info!(actor = %actor_id, "HTTP listener closed");
        }
    }

    async fn handle(
        &self,
        operation: &str,
        _payload: Vec<u8>,
        _ctx: &InvocationContext,
    ) -> Result<Vec<u8>, String> {
        Err(format!(
            "unsupported operation `{operation}`: the httpserver provider receives no calls"
        ))
    }

    async fn shutdown(&self) {
        for task in self.listeners.drain() {
            task.abort();
            let _ = task.await;
        }
    }
}

/// Accepts connections until aborted; aborting drops the listener and every open connection.
async fn accept_loop(listener: TcpListener, route: Arc<Route>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, route.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, route: Arc<Route>) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let route = route.clone();
        // One server span per request, continuing the client's trace when it sent a `traceparent`.
        let hop = wash_trace::Hop::continuing(
            "HTTP request",
            |name| request.headers().get(name).and_then(|v| v.to_str().ok()),
            || {
                use wash_trace::Attribute;
                let now = [
                    Attribute::new("http.request.method", method_value(request.method())),
                    Attribute::new("url.path", request.uri().path().to_owned()),
                    Attribute::new("actor.id", route.trace_actor.clone()),
                ];
                // The status comes with the response.
                wash_trace::attributes(now, 1)
            },
        );
        async move {
            let response = hop.run(route.respond(request)).await;
            let status = response.status();
            hop.set(|| {
                wash_trace::Attribute::new("http.response.status_code", i64::from(status.as_u16()))
            });
            if status.is_server_error() {
                hop.error(&format!("HTTP {status}"));
            }
            Ok::<_, Infallible>(response)
        }
    });
    if let Err(e) = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        tracing::debug!(error = %e, "HTTP connection ended with an error");
    }
}

/// A request's method as its span carries it: the usual ones without an allocation.
fn method_value(method: &Method) -> wash_trace::SharedValue {
    let name = match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => return method.as_str().to_owned().into(),
    };
    name.into()
}

fn plain(status: StatusCode, text: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(text.into()));
    *response.status_mut() = status;
    response
}

impl Route {
    async fn respond(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        if self.settings.readonly_mode && !matches!(parts.method, Method::GET | Method::HEAD) {
            return plain(StatusCode::METHOD_NOT_ALLOWED, "read-only server");
        }
        let limit = usize::try_from(self.settings.max_content_len).unwrap_or(usize::MAX);
        let body = match Limited::new(body, limit).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) => {
                return if e.is::<http_body_util::LengthLimitError>() {
                    plain(StatusCode::PAYLOAD_TOO_LARGE, "request body too large")
                } else {
                    plain(StatusCode::BAD_REQUEST, "failed to read request body")
                }
            }
        };
        let mut header = HeaderMap::with_capacity(parts.headers.keys_len());
        for (name, value) in &parts.headers {
            header
                .entry(name.as_str().to_owned())
                .or_default()
                .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
        }
        let http_request = HttpRequest {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query_string: parts.uri.query().unwrap_or_default().to_owned(),
            header,
            body: body.into(),
        };
        let payload = match wash_wire::msgpack::encode(&http_request, "http request") {
            Ok(payload) => payload,
            Err(e) => return plain(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        };
        let timeout = self
            .settings
            .timeout
            .unwrap_or_else(|| self.provider.rpc_timeout());
        let reply = self
            .provider
            .call_actor_with_timeout(&self.link, HANDLE_REQUEST, payload, timeout)
            .await;
        match reply {
            Ok(bytes) => self.to_response(&bytes),
            Err(e) if e.is_unavailable() => {
                tracing::debug!(actor = %self.link.actor_id, error = %e, "actor unavailable");
                plain(StatusCode::SERVICE_UNAVAILABLE, "actor unavailable")
            }
            Err(ProviderError::Remote(error)) => {
                tracing::debug!(actor = %self.link.actor_id, %error, "actor failed");
                plain(StatusCode::INTERNAL_SERVER_ERROR, error)
            }
            Err(e) => {
                tracing::warn!(actor = %self.link.actor_id, error = %e, "call to actor failed");
                plain(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
            }
        }
    }

    fn to_response(&self, bytes: &[u8]) -> Response<Full<Bytes>> {
        let http: HttpResponse = match wash_wire::msgpack::decode(bytes, "http response") {
            Ok(http) => http,
            Err(e) => return plain(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        };
        let mut response = Response::new(Full::new(Bytes::from(http.body)));
        *response.status_mut() =
            StatusCode::from_u16(http.status_code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        for (name, values) in http.header {
            let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
                tracing::debug!(header = %name, "invalid response header name dropped");
                continue;
            };
            for value in values {
                match HeaderValue::from_str(&value) {
                    Ok(value) => {
                        headers.append(name.clone(), value);
                    }
                    Err(_) => {
                        tracing::debug!(header = %name, "invalid response header value dropped")
                    }
                }
            }
        }
        if let Some(cache) = &self.settings.cache_control {
            if !headers.contains_key(CACHE_CONTROL) {
                if let Ok(value) = HeaderValue::from_str(cache) {
                    headers.insert(CACHE_CONTROL, value);
                }
            }
        }
        response
    }
}
