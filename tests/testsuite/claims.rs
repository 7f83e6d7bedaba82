//! `wash claims sign|inspect|token`: wash 0.x compatibility, key lookup, and every bad input.

use std::path::Path;

use serde_json::Value;
use wash_claims::{Account, Actor, CapabilityProvider, Claims, Operator, Token};
use wash_test_support::{wash, WashCommand};

use crate::snapshot::{assert_help_snapshot, vector};

const ACCOUNT_PK: &str = "ACFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVYYOU";
const MODULE_PK: &str = "MCATS5YOVB6ROX2WUNKGNQ2MP3GMXDMKSG2O4N5CLX3A6W4PZGZZJPUL";

/// A wash invocation with `tiny.wasm` in its work dir and `USER=alice`.
fn with_tiny() -> WashCommand {
    let cmd = wash().env("USER", "alice");
    std::fs::copy(vector("tiny.wasm"), cmd.work_dir().join("tiny.wasm")).unwrap();
    cmd
}

/// Writes `bytes` as `name` in the invocation's work dir.
fn put(cmd: &WashCommand, name: &str, bytes: &[u8]) {
    std::fs::write(cmd.work_dir().join(name), bytes).unwrap();
}

fn key_files(home: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(home.join(".wash/keys"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Signing `tiny.wasm` with the vector keys and wash 0.x's flags gives claims identical to wash 0.18.1's
/// `tiny_s.claims.json` except the random `jti` and the time `iat`, and a module byte-identical to
/// `tiny_s.wasm` apart from the JWT.
#[test]
fn sign_matches_wash_0_18() {
    let out = with_tiny()
        .args([
            "claims",
            "sign",
            "tiny.wasm",
            "-n",
            "Tiny",
            "--http_server",
            "-t",
            "demo",
            "-r",
            "1",
        ])
        .args(["--ver", "0.1.0", "-d", "tiny_s.wasm", "-o", "json", "-i"])
        .arg(vector("account.nk"))
        .arg("-s")
        .arg(vector("module.nk"))
        .run()
        .success();
    let json = out.json();
    assert_eq!(
        json["capabilities"],
        serde_json::json!(["wasmcloud:httpserver"])
    );
    assert_eq!(json["destination"], "tiny_s.wasm");
    let signed = std::fs::read(out.work_dir().join("tiny_s.wasm")).unwrap();
    let wash_signed = std::fs::read(vector("tiny_s.wasm")).unwrap();
    assert_eq!(signed.len(), wash_signed.len());
    assert_eq!(
        &signed[..52],
        &wash_signed[..52],
        "module, section header and JWT header agree"
    );
    let token = wash_claims::extract_claims(&signed)
        .unwrap()
        .expect("claims");
    let expected = std::fs::read_to_string(vector("tiny_s.claims.json"))
        .unwrap()
        .replace("IrkM8dDthtrSkNCBzHcd5m", &token.claims.jti)
        .replace("1795630020", &token.claims.iat.to_string());
    assert_eq!(token.claims.to_json().unwrap(), expected);
    wash_claims::verify_module(&signed).unwrap();
    // The file `claims sign` wrote (the module copied by the kernel, the token appended) is what
    // wascap, wash 0.x's claims crate, reads and validates.
    let path = out.work_dir().join("tiny_s.wasm");
    let theirs = wash_test_support::interop_json(
        "formats-check",
        [Path::new("wascap-read"), path.as_path()],
    );
    assert_eq!(theirs["claims_json"], expected.as_str(), "{theirs}");
    assert_eq!(theirs["signature_valid"], true, "{theirs}");
}

/// Without key flags, sign generates `<$USER>_account.nk` and `<stem>_module.nk` (0600, 58 bytes),
/// says so on stderr, writes `<stem>_s.wasm`, and reuses the stored keys next time.
#[test]
fn sign_generates_then_reuses_stored_keys() {
    let cmd = with_tiny();
    let home = cmd.home();
    let out = cmd
        .args(["claims", "sign", "tiny.wasm", "-n", "Tiny", "-k"])
        .run()
        .success();
    assert_eq!(key_files(&home), ["alice_account.nk", "tiny_module.nk"]);
    let stderr = out.stderr();
    assert!(stderr.contains("newly generated and saved to"), "{stderr}");
    let account_file = home.join(".wash/keys/alice_account.nk");
    assert_eq!(std::fs::read(&account_file).unwrap().len(), 58);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&account_file)
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert!(
        out.stdout()
            .starts_with("Successfully signed ./tiny_s.wasm"),
        "{}",
        out.stdout()
    );
    let first =
        wash_claims::verify_module(&std::fs::read(out.work_dir().join("tiny_s.wasm")).unwrap())
            .unwrap();
    assert_eq!(first.capabilities(), ["wasmcloud:keyvalue"]);

    let again = wash()
        .env("USER", "alice")
        .env("WASH_KEYS", home.join(".wash/keys"))
        .current_dir(out.work_dir())
        .args([
            "claims",
            "sign",
            "tiny.wasm",
            "-n",
            "Tiny",
            "-d",
            "again.wasm",
        ])
        .run()
        .success();
    assert!(
        again.stderr().contains("alice_account.nk"),
        "{}",
        again.stderr()
    );
    assert!(
        !again.stderr().contains("newly generated"),
        "{}",
        again.stderr()
    );
    let second =
        wash_claims::verify_module(&std::fs::read(out.work_dir().join("again.wasm")).unwrap())
            .unwrap();
    assert_eq!(
        (second.issuer(), second.public_key()),
        (first.issuer(), first.public_key())
    );
}

/// Keys from `WASH_ISSUER_KEY` (a file path) and `WASH_SUBJECT_KEY` (a seed) are used, and the
/// capability flags come out in wash 0.x's order, custom ids last.
#[test]
fn sign_uses_env_keys_and_orders_caps() {
    let seed = std::fs::read_to_string(vector("module.nk")).unwrap();
    let out = with_tiny()
        .env("WASH_ISSUER_KEY", vector("account.nk"))
        .env("WASH_SUBJECT_KEY", seed)
        .args([
            "claims",
            "sign",
            "tiny.wasm",
            "-n",
            "T",
            "-c",
            "zz:custom",
            "-e",
            "-l",
            "-f",
        ])
        .args([
            "--http_client",
            "--http_server",
            "-g",
            "-k",
            "-c",
            "aa:custom",
            "-a",
            "my/alias",
            "-o",
            "json",
        ])
        .run()
        .success();
    let claims =
        wash_claims::verify_module(&std::fs::read(out.work_dir().join("tiny_s.wasm")).unwrap())
            .unwrap();
    assert_eq!(
        (claims.issuer(), claims.public_key()),
        (ACCOUNT_PK, MODULE_PK)
    );
    assert_eq!(claims.call_alias(), Some("my/alias"));
    assert_eq!(
        claims.capabilities(),
        [
            "wasmcloud:keyvalue",
            "wasmcloud:messaging",
            "wasmcloud:httpclient",
            "wasmcloud:httpserver",
            "wasmcloud:blobstore",
            "wasmcloud:builtin:logging",
            "wasmcloud:eventstreams",
            "zz:custom",
            "aa:custom",
        ]
    );
    assert!(key_files(&out.home()).is_empty(), "no key was generated");
}

/// `claims inspect -o json` of wash 0.18.1's `tiny_s.wasm` prints every field of wash's
/// `tiny_s.inspect.json` with its value, plus our validity fields; `--jwt-only` prints exactly its JWT.
#[test]
fn inspect_matches_wash_0_18() {
    let out = wash()
        .args(["claims", "inspect", "-o", "json"])
        .arg(vector("tiny_s.wasm"))
        .run()
        .success();
    let expected: Value =
        serde_json::from_slice(&std::fs::read(vector("tiny_s.inspect.json")).unwrap()).unwrap();
    let mut json = out.json();
    let ours = json.as_object_mut().unwrap();
    assert_eq!(ours.remove("expired"), Some(Value::Bool(false)));
    assert_eq!(ours.remove("cannot_use_yet"), Some(Value::Bool(false)));
    assert_eq!(ours.remove("valid"), Some(Value::Bool(true)));
    assert_eq!(json, expected);
    let out = wash()
        .args(["claims", "inspect", "--jwt-only"])
        .arg(vector("tiny_s.wasm"))
        .run()
        .success();
    assert_eq!(
        out.stdout(),
        format!(
            "{}\n",
            std::fs::read_to_string(vector("tiny_s.jwt")).unwrap()
        )
    );
    let out = wash()
        .args(["claims", "inspect"])
        .arg(vector("tiny_s.wasm"))
        .run()
        .success();
    let text = out.stdout();
    for expected in [
        "Tiny - Module",
        ACCOUNT_PK,
        MODULE_PK,
        "never",
        "immediately",
        "0.1.0 (1)",
        "(Not set)",
        "HTTP Server",
        "demo",
    ] {
        assert!(text.contains(expected), "missing {expected}:\n{text}");
    }
}

/// A not-before date shows as `in 23h` (a valid, future-dated token is shown, not refused).
#[test]
fn inspect_shows_not_before() {
    let out = with_tiny()
        .args([
            "claims",
            "sign",
            "tiny.wasm",
            "-n",
            "T",
            "-b",
            "1",
            "-x",
            "2",
        ])
        .run()
        .success();
    let inspected = wash()
        .args(["claims", "inspect", "-o", "json"])
        .arg(out.work_dir().join("tiny_s.wasm"))
        .run()
        .success();
    let json = inspected.json();
    // wash 0.18.1 showed `in 23h` / `in 1day` a few seconds after signing; within the same second
    // the whole day is still there.
    let can_be_used = json["can_be_used"].as_str().unwrap();
    assert!(["in 23h", "in 1day"].contains(&can_be_used), "{json}");
    let expires = json["expires"].as_str().unwrap();
    assert!(["in 1day", "in 2days"].contains(&expires), "{json}");
}

/// Runs `wash claims inspect <file>` on `bytes` and returns the error text (exit 1 required).
fn inspect_error(bytes: &[u8]) -> String {
    let cmd = wash();
    put(&cmd, "bad.wasm", bytes);
    let out = cmd
        .args(["claims", "inspect", "bad.wasm", "-o", "json"])
        .run()
        .assert_code(1);
    let json = out.json();
    format!("{} {}", json["error"], json["error_chain"])
}

/// A module wrapping a JWT section with these exact bytes.
fn module_with_jwt(jwt: &str) -> Vec<u8> {
    let mut module = b"\0asm\x01\0\0\0".to_vec();
    let size = 1 + 13 + jwt.len();
    module.push(0);
    module.extend_from_slice(&[(size as u8 & 0x7f) | 0x80, (size >> 7) as u8]);
    module.push(13);
    module.extend_from_slice(b"wasmcloud_jwt");
    module.extend_from_slice(jwt.as_bytes());
    module
}

/// Each bad module is refused by `claims inspect` with exit 1 and its own clear reason.
#[test]
fn inspect_refuses_bad_modules() {
    let signed = std::fs::read(vector("tiny_s.wasm")).unwrap();
    assert!(inspect_error(b"#!/bin/sh\necho hi\n").contains("not a WebAssembly module"));
    assert!(inspect_error(&signed[..signed.len() - 100]).contains("truncated module"));
    let mut corrupt = b"\0asm\x01\0\0\0".to_vec();
    corrupt.extend_from_slice(&[0, 4, 90, b'a', b'b', b'c']);
    assert!(inspect_error(&corrupt).contains("custom section name"));
    assert!(inspect_error(&std::fs::read(vector("tiny.wasm")).unwrap()).contains("has no claims"));
    let mut tampered = signed.clone();
    let pos = tampered.windows(2).position(|w| w == [0x41, 0x2a]).unwrap();
    tampered[pos + 1] = 0x2b;
    assert!(inspect_error(&tampered).contains("module hash mismatch"));
    let mut forged = signed.clone();
    let at = forged.len() - 5;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    assert!(inspect_error(&forged).contains("invalid signature"));

    let jwt = std::fs::read_to_string(vector("tiny_s.jwt")).unwrap();
    let (_, rest) = jwt.split_once('.').unwrap();
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let wrong_alg = format!("{}.{rest}", b64(r#"{"typ":"jwt","alg":"RS256"}"#));
    assert!(inspect_error(&module_with_jwt(&wrong_alg)).contains("unsupported algorithm `RS256`"));
    let wrong_typ = format!("{}.{rest}", b64(r#"{"typ":"JOSE","alg":"Ed25519"}"#));
    assert!(inspect_error(&module_with_jwt(&wrong_typ)).contains("unsupported type `JOSE`"));
    assert!(inspect_error(&module_with_jwt("not-a-token"))
        .contains("corrupted `wasmcloud_jwt` section"));
}

/// `claims inspect --verify` refuses an expired actor, saying how long ago it expired (without
/// `--verify` the claims are shown, marked: `compat_build.rs`).
#[test]
fn inspect_verify_refuses_expired_tokens() {
    let (_, account) =
        wash_keys::parse_seed(&std::fs::read_to_string(vector("account.nk")).unwrap()).unwrap();
    let mut claims = Claims::new(
        ACCOUNT_PK,
        MODULE_PK,
        Actor {
            name: Some("Old".into()),
            ..Actor::default()
        },
    );
    claims.exp = Some(claims.iat - 2 * 86_400 - 60);
    let module = wash_claims::embed_claims(
        &std::fs::read(vector("tiny.wasm")).unwrap(),
        claims,
        &account,
    )
    .unwrap();
    let cmd = wash();
    put(&cmd, "old.wasm", &module);
    let out = cmd
        .args(["claims", "inspect", "old.wasm", "--verify", "-o", "json"])
        .run()
        .assert_code(1);
    let error = out.json()["error"].to_string();
    assert!(error.contains("expired 2days ago"), "{error}");
}

/// Signing bad input fails with exit 1 and writes nothing: no output module and no generated key.
#[test]
fn sign_failures_write_nothing() {
    let cases: Vec<(&str, Vec<u8>, Vec<&str>, &str)> = vec![
        (
            "not wasm",
            b"hello".to_vec(),
            vec![],
            "not a WebAssembly module",
        ),
        (
            "truncated",
            std::fs::read(vector("tiny.wasm")).unwrap()[..33].to_vec(),
            vec![],
            "truncated module",
        ),
        (
            "keygen off",
            std::fs::read(vector("tiny.wasm")).unwrap(),
            vec!["--disable-keygen"],
            "key generation is disabled",
        ),
        (
            "bad alias",
            std::fs::read(vector("tiny.wasm")).unwrap(),
            vec!["-a", "Bad-Alias"],
            "invalid call alias",
        ),
    ];
    for (what, bytes, extra, message) in cases {
        let cmd = wash().env("USER", "alice");
        put(&cmd, "in.wasm", &bytes);
        let out = cmd
            .args(["claims", "sign", "in.wasm", "-n", "X"])
            .args(&extra)
            .run()
            .assert_code(1);
        assert!(out.stderr().contains(message), "{what}: {}", out.stderr());
        assert!(
            !out.work_dir().join("in_s.wasm").exists(),
            "{what}: output written"
        );
        assert_eq!(
            std::fs::read_dir(out.work_dir()).unwrap().count(),
            1,
            "{what}: stray files"
        );
        assert!(key_files(&out.home()).is_empty(), "{what}: keys written");
    }
}

/// A seed whose checksum is wrong is refused (wash 0.18.1 signed with a different key instead).
#[test]
fn sign_refuses_a_seed_with_a_bad_checksum() {
    let mut seed = std::fs::read_to_string(vector("account.nk")).unwrap();
    seed.replace_range(10..11, "Z");
    let out = with_tiny()
        .args(["claims", "sign", "tiny.wasm", "-n", "T", "-i", &seed])
        .run()
        .assert_code(1);
    assert!(
        out.stderr().contains("checksum mismatch"),
        "{}",
        out.stderr()
    );
    assert!(!out.work_dir().join("tiny_s.wasm").exists());
}

/// A module key passed as issuer is refused, naming both kinds.
#[test]
fn sign_refuses_a_wrong_kind_of_issuer() {
    let out = with_tiny()
        .args(["claims", "sign", "tiny.wasm", "-n", "T", "-i"])
        .arg(vector("module.nk"))
        .run()
        .assert_code(1);
    assert!(out.stderr().contains("is a module key"), "{}", out.stderr());
}

/// `claims token operator|account|provider` make valid signed tokens of the right kinds.
#[test]
fn tokens_of_every_kind() {
    let out = wash()
        .env("USER", "alice")
        .args(["claims", "token", "operator", "-n", "ops", "-o", "json"])
        .run()
        .success();
    let token = Token::<Operator>::decode(out.json()["token"].as_str().unwrap()).unwrap();
    token.verify().unwrap();
    assert_eq!(token.claims.iss, token.claims.sub);
    assert!(token.claims.iss.starts_with('O'));

    let out = wash()
        .env("USER", "alice")
        .args([
            "claims", "token", "account", "-n", "team", "-a", ACCOUNT_PK, "-o", "json",
        ])
        .run()
        .success();
    let token = Token::<Account>::decode(out.json()["token"].as_str().unwrap()).unwrap();
    token.verify().unwrap();
    assert!(token.claims.iss.starts_with('O') && token.claims.sub.starts_with('A'));
    assert_eq!(
        token.claims.wascap.unwrap().valid_signers,
        Some(vec![ACCOUNT_PK.to_owned()])
    );

    let out = wash()
        .args([
            "claims",
            "token",
            "provider",
            "-n",
            "KV",
            "-c",
            "wasmcloud:keyvalue",
            "--vendor",
            "Acme",
            "-i",
        ])
        .arg(vector("account.nk"))
        .args(["-s"])
        .arg(vector("service.nk"))
        .run()
        .success();
    let token = Token::<CapabilityProvider>::decode(out.stdout().trim()).unwrap();
    token.verify().unwrap();
    assert_eq!(token.claims.contract_id(), "wasmcloud:keyvalue");
    assert_eq!(token.claims.wascap_revision, Some(3));
}

/// `wash claims --help` and `wash claims sign --help` match their snapshots.
#[test]
fn help_snapshots() {
    assert_help_snapshot("claims", &["claims"]);
    assert_help_snapshot("claims_sign", &["claims", "sign"]);
    assert_help_snapshot("claims_inspect", &["claims", "inspect"]);
}
