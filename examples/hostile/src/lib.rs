//! The hostile example actor: misbehaves on request, so host tests can show one bad actor costs only
//! its own calls.
//!
//! - `/loop` computes forever (never returns, never calls the host);
//! - `/grow/<MiB>` allocates and touches that many MiB, then answers `grew <MiB> MiB`;
//! - every other path answers 200 `ok`.

use wasmbus_rpc::actor::prelude::*;
use wasmcloud_interface_httpserver::{HttpRequest, HttpResponse, HttpServer, HttpServerReceiver};

/// The actor: stateless; each request chooses its misbehaviour.
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
        Ok(HttpResponse::ok("ok"))
    }
}

/// A loop the optimiser cannot remove or prove finite.
fn spin_forever() -> ! {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}
