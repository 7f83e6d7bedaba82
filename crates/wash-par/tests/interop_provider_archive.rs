//! Interop with the published `provider-archive` 0.8.0 crate (what wash 0.21 reads and writes).

use std::path::PathBuf;

use wascap::prelude::KeyPair as WascapKeyPair;
use wash_par::{BinarySource, ProviderArchive, ProviderSpec};

fn vector(name: &str) -> Vec<u8> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/wash");
    std::fs::read(dir.join(name)).unwrap()
}

fn seed(name: &str) -> String {
    String::from_utf8(vector(name)).unwrap()
}

/// An archive made by us (compressed and not, two targets) loads and verifies with provider-archive,
/// which sees the same claims and binaries.
#[tokio::test]
async fn provider_archive_loads_ours() {
    let (_, account) = wash_keys::parse_seed(&seed("account.nk")).unwrap();
    let service = "VA5WUJ54Z23KILLCUOUNAKTPBVZWKMQVO4O6EQ5GHLAERIMLLHNCTBNT";
    let spec = ProviderSpec {
        name: Some("Ours".into()),
        capid: "wasmcloud:keyvalue".into(),
        vendor: "Acme".into(),
        rev: Some(3),
        ver: Some("0.3.0".into()),
        config_schema: Some(serde_json::json!({"type": "object"})),
    };
    let binaries = [
        (
            "x86_64-linux".to_owned(),
            BinarySource::Bytes(vector("tinyprov.sh")),
        ),
        (
            "aarch64-linux".to_owned(),
            BinarySource::Bytes(b"arm".to_vec()),
        ),
    ];
    for compress in [false, true] {
        let mut bytes = Vec::new();
        wash_par::create(
            &mut bytes,
            spec.clone(),
            &binaries,
            &account,
            service,
            compress,
        )
        .unwrap();
        let theirs = provider_archive::ProviderArchive::try_load(&bytes)
            .await
            .unwrap();
        let mut targets = theirs.targets();
        targets.sort();
        assert_eq!(targets, ["aarch64-linux", "x86_64-linux"]);
        assert_eq!(
            theirs.target_bytes("x86_64-linux"),
            Some(vector("tinyprov.sh"))
        );
        let claims = theirs.claims().unwrap();
        let ours = ProviderArchive::load(&bytes).unwrap();
        assert_eq!(claims.subject, ours.claims().sub);
        assert_eq!(claims.issuer, ours.claims().iss);
        let metadata = claims.metadata.unwrap();
        assert_eq!(metadata.capid, "wasmcloud:keyvalue");
        assert_eq!(
            metadata.config_schema,
            Some(serde_json::json!({"type": "object"}))
        );
        assert_eq!(metadata.target_hashes.len(), 2);
    }
}

/// An archive written by provider-archive loads, verifies and inspects with ours.
#[tokio::test]
async fn we_load_provider_archives() {
    let account = WascapKeyPair::from_seed(&seed("account.nk")).unwrap();
    let service = WascapKeyPair::from_seed(&seed("service.nk")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut par = provider_archive::ProviderArchive::new(
        "wasmcloud:example",
        "Theirs",
        "Acme",
        Some(4),
        Some("0.4.0".into()),
    );
    par.add_library("x86_64-linux", &vector("tinyprov.sh"))
        .unwrap();
    par.add_library("aarch64-macos", b"mac").unwrap();
    let path = dir.path().join("theirs.par");
    par.write(&path, &account, &service, true).await.unwrap();
    let bytes = std::fs::read(dir.path().join("theirs.par.gz")).unwrap();
    let ours = ProviderArchive::load(&bytes).unwrap();
    assert!(ours.is_compressed());
    assert_eq!(ours.claims().name(), Some("Theirs"));
    assert_eq!(ours.claims().public_key(), service.public_key());
    assert_eq!(ours.target_bytes("aarch64-macos"), Some(&b"mac"[..]));
    let summary = wash_par::inspect(&bytes[..]).unwrap();
    assert_eq!(summary.targets.len(), 2);
}
