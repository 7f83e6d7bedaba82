//! Interop with the published `wascap` 0.11.2 crate (what wash 0.21 signs and reads with), through the
//! `formats-check` oracle of the `interop/` workspace (so wascap's old dependency tree stays out of the
//! root lock file).

use std::path::{Path, PathBuf};

use wash_test_support::interop_json;

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/wash")
}

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(vectors().join(name)).unwrap()
}

fn seed(name: &str) -> String {
    String::from_utf8(vector(name)).unwrap()
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A module signed by us is extracted and validated by wascap, which sees identical claims (the same
/// JSON bytes) and a valid signature.
#[test]
fn wascap_reads_and_validates_our_signed_module() {
    let (_, account) = wash_keys::parse_seed(&seed("account.nk")).unwrap();
    let (_, module) = wash_keys::parse_seed(&seed("module.nk")).unwrap();
    let actor = wash_claims::Actor {
        name: Some("Interop".into()),
        tags: Some(vec!["a".into(), "b".into()]),
        caps: Some(vec![
            wash_claims::caps::KEY_VALUE.into(),
            "custom:cap".into(),
        ]),
        rev: Some(7),
        ver: Some("1.2.3".into()),
        call_alias: Some("interop/test".into()),
        ..Default::default()
    };
    let claims = wash_claims::Claims::new(account.public_key(), module.public_key(), actor)
        .expires_in_days(Some(3));
    let signed = wash_claims::embed_claims(&vector("strip_in.wasm"), claims, &account).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "ours.wasm", &signed);

    let theirs = interop_json("formats-check", [Path::new("wascap-read"), path.as_path()]);
    let ours = wash_claims::verify_module(&signed).unwrap();
    assert_eq!(theirs["claims_json"], ours.to_json().unwrap().as_str());
    assert_eq!(theirs["signature_valid"], true, "{theirs}");
    assert_eq!(theirs["expired"], false, "{theirs}");
    assert_eq!(theirs["cannot_use_yet"], false, "{theirs}");
}

/// A module signed by wascap (re-signing `strip_in.wasm`, which has stale JWT sections) verifies with
/// us, with the same hash and claims.
#[test]
fn we_verify_a_wascap_signed_module() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("theirs.wasm");
    let actor = write(
        dir.path(),
        "actor.json",
        r#"{"name": "ByWascap", "caps": ["wasmcloud:httpserver"], "tags": ["t"], "rev": 2, "ver": "0.2.0"}"#,
    );
    let theirs = interop_json(
        "formats-check",
        [
            PathBuf::from("wascap-sign"),
            vectors().join("strip_in.wasm"),
            out.clone(),
            vectors().join("account.nk"),
            vectors().join("module.nk"),
            actor,
        ],
    );
    let signed = std::fs::read(&out).unwrap();
    let ours = wash_claims::verify_module(&signed).unwrap();
    assert_eq!(theirs["claims_json"], ours.to_json().unwrap().as_str());
    assert_eq!(ours.name(), Some("ByWascap"));
    assert_eq!(ours.capabilities(), ["wasmcloud:httpserver"]);
    assert_eq!(
        ours.module_hash(),
        Some("89FDA98DE7E30730CA5B63377B449EC08320D13A794202D7087E9885A6334E47")
    );
    // And our stripping of the same input is byte-identical to wascap's up to the JWT section.
    let (_, account) = wash_keys::parse_seed(&seed("account.nk")).unwrap();
    let (_, module) = wash_keys::parse_seed(&seed("module.nk")).unwrap();
    let ours_signed = wash_claims::embed_claims(
        &vector("strip_in.wasm"),
        wash_claims::Claims::new(
            account.public_key(),
            module.public_key(),
            wash_claims::Actor::default(),
        ),
        &account,
    )
    .unwrap();
    let jwt_len = theirs["jwt"].as_str().expect("jwt").len();
    let prefix = signed.len() - jwt_len - 17;
    assert_eq!(&ours_signed[..prefix], &signed[..prefix]);
}
