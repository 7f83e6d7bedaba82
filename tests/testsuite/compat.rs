//! wash 0.18.1 command lines run against our binary: each keeps the meaning it had in 0.x (see
//! docs/compat.md). Every test checks the effect (the token, the file, the lattice), not only the exit
//! code.

use std::time::{Duration, Instant};

use wash_claims::{Account, Actor, CapabilityProvider, Operator, Token};
use wash_keys::{generate, seed_of, KeyKind};
use wash_par::ProviderArchive;
use wash_test_support::{wash, WashCommand};

use crate::call::{counter, first_counted_reply, REQUEST};
use crate::lattice::{path_str, Lattice};
use crate::snapshot::vector;

/// A wash invocation with `tiny.wasm` in its work dir and `USER=alice`.
fn with_tiny() -> WashCommand {
    let cmd = wash().env("USER", "alice");
    std::fs::copy(vector("tiny.wasm"), cmd.work_dir().join("tiny.wasm")).expect("copy tiny.wasm");
    cmd
}

/// The actor claims embedded in `module`, read back with `wash claims inspect --jwt-only -o json`.
fn embedded_claims(module: &std::path::Path) -> wash_claims::Claims<Actor> {
    let out = wash()
        .args(["claims", "inspect", "--jwt-only", "-o", "json"])
        .arg(module)
        .run()
        .success();
    let jwt = out.json()["token"].as_str().expect("token").to_owned();
    let token = Token::<Actor>::decode(&jwt).expect("a JWT");
    token.verify().expect("a valid token");
    token.claims
}

/// `claims sign` with every capability short flag of wash 0.18.1 (`-k -g -q -f -l -e`, `-c` for a
/// custom id) plus `--http_client` grants exactly those capabilities, in 0.x's order; `-v` sets the
/// version and `-r` the revision; `-z` (0.x's no-op `--extras`) is accepted and grants nothing.
#[test]
fn claims_sign_short_flags_keep_their_0x_meaning() {
    let cmd = with_tiny();
    let work = cmd.work_dir();
    let out = cmd
        .args(["claims", "sign", "tiny.wasm", "-n", "Tiny"])
        .args(["-k", "-g", "-q", "-f", "-l", "-e", "-c", "acme:custom"])
        .args([
            "--http_client",
            "-z",
            "-v",
            "1.2.3",
            "-r",
            "7",
            "-o",
            "json",
        ])
        .run()
        .success();
    let expected = [
        "wasmcloud:keyvalue",
        "wasmcloud:messaging",
        "wasmcloud:httpclient",
        "wasmcloud:httpserver",
        "wasmcloud:blobstore",
        "wasmcloud:builtin:logging",
        "wasmcloud:eventstreams",
        "acme:custom",
    ];
    assert_eq!(out.json()["capabilities"], serde_json::json!(expected));
    let claims = embedded_claims(&work.join("tiny_s.wasm"));
    let actor = claims.wascap.expect("actor metadata");
    assert_eq!(actor.caps.as_deref(), Some(&expected.map(String::from)[..]));
    assert_eq!(actor.ver.as_deref(), Some("1.2.3"));
    assert_eq!(actor.rev, Some(7));
    assert!(!actor.prov);
    assert_eq!(actor.name.as_deref(), Some("Tiny"));
}

/// `claims sign -p -q` marks the module as a provider of the HTTP-server capability, as in 0.x.
#[test]
fn claims_sign_p_marks_a_provider() {
    let out = with_tiny()
        .args(["claims", "sign", "tiny.wasm", "-n", "Tiny", "-p", "-q"])
        .run()
        .success();
    let actor = embedded_claims(&out.work_dir().join("tiny_s.wasm"))
        .wascap
        .expect("actor metadata");
    assert!(actor.prov);
    assert_eq!(
        actor.caps.as_deref(),
        Some(&["wasmcloud:httpserver".to_owned()][..])
    );
}

/// Where `-q`/`-v` mean what 0.x made them mean, quiet and verbose stay reachable by their long names:
/// `-q` alone still prints the status lines (it is a capability), `--quiet` silences them.
#[test]
fn claims_sign_long_quiet_and_verbose_still_work() {
    let out = with_tiny()
        .args(["claims", "sign", "tiny.wasm", "-n", "Tiny", "-q"])
        .run()
        .success();
    assert!(
        out.stderr().contains("Signing tiny.wasm"),
        "{}",
        out.stderr()
    );
    let out = with_tiny()
        .args(["claims", "sign", "tiny.wasm", "-n", "Tiny", "-q", "--quiet"])
        .args(["--verbose"])
        .run()
        .success();
    assert_eq!(out.stderr(), "", "--quiet silences the status lines");
    assert!(
        out.stdout().contains("wasmcloud:httpserver"),
        "{}",
        out.stdout()
    );
    let out = with_tiny()
        .args(["-q", "claims", "sign", "tiny.wasm", "-n", "Tiny"])
        .run()
        .success();
    assert_eq!(
        out.stderr(),
        "",
        "before the subcommand, -q is still --quiet"
    );
}

/// `claims token provider -v` and `par create -v` take the vendor, as in 0.x.
#[test]
fn v_is_the_vendor_in_token_provider_and_par_create() {
    let out = wash()
        .args([
            "claims",
            "token",
            "provider",
            "-n",
            "KV",
            "-c",
            "wasmcloud:keyvalue",
        ])
        .args(["-v", "Acme", "-o", "json"])
        .run()
        .success();
    let token = Token::<CapabilityProvider>::decode(out.json()["token"].as_str().expect("token"))
        .expect("a JWT");
    assert_eq!(token.claims.vendor(), "Acme");

    let cmd = wash().env("USER", "alice");
    std::fs::copy(vector("tinyprov.sh"), cmd.work_dir().join("tinyprov.sh")).expect("copy");
    let out = cmd
        .args([
            "par",
            "create",
            "-c",
            "wasmcloud:example",
            "-v",
            "Acme",
            "-n",
            "Tiny",
        ])
        .args(["-a", "x86_64-linux", "-b", "tinyprov.sh"])
        .run()
        .success();
    let archive = ProviderArchive::load(
        &std::fs::read(out.work_dir().join("tinyprov.par")).expect("archive"),
    )
    .expect("an archive");
    assert_eq!(archive.claims().vendor(), "Acme");
}

/// `new actor NAME -p DIR -v FILE` takes the template from the folder and the placeholder values from
/// the file, as 0.x's `--path`/`--values` shorts did.
#[test]
fn new_p_and_v_are_path_and_values() {
    let cmd = wash();
    let template = cmd.home().join("tpl");
    std::fs::create_dir_all(&template).expect("mkdir");
    std::fs::write(
        template.join("cargo-generate.toml"),
        "[placeholders.greeting]\ntype = \"string\"\nprompt = \"Greeting?\"\n",
    )
    .expect("write");
    std::fs::write(template.join("hello.txt.liquid"), "{{greeting}}\n").expect("write");
    let values = cmd.home().join("values.toml");
    std::fs::write(&values, "[values]\ngreeting = \"Howdy\"\n").expect("write");
    let out = cmd
        .args(["new", "actor", "app", "-p"])
        .arg(&template)
        .arg("-v")
        .arg(&values)
        .arg("--silent")
        .run()
        .success();
    let text = std::fs::read_to_string(out.work_dir().join("app/hello.txt")).expect("rendered");
    assert_eq!(text, "Howdy\n");
}

/// `claims token account -a` takes a seed literal, a seed file or a public key and stores only the
/// public key in `valid_signers`: no seed ever lands in the token.
#[test]
fn token_account_additional_keys_store_public_keys_only() {
    let (first, second, third) = (
        generate(KeyKind::Account),
        generate(KeyKind::Account),
        generate(KeyKind::Account),
    );
    let cmd = wash().env("USER", "alice");
    let seed_file = cmd.work_dir().join("signer.nk");
    std::fs::write(&seed_file, seed_of(&second).expect("seed")).expect("write");
    let first_seed = seed_of(&first).expect("seed");
    let out = cmd
        .args(["claims", "token", "account", "-n", "team", "-o", "json"])
        .args(["-a", &first_seed, "-a", path_str(&seed_file)])
        .args(["-a", &third.public_key()])
        .run()
        .success();
    let jwt = out.json()["token"].as_str().expect("token").to_owned();
    let token = Token::<Account>::decode(&jwt).expect("a JWT");
    token.verify().expect("valid");
    assert_eq!(
        token.claims.wascap.expect("account").valid_signers,
        Some(vec![
            first.public_key(),
            second.public_key(),
            third.public_key()
        ])
    );
    let payload = out.stdout();
    assert!(!payload.contains(&first_seed), "a seed leaked: {payload}");
}

/// `claims token operator -a` does the same with operator keys; a key of another kind and a value
/// that is no key at all are refused (exit 1, no token, the value not echoed).
#[test]
fn token_operator_additional_keys_are_checked() {
    let signer = generate(KeyKind::Operator);
    let signer_seed = seed_of(&signer).expect("seed");
    let out = wash()
        .args([
            "claims",
            "token",
            "operator",
            "-n",
            "ops",
            "-a",
            &signer_seed,
        ])
        .args(["-o", "json"])
        .run()
        .success();
    let token =
        Token::<Operator>::decode(out.json()["token"].as_str().expect("token")).expect("a JWT");
    assert_eq!(
        token.claims.wascap.expect("operator").valid_signers,
        Some(vec![signer.public_key()])
    );

    let account = generate(KeyKind::Account).public_key();
    let out = wash()
        .args(["claims", "token", "operator", "-n", "ops", "-a", &account])
        .run()
        .assert_code(1);
    assert!(
        out.stderr().contains("is an account key")
            && out.stderr().contains("expected an operator key"),
        "{}",
        out.stderr()
    );
    assert_eq!(out.stdout(), "");
    let garbage = "SOnot-a-seed-at-all";
    let out = wash()
        .args(["claims", "token", "operator", "-n", "ops", "-a", garbage])
        .run()
        .assert_code(1);
    assert!(
        out.stderr()
            .contains("`--additional-key` is not an operator public key, seed or seed file"),
        "{}",
        out.stderr()
    );
    assert!(!out.stderr().contains(garbage), "{}", out.stderr());
    assert_eq!(out.stdout(), "");
}

/// `call <actor> <op> -d FILE` reads the JSON from the file, as 0.x did; inline JSON and `@FILE` still
/// work. kvcounter counts each of the three calls.
#[test]
fn call_data_takes_a_file_path_as_in_0x() {
    let lattice = Lattice::up();
    let actor = lattice.start_kvcounter();
    let kv = lattice.start_provider("kv-nats", "wasmcloud:keyvalue");
    lattice.link(&actor, &kv, "wasmcloud:keyvalue", &[]);
    let file = lattice.path("request.json");
    std::fs::write(&file, REQUEST).expect("write request");

    let call = |data: &str| {
        wash()
            .in_home(lattice.home.path())
            .args([
                "call",
                &actor,
                "HttpServer.HandleRequest",
                "-d",
                data,
                "-o",
                "json",
            ])
            .run()
    };
    let reply = first_counted_reply(|| call(path_str(&file)));
    assert_eq!(counter(&reply), 1);
    let reply = call(&format!("@{}", file.display())).success().json();
    assert_eq!(counter(&reply), 2);
    let reply = call(REQUEST).success().json();
    assert_eq!(counter(&reply), 3);
    // A path that names no file is taken as JSON, which it is not.
    let error = call("missing.json").assert_code(1).json()["error"].to_string();
    assert!(error.contains("JSON"), "{error}");
}

/// The instances of `actor` in the lattice's inventory.
pub(crate) fn instances(lattice: &Lattice, actor: &str) -> usize {
    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    inventory["inventory"]["actors"]
        .as_array()
        .expect("actors")
        .iter()
        .filter(|a| a["id"] == actor)
        .map(|a| a["instances"].as_array().map_or(0, Vec::len))
        .sum()
}

/// `ctl scale actor <host-id> <actor-id> <ref>` and `ctl update actor <host-id> <actor-id> <ref>` are
/// wash 0.18.1's positional forms: `-c` defaults to 1, `-a` annotates the instances; the host id given
/// twice is a usage error.
#[test]
fn ctl_scale_and_update_take_the_0x_positional_forms() {
    let lattice = Lattice::up();
    let actor = lattice.start_kvcounter();
    let signed = lattice.path("kvcounter_s.wasm");
    let host = lattice.host_id.as_str();
    let reference = path_str(&signed);

    let scaled = lattice.wash_json(&[
        "ctl",
        "scale",
        "actor",
        host,
        &actor,
        reference,
        "-c",
        "3",
        "-a",
        "team=blue",
    ]);
    assert_eq!(scaled["instances"], 3, "{scaled}");
    let inventory = lattice.wash_json(&["ctl", "get", "inventory"]);
    let blue = inventory["inventory"]["actors"][0]["instances"]
        .as_array()
        .expect("instances")
        .iter()
        .filter(|i| i["annotations"]["team"] == "blue")
        .count();
    assert!(
        blue >= 2,
        "the new instances carry the annotation: {inventory}"
    );
    let scaled = lattice.wash_json(&["ctl", "scale", "actor", host, &actor, reference]);
    assert_eq!(scaled["instances"], 1, "0.x's default count is 1: {scaled}");
    assert_eq!(instances(&lattice, &actor), 1);

    let twice = wash()
        .in_home(lattice.home.path())
        .args([
            "ctl",
            "scale",
            "actor",
            host,
            &actor,
            reference,
            "--host-id",
            host,
        ])
        .run()
        .assert_code(2);
    assert!(twice.stderr().contains("given twice"), "{}", twice.stderr());

    let (v2, _) = lattice.sign_kvcounter_revision(2);
    let updated = lattice.wash_json(&["ctl", "update", "actor", host, &actor, path_str(&v2)]);
    assert_eq!(updated["revision"], 2, "{updated}");
    assert_eq!(updated["host_id"], host, "{updated}");
}

/// `ctl stop actor <host-id> <actor-id>` stops one instance (0.x's default `--count 1`), `--count 2`
/// two; `ctl stop provider <host-id> <provider-id> <link-name> <contract-id>` stops the provider; our
/// forms (`stop actor <actor-id>` stops all) keep working.
#[test]
fn ctl_stop_takes_the_0x_positional_forms() {
    let lattice = Lattice::up();
    let actor = lattice.start_kvcounter();
    let signed = lattice.path("kvcounter_s.wasm");
    lattice.wash_json(&[
        "ctl",
        "scale",
        "actor",
        &actor,
        path_str(&signed),
        "--count",
        "4",
    ]);
    assert_eq!(instances(&lattice, &actor), 4);
    let host = lattice.host_id.as_str();

    let stopped = lattice.wash_json(&["ctl", "stop", "actor", host, &actor]);
    assert_eq!(stopped["host_id"], host);
    assert_eq!(instances(&lattice, &actor), 3);
    lattice.wash_json(&["ctl", "stop", "actor", host, &actor, "--count", "2"]);
    assert_eq!(instances(&lattice, &actor), 1);
    lattice.wash_json(&["ctl", "stop", "actor", &actor]);
    assert_eq!(instances(&lattice, &actor), 0);

    let kv = lattice.start_provider("kv-nats", "wasmcloud:keyvalue");
    let providers = |lattice: &Lattice| {
        lattice.wash_json(&["ctl", "get", "inventory"])["inventory"]["providers"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(providers(&lattice), 1);
    let out = wash()
        .in_home(lattice.home.path())
        .args(["ctl", "stop", "provider", host, &kv, "default"])
        .run()
        .assert_code(2);
    assert!(out.stderr().contains("got 3 arguments"), "{}", out.stderr());
    let stopped = lattice.wash_json(&[
        "ctl",
        "stop",
        "provider",
        host,
        &kv,
        "default",
        "wasmcloud:keyvalue",
    ]);
    assert_eq!(stopped["stopped"], format!("provider {kv}"));
    // Without --skip-wait, 0.18.1 returned once the host reported the provider stopped.
    assert_eq!(stopped["acknowledged_only"], false, "{stopped}");
    assert_eq!(
        providers(&lattice),
        0,
        "the provider still runs after `ctl stop`"
    );
}

/// `wash ctl get hosts` with `vars` set (and every connection variable of either naming unset
/// otherwise); returns its stderr. No host runs, so it fails with an error naming where it looked.
fn ctl_get_hosts_with(home: &std::path::Path, vars: &[(&str, &str)]) -> String {
    const ALL: [&str; 12] = [
        "WASMCLOUD_CTL_HOST",
        "WASMCLOUD_CTL_PORT",
        "WASMCLOUD_CTL_JWT",
        "WASMCLOUD_CTL_SEED",
        "WASMCLOUD_CTL_TIMEOUT_MS",
        "WASMCLOUD_LATTICE_PREFIX",
        "WASH_CTL_HOST",
        "WASH_CTL_PORT",
        "WASH_CTL_JWT",
        "WASH_CTL_SEED",
        "WASH_LATTICE",
        "WASH_CTL_CREDS",
    ];
    let mut cmd = wash().in_home(home);
    for name in ALL {
        cmd = cmd.env_remove(name);
    }
    for (name, value) in vars {
        cmd = cmd.env(name, value);
    }
    cmd.args(["ctl", "get", "hosts"])
        .run()
        .assert_code(1)
        .stderr()
}

/// `WASMCLOUD_CTL_HOST`/`WASMCLOUD_CTL_PORT` (wash 0.x's names) and `WASMCLOUD_LATTICE_PREFIX` say
/// where `wash ctl` connects; our `WASH_CTL_HOST`/`WASH_CTL_PORT`/`WASH_LATTICE` still work, and the
/// 0.x names win when both are set.
#[test]
fn ctl_reads_the_0x_host_port_and_lattice_variables() {
    let nats = wash_test_support::NatsServer::start();
    let port = nats.port().to_string();
    let home = tempfile::tempdir().expect("home");
    let nobody = wash_test_support::free_port().to_string();
    for (host, port_var, lattice) in [
        (
            "WASMCLOUD_CTL_HOST",
            "WASMCLOUD_CTL_PORT",
            "WASMCLOUD_LATTICE_PREFIX",
        ),
        ("WASH_CTL_HOST", "WASH_CTL_PORT", "WASH_LATTICE"),
    ] {
        let err = ctl_get_hosts_with(
            home.path(),
            &[(host, "localhost"), (port_var, &port), (lattice, "other")],
        );
        let expected =
            format!("no host is listening on lattice `other` at `nats://localhost:{port}`");
        assert!(err.contains(&expected), "{host}: {err}");
    }
    let err = ctl_get_hosts_with(
        home.path(),
        &[
            ("WASMCLOUD_CTL_PORT", &port),
            ("WASH_CTL_PORT", &nobody),
            ("WASMCLOUD_LATTICE_PREFIX", "zero-x"),
            ("WASH_LATTICE", "ours"),
        ],
    );
    assert!(
        err.contains(&format!("lattice `zero-x` at `nats://127.0.0.1:{port}`")),
        "{err}"
    );
}

/// `WASMCLOUD_CTL_SEED` (and our `WASH_CTL_SEED`) log in to a NATS server that admits only that nkey;
/// `WASMCLOUD_CTL_JWT` (and `WASH_CTL_JWT`) are read: a JWT without its seed is refused as such.
#[test]
fn ctl_reads_the_0x_credential_variables() {
    let user = generate(KeyKind::User);
    let seed = seed_of(&user).expect("seed");
    let nats = wash_test_support::secured::start_nkey_server(&[user.public_key()]);
    let port = nats.port().to_string();
    let home = tempfile::tempdir().expect("home");
    let refused = ctl_get_hosts_with(home.path(), &[("WASMCLOUD_CTL_PORT", &port)]);
    assert!(refused.contains("requires credentials"), "{refused}");
    for seed_var in ["WASMCLOUD_CTL_SEED", "WASH_CTL_SEED"] {
        let err = ctl_get_hosts_with(
            home.path(),
            &[("WASMCLOUD_CTL_PORT", &port), (seed_var, &seed)],
        );
        assert!(err.contains("no host is listening"), "{seed_var}: {err}");
    }
    for jwt_var in ["WASMCLOUD_CTL_JWT", "WASH_CTL_JWT"] {
        let err = ctl_get_hosts_with(
            home.path(),
            &[("WASMCLOUD_CTL_PORT", &port), (jwt_var, "eyJ0")],
        );
        assert!(
            err.contains("a JWT needs its user seed too"),
            "{jwt_var}: {err}"
        );
    }
}

/// `WASMCLOUD_CTL_TIMEOUT_MS` bounds how long `wash ctl` waits for a control reply: against a
/// subscriber that never answers, 300 ms gives up well before the 2 s default would.
#[tokio::test]
async fn ctl_reads_the_0x_timeout_variable() {
    let nats = wash_test_support::NatsServer::start();
    let client = async_nats::connect(nats.url()).await.expect("connect");
    let _silent = client.subscribe("wasmbus.ctl.>").await.expect("subscribe");
    client.flush().await.expect("flush");
    let home = tempfile::tempdir().expect("home");
    let port = nats.port().to_string();
    let host = "NBCFOPM6JW2APJLXJD3Z5O4CN7CPYJ2B4FTKLJUR5YR5MITIU7HD3WD5";
    let run = |timeout: &'static str| {
        let home = home.path().to_owned();
        let port = port.clone();
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let out = wash()
                .in_home(&home)
                .env("WASMCLOUD_CTL_TIMEOUT_MS", timeout)
                .args(["ctl", "get", "inventory", host, "--ctl-port", &port])
                .run()
                .assert_code(1);
            (started.elapsed(), out.stderr())
        })
    };
    let (elapsed, err) = run("300").await.expect("join");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}: {err}");
    assert!(err.contains("no host inventory within 300ms"), "{err}");
    let (elapsed, err) = run("2500").await.expect("join");
    assert!(elapsed >= Duration::from_millis(2500), "{elapsed:?}: {err}");
    assert!(err.contains("no host inventory within 2.5s"), "{err}");
}
