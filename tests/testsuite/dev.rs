//! `wash dev` on kvcounter: it builds, starts the actor and the `[dev]` providers and links, swaps in
//! each rebuild without restarting anything, keeps the old version serving when a build fails, and on
//! Ctrl-C stops what it started and nothing else, a provider still downloading included; with no
//! lattice, it starts one and stops it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use wash_test_support::{
    examples_dir, examples_target_dir, free_port, http_get, wash, Registry, SlowProxy,
};

use crate::lattice::{first_count, path_str, Lattice};

/// A copy of the kvcounter example as its own project named `name`, one per test (their builds share
/// the examples' target folder, where the SDK crates are already compiled, and one test's build must
/// never replace another's module, nor the `kvcounter.wasm` other tests use), with `dev` appended to
/// wasmcloud.toml.
fn devcounter_project(parent: &Path, name: &str, dev: &str) -> PathBuf {
    let project = parent.join(name);
    std::fs::create_dir_all(project.join("src")).expect("project folder");
    let example = examples_dir().join("kvcounter");
    std::fs::copy(example.join("src/lib.rs"), project.join("src/lib.rs")).expect("copy lib.rs");
    std::fs::copy(
        examples_dir().join("Cargo.lock"),
        project.join("Cargo.lock"),
    )
    .expect("lock");
    let cargo = std::fs::read_to_string(example.join("Cargo.toml")).expect("Cargo.toml");
    // The examples' release profile (the workspace's), so their compiled dependencies are reused.
    let cargo = cargo.replace("name = \"kvcounter\"", &format!("name = \"{name}\""))
        + "\n[profile.release]\nopt-level = \"s\"\nlto = true\nstrip = true\n\n[workspace]\n";
    std::fs::write(project.join("Cargo.toml"), cargo).expect("write Cargo.toml");
    let manifest = std::fs::read_to_string(example.join("wasmcloud.toml")).expect("wasmcloud.toml");
    let manifest = manifest.replace("name = \"kvcounter\"", &format!("name = \"{name}\"")) + dev;
    std::fs::write(project.join("wasmcloud.toml"), manifest).expect("write wasmcloud.toml");
    project
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).expect("read source");
    assert!(text.contains(from), "`{from}` not in {}", file.display());
    std::fs::write(file, text.replace(from, to)).expect("write source");
}

/// Waits (up to 5 minutes: a first build compiles the SDK crates) until `wash dev` says `text`.
fn wait_for_stderr(child: &mut wash_test_support::WashChild, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while !child.stderr().contains(text) {
        assert!(
            child.exited().is_none(),
            "wash dev exited: {}",
            child.stderr()
        );
        assert!(
            Instant::now() < deadline,
            "wash dev did not say `{text}` within 300 s: {}",
            child.stderr()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until `GET /` answers 200 with a JSON object holding `key`; returns it.
fn wait_for_key(port: u16, key: &str, dev_stderr: impl Fn() -> String) -> Value {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let reply = http_get(port, "/").filter(|r| r.status == 200);
        if let Some(body) = reply.and_then(|r| serde_json::from_slice::<Value>(&r.body).ok()) {
            if body.get(key).is_some() {
                return body;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no `{key}` in kvcounter's answer within 180 s; wash dev said:\n{}",
            dev_stderr()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn dev_hot_swaps_edits_survives_a_broken_build_and_stops_only_what_it_started() {
    let lattice = Lattice::up();
    // Something `wash dev` did not start, which must still run after it.
    let echo = lattice.start_example("echo", &["--http_server"]);
    let http = lattice.pack_provider("httpserver", "wasmcloud:httpserver");
    let kv = lattice.pack_provider("kv-nats", "wasmcloud:keyvalue");
    let port = free_port();
    let dev = format!(
        "\n[[dev.providers]]\nreference = \"{}\"\ncontract = \"wasmcloud:httpserver\"\n\
         values = {{ PORT = \"{port}\" }}\n\n[[dev.providers]]\nreference = \"{}\"\n\
         contract = \"wasmcloud:keyvalue\"\n",
        path_str(&http),
        path_str(&kv)
    );
    let project = devcounter_project(lattice.home.path(), "devcounter", &dev);
    let mut child = wash()
        .in_home(lattice.home.path())
        .current_dir(&project)
        .env("CARGO_TARGET_DIR", examples_target_dir())
        .args(["dev", "--debounce-ms", "200"])
        .spawn();
    // The first build may compile the SDK crates from scratch (a clean target folder).
    wait_for_stderr(&mut child, "Watching");
    assert_eq!(first_count(port), 1, "{}", child.stderr());

    // An edit (the JSON key) is rebuilt and swapped in: the count goes on in the same bucket.
    let source = project.join("src/lib.rs");
    edit(
        &source,
        "json!({ \"counter\": counter })",
        "json!({ \"count\": counter })",
    );
    let answer = wait_for_key(port, "count", || child.stderr());
    assert!(answer["count"].as_i64().is_some_and(|n| n >= 3), "{answer}");

    // A syntax error: the build fails, is shown, and the swapped-in version keeps answering.
    edit(&source, "fn counter_key(", "fn counter_key(((");
    wait_for_stderr(&mut child, "the running version keeps serving");
    assert!(child.stderr().contains("error"), "{}", child.stderr());
    let answer = wait_for_key(port, "count", || child.stderr());
    assert!(answer["count"].is_i64(), "{answer}");

    // Ctrl-C: the actor, both providers and both links go; echo and the host stay.
    let status = child.interrupt(Duration::from_secs(60));
    assert!(status.success(), "{status}: {}", child.stderr());
    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    let actors: Vec<&str> = inventory["inventory"]["actors"]
        .as_array()
        .expect("actors")
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(actors, [echo.as_str()], "{inventory}");
    assert_eq!(
        inventory["inventory"]["providers"],
        serde_json::json!([]),
        "{inventory}"
    );
    let links = lattice.wash_json(&["ctl", "link", "query"]);
    assert_eq!(links["links"], serde_json::json!([]), "{links}");
}

#[test]
fn dev_starts_a_lattice_when_none_answers_and_stops_it() {
    let home = tempfile::tempdir().expect("home");
    let project = devcounter_project(home.path(), "devlattice", "");
    let port = free_port().to_string();
    let mut child = wash()
        .in_home(home.path())
        .current_dir(&project)
        .env("CARGO_TARGET_DIR", examples_target_dir())
        .args(["dev", "--ctl-port", &port])
        .spawn();
    wait_for_stderr(&mut child, "Watching");
    let inventory = wash()
        .in_home(home.path())
        .args(["ctl", "get", "inventory", "--ctl-port", &port, "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(
        inventory["inventory"]["actors"][0]["name"], "devlattice",
        "{inventory}"
    );
    let status = child.interrupt(Duration::from_secs(60));
    assert!(status.success(), "{status}: {}", child.stderr());
    assert!(
        !home.path().join(".wash/host.json").exists(),
        "the lattice wash dev started is still recorded: {}",
        child.stderr()
    );
    let out = wash()
        .in_home(home.path())
        .args(["ctl", "get", "hosts", "--ctl-port", &port])
        .run()
        .assert_code(1);
    assert!(
        out.stderr().contains("no NATS server answers"),
        "{}",
        out.stderr()
    );
}

/// Ctrl-C while the host is still downloading a `[dev]` provider (the registry sits behind a proxy
/// that holds back every reply for 4 s): `wash dev` waits for that start to finish and stops the
/// provider, so nothing it started comes up after it has gone.
#[test]
fn dev_stops_a_provider_whose_start_ctrl_c_interrupted() {
    let lattice = Lattice::up();
    let registry = Registry::start();
    let archive = lattice.pack_provider("httpserver", "wasmcloud:httpserver");
    let pushed = format!("{}/httpserver:0.1.0", registry.host());
    lattice.wash_json(&["reg", "push", &pushed, path_str(&archive)]);
    let proxy = SlowProxy::start(registry.port(), Duration::from_secs(4));
    let dev = format!(
        "\n[[dev.providers]]\nreference = \"{}/httpserver:0.1.0\"\n\
         contract = \"wasmcloud:httpserver\"\nvalues = {{ PORT = \"{}\" }}\n",
        proxy.host(),
        free_port()
    );
    let project = devcounter_project(lattice.home.path(), "devinterrupt", &dev);
    let mut child = wash()
        .in_home(lattice.home.path())
        .current_dir(&project)
        .env("CARGO_TARGET_DIR", examples_target_dir())
        .args(["dev"])
        .spawn();
    wait_for_stderr(&mut child, "Started actor");
    // Once the host connects to the proxy, it has accepted the provider's start and is downloading
    // it, for at least the proxy's 4 s.
    let deadline = Instant::now() + Duration::from_secs(60);
    while proxy.connections() == 0 {
        assert!(
            Instant::now() < deadline,
            "the host did not start downloading the provider within 60 s: {}",
            child.stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let interrupted = Instant::now();
    let status = child.interrupt(Duration::from_secs(90));
    let stderr = child.stderr();
    assert!(status.success(), "{status}: {stderr}");
    assert!(
        stderr.contains("to finish starting, to stop it"),
        "wash dev did not wait for the interrupted start: {stderr}"
    );
    assert!(stderr.contains("Stopped provider"), "{stderr}");
    // Past the proxy's delay, nothing `wash dev` started is running.
    std::thread::sleep(Duration::from_secs(6).saturating_sub(interrupted.elapsed()));
    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    assert_eq!(
        inventory["inventory"]["providers"],
        serde_json::json!([]),
        "{inventory}\n{stderr}"
    );
    assert_eq!(
        inventory["inventory"]["actors"],
        serde_json::json!([]),
        "{inventory}\n{stderr}"
    );
}
