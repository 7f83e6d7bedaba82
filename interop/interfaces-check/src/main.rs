//! Oracle for wash's interface tooling (driven by tests in the main workspace).
//!
//! - `interfaces-check atelier <file.smithy>...` prints the JSON AST that the published `atelier_smithy`
//!   parser reads from each file (one JSON object keyed by file path).
//! - `interfaces-check wire [cases]` encodes `IncrementRequest`, `HttpRequest` and `HttpResponse`
//!   values with the bindings `wash gen` made (examples/kvcounter-gen/src) and with the official
//!   wasmcloud-interface-keyvalue / -httpserver crates, checks the msgpack bytes are equal and that
//!   each side decodes the other's bytes to the same value, and prints `{"cases": N, "mismatches": [...]}`.

#[allow(dead_code, clippy::all)]
#[rustfmt::skip] // as `wash gen` wrote it (examples/kvcounter-gen skips it too)
#[path = "../../../examples/kvcounter-gen/src/httpserver.rs"]
mod gen_httpserver;
#[allow(dead_code, clippy::all)]
#[rustfmt::skip]
#[path = "../../../examples/kvcounter-gen/src/keyvalue.rs"]
mod gen_keyvalue;

use wasmbus_rpc::common::{deserialize, serialize};
use wasmcloud_interface_httpserver as official_http;
use wasmcloud_interface_keyvalue as official_kv;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("atelier") => atelier(&args[1..]),
        Some("wire") => wire(args.get(1).and_then(|n| n.parse().ok()).unwrap_or(1000)),
        _ => {
            eprintln!("usage: interfaces-check atelier <file.smithy>... | wire [cases]");
            std::process::exit(2);
        }
    }
}

/// Reads each file with atelier_smithy and prints `{ path: <JSON AST> }`.
fn atelier(files: &[String]) {
    use atelier_core::io::ModelWriter;
    let mut out = serde_json::Map::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("read {file}: {e}"));
        let model =
            atelier_smithy::parse_model(&text).unwrap_or_else(|e| panic!("atelier: {file}: {e}"));
        let mut buf = Vec::new();
        atelier_json::JsonWriter::new(false)
            .write(&mut buf, &model)
            .unwrap_or_else(|e| panic!("atelier_json: {file}: {e}"));
        let value: serde_json::Value =
            serde_json::from_slice(&buf).expect("atelier_json writes JSON");
        out.insert(file.clone(), value);
    }
    println!("{}", serde_json::Value::Object(out));
}

/// A small deterministic generator (xorshift), so every run checks the same values.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn string(&mut self) -> String {
        const PIECES: [&str; 8] = ["", "a", "counter:", "/x/y", "ü", "🦀", " ", "\"q\""];
        (0..self.below(5))
            .map(|_| PIECES[self.below(8) as usize])
            .collect()
    }
    fn bytes(&mut self) -> Vec<u8> {
        let len = [0, 1, 31, 32, 255, 256, 70_000][self.below(7) as usize];
        (0..len).map(|_| self.next() as u8).collect()
    }
    fn i32(&mut self) -> i32 {
        [
            0,
            1,
            -1,
            127,
            128,
            -33,
            i32::MAX,
            i32::MIN,
            self.next() as i32,
        ][self.below(9) as usize]
    }
    /// Headers with at most one key: a HashMap's iteration order is random per instance, so byte
    /// equality is only defined for maps of up to one entry (larger ones are compared decoded).
    fn header(&mut self, max_keys: u64) -> Vec<(String, Vec<String>)> {
        (0..self.below(max_keys + 1))
            .map(|i| {
                let values = (0..self.below(3)).map(|_| self.string()).collect();
                (format!("h{i}-{}", self.string()), values)
            })
            .collect()
    }
}

/// Checks one pair of values: same bytes, and each side decodes the other's bytes to its own value.
fn check<O, G>(
    name: &str,
    official: &O,
    ours: &G,
    compare_bytes: bool,
    mismatches: &mut Vec<String>,
) where
    O: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    G: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let theirs = serialize(official).expect("official value serializes");
    let mine = serialize(ours).expect("generated value serializes");
    if compare_bytes && theirs != mine {
        mismatches.push(format!("{name}: bytes differ for {official:?}"));
    }
    match deserialize::<G>(&theirs) {
        Ok(decoded) if &decoded == ours => {}
        other => mismatches.push(format!("{name}: ours decoded official bytes as {other:?}")),
    }
    match deserialize::<O>(&mine) {
        Ok(decoded) if &decoded == official => {}
        other => mismatches.push(format!("{name}: official decoded our bytes as {other:?}")),
    }
}

fn wire(cases: u64) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut mismatches = Vec::new();
    for case in 0..cases {
        let key = rng.string();
        let value = rng.i32();
        check(
            "IncrementRequest",
            &official_kv::IncrementRequest {
                key: key.clone(),
                value,
            },
            &gen_keyvalue::IncrementRequest { key, value },
            true,
            &mut mismatches,
        );
        // Every tenth case has several header keys: compared decoded, not byte for byte.
        let max_keys = if case % 10 == 9 { 4 } else { 1 };
        let header = rng.header(max_keys);
        let single = header.len() <= 1;
        let (method, path, query, body) = (rng.string(), rng.string(), rng.string(), rng.bytes());
        check(
            "HttpRequest",
            &official_http::HttpRequest {
                method: method.clone(),
                path: path.clone(),
                query_string: query.clone(),
                header: header.iter().cloned().collect(),
                body: body.clone(),
            },
            &gen_httpserver::HttpRequest {
                method,
                path,
                query_string: query,
                header: header.iter().cloned().collect(),
                body,
            },
            single,
            &mut mismatches,
        );
        let status = [200u16, 0, 404, 500, u16::MAX, rng.next() as u16][rng.below(6) as usize];
        let body = rng.bytes();
        check(
            "HttpResponse",
            &official_http::HttpResponse {
                status_code: status,
                header: header.iter().cloned().collect(),
                body: body.clone(),
            },
            &gen_httpserver::HttpResponse {
                status_code: status,
                header: header.iter().cloned().collect(),
                body,
            },
            single,
            &mut mismatches,
        );
    }
    mismatches.truncate(20);
    println!(
        "{}",
        serde_json::json!({ "cases": cases, "mismatches": mismatches })
    );
}
