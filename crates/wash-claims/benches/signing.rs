//! Benchmark: the CPU cost of the anti-forgery token every lattice invocation carries (rpc.md §5),
//! and what it implies for a request that crosses the lattice.
//!
//! A kvcounter request is two invocations (httpserver → actor, actor → keyvalue provider), each
//! signed by its sender and validated by its receiver, so the signatures alone cost
//! `2 × (sign + validate)` of CPU per request, whatever else the lattice does. Dividing the cores by
//! that gives a ceiling on requests per second that no amount of tuning elsewhere can pass.
//!
//! Run with `cargo bench -p wash-claims --bench signing` (release profile).

use std::hint::black_box;
use std::time::{Duration, Instant};

use wash_claims::invocation;
use wash_keys::KeyPair;
use wash_wire::{Invocation, WasmCloudEntity};

const ROUNDS: u32 = 20_000;

fn per_op(total: Duration) -> f64 {
    total.as_secs_f64() * 1e6 / f64::from(ROUNDS)
}

fn main() {
    let cluster = KeyPair::new_cluster();
    let issuers = [cluster.public_key()];
    let mut invocation = Invocation {
        origin: WasmCloudEntity::actor("MBCFOPM6JW2APJLXJD3Z5O4CN7CPYJ2B4FTKLJUR5YR5MITIU7HD3WD5"),
        target: WasmCloudEntity::provider(
            "VAG3QITQQ2ODAOWB5TTQSDJ53XK3SHBEIFNK4AYJ5RKAX2UNSCAPHA5M",
            "default",
            "wasmcloud:keyvalue",
        ),
        operation: "KeyValue.Increment".into(),
        // the msgpack of kvcounter's IncrementRequest: a short key and a value
        msg: b"\x82\xa3key\xaecounter::hello\xa5value\x01".to_vec(),
        id: Invocation::new_id(),
        ..Invocation::default()
    };
    // warm up: caches, CPU frequency, the decoded issuer key
    for _ in 0..1000 {
        invocation::sign(&mut invocation, &cluster).expect("sign");
        invocation::validate(&invocation, &issuers).expect("validate");
    }

    let start = Instant::now();
    for _ in 0..ROUNDS {
        invocation::sign(black_box(&mut invocation), &cluster).expect("sign");
    }
    let sign = per_op(start.elapsed());

    let start = Instant::now();
    for _ in 0..ROUNDS {
        invocation::validate(black_box(&invocation), &issuers).expect("validate");
    }
    let validate = per_op(start.elapsed());

    // The Ed25519 primitive alone, on an input the size of a token's signing input.
    let input = invocation
        .encoded_claims
        .rsplit_once('.')
        .map(|(signed, _)| signed.as_bytes().to_vec())
        .expect("token");
    let start = Instant::now();
    for _ in 0..ROUNDS {
        black_box(cluster.sign(black_box(&input)).expect("sign"));
    }
    let raw_sign = per_op(start.elapsed());
    let signature = cluster.sign(&input).expect("sign");
    let start = Instant::now();
    for _ in 0..ROUNDS {
        cluster
            .verify(black_box(&input), black_box(&signature))
            .expect("verify");
    }
    let raw_verify = per_op(start.elapsed());

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_request = 2.0 * (sign + validate);
    println!("| operation | µs (mean of {ROUNDS}) |");
    println!("|---|---|");
    println!(
        "| Ed25519 sign alone ({} bytes: the token's signing input) | {raw_sign:.1} |",
        input.len()
    );
    println!("| Ed25519 verify alone | {raw_verify:.1} |");
    println!("| sign an invocation (claims JSON, hash, token, signature) | {sign:.1} |");
    println!("| validate an invocation (decode, signature, hash, URLs) | {validate:.1} |");
    println!("| one kvcounter request: 2 × (sign + validate) | {per_request:.1} |");
    println!(
        "| ceiling on {cores} core(s) from signatures alone | {:.0} req/s |",
        cores as f64 * 1e6 / per_request
    );
}
