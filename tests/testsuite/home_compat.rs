//! Switching between wash 0.18.1 and this wash in one `~/.wash` (issue 24): files written exactly as 0.18.1
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
    let report = down_json(home.path());
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
    let (home, downloads, mut sleeper) = Unrelated::start_with_folder(".wash/downloads");
    let pid = sleeper.pid().to_string();
    std::fs::write(downloads.join("nats.pid"), &pid).expect("pid file");
    std::fs::write(downloads.join("wadm.pid"), &pid).expect("pid file");
    let out = wash().in_home(home.path()).arg("down").run().success();
    assert!(
        out.stdout().contains("stale pid file") && out.stdout().contains(&pid),
        "{}",
        out.stdout()
    );
    sleeper.assert_survived();
}

/// `wash down -o json` in `home`, which must succeed; its report.
fn down_json(home: &std::path::Path) -> serde_json::Value {
    wash()
        .in_home(home)
        .args(["down", "-o", "json"])
        .run()
        .success()
        .json()
}

/// A running `sleep`, killed on drop: a process no record of wash should make it signal.
struct Unrelated(std::process::Child);

impl Unrelated {
    /// A temp home with `folder` created in it, the folder's path, and the process.
    fn start_with_folder(folder: &str) -> (TempDir, std::path::PathBuf, Self) {
        let home = TempDir::new().expect("home");
        let path = home.path().join(folder);
        std::fs::create_dir_all(&path).expect("folder");
        let process = Self(Command::new("sleep").arg("100").spawn().expect("sleep"));
        (home, path, process)
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Our own child: `try_wait` says for certain whether it was signalled.
    fn assert_survived(&mut self) {
        assert!(
            self.0.try_wait().expect("try_wait").is_none(),
            "the unrelated process was signalled"
        );
    }
}

impl Drop for Unrelated {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `wash up`'s own records (`host.json`, `nats.pid`) naming a live process that is not the one they
/// recorded (here `sleep`: a pid reused after a reboot or a crash) are reported stale; that process is
/// not signalled and survives. The records are in the pid-only form older versions wrote, so only the
/// program check can tell.
#[test]
fn down_leaves_a_process_that_reused_a_recorded_pid_alone() {
    let (home, wash_home, mut sleeper) = Unrelated::start_with_folder(".wash");
    let pid = sleeper.pid();
    std::fs::write(wash_home.join("nats.pid"), pid.to_string()).expect("pid file");
    let record = serde_json::json!({"pid": pid, "host_id": "NHOST", "nats_url": "nats://127.0.0.1:1",
                                    "lattice": "default"});
    std::fs::write(wash_home.join("host.json"), record.to_string()).expect("host record");
    let report = down_json(home.path());
    assert_eq!(report["stopped"], serde_json::json!([]), "{report}");
    let stale: Vec<(String, u64)> = report["stale_records"]
        .as_array()
        .expect("stale records")
        .iter()
        .map(|r| {
            let file = std::path::Path::new(r["file"].as_str().unwrap_or_default());
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            (name.to_owned(), r["pid"].as_u64().unwrap_or_default())
        })
        .collect();
    assert_eq!(
        stale,
        [
            ("host.json".to_owned(), u64::from(pid)),
            ("nats.pid".to_owned(), u64::from(pid))
        ],
        "{report}"
    );
    sleeper.assert_survived();
    assert!(!wash_home.join("nats.pid").exists());
    assert!(!wash_home.join("host.json").exists());
    let text = wash().in_home(home.path()).arg("down").run().success();
    assert!(
        text.stdout().contains("nothing to stop"),
        "{}",
        text.stdout()
    );
}

/// A fake machine for `wash drain`: `HOME`, `WASH_HOME`, `TMPDIR` and `XDG_CACHE_HOME` are separate
/// folders under one temp dir, so every cache each binary keeps has its own place.
struct DrainMachine {
    root: TempDir,
}

impl DrainMachine {
    fn new() -> Self {
        let machine = Self {
            root: TempDir::new().expect("root"),
        };
        for dir in ["home", "wash-home", "tmp", "xdg", "outside"] {
            std::fs::create_dir_all(machine.path(dir)).expect("dir");
        }
        machine
    }

    fn path(&self, relative: &str) -> std::path::PathBuf {
        self.root.path().join(relative)
    }

    /// Writes `bytes` to `relative`, creating its folders.
    fn put(&self, relative: &str, bytes: &[u8]) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        std::fs::write(path, bytes).expect("write");
    }

    /// `wash drain <kind> -o json` on this machine.
    fn drain(&self, kind: &str) -> Value {
        wash()
            .in_home(&self.path("home"))
            .env("WASH_HOME", self.path("wash-home"))
            .env("TMPDIR", self.path("tmp"))
            .env("XDG_CACHE_HOME", self.path("xdg"))
            .args(["drain", kind, "-o", "json"])
            .run()
            .success()
            .json()
    }

    /// How many entries `relative` holds (it must exist).
    fn entries(&self, relative: &str) -> usize {
        std::fs::read_dir(self.path(relative))
            .unwrap_or_else(|e| panic!("{relative}: {e}"))
            .count()
    }
}

/// Each `wash drain` kind empties our folder and wash 0.18.1's for that kind, and only those: its
/// JSON names them with exact file and byte counts; the folders stay; siblings, keys, our `up`
/// state, other caches and the targets of symlinks inside survive; missing folders are fine.
#[test]
fn drain_empties_ours_and_0_18_folders() {
    let m = DrainMachine::new();
    // lib: ours (the provider cache) and 0.18.1's, with symlinks out to a folder and a file.
    m.put("wash-home/cache/providers/VPROV/provider", b"12345");
    m.put("wash-home/cache/actors/modules/compiled", b"1234567");
    m.put("tmp/wasmcloudcache/VPROV/linux/bin", b"123");
    m.put("outside/dir/keep", b"keep");
    m.put("outside/file", b"keep");
    std::os::unix::fs::symlink(m.path("outside/dir"), m.path("tmp/wasmcloudcache/dirlink"))
        .expect("symlink");
    std::os::unix::fs::symlink(
        m.path("outside/file"),
        m.path("tmp/wasmcloudcache/filelink"),
    )
    .expect("symlink");
    // oci: our cache's own folders, a foreign file beside them, and 0.18.1's cache.
    m.put("wash-home/cache/oci/blobs/sha256/abc", b"1234");
    m.put("wash-home/cache/oci/not-ours.txt", b"keep");
    m.put("tmp/wasmcloud_ocicache/ghcr_io_x_y_0_1_0.bin", b"123456");
    // smithy and downloads (ours under WASH_HOME, 0.18.1's under ~/.wash).
    m.put("xdg/smithy/model.smithy", b"12");
    m.put("wash-home/downloads/nats.pid", b"1");
    m.put("home/.wash/downloads/nats-server", b"1234567");
    m.put("home/.wash/downloads/v0.63.1/wasmcloud_host", b"12");
    // Never touched.
    m.put("tmp/keep.txt", b"keep");
    m.put("xdg/other/keep", b"keep");
    m.put("wash-home/keys/me_account.nk", b"SA");
    m.put("wash-home/host.json", b"{}");
    m.put("wash-home/nats.pid", b"1");

    let lib = m.drain("lib");
    assert_eq!(
        lib["drained"],
        serde_json::json!([
            m.path("wash-home/cache/providers"),
            m.path("wash-home/cache/actors"),
            m.path("tmp/wasmcloudcache")
        ]),
        "{lib}"
    );
    assert_eq!(lib["folders"][0]["files"], 1, "{lib}");
    assert_eq!(lib["folders"][0]["bytes"], 5, "{lib}");
    assert_eq!(lib["folders"][1]["files"], 1, "{lib}");
    assert_eq!(lib["folders"][1]["bytes"], 7, "{lib}");
    assert_eq!(lib["folders"][2]["files"], 3, "{lib}");
    assert_eq!(lib["files"], 5, "{lib}");
    assert_eq!(m.entries("wash-home/cache/providers"), 0);
    assert_eq!(m.entries("wash-home/cache/actors"), 0);
    assert_eq!(m.entries("tmp/wasmcloudcache"), 0);
    assert!(m.path("outside/dir/keep").is_file() && m.path("outside/file").is_file());
    // Only lib went.
    assert_eq!(m.entries("tmp/wasmcloud_ocicache"), 1);
    assert_eq!(m.entries("xdg/smithy"), 1);

    let oci = m.drain("oci");
    assert_eq!(oci["files"], 2, "{oci}");
    assert_eq!(oci["bytes"], 10, "{oci}");
    assert!(!m.path("wash-home/cache/oci/blobs").exists());
    assert!(m.path("wash-home/cache/oci/not-ours.txt").is_file());
    assert_eq!(m.entries("tmp/wasmcloud_ocicache"), 0);
    assert_eq!(m.entries("xdg/smithy"), 1);

    let smithy = m.drain("smithy");
    assert_eq!(smithy["drained"], serde_json::json!([m.path("xdg/smithy")]));
    assert_eq!(smithy["bytes"], 2, "{smithy}");
    assert_eq!(m.entries("xdg/smithy"), 0);
    assert_eq!(m.entries("home/.wash/downloads"), 2);

    let downloads = m.drain("downloads");
    assert_eq!(
        downloads["drained"],
        serde_json::json!([
            m.path("wash-home/downloads"),
            m.path("home/.wash/downloads")
        ]),
        "{downloads}"
    );
    assert_eq!(downloads["files"], 3, "{downloads}");
    assert_eq!(downloads["bytes"], 10, "{downloads}");
    assert_eq!(m.entries("home/.wash/downloads"), 0);

    // Survivors.
    for kept in [
        "tmp/keep.txt",
        "xdg/other/keep",
        "wash-home/keys/me_account.nk",
        "wash-home/host.json",
        "wash-home/nats.pid",
        "outside/dir/keep",
        "outside/file",
    ] {
        assert!(m.path(kept).is_file(), "{kept} survives");
    }
}

/// `wash drain all` empties the four kinds in one go (lib, oci, smithy, downloads), says so in text,
/// and with every folder missing reports nothing drained and succeeds.
#[test]
fn drain_all_and_missing_folders() {
    let m = DrainMachine::new();
    let none = m.drain("all");
    assert_eq!(none["drained"], serde_json::json!([]), "{none}");
    assert_eq!(none["files"], 0, "{none}");
    m.put("wash-home/cache/providers/V/p", b"1");
    m.put("tmp/wasmcloudcache/p", b"1");
    m.put("wash-home/cache/oci/tags/t", b"1");
    m.put("tmp/wasmcloud_ocicache/x.bin", b"1");
    m.put("xdg/smithy/m", b"1");
    m.put("home/.wash/downloads/wadm", b"1");
    m.put("tmp/keep.txt", b"keep");
    let out = wash()
        .in_home(&m.path("home"))
        .env("WASH_HOME", m.path("wash-home"))
        .env("TMPDIR", m.path("tmp"))
        .env("XDG_CACHE_HOME", m.path("xdg"))
        .args(["drain", "all"])
        .run()
        .success();
    let text = out.stdout();
    assert_eq!(
        text.matches("Removed 1 cached files (1 bytes)").count(),
        6,
        "{text}"
    );
    let order: Vec<usize> = [
        "cache/providers",
        "wasmcloudcache",
        "cache/oci",
        "wasmcloud_ocicache",
        "smithy",
        "downloads",
    ]
    .iter()
    .map(|name| {
        text.find(name)
            .unwrap_or_else(|| panic!("{name} in {text}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    for dir in [
        "tmp/wasmcloudcache",
        "tmp/wasmcloud_ocicache",
        "xdg/smithy",
        "home/.wash/downloads",
    ] {
        assert_eq!(m.entries(dir), 0, "{dir}");
    }
    assert!(m.path("tmp/keep.txt").is_file());
}

/// The public key of the seed in key file `<name>.nk` of `keys`.
fn key_file_public(keys: &Path, name: &str) -> String {
    let path = keys.join(format!("{name}.nk"));
    let seed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    nkeys::KeyPair::from_seed(seed.trim())
        .expect("a seed")
        .public_key()
}

/// `wash claims token ... -o json` in `home` as user `alice`; returns the token's (iss, sub).
fn token_keys(home: &Path, args: &[&str]) -> (String, String) {
    let out = wash()
        .in_home(home)
        .env("USER", "alice")
        .args(["claims", "token"])
        .args(args)
        .args(["-o", "json"])
        .run()
        .success();
    let jwt = out.json()["token"].as_str().expect("token").to_owned();
    let payload = jwt.split('.').nth(1).expect("a jwt");
    use base64::Engine;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("base64"),
    )
    .expect("claims json");
    (
        claims["iss"].as_str().expect("iss").to_owned(),
        claims["sub"].as_str().expect("sub").to_owned(),
    )
}

/// `claims token` generates and uses the key files wash 0.18.1 names: operator `<name>_operator`
/// (self-signed), account issuer `<name>_operator` and subject `$USER_account`, provider issuer
/// `$USER_account` and subject `<name>_service`; so an account named like an operator is signed by
/// that operator's key, and the token's iss/sub are those files' public keys.
#[test]
fn claims_token_key_files_match_0_18() {
    let home = TempDir::new().expect("home");
    let keys = home.path().join(".wash/keys");
    let (iss, sub) = token_keys(home.path(), &["operator", "-n", "ops"]);
    assert_eq!(iss, key_file_public(&keys, "ops_operator"));
    assert_eq!(sub, iss);

    let (iss, sub) = token_keys(home.path(), &["account", "-n", "team"]);
    assert_eq!(iss, key_file_public(&keys, "team_operator"));
    assert_eq!(sub, key_file_public(&keys, "alice_account"));

    let (iss, _) = token_keys(home.path(), &["account", "-n", "ops"]);
    assert_eq!(
        iss,
        key_file_public(&keys, "ops_operator"),
        "reuses the operator's key"
    );

    let (iss, sub) = token_keys(
        home.path(),
        &[
            "provider",
            "-n",
            "kv.store",
            "-c",
            "wasmcloud:keyvalue",
            "--vendor",
            "acme",
        ],
    );
    assert_eq!(iss, key_file_public(&keys, "alice_account"));
    assert_eq!(sub, key_file_public(&keys, "kv_service"));

    let mut names: Vec<String> = std::fs::read_dir(&keys)
        .expect("keys")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "alice_account.nk",
            "kv_service.nk",
            "ops_operator.nk",
            "team_operator.nk"
        ],
        "no key under our old names (alice_operator, team_account)"
    );
}
