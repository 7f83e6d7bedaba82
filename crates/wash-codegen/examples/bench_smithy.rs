//! Benchmark: read, parse, validate and generate Rust for every file of a smithy folder, many times;
//! prints the best and median time of one full pass. Run by `scripts/bench-smithy`.

use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "smithy".into());
    let runs: usize = std::env::args()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut lines = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let sources = wash_smithy::read_sources(&[dir.clone().into()])?;
        let model = wash_smithy::load(sources).into_model()?;
        lines = 0;
        for namespace in model.namespaces() {
            lines += wash_codegen::generate_rust(&model, namespace)?
                .lines()
                .count();
        }
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "{runs} runs over `{dir}` ({lines} generated lines): best {:.2} ms, median {:.2} ms",
        times[0].as_secs_f64() * 1e3,
        times[runs / 2].as_secs_f64() * 1e3
    );
    Ok(())
}
