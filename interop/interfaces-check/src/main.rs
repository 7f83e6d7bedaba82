//! Oracle for wash's interface tooling (driven by tests in the main workspace).
//!
//! `interfaces-check atelier <file.smithy>...` prints the JSON AST that the published `atelier_smithy`
//! parser reads from each file (one JSON object keyed by file path).
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("atelier") => atelier(&args[1..]),
        _ => {
            eprintln!("usage: interfaces-check atelier <file.smithy>...");
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
        let model = atelier_smithy::parse_model(&text).unwrap_or_else(|e| panic!("atelier: {file}: {e}"));
        let mut buf = Vec::new();
        atelier_json::JsonWriter::new(false)
            .write(&mut buf, &model)
            .unwrap_or_else(|e| panic!("atelier_json: {file}: {e}"));
        let value: serde_json::Value = serde_json::from_slice(&buf).expect("atelier_json writes JSON");
        out.insert(file.clone(), value);
    }
    println!("{}", serde_json::Value::Object(out));
}
