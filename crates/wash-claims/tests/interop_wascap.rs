//! Interop with the published `wascap` 0.11.2 crate (what wash 0.21 signs and reads with).

use std::path::PathBuf;

use wascap::prelude::KeyPair as WascapKeyPair;

fn vector(name: &str) -> Vec<u8> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/wash");
    std::fs::read(dir.join(name)).unwrap()
}

fn seed(name: &str) -> String {
    String::from_utf8(vector(name)).unwrap()
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

    let token = wascap::wasm::extract_claims(&signed)
        .unwrap()
        .expect("wascap finds the claims");
    let ours = wash_claims::verify_module(&signed).unwrap();
    assert_eq!(
        serde_json::to_string(&token.claims).unwrap(),
        ours.to_json().unwrap()
    );
    let validation = wascap::jwt::validate_token::<wascap::jwt::Actor>(&token.jwt).unwrap();
    assert!(validation.signature_valid && !validation.expired && !validation.cannot_use_yet);
}

/// A module signed by wascap (re-signing `strip_in.wasm`, which has stale JWT sections) verifies with
/// us, with the same hash and claims.
#[test]
fn we_verify_a_wascap_signed_module() {
    let account = WascapKeyPair::from_seed(&seed("account.nk")).unwrap();
    let module = WascapKeyPair::from_seed(&seed("module.nk")).unwrap();
    let claims = wascap::jwt::Claims::<wascap::jwt::Actor>::new(
        "ByWascap".into(),
        account.public_key(),
        module.public_key(),
        Some(vec![wascap::caps::HTTP_SERVER.into()]),
        Some(vec!["t".into()]),
        false,
        Some(2),
        Some("0.2.0".into()),
        None,
    );
    let signed = wascap::wasm::embed_claims(&vector("strip_in.wasm"), &claims, &account).unwrap();
    let ours = wash_claims::verify_module(&signed).unwrap();
    let theirs = wascap::wasm::extract_claims(&signed).unwrap().unwrap();
    assert_eq!(
        ours.to_json().unwrap(),
        serde_json::to_string(&theirs.claims).unwrap()
    );
    assert_eq!(ours.name(), Some("ByWascap"));
    assert_eq!(ours.capabilities(), ["wasmcloud:httpserver"]);
    assert_eq!(
        ours.module_hash(),
        Some("89FDA98DE7E30730CA5B63377B449EC08320D13A794202D7087E9885A6334E47")
    );
    // And our stripping of the same input is byte-identical to wascap's up to the JWT section.
    let (_, our_account) = wash_keys::parse_seed(&seed("account.nk")).unwrap();
    let ours_signed = wash_claims::embed_claims(
        &vector("strip_in.wasm"),
        wash_claims::Claims::new(
            account.public_key(),
            module.public_key(),
            wash_claims::Actor::default(),
        ),
        &our_account,
    )
    .unwrap();
    let prefix = signed.len() - theirs.jwt.len() - 17;
    assert_eq!(&ours_signed[..prefix], &signed[..prefix]);
}
