//! Benchmark helper for traces (issue 25): an OTLP/HTTP receiver that reads each
//! `POST /v1/traces` (protobuf) far enough to count its spans, and drops them. It stands in for a trace store on
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
use prost::Message;

// The skeleton of OTLP's `ExportTraceServiceRequest`: the fields that lead to the spans, with the
// same tags as opentelemetry-proto's messages. prost skips every other field, so a span is counted
// without decoding (and allocating) its names, ids and attributes: the sink's own CPU stays small
// beside the lattice's, as a store on another machine would be.
#[derive(Clone, PartialEq, Message)]
struct ExportTraceServiceRequest {
    #[prost(message, repeated, tag = "1")]
    resource_spans: Vec<ResourceSpans>,
}

impl ExportTraceServiceRequest {
    /// The spans in every resource and scope of the request.
    fn span_count(&self) -> usize {
        self.resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .map(|s| s.spans.len())
            .sum()
    }
}

#[derive(Clone, PartialEq, Message)]
struct ResourceSpans {
    #[prost(message, repeated, tag = "2")]
    scope_spans: Vec<ScopeSpans>,
}

#[derive(Clone, PartialEq, Message)]
struct ScopeSpans {
    #[prost(message, repeated, tag = "2")]
    spans: Vec<Span>,
}

#[derive(Clone, PartialEq, Message)]
struct Span {}

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
                    spans.fetch_add(request.span_count() as u64, Ordering::Relaxed);
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

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::collector::trace::v1 as collector;
    use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
    use opentelemetry_proto::tonic::trace::v1 as trace;
    use prost::Message;

    #[test]
    fn the_skeleton_counts_the_spans_of_a_real_request() {
        let span = |name: &str| trace::Span {
            name: name.into(),
            trace_id: vec![1; 16],
            span_id: vec![2; 8],
            attributes: vec![KeyValue {
                key: "actor.id".into(),
                key_strindex: 0,
                value: Some(AnyValue {
                    value: Some(any_value::Value::StringValue("M".repeat(56))),
                }),
            }],
            ..Default::default()
        };
        let scope = |spans: Vec<trace::Span>| trace::ScopeSpans {
            spans,
            schema_url: "s".into(),
            ..Default::default()
        };
        let request = collector::ExportTraceServiceRequest {
            resource_spans: vec![
                trace::ResourceSpans {
                    scope_spans: vec![scope(vec![span("a"), span("b")]), scope(vec![span("c")])],
                    schema_url: "r".into(),
                    ..Default::default()
                },
                trace::ResourceSpans {
                    scope_spans: vec![scope(vec![span("d")])],
                    ..Default::default()
                },
            ],
        };
        let read = super::ExportTraceServiceRequest::decode(&request.encode_to_vec()[..]).unwrap();
        assert_eq!(read.span_count(), 4);
    }
}
