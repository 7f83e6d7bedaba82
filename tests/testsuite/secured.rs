//! A secured lattice: the kvcounter demo on nats-servers that ask for credentials — operator (JWT)
//! mode, user/password, nkey users, TLS with the test's own CA — and what a client without the right
//! credentials gets: a clear error, and nothing of the lattice. No seed, JWT or password shows in any
//! output, log or file of `~/.wash`.

use std::path::Path;

use wash_test_support::secured::{
    start_nkey_server, start_password_server, NatsOperator, Permissions, TestCa,
};
use wash_test_support::{wash, WashOutput};

use crate::lattice::{counter, first_count, path_str, Lattice};

/// kvcounter with httpserver and kv-nats on `lattice`, counting 1, 2, 3 over HTTP.
fn demo_counts(lattice: &Lattice) {
    let actor = lattice.start_kvcounter();
    let served = lattice.serve_over_http(&actor, "kv-nats", &[]);
    assert_eq!(first_count(served.port), 1);
    assert_eq!(counter(served.port), 2);
    assert_eq!(counter(served.port), 3);
}

/// `wash <args> -o json` in a home without any context (so only the flags count).
fn stranger_wash(args: &[&str]) -> WashOutput {
    let home = tempfile::tempdir().expect("temp home");
    wash()
        .in_home(home.path())
        .args(args)
        .args(["-o", "json"])
        .run()
}

/// Every file under `dir` (contexts, host record, host and provider logs), as text.
fn files_text(dir: &Path) -> String {
    let mut text = String::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return text;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            text.push_str(&files_text(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    text
}

/// None of `secrets` appears in `text` (named `what` in the failure).
fn assert_no_secret(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "{what} shows a secret ({}…)",
            &secret[..8.min(secret.len())]
        );
    }
}

/// Operator mode with a memory resolver: the host logs in with a creds file (`wash up
/// --rpc-credsfile`), the CLI with the context `wash up` wrote (the file's path, not its content),
/// providers with the host data the host gives them; the demo counts. Without credentials the CLI
/// says the server requires them; a user of another account sees no host; a user allowed only to read
/// lists the host but is told it may not start anything. No secret shows anywhere.
#[test]
fn operator_mode_lattice_runs_the_demo_and_keeps_others_out() {
    let operator = NatsOperator::new();
    let nats = operator.start_server();
    let port = nats.port().to_string();
    let creds = tempfile::tempdir().expect("creds dir");
    let host = operator.user("host", None, creds.path());
    let stranger = operator.stranger("stranger", creds.path());
    let reader = operator.user(
        "reader",
        Some(&Permissions {
            publish: vec!["wasmbus.ctl.*.ping.>".into(), "wasmbus.ctl.*.get.>".into()],
            subscribe: vec!["_INBOX.>".into()],
        }),
        creds.path(),
    );
    let url = nats.url();
    let lattice = Lattice::up_on(nats, &url, &["--rpc-credsfile", path_str(&host.creds)]);
    demo_counts(&lattice);

    let context = std::fs::read_to_string(lattice.path(".wash/contexts/default.json"))
        .expect("the default context");
    assert!(
        context.contains(path_str(&host.creds)),
        "the context names the creds file: {context}"
    );

    let anonymous = stranger_wash(&["ctl", "get", "hosts", "--ctl-port", &port]);
    assert_eq!(anonymous.code(), 1, "{}", anonymous.stdout());
    let error = anonymous.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(error.contains("requires credentials"), "{error}");
    assert!(error.contains("--ctl-credsfile"), "{error}");
    assert!(
        !error.to_lowercase().contains("authorization violation"),
        "{error}"
    );

    let other = stranger_wash(&[
        "ctl",
        "get",
        "hosts",
        "--ctl-port",
        &port,
        "--ctl-credsfile",
        path_str(&stranger.creds),
    ]);
    assert_eq!(other.code(), 1, "{}", other.stdout());
    let error = other.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(error.contains("no host is listening"), "{error}");

    let reader_args = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&[
            "--ctl-port",
            &port,
            "--ctl-credsfile",
            path_str(&reader.creds),
        ]);
        stranger_wash(&all)
    };
    let hosts = reader_args(&["ctl", "get", "hosts"]).success().json();
    assert_eq!(hosts["hosts"][0]["id"], lattice.host_id.as_str(), "{hosts}");
    let signed = lattice.path("kvcounter_s.wasm");
    let refused = reader_args(&[
        "ctl",
        "start",
        "actor",
        path_str(&signed),
        "--host-id",
        &lattice.host_id,
    ]);
    assert_eq!(refused.code(), 1, "{}", refused.stdout());
    let error = refused.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(error.contains("not allowed to send"), "{error}");

    let secrets = [
        host.seed.as_str(),
        host.jwt.as_str(),
        reader.seed.as_str(),
        stranger.seed.as_str(),
    ];
    for (what, out) in [
        ("anonymous", &anonymous),
        ("other account", &other),
        ("reader", &refused),
    ] {
        assert_no_secret(what, &format!("{}{}", out.stdout(), out.stderr()), &secrets);
    }
    assert_no_secret("~/.wash", &files_text(&lattice.path(".wash")), &secrets);
    let listed = lattice.wash_json(&["ctx", "list"]);
    assert_no_secret("ctx list", &listed.to_string(), &secrets);
}

/// A user/password server: the host logs in with the user in `--nats-url` (given to `wash up` in
/// `$WASH_NATS_URL`, off the command line), its providers with the URL in their host data, the CLI
/// with `$WASH_CTL_USER`/`$WASH_CTL_PASSWORD`. The password shows nowhere; a wrong one is refused
/// as such.
#[test]
fn password_lattice_runs_the_demo() {
    const PASSWORD: &str = "pw-8c1f0e7d2b";
    let nats = start_password_server("alice", PASSWORD);
    let port = nats.port();
    let url = format!("nats://alice:{PASSWORD}@127.0.0.1:{port}");
    let lattice = Lattice::up_on(nats, &url, &[])
        .with_env("WASH_CTL_USER", "alice")
        .with_env("WASH_CTL_PASSWORD", PASSWORD);
    demo_counts(&lattice);

    let wrong = stranger_wash(&[
        "ctl",
        "get",
        "hosts",
        "--ctl-port",
        &port.to_string(),
        "--ctl-user",
        "alice",
        "--ctl-password",
        "not-the-password",
    ]);
    assert_eq!(wrong.code(), 1, "{}", wrong.stdout());
    let error = wrong.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(error.contains("refused the credentials given"), "{error}");
    assert_no_secret("~/.wash", &files_text(&lattice.path(".wash")), &[PASSWORD]);
    let up_again = wash()
        .in_home(lattice.home.path())
        .args(["up", "-d", "-o", "json"])
        .run();
    assert_no_secret("wash up", &up_again.stdout(), &[PASSWORD]);
}

/// An nkey-user server: `wash up --rpc-seed FILE` (a seed alone is an nkey user); the context records
/// the seed file, so the CLI logs in as the same user.
#[test]
fn nkey_lattice_runs_the_demo() {
    let user = nkeys::KeyPair::new_user();
    let seed = user.seed().expect("seed");
    let nats = start_nkey_server(&[user.public_key()]);
    let keys = tempfile::tempdir().expect("keys dir");
    let seed_file = keys.path().join("user.nk");
    std::fs::write(&seed_file, &seed).expect("write seed");
    let url = nats.url();
    let lattice = Lattice::up_on(nats, &url, &["--rpc-seed", path_str(&seed_file)]);
    demo_counts(&lattice);
    assert_no_secret("~/.wash", &files_text(&lattice.path(".wash")), &[&seed]);
}

/// TLS with a CA made by the test: host, providers and CLI verify the server's certificate with
/// `--tls-ca-file` (the CLI through `$WASH_TLS_CA_FILE`); a client without the CA is refused with a
/// TLS error that names the flag.
#[test]
fn tls_lattice_runs_the_demo_and_refuses_clients_without_the_ca() {
    let dir = tempfile::tempdir().expect("certificate dir");
    let ca = TestCa::new(dir.path());
    let nats = ca.start_server();
    let port = nats.port();
    let url = format!("tls://127.0.0.1:{port}");
    let lattice = Lattice::up_on(nats, &url, &["--tls-ca-file", path_str(&ca.ca_file)])
        .with_env("WASH_TLS_CA_FILE", path_str(&ca.ca_file));
    demo_counts(&lattice);

    let without_ca = stranger_wash(&["ctl", "get", "hosts", "--ctl-port", &port.to_string()]);
    assert_eq!(without_ca.code(), 1, "{}", without_ca.stdout());
    let error = without_ca.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(error.contains("--tls-ca-file"), "{error}");
}

/// A creds file that is not one is refused by `wash up` before anything starts, naming the file.
#[test]
fn up_refuses_unusable_credentials() {
    let operator = NatsOperator::new();
    let nats = operator.start_server();
    let home = tempfile::tempdir().expect("home");
    let bad = home.path().join("bad.creds");
    std::fs::write(&bad, "not a creds file").expect("write");
    let out = wash()
        .in_home(home.path())
        .args([
            "up",
            "-d",
            "--nats-url",
            &nats.url(),
            "--rpc-credsfile",
            path_str(&bad),
            "-o",
            "json",
        ])
        .run();
    assert_eq!(out.code(), 1, "{}", out.stdout());
    let error = out.json().to_string();
    assert!(error.contains("bad.creds"), "{error}");
    assert!(error.contains("no user JWT block"), "{error}");
}
