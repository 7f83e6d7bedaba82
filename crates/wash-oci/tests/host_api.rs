//! The API the host calls, against the real registry: `pull_artifact` and `is_oci_reference`.

use std::path::PathBuf;
use std::sync::Arc;

use wash_oci::{
    is_oci_reference, pull_artifact, push, NoProgress, OciError, PullOptions, PushOptions,
};
use wash_test_support::Registry;

fn vector(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors/wash")
        .join(name)
}

/// `pull_artifact` returns the pushed bytes for an actor and a provider, needs no network for a
/// cached pinned digest once the registry is gone, and names the registry when an unpinned pull
/// cannot reach it.
#[tokio::test]
async fn pull_artifact_round_trip_and_cache() {
    let registry = Registry::start();
    let cache = tempfile::tempdir().unwrap();
    let options = PullOptions {
        cache_dir: cache.path().to_owned(),
        ..PullOptions::default()
    };
    let mut digests = Vec::new();
    for (file, repo) in [
        ("tiny_s.wasm", "host/tiny:0.1.0"),
        ("tinyprov.par.gz", "host/prov:0.2.0"),
    ] {
        let reference = format!("{}/{repo}", registry.host());
        assert!(is_oci_reference(&reference));
        let report = push(
            &reference,
            &vector(file),
            &PushOptions::default(),
            Arc::new(NoProgress),
        )
        .await
        .unwrap();
        let bytes = pull_artifact(&reference, &options).await.unwrap();
        assert_eq!(bytes, std::fs::read(vector(file)).unwrap());
        digests.push((reference, report.manifest_digest));
    }
    let host = registry.host();
    drop(registry);
    for (reference, digest) in &digests {
        let pinned = PullOptions {
            digest: Some(digest.clone()),
            ..options.clone()
        };
        assert!(!pull_artifact(reference, &pinned).await.unwrap().is_empty());
    }
    let err = pull_artifact(&digests[0].0, &options).await.unwrap_err();
    assert!(
        matches!(err, OciError::Unreachable { ref registry, .. } if *registry == host),
        "{err}"
    );
}

/// A file path is never taken for a reference, and `latest` is refused unless allowed.
#[tokio::test]
async fn paths_and_latest() {
    assert!(!is_oci_reference("examples/kvcounter.wasm"));
    assert!(!is_oci_reference("./kv.par.gz"));
    let err = pull_artifact("127.0.0.1:1/x:latest", &PullOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, OciError::LatestRefused { .. }), "{err}");
}
