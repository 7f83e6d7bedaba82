//! Switching between wash 0.18.1 and this wash in one `~/.wash`: files written exactly as 0.18.1
//! writes them (compact JSON, `""` for unset seeds, `lattice_prefix`, `downloads/*.pid`) work with
//! ours against a real nats-server, and what ours writes has what 0.18.1 needs to load it.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;
use wash_test_support::{wash, NatsServer};

use crate::lattice::Lattice;

/// A context file as wash 0.18.1 writes it (`ctx new`, and `host_config` on every ctl command).
fn context_0_18(name: &str, port: u16, lattice: &str) -> String {
    format!(
        r#"{{"name":"{name}","cluster_seed":"","ctl_host":"127.0.0.1","ctl_port":{port},"ctl_jwt":"","ctl_seed":"","ctl_credsfile":null,"ctl_timeout":2000,"lattice_prefix":"{lattice}","js_domain":null,"rpc_host":"127.0.0.1","rpc_port":{port},"rpc_jwt":"","rpc_seed":"","rpc_credsfile":null,"rpc_timeout":2000}}"#
    )
}

/// Writes `contexts/<name>.json` and, if `default`, `contexts/index.json` the way 0.18.1 does.
fn write_context_0_18(home: &Path, name: &str, port: u16, lattice: &str, default: bool) {
    let dir = home.join(".wash/contexts");
    std::fs::create_dir_all(&dir).expect("contexts dir");
    std::fs::write(
        dir.join(format!("{name}.json")),
        context_0_18(name, port, lattice),
    )
    .expect("write context");
    if default {
        std::fs::write(dir.join("index.json"), format!(r#"{{"name":"{name}"}}"#))
            .expect("write index");
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("read json");
    serde_json::from_str(&text).expect("parse json")
}

fn host_ids(home: &Path, extra: &[&str]) -> Vec<String> {
    let out = wash()
        .in_home(home)
        .args(["ctl", "get", "hosts", "-o", "json"])
        .args(extra)
        .run()
        .success();
    out.json()["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .filter_map(|h| h["id"].as_str().map(str::to_owned))
        .collect()
}

/// `wash up --detached` on `nats` for `lattice` in `home`; returns the host id.
fn up(home: &Path, nats: &NatsServer, lattice: &str) -> String {
    let out = wash()
        .in_home(home)
        .args([
            "up",
            "--detached",
            "--nats-url",
            &nats.url(),
            "--lattice",
            lattice,
        ])
        .args(["-o", "json"])
        .run();
    let out = out.success();
    out.json()["host_id"].as_str().expect("host id").to_owned()
}

/// The keys wash 0.18.1 fails to load a context without.
const REQUIRED_BY_0_18: [&str; 5] = ["cluster_seed", "ctl_jwt", "ctl_seed", "rpc_jwt", "rpc_seed"];

/// After wash 0.18.1 ran once (its `host_config` with `""` seeds and JWTs, made the default by its
/// `index.json`), `wash ctl get hosts` works instead of refusing the empty seed.
#[test]
fn a_0_18_host_config_with_empty_seeds_works() {
    let lattice = Lattice::up();
    let home = lattice.home.path();
    write_context_0_18(home, "host_config", lattice.nats.port(), "default", true);
    assert_eq!(host_ids(home, &[]), [lattice.host_id.as_str()]);
}

/// A 0.18.1 context for lattice `staging` makes our ctl talk to `staging` (not `default`); a context
/// ours writes for `staging` has 0.18.1's `lattice_prefix` and every key 0.18.1 requires.
#[test]
fn the_lattice_prefix_is_shared_both_ways() {
    let nats = NatsServer::start();
    let home = TempDir::new().expect("home");
    let staging = up(home.path(), &nats, "staging");
    write_context_0_18(home.path(), "staging", nats.port(), "staging", true);
    assert_eq!(host_ids(home.path(), &[]), [staging.as_str()]);
    write_context_0_18(home.path(), "other", nats.port(), "default", false);
    let other = wash()
        .in_home(home.path())
        .args(["ctl", "get", "hosts", "--context", "other"])
        .run()
        .assert_code(1);
    assert!(
        other.stderr().contains("lattice `default`"),
        "a context for `default` reaches `default`: {}",
        other.stderr()
    );

    let port = nats.port().to_string();
    wash()
        .in_home(home.path())
        .args([
            "ctx",
            "new",
            "ours",
            "--ctl-port",
            &port,
            "--lattice",
            "staging",
        ])
        .run()
        .success();
    let written = read_json(&home.path().join(".wash/contexts/ours.json"));
    assert_eq!(written["lattice_prefix"], "staging");
    assert_eq!(written["js_domain"], Value::Null);
    for key in REQUIRED_BY_0_18 {
        assert_eq!(written[key], "", "{key} must be present, `\"\"` when unset");
    }
    assert_eq!(
        host_ids(home.path(), &["--context", "ours"]),
        [staging.as_str()]
    );
    wash().in_home(home.path()).arg("down").run().success();
}

/// With 0.18.1's `index.json` naming `host_config`, our `wash up` records its lattice there (keeping
/// `js_domain` and writing what 0.18.1 requires) and does not touch or trip over a 0.18.1 `default`.
#[test]
fn up_records_into_the_context_index_json_names() {
    let nats = NatsServer::start();
    let home = TempDir::new().expect("home");
    write_context_0_18(home.path(), "host_config", 4222, "default", true);
    let host_config = home.path().join(".wash/contexts/host_config.json");
    let text = std::fs::read_to_string(&host_config).expect("read");
    std::fs::write(
        &host_config,
        text.replace(r#""js_domain":null"#, r#""js_domain":"edge""#),
    )
    .expect("write");
    write_context_0_18(home.path(), "default", 4222, "default", false);
    let default_before =
        std::fs::read_to_string(home.path().join(".wash/contexts/default.json")).expect("read");

    let host = up(home.path(), &nats, "blue");
    let recorded = read_json(&host_config);
    assert_eq!(recorded["name"], "host_config");
    assert_eq!(recorded["ctl_port"], nats.port());
    assert_eq!(recorded["lattice_prefix"], "blue");
    assert_eq!(recorded["js_domain"], "edge");
    assert!(
        recorded["cluster_seed"]
            .as_str()
            .is_some_and(|s| s.starts_with("SC")),
        "{recorded}"
    );
    for key in ["ctl_jwt", "ctl_seed", "rpc_jwt", "rpc_seed"] {
        assert_eq!(recorded[key], "", "{key}");
    }
    assert_eq!(
        std::fs::read_to_string(home.path().join(".wash/contexts/default.json")).expect("read"),
        default_before
    );
    assert_eq!(host_ids(home.path(), &[]), [host.as_str()]);
    wash().in_home(home.path()).arg("down").run().success();
}

/// A `downloads/nats.pid` that wash 0.18.1's `up` left, naming a running nats-server, is stopped by
/// our `wash down`, and the pid file removed.
#[test]
fn down_stops_the_nats_server_0_18_recorded() {
    let mut nats = NatsServer::start();
    let home = TempDir::new().expect("home");
    let downloads = home.path().join(".wash/downloads");
    std::fs::create_dir_all(&downloads).expect("downloads");
    std::fs::write(downloads.join("nats.pid"), nats.pid().to_string()).expect("pid file");
    let out = wash()
        .in_home(home.path())
        .args(["down", "-o", "json"])
        .run()
        .success();
    let report = out.json();
    assert_eq!(
        report["wash_0_18_pid_files"][0]["stopped"], true,
        "{report}"
    );
    assert_eq!(
        wash_local::probe_nats(nats.port()),
        wash_local::NatsProbe::Free
    );
    assert!(!downloads.join("nats.pid").exists());
    nats.stop();
}

/// A 0.18.1 pid file naming a live process that is not what it recorded (here `sleep`) is reported
/// stale; that process is not signalled and survives.
#[test]
fn down_leaves_an_unrelated_process_alone() {
    let home = TempDir::new().expect("home");
    let downloads = home.path().join(".wash/downloads");
    std::fs::create_dir_all(&downloads).expect("downloads");
    let mut sleeper = Command::new("sleep").arg("100").spawn().expect("sleep");
    let pid = sleeper.id().to_string();
    std::fs::write(downloads.join("nats.pid"), &pid).expect("pid file");
    std::fs::write(downloads.join("wadm.pid"), &pid).expect("pid file");
    let out = wash().in_home(home.path()).arg("down").run().success();
    assert!(
        out.stdout().contains("stale pid file") && out.stdout().contains(&pid),
        "{}",
        out.stdout()
    );
    assert!(
        sleeper.try_wait().expect("try_wait").is_none(),
        "the unrelated process survives"
    );
    let _ = sleeper.kill();
    let _ = sleeper.wait();
}
