//! `wash reg` and `wash drain oci` against the real distribution registry: round trips, wash 0.x
//! manifest layout, digest pinning from the cache, auth sources, refusals and error messages.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use wash_test_support::{wash, Registry, WashCommand, WashOutput};

use crate::snapshot::{assert_help_snapshot, vector};

const USER: &str = "alice";
const PASSWORD: &str = "correct-horse-battery";

/// A raw HTTP/1.1 request to the registry: returns status, headers (lower-cased names) and body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the registry");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    let split = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP head");
    let head = String::from_utf8_lossy(&reply[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = reply[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v == "chunked")
    {
        body = dechunk(&body);
    }
    (status, headers, body)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 4 + size..];
    }
}

/// The manifest bytes the registry holds for `repo:tag`, and its `Content-Type`.
fn registry_manifest(registry: &Registry, repo: &str, tag: &str) -> (Vec<u8>, String) {
    let (status, headers, body) = http(
        registry.port(),
        "GET",
        &format!("/v2/{repo}/manifests/{tag}"),
        &[("Accept", "application/vnd.oci.image.manifest.v1+json")],
        b"",
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let content_type = headers
        .iter()
        .find(|(k, _)| k == "content-type")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    (body, content_type)
}

/// A valid wasm module of at least `size` bytes: `tiny.wasm` plus a custom section of padding.
fn padded_module(path: &Path, size: usize) {
    let mut module = std::fs::read(vector("tiny.wasm")).unwrap();
    let name = b"pad";
    let payload = size.saturating_sub(module.len() + 10).max(1);
    let content_len = 1 + name.len() + payload;
    module.push(0);
    let mut n = content_len;
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            module.push(byte);
            break;
        }
        module.push(byte | 0x80);
    }
    module.push(name.len() as u8);
    module.extend_from_slice(name);
    // Not all zeros, so nothing could compress it away by accident.
    module.extend((0..payload).map(|i| (i * 7 % 251) as u8));
    std::fs::write(path, module).unwrap();
}

/// Signs `input` with the vector keys into `output` with `wash claims sign`.
fn sign(home: &Path, input: &Path, output: &Path) {
    wash()
        .in_home(home)
        .args(["claims", "sign"])
        .arg(input)
        .args(["-n", "Padded", "-i"])
        .arg(vector("account.nk"))
        .arg("-s")
        .arg(vector("module.nk"))
        .arg("--destination")
        .arg(output)
        .run()
        .success();
}

/// A wash invocation in a shared `home`, with its cache in `home/cache`.
fn in_home(home: &Path) -> WashCommand {
    wash().in_home(home).env("WASH_CACHE", home.join("cache"))
}

fn push(home: &Path, url: &str, file: &Path) -> WashOutput {
    in_home(home)
        .args(["reg", "push", url])
        .arg(file)
        .args(["-o", "json"])
        .run()
}

fn pull(home: &Path, url: &str, destination: &Path, extra: &[&str]) -> WashOutput {
    in_home(home)
        .args(["reg", "pull", url, "--destination"])
        .arg(destination)
        .args(extra)
        .args(["-o", "json"])
        .run()
}

fn sha256_file(path: &Path) -> String {
    wash_oci::sha256_digest(&std::fs::read(path).unwrap())
}

/// Pushing wash 0.18.1's own signed actor and provider archive gives byte-for-byte the manifests
/// wash 0.18.1 pushed (same digests), served as OCI manifests, with the `{}` config blob.
#[test]
fn manifests_match_wash_0_18_vectors() {
    let registry = Registry::start();
    let home = tempfile::tempdir().unwrap();
    for (file, repo, tag, digest) in [
        (
            "tiny_s.wasm",
            "vectors/tiny",
            "0.1.0",
            "sha256:170ff349d4db2640cc928cc0c0ff70d46792f660be58c612f00b5c7af6de2345",
        ),
        (
            "tinyprov.par.gz",
            "vectors/tinyprov",
            "0.2.0",
            "sha256:922007c7542e9c9440a1c7a10b5b1796794b44f4c4bb52081a5c4de76de7fe3e",
        ),
    ] {
        let url = format!("{}/{repo}:{tag}", registry.host());
        let out = push(home.path(), &url, &vector(file)).success();
        assert_eq!(out.json()["digest"], digest);
        assert_eq!(out.json()["url"], url);
        let (bytes, content_type) = registry_manifest(&registry, repo, tag);
        let stem = file.split('.').next().unwrap();
        assert_eq!(
            bytes,
            std::fs::read(vector(&format!("{stem}.oci-manifest.json"))).unwrap()
        );
        assert_eq!(content_type, "application/vnd.oci.image.manifest.v1+json");
        let (status, _, config) = http(
            registry.port(),
            "GET",
            &format!("/v2/{repo}/blobs/sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"),
            &[],
            b"",
        );
        assert_eq!(status, 200);
        assert_eq!(
            config,
            std::fs::read(vector(&format!("{stem}.oci-config.json"))).unwrap()
        );
    }
}

/// A 1 KB signed module round-trips byte-identically, a second push gives the same digest, and the
/// default destination is `<repository>.wasm`.
#[test]
fn small_module_round_trip() {
    let registry = Registry::start();
    let home = tempfile::tempdir().unwrap();
    let raw = home.path().join("small.wasm");
    let signed = home.path().join("small_s.wasm");
    padded_module(&raw, 1024);
    sign(home.path(), &raw, &signed);
    let url = format!("{}/demo/small:0.1.0", registry.host());
    let first = push(home.path(), &url, &signed).success().json();
    assert_eq!(first["kind"], "actor");
    let second = push(home.path(), &url, &signed).success().json();
    assert_eq!(first["digest"], second["digest"]);
    let out = in_home(home.path())
        .args(["reg", "pull", &url, "-o", "json"])
        .run()
        .success();
    let json = out.json();
    assert_eq!(json["file"], "small.wasm");
    assert_eq!(json["digest"], first["digest"]);
    assert_eq!(json["from_cache"], false);
    assert_eq!(
        std::fs::read(home.path().join("small.wasm")).unwrap(),
        std::fs::read(&signed).unwrap()
    );
    // The manifest has the wash 0.x layout: sorted keys, `annotations`, no `mediaType`.
    let (bytes, _) = registry_manifest(&registry, "demo/small", "0.1.0");
    let manifest: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(manifest["layers"][0]["digest"], sha256_file(&signed));
    assert_eq!(
        manifest["layers"][0]["mediaType"],
        "application/vnd.module.wasm.content.layer.v1+wasm"
    );
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.wasmcloud.actor.archive.config"
    );
    assert!(manifest.get("mediaType").is_none());
    assert_eq!(manifest["annotations"], serde_json::json!({}));
}

/// A 50 MB signed module round-trips byte-identically.
#[test]
fn large_module_round_trip() {
    let registry = Registry::start();
    let home = tempfile::tempdir().unwrap();
    let raw = home.path().join("big.wasm");
    let signed = home.path().join("big_s.wasm");
    padded_module(&raw, 50 * 1024 * 1024);
    sign(home.path(), &raw, &signed);
    let url = format!("{}/demo/big:1.0.0", registry.host());
    let pushed = push(home.path(), &url, &signed).success().json();
    assert_eq!(pushed["size"], std::fs::metadata(&signed).unwrap().len());
    let destination = home.path().join("pulled.wasm");
    pull(home.path(), &url, &destination, &[]).success();
    assert_eq!(sha256_file(&destination), sha256_file(&signed));
    assert_eq!(
        std::fs::metadata(&destination).unwrap().len(),
        std::fs::metadata(&signed).unwrap().len()
    );
}

/// A provider archive made by `wash par create` round-trips byte-identically with the provider
/// media types, and is named `<repository>.par.gz` by default.
#[test]
fn provider_archive_round_trip() {
    let registry = Registry::start();
    let home = tempfile::tempdir().unwrap();
    let binary = home.path().join("kvprov");
    std::fs::write(
        &binary,
        (0..200_000u32).map(|i| (i % 253) as u8).collect::<Vec<_>>(),
    )
    .unwrap();
    let archive = home.path().join("kvprov.par.gz");
    wash()
        .in_home(home.path())
        .args([
            "par",
            "create",
            "-c",
            "wasmcloud:keyvalue",
            "--vendor",
            "Acme",
        ])
        .args(["-n", "KV", "-a", "x86_64-linux", "-b"])
        .arg(&binary)
        .args(["--compress", "--destination"])
        .arg(&archive)
        .run()
        .success();
    let url = format!("{}/demo/kvprov:0.2.0", registry.host());
    let pushed = push(home.path(), &url, &archive).success().json();
    assert_eq!(pushed["kind"], "provider");
    let out = in_home(home.path())
        .args(["reg", "pull", &url, "-o", "json"])
        .run()
        .success();
    assert_eq!(out.json()["file"], "kvprov.par.gz");
    assert_eq!(
        std::fs::read(home.path().join("kvprov.par.gz")).unwrap(),
        std::fs::read(&archive).unwrap()
    );
    let (bytes, _) = registry_manifest(&registry, "demo/kvprov", "0.2.0");
    let manifest: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        manifest["layers"][0]["mediaType"],
        "application/vnd.wasmcloud.provider.archive.layer.v1+par"
    );
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.wasmcloud.provider.archive.config"
    );
}

/// A pull pinned by digest is served from the cache once the registry is stopped; an unpinned pull
/// then fails quickly naming the registry; `--offline` serves the tag last seen.
#[test]
fn pinned_pull_is_served_from_cache_without_network() {
    let registry = Registry::start();
    let home = tempfile::tempdir().unwrap();
    let host = registry.host();
    let url = format!("{host}/vectors/tiny:0.1.0");
    let digest = push(home.path(), &url, &vector("tiny_s.wasm"))
        .success()
        .json()["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = home.path().join("first.wasm");
    let out = pull(home.path(), &url, &first, &["--digest", &digest]).success();
    assert_eq!(out.json()["from_cache"], false);
    drop(registry);

    let cached = home.path().join("cached.wasm");
    // Without the `sha256:` prefix, as wash 0.x accepted.
    let hex = digest.trim_start_matches("sha256:");
    let out = pull(home.path(), &url, &cached, &["--digest", hex]).success();
    assert_eq!(out.json()["from_cache"], true);
    assert_eq!(
        std::fs::read(&cached).unwrap(),
        std::fs::read(vector("tiny_s.wasm")).unwrap()
    );
    let by_ref = home.path().join("by_ref.wasm");
    pull(
        home.path(),
        &format!("{host}/vectors/tiny@{digest}"),
        &by_ref,
        &[],
    )
    .success();
    assert_eq!(
        std::fs::read(&by_ref).unwrap(),
        std::fs::read(&cached).unwrap()
    );

    let offline = home.path().join("offline.wasm");
    pull(home.path(), &url, &offline, &["--offline"]).success();
    assert!(offline.is_file());

    let started = Instant::now();
    let unpinned = home.path().join("unpinned.wasm");
    let out = pull(home.path(), &url, &unpinned, &[]).assert_code(1);
    assert!(started.elapsed() < Duration::from_secs(15));
    let error = out.json()["error_chain"].to_string();
    assert!(
        error.contains(&format!("cannot reach registry `{host}`")),
        "{error}"
    );
    assert!(!unpinned.exists());
}

/// A cached layer whose bytes were altered is detected on a pinned (offline) pull: refused, dropped
/// from the cache, nothing written.
#[test]
fn tampered_cache_is_detected() {
    let registry = Registry::start();
    let home = tempfile::tempdir().unwrap();
    let url = format!("{}/vectors/tiny:0.1.0", registry.host());
    let digest = push(home.path(), &url, &vector("tiny_s.wasm"))
        .success()
        .json()["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    pull(home.path(), &url, &home.path().join("a.wasm"), &[]).success();
    drop(registry);
    let layer = home.path().join(
        "cache/blobs/sha256/3e60ebce7f7545ae79b23f14958bef691ca01563ec17a2baeebd47c3d3a30f4c",
    );
    let mut bytes = std::fs::read(&layer).unwrap();
    bytes[20] ^= 1;
    std::fs::write(&layer, bytes).unwrap();
    let destination = home.path().join("b.wasm");
    let out = pull(home.path(), &url, &destination, &["--digest", &digest]).assert_code(1);
    assert!(out.stdout().contains("digest mismatch"), "{}", out.stdout());
    assert!(!destination.exists());
    assert!(!layer.exists(), "the corrupt blob is dropped");
}

/// A wrong pinned digest is refused and nothing is written.
#[test]
fn wrong_digest_is_refused_and_nothing_written() {
    let registry = Registry::start();
    let home = tempfile::tempdir().unwrap();
    let url = format!("{}/vectors/tiny:0.1.0", registry.host());
    push(home.path(), &url, &vector("tiny_s.wasm")).success();
    let destination = home.path().join("out.wasm");
    // The layer digest is not the manifest digest: wash 0.x refused it too.
    let layer = "sha256:3e60ebce7f7545ae79b23f14958bef691ca01563ec17a2baeebd47c3d3a30f4c";
    let out = pull(home.path(), &url, &destination, &["--digest", layer]).assert_code(1);
    let error = out.json()["error_chain"].to_string();
    assert!(error.contains("digest mismatch"), "{error}");
    assert!(error.contains(layer), "{error}");
    assert!(!destination.exists());
    let leftovers: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".wash-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A manifest whose layer is neither wasm nor par (here the CNCF wasm type) is a clear error.
#[test]
fn foreign_layer_media_type_is_refused() {
    let registry = Registry::start();
    let home = tempfile::tempdir().unwrap();
    let url = format!("{}/vectors/tiny:0.1.0", registry.host());
    push(home.path(), &url, &vector("tiny_s.wasm")).success();
    let manifest = String::from_utf8(std::fs::read(vector("tiny_s.oci-manifest.json")).unwrap())
        .unwrap()
        .replace(
            "application/vnd.module.wasm.content.layer.v1+wasm",
            "application/vnd.wasm.content.layer.v1+wasm",
        );
    let (status, _, body) = http(
        registry.port(),
        "PUT",
        "/v2/vectors/tiny/manifests/0.2.0",
        &[("Content-Type", "application/vnd.oci.image.manifest.v1+json")],
        manifest.as_bytes(),
    );
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let destination = home.path().join("foreign.wasm");
    let foreign = format!("{}/vectors/tiny:0.2.0", registry.host());
    let out = pull(home.path(), &foreign, &destination, &[]).assert_code(1);
    let error = out.json()["error_chain"].to_string();
    assert!(
        error.contains("layer of media type `application/vnd.wasm.content.layer.v1+wasm`"),
        "{error}"
    );
    assert!(!destination.exists());
}

/// `latest` (explicit or by omission) is refused for pushes and pulls unless `--allow-latest`.
#[test]
fn latest_needs_allow_latest() {
    let registry = Registry::start();
    let home = tempfile::tempdir().unwrap();
    let host = registry.host();
    for url in [
        format!("{host}/demo/tiny:latest"),
        format!("{host}/demo/tiny"),
    ] {
        let out = push(home.path(), &url, &vector("tiny_s.wasm")).assert_code(1);
        assert!(
            out.stdout().contains("`latest` is prohibited"),
            "{}",
            out.stdout()
        );
    }
    in_home(home.path())
        .args([
            "reg",
            "push",
            &format!("{host}/demo/tiny"),
            "--allow-latest",
        ])
        .arg(vector("tiny_s.wasm"))
        .run()
        .success();
    let destination = home.path().join("latest.wasm");
    let out = pull(
        home.path(),
        &format!("{host}/demo/tiny:latest"),
        &destination,
        &[],
    );
    assert!(out
        .assert_code(1)
        .stdout()
        .contains("`latest` is prohibited"));
    let out = pull(home.path(), &format!("{host}/demo/tiny"), &destination, &[]);
    assert!(out.assert_code(1).stdout().contains("has no tag"));
    pull(
        home.path(),
        &format!("{host}/demo/tiny"),
        &destination,
        &["--allow-latest"],
    )
    .success();
    assert!(destination.is_file());
}

/// Unsigned wasm and random bytes cannot be pushed: the error says what the file is not.
#[test]
fn unsupported_files_are_refused() {
    let registry = Registry::start();
    let home = tempfile::tempdir().unwrap();
    let url = format!("{}/demo/tiny:0.1.0", registry.host());
    let out = push(home.path(), &url, &vector("tiny.wasm")).assert_code(1);
    let error = out.json()["error_chain"].to_string();
    assert!(error.contains("not a pushable artifact"), "{error}");
    assert!(error.contains("without valid claims"), "{error}");
}

/// With basic auth: no credentials or a wrong password fail with "authentication failed for
/// <registry>"; the right password works from flags, env, `~/.docker/config.json` and `wash reg
/// login` (stored 0600, removed by logout); the password never appears in any output, `-vv` included.
#[test]
fn auth_failures_and_every_credential_source() {
    let registry = Registry::start_with_auth(USER, PASSWORD);
    let host = registry.host();
    let home = tempfile::tempdir().unwrap();
    let url = format!("{host}/private/tiny:0.1.0");
    let artifact = vector("tiny_s.wasm");
    let expected = format!("authentication failed for {host}");

    let anonymous = push(home.path(), &url, &artifact).assert_code(1);
    assert!(
        anonymous.stdout().contains(&expected),
        "{}",
        anonymous.stdout()
    );
    let wrong = in_home(home.path())
        .args(["reg", "push", &url])
        .arg(&artifact)
        .args(["-u", USER, "-p", "wrong-password", "-vv"])
        .run()
        .assert_code(1);
    assert!(wrong.stderr().contains(&expected), "{}", wrong.stderr());
    assert!(!wrong.stderr().contains("wrong-password"));

    // Flags, with `-vv` logging: the password and its base64 form appear nowhere.
    let flags = in_home(home.path())
        .args(["reg", "push", &url])
        .arg(&artifact)
        .args(["-u", USER, "-p", PASSWORD, "-vv"])
        .run()
        .success();
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    for secret in [PASSWORD, basic.as_str()] {
        assert!(!flags.stderr().contains(secret), "secret in stderr");
        assert!(!flags.stdout().contains(secret), "secret in stdout");
    }
    // Environment.
    let destination = home.path().join("env.wasm");
    in_home(home.path())
        .env("WASH_REG_USER", USER)
        .env("WASH_REG_PASSWORD", PASSWORD)
        .args(["reg", "pull", &url, "--destination"])
        .arg(&destination)
        .run()
        .success();
    assert!(destination.is_file());
    // `--help` never shows an env value.
    let help = in_home(home.path())
        .env("WASH_REG_PASSWORD", PASSWORD)
        .args(["reg", "push", "--help"])
        .run()
        .success();
    assert!(!help.stdout().contains(PASSWORD));

    // Docker's config.
    let docker_home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(docker_home.path().join(".docker")).unwrap();
    std::fs::write(
        docker_home.path().join(".docker/config.json"),
        format!(r#"{{"auths":{{"{host}":{{"auth":"{basic}"}}}}}}"#),
    )
    .unwrap();
    push(docker_home.path(), &url, &artifact).success();

    // `wash reg login` with a wrong password stores nothing.
    let login_home = tempfile::tempdir().unwrap();
    let out = in_home(login_home.path())
        .args(["reg", "login", &host, "-u", USER, "--password-stdin"])
        .stdin("nope\n")
        .run()
        .assert_code(1);
    assert!(out.stderr().contains(&expected), "{}", out.stderr());
    let store = login_home.path().join(".wash/credentials.json");
    assert!(!store.exists());
    let out = in_home(login_home.path())
        .args([
            "reg",
            "login",
            &host,
            "-u",
            USER,
            "--password-stdin",
            "-o",
            "json",
        ])
        .stdin(format!("{PASSWORD}\n"))
        .run()
        .success();
    assert!(!out.stdout().contains(PASSWORD));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&store).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "credentials are private");
    }
    push(login_home.path(), &url, &artifact).success();
    in_home(login_home.path())
        .args(["reg", "ping", &host])
        .run()
        .success();
    let out = in_home(login_home.path())
        .args(["reg", "logout", &host, "-o", "json"])
        .run()
        .success();
    assert_eq!(out.json()["removed"], true);
    push(login_home.path(), &url, &artifact).assert_code(1);
}

/// `reg ping` answers `Pong!` for an open registry and fails naming an unreachable one.
#[test]
fn ping_open_and_unreachable() {
    let registry = Registry::start();
    let out = wash()
        .args(["reg", "ping", &registry.host()])
        .run()
        .success();
    assert_eq!(out.stdout().trim(), "Pong!");
    let json = wash()
        .args(["reg", "ping", &registry.host(), "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(json["scheme"], "http");
    let host = registry.host();
    drop(registry);
    let out = wash().args(["reg", "ping", &host]).run().assert_code(1);
    assert!(
        out.stderr()
            .contains(&format!("cannot reach registry `{host}`")),
        "{}",
        out.stderr()
    );
}

/// `reg ping host/repo:tag` (wash 0.18.1) checks that the artifact is there: a pushed one answers
/// `Pong!` with its manifest digest, a missing one fails.
#[test]
fn ping_an_artifact_checks_its_manifest() {
    let registry = Registry::start();
    let home = tempfile::tempdir().unwrap();
    let url = format!("{}/vectors/tiny:0.1.0", registry.host());
    let pushed = push(home.path(), &url, &vector("tiny_s.wasm"))
        .success()
        .json();
    let pong = in_home(home.path())
        .args(["reg", "ping", &url, "-o", "json"])
        .run()
        .success()
        .json();
    assert_eq!(pong["digest"], pushed["digest"], "{pong} {pushed}");
    let missing = format!("{}/vectors/absent:0.1.0", registry.host());
    in_home(home.path())
        .args(["reg", "ping", &missing])
        .run()
        .assert_code(1);
}

/// `wash drain oci` empties the cache's own folders and leaves other files in `WASH_CACHE` alone;
/// a pinned pull then needs the network again.
#[test]
fn drain_oci_empties_only_the_cache() {
    let registry = Registry::start();
    let home = tempfile::tempdir().unwrap();
    let url = format!("{}/vectors/tiny:0.1.0", registry.host());
    push(home.path(), &url, &vector("tiny_s.wasm")).success();
    pull(home.path(), &url, &home.path().join("a.wasm"), &[]).success();
    let cache = home.path().join("cache");
    std::fs::write(cache.join("not-ours.txt"), b"keep").unwrap();
    let out = in_home(home.path())
        .args(["drain", "oci", "-o", "json"])
        .run()
        .success();
    let json = out.json();
    assert!(json["files"].as_u64().unwrap() >= 2, "{json}");
    assert!(!cache.join("blobs").exists());
    assert!(cache.join("not-ours.txt").is_file());
    drop(registry);
    let out = pull(
        home.path(),
        &url,
        &home.path().join("b.wasm"),
        &["--offline"],
    );
    assert!(out.assert_code(1).stdout().contains("is not in the cache"));
}

/// Without a terminal, a push prints its status line but no progress bar; under `-o json` stderr
/// stays empty.
#[test]
fn no_progress_bars_without_a_terminal() {
    let registry = Registry::start();
    let home = tempfile::tempdir().unwrap();
    let url = format!("{}/vectors/tiny:0.1.0", registry.host());
    let out = in_home(home.path())
        .args(["reg", "push", &url])
        .arg(vector("tiny_s.wasm"))
        .run()
        .success();
    assert!(out.stderr().contains("Pushing"), "{}", out.stderr());
    assert!(!out.stderr().contains('\r') && !out.stderr().contains("B/s"));
    assert!(push(home.path(), &url, &vector("tiny_s.wasm"))
        .success()
        .stderr()
        .is_empty());
}

/// On a terminal (a pty from util-linux `script`), push and pull draw progress bars on stderr.
#[test]
fn progress_bars_on_a_terminal() {
    let registry = Registry::start();
    let home = tempfile::tempdir().unwrap();
    let raw = home.path().join("m.wasm");
    let signed = home.path().join("m_s.wasm");
    padded_module(&raw, 8 * 1024 * 1024);
    sign(home.path(), &raw, &signed);
    let url = format!("{}/demo/tty:1.0.0", registry.host());
    let wash = wash_test_support::wash_bin();
    let line = format!(
        "{w} reg push {url} {f} && {w} reg pull {url} --destination {d}",
        w = wash.display(),
        f = signed.display(),
        d = home.path().join("out.wasm").display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("HOME", home.path())
        .env("WASH_CACHE", home.path().join("cache"))
        .env_remove("WASH_REG_USER")
        .env_remove("WASH_REG_PASSWORD")
        .output()
        .expect("util-linux `script` runs (Debian: bsdutils)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Pushing sha256:"), "{text}");
    assert!(text.contains("Pulling sha256:"), "{text}");
    assert!(text.contains("MiB"), "{text}");
    assert_eq!(
        sha256_file(&home.path().join("out.wasm")),
        sha256_file(&signed)
    );
}

/// The help of `wash reg`, `reg push` and `reg pull` is as checked in.
#[test]
fn help_snapshots() {
    assert_help_snapshot("reg", &["reg"]);
    assert_help_snapshot("reg_push", &["reg", "push"]);
    assert_help_snapshot("reg_pull", &["reg", "pull"]);
    assert_help_snapshot("drain", &["drain"]);
}
