//! Interop with the published `provider-archive` 0.8.0 crate (what wash 0.21 reads and writes), through
//! the `formats-check` oracle of the `interop/` workspace (so its old dependency tree stays out of the
//! root lock file).

use std::path::PathBuf;

use wash_par::{BinarySource, ProviderArchive, ProviderSpec};
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An archive made by us (compressed and not, two targets) loads and verifies with provider-archive,
/// which sees the same claims and binaries.
#[test]
fn provider_archive_loads_ours() {
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
    let dir = tempfile::tempdir().unwrap();
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
        let path = dir.path().join(format!("ours-{compress}.par"));
        std::fs::write(&path, &bytes).unwrap();
        let theirs = interop_json("formats-check", [PathBuf::from("par-read"), path]);
        let targets = theirs["targets"].as_object().expect("targets");
        let mut names: Vec<&String> = targets.keys().collect();
        names.sort();
        assert_eq!(names, ["aarch64-linux", "x86_64-linux"]);
        assert_eq!(
            targets["x86_64-linux"],
            hex(&vector("tinyprov.sh")).as_str()
        );
        let claims = &theirs["claims"];
        let ours = ProviderArchive::load(&bytes).unwrap();
        assert_eq!(claims["sub"], ours.claims().sub.as_str());
        assert_eq!(claims["iss"], ours.claims().iss.as_str());
        let metadata = &claims["wascap"];
        assert_eq!(metadata["capid"], "wasmcloud:keyvalue");
        assert_eq!(
            metadata["config_schema"],
            serde_json::json!({"type": "object"})
        );
        assert_eq!(
            metadata["target_hashes"].as_object().map(|m| m.len()),
            Some(2)
        );
    }
}

/// An archive written by provider-archive loads, verifies and inspects with ours.
#[test]
fn we_load_provider_archives() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.json");
    std::fs::write(
        &spec,
        r#"{"capid": "wasmcloud:example", "name": "Theirs", "vendor": "Acme", "rev": 4, "ver": "0.4.0"}"#,
    )
    .unwrap();
    let mac = dir.path().join("mac");
    std::fs::write(&mac, b"mac").unwrap();
    let mut linux = std::ffi::OsString::from("x86_64-linux=");
    linux.push(vectors().join("tinyprov.sh"));
    let mut macos = std::ffi::OsString::from("aarch64-macos=");
    macos.push(&mac);
    let written = interop_json(
        "formats-check",
        [
            "par-write".into(),
            dir.path().join("theirs.par").into_os_string(),
            vectors().join("account.nk").into_os_string(),
            vectors().join("service.nk").into_os_string(),
            spec.into_os_string(),
            linux,
            macos,
        ],
    );
    assert_eq!(
        written["path"],
        dir.path().join("theirs.par.gz").to_str().expect("utf-8")
    );
    let bytes = std::fs::read(dir.path().join("theirs.par.gz")).unwrap();
    let (_, service) = wash_keys::parse_seed(&seed("service.nk")).unwrap();
    let ours = ProviderArchive::load(&bytes).unwrap();
    assert!(ours.is_compressed());
    assert_eq!(ours.claims().name(), Some("Theirs"));
    assert_eq!(ours.claims().public_key(), service.public_key());
    assert_eq!(ours.target_bytes("aarch64-macos"), Some(&b"mac"[..]));
    let summary = wash_par::inspect(&bytes[..]).unwrap();
    assert_eq!(summary.targets.len(), 2);
}
