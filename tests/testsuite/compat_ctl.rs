//! wash 0.18.1's control-interface command lines (`ctl`, `call`, the top-level `get|start|stop|link`
//! shortcuts, `spy`) run against our binary on a real lattice: each keeps the meaning it had in 0.x
//! (docs/compat.md). Every test checks the effect on the lattice, not only the exit code.

use std::time::{Duration, Instant};

use serde_json::Value;
use wash_test_support::wash;

use crate::lattice::{path_str, Lattice};

/// Waits (up to 20 s) until `check` holds for the JSON `wash <args> -o json` prints in `home`.
fn eventually(lattice: &Lattice, args: &[&str], check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let json = lattice.wash_json(args);
        if check(&json) {
            return json;
        }
        assert!(Instant::now() < deadline, "never held: {json}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The instances of `actor` in the inventory JSON of the only host.
fn instances(inventory: &Value, actor: &str) -> usize {
    inventory["inventory"]["actors"]
        .as_array()
        .expect("actors")
        .iter()
        .filter(|a| a["id"] == actor)
        .map(|a| a["instances"].as_array().map_or(0, Vec::len))
        .sum()
}

/// 0.18.1's connection shorts of every `ctl` command: `-r` host, `-p` port, `-t` timeout, and
/// `--lattice-prefix` (our `-x`/`--lattice`), from a home without any context; `--context` also takes the
/// path of a context file. A wrong lattice prefix finds no host, so the flags are really used.
#[test]
fn ctl_takes_the_0x_connection_shorts_and_a_context_file() {
    let lattice = Lattice::up_with(&["-x", "compat"]);
    let port = lattice.nats.port().to_string();
    let empty = tempfile::tempdir().expect("temp home");
    let hosts = |extra: &[&str]| {
        wash()
            .in_home(empty.path())
            .args(["ctl", "get", "hosts", "-o", "json"])
            .args(extra)
            .run()
    };
    for flags in [
        [
            "-r",
            "127.0.0.1",
            "-p",
            &port,
            "-t",
            "3000",
            "--lattice-prefix",
            "compat",
        ],
        [
            "--ctl-host",
            "127.0.0.1",
            "-p",
            &port,
            "-t",
            "3000",
            "-x",
            "compat",
        ],
    ] {
        let out = hosts(&flags).success();
        assert_eq!(
            out.json()["hosts"][0]["id"],
            lattice.host_id.as_str(),
            "{flags:?}"
        );
    }
    let out = hosts(&["-r", "127.0.0.1", "-p", &port, "--lattice-prefix", "other"]);
    assert_eq!(out.code(), 1, "{}", out.stdout());

    // A context file outside ~/.wash/contexts, in wash 0.18.1's format.
    let file = empty.path().join("elsewhere.json");
    let context = serde_json::json!({
        "name": "elsewhere", "cluster_seed": "", "ctl_host": "127.0.0.1", "ctl_port": lattice.nats.port(),
        "ctl_jwt": "", "ctl_seed": "", "ctl_credsfile": null, "ctl_timeout": 2000,
        "lattice_prefix": "compat", "js_domain": null, "rpc_host": "127.0.0.1",
        "rpc_port": lattice.nats.port(), "rpc_jwt": "", "rpc_seed": "", "rpc_credsfile": null,
        "rpc_timeout": 2000
    });
    std::fs::write(&file, context.to_string()).expect("write context");
    let out = hosts(&["--context", path_str(&file)]).success();
    assert_eq!(out.json()["hosts"][0]["id"], lattice.host_id.as_str());
    let out = hosts(&["--context", "./missing.json"]);
    assert_eq!(out.code(), 1);
    assert!(out.stdout().contains("missing.json"), "{}", out.stdout());
}

/// `ctl start actor|provider -c LABEL=VALUE` is 0.18.1's auction constraint: a label no host has starts
/// nothing, the host's own label starts it. `--config-json FILE` sends the file (refused when it is not
/// JSON), and `ctl stop actor HOST ACTOR --skip-wait` (0.x) stops it.
#[test]
fn ctl_start_takes_the_0x_constraint_short_config_file_and_skip_wait() {
    let lattice = Lattice::up();
    let signed = lattice.sign_example("kvcounter", &["--keyvalue", "--http_server"]);
    let home = lattice.home.path();
    let start = |extra: &[&str]| {
        wash()
            .in_home(home)
            .args(["ctl", "start", "actor", path_str(&signed), "-o", "json"])
            .args(extra)
            .run()
    };
    let out = start(&["-c", "hostcore.os=plan9"]);
    assert_eq!(out.code(), 1, "{}", out.stdout());
    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    assert_eq!(inventory["inventory"]["actors"], serde_json::json!([]));
    let os = format!("hostcore.os={}", std::env::consts::OS);
    let out = start(&["-c", &os]).success();
    let actor = out.json()["actor_id"]
        .as_str()
        .expect("actor id")
        .to_owned();
    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    assert_eq!(instances(&inventory, &actor), 1);

    let host = lattice.host_id.as_str();
    lattice.wash_json(&["ctl", "stop", "actor", host, &actor, "--skip-wait"]);
    eventually(&lattice, &["ctl", "get", "inventory"], |inv| {
        instances(inv, &actor) == 0
    });

    let archive = lattice.pack_provider("kv-nats", "wasmcloud:keyvalue");
    let bad = lattice.path("bad.json");
    std::fs::write(&bad, "{ not json").expect("write");
    let out = wash()
        .in_home(home)
        .args([
            "ctl",
            "start",
            "provider",
            path_str(&archive),
            "--config-json",
        ])
        .arg(&bad)
        .run();
    assert_eq!(out.code(), 1);
    assert!(out.stderr().contains("is not JSON"), "{}", out.stderr());
    let good = lattice.path("config.json");
    std::fs::write(&good, r#"{"bucket": "compat"}"#).expect("write");
    let started = lattice.wash_json(&[
        "ctl",
        "start",
        "provider",
        path_str(&archive),
        "--config-json",
        path_str(&good),
        "-c",
        &os,
    ]);
    let provider = started["provider_id"].as_str().expect("provider id");
    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    let providers = inventory["inventory"]["providers"]
        .as_array()
        .expect("providers");
    assert!(providers.iter().any(|p| p["id"] == provider), "{inventory}");
}
