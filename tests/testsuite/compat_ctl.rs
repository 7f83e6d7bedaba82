//! wash 0.18.1's control-interface command lines (`ctl`, `call`, the top-level `get|start|stop|link`
//! shortcuts, `spy`) run against our binary on a real lattice: each keeps the meaning it had in 0.x
//! (docs/compat.md). Every test checks the effect on the lattice, not only the exit code.

use std::time::{Duration, Instant};

use serde_json::Value;
use wash_test_support::wash;

use crate::call::{counter, first_counted_reply, REQUEST};
use crate::compat::instances;
use crate::lattice::{path_str, Lattice};

/// Waits (up to 20 s) until `check` holds for the JSON `wash <args> -o json` prints in `home`.
fn eventually(lattice: &Lattice, args: &[&str], check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let json = lattice.wash_json(args);
        if check(&json) {
            return json;
        }
        assert!(Instant::now() < deadline, "never held: {json}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// 0.18.1's connection shorts of every `ctl` command: `-r` host, `-p` port, `-t` timeout, and
/// `--lattice-prefix` (our `-x`/`--lattice`), from a home without any context; `--context` also takes the
/// path of a context file. A wrong lattice prefix finds no host, so the flags are really used.
#[test]
fn ctl_takes_the_0x_connection_shorts_and_a_context_file() {
    let lattice = Lattice::up_with(&["-x", "compat"]);
    let port = lattice.nats.port().to_string();
    let empty = tempfile::tempdir().expect("temp home");
    let hosts = |extra: &[&str]| {
        wash()
            .in_home(empty.path())
            .args(["ctl", "get", "hosts", "-o", "json"])
            .args(extra)
            .run()
    };
    for flags in [
        [
            "-r",
            "127.0.0.1",
            "-p",
            &port,
            "-t",
            "3000",
            "--lattice-prefix",
            "compat",
        ],
        [
            "--ctl-host",
            "127.0.0.1",
            "-p",
            &port,
            "-t",
            "3000",
            "-x",
            "compat",
        ],
    ] {
        let out = hosts(&flags).success();
        assert_eq!(
            out.json()["hosts"][0]["id"],
            lattice.host_id.as_str(),
            "{flags:?}"
        );
    }
    let out = hosts(&["-r", "127.0.0.1", "-p", &port, "--lattice-prefix", "other"]);
    assert_eq!(out.code(), 1, "{}", out.stdout());

    // A context file outside ~/.wash/contexts, in wash 0.18.1's format.
    let file = empty.path().join("elsewhere.json");
    let context = serde_json::json!({
        "name": "elsewhere", "cluster_seed": "", "ctl_host": "127.0.0.1", "ctl_port": lattice.nats.port(),
        "ctl_jwt": "", "ctl_seed": "", "ctl_credsfile": null, "ctl_timeout": 2000,
        "lattice_prefix": "compat", "js_domain": null, "rpc_host": "127.0.0.1",
        "rpc_port": lattice.nats.port(), "rpc_jwt": "", "rpc_seed": "", "rpc_credsfile": null,
        "rpc_timeout": 2000
    });
    std::fs::write(&file, context.to_string()).expect("write context");
    let out = hosts(&["--context", path_str(&file)]).success();
    assert_eq!(out.json()["hosts"][0]["id"], lattice.host_id.as_str());
    let out = hosts(&["--context", "./missing.json"]);
    assert_eq!(out.code(), 1);
    assert!(out.stdout().contains("missing.json"), "{}", out.stdout());
}

/// `ctl start actor|provider -c LABEL=VALUE` is 0.18.1's auction constraint: a label no host has starts
/// nothing, the host's own label starts it. `--config-json FILE` sends the file (refused when it is not
/// JSON), and `ctl stop actor HOST ACTOR --skip-wait` (0.x) stops it.
#[test]
fn ctl_start_takes_the_0x_constraint_short_config_file_and_skip_wait() {
    let lattice = Lattice::up();
    let signed = lattice.sign_example("kvcounter", &["--keyvalue", "--http_server"]);
    let home = lattice.home.path();
    let start = |extra: &[&str]| {
        wash()
            .in_home(home)
            .args(["ctl", "start", "actor", path_str(&signed), "-o", "json"])
            .args(extra)
            .run()
    };
    let out = start(&["-c", "hostcore.os=plan9"]);
    assert_eq!(out.code(), 1, "{}", out.stdout());
    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    assert_eq!(inventory["inventory"]["actors"], serde_json::json!([]));
    let os = format!("hostcore.os={}", std::env::consts::OS);
    let out = start(&["-c", &os]).success();
    let actor = out.json()["actor_id"]
        .as_str()
        .expect("actor id")
        .to_owned();
    assert_eq!(instances(&lattice, &actor), 1);

    let host = lattice.host_id.as_str();
    lattice.wash_json(&["ctl", "stop", "actor", host, &actor, "--skip-wait"]);
    eventually(&lattice, &["ctl", "get", "inventory"], |_| {
        instances(&lattice, &actor) == 0
    });

    let archive = lattice.pack_provider("kv-nats", "wasmcloud:keyvalue");
    let bad = lattice.path("bad.json");
    std::fs::write(&bad, "{ not json").expect("write");
    let out = wash()
        .in_home(home)
        .args([
            "ctl",
            "start",
            "provider",
            path_str(&archive),
            "--config-json",
        ])
        .arg(&bad)
        .run();
    assert_eq!(out.code(), 1);
    assert!(out.stderr().contains("is not JSON"), "{}", out.stderr());
    let good = lattice.path("config.json");
    std::fs::write(&good, r#"{"bucket": "compat"}"#).expect("write");
    let started = lattice.wash_json(&[
        "ctl",
        "start",
        "provider",
        path_str(&archive),
        "--config-json",
        path_str(&good),
        "-c",
        &os,
    ]);
    let provider = started["provider_id"].as_str().expect("provider id");
    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    let providers = inventory["inventory"]["providers"]
        .as_array()
        .expect("providers");
    assert!(providers.iter().any(|p| p["id"] == provider), "{inventory}");
}

/// `wash call ACTOR OP PAYLOAD...` (0.18.1: the words joined into the JSON), `--bin b|s|2` (how the
/// reply's bytes are shown), `--save FILE` (the raw reply), the actor named by the reference it was
/// started from; `-d` with a payload and `--test` on a reply that is no test result are refused.
/// kvcounter counts every call that reached it.
#[test]
fn call_takes_the_0x_payload_bin_save_test_and_reference() {
    let lattice = Lattice::up();
    let signed = lattice.sign_example("kvcounter", &["--keyvalue", "--http_server"]);
    let started = lattice.wash_json(&["ctl", "start", "actor", path_str(&signed)]);
    let actor = started["actor_id"].as_str().expect("actor id").to_owned();
    let kv = lattice.start_provider("kv-nats", "wasmcloud:keyvalue");
    lattice.link(&actor, &kv, "wasmcloud:keyvalue", &[]);
    let call = |target: &str, extra: &[&str]| {
        wash()
            .in_home(lattice.home.path())
            .args(["call", target, "HttpServer.HandleRequest"])
            .args(extra)
            .args(["-o", "json"])
            .run()
    };
    let (head, tail) = REQUEST.split_at(REQUEST.len() / 2);
    let reply = first_counted_reply(|| call(&actor, &[head, tail]));
    assert_eq!(counter(&reply), 1);

    let body_text = |reply: &Value, show: &str| -> String {
        let body = &reply["response"]["body"];
        let bytes = |v: &Value| -> Vec<u8> {
            v.as_array()
                .expect("byte array")
                .iter()
                .map(|b| b.as_u64().expect("byte") as u8)
                .collect()
        };
        match show {
            "b" => String::from_utf8(bytes(body)).expect("utf-8"),
            "s" => body.as_str().expect("text").to_owned(),
            _ => {
                assert_eq!(
                    bytes(&body["bin"]),
                    body["str"].as_str().expect("str").as_bytes()
                );
                body["str"].as_str().expect("str").to_owned()
            }
        }
    };
    for (n, show) in [(2, "b"), (3, "s"), (4, "2")] {
        let reply = call(&actor, &["-d", REQUEST, "--bin", show])
            .success()
            .json();
        let body: Value = serde_json::from_str(&body_text(&reply, show)).expect("JSON body");
        assert_eq!(body["counter"], n, "--bin {show}: {reply}");
    }

    let saved = lattice.path("reply.msgpack");
    let out = call(&actor, &["-d", REQUEST, "--save", path_str(&saved)]).success();
    let bytes = std::fs::read(&saved).expect("saved reply");
    assert_eq!(out.json()["bytes"], bytes.len());
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains(r#""counter":5"#), "{text}");

    // By the reference it was started from (a path here; an OCI reference works the same way).
    let reply = call(path_str(&signed), &["-d", REQUEST]).success().json();
    assert_eq!(reply["actor_id"], actor.as_str());
    assert_eq!(counter(&reply), 6);
    let out = call("127.0.0.1:1/nothing:0.1.0", &["-d", REQUEST]).assert_code(1);
    assert!(out.json()["error"]
        .to_string()
        .contains("no actor started from"));

    call(&actor, &["-d", REQUEST, REQUEST]).assert_code(2);
    let out = call(&actor, &["-d", REQUEST, "--test"]).assert_code(1);
    assert!(
        out.json()["error"].to_string().contains("test results"),
        "{}",
        out.stdout()
    );
    // The refused calls did not reach the actor; the `--test` one did (it counted, then was refused).
    let reply = call(&actor, &["-d", REQUEST]).success().json();
    assert_eq!(counter(&reply), 8);
}

/// 0.18.1's top-level shortcuts do what their long forms do: `get`, `start`, `link`, `stop` act on the
/// lattice as `ctl ...`; `push`/`pull` move the module through a registry as `reg ...`; `inspect`
/// reports a module as `claims inspect` and an archive as `par inspect`.
#[test]
fn top_level_shortcuts_are_the_ctl_reg_and_inspect_forms() {
    let registry = wash_test_support::Registry::start();
    let lattice = Lattice::up();
    let signed = lattice.sign_example("kvcounter", &["--keyvalue", "--http_server"]);
    let started = lattice.wash_json(&["start", "actor", path_str(&signed)]);
    let actor = started["actor_id"].as_str().expect("actor id").to_owned();
    let hosts = lattice.wash_json(&["get", "hosts"]);
    assert_eq!(hosts["hosts"][0]["id"], lattice.host_id.as_str());
    assert_eq!(instances(&lattice, &actor), 1);
    let archive = lattice.pack_provider("kv-nats", "wasmcloud:keyvalue");
    let started = lattice.wash_json(&["start", "provider", path_str(&archive)]);
    let kv = started["provider_id"]
        .as_str()
        .expect("provider id")
        .to_owned();
    lattice.wash_json(&["link", "put", &actor, &kv, "wasmcloud:keyvalue"]);
    let links = lattice.wash_json(&["get", "links"]);
    assert_eq!(links["links"][0]["provider_id"], kv.as_str(), "{links}");
    lattice.wash_json(&["link", "del", &actor, "wasmcloud:keyvalue"]);
    eventually(&lattice, &["link", "query"], |links| {
        links["links"] == serde_json::json!([])
    });
    lattice.wash_json(&["stop", "actor", &lattice.host_id, &actor]);
    eventually(&lattice, &["get", "inventory"], |_| {
        instances(&lattice, &actor) == 0
    });

    let reference = format!("{}/kvcounter:0.1.0", registry.host());
    lattice.wash_json(&["push", &reference, path_str(&signed)]);
    let pulled = lattice.path("pulled.wasm");
    lattice.wash_json(&["pull", &reference, "--destination", path_str(&pulled)]);
    assert_eq!(
        std::fs::read(&pulled).expect("pulled"),
        std::fs::read(&signed).expect("signed")
    );

    for (target, long) in [(&signed, "claims"), (&archive, "par")] {
        let short = lattice.wash_json(&["inspect", path_str(target)]);
        let full = lattice.wash_json(&[long, "inspect", path_str(target)]);
        assert_eq!(short, full);
    }
    let jwt = lattice.wash_json(&["inspect", "--jwt-only", path_str(&signed)]);
    assert!(jwt["token"].as_str().is_some_and(|t| t.starts_with("ey")));
    // An OCI reference is pulled through the cache, as `claims inspect` does.
    let short = lattice.wash_json(&["inspect", &reference]);
    let full = lattice.wash_json(&["claims", "inspect", &reference]);
    assert_eq!(short, full);
}

/// `--js-domain` and `WASMCLOUD_JS_DOMAIN` (0.18.1: where its client read the lattice bucket) are
/// accepted by every `ctl` command and said to be unused; links still come from the hosts. The global
/// `--experimental` and `WASH_EXPERIMENTAL` (0.18.1's gate for `spy`) are accepted everywhere.
#[test]
fn js_domain_and_experimental_are_accepted_as_in_0x() {
    let lattice = Lattice::up();
    let actor = lattice.start_kvcounter();
    let kv = lattice.start_provider("kv-nats", "wasmcloud:keyvalue");
    lattice.link(&actor, &kv, "wasmcloud:keyvalue", &[]);
    let links = |cmd: wash_test_support::WashCommand, extra: &[&str]| {
        cmd.in_home(lattice.home.path())
            .args(["get", "links", "-o", "json"])
            .args(extra)
            .run()
            .success()
    };
    for out in [
        links(wash(), &["--js-domain", "edge"]),
        links(wash().env("WASMCLOUD_JS_DOMAIN", "edge"), &[]),
    ] {
        assert_eq!(out.json()["links"][0]["provider_id"], kv.as_str());
    }
    let out = wash()
        .in_home(lattice.home.path())
        .args(["ctl", "link", "query", "--js-domain", "edge"])
        .run()
        .success();
    assert!(out.stdout().contains(&kv), "{}", out.stdout());
    assert!(
        out.stderr().contains("JetStream domain `edge` is not used"),
        "{}",
        out.stderr()
    );
    let out = links(wash().arg("--experimental"), &[]);
    assert_eq!(out.json()["links"][0]["actor_id"], actor.as_str());
    let out = links(wash().env("WASH_EXPERIMENTAL", "true"), &[]);
    assert_eq!(out.json()["links"][0]["actor_id"], actor.as_str());
}

/// The JSON lines `wash spy -o json` printed so far (the closing summary has no `kind`).
fn spied(child: &wash_test_support::WashChild) -> Vec<Value> {
    child
        .stdout()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|v| v.get("kind").is_some())
        .collect()
}

/// `wash spy <actor>` (0.18.1's experimental spy) prints the actor's traffic live: the invocation
/// `wash call` sends it, the keyvalue invocation it sends to kv-nats, and both replies, decoded. The
/// actor is found by part of its name as well as by id; a name no actor has is an error.
#[test]
fn spy_prints_an_actors_invocations_and_replies() {
    let lattice = Lattice::up();
    let actor = lattice.start_kvcounter();
    let kv = lattice.start_provider("kv-nats", "wasmcloud:keyvalue");
    lattice.link(&actor, &kv, "wasmcloud:keyvalue", &[]);
    let home = lattice.home.path();
    let call = || {
        wash()
            .in_home(home)
            .args([
                "call",
                &actor,
                "HttpServer.HandleRequest",
                REQUEST,
                "-o",
                "json",
            ])
            .run()
    };
    // Linked and answering before the spies start.
    first_counted_reply(call);

    let json_spy = wash()
        .in_home(home)
        .args(["spy", "counter", "-o", "json"])
        .spawn();
    let text_spy = wash().in_home(home).args(["spy", &actor]).spawn();
    let deadline = Instant::now() + Duration::from_secs(60);
    // kvcounter's keyvalue calls go out from it and their replies come back to it.
    let complete = |seen: &[Value]| {
        let has = |kind: &str, operation: &str, from: &str, to: &str| {
            seen.iter().any(|v| {
                v["kind"] == kind
                    && v["operation"]
                        .as_str()
                        .is_some_and(|o| o.starts_with(operation))
                    && (from.is_empty() || v["from"] == from)
                    && (to.is_empty() || v["to"] == to)
            })
        };
        has("invocation", "HttpServer.HandleRequest", "", "kvcounter")
            && has("reply", "HttpServer.HandleRequest", "kvcounter", "")
            && has("invocation", "KeyValue.", "kvcounter", "")
            && has("reply", "KeyValue.", "", "kvcounter")
    };
    // Each spy must have seen a whole exchange: one that subscribed while a call was under way saw
    // only its second half.
    let text_complete = |text: &str| {
        text.contains("Operation: HttpServer.HandleRequest")
            && text.contains("Operation: KeyValue.")
    };
    while !(complete(&spied(&json_spy)) && text_complete(&text_spy.stdout())) {
        assert!(
            Instant::now() < deadline,
            "the spies did not show a whole exchange:\n{}\n--- text\n{}\n--- stderr\n{}",
            json_spy.stdout(),
            text_spy.stdout(),
            json_spy.stderr()
        );
        call().success();
        std::thread::sleep(Duration::from_millis(200));
    }
    let seen = spied(&json_spy);
    let reply = seen
        .iter()
        .find(|v| v["kind"] == "reply" && v["operation"] == "HttpServer.HandleRequest")
        .expect("a reply");
    assert_eq!(reply["message"]["statusCode"], 200, "{reply}");
    assert_eq!(reply["error"], Value::Null, "{reply}");
    let request = seen
        .iter()
        .find(|v| v["kind"] == "invocation" && v["operation"] == "HttpServer.HandleRequest")
        .expect("an invocation");
    assert_eq!(request["message"]["method"], "GET", "{request}");
    assert_eq!(
        request["host_id"].as_str().map(str::len),
        Some(56),
        "{request}"
    );
    assert!(
        seen.iter()
            .all(|v| v["from"] == "kvcounter" || v["to"] == "kvcounter"),
        "only the actor's traffic: {seen:?}"
    );
    let text = text_spy.stdout();
    assert!(text.contains("From: kvcounter"), "{text}");
    assert!(
        text.contains("Operation: HttpServer.HandleRequest"),
        "{text}"
    );

    let out = wash()
        .in_home(home)
        .args(["spy", "no-such-actor", "-o", "json"])
        .run()
        .assert_code(1);
    let error = out.json()["error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("no actor on lattice"), "{error}");
}

/// `WASMCLOUD_CTL_TOPIC_PREFIX` (0.18.1's control subject prefix, in place of `wasmbus.ctl`): a host
/// started with `wash up --ctl-topic-prefix` answers clients with the same prefix, from the flag or the
/// variable, and no others.
#[test]
fn ctl_topic_prefix_moves_the_control_interface() {
    let lattice = Lattice::up_with(&["--ctl-topic-prefix", "acme.ctl"]);
    let home = lattice.home.path();
    let hosts = |cmd: wash_test_support::WashCommand, extra: &[&str]| {
        cmd.in_home(home)
            .args(["ctl", "get", "hosts", "-o", "json"])
            .args(extra)
            .run()
    };
    let default_prefix = hosts(wash(), &[]);
    assert_eq!(default_prefix.code(), 1, "{}", default_prefix.stdout());
    let by_flag = hosts(wash(), &["--ctl-topic-prefix", "acme.ctl"]).success();
    assert_eq!(by_flag.json()["hosts"][0]["id"], lattice.host_id.as_str());
    let by_variable = hosts(wash().env("WASMCLOUD_CTL_TOPIC_PREFIX", "acme.ctl"), &[]).success();
    assert_eq!(
        by_variable.json()["hosts"][0]["id"],
        lattice.host_id.as_str()
    );
}

/// `wash ctl apply HOST_ID host.yaml --expand-env` (wash 0.18.1's host manifest): kvcounter, httpserver
/// and kv-nats from files, two links with a numeric `PORT` and the actor id from the environment; the
/// demo counts. A manifest step that fails is reported and the command exits 1.
#[test]
fn ctl_apply_runs_a_0x_host_manifest() {
    let lattice = Lattice::up();
    let signed = lattice.sign_example("kvcounter", &["--keyvalue", "--http_server"]);
    let actor = lattice.wash_json(&["claims", "inspect", path_str(&signed)])["module"]
        .as_str()
        .expect("actor id")
        .to_owned();
    let http = lattice.pack_provider("httpserver", "wasmcloud:httpserver");
    let kv = lattice.pack_provider("kv-nats", "wasmcloud:keyvalue");
    let key = |archive: &std::path::Path| {
        lattice.wash_json(&["par", "inspect", path_str(archive)])["service"]
            .as_str()
            .expect("provider id")
            .to_owned()
    };
    let (http_id, kv_id) = (key(&http), key(&kv));
    let port = wash_test_support::free_port();
    let manifest = lattice.path("host.yaml");
    std::fs::write(
        &manifest,
        format!(
            "actors:\n  - {}\ncapabilities:\n  - image_ref: {}\n    link_name: default\n  - image_ref: {}\n\
             links:\n  - actor: ${{KVCOUNTER_ID}}\n    provider_id: {http_id}\n    contract_id: wasmcloud:httpserver\n\
             \x20   values:\n      PORT: {port}\n  - actor: ${{KVCOUNTER_ID}}\n    provider_id: {kv_id}\n\
             \x20   contract_id: wasmcloud:keyvalue\n",
            path_str(&signed),
            path_str(&http),
            path_str(&kv),
        ),
    )
    .expect("write manifest");
    let applied = wash()
        .in_home(lattice.home.path())
        .env("KVCOUNTER_ID", &actor)
        .args([
            "ctl",
            "apply",
            &lattice.host_id,
            path_str(&manifest),
            "-e",
            "-o",
            "json",
        ])
        .run()
        .success()
        .json();
    assert_eq!(
        applied["steps"].as_array().map(Vec::len),
        Some(5),
        "{applied}"
    );
    assert_eq!(crate::lattice::first_count(port), 1);
    assert_eq!(crate::lattice::counter(port), 2);

    let broken = lattice.path("broken.yaml");
    std::fs::write(&broken, "actors:\n  - ./no-such-actor.wasm\n").expect("write");
    let out = wash()
        .in_home(lattice.home.path())
        .args([
            "ctl",
            "apply",
            &lattice.host_id,
            path_str(&broken),
            "-o",
            "json",
        ])
        .run()
        .assert_code(1);
    let error = out.json()["error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("1 of 1 step(s)"), "{error}");
    assert!(error.contains("no-such-actor.wasm"), "{error}");
}
