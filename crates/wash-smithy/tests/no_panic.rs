//! Property tests: no input makes the lexer, parser, resolver or validator panic, and every diagnostic
//! points inside its file. `PROPTEST_CASES` sets the number of cases (default 256 per property; the
//! long run is `FUZZ=1 scripts/bench-smithy`, one million cases).

use proptest::prelude::*;
use wash_smithy::{load, SourceMap};

const SEEDS: [&str; 3] = [
    include_str!("../../../smithy/keyvalue.smithy"),
    include_str!("../../../smithy/httpserver.smithy"),
    include_str!("../../../smithy/wasmcloud-core.smithy"),
];

/// Loads `text` next to wasmCloud's model file and checks each diagnostic's span and rendering;
/// returns each diagnostic's message and help.
fn load_checked(text: &str) -> Vec<String> {
    let mut sources = SourceMap::new();
    sources.add("fuzz.smithy", text);
    sources.add(
        "wasmcloud-model.smithy",
        include_str!("../../../smithy/wasmcloud-model.smithy"),
    );
    let loaded = load(sources);
    for d in &loaded.diagnostics {
        let file = loaded.sources.file(d.span.file);
        assert!(
            d.span.start <= d.span.end && d.span.end <= file.text.len(),
            "{d:?}"
        );
        assert!(
            file.text.is_char_boundary(d.span.start) && file.text.is_char_boundary(d.span.end),
            "{d:?}"
        );
    }
    let _ = loaded.render_diagnostics();
    loaded
        .diagnostics
        .iter()
        .map(|d| format!("{} ({})", d.message, d.help.as_deref().unwrap_or_default()))
        .collect()
}

/// A mutation of a real model: delete, duplicate or replace a byte range with Smithy-ish fragments.
fn mutated() -> impl Strategy<Value = String> {
    const FRAGMENTS: [&str; 16] = [
        "{",
        "}",
        "[",
        "]",
        "(",
        ")",
        "@",
        ":",
        ",",
        "\"",
        "\"\"\"",
        "///",
        "$version",
        "#",
        "\n",
        "structure X",
    ];
    (
        0..SEEDS.len(),
        prop::collection::vec(
            (any::<usize>(), 0usize..40, 0usize..4, 0..FRAGMENTS.len()),
            1..6,
        ),
    )
        .prop_map(|(seed, edits)| {
            let mut text = SEEDS[seed].as_bytes().to_vec();
            for (at, len, op, fragment) in edits {
                let start = at % (text.len() + 1);
                let end = (start + len).min(text.len());
                match op {
                    0 => {
                        text.drain(start..end);
                    }
                    1 => {
                        let copy = text[start..end].to_vec();
                        text.splice(start..start, copy);
                    }
                    _ => {
                        text.splice(start..end, FRAGMENTS[fragment].bytes());
                    }
                }
            }
            String::from_utf8_lossy(&text).into_owned()
        })
}

proptest! {
    /// Arbitrary text (any Unicode) never panics.
    #[test]
    fn random_text_never_panics(text in "\\PC{0,400}") {
        load_checked(&text);
    }

    /// Text made of Smithy tokens in random order never panics.
    #[test]
    fn random_tokens_never_panic(tokens in prop::collection::vec(prop::sample::select(vec![
        "namespace a.b\n", "use org.wasmcloud.model#n\n", "structure", "S", "{", "}", "[", "]", "(", ")",
        "@n(0)", "@required", "x", ":", "String", ",", "\"s\"", "1", "-2.5e3", "service", "operation",
        "operations:", "input:", "apply", "metadata", "=", "///doc\n", "\n", "$version:", "map", "key", "value",
        "list", "member", "@trait(selector: \"*\")", "U32", "org.wasmcloud.model#U32", "null", "true",
    ]), 0..80)) {
        load_checked(&tokens.join(" "));
    }

    /// Mutations of the real models never panic.
    #[test]
    fn mutated_models_never_panic(text in mutated()) {
        load_checked(&text);
    }
}

/// Deeply nested values are an error, not a stack overflow.
#[test]
fn deep_nesting_is_an_error() {
    let text = format!(
        "namespace a\n@documentation({}1{})\nstring S\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let messages = load_checked(&text);
    assert!(
        messages
            .iter()
            .any(|m| m.contains("shallower value") && m.contains("at most 64 levels deep")),
        "{messages:?}"
    );
}
