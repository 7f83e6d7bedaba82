//! The hostile example actor: misbehaves on request, so host tests can show one bad actor costs only
//! its own calls.
//!
//! - `/loop` computes forever (never returns, never calls the host);
//! - `/grow/<MiB>` allocates and touches that many MiB, then answers `grew <MiB> MiB`;
//! - `/calls` counts the calls its instance served (a global: warm instances keep it) and answers the
//!   count;
//! - `/hold/<ms>` computes for that long, then answers like `/calls`;
//! - `/trap` traps (an abort);
//! - every other path answers 200 `ok`.

use std::sync::atomic::{AtomicU64, Ordering};

use wasmbus_rpc::actor::prelude::*;
use wasmcloud_interface_httpserver::{HttpRequest, HttpResponse, HttpServer, HttpServerReceiver};

/// Calls this instance has served on `/calls` and `/hold` (one instance, one memory, one count).
static CALLS: AtomicU64 = AtomicU64::new(0);

/// The actor: stateless but for [`CALLS`]; each request chooses its misbehaviour.
#[derive(Debug, Default, Actor, HealthResponder)]
#[services(Actor, HttpServer)]
struct HostileActor {}

#[async_trait]
impl HttpServer for HostileActor {
    async fn handle_request(&self, _ctx: &Context, req: &HttpRequest) -> RpcResult<HttpResponse> {
        if req.path == "/loop" {
            spin_forever();
        }
        if let Some(mib) = req.path.strip_prefix("/grow/") {
            let mib: usize = mib
                .parse()
                .map_err(|_| RpcError::InvalidParameter(format!("`{mib}` is not a number")))?;
            // Every byte written, so the memory is really grown and used, not just reserved.
            let block = std::hint::black_box(vec![1u8; mib << 20]);
            return Ok(HttpResponse::ok(format!("grew {} MiB", block.len() >> 20)));
        }
        if req.path == "/calls" {
            return Ok(HttpResponse::ok(
                (CALLS.fetch_add(1, Ordering::SeqCst) + 1).to_string(),
            ));
        }
        if let Some(ms) = req.path.strip_prefix("/hold/") {
            let ms: u64 = ms
                .parse()
                .map_err(|_| RpcError::InvalidParameter(format!("`{ms}` is not a number")))?;
            spin_for(ms);
            return Ok(HttpResponse::ok(
                (CALLS.fetch_add(1, Ordering::SeqCst) + 1).to_string(),
            ));
        }
        if req.path == "/trap" {
            std::process::abort();
        }
        Ok(HttpResponse::ok("ok"))
    }
}

/// Computes for about `ms` milliseconds (the guest has no clock: calibrated by iterations).
fn spin_for(ms: u64) {
    let mut n: u64 = 0;
    for _ in 0..ms.saturating_mul(200_000) {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}

/// A loop the optimiser cannot remove or prove finite.
fn spin_forever() -> ! {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}
