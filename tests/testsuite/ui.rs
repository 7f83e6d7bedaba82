//! `wash ui` end to end: the dashboard in headless Chromium (Debian's `chromium`, driven by
//! playwright-core from `tests/ui`) deploys the seed's kvcounter on a real lattice, and its help text.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use wash_test_support::{
    example_wasm, free_port, http_post, http_request, wait_for_http, wash, workspace_binary,
    WashChild,
};

use crate::lattice::{path_str, Lattice};
use crate::snapshot::assert_help_snapshot;

/// `wash ui --help` is stable.
#[test]
fn ui_help() {
    assert_help_snapshot("ui", &["ui"]);
}

/// A `--port` that is not a number is a usage error (exit 2).
#[test]
fn ui_rejects_a_bad_port() {
    let out = wash().args(["ui", "--port", "http"]).run().assert_code(2);
    assert!(out.stderr().contains("--port"), "{}", out.stderr());
}

/// Without a NATS server `wash ui` fails at once, saying how to start a lattice, and serves nothing.
#[test]
fn ui_without_nats_explains() {
    let port = free_port();
    let out = wash()
        .args(["ui", "--ctl-port", &port.to_string(), "-o", "json"])
        .run()
        .assert_code(1);
    let error = out.json()["error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("wash up"), "{error}");
}

pub(crate) fn tests_ui_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/ui")
}

/// Everything the browser test needs, or a panic naming the set-up command.
pub(crate) fn browser_prerequisites() -> (PathBuf, PathBuf) {
    let chromium = std::env::var_os("WASH_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        chromium.is_file(),
        "`{}` is missing: run `./dev setup` (it installs Debian's chromium)",
        chromium.display()
    );
    let node = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|d| d.join("node"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("`node` is not installed: run `./dev setup`"));
    assert!(
        tests_ui_dir().join("node_modules/playwright-core").is_dir(),
        "tests/ui/node_modules/playwright-core is missing: run `./dev setup` (it runs `npm ci` in tests/ui)"
    );
    (node, chromium)
}

/// Signs kvcounter and packs both providers into the lattice's home (nothing is started).
fn artifacts(lattice: &Lattice) -> (PathBuf, PathBuf, PathBuf) {
    let actor = lattice.path("kvcounter_s.wasm");
    lattice.wash_json(&[
        "claims",
        "sign",
        path_str(&example_wasm("kvcounter")),
        "--name",
        "kvcounter",
        "--keyvalue",
        "--http_server",
        "--destination",
        path_str(&actor),
    ]);
    let target = format!("{}-linux", std::env::consts::ARCH);
    let mut archives = Vec::new();
    for (binary, contract, name) in [
        ("httpserver", "wasmcloud:httpserver", "HTTP Server"),
        ("kv-nats", "wasmcloud:keyvalue", "KeyValue on NATS"),
    ] {
        let archive = lattice.path(&format!("{binary}.par"));
        lattice.wash_json(&[
            "par",
            "create",
            "--capid",
            contract,
            "--vendor",
            "wash-tests",
            "--name",
            name,
            "--arch",
            &target,
            "--binary",
            path_str(&workspace_binary(binary)),
            "--destination",
            path_str(&archive),
        ]);
        archives.push(archive);
    }
    let kv = archives.pop().expect("kv archive");
    let http = archives.pop().expect("httpserver archive");
    (actor, http, kv)
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("ui-screenshots");
    std::fs::create_dir_all(&dir).expect("create target/ui-screenshots");
    dir
}

/// Empties the screenshot folder, so the screenshots checked afterwards are this run's.
fn clear_screenshot_dir() {
    let dir = screenshot_dir();
    std::fs::remove_dir_all(&dir).expect("clear target/ui-screenshots");
    std::fs::create_dir_all(&dir).expect("create target/ui-screenshots");
}

/// Starts `wash ui` on a free port in the lattice's home and waits until it serves the page.
pub(crate) fn start_ui(lattice: &Lattice) -> (WashChild, u16) {
    let port = free_port();
    let mut ui = wash()
        .in_home(lattice.home.path())
        // The monitor's timeline (events, refreshes, connection changes) is in the failure message.
        .env("RUST_LOG", "warn,wash_ui=debug")
        .args(["ui", "--port", &port.to_string()])
        .spawn();
    if wait_for_http(port, "/api/view", Duration::from_secs(20)).is_none() {
        let status = ui.exited();
        panic!(
            "wash ui did not serve on port {port} ({status:?}):\n{}",
            ui.stderr()
        );
    }
    (ui, port)
}

/// The seed's deploy done by a person in the dashboard: with a host and nothing else, kvcounter and two
/// providers are started and both links put in the page and appear live; HTTP GETs count; a wrong OCI
/// reference, a bad link value and a lost NATS connection are each explained in the page, which
/// recovers when NATS is back; deleting a link and stopping the actor in the page show in `wash ctl`.
/// The actor is uploaded from the browser (a wrong file is refused first). A POST from another
/// origin, or for a host name that is not loopback, is refused. Screenshots land in
/// target/ui-screenshots/.
#[test]
fn dashboard_deploys_kvcounter_in_chromium() {
    let (node, chromium) = browser_prerequisites();
    clear_screenshot_dir();
    let mut lattice = Lattice::up();
    let (actor, http, kv) = artifacts(&lattice);
    let (ui, ui_port) = start_ui(&lattice);
    let http_port = free_port();
    let bad_ref = format!("127.0.0.1:{}/wash-tests/no-such-actor:0.1.0", free_port());
    let mut child = Command::new(node)
        .arg(tests_ui_dir().join("dashboard.mjs"))
        .current_dir(tests_ui_dir())
        .env("WASH_UI_URL", format!("http://127.0.0.1:{ui_port}/"))
        .env("ACTOR_PATH", &actor)
        .env("HTTPSERVER_PAR", &http)
        .env("KVNATS_PAR", &kv)
        .env("HTTP_PORT", http_port.to_string())
        .env("BAD_OCI_REF", &bad_ref)
        .env("SCREENSHOT_DIR", screenshot_dir())
        .env("CHROMIUM", &chromium)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    let mut stderr = child.stderr.take().expect("node stderr");
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut stdin = child.stdin.take().expect("node stdin");
    let stdout = BufReader::new(child.stdout.take().expect("node stdout"));
    let mut transcript = Vec::new();
    for line in stdout.lines() {
        let Ok(line) = line else { break };
        let Some(request) = line.strip_prefix("@@ ") else {
            transcript.push(line);
            continue;
        };
        transcript.push(format!("request: {request}"));
        let answer = match request {
            "inventory" => lattice.wash_json(&["ctl", "get", "inventory"]).to_string(),
            "links" => lattice.wash_json(&["ctl", "get", "links"]).to_string(),
            "nats-stop" => {
                lattice.nats.stop();
                "ok".to_owned()
            }
            "nats-start" => {
                lattice.nats.restart();
                "ok".to_owned()
            }
            other => format!("unknown request `{other}`"),
        };
        if writeln!(stdin, "{answer}").is_err() {
            break;
        }
    }
    let status = child.wait().expect("wait for node");
    let log = log.join().unwrap_or_default();
    assert!(
        status.success(),
        "the browser test failed ({status}); screenshots in {}\n--- node\n{log}\n{}\n--- wash ui\n{}",
        screenshot_dir().display(),
        transcript.join("\n"),
        ui.stderr()
    );
    // What the page did is what the lattice reports.
    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    assert_eq!(
        inventory["inventory"]["actors"],
        serde_json::json!([]),
        "{inventory}"
    );
    let links = lattice.wash_json(&["ctl", "get", "links"]);
    assert_eq!(links["links"].as_array().map(Vec::len), Some(1), "{links}");
    // Another site's page cannot drive the dashboard: a POST carrying a foreign Origin is refused
    // before anything reaches the lattice (a browser always sends Origin on such a request).
    let start = format!(
        r#"{{"reference": "{}", "count": 1, "host_id": ""}}"#,
        path_str(&actor)
    );
    for path in ["/api/actors/start", "/api/uploads/actor"] {
        let reply = http_post(
            ui_port,
            path,
            &[
                ("Origin", "http://attacker.invalid"),
                ("Content-Type", "text/plain"),
            ],
            start.as_bytes(),
        )
        .expect("wash ui answers");
        assert_eq!(reply.status, 403, "{path}: {}", reply.text());
        assert!(
            reply.text().contains("attacker.invalid"),
            "{}",
            reply.text()
        );
    }
    // A page served under another name that resolves to this machine (DNS rebinding) cannot read it.
    let reply = http_request(
        ui_port,
        "GET",
        "/api/view",
        &[("Host", "rebound.invalid")],
        b"",
    )
    .expect("wash ui answers");
    assert_eq!(reply.status, 403, "{}", reply.text());
    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    assert_eq!(
        inventory["inventory"]["actors"],
        serde_json::json!([]),
        "{inventory}"
    );
    for name in [
        "01-empty-lattice.png",
        "04-overview-running.png",
        "05-nats-lost.png",
    ] {
        assert!(screenshot_dir().join(name).is_file(), "{name} was saved");
    }
    drop(ui);
}
