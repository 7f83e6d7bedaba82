//! The CLI frame: help, version, usage errors, the JSON envelope and exit codes.

use wash_test_support::wash;

/// The commands `wash --help` must list: exactly those that work today.
const COMMANDS: &[&str] = &[
    "keys",
    "claims",
    "par",
    "reg",
    "push",
    "pull",
    "inspect",
    "drain",
    "up",
    "down",
    "ctl",
    "app",
    "ui",
    "get",
    "start",
    "stop",
    "link",
    "call",
    "spy",
    "ctx",
    "new",
    "build",
    "dev",
    "gen",
    "validate",
    "lint",
    "completions",
];

/// `wash --help` lists every working command and nothing else.
#[test]
fn help_lists_only_working_commands() {
    let out = wash().arg("--help").run().success();
    let help = out.stdout();
    let section = help.split("Commands:").nth(1).expect("a Commands section");
    let listed: Vec<&str> = section
        .lines()
        .skip(1)
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();
    assert_eq!(listed, COMMANDS, "help was:\n{help}");
    assert!(help.contains("Examples:"), "help has examples:\n{help}");
}

/// `wash --version` prints the crate version and exits 0.
#[test]
fn version_prints_crate_version() {
    let out = wash().arg("--version").run().success();
    assert_eq!(
        out.stdout().trim(),
        format!("wash {}", env!("CARGO_PKG_VERSION"))
    );
}

/// An unknown subcommand is a usage error: exit 2 with clap's message on stderr.
#[test]
fn unknown_command_exits_2() {
    let out = wash().arg("nope").run().assert_code(2);
    assert!(
        out.stderr().contains("unrecognized subcommand 'nope'"),
        "{}",
        out.stderr()
    );
    assert!(out.stdout().is_empty());
}

/// A bad value for `-o` is a usage error too.
#[test]
fn bad_output_format_exits_2() {
    wash()
        .args(["-o", "yaml", "completions", "bash"])
        .run()
        .assert_code(2);
}

/// Without arguments wash shows its help on stderr and exits 2 (nothing to do is a usage error).
#[test]
fn no_arguments_shows_help() {
    let out = wash().run().assert_code(2);
    assert!(out.stderr().contains("Usage: wash"), "{}", out.stderr());
}

/// A failing command under `-o json` prints exactly one JSON error envelope on stdout and exits 1.
#[test]
fn failure_in_json_mode_prints_envelope_on_stdout() {
    let out = wash()
        .args([
            "completions",
            "bash",
            "--dir",
            "does/not/exist",
            "-o",
            "json",
        ])
        .run()
        .assert_code(1);
    let json = out.json();
    assert_eq!(json["success"], false);
    let error = json["error"].as_str().expect("error is a string");
    assert!(error.contains("does/not/exist"), "{error}");
    let chain = json["error_chain"]
        .as_array()
        .expect("error_chain is an array");
    assert!(!chain.is_empty(), "the OS error is in the chain: {json}");
    assert!(
        out.stderr().is_empty(),
        "nothing on stderr in json mode: {}",
        out.stderr()
    );
}

/// A failing command in text mode prints `error:` and a `Caused by:` list on stderr and exits 1.
#[test]
fn failure_in_text_mode_prints_cause_chain() {
    let out = wash()
        .args(["completions", "bash", "--dir", "does/not/exist"])
        .run()
        .assert_code(1);
    let stderr = out.stderr();
    assert!(
        stderr.starts_with("error: failed to create a file in `does/not/exist`"),
        "{stderr}"
    );
    assert!(stderr.contains("\nCaused by:\n    "), "{stderr}");
    assert!(out.stdout().is_empty());
}

/// A successful command under `-o json` prints one object with `"success": true`.
#[test]
fn success_in_json_mode_has_success_true() {
    let out = wash()
        .args(["completions", "fish", "-o", "json"])
        .run()
        .success();
    let json = out.json();
    assert_eq!(json["success"], true);
    assert!(json["script"]
        .as_str()
        .is_some_and(|s| s.contains("complete -c wash")));
}
