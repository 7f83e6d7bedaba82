//! The seed's kvcounter on `kv-vault` through `wash up` / `wash ctl`: the actor is unchanged, only the
//! keyvalue provider and its link differ, and check-and-set keeps every count under contention.

use std::time::Duration;

use serde_json::Value;
use wash_test_support::{free_port, http_get, wait_for_http, VaultServer};

use crate::lattice::Lattice;

fn counter(port: u16) -> i64 {
    let reply = http_get(port, "/").expect("kvcounter answers");
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body: Value =
        serde_json::from_slice(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.text()));
    body["counter"].as_i64().expect("counter is a number")
}

/// kvcounter linked to httpserver and kv-vault (a real OpenBao dev server): 100 sequential requests
/// count 1..=100, then 500 requests from 16 threads each get a distinct count, 101..=600, and Vault
/// holds 600 under the link's prefix.
#[test]
fn kvcounter_on_kv_vault_counts_every_request() {
    let vault = VaultServer::start();
    let lattice = Lattice::up();
    let actor = lattice.start_kvcounter();
    let http = lattice.start_provider("httpserver", "wasmcloud:httpserver");
    let kv = lattice.start_provider("kv-vault", "wasmcloud:keyvalue");
    let port = free_port();
    lattice.link(
        &actor,
        &http,
        "wasmcloud:httpserver",
        &[&format!("PORT={port}")],
    );
    lattice.link(
        &actor,
        &kv,
        "wasmcloud:keyvalue",
        &[
            &format!("ADDR={}", vault.addr()),
            &format!("TOKEN={}", vault.token()),
            "PREFIX=kvcounter",
        ],
    );
    wait_for_http(port, "/", Duration::from_secs(20))
        .expect("httpserver listens on the linked port");
    // That first request counted too, so the next 99 count 2..=100.
    for expected in 2..=100 {
        assert_eq!(counter(port), expected);
    }
    let mut all: Vec<i64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..16)
            .map(|worker| {
                scope.spawn(move || {
                    let share = 500 / 16 + usize::from(worker < 500 % 16);
                    (0..share).map(|_| counter(port)).collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    all.sort_unstable();
    assert_eq!(all, (101..=600).collect::<Vec<_>>());
    // `counter::` is not a plain path segment, so its secret name is `b64_` + base64url of the key.
    let (status, body) = vault
        .request("GET", "/v1/secret/data/kvcounter/b64_Y291bnRlcjo6", None)
        .expect("vault answers");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""value":"600""#), "{body}");
}
