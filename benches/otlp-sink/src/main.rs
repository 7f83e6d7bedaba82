//! Benchmark helper for traces (issue 25): an OTLP/HTTP receiver that decodes each
//! `POST /v1/traces` (protobuf), counts its spans and drops them. It stands in for a trace store on
//! another machine, so a benchmark of the lattice with traces on measures what exporting costs the
//! lattice's processes, not what a store spends ingesting. `GET /spans` answers the count so far.
//!
//! Usage: `otlp-sink <listen port>`.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::args()
        .nth(1)
        .ok_or("usage: otlp-sink <port>")?
        .parse()?;
    let spans = Arc::new(AtomicU64::new(0));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        let spans = spans.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                let spans = spans.clone();
                async move { Ok::<_, Infallible>(answer(req, &spans).await) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(req: Request<hyper::body::Incoming>, spans: &AtomicU64) -> Response<Full<Bytes>> {
    let reply = |status: StatusCode, body: String| {
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = status;
        response
    };
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/spans") => {
            reply(StatusCode::OK, spans.load(Ordering::Relaxed).to_string())
        }
        (&Method::POST, "/v1/traces") => {
            let body = match req.into_body().collect().await {
                Ok(body) => body.to_bytes(),
                Err(e) => return reply(StatusCode::BAD_REQUEST, e.to_string()),
            };
            match ExportTraceServiceRequest::decode(body) {
                Ok(request) => {
                    let count: usize = request
                        .resource_spans
                        .iter()
                        .flat_map(|r| &r.scope_spans)
                        .map(|s| s.spans.len())
                        .sum();
                    spans.fetch_add(count as u64, Ordering::Relaxed);
                    // An empty ExportTraceServiceResponse: zero bytes of protobuf.
                    let mut response = reply(StatusCode::OK, String::new());
                    response.headers_mut().insert(
                        hyper::header::CONTENT_TYPE,
                        hyper::header::HeaderValue::from_static("application/x-protobuf"),
                    );
                    response
                }
                Err(e) => reply(StatusCode::BAD_REQUEST, e.to_string()),
            }
        }
        _ => reply(StatusCode::NOT_FOUND, String::new()),
    }
}
