//! Several hosts, one lattice: hosts started by `wash up` from different homes on one NATS, the 0.x
//! auction placing actors and providers on the host whose labels match, an actor on one host calling
//! providers on another, `ctl scale` and `ctl stop host` across hosts.

use std::collections::BTreeSet;

use serde_json::Value;
use tempfile::TempDir;
use wash_test_support::{free_port, wash, RedisServer};

use crate::lattice::{counter, first_count, path_str, Lattice};

/// A second host joining `lattice`'s NATS from a home of its own (`wash up -d` with `extra` flags);
/// `wash down` on drop. It signs invocations with the lattice's cluster seed (from the first home's
/// context, where `wash up` recorded it), so the hosts trust each other's calls, as 0.x hosts of one
/// lattice had to.
pub(crate) struct SecondHost {
    pub(crate) home: TempDir,
    pub(crate) host_id: String,
}

/// The cluster seed `wash up` recorded in the default context of `home`.
pub(crate) fn cluster_seed(home: &std::path::Path) -> String {
    let context: Value = serde_json::from_str(
        &std::fs::read_to_string(home.join(".wash/contexts/default.json")).expect("context"),
    )
    .expect("context JSON");
    context["cluster_seed"].as_str().expect("cluster seed").to_owned()
}

impl SecondHost {
    pub(crate) fn join(lattice: &Lattice, extra: &[&str]) -> Self {
        let home = tempfile::tempdir().expect("second home");
        let out = wash()
            .in_home(home.path())
            .env("WASMCLOUD_CLUSTER_SEED", cluster_seed(lattice.home.path()))
            .args(["up", "-d", "--nats-url", &lattice.nats.url(), "-o", "json"])
            .args(extra)
            .run()
            .success();
        let host_id = out.json()["host_id"].as_str().expect("host id").to_owned();
        Self { home, host_id }
    }
}

impl Drop for SecondHost {
    fn drop(&mut self) {
        let _ = wash().in_home(self.home.path()).arg("down").run();
    }
}

/// The hosts `ctl get hosts` lists.
fn host_ids(lattice: &Lattice) -> BTreeSet<String> {
    lattice.wash_json(&["ctl", "get", "hosts"])["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .filter_map(|h| h["id"].as_str().map(str::to_owned))
        .collect()
}

/// The ids of the actors and providers in one host's inventory.
fn inventory_ids(lattice: &Lattice, host: &str) -> (Vec<String>, Vec<String>) {
    let inventory = lattice.wash_json(&["ctl", "get", "inventory", host]);
    let ids = |kind: &str| -> Vec<String> {
        inventory["inventory"][kind]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|entry| entry["id"].as_str().map(str::to_owned))
            .collect()
    };
    (ids("actors"), ids("providers"))
}

/// Two hosts on one NATS: kvcounter on host 1, httpserver and kv-redis on host 2 (placed by the
/// auction on a label only host 2 has); 1,000 requests at concurrency 32 count exactly 1,000. An
/// impossible constraint fails, naming it.
#[test]
fn an_actor_on_one_host_counts_through_providers_on_another() {
    let lattice = Lattice::up_with(&["--label", "role=actors"]);
    let second = SecondHost::join(&lattice, &["--label", "role=providers"]);
    assert_eq!(
        host_ids(&lattice),
        BTreeSet::from([lattice.host_id.clone(), second.host_id.clone()])
    );

    let signed = lattice.sign_example("kvcounter", &["--keyvalue", "--http_server"]);
    let started = lattice.wash_json(&[
        "ctl",
        "start",
        "actor",
        path_str(&signed),
        "-c",
        "role=actors",
    ]);
    assert_eq!(started["host_id"], lattice.host_id.as_str(), "{started}");
    let actor = started["actor_id"].as_str().expect("actor id").to_owned();

    let redis = RedisServer::start();
    let mut providers = Vec::new();
    for (binary, contract) in [
        ("httpserver", "wasmcloud:httpserver"),
        ("kv-redis", "wasmcloud:keyvalue"),
    ] {
        let archive = lattice.pack_provider(binary, contract);
        let started = lattice.wash_json(&[
            "ctl",
            "start",
            "provider",
            path_str(&archive),
            "--constraint",
            "role=providers",
        ]);
        assert_eq!(started["host_id"], second.host_id.as_str(), "{started}");
        providers.push(started["provider_id"].as_str().expect("id").to_owned());
    }
    let (actors_1, providers_1) = inventory_ids(&lattice, &lattice.host_id);
    let (actors_2, providers_2) = inventory_ids(&lattice, &second.host_id);
    assert_eq!((actors_1, providers_1.len()), (vec![actor.clone()], 0));
    assert_eq!((actors_2.len(), providers_2.len()), (0, 2));

    let port = free_port();
    lattice.link(
        &actor,
        &providers[0],
        "wasmcloud:httpserver",
        &[&format!("PORT={port}")],
    );
    lattice.link(
        &actor,
        &providers[1],
        "wasmcloud:keyvalue",
        &[&format!("URL={}", redis.url())],
    );
    assert_eq!(first_count(port), 1);
    let mut counts: Vec<i64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..32)
            .map(|worker| {
                scope.spawn(move || {
                    let share = 999 / 32 + usize::from(worker < 999 % 32);
                    (0..share).map(|_| counter(port)).collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    counts.sort_unstable();
    assert_eq!(
        counts,
        (2..=1000).collect::<Vec<i64>>(),
        "every request counted once"
    );

    let impossible = wash()
        .in_home(lattice.home.path())
        .args([
            "ctl",
            "start",
            "actor",
            path_str(&signed),
            "-c",
            "role=databases",
            "-o",
            "json",
        ])
        .run()
        .assert_code(1);
    let error: Value = impossible.json();
    let error = error["error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("role=databases"), "{error}");
}
