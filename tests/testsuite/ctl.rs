//! `wash ctl` on a real lattice: the seed's deploy flow typed by hand, link deletion, stop, scale and
//! live update, a start whose download outlasts the ack timeout, the friendly errors when nothing
//! listens, and ids of the wrong kind.

use std::time::Duration;

use serde_json::Value;
use wash_test_support::{free_port, http_get, wash, NatsServer, Registry, SlowProxy};

use crate::lattice::{path_str, Lattice};
use crate::snapshot::assert_help_snapshot;

const ACTOR: &str = "MBCFOPM6JW2APJLXJD3Z5O4CN7CPYJ2B4FTKLJUR5YR5MITIU7HD3WD5";
const PROVIDER: &str = "VAG3QITQQ2ODAOWB5TTQSDJ53XK3SHBEIFNK4AYJ5RKAX2UNSCAPHA5M";

fn actors(inventory: &Value) -> Vec<Value> {
    inventory["inventory"]["actors"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The seed's flow by hand: start the actor and both providers, put both links, and HTTP requests count
/// up; the inventory lists all three; deleting the kv link makes the next request a clean 500 naming
/// the missing link; stopping the actor removes it from the inventory.
#[test]
fn seed_flow_by_hand_then_link_del_and_stop() {
    let lattice = Lattice::up();
    let actor = lattice.start_kvcounter();
    let crate::lattice::Served { port, http, kv } = lattice.serve_over_http(&actor, "kv-nats", &[]);
    assert_eq!(crate::lattice::first_count(port), 1);
    let second = http_get(port, "/").expect("answer");
    assert_eq!(second.text(), r#"{"counter":2}"#);

    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    assert_eq!(inventory["inventory"]["host_id"], lattice.host_id.as_str());
    let listed = actors(&inventory);
    assert_eq!(listed.len(), 1, "{inventory}");
    assert_eq!(listed[0]["id"], actor.as_str());
    assert_eq!(listed[0]["name"], "kvcounter");
    let mut providers: Vec<(String, String)> = inventory["inventory"]["providers"]
        .as_array()
        .expect("providers")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap_or_default().to_owned(),
                p["contract_id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    providers.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        providers,
        [
            (http.clone(), "wasmcloud:httpserver".to_owned()),
            (kv.clone(), "wasmcloud:keyvalue".to_owned())
        ]
    );
    let links = lattice.wash_json(&["ctl", "link", "query"]);
    assert_eq!(links["links"].as_array().map(Vec::len), Some(2), "{links}");

    let deleted = lattice.wash_json(&["ctl", "link", "del", &actor, "wasmcloud:keyvalue"]);
    assert_eq!(deleted["contract_id"], "wasmcloud:keyvalue");
    // The host answers the deletion once it has applied it, so the very next request is refused.
    let failed = http_get(port, "/").expect("answer");
    assert_eq!(failed.status, 500, "{}", failed.text());
    assert!(
        failed
            .text()
            .contains("missing link definition for wasmcloud:keyvalue"),
        "{}",
        failed.text()
    );

    let stopped = lattice.wash_json(&["ctl", "stop", "actor", &actor]);
    assert_eq!(stopped["host_id"], lattice.host_id.as_str());
    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    assert!(actors(&inventory).is_empty(), "{inventory}");
    // Stopping it again is refused: exit 1 and the reason.
    let again = wash()
        .in_home(lattice.home.path())
        .args(["ctl", "stop", "actor", &actor])
        .run()
        .assert_code(1);
    assert!(
        again.stderr().contains("is not running on lattice"),
        "{}",
        again.stderr()
    );
}

/// `ctl scale actor --count 3` leaves three instances; a module re-signed with revision 2 replaces it
/// live with `ctl update actor`, and every instance reports the new revision.
#[test]
fn scale_to_three_then_update_to_a_new_revision() {
    let lattice = Lattice::up();
    let actor = lattice.start_kvcounter();
    let signed = lattice.path("kvcounter_s.wasm");
    let scaled = lattice.wash_json(&[
        "ctl",
        "scale",
        "actor",
        &actor,
        path_str(&signed),
        "--count",
        "3",
    ]);
    assert_eq!(scaled["instances"], 3, "{scaled}");
    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    let listed = actors(&inventory);
    assert_eq!(
        listed[0]["instances"].as_array().map(Vec::len),
        Some(3),
        "{inventory}"
    );

    let (v2, claims) = lattice.sign_kvcounter_revision(2);
    assert_eq!(
        claims["module"],
        actor.as_str(),
        "same module key: {claims}"
    );
    let updated = lattice.wash_json(&["ctl", "update", "actor", &actor, path_str(&v2)]);
    assert_eq!(updated["revision"], 2, "{updated}");
    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    let revisions: Vec<i64> = actors(&inventory)[0]["instances"]
        .as_array()
        .expect("instances")
        .iter()
        .filter_map(|i| i["revision"].as_i64())
        .collect();
    assert_eq!(revisions, [2, 2, 2], "{inventory}");
    // The inventory names the module the actor now runs (wadm finds an actor's instances by it).
    let v2_ref = std::fs::canonicalize(&v2).expect("v2 path");
    assert_eq!(
        actors(&inventory)[0]["image_ref"],
        path_str(&v2_ref),
        "{inventory}"
    );

    let down = lattice.wash_json(&["ctl", "scale", "actor", &actor, path_str(&v2), "-c", "0"]);
    assert_eq!(down["instances"], 0, "{down}");
    assert!(actors(&lattice.wash_json(&["ctl", "get", "inventory"])).is_empty());
}

/// The registry variant: kvcounter revisions 1 and 2 pushed with `wash reg push`, started, scaled to
/// two and live-updated by OCI reference; the inventory shows the reference and revision 2.
#[test]
fn start_scale_and_update_by_oci_reference() {
    let registry = Registry::start();
    let lattice = Lattice::up();
    let mut refs = Vec::new();
    for rev in [1, 2] {
        let (signed, _) = lattice.sign_kvcounter_revision(rev);
        let reference = format!("{}/kvcounter:0.{rev}.0", registry.host());
        lattice.wash_json(&["reg", "push", &reference, path_str(&signed)]);
        refs.push(reference);
    }
    let started = lattice.wash_json(&["ctl", "start", "actor", &refs[0]]);
    assert_eq!(started["actor_ref"], refs[0].as_str(), "{started}");
    let actor = started["actor_id"].as_str().expect("actor id").to_owned();
    let scaled = lattice.wash_json(&["ctl", "scale", "actor", &actor, &refs[0], "-c", "2"]);
    assert_eq!(scaled["instances"], 2, "{scaled}");
    let updated = lattice.wash_json(&["ctl", "update", "actor", &actor, &refs[1]]);
    assert_eq!(updated["revision"], 2, "{updated}");
    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    let listed = actors(&inventory);
    let revisions: Vec<i64> = listed[0]["instances"]
        .as_array()
        .expect("instances")
        .iter()
        .filter_map(|i| i["revision"].as_i64())
        .collect();
    assert_eq!(revisions, [2, 2], "{inventory}");
}

/// A start whose download takes longer than the 2 s ack timeout still succeeds: kvcounter pulled
/// through a proxy that delays every registry reply by 3 s is reported started, with its id, and the
/// inventory lists it.
#[test]
fn start_with_a_download_slower_than_the_ack_timeout_succeeds() {
    const DELAY: Duration = Duration::from_secs(3);
    let registry = Registry::start();
    let lattice = Lattice::up();
    let signed = lattice.sign_example("kvcounter", &["--keyvalue", "--http_server"]);
    let pushed = format!("{}/kvcounter:0.1.0", registry.host());
    lattice.wash_json(&["reg", "push", &pushed, path_str(&signed)]);
    let proxy = SlowProxy::start(registry.port(), DELAY);
    let reference = format!("{}/kvcounter:0.1.0", proxy.host());

    let started = lattice.wash_json(&["ctl", "start", "actor", &reference]);
    let actor = started["actor_id"].as_str().expect("actor id");
    assert!(actor.starts_with('M'), "{started}");
    assert_eq!(started["actor_ref"], reference.as_str(), "{started}");
    assert!(
        proxy.delayed() > 0,
        "the download did not go through the slow proxy"
    );

    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    let listed = actors(&inventory);
    assert_eq!(listed.len(), 1, "{inventory}");
    assert_eq!(listed[0]["id"], actor, "{inventory}");
    assert_eq!(listed[0]["image_ref"], reference.as_str(), "{inventory}");
}

/// With NATS up but no host, every ctl command fails within the timeout with "no host is listening on
/// lattice `default` at <url>: start one with `wash up`", exit 1; with no NATS at all it says so.
#[test]
fn no_host_is_a_friendly_error_and_fast() {
    let nats = NatsServer::start();
    let port = nats.port().to_string();
    let home = tempfile::tempdir().expect("home");
    let module = home.path().join("actor.wasm");
    std::fs::write(&module, b"\0asm").expect("write");
    let commands: [&[&str]; 6] = [
        &["ctl", "get", "hosts"],
        &["ctl", "get", "inventory"],
        &["ctl", "get", "claims"],
        &["ctl", "link", "query"],
        &["ctl", "start", "actor", path_str(&module)],
        &["ctl", "stop", "actor", ACTOR],
    ];
    let expected = format!(
        "no host is listening on lattice `default` at `nats://127.0.0.1:{port}`: start one with `wash up`"
    );
    for args in commands {
        // A control timeout of ten minutes: an answer within the ceiling is the "no responders" one.
        let out = wash()
            .in_home(home.path())
            .args(args)
            .args(["--ctl-port", &port, "--timeout-ms", "600000"])
            .run_within(crate::call::FAST_FAILURE_CEILING)
            .assert_code(1);
        assert!(
            out.stderr().contains(&expected),
            "{args:?}: {}",
            out.stderr()
        );
    }
    let out = wash()
        .in_home(home.path())
        .args(["ctl", "get", "hosts", "--ctl-port", &port, "-o", "json"])
        .run()
        .assert_code(1);
    assert_eq!(out.json()["error"], expected.as_str());

    let nobody = free_port().to_string();
    let out = wash()
        .in_home(home.path())
        .args(["ctl", "get", "hosts", "--ctl-port", &nobody])
        .run()
        .assert_code(1);
    assert!(
        out.stderr().contains(&format!(
            "no NATS server answers at `nats://127.0.0.1:{nobody}`"
        )),
        "{}",
        out.stderr()
    );
}

/// A provider id where the contract id belongs, swapped actor and provider ids, and a contract where an
/// actor id belongs are each explained (exit 1) before anything is sent.
#[test]
fn mixed_up_ids_are_explained() {
    let nobody = free_port().to_string();
    let cases: [(&[&str], &str); 4] = [
        (
            &["ctl", "link", "put", ACTOR, PROVIDER, PROVIDER],
            "is a provider id (V…), not a contract id",
        ),
        (
            &["ctl", "link", "put", PROVIDER, ACTOR, "wasmcloud:keyvalue"],
            "the actor and provider ids are swapped",
        ),
        (
            &["ctl", "link", "del", "wasmcloud:keyvalue", ACTOR],
            "is a contract id, not an actor id",
        ),
        (
            &["ctl", "stop", "provider", ACTOR],
            "is an actor id (M…), not a provider id",
        ),
    ];
    for (args, message) in cases {
        let out = wash()
            .args(args)
            .args(["--ctl-port", &nobody])
            .run()
            .assert_code(1);
        assert!(out.stderr().contains(message), "{args:?}: {}", out.stderr());
    }
}

/// NATS auth: a server admitting one nkey refuses `wash ctl` without credentials (saying how to pass
/// them) and admits it with `--ctl-seed` (a literal or a file) or with `ctl_seed` in the context — it
/// then gets as far as "no host is listening".
#[test]
fn nkey_auth_from_flag_file_and_context() {
    let keys = wash()
        .args(["keys", "gen", "user", "-o", "json"])
        .run()
        .success()
        .json();
    let seed = keys["seed"].as_str().expect("seed").to_owned();
    let nats = wash_test_support::secured::start_nkey_server(&[keys["public_key"]
        .as_str()
        .expect("public key")
        .to_owned()]);
    let port = nats.port().to_string();
    let home = tempfile::tempdir().expect("home");
    let run = |extra: &[&str]| {
        wash()
            .in_home(home.path())
            .args(["ctl", "get", "hosts", "--ctl-port", &port])
            .args(extra)
            .run()
            .assert_code(1)
            .stderr()
    };
    let refused = run(&[]);
    assert!(refused.contains("requires credentials"), "{refused}");
    assert!(
        !refused.to_lowercase().contains("authorization violation"),
        "only wash's own explanation: {refused}"
    );
    assert!(refused.contains("--ctl-credsfile"), "{refused}");
    assert!(run(&["--ctl-seed", &seed]).contains("no host is listening"));
    let seed_file = home.path().join("user.nk");
    std::fs::write(&seed_file, &seed).expect("write seed");
    assert!(run(&["--ctl-seed", path_str(&seed_file)]).contains("no host is listening"));
    let contexts = home.path().join(".wash/contexts");
    std::fs::create_dir_all(&contexts).expect("contexts dir");
    std::fs::write(
        contexts.join("default.json"),
        serde_json::json!({"name": "default", "ctl_seed": seed}).to_string(),
    )
    .expect("write context");
    assert!(run(&[]).contains("no host is listening"));
}

/// `wash ctl --help` and the help of its scale and update commands match their snapshots.
#[test]
fn help_snapshots() {
    assert_help_snapshot("ctl", &["ctl"]);
    assert_help_snapshot("ctl_start_actor", &["ctl", "start", "actor"]);
    assert_help_snapshot("ctl_link_put", &["ctl", "link", "put"]);
    assert_help_snapshot("ctl_scale_actor", &["ctl", "scale", "actor"]);
    assert_help_snapshot("ctl_update_actor", &["ctl", "update", "actor"]);
}
