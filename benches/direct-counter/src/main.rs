//! Benchmark baseline for kvcounter: `GET /<path>` increments `counter:<path with / as :>` in Redis and
//! answers `{"counter":N}` — what the actor does, without host, NATS or providers in between.
//!
//! Usage: `direct-counter <listen port> <redis url>`.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use redis::AsyncCommands;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args
        .next()
        .ok_or("usage: direct-counter <port> <redis url>")?
        .parse()?;
    let url = args
        .next()
        .unwrap_or_else(|| "redis://127.0.0.1:6379/".into());
    let redis = redis::Client::open(url)?.get_connection_manager().await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    loop {
        let (stream, _) = listener.accept().await?;
        let redis = redis.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                let mut redis = redis.clone();
                async move {
                    let key = format!("counter:{}", req.uri().path().replace('/', ":"));
                    let response = match redis.incr::<_, _, i64>(key, 1).await {
                        Ok(n) => {
                            Response::new(Full::new(Bytes::from(format!("{{\"counter\":{n}}}"))))
                        }
                        Err(e) => {
                            let mut r = Response::new(Full::new(Bytes::from(e.to_string())));
                            *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
                            r
                        }
                    };
                    Ok::<_, Infallible>(response)
                }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
