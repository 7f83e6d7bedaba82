//! wash 0.18.1's `wash up` and `wash down` command lines run against our binary, each group of flags
//! checked by its effect on real servers: the NATS server `wash up` starts or joins, the host it runs
//! (what it answers to a ping, what it logs, what it refuses), and what `wash down` stops.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;
use tempfile::TempDir;
use wash_test_support::{free_port, nats_server_program, wash, NatsServer};

use crate::lattice::path_str;

/// A NATS server with a leaf-node port, as a hub for `wash up --nats-remote-url`; killed on drop.
struct Hub {
    child: Child,
    port: u16,
    leaf_port: u16,
    _dir: TempDir,
}

impl Hub {
    fn start() -> Self {
        let dir = TempDir::new().expect("temp dir");
        let (port, leaf_port) = (free_port(), free_port());
        let config = dir.path().join("hub.conf");
        let text = format!("leafnodes {{ listen: \"127.0.0.1:{leaf_port}\" }}\n");
        std::fs::write(&config, text).expect("write hub config");
        let child = Command::new(nats_server_program())
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-c"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the hub nats-server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while [port, leaf_port]
            .iter()
            .any(|p| std::net::TcpStream::connect(("127.0.0.1", *p)).is_err())
        {
            assert!(Instant::now() < deadline, "the hub did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            port,
            leaf_port,
            _dir: dir,
        }
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A NATS credentials file: a user JWT signed by a fresh account key, and the user's seed.
fn user_creds(dir: &Path) -> PathBuf {
    let account = nkeys::KeyPair::new_account();
    let user = nkeys::KeyPair::new_user();
    let header = URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"ed25519-nkey"}"#);
    let claims = serde_json::json!({
        "jti": "WASHTESTLEAFUSER", "iat": 1_700_000_000, "iss": account.public_key(),
        "name": "wash-test", "sub": user.public_key(),
        "nats": {"pub": {}, "sub": {}, "subs": -1, "data": -1, "payload": -1,
                 "type": "user", "version": 2},
    });
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signed = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(account.sign(signed.as_bytes()).expect("sign"));
    let creds = format!(
        "-----BEGIN NATS USER JWT-----\n{signed}.{signature}\n------END NATS USER JWT------\n\n\
         -----BEGIN USER NKEY SEED-----\n{}\n------END USER NKEY SEED------\n",
        user.seed().expect("seed")
    );
    let path = dir.join("user.creds");
    std::fs::write(&path, creds).expect("write creds");
    path
}

/// The hosts `wash ctl get hosts` sees with `extra` flags.
fn hosts(home: &Path, extra: &[&str]) -> Vec<Value> {
    let out = wash()
        .in_home(home)
        .args(["ctl", "get", "hosts", "-o", "json"])
        .args(extra)
        .run();
    if out.code() != 0 {
        return Vec::new();
    }
    out.json()["hosts"].as_array().cloned().unwrap_or_default()
}

/// Waits until `host_id` answers a ping sent with `extra` flags and returns its ping answer.
fn wait_for_host(home: &Path, extra: &[&str], host_id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(host) = hosts(home, extra).into_iter().find(|h| h["id"] == host_id) {
            return host;
        }
        assert!(
            Instant::now() < deadline,
            "host {host_id} did not answer a ping sent with {extra:?} within 30 s"
        );
    }
}

/// `wash down` in `home`, which must succeed.
fn down(home: &Path) -> Value {
    wash()
        .in_home(home)
        .args(["down", "-o", "json"])
        .run()
        .success()
        .json()
}

fn host_id(out: &Value) -> String {
    out["host_id"].as_str().expect("host id").to_owned()
}

/// `--nats-remote-url` (here from NATS_REMOTE_URL) with `--nats-credsfile`: the NATS server `wash up`
/// starts is a leaf node of the hub, so a ping sent to the hub reaches the host. Without a remote the
/// credentials file is a usage error; a missing one is named before anything starts.
#[test]
fn nats_remote_url_makes_the_local_server_a_leaf_node_of_the_hub() {
    let hub = Hub::start();
    let home = TempDir::new().expect("home");
    let creds = user_creds(home.path());
    let port = free_port().to_string();
    let remote = format!("nats-leaf://127.0.0.1:{}", hub.leaf_port);
    let up = |creds: &str| {
        wash()
            .in_home(home.path())
            .args(["up", "-d", "--nats-port", &port, "--nats-credsfile", creds])
            .args(["-o", "json"])
            .env("NATS_REMOTE_URL", &remote)
            .run()
    };
    let missing = up("no-such.creds").assert_code(1).json();
    assert!(
        missing["error"].to_string().contains("no-such.creds"),
        "{missing}"
    );
    assert!(!home.path().join(".wash/nats.pid").exists());

    let out = up(path_str(&creds)).success().json();
    assert_eq!(out["nats_started"], true, "{out}");
    let config = std::fs::read_to_string(home.path().join(".wash/nats.conf")).expect("nats.conf");
    assert!(config.contains(&remote), "{config}");
    let hub_port = hub.port.to_string();
    let seen = wait_for_host(home.path(), &["--ctl-port", &hub_port], &host_id(&out));
    assert_eq!(seen["lattice_prefix"], "default", "{seen}");
    let stopped = down(home.path());
    assert!(
        stopped["nats_pid"].is_u64(),
        "the leaf node is ours: {stopped}"
    );

    for args in [
        &["up", "--nats-credsfile", "x.creds"][..],
        &["up", "--nats-remote-url", &remote, "--nats-connect-only"][..],
    ] {
        let out = wash().in_home(home.path()).args(args).run().assert_code(2);
        assert!(
            out.stderr().contains("--nats-"),
            "{args:?}: {}",
            out.stderr()
        );
    }
}

/// `--nats-connect-only` never starts a server: with nothing at NATS_HOST/NATS_PORT it fails, with a
/// server there the host joins it. `--nats-version` is checked against the installed nats-server.
#[test]
fn nats_connect_only_host_port_and_version() {
    let home = TempDir::new().expect("home");
    let free = free_port().to_string();
    let refused = wash()
        .in_home(home.path())
        .args(["up", "-d", "--nats-connect-only"])
        .env("NATS_PORT", &free)
        .run()
        .assert_code(1);
    assert!(
        refused.stderr().contains("--nats-connect-only") && refused.stderr().contains(&free),
        "{}",
        refused.stderr()
    );
    assert!(!home.path().join(".wash/nats.pid").exists());
    assert!(!home.path().join(".wash/host.json").exists());

    let installed =
        wash_local::nats_server_version(&nats_server_program()).expect("nats-server version");
    let other = wash()
        .in_home(home.path())
        .args(["up", "-d", "--nats-port", &free, "--nats-version", "v1.0.0"])
        .run()
        .assert_code(1);
    assert!(other.stderr().contains(&installed), "{}", other.stderr());
    assert!(!home.path().join(".wash/nats.pid").exists());

    let nats = NatsServer::start();
    let out = wash()
        .in_home(home.path())
        .args(["up", "-d", "--nats-connect-only", "-o", "json"])
        .env("NATS_HOST", "127.0.0.1")
        .env("NATS_PORT", nats.port().to_string())
        .run()
        .success()
        .json();
    assert_eq!(out["nats_started"], false, "{out}");
    let port = nats.port().to_string();
    wait_for_host(home.path(), &["--ctl-port", &port], &host_id(&out));
    down(home.path());

    let version = format!("v{installed}");
    let out = wash()
        .in_home(home.path())
        .args(["up", "-d", "--nats-port", &free, "--nats-version", &version])
        .args(["-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(out["nats_started"], true, "{out}");
    down(home.path());
}

/// `--nats-js-domain` gives the started server its JetStream domain and `--wasmcloud-js-domain` makes
/// the host keep its lattice data there (it reports the domain in its ping answer); a host told a
/// domain no server has does not start.
#[test]
fn nats_and_wasmcloud_js_domains() {
    let home = TempDir::new().expect("home");
    let port = free_port().to_string();
    let out = wash()
        .in_home(home.path())
        .args([
            "up",
            "-d",
            "--nats-port",
            &port,
            "--wasmcloud-js-domain",
            "edge",
        ])
        .args(["-o", "json"])
        .env("NATS_JS_DOMAIN", "edge")
        .run()
        .success()
        .json();
    let config = std::fs::read_to_string(home.path().join(".wash/nats.conf")).expect("nats.conf");
    assert!(config.contains("domain: \"edge\""), "{config}");
    let seen = wait_for_host(home.path(), &["--ctl-port", &port], &host_id(&out));
    assert_eq!(seen["js_domain"], "edge", "{seen}");

    let other = TempDir::new().expect("second home");
    let out = wash()
        .in_home(other.path())
        .args(["up", "-d", "--nats-connect-only", "--nats-port", &port])
        .args(["--wasmcloud-js-domain", "nowhere"])
        .run()
        .assert_code(1);
    assert!(out.stderr().contains("host"), "{}", out.stderr());
    down(home.path());
}

/// The host flags: `--lattice-prefix` and `--detach` (0.18.1's spellings), `--prov-rpc-host` (what
/// the host gives providers, in its ping answer), `--enable-structured-logging` with `--log-level
/// debug` (JSON lines at debug level in the host's log), `--allow-file-load false` (a file reference
/// is refused); `--enable-ipv6`, `--wasmcloud-start-only` and `--disable-wadm` are accepted.
#[test]
fn host_flags_lattice_prefix_logging_file_load_and_provider_address() {
    let nats = NatsServer::start();
    let home = TempDir::new().expect("home");
    let port = nats.port().to_string();
    let out = wash()
        .in_home(home.path())
        .args([
            "up",
            "--detach",
            "--nats-connect-only",
            "--nats-port",
            &port,
        ])
        .args(["--lattice-prefix", "blue", "--prov-rpc-host", "localhost"])
        .args(["--enable-structured-logging", "--log-level", "debug"])
        .args(["--allow-file-load", "false", "--provider-delay", "500"])
        .args(["--enable-ipv6", "--wasmcloud-start-only", "--disable-wadm"])
        .args(["-o", "json"])
        .run()
        .success()
        .json();
    let id = host_id(&out);
    let seen = wait_for_host(home.path(), &["--ctl-port", &port, "-x", "blue"], &id);
    assert_eq!(seen["lattice_prefix"], "blue", "{seen}");
    assert_eq!(seen["prov_rpc_host"], "localhost", "{seen}");

    let actor = home.path().join("actor.wasm");
    std::fs::write(&actor, b"\0asm\x01\0\0\0").expect("write module");
    let refused = wash()
        .in_home(home.path())
        .args(["ctl", "start", "actor", path_str(&actor), "--host-id", &id])
        .args(["--ctl-port", &port, "-x", "blue"])
        .run()
        .assert_code(1);
    assert!(
        refused.stderr().contains("--allow-file-load false"),
        "{}",
        refused.stderr()
    );

    let log = std::fs::read_to_string(home.path().join(".wash/host.log")).expect("host.log");
    let lines: Vec<Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: not JSON: {l}")))
        .collect();
    assert!(lines.iter().any(|l| l["level"] == "DEBUG"), "{log}");
    assert!(
        lines.iter().any(|l| l["fields"]["host_id"] == id.as_str()),
        "{log}"
    );
    down(home.path());
}

/// The 0.18.1 flags our host cannot honour fail with the reason, from the flag or its variable, and
/// nothing is started.
#[test]
fn flags_our_host_cannot_honour_are_refused() {
    let home = TempDir::new().expect("home");
    let cases: [(&[&str], (&str, &str), &str); 5] = [
        (
            &["--wasmcloud-version", "v0.63.1"],
            ("", ""),
            "built-in host",
        ),
        (&[], ("WASMCLOUD_VERSION", "v0.63.1"), "built-in host"),
        (
            &["--wadm-version", "v0.4.0"],
            ("", ""),
            "wash does not download wadm",
        ),
        (
            &["--dashboard-port", "4000"],
            ("", ""),
            "wash ui --port 4000",
        ),
        (&[], ("WASMCLOUD_CONFIG_SERVICE", "true"), "config-service"),
    ];
    for (args, (var, value), message) in cases {
        let mut command = wash().in_home(home.path()).args(["up", "-d"]).args(args);
        if !var.is_empty() {
            command = command.env(var, value);
        }
        let out = command.run().assert_code(1);
        assert!(
            out.stderr().contains(message),
            "{args:?} {var}: {}",
            out.stderr()
        );
    }
    // With wadm 0.4.1 installed, another version is refused too, naming the one found.
    let out = wash()
        .in_home(home.path())
        .with_wadm()
        .args(["up", "-d", "--wadm-version", "v0.4.0"])
        .run()
        .assert_code(1);
    assert!(
        out.stderr().contains("is version 0.4.1"),
        "{}",
        out.stderr()
    );
    assert!(!home.path().join(".wash/nats.pid").exists());
    assert!(!home.path().join(".wash/host.json").exists());
}

/// `--rpc-*`/`--ctl-*` (here WASMCLOUD_RPC_PORT and WASMCLOUD_CTL_PORT) point the host at their
/// server, which is then used as given; ports that differ are refused, since our host has one
/// connection for both.
#[test]
fn rpc_and_ctl_addresses_point_the_host_at_one_server() {
    let nats = NatsServer::start();
    let home = TempDir::new().expect("home");
    let port = nats.port().to_string();
    let split = wash()
        .in_home(home.path())
        .args(["up", "-d", "--rpc-port", &port, "--ctl-port", "1"])
        .run()
        .assert_code(1);
    assert!(
        split.stderr().contains("one NATS connection"),
        "{}",
        split.stderr()
    );
    let out = wash()
        .in_home(home.path())
        .args(["up", "-d", "-o", "json"])
        .env("WASMCLOUD_RPC_PORT", &port)
        .env("WASMCLOUD_CTL_PORT", &port)
        .run()
        .success()
        .json();
    assert_eq!(out["nats_started"], false, "{out}");
    assert_eq!(out["nats_url"], nats.url(), "{out}");
    wait_for_host(home.path(), &["--ctl-port", &port], &host_id(&out));
    down(home.path());
}

/// `wash down` with 0.18.1's host selection, on a lattice of two hosts sharing the NATS server the
/// first `wash up` started: without `--host-id`/`--all` and neither host ours, it refuses and names
/// both; `--host-id` stops that host and leaves NATS running for the other; `--all` then stops the
/// rest, and the NATS server with it.
#[test]
fn down_host_id_and_all_stop_hosts_of_the_lattice() {
    let (first, second, third) = (TempDir::new(), TempDir::new(), TempDir::new());
    let (first, second, third) = (
        first.expect("home"),
        second.expect("home"),
        third.expect("home"),
    );
    let port = free_port().to_string();
    let up = |home: &Path, extra: &[&str]| {
        wash()
            .in_home(home)
            .args(["up", "-d", "--nats-port", &port, "-o", "json"])
            .args(extra)
            .run()
            .success()
            .json()
    };
    let ours = up(first.path(), &[]);
    let other = up(second.path(), &["--nats-connect-only"]);
    let (ours_id, other_id) = (host_id(&ours), host_id(&other));
    let other_pid = u32::try_from(other["pid"].as_u64().expect("pid")).expect("pid");

    let several = wash()
        .in_home(third.path())
        .args(["down", "--ctl-port", &port, "-x", "default"])
        .run()
        .assert_code(1);
    for id in [&ours_id, &other_id] {
        assert!(
            several.stderr().contains(id.as_str()),
            "{}",
            several.stderr()
        );
    }

    let one = wash()
        .in_home(first.path())
        .args(["down", "--host-id", &other_id, "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(one["hosts_stopped"], serde_json::json!([other_id]), "{one}");
    assert_eq!(
        one["hosts_remaining"],
        serde_json::json!([ours_id]),
        "{one}"
    );
    assert_eq!(one["nats_stopped"], false, "{one}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while wash_test_support::pid_is_running(other_pid) {
        assert!(Instant::now() < deadline, "host {other_id} did not exit");
        std::thread::sleep(Duration::from_millis(50));
    }
    wait_for_host(first.path(), &[], &ours_id);

    let all = wash()
        .in_home(first.path())
        .args(["down", "--all", "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(all["hosts_stopped"], serde_json::json!([ours_id]), "{all}");
    assert_eq!(all["nats_stopped"], true, "{all}");
    let port: u16 = port.parse().expect("port");
    assert_eq!(wash_local::probe_nats(port), wash_local::NatsProbe::Free);
}
