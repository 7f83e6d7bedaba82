//! wash 0.18.1 command lines of `build`, `claims`, `par`, `new`, `gen`, `validate`, `lint` and
//! `completions` run against our binary: each keeps the meaning it had in 0.x (docs/compat.md). Every
//! test checks the effect (the token, the files written, the repository made), not only the exit code.

use std::path::{Path, PathBuf};

use wash_claims::{Actor, Token};
use wash_keys::{generate, seed_of, KeyKind};
use wash_test_support::{wash, WashCommand};

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
    assert!(
        out.stderr().contains("key generation is disabled"),
        "{}",
        out.stderr()
    );
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
