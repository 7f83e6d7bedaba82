//! Several hosts, one lattice: hosts started by `wash up` from different homes on one NATS, the 0.x
//! auction placing actors and providers on the host whose labels match, an actor on one host calling
//! providers on another, `ctl scale` and `ctl stop host` across hosts.

use std::collections::BTreeSet;

use serde_json::Value;
use tempfile::TempDir;
use wash_test_support::{free_port, wash, LeafHub, NatsCluster, RedisServer};

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
    context["cluster_seed"]
        .as_str()
        .expect("cluster seed")
        .to_owned()
}

impl SecondHost {
    /// Joins on the lattice's own NATS server.
    pub(crate) fn join(lattice: &Lattice, extra: &[&str]) -> Self {
        let url = lattice.nats.url();
        Self::join_with(lattice, &["--nats-url", &url], extra)
    }

    /// Joins with `nats` (the flags that say where NATS is) and `extra`.
    pub(crate) fn join_with(lattice: &Lattice, nats: &[&str], extra: &[&str]) -> Self {
        let home = tempfile::tempdir().expect("second home");
        let out = wash()
            .in_home(home.path())
            .env("WASMCLOUD_CLUSTER_SEED", cluster_seed(lattice.home.path()))
            .args(["up", "-d", "-o", "json"])
            .args(nats)
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

    let redis = RedisServer::start();
    let Split {
        actor,
        signed,
        actor_host,
        provider_hosts,
        port,
    } = split_demo(
        &lattice,
        &redis,
        &["-c", "role=actors"],
        &["--constraint", "role=providers"],
    );
    assert_eq!(
        actor_host, lattice.host_id,
        "the auction placed the actor by label"
    );
    assert_eq!(
        provider_hosts,
        [second.host_id.clone(), second.host_id.clone()]
    );
    let (actors_1, providers_1) = inventory_ids(&lattice, &lattice.host_id);
    let (actors_2, providers_2) = inventory_ids(&lattice, &second.host_id);
    assert_eq!((actors_1, providers_1.len()), (vec![actor.clone()], 0));
    assert_eq!((actors_2.len(), providers_2.len()), (0, 2));

    let counts = crate::lattice::concurrent_counts(port, 999, 32);
    assert_eq!(
        counts,
        (2..=1000).collect::<Vec<i64>>(),
        "every request counted once"
    );

    // The dashboard shows both hosts.
    let (_ui, ui_port) = crate::ui::start_ui(&lattice);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let view: Value = wash_test_support::http_get(ui_port, "/api/view")
            .and_then(|reply| serde_json::from_slice(&reply.body).ok())
            .unwrap_or_default();
        let shown: BTreeSet<String> = view["hosts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h["id"].as_str().map(str::to_owned))
            .collect();
        if shown == BTreeSet::from([lattice.host_id.clone(), second.host_id.clone()]) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the dashboard shows {view}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }

    // The actor on host 2 as well; a command that needs one host says which ones it found; with
    // host 1 stopped, host 2 keeps counting.
    let scaled = lattice.wash_json(&[
        "ctl",
        "scale",
        "actor",
        &second.host_id,
        &actor,
        path_str(&signed),
        "-c",
        "1",
    ]);
    assert_eq!(scaled["instances"], 1, "{scaled}");
    let ambiguous = wash()
        .in_home(lattice.home.path())
        .args(["ctl", "get", "inventory", "-o", "json"])
        .run()
        .assert_code(1);
    let error = ambiguous.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        error.contains(&lattice.host_id) && error.contains(&second.host_id),
        "the error names the hosts it found: {error}"
    );
    lattice.wash_json(&["ctl", "stop", "host", &lattice.host_id]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while host_ids(&lattice) != BTreeSet::from([second.host_id.clone()]) {
        assert!(
            std::time::Instant::now() < deadline,
            "host 1 is still listed"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(counter(port), 1001, "host 2 serves on");
    assert_eq!(counter(port), 1002);

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

/// What [`split_demo`] started: the actor, where each piece runs, and the port kvcounter counts on.
struct Split {
    actor: String,
    signed: std::path::PathBuf,
    actor_host: String,
    provider_hosts: Vec<String>,
    port: u16,
}

/// Starts kvcounter placed by `actor_placement` (`--host-id ID`, or `-c KEY=VALUE` for the auction) and
/// httpserver + kv-redis placed by `provider_placement`, links them, and waits until it counts 1.
fn split_demo(
    lattice: &Lattice,
    redis: &RedisServer,
    actor_placement: &[&str],
    provider_placement: &[&str],
) -> Split {
    let signed = lattice.sign_example("kvcounter", &["--keyvalue", "--http_server"]);
    let mut args = vec!["ctl", "start", "actor", path_str(&signed)];
    args.extend_from_slice(actor_placement);
    let started = lattice.wash_json(&args);
    let actor = started["actor_id"].as_str().expect("actor id").to_owned();
    let actor_host = started["host_id"].as_str().expect("host id").to_owned();
    let (mut providers, mut provider_hosts) = (Vec::new(), Vec::new());
    for (binary, contract) in [
        ("httpserver", "wasmcloud:httpserver"),
        ("kv-redis", "wasmcloud:keyvalue"),
    ] {
        let archive = lattice.pack_provider(binary, contract);
        let mut args = vec!["ctl", "start", "provider", path_str(&archive)];
        args.extend_from_slice(provider_placement);
        let started = lattice.wash_json(&args);
        providers.push(started["provider_id"].as_str().expect("id").to_owned());
        provider_hosts.push(started["host_id"].as_str().expect("host id").to_owned());
    }
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
    Split {
        actor,
        signed,
        actor_host,
        provider_hosts,
        port,
    }
}

/// A three-node NATS cluster (routes, JetStream clustered, the lattice bucket at 3 replicas), two
/// hosts connected with all three URLs. The node both hosts reached first is killed (SIGKILL) under
/// load: every request answered with success has a count of its own (no increment lost or doubled),
/// failures happen only around the failover and are reported; links and claims stay readable; the
/// restarted node rejoins and serves the lattice again.
#[test]
fn a_three_node_cluster_survives_losing_a_node() {
    let mut cluster = NatsCluster::start(3);
    let urls = cluster.urls();
    let first = cluster.nodes.remove(0);
    let first_port = first.port();
    let mut lattice = Lattice::up_on(first, &urls, &["--lattice-replicas", "3"]);
    let second = SecondHost::join_with(&lattice, &["--nats-url", &urls], &[]);
    assert_eq!(bucket_replicas(&cluster.nodes[0].url()), 3);
    let redis = RedisServer::start();
    let host_1 = lattice.host_id.clone();
    let Split { port, .. } = split_demo(
        &lattice,
        &redis,
        &["--host-id", &host_1],
        &["--host-id", &second.host_id],
    );

    let stop = std::sync::atomic::AtomicBool::new(false);
    let (answers, failures) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let mut counts = Vec::new();
                    let mut failures = 0usize;
                    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                        match wash_test_support::http_get(port, "/") {
                            Some(reply) if reply.status == 200 => {
                                let body: Value =
                                    serde_json::from_slice(&reply.body).expect("JSON");
                                counts.push(body["counter"].as_i64().expect("counter"));
                            }
                            _ => failures += 1,
                        }
                    }
                    (counts, failures)
                })
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_secs(2));
        lattice.nats.stop();
        std::thread::sleep(std::time::Duration::from_secs(8));
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let mut answers = Vec::new();
        let mut failures = 0;
        for worker in workers {
            let (counts, failed) = worker.join().expect("worker");
            answers.extend(counts);
            failures += failed;
        }
        (answers, failures)
    });
    let answered = answers.len();
    let distinct: BTreeSet<i64> = answers.iter().copied().collect();
    assert_eq!(distinct.len(), answered, "a count was handed out twice");
    let after = wait_count_after_failover(port);
    assert!(
        after > *distinct.last().expect("answers under load"),
        "counting goes on after the failover"
    );
    assert!(
        usize::try_from(after).unwrap_or(0) > answered + 1,
        "every answered increment is in the store: {after} after {answered} answers"
    );
    eprintln!("[cluster] {answered} answered, {failures} failed around the node loss");

    let links = lattice.wash_json(&["ctl", "get", "links"]);
    assert_eq!(links["links"].as_array().map(Vec::len), Some(2), "{links}");
    let claims = lattice.wash_json(&["ctl", "get", "claims"]);
    assert!(
        claims["claims"].as_array().is_some_and(|c| c.len() >= 3),
        "{claims}"
    );

    lattice.nats.restart();
    let through_restarted = wash()
        .in_home(lattice.home.path())
        .args([
            "ctl",
            "get",
            "hosts",
            "--ctl-port",
            &first_port.to_string(),
            "-o",
            "json",
        ])
        .run()
        .success()
        .json();
    assert_eq!(
        through_restarted["hosts"].as_array().map(Vec::len),
        Some(2),
        "{through_restarted}"
    );
    drop(cluster);
}

/// The count kvcounter answers once it answers again (up to 60 s).
fn wait_count_after_failover(port: u16) -> i64 {
    crate::lattice::wait_for_count(port, "/")
}

/// A host on a leaf node (`wash up --nats-remote-url`, which starts the local leaf nats-server, with the
/// hub's JetStream domain for the lattice bucket) runs kvcounter; the hub's host runs httpserver and
/// kv-redis and calls into it across the leaf connection; links put once apply on both.
#[test]
fn a_host_on_a_leaf_node_serves_the_lattice() {
    let hub = LeafHub::start();
    let leaf_url = hub.leaf_url();
    let hub_url = hub.server.url();
    let lattice = Lattice::up_on(hub.server, &hub_url, &[]);
    let leaf_port = free_port().to_string();
    let leaf = SecondHost::join_with(
        &lattice,
        &["--nats-remote-url", &leaf_url, "--nats-port", &leaf_port],
        &["--wasmcloud-js-domain", "hub"],
    );
    assert_eq!(
        host_ids(&lattice),
        BTreeSet::from([lattice.host_id.clone(), leaf.host_id.clone()])
    );
    let redis = RedisServer::start();
    let Split { actor, port, .. } = split_demo(
        &lattice,
        &redis,
        &["--host-id", &leaf.host_id],
        &["--host-id", &lattice.host_id],
    );
    assert_eq!(counter(port), 2);
    let (actors_on_leaf, _) = inventory_ids(&lattice, &leaf.host_id);
    assert_eq!(actors_on_leaf, vec![actor]);
}

/// The replicas of the lattice bucket's stream, as the JetStream API reports them.
fn bucket_replicas(url: &str) -> usize {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let client = async_nats::connect(url).await.expect("connect");
            let js = async_nats::jetstream::new(client);
            let mut stream = js
                .get_stream("KV_LATTICEDATA_default")
                .await
                .expect("the lattice bucket's stream");
            stream
                .info()
                .await
                .expect("stream info")
                .config
                .num_replicas
        })
}
