//! wash 0.18.1 command lines of `build`, `claims`, `par`, `new`, `gen`, `validate`, `lint` and
//! `completions` run against our binary: each keeps the meaning it had in 0.x (docs/compat.md). Every
//! test checks the effect (the token, the files written, the repository made), not only the exit code.

use std::path::{Path, PathBuf};

use wash_claims::{Actor, Token};
use wash_keys::{generate, seed_of, KeyKind};
use wash_test_support::{wash, WashCommand};

use crate::snapshot::vector;

/// A Rust actor project with no dependencies (a bare cdylib builds in a moment), in `parent/name`.
fn tiny_actor_project(parent: &Path, name: &str) -> PathBuf {
    let dir = parent.join(name);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
             [lib]\ncrate-type = [\"cdylib\"]\n\n[workspace]\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "#[no_mangle]\npub extern \"C\" fn answer() -> i32 {\n    42\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("wasmcloud.toml"),
        format!(
            "name = \"{name}\"\nlanguage = \"rust\"\ntype = \"actor\"\nversion = \"0.2.0\"\n\n\
             [actor]\nclaims = [\"wasmcloud:keyvalue\"]\n"
        ),
    )
    .unwrap();
    dir
}

/// Fails, showing `text`, unless `text` contains `needle`.
fn assert_mentions(text: &str, needle: &str) {
    assert!(text.contains(needle), "expected {needle:?} in:\n{text}");
}

/// `wash build` with cargo building into the project's own target folder.
fn build(project: &Path) -> WashCommand {
    wash()
        .env("CARGO_TARGET_DIR", project.join("target"))
        .arg("build")
}

/// The actor claims of a signed module, read back with `claims inspect --jwt-only`.
fn module_claims(module: &Path) -> wash_claims::Claims<Actor> {
    let out = wash()
        .args(["claims", "inspect", "--jwt-only", "-o", "json"])
        .arg(module)
        .run()
        .success();
    let token = Token::<Actor>::decode(out.json()["token"].as_str().expect("token")).unwrap();
    token.verify().expect("a valid token");
    token.claims
}

/// `build -p <wasmcloud.toml> -i ISSUER -s SUBJECT` signs with exactly those keys (the path may name
/// the project file, as in 0.18.1); `--build-only` compiles and signs nothing.
#[test]
fn build_config_path_file_and_explicit_keys() {
    let dir = tempfile::tempdir().unwrap();
    let project = tiny_actor_project(dir.path(), "tiny");
    let issuer = generate(KeyKind::Account);
    let subject = generate(KeyKind::Module);
    let subject_file = dir.path().join("subject.nk");
    std::fs::write(&subject_file, seed_of(&subject).unwrap()).unwrap();
    let out = build(&project)
        .arg("-p")
        .arg(project.join("wasmcloud.toml"))
        .args(["-i", &seed_of(&issuer).unwrap(), "-s"])
        .arg(&subject_file)
        .args(["--disable-keygen", "-o", "json"])
        .run()
        .success();
    let signed = project.join("build/tiny_s.wasm");
    assert_eq!(out.json()["artifact"], signed.display().to_string());
    // 0.18.1's JSON keys are there too.
    assert_eq!(out.json()["actor_path"], signed.display().to_string());
    assert_eq!(out.json()["signed"], true);
    let claims = module_claims(&signed);
    assert_eq!(claims.issuer(), issuer.public_key());
    assert_eq!(claims.subject(), subject.public_key());
    let actor = claims.wascap.expect("actor metadata");
    assert_eq!(actor.ver.as_deref(), Some("0.2.0"));
    assert_eq!(
        actor.caps.as_deref(),
        Some(&["wasmcloud:keyvalue".to_owned()][..])
    );

    std::fs::remove_dir_all(project.join("build")).unwrap();
    let out = build(&project)
        .arg("--config-path")
        .arg(&project)
        .args(["--build-only", "-o", "json"])
        .run()
        .success();
    let json = out.json();
    assert!(json["artifact"].is_null(), "{json}");
    let compiled = PathBuf::from(json["compiled"].as_str().expect("compiled"));
    assert!(compiled.is_file(), "{json}");
    assert_eq!(json["actor_path"], json["compiled"]);
    assert_eq!(json["signed"], false);
    assert!(
        !project.join("build").exists(),
        "--build-only signs nothing"
    );
}

/// `--keys-directory` is the key store of the build (over `key_directory` in wasmcloud.toml), and
/// `--disable-keygen` refuses to make keys that are not there. `WASMCLOUD_VERSION` replaces the
/// project file's `version`, as 0.18.1's config loader did.
#[test]
fn build_keys_directory_and_disable_keygen() {
    let dir = tempfile::tempdir().unwrap();
    let project = tiny_actor_project(dir.path(), "kd");
    let keys = dir.path().join("keys");
    let out = build(&project)
        .arg("-p")
        .arg(&project)
        .args(["--disable-keygen", "--keys-directory"])
        .arg(&keys)
        .run()
        .assert_code(1);
    assert_mentions(&out.stderr(), "key generation is disabled");
    assert!(!project.join("build/kd_s.wasm").exists());

    let out = build(&project)
        .arg("-p")
        .arg(&project)
        .arg("--keys-directory")
        .arg(&keys)
        .args(["-o", "json"])
        .env("USER", "alice")
        .env("WASMCLOUD_VERSION", "3.1.4")
        .run()
        .success();
    let module_key = std::fs::read_to_string(keys.join("kd_module.nk")).expect("module key saved");
    let account_key = std::fs::read_to_string(keys.join("alice_account.nk")).expect("account key");
    let claims = module_claims(&project.join("build/kd_s.wasm"));
    assert_eq!(
        claims.subject(),
        wash_keys::parse_seed(module_key.trim())
            .unwrap()
            .1
            .public_key()
    );
    assert_eq!(
        claims.issuer(),
        wash_keys::parse_seed(account_key.trim())
            .unwrap()
            .1
            .public_key()
    );
    assert_eq!(out.json()["subject"], claims.subject());
    assert_eq!(claims.wascap.unwrap().ver.as_deref(), Some("3.1.4"));
    // The default store of this invocation's home was not used.
    let home_keys = out.home().join(".wash/keys");
    assert_eq!(std::fs::read_dir(home_keys).unwrap().count(), 0);
}

/// `tiny.wasm` signed with these validity dates (seconds from now; negative is in the past).
fn module_with_dates(exp: Option<i64>, nbf: Option<i64>) -> Vec<u8> {
    let account = generate(KeyKind::Account);
    let module = generate(KeyKind::Module);
    let mut claims = wash_claims::Claims::new(
        account.public_key(),
        module.public_key(),
        Actor {
            name: Some("Dated".into()),
            ..Actor::default()
        },
    );
    let at = |offset: i64| claims.iat.checked_add_signed(offset).expect("a time");
    claims.exp = exp.map(at);
    claims.nbf = nbf.map(at);
    wash_claims::embed_claims(
        &std::fs::read(vector("tiny.wasm")).unwrap(),
        claims,
        &account,
    )
    .unwrap()
}

/// As in 0.18.1, `claims inspect` shows the claims of an expired or not-yet-valid actor and exits 0;
/// ours marks them (a warning line and the row in text, `expired`/`cannot_use_yet`/`valid` in JSON).
/// `--verify` (ours; 0.18.1 had no such flag) turns either into exit 1.
#[test]
fn claims_inspect_shows_expired_and_future_claims_marked() {
    let cases = [
        (
            "expired.wasm",
            Some(-3 * 86_400 - 60),
            None,
            "EXPIRED 3days ago",
            "expired",
        ),
        (
            "future.wasm",
            None,
            Some(2 * 86_400 + 60),
            "NOT YET VALID (valid in 2days)",
            "cannot_use_yet",
        ),
    ];
    for (file, exp, nbf, warning, field) in cases {
        let cmd = wash();
        std::fs::write(cmd.work_dir().join(file), module_with_dates(exp, nbf)).unwrap();
        let text = cmd.args(["claims", "inspect", file]).run().success();
        assert_mentions(&text.stdout(), warning);
        assert_mentions(&text.stdout(), "Dated - Module");

        let cmd = wash();
        std::fs::write(cmd.work_dir().join(file), module_with_dates(exp, nbf)).unwrap();
        let json = cmd
            .args(["claims", "inspect", file, "-o", "json"])
            .run()
            .success()
            .json();
        assert_eq!(json[field], true, "{json}");
        assert_eq!(json["valid"], false, "{json}");
        assert_eq!(json["name"], "Dated", "{json}");

        let cmd = wash();
        std::fs::write(cmd.work_dir().join(file), module_with_dates(exp, nbf)).unwrap();
        let out = cmd
            .args([
                "claims",
                "inspect",
                file,
                "--jwt-only",
                "--verify",
                "-o",
                "json",
            ])
            .run()
            .assert_code(1);
        assert_mentions(out.json()["error"].as_str().unwrap(), "the claims of");
    }
}

/// `wash reg push --allow-latest` of `file` to `url` in `home` (cache `home/cache`); returns the
/// manifest digest.
fn push_to(home: &Path, url: &str, file: &Path, auth: Option<(&str, &str)>) -> String {
    let mut cmd = wash()
        .in_home(home)
        .env("WASH_CACHE", home.join("cache"))
        .args(["reg", "push", "--allow-latest", url])
        .arg(file);
    if let Some((user, password)) = auth {
        cmd = cmd.args(["-u", user, "-p", password]);
    }
    let out = cmd.args(["-o", "json"]).run().success();
    out.json()["digest"].as_str().expect("digest").to_owned()
}

/// The number of blobs in the OCI cache of `home`.
fn cached_blobs(home: &Path) -> usize {
    std::fs::read_dir(home.join("cache/blobs/sha256")).map_or(0, |d| d.count())
}

/// `claims inspect REF` and `par inspect REF` pull from a registry as 0.18.1 did: `-d/--digest` pins
/// the manifest, `--allow-latest` allows the `latest` tag, `-u`/`-p` (here `-p` is the password, as in
/// 0.18.1) authenticate, `--insecure` is accepted, and `--no-cache` leaves the OCI cache untouched.
/// `claims inspect` of a provider archive shows the archive, as 0.18.1's did.
#[test]
fn inspect_oci_references_with_0x_registry_flags() {
    let registry = wash_test_support::Registry::start_with_auth("alice", "s3cret");
    let auth = Some(("alice", "s3cret"));
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let actor = format!("{}/tiny:0.1.0", registry.host());
    let digest = push_to(home, &actor, &vector("tiny_s.wasm"), auth);
    let latest = format!("{}/tiny:latest", registry.host());
    push_to(home, &latest, &vector("tiny_s.wasm"), auth);
    let provider = format!("{}/tinyprov:0.2.0", registry.host());
    push_to(home, &provider, &vector("tinyprov.par.gz"), auth);

    // A fresh home: nothing cached, no stored login.
    let fresh = tempfile::tempdir().unwrap();
    let fresh = fresh.path();
    let inspect = |args: &[&str]| {
        wash()
            .in_home(fresh)
            .env("WASH_CACHE", fresh.join("cache"))
            .args(args)
            .args(["-o", "json"])
            .run()
    };
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(vector("tiny_s.inspect.json")).unwrap()).unwrap();

    let out = inspect(&[
        "claims",
        "inspect",
        &actor,
        "--no-cache",
        "-u",
        "alice",
        "-p",
        "s3cret",
    ]);
    assert_eq!(out.success().json()["module"], expected["module"]);
    assert_eq!(cached_blobs(fresh), 0, "--no-cache leaves the cache empty");

    let out = inspect(&[
        "claims",
        "inspect",
        &actor,
        "-d",
        &digest,
        "--insecure",
        "-u",
        "alice",
        "-p",
        "s3cret",
    ]);
    let json = out.success().json();
    assert_eq!(json["module"], expected["module"]);
    assert_eq!(json["capabilities"], expected["capabilities"]);
    assert!(
        cached_blobs(fresh) > 0,
        "pulled through the cache like `reg pull`"
    );

    let wrong = format!("sha256:{}", "0".repeat(64));
    let out = inspect(&[
        "claims", "inspect", &actor, "--digest", &wrong, "-u", "alice", "-p", "s3cret",
    ]);
    out.assert_code(1);

    let out = inspect(&["claims", "inspect", &actor, "--no-cache"]);
    let out = out.assert_code(1);
    assert_mentions(&out.stdout(), "failed to pull");

    let out = inspect(&["claims", "inspect", &latest, "-u", "alice", "-p", "s3cret"]);
    let out = out.assert_code(1);
    assert_mentions(&out.stdout(), "latest");
    let out = inspect(&[
        "claims",
        "inspect",
        &latest,
        "--allow-latest",
        "--jwt-only",
        "--user",
        "alice",
        "--password",
        "s3cret",
    ]);
    let jwt = std::fs::read_to_string(vector("tiny_s.jwt")).unwrap();
    assert_eq!(out.success().json()["token"], jwt.trim());

    let par_expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(vector("tinyprov.inspect.json")).unwrap()).unwrap();
    for command in ["par", "claims"] {
        let out = wash()
            .in_home(fresh)
            .env("WASH_CACHE", fresh.join("cache"))
            .env("WASH_REG_USER", "alice")
            .env("WASH_REG_PASSWORD", "s3cret")
            .args([command, "inspect", &provider, "-o", "json"])
            .run()
            .success();
        let json = out.json();
        for key in [
            "service",
            "issuer",
            "capability_contract_id",
            "vendor",
            "targets",
        ] {
            assert_eq!(json[key], par_expected[key], "{command}: {json}");
        }
    }
}

/// `claims token actor` takes 0.18.1's flags (those of `claims sign`, plus `-x`/`-b`, `-i`/`-s`,
/// `--directory`, `--disable-keygen`) and prints a token for the module key signed by the account.
#[test]
fn claims_token_actor_with_0x_flags() {
    let issuer = generate(KeyKind::Account);
    let subject = generate(KeyKind::Module);
    let cmd = wash();
    let subject_file = cmd.work_dir().join("echo_module.nk");
    std::fs::write(&subject_file, seed_of(&subject).unwrap()).unwrap();
    let out = cmd
        .args(["claims", "token", "actor", "-n", "Echo", "-k", "-q", "-l"])
        .args(["-c", "acme:custom", "-t", "one", "-t", "two", "-r", "3"])
        .args(["-v", "1.2.0", "-a", "echo/main", "-x", "5", "-b", "1"])
        .args(["-i", &seed_of(&issuer).unwrap(), "-s", "echo_module.nk"])
        .args(["--directory", "nokeys", "--disable-keygen", "-o", "json"])
        .run()
        .success();
    let jwt = out.json()["token"].as_str().expect("token").to_owned();
    let token = Token::<Actor>::decode(&jwt).expect("a JWT");
    token.verify_signature().expect("signed by the issuer");
    let claims = &token.claims;
    assert_eq!(claims.issuer(), issuer.public_key());
    assert_eq!(claims.subject(), subject.public_key());
    assert_eq!(out.json()["subject"], subject.public_key());
    assert_eq!(claims.exp, Some(claims.iat + 5 * 86_400));
    assert_eq!(claims.nbf, Some(claims.iat + 86_400));
    let actor = claims.wascap.clone().expect("actor metadata");
    assert_eq!(actor.name.as_deref(), Some("Echo"));
    let caps = [
        "wasmcloud:keyvalue",
        "wasmcloud:httpserver",
        "wasmcloud:builtin:logging",
        "acme:custom",
    ];
    assert_eq!(actor.caps.as_deref(), Some(&caps.map(String::from)[..]));
    assert_eq!(
        actor.tags.as_deref(),
        Some(&["one".to_owned(), "two".to_owned()][..])
    );
    assert_eq!(actor.rev, Some(3));
    assert_eq!(actor.ver.as_deref(), Some("1.2.0"));
    assert_eq!(actor.call_alias.as_deref(), Some("echo/main"));
    assert!(!actor.prov);
    assert!(
        !out.work_dir().join("nokeys").exists(),
        "no key was generated"
    );

    // Without keys: `$USER_account` and `<name>_module` are generated in the store, as in 0.18.1;
    // the text output is the token alone.
    let out = wash()
        .env("USER", "alice")
        .args([
            "claims", "token", "actor", "--name", "echo", "--cap", "acme:x",
        ])
        .run()
        .success();
    let keys = out.home().join(".wash/keys");
    let read = |file: &str| {
        let seed = std::fs::read_to_string(keys.join(file)).expect(file);
        wash_keys::parse_seed(seed.trim()).unwrap().1.public_key()
    };
    let token = Token::<Actor>::decode(out.stdout().trim()).expect("only the token on stdout");
    assert_eq!(token.claims.issuer(), read("alice_account.nk"));
    assert_eq!(token.claims.subject(), read("echo_module.nk"));
}

/// A template folder whose `README.md` names the template and the project.
fn template_dir(parent: &Path, name: &str) -> PathBuf {
    let dir = parent.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("README.md"),
        format!("{name} made {{{{project-name}}}}\n"),
    )
    .unwrap();
    dir
}

/// As in 0.18.1, `new` makes the project a git repository on `main`; `--no-git-init` does not.
/// Without `git` on PATH (0.18.1 refused to create the project) the project is made and the
/// skipped step is reported.
#[test]
fn new_git_init_unless_no_git_init() {
    let out = wash()
        .args(["new", "actor", "hello", "--silent", "-o", "json"])
        .run()
        .success();
    let project = out.work_dir().join("hello");
    let head = std::fs::read_to_string(project.join(".git/HEAD")).expect("a git repository");
    assert_eq!(head.trim(), "ref: refs/heads/main");
    assert_eq!(out.json()["git_repository"], true);
    assert_eq!(out.json()["project_path"], project.display().to_string());

    let out = wash()
        .args([
            "new",
            "actor",
            "hello",
            "--silent",
            "--no-git-init",
            "-o",
            "json",
        ])
        .run()
        .success();
    assert!(out.work_dir().join("hello/Cargo.toml").is_file());
    assert!(!out.work_dir().join("hello/.git").exists());
    assert_eq!(out.json()["git_repository"], false);

    let empty = tempfile::tempdir().unwrap();
    let out = wash()
        .env("PATH", empty.path())
        .args(["new", "actor", "hello", "--silent"])
        .run()
        .success();
    assert!(out.work_dir().join("hello/Cargo.toml").is_file());
    assert!(!out.work_dir().join("hello/.git").exists());
    assert_mentions(&out.stderr(), "no `git` on PATH");
}

/// `new --favorites FILE`: without a name the file's first template of the kind is used (as 0.18.1
/// did under `--silent`), `-t NAME` picks one by name, and a missing file is an error.
#[test]
fn new_favorites_file() {
    let cmd = wash();
    let work = cmd.work_dir();
    template_dir(&work, "first");
    template_dir(&work, "second");
    std::fs::write(
        work.join("favs.toml"),
        "[[actor]]\nname = \"first\"\ndescription = \"one\"\npath = \"first\"\n\n\
         [[actor]]\nname = \"second\"\ndescription = \"two\"\npath = \"second\"\n",
    )
    .unwrap();
    let _out = cmd
        .args(["new", "actor", "a", "--favorites", "favs.toml", "--silent"])
        .args(["--no-git-init"])
        .run()
        .success();
    assert_eq!(
        std::fs::read_to_string(work.join("a/README.md")).unwrap(),
        "first made a\n"
    );

    let cmd = wash();
    let work = cmd.work_dir();
    template_dir(&work, "first");
    template_dir(&work, "second");
    std::fs::write(
        work.join("favs.toml"),
        "[[actor]]\nname = \"first\"\npath = \"first\"\n\n[[actor]]\nname = \"second\"\npath = \"second\"\n",
    )
    .unwrap();
    let _out = cmd
        .args([
            "new",
            "actor",
            "b",
            "--favorites",
            "favs.toml",
            "-t",
            "second",
        ])
        .args(["--silent", "--no-git-init"])
        .run()
        .success();
    assert_eq!(
        std::fs::read_to_string(work.join("b/README.md")).unwrap(),
        "second made b\n"
    );

    let out = wash()
        .args([
            "new",
            "actor",
            "c",
            "--favorites",
            "missing.toml",
            "--silent",
            "-o",
            "json",
        ])
        .run()
        .assert_code(1);
    assert_mentions(&out.stdout(), "is not a file");
    assert!(!out.work_dir().join("c").exists());
}

/// The repository's `smithy/` folder.
fn smithy_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("smithy")
}

/// A codegen.toml whose `[[models]]` name a folder that does not exist, with a Rust and a Go output.
const GEN_TOML: &str = "[[models]]\npath = \"missing\"\n\n[rust]\noutput_dir = \"rs\"\n\n\
    [[rust.files]]\npath = \"src/keyvalue.rs\"\nnamespace = \"org.wasmcloud.interface.keyvalue\"\n\n\
    [go]\noutput_dir = \"go\"\n\n[[go.files]]\npath = \"keyvalue.go\"\n\
    namespace = \"org.wasmcloud.interface.keyvalue\"\n";

/// `gen INPUT... --output-dir DIR -l rust`: the inputs replace the `[[models]]`, outputs go under DIR,
/// and only Rust is written, as in 0.18.1; `-T`/`-D` and languages we do not write are refused.
#[test]
fn gen_inputs_output_dir_and_lang() {
    let cmd = wash();
    let work = cmd.work_dir();
    std::fs::write(work.join("codegen.toml"), GEN_TOML).unwrap();
    let out = cmd
        .arg("gen")
        .arg(smithy_dir().join("keyvalue.smithy"))
        .arg(smithy_dir().join("wasmcloud-model.smithy"))
        .args(["--output-dir", "out", "-l", "rust", "-o", "json"])
        .run()
        .success();
    let code = std::fs::read_to_string(work.join("out/rs/src/keyvalue.rs")).expect("generated");
    assert!(code.contains("pub trait KeyValueReceiver"), "{code}");
    assert!(!work.join("out/go").exists(), "-l rust writes no Go");
    assert!(
        !work.join("rs").exists(),
        "--output-dir replaces the config's folder"
    );
    assert_eq!(out.json()["files"].as_array().map(Vec::len), Some(1));

    for (flags, message) in [
        (vec!["-T", "templates"], "not supported"),
        (vec!["-D", "a=b"], "not supported"),
        (vec!["-l", "html"], "not `html`"),
    ] {
        let cmd = wash();
        std::fs::write(cmd.work_dir().join("codegen.toml"), GEN_TOML).unwrap();
        let out = cmd
            .arg("gen")
            .arg(smithy_dir())
            .args(&flags)
            .args(["-o", "json"])
            .run()
            .assert_code(1);
        assert_mentions(&out.stdout(), message);
        assert!(!out.work_dir().join("rs").exists());
    }
}

/// A codegen.toml whose `[[models]]` are the keyvalue model, in `dir`.
fn models_toml(dir: &Path) {
    let toml = format!(
        "[[models]]\npath = {:?}\nfiles = [\"keyvalue.smithy\", \"wasmcloud-model.smithy\"]\n",
        smithy_dir().display().to_string()
    );
    std::fs::write(dir.join("codegen.toml"), toml).unwrap();
}

/// `validate` with no path reads the `[[models]]` of ./codegen.toml (or of `-c FILE`), as 0.x did;
/// with neither, it says what to pass.
#[test]
fn validate_reads_codegen_toml_without_paths() {
    let cmd = wash();
    models_toml(&cmd.work_dir());
    let out = cmd.args(["validate", "-o", "json"]).run().success();
    let files = out.json()["files"].to_string();
    assert!(
        files.contains("keyvalue.smithy") && files.contains("wasmcloud-model.smithy"),
        "{files}"
    );
    assert!(out.json()["namespaces"]
        .to_string()
        .contains("org.wasmcloud.interface.keyvalue"));

    let cmd = wash();
    std::fs::create_dir(cmd.work_dir().join("iface")).unwrap();
    models_toml(&cmd.work_dir().join("iface"));
    let out = cmd
        .args(["validate", "-c", "iface/codegen.toml", "-o", "json"])
        .run()
        .success();
    assert!(out.json()["files"].to_string().contains("keyvalue.smithy"));

    let out = wash().args(["validate", "-o", "json"]).run().assert_code(1);
    assert_mentions(&out.stdout(), "no `codegen.toml` here");
}

/// `lint` reports 0.18.1's NamingConventions and UnwelcomeTerms issues with their locations and
/// exits 0, as 0.18.1 did; it reads ./codegen.toml without paths; a broken model exits 1.
#[test]
fn lint_reports_naming_and_unwelcome_terms() {
    let cmd = wash();
    let work = cmd.work_dir();
    std::fs::write(
        work.join("style.smithy"),
        "namespace org.example.style\n\nstring lowerName\n\nstructure MasterRecord {\n    Value: lowerName\n}\n",
    )
    .unwrap();
    std::fs::write(
        work.join("codegen.toml"),
        "[[models]]\npath = \".\"\nfiles = [\"style.smithy\"]\n",
    )
    .unwrap();
    let out = cmd.args(["lint", "-o", "json"]).run().success();
    let issues = out.json()["issues"].as_array().cloned().expect("issues");
    let find = |rule: &str, shape: &str| {
        issues
            .iter()
            .find(|i| i["rule"] == rule && i["shape"] == shape)
            .cloned()
            .unwrap_or_else(|| panic!("no {rule} issue on {shape}: {issues:?}"))
    };
    let upper = find("NamingConventions", "org.example.style#lowerName");
    assert_eq!(upper["level"], "info");
    assert!(upper["message"]
        .as_str()
        .unwrap()
        .contains("i.e. LowerName"));
    // Reported where it is declared and where a member targets it, as 0.18.1 did.
    let locations: Vec<&str> = issues
        .iter()
        .filter(|i| i["shape"] == "org.example.style#lowerName")
        .filter_map(|i| i["location"].as_str())
        .collect();
    assert_eq!(locations, ["./style.smithy:3:8", "./style.smithy:6:12"]);
    let member = find("NamingConventions", "org.example.style#MasterRecord$Value");
    assert!(member["message"].as_str().unwrap().contains("i.e. value"));
    let term = find("UnwelcomeTerms", "org.example.style#MasterRecord");
    assert_eq!(term["level"], "warning");
    assert!(term["message"].as_str().unwrap().contains("'master'"));

    let cmd = wash();
    std::fs::write(
        cmd.work_dir().join("style.smithy"),
        "namespace a.b\nstring lowerName\n",
    )
    .unwrap();
    let out = cmd.args(["lint", "style.smithy"]).run().success();
    assert_mentions(&out.stdout(), "info[NamingConventions]");
    assert_mentions(&out.stdout(), "1 lint issue");

    let cmd = wash();
    std::fs::write(
        cmd.work_dir().join("broken.smithy"),
        "namespace a.b\nstructure X { y: Nope }\n",
    )
    .unwrap();
    let out = cmd.args(["lint", "broken.smithy"]).run().assert_code(1);
    assert_mentions(&out.stderr(), "Nope");
}

/// `completions -d DIR power-shell` (0.18.1's flag before its shell subcommand, and its spelling of
/// PowerShell) writes `DIR/_wash.ps1`; `--dir DIR zsh` writes `DIR/_wash`.
#[test]
fn completions_dir_and_power_shell() {
    let dir = tempfile::tempdir().unwrap();
    let out = wash()
        .args(["completions", "-d"])
        .arg(dir.path())
        .args(["power-shell", "-o", "json"])
        .run()
        .success();
    let file = dir.path().join("_wash.ps1");
    assert_eq!(out.json()["path"], file.display().to_string());
    let script = std::fs::read_to_string(&file).expect("the PowerShell script");
    assert!(script.contains("Register-ArgumentCompleter"), "{script}");

    wash()
        .args(["completions", "--dir"])
        .arg(dir.path())
        .arg("zsh")
        .run()
        .success();
    let script = std::fs::read_to_string(dir.path().join("_wash")).expect("the zsh script");
    assert!(script.starts_with("#compdef wash"), "{script}");
}
