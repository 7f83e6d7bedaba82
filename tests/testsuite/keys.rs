//! `wash keys gen|get|list`: every key kind, the key store, and their help texts.

use wash_keys::KeyKind;
use wash_test_support::wash;

use crate::snapshot::{assert_help_snapshot, vector};

/// `keys gen <kind> -o json` makes a key of every kind whose seed decodes (checksum checked) to the
/// printed public key; nothing is written to the key store.
#[test]
fn gen_makes_every_kind() {
    for kind in KeyKind::ALL {
        let out = wash()
            .args(["keys", "gen", kind.name(), "-o", "json"])
            .run()
            .success();
        let json = out.json();
        let seed = json["seed"].as_str().expect("seed");
        let public = json["public_key"].as_str().expect("public_key");
        assert!(public.starts_with(kind.letter()), "{kind}: {public}");
        let (parsed_kind, pair) = wash_keys::parse_seed(seed).expect("seed decodes");
        assert_eq!((parsed_kind, pair.public_key().as_str()), (kind, public));
        assert_eq!(
            std::fs::read_dir(out.home().join(".wash/keys"))
                .unwrap()
                .count(),
            0
        );
    }
}

/// The text form of `keys gen` is wash 0.x's, with the secret warning.
#[test]
fn gen_text_output() {
    let out = wash().args(["keys", "gen", "Module"]).run().success();
    let text = out.stdout();
    assert!(text.starts_with("Public Key: M"), "{text}");
    assert!(text.contains("\nSeed: SM"), "{text}");
    assert!(text.ends_with("treat it as a secret.\n"), "{text}");
}

/// An unknown kind is a usage error (exit 2) naming the valid kinds — not a module key as in wash 0.x.
#[test]
fn gen_unknown_kind_is_a_usage_error() {
    let out = wash().args(["keys", "gen", "foo"]).run().assert_code(2);
    assert!(
        out.stderr().contains("unknown key kind `foo`"),
        "{}",
        out.stderr()
    );
}

/// `keys list` shows stored keys (sorted) and `keys get` prints a stored seed, from `WASH_KEYS` or
/// `--directory`.
#[test]
fn list_and_get_read_the_store() {
    let cmd = wash();
    let keys = cmd.home().join(".wash/keys");
    std::fs::copy(vector("module.nk"), keys.join("echo_module.nk")).unwrap();
    std::fs::copy(vector("account.nk"), keys.join("alice_account.nk")).unwrap();
    let out = cmd.args(["keys", "list", "-o", "json"]).run().success();
    assert_eq!(
        out.json()["keys"],
        serde_json::json!(["alice_account", "echo_module"])
    );

    let out = wash()
        .args(["keys", "get", "alice_account.nk", "-d"])
        .arg(&keys)
        .run()
        .success();
    assert_eq!(
        out.stdout().trim_end(),
        std::fs::read_to_string(vector("account.nk")).unwrap()
    );

    let out = wash()
        .args(["keys", "list", "--directory"])
        .arg(&keys)
        .run()
        .success();
    assert!(
        out.stdout().starts_with("====== Keys found in "),
        "{}",
        out.stdout()
    );
    assert!(
        out.stdout().contains("\nalice_account\necho_module\n"),
        "{}",
        out.stdout()
    );
}

/// `keys get` of a missing name fails with exit 1 and says which directory it looked in.
#[test]
fn get_missing_key_fails() {
    let out = wash()
        .args(["keys", "get", "nope", "-o", "json"])
        .run()
        .assert_code(1);
    let json = out.json();
    let chain = json["error_chain"].to_string();
    assert!(chain.contains("no key named `nope`"), "{json}");
}

/// `keys get` of a stored seed whose checksum is wrong fails instead of printing a different key.
#[test]
fn get_corrupted_key_fails() {
    let cmd = wash();
    let mut seed = std::fs::read_to_string(vector("account.nk")).unwrap();
    seed.replace_range(10..11, "Z");
    std::fs::write(cmd.home().join(".wash/keys/bad.nk"), seed).unwrap();
    let out = cmd.args(["keys", "get", "bad"]).run().assert_code(1);
    assert!(out.stderr().contains("checksum"), "{}", out.stderr());
}

/// `wash keys --help` and its subcommands' help texts match their snapshots.
#[test]
fn help_snapshots() {
    assert_help_snapshot("keys", &["keys"]);
    assert_help_snapshot("keys_gen", &["keys", "gen"]);
}
