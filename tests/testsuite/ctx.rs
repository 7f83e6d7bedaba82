//! `wash ctx`: contexts under ~/.wash/contexts, the default one (wash 0.x's index.json), and `wash ctl`
//! following the default context without flags.

use wash_test_support::{wash, NatsServer};

use crate::lattice::Lattice;
use crate::snapshot::assert_help_snapshot;

fn host_ids(hosts: &serde_json::Value) -> Vec<String> {
    hosts["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .filter_map(|h| h["id"].as_str().map(str::to_owned))
        .collect()
}

/// Round trip: a context pointing at a second NATS (with its own host) made the default is used by
/// `ctl get hosts` without flags; `ctx edit` (through $EDITOR) re-points it at the first; `ctx del`
/// falls back to the `default` context.
#[test]
fn ctx_round_trip_switches_the_lattice() {
    let first = Lattice::up();
    let second = Lattice::up();
    let ours = |args: &[&str]| first.wash_json(args);
    assert_eq!(
        host_ids(&ours(&["ctl", "get", "hosts"])),
        [first.host_id.as_str()]
    );

    let port = second.nats.port().to_string();
    let created = ours(&["ctx", "new", "second", "--ctl-port", &port]);
    assert_eq!(created["name"], "second");
    let listed = ours(&["ctx", "list"]);
    assert_eq!(listed["contexts"], serde_json::json!(["default", "second"]));
    assert_eq!(listed["default"], "default");

    ours(&["ctx", "default", "second"]);
    let index = first.home.path().join(".wash/contexts/index.json");
    assert_eq!(
        std::fs::read_to_string(&index).expect("index.json"),
        r#"{"name":"second"}"#
    );
    assert_eq!(ours(&["ctx", "default"])["default"], "second");
    assert_eq!(
        host_ids(&ours(&["ctl", "get", "hosts"])),
        [second.host_id.as_str()]
    );
    // `--context` picks another one for one command.
    assert_eq!(
        host_ids(&ours(&["ctl", "get", "hosts", "--context", "default"])),
        [first.host_id.as_str()]
    );

    // $EDITOR edits the file in place: point `second` at the first NATS.
    let script = first.path("editor.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nsed -i 's/\"ctl_port\": {port}/\"ctl_port\": {}/' \"$1\"\n",
            first.nats.port()
        ),
    )
    .expect("write editor");
    let edited = wash()
        .in_home(first.home.path())
        .env("EDITOR", format!("sh {}", script.display()))
        .args(["ctx", "edit", "second", "-o", "json"])
        .run()
        .success();
    assert_eq!(edited.json()["name"], "second");
    assert_eq!(
        host_ids(&ours(&["ctl", "get", "hosts"])),
        [first.host_id.as_str()]
    );

    // No editor and no terminal: an error that says what to do.
    let out = wash()
        .in_home(first.home.path())
        .args(["ctx", "edit", "second"])
        .run()
        .assert_code(1);
    assert!(out.stderr().contains("set $EDITOR"), "{}", out.stderr());

    ours(&["ctx", "del", "second"]);
    assert!(
        !index.exists(),
        "deleting the default context drops index.json"
    );
    assert_eq!(
        ours(&["ctx", "list"])["contexts"],
        serde_json::json!(["default"])
    );
    assert_eq!(
        host_ids(&ours(&["ctl", "get", "hosts"])),
        [first.host_id.as_str()]
    );
}

/// A context named by `--context` or made default must exist; names that are not file names and
/// duplicates are refused; all exit 1 with the way out.
#[test]
fn ctx_errors_are_explained() {
    let nats = NatsServer::start();
    let home = tempfile::tempdir().expect("home");
    let run = |args: &[&str]| wash().in_home(home.path()).args(args).run();
    let out = run(&["ctx", "default", "nope"]).assert_code(1);
    assert!(
        out.stderr().contains("no context named `nope`"),
        "{}",
        out.stderr()
    );
    let out = run(&["ctl", "get", "hosts", "--context", "nope"]).assert_code(1);
    assert!(
        out.stderr().contains("wash ctx new nope"),
        "{}",
        out.stderr()
    );
    let out = run(&["ctx", "new", "../evil"]).assert_code(1);
    assert!(
        out.stderr().contains("not a valid context name"),
        "{}",
        out.stderr()
    );
    let port = nats.port().to_string();
    run(&["ctx", "new", "dev", "--ctl-port", &port, "--default"]).success();
    let out = run(&["ctx", "new", "dev"]).assert_code(1);
    assert!(out.stderr().contains("already exists"), "{}", out.stderr());
    // The new default is used: its NATS has no host, which the error names.
    let out = run(&["ctl", "get", "hosts"]).assert_code(1);
    assert!(
        out.stderr()
            .contains(&format!("at `nats://127.0.0.1:{port}`")),
        "{}",
        out.stderr()
    );
}

/// `wash ctx --help` matches its snapshot.
/// wash 0.18.1's `ctx --directory DIR` (and `WASH_CONTEXTS`) keeps contexts in another folder;
/// `ctx del` without a name and `ctx new -i` ask at a terminal, and without one say so (exit 2).
#[test]
fn ctx_directory_and_the_0x_prompting_forms() {
    let home = tempfile::tempdir().expect("home");
    let elsewhere = home.path().join("team-contexts");
    std::fs::create_dir_all(&elsewhere).expect("dir");
    let dir = elsewhere.to_str().expect("utf-8");
    let ctx = |args: &[&str]| {
        wash()
            .in_home(home.path())
            .args(args)
            .args(["-o", "json"])
            .run()
    };
    ctx(&[
        "ctx",
        "new",
        "blue",
        "--ctl-port",
        "4333",
        "--directory",
        dir,
    ])
    .success();
    assert!(elsewhere.join("blue.json").is_file());
    assert!(!home.path().join(".wash/contexts/blue.json").exists());
    let listed = wash()
        .in_home(home.path())
        .env("WASH_CONTEXTS", dir)
        .args(["ctx", "list", "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(listed["contexts"], serde_json::json!(["blue"]), "{listed}");

    let error = |out: &wash_test_support::WashOutput| {
        out.json()["error"].as_str().unwrap_or_default().to_owned()
    };
    let out = ctx(&["ctx", "del", "--directory", dir]).assert_code(2);
    assert!(
        error(&out).contains("name the context to delete"),
        "{}",
        out.stdout()
    );
    let out = ctx(&["ctx", "new", "-i"]).assert_code(2);
    assert!(
        error(&out).contains("asks at a terminal"),
        "{}",
        out.stdout()
    );
    ctx(&["ctx", "del", "blue", "--directory", dir]).success();
    assert!(!elsewhere.join("blue.json").exists());
}

#[test]
fn help_snapshot() {
    assert_help_snapshot("ctx", &["ctx"]);
    assert_help_snapshot("ctx_new", &["ctx", "new"]);
}
