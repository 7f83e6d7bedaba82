//! The seed's kvcounter on `kv-vault` through `wash up` / `wash ctl`: the actor is unchanged, only the
//! keyvalue provider and its link differ, and check-and-set keeps every count under contention.

use wash_test_support::VaultServer;

use crate::lattice::{count_sequential_then_concurrent, Lattice};

/// kvcounter linked to httpserver and kv-vault (a real OpenBao dev server): 100 sequential requests
/// count 1..=100, then 500 requests from 16 threads each get a distinct count, 101..=600, and Vault
/// holds 600 under the link's prefix.
#[test]
fn kvcounter_on_kv_vault_counts_every_request() {
    let vault = VaultServer::start();
    let lattice = Lattice::up();
    let actor = lattice.start_kvcounter();
    let served = lattice.serve_over_http(
        &actor,
        "kv-vault",
        &[
            &format!("ADDR={}", vault.addr()),
            &format!("TOKEN={}", vault.token()),
            "PREFIX=kvcounter",
        ],
    );
    count_sequential_then_concurrent(served.port, 500, 16);
    // `counter::` is not a plain path segment, so its secret name is `b64_` + base64url of the key.
    let (status, body) = vault
        .request("GET", "/v1/secret/data/kvcounter/b64_Y291bnRlcjo6", None)
        .expect("vault answers");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""value":"600""#), "{body}");
}
