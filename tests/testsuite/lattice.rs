//! `wash up`, `wash ctl` and `wash down` end to end: the seed's kvcounter on a real local lattice, with
//! the httpserver provider and each keyvalue provider, counting every HTTP request exactly once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;
use wash_test_support::Registry;
use wash_test_support::{
    example_wasm, free_port, http_get, wait_for_http, wash, workspace_binary, NatsServer,
    RedisServer,
};

/// A home folder with a host started by `wash up --detached` on a test NATS server; `wash down` on drop.
/// Shared with the `ctl`, `call` and `ctx` tests.
pub(crate) struct Lattice {
    pub(crate) home: TempDir,
    pub(crate) nats: NatsServer,
    pub(crate) host_id: String,
    /// The background host's log file.
    pub(crate) log: PathBuf,
    /// Variables every `wash` run by [`Lattice::wash_json`] gets (credentials the context lacks).
    env: Vec<(String, String)>,
}

impl Lattice {
    pub(crate) fn up() -> Self {
        Self::up_with(&[])
    }

    /// `wash up --detached` on a fresh NATS with `extra` flags.
    pub(crate) fn up_with(extra: &[&str]) -> Self {
        let nats = NatsServer::start();
        let url = nats.url();
        Self::up_on(nats, &url, extra)
    }

    /// `wash up --detached --nats-url <url> <extra>` on `nats` (a secured server, `url` with the
    /// scheme and any user it needs).
    pub(crate) fn up_on(nats: NatsServer, url: &str, extra: &[&str]) -> Self {
        Self::start(nats, url, extra, false, &[])
    }

    /// `wash up --detached` on a fresh NATS with these variables (the host, and the providers it
    /// starts, see them); every later [`Lattice::wash_json`] gets them too.
    pub(crate) fn up_with_env(env: &[(&str, &str)]) -> Self {
        Self::up_with_args_and_env(&[], env)
    }

    /// [`Lattice::up_with_env`], with more arguments for `wash up`.
    pub(crate) fn up_with_args_and_env(extra: &[&str], env: &[(&str, &str)]) -> Self {
        let nats = NatsServer::start();
        let url = nats.url();
        let mut lattice = Self::start(nats, &url, extra, false, env);
        for (key, value) in env {
            lattice = lattice.with_env(key, value);
        }
        lattice
    }

    /// `wash up --detached` on a fresh NATS, with wadm (which the other lattices of the tests go
    /// without: `wash up` finds no wadm unless told where it is).
    pub(crate) fn up_with_wadm() -> Self {
        let nats = NatsServer::start();
        let url = nats.url();
        Self::start(nats, &url, &[], true, &[])
    }

    fn start(
        nats: NatsServer,
        url: &str,
        extra: &[&str],
        wadm: bool,
        env: &[(&str, &str)],
    ) -> Self {
        let home = tempfile::tempdir().expect("temp home");
        let mut up = wash().in_home(home.path());
        if wadm {
            up = up.with_wadm();
        }
        for (key, value) in env {
            up = up.env(key, value);
        }
        let out = up
            .args(["up", "--detached", "--nats-url", url, "-o", "json"])
            .args(extra)
            .run();
        let host_id = out.json()["host_id"].as_str().map(str::to_owned);
        let log = PathBuf::from(out.json()["log"].as_str().unwrap_or_default());
        let lattice = Self {
            home,
            nats,
            host_id: host_id.clone().unwrap_or_default(),
            log,
            env: Vec::new(),
        };
        let out = out.success();
        assert!(
            host_id.is_some_and(|id| id.starts_with('N')),
            "{}",
            out.stdout()
        );
        lattice
    }

    /// Gives every later [`Lattice::wash_json`] the variable `key`.
    pub(crate) fn with_env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    pub(crate) fn wash_json(&self, args: &[&str]) -> Value {
        let mut command = wash().in_home(self.home.path());
        for (key, value) in &self.env {
            command = command.env(key, value);
        }
        let out = command.args(args).args(["-o", "json"]).run();
        let out = out.success();
        out.json()
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    /// Signs kvcounter and starts it; returns its id.
    pub(crate) fn start_kvcounter(&self) -> String {
        self.start_example("kvcounter", &["--keyvalue", "--http_server"])
    }

    /// Signs an example actor with the given capability flags; returns the signed module's path.
    pub(crate) fn sign_example(&self, example: &str, caps: &[&str]) -> PathBuf {
        let signed = self.path(&format!("{example}_s.wasm"));
        let module = example_wasm(example);
        let mut args = vec!["claims", "sign", path_str(&module), "--name", example];
        args.extend_from_slice(caps);
        args.extend_from_slice(&["--destination", path_str(&signed)]);
        self.wash_json(&args);
        signed
    }

    /// Signs kvcounter again (same module key) as revision `rev` into `kvcounter_v<rev>_s.wasm`;
    /// returns the path and `claims sign`'s JSON.
    pub(crate) fn sign_kvcounter_revision(&self, rev: u32) -> (PathBuf, Value) {
        let signed = self.path(&format!("kvcounter_v{rev}_s.wasm"));
        let module = example_wasm("kvcounter");
        let rev = rev.to_string();
        let claims = self.wash_json(&[
            "claims",
            "sign",
            path_str(&module),
            "--name",
            "kvcounter",
            "--keyvalue",
            "--http_server",
            "--rev",
            &rev,
            "--destination",
            path_str(&signed),
        ]);
        (signed, claims)
    }

    /// Signs an example actor with the given capability flags and starts it; returns its id.
    pub(crate) fn start_example(&self, example: &str, caps: &[&str]) -> String {
        let signed = self.sign_example(example, caps);
        let started = self.wash_json(&["ctl", "start", "actor", path_str(&signed)]);
        started["actor_id"].as_str().expect("actor id").to_owned()
    }

    /// Packs a workspace provider binary into a provider archive; returns its path. Uncompressed:
    /// gzip of a debug binary takes seconds the tests need not spend.
    pub(crate) fn pack_provider(&self, binary: &str, contract: &str) -> PathBuf {
        self.pack_provider_binary(binary, &workspace_binary(binary), contract)
    }

    /// [`Lattice::pack_provider`] for a binary at `binary_path`, named `binary`.
    pub(crate) fn pack_provider_binary(
        &self,
        binary: &str,
        binary_path: &Path,
        contract: &str,
    ) -> PathBuf {
        let archive = self.path(&format!("{binary}.par"));
        let target = format!("{}-linux", std::env::consts::ARCH);
        self.wash_json(&[
            "par",
            "create",
            "--capid",
            contract,
            "--vendor",
            "wash-tests",
            "--name",
            binary,
            "--arch",
            &target,
            "--binary",
            path_str(binary_path),
            "--destination",
            path_str(&archive),
        ]);
        archive
    }

    /// Pushes the signed kvcounter and the httpserver and kv-nats archives to `registry` as
    /// `<registry>/{kvcounter,httpserver,kv-nats}:0.1.0`; returns the three references in that order.
    pub(crate) fn push_kvcounter(&self, registry: &Registry) -> Vec<String> {
        let signed = self.sign_example("kvcounter", &["--keyvalue", "--http_server"]);
        let mut refs = vec![format!("{}/kvcounter:0.1.0", registry.host())];
        self.wash_json(&["reg", "push", &refs[0], path_str(&signed)]);
        for (binary, contract) in [
            ("httpserver", "wasmcloud:httpserver"),
            ("kv-nats", "wasmcloud:keyvalue"),
        ] {
            let archive = self.pack_provider(binary, contract);
            let reference = format!("{}/{binary}:0.1.0", registry.host());
            self.wash_json(&["reg", "push", &reference, path_str(&archive)]);
            refs.push(reference);
        }
        refs
    }

    /// Packs a workspace provider binary and starts it; returns its id.
    pub(crate) fn start_provider(&self, binary: &str, contract: &str) -> String {
        let archive = self.pack_provider(binary, contract);
        let started = self.wash_json(&["ctl", "start", "provider", path_str(&archive)]);
        started["provider_id"]
            .as_str()
            .expect("provider id")
            .to_owned()
    }

    pub(crate) fn link(&self, actor: &str, provider: &str, contract: &str, values: &[&str]) {
        let mut args = vec!["ctl", "link", "put", actor, provider, contract];
        args.extend_from_slice(values);
        self.wash_json(&args);
    }

    /// The seed's wiring: starts httpserver and the keyvalue provider `kv_binary`, links `actor` to
    /// httpserver on a free port and to the keyvalue provider with `kv_values`. The links reach the
    /// providers asynchronously: wait with [`first_count`] before counting.
    pub(crate) fn serve_over_http(
        &self,
        actor: &str,
        kv_binary: &str,
        kv_values: &[&str],
    ) -> Served {
        let http = self.start_provider("httpserver", "wasmcloud:httpserver");
        let kv = self.start_provider(kv_binary, "wasmcloud:keyvalue");
        let port = self.link_http_and_kv(actor, &http, &kv, kv_values);
        Served { port, http, kv }
    }

    /// Links `actor` to the running httpserver `http` on a free port, which it returns, and to the
    /// keyvalue provider `kv` with `kv_values`. Wait with [`first_count`] before counting.
    pub(crate) fn link_http_and_kv(
        &self,
        actor: &str,
        http: &str,
        kv: &str,
        kv_values: &[&str],
    ) -> u16 {
        let port = free_port();
        self.link(
            actor,
            http,
            "wasmcloud:httpserver",
            &[&format!("PORT={port}")],
        );
        self.link(actor, kv, "wasmcloud:keyvalue", kv_values);
        port
    }
}

/// What [`Lattice::serve_over_http`] started.
pub(crate) struct Served {
    /// The port httpserver listens on for the actor.
    pub(crate) port: u16,
    /// The httpserver provider's id.
    pub(crate) http: String,
    /// The keyvalue provider's id.
    pub(crate) kv: String,
}

impl Drop for Lattice {
    fn drop(&mut self) {
        let mut command = wash().in_home(self.home.path());
        for (key, value) in &self.env {
            command = command.env(key, value);
        }
        let _ = command.arg("down").run();
    }
}

pub(crate) fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

pub(crate) fn counter(port: u16) -> i64 {
    let reply = http_get(port, "/").expect("kvcounter answers");
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body: Value =
        serde_json::from_slice(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.text()));
    body["counter"].as_i64().expect("counter is a number")
}

/// Waits until kvcounter answers `GET /` with 200 and returns that first count (see [`wait_for_count`]).
pub(crate) fn first_count(port: u16) -> i64 {
    wait_for_count(port, "/")
}

/// Waits until kvcounter answers `GET path` with 200 and returns that first count. Until the providers
/// have taken the link definitions that `ctl link put` published, a request fails (HTTP 500 or 503)
/// without counting.
pub(crate) fn wait_for_count(port: u16, path: &str) -> i64 {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let reply = http_get(port, path);
        if let Some(reply) = reply.as_ref().filter(|r| r.status == 200) {
            let body: Value = serde_json::from_slice(&reply.body)
                .unwrap_or_else(|e| panic!("{e}: {}", reply.text()));
            return body["counter"].as_i64().expect("counter is a number");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "kvcounter did not count within 60 s; last answer: {:?}",
            reply.map(|r| (r.status, r.text()))
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// 100 sequential requests count 1..=100; then `concurrent` requests from `threads` threads each get a
/// distinct count, 101..=100+concurrent: no increment is lost or doubled.
pub(crate) fn count_sequential_then_concurrent(port: u16, concurrent: usize, threads: usize) {
    assert_eq!(first_count(port), 1);
    for expected in 2..=100 {
        assert_eq!(counter(port), expected);
    }
    let last = 100 + i64::try_from(concurrent).expect("small count");
    assert_eq!(
        concurrent_counts(port, concurrent, threads),
        (101..=last).collect::<Vec<_>>()
    );
}

/// `requests` GETs spread over `threads` threads; the counts they got, sorted.
pub(crate) fn concurrent_counts(port: u16, requests: usize, threads: usize) -> Vec<i64> {
    let mut all: Vec<i64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|worker| {
                scope.spawn(move || {
                    let share = requests / threads + usize::from(worker < requests % threads);
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
    all
}

/// kvcounter linked to httpserver and kv-nats (the embedded default) counts every request exactly once.
#[test]
fn kvcounter_on_kv_nats_counts_every_request() {
    let lattice = Lattice::up();
    let actor = lattice.start_kvcounter();
    let served = lattice.serve_over_http(&actor, "kv-nats", &[]);
    count_sequential_then_concurrent(served.port, 1000, 32);
    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    assert_eq!(
        inventory["inventory"]["providers"].as_array().map(Vec::len),
        Some(2),
        "{inventory}"
    );
}

/// The same flow on kv-redis against a real redis-server, whose key holds the final count.
#[test]
fn kvcounter_on_kv_redis_counts_every_request() {
    let redis = RedisServer::start();
    let lattice = Lattice::up();
    let actor = lattice.start_kvcounter();
    let served = lattice.serve_over_http(&actor, "kv-redis", &[&format!("URL={}", redis.url())]);
    count_sequential_then_concurrent(served.port, 1000, 32);
    assert_eq!(
        redis.command("GET counter::").as_deref(),
        Some("1100"),
        "the count is stored in redis"
    );
}

/// `wash up` twice reports the running host instead of starting a second one; `wash down` stops it and
/// a second `wash down` says there is nothing to stop.
#[test]
fn up_twice_then_down_twice() {
    let lattice = Lattice::up();
    let again = lattice.wash_json(&["up", "--detached"]);
    assert_eq!(again["already_running"], true, "{again}");
    let down = lattice.wash_json(&["down"]);
    assert_eq!(
        down["stopped"].as_array().map(Vec::len),
        Some(1),
        "only the host: NATS was not ours: {down}"
    );
    let out = wash()
        .in_home(lattice.home.path())
        .arg("down")
        .run()
        .success();
    assert!(out.stdout().contains("nothing to stop"), "{}", out.stdout());
}

/// A port held by something that is not NATS is named in the error, and nothing is left running.
#[test]
fn up_refuses_a_port_taken_by_another_program() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            use std::io::Write;
            let _ = (&stream).write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        }
    });
    let home = tempfile::tempdir().expect("home");
    let out = wash()
        .in_home(home.path())
        .args(["up", "--detached", "--nats-port", &port.to_string()])
        .run();
    let out = out.assert_code(1);
    assert!(
        out.stderr().contains(&format!("port {port}")),
        "{}",
        out.stderr()
    );
    assert!(!home.path().join(".wash/host.json").exists());
}

/// The seed's flow from a registry: kvcounter and both providers pushed with `wash reg push`, started by
/// OCI reference (the host pulls them), linked, and counting.
#[test]
fn kvcounter_from_registry_references() {
    let registry = Registry::start();
    let lattice = Lattice::up();
    let refs = lattice.push_kvcounter(&registry);
    let actor = lattice.wash_json(&["ctl", "start", "actor", &refs[0]])["actor_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let http = lattice.wash_json(&["ctl", "start", "provider", &refs[1]])["provider_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let kv = lattice.wash_json(&["ctl", "start", "provider", &refs[2]])["provider_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let port = lattice.link_http_and_kv(&actor, &http, &kv, &[]);
    assert_eq!(first_count(port), 1);
    for expected in 2..=20 {
        assert_eq!(counter(port), expected);
    }
    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    assert_eq!(
        inventory["inventory"]["actors"][0]["image_ref"],
        refs[0].as_str(),
        "{inventory}"
    );
}

/// Through the real httpserver: a request that makes the actor trap is an HTTP 500 naming the trap,
/// while the same actor and another one (kvcounter, counting) keep serving.
#[test]
fn trapping_actor_is_http_500_and_others_keep_serving() {
    let lattice = Lattice::up();
    let trap = lattice.start_example("trap", &["--http_server"]);
    let counter_actor = lattice.start_kvcounter();
    let http = lattice.start_provider("httpserver", "wasmcloud:httpserver");
    let kv = lattice.start_provider("kv-nats", "wasmcloud:keyvalue");
    let (trap_port, counter_port) = (free_port(), free_port());
    lattice.link(
        &trap,
        &http,
        "wasmcloud:httpserver",
        &[&format!("PORT={trap_port}")],
    );
    lattice.link(
        &counter_actor,
        &http,
        "wasmcloud:httpserver",
        &[&format!("PORT={counter_port}")],
    );
    lattice.link(&counter_actor, &kv, "wasmcloud:keyvalue", &[]);
    wait_for_http(trap_port, "/fine", Duration::from_secs(20)).expect("trap actor's listener");
    assert_eq!(first_count(counter_port), 1);
    let trapped = http_get(trap_port, "/trap").expect("an answer");
    assert_eq!(trapped.status, 500, "{}", trapped.text());
    assert!(trapped.text().contains("trap"), "{}", trapped.text());
    assert_eq!(http_get(trap_port, "/fine").expect("answer").status, 200);
    assert_eq!(counter(counter_port), 2);
}

/// `wash up --max-actor-memory` reaches the (detached) host: under a 32 MiB limit an actor may grow by
/// 8 MiB, but growing by 64 MiB is an HTTP 500 naming the out-of-memory error, and the actor keeps
/// serving afterwards.
#[test]
fn up_max_actor_memory_limits_each_actor() {
    let lattice = Lattice::up_with(&["--max-actor-memory", "32MiB"]);
    let hostile = lattice.start_example("hostile", &["--http_server"]);
    let http = lattice.start_provider("httpserver", "wasmcloud:httpserver");
    let port = free_port();
    lattice.link(
        &hostile,
        &http,
        "wasmcloud:httpserver",
        &[&format!("PORT={port}")],
    );
    wait_for_http(port, "/grow/8", Duration::from_secs(20)).expect("hostile actor's listener");
    let small = http_get(port, "/grow/8").expect("an answer");
    assert_eq!(small.status, 200, "{}", small.text());
    assert!(small.text().contains("grew 8"), "{}", small.text());
    let big = http_get(port, "/grow/64").expect("an answer");
    assert_eq!(big.status, 500, "{}", big.text());
    assert!(big.text().contains("out of memory"), "{}", big.text());
    assert!(big.text().contains("32 MiB"), "{}", big.text());
    assert_eq!(http_get(port, "/grow/8").expect("an answer").status, 200);
}

/// A 5 MiB POST through the real httpserver to the echo actor, and its 5 MiB reply, arrive byte for
/// byte: both cross the lattice in chunks (the invocation from httpserver to the host, the reply back).
#[test]
fn five_mib_post_and_reply_cross_the_lattice_in_chunks() {
    let lattice = Lattice::up();
    let echo = lattice.start_example("echo", &["--http_server"]);
    let http = lattice.start_provider("httpserver", "wasmcloud:httpserver");
    let port = free_port();
    lattice.link(
        &echo,
        &http,
        "wasmcloud:httpserver",
        &[&format!("PORT={port}")],
    );
    wait_for_http(port, "/ready", Duration::from_secs(20)).expect("echo's listener");
    // 5 MiB of text that is not one repeated byte, so a misplaced chunk would show.
    let body: String = (0..5 * 1024 * 1024)
        .map(|i: usize| char::from(b'a' + (i * 7 % 26) as u8))
        .collect();
    let reply =
        wash_test_support::http_post(port, "/big", &[], body.as_bytes()).expect("an answer");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.body.len() > body.len(), "{} bytes", reply.body.len());
    let echoed: Value = serde_json::from_slice(&reply.body).expect("echo's JSON");
    assert_eq!(echoed["path"], "/big");
    assert!(
        echoed["body"].as_str() == Some(body.as_str()),
        "the 5 MiB body came back changed"
    );
}
