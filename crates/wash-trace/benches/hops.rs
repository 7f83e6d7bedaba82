//! Benchmark: what traces cost a process per request, export included (issue 25).
//!
//! One "request" is what the host does for a kvcounter request: continue the caller's trace from the
//! headers of a NATS message (an `actor invocation` span with three attributes), open the actor's
//! outgoing call under it (an `actor call` span with four), inject the trace context into the
//! headers of the outgoing message, and end both spans. The process's own CPU time (all threads:
//! the batch processor's and the HTTP client's too) is measured around `ROUNDS` requests and a final
//! flush, with traces off, on with an `always_off` sampler (context and headers only), and on
//! (spans recorded and exported over OTLP/HTTP to a receiver in this process that reads and drops
//! each batch, whose cost is left out of the figures: it runs on a thread of its own, and its CPU
//! time is subtracted).
//!
//! Run with `cargo bench -p wash-trace --bench hops` (release profile). Each mode runs in a child
//! process of its own, since a process installs its tracer once.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use wash_trace::{Attribute, Hop};

/// Fewer under `cargo test --all-targets`, which runs this unoptimized as a smoke test.
const ROUNDS: u32 = if cfg!(debug_assertions) {
    20_000
} else {
    200_000
};
const MODE: &str = "WASH_TRACE_BENCH_MODE";

fn main() {
    match std::env::var(MODE).ok().as_deref() {
        Some(mode) => run(mode),
        None => {
            println!("| traces | CPU per request (µs) | of which beside the calling thread |");
            println!("|---|---|---|");
            for mode in ["off", "always_off", "on"] {
                let exe = std::env::current_exe().expect("the bench's own path");
                let status = std::process::Command::new(exe)
                    .env(MODE, mode)
                    .status()
                    .expect("run a mode");
                assert!(status.success(), "mode {mode} failed");
            }
        }
    }
}

fn run(mode: &str) {
    let receiver = TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
    let endpoint = format!("http://{}", receiver.local_addr().expect("address"));
    let receiver_thread = std::thread::spawn(move || receive(receiver));
    if mode != "off" {
        std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint);
        std::env::set_var("OTEL_TRACES_EXPORTER", "otlp");
        if mode == "always_off" {
            std::env::set_var("OTEL_TRACES_SAMPLER", "always_off");
        }
    }
    let guard = wash_trace::install("bench");
    assert_eq!(guard.is_some(), mode != "off");

    let mut incoming = async_nats::HeaderMap::new();
    incoming.insert(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    );
    let actor = "MBCFOPM6JW2APJLXJD3Z5O4CN7CPYJ2B4FTKLJUR5YR5MITIU7HD3WD5".to_owned();
    let provider = "VAG3QITQQ2ODAOWB5TTQSDJ53XK3SHBEIFNK4AYJ5RKAX2UNSCAPHA5M".to_owned();
    let request = || {
        let headers = mode.ne("off").then_some(&incoming);
        let invocation = Hop::continuing_nats("actor invocation", headers, || {
            vec![Attribute::new("actor.id", actor.clone())]
        });
        invocation.set(|| Attribute::new("operation", "HttpServer.HandleRequest".to_owned()));
        let call = Hop::client("actor call", Some(&invocation.share()), || {
            vec![
                Attribute::new("contract", "wasmcloud:keyvalue".to_owned()),
                Attribute::new("operation", "KeyValue.Increment".to_owned()),
            ]
        });
        let sent = futures::executor::block_on(call.run(async {
            wash_trace::record(|| Attribute::new("link_name", "default".to_owned()));
            wash_trace::record(|| Attribute::new("target", provider.clone()));
            wash_trace::nats_headers()
        }));
        std::hint::black_box(sent);
        drop(call);
        invocation.set(|| Attribute::new("result", "ok"));
    };
    for _ in 0..ROUNDS / 10 {
        request();
    }
    let (cpu_before, receiver_before) = (process_cpu(), receiver_cpu());
    let wall = Instant::now();
    for _ in 0..ROUNDS {
        request();
    }
    drop(guard); // flushes what is still batched
    let wall = wall.elapsed();
    let receiver = receiver_cpu() - receiver_before;
    let cpu = process_cpu() - cpu_before - receiver;
    let per_request = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(ROUNDS);
    let main_thread = per_request(wall);
    println!(
        "| {mode} | {:.2} | {:.2} |",
        per_request(cpu),
        (per_request(cpu) - main_thread).max(0.0)
    );
    drop(receiver_thread);
}

/// Answers OTLP/HTTP posts with 200 and drops their bodies (keep-alive, one connection at a time).
fn receive(listener: TcpListener) {
    RECEIVER_TID.store(gettid(), std::sync::atomic::Ordering::Relaxed);
    for stream in listener.incoming().flatten() {
        let _ = serve(stream);
    }
}

fn serve(stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        std::io::copy(&mut (&mut reader).take(length as u64), &mut std::io::sink())?;
        writer.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")?;
    }
}

static RECEIVER_TID: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

fn gettid() -> i64 {
    std::fs::read_link("/proc/thread-self")
        .ok()
        .and_then(|p| p.file_name()?.to_str()?.parse().ok())
        .unwrap_or(0)
}

/// CPU time (user + system) of the whole process, from /proc.
fn process_cpu() -> Duration {
    ticks("/proc/self/stat")
}

/// CPU time of the receiver's thread.
fn receiver_cpu() -> Duration {
    let tid = RECEIVER_TID.load(std::sync::atomic::Ordering::Relaxed);
    ticks(&format!("/proc/self/task/{tid}/stat"))
}

fn ticks(path: &str) -> Duration {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are the 12th and 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let field = |n: usize| -> u64 {
        after
            .split_whitespace()
            .nth(n)
            .and_then(|f| f.parse().ok())
            .unwrap_or(0)
    };
    let ticks = field(11) + field(12);
    Duration::from_secs_f64(ticks as f64 / 100.0)
}
