//! `wash par create|insert|inspect`: wash 0.x compatibility, atomic rewrites and unsafe archives.

use serde_json::Value;
use wash_par::ProviderArchive;
use wash_test_support::{wash, WashCommand};

use crate::snapshot::{assert_help_snapshot, vector};

/// A wash invocation with `tinyprov.sh` in its work dir.
fn with_binary() -> WashCommand {
    let cmd = wash().env("USER", "alice");
    std::fs::copy(vector("tinyprov.sh"), cmd.work_dir().join("tinyprov.sh")).unwrap();
    cmd
}

/// The `par create` invocation of the wash 0.18.1 vector, with the vector keys.
fn create_like_vector(cmd: WashCommand) -> WashCommand {
    cmd.args([
        "par",
        "create",
        "-c",
        "wasmcloud:example",
        "--vendor",
        "Acme",
        "-n",
        "Tiny Provider",
    ])
    .args([
        "-a",
        "x86_64-linux",
        "-b",
        "tinyprov.sh",
        "-r",
        "2",
        "--version",
        "0.2.0",
        "-i",
    ])
    .arg(vector("account.nk"))
    .arg("-s")
    .arg(vector("service.nk"))
}

/// `par create` with the vector's inputs makes an archive whose `par inspect -o json` equals wash
/// 0.18.1's `tinyprov.inspect.json`, and `par inspect` of wash's own archive prints the same.
#[test]
fn create_and_inspect_match_wash_0_18() {
    let out = create_like_vector(with_binary())
        .args(["--compress", "-o", "json"])
        .run()
        .success();
    assert_eq!(out.json()["file"], "tinyprov.par.gz");
    let expected: Value =
        serde_json::from_slice(&std::fs::read(vector("tinyprov.inspect.json")).unwrap()).unwrap();
    let ours = wash()
        .args(["par", "inspect", "-o", "json"])
        .arg(out.work_dir().join("tinyprov.par.gz"))
        .run()
        .success();
    assert_eq!(ours.json(), expected);
    let theirs = wash()
        .args(["par", "inspect", "-o", "json"])
        .arg(vector("tinyprov.par.gz"))
        .run()
        .success();
    assert_eq!(theirs.json(), expected);
    let text = wash()
        .args(["par", "inspect"])
        .arg(vector("tinyprov.par.gz"))
        .run()
        .success()
        .stdout();
    assert!(
        text.starts_with("Tiny Provider - Provider Archive\n"),
        "{text}"
    );
    assert!(
        text.contains("Supported Architecture Targets\n  x86_64-linux\n"),
        "{text}"
    );
}

/// Without `--compress` the archive is a plain `.par`; with it the default name is `.par.gz`, and a
/// `--destination` is used as given (as wash 0.18.1 did), its content gzip all the same.
#[test]
fn destination_names() {
    let out = create_like_vector(with_binary()).run().success();
    let plain = std::fs::read(out.work_dir().join("tinyprov.par")).unwrap();
    assert_ne!(&plain[..2], &[0x1f, 0x8b]);
    assert!(!ProviderArchive::load(&plain).unwrap().is_compressed());
    let out = create_like_vector(with_binary())
        .args(["--compress", "--destination", "custom.par", "-o", "json"])
        .run()
        .success();
    assert_eq!(out.json()["file"], "custom.par");
    assert!(!out.work_dir().join("custom.par.gz").exists());
    let gzip = std::fs::read(out.work_dir().join("custom.par")).unwrap();
    assert_eq!(&gzip[..2], &[0x1f, 0x8b]);
    assert!(ProviderArchive::load(&gzip).unwrap().is_compressed());
    // The blocks compressed in parallel make one standard gzip stream: the system's tar reads it.
    let listed = std::process::Command::new("tar")
        .arg("tzf")
        .arg(out.work_dir().join("custom.par"))
        .output()
        .expect("run tar");
    assert!(listed.status.success(), "{listed:?}");
    let names = String::from_utf8_lossy(&listed.stdout);
    assert!(names.lines().any(|l| l == "claims.jwt"), "{names}");
}

/// `par insert` adds a target to a compressed archive in place (still compressed, both binaries
/// signed), using the service key stored by `par create`.
#[test]
fn insert_adds_a_target() {
    let cmd = with_binary();
    let home = cmd.home();
    let work = cmd.work_dir();
    let _created = cmd
        .args([
            "par",
            "create",
            "-c",
            "wasmcloud:example",
            "--vendor",
            "Acme",
            "-n",
            "P",
            "-a",
            "x86_64-linux",
        ])
        .args(["-b", "tinyprov.sh", "--compress"])
        .run()
        .success();
    std::fs::write(work.join("arm.bin"), b"arm binary").unwrap();
    let out = wash()
        .env("USER", "alice")
        .env("WASH_KEYS", home.join(".wash/keys"))
        .current_dir(&work)
        .args([
            "par",
            "insert",
            "tinyprov.par.gz",
            "-a",
            "aarch64-linux",
            "-b",
            "arm.bin",
        ])
        .run()
        .success();
    assert!(out
        .stdout()
        .contains("Successfully inserted arm.bin into archive tinyprov.par.gz"));
    let archive =
        ProviderArchive::load(&std::fs::read(work.join("tinyprov.par.gz")).unwrap()).unwrap();
    assert!(archive.is_compressed());
    assert_eq!(archive.targets(), ["x86_64-linux", "aarch64-linux"]);
    assert_eq!(
        archive.target_bytes("aarch64-linux"),
        Some(&b"arm binary"[..])
    );
    assert_eq!(
        archive.target_bytes("x86_64-linux"),
        Some(&std::fs::read(vector("tinyprov.sh")).unwrap()[..])
    );
}

/// `par insert` without the archive's service key fails and leaves the archive untouched.
#[test]
fn insert_without_the_service_key_changes_nothing() {
    let cmd = wash().env("USER", "alice");
    let archive = cmd.work_dir().join("p.par.gz");
    std::fs::copy(vector("tinyprov.par.gz"), &archive).unwrap();
    std::fs::write(cmd.work_dir().join("arm"), b"arm").unwrap();
    let out = cmd
        .args([
            "par",
            "insert",
            "p.par.gz",
            "-a",
            "aarch64-linux",
            "-b",
            "arm",
        ])
        .run()
        .assert_code(1);
    assert!(
        out.stderr().contains("the archive's own service key"),
        "{}",
        out.stderr()
    );
    assert_eq!(
        std::fs::read(&archive).unwrap(),
        std::fs::read(vector("tinyprov.par.gz")).unwrap()
    );
}

/// A raw 512-byte GNU tar header (hand-made so any name and type can be tested).
fn tar_header(name: &str, size: usize, kind: u8) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = kind;
    if kind == b'2' {
        h[157..168].copy_from_slice(b"/etc/passwd");
    }
    h[257..265].copy_from_slice(b"ustar  \0");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

/// A tar of wash's `claims.jwt` plus one extra entry.
fn tar_with(name: &str, kind: u8, data: &[u8]) -> Vec<u8> {
    let jwt = std::fs::read(vector("tinyprov.claims.jwt")).unwrap();
    let mut tar = Vec::new();
    for (entry, kind, bytes) in [("claims.jwt", b'0', &jwt[..]), (name, kind, data)] {
        tar.extend(tar_header(entry, bytes.len(), kind));
        tar.extend_from_slice(bytes);
        tar.resize(tar.len().div_ceil(512) * 512, 0);
    }
    tar.extend([0u8; 1024]);
    tar
}

/// Archives with a `..` entry, an absolute entry, a symlink, a changed binary, only claims, or junk
/// are refused by `par inspect` with exit 1 and a clear reason.
#[test]
fn inspect_refuses_unsafe_and_broken_archives() {
    let binary = std::fs::read(vector("tinyprov.sh")).unwrap();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            tar_with("../x86_64-linux.bin", b'0', &binary),
            "contains `..`",
        ),
        (
            tar_with("/x86_64-linux.bin", b'0', &binary),
            "absolute path",
        ),
        (tar_with("x86_64-linux.bin", b'2', b""), "is a symlink"),
        (
            tar_with(
                "x86_64-linux.bin",
                b'0',
                b"#!/bin/sh\necho \"evil provider\"\n",
            ),
            "does not match its signed hash",
        ),
        (
            tar_with("aarch64-linux.bin", b'0', &binary),
            "no signed hash",
        ),
        (b"x".to_vec(), "not enough bytes"),
        (
            b"this is not an archive but a sentence that is long".to_vec(),
            "provider archive",
        ),
    ];
    for (bytes, message) in cases {
        let cmd = wash();
        std::fs::write(cmd.work_dir().join("bad.par"), &bytes).unwrap();
        let out = cmd
            .args(["par", "inspect", "bad.par", "-o", "json"])
            .run()
            .assert_code(1);
        let json = out.json();
        let text = format!("{} {}", json["error"], json["error_chain"]);
        assert!(text.contains(message), "expected `{message}` in {text}");
    }
    // The hand-made header is right: the same tar with the real binary loads.
    let cmd = wash();
    std::fs::write(
        cmd.work_dir().join("ok.par"),
        tar_with("x86_64-linux.bin", b'0', &binary),
    )
    .unwrap();
    cmd.args(["par", "inspect", "ok.par"]).run().success();
}

/// A bad target name or a missing binary fails `par create` and writes nothing.
#[test]
fn create_failures_write_nothing() {
    for (arch, binary, message) in [
        ("../x", "tinyprov.sh", "invalid target"),
        ("x86_64-linux", "missing", "missing"),
    ] {
        let out = with_binary()
            .args([
                "par", "create", "-c", "a:b", "--vendor", "V", "-n", "N", "-a", arch, "-b", binary,
            ])
            .run()
            .assert_code(1);
        assert!(out.stderr().contains(message), "{}", out.stderr());
        let files: Vec<_> = std::fs::read_dir(out.work_dir()).unwrap().collect();
        assert_eq!(files.len(), 1, "only the input remains");
        assert_eq!(
            std::fs::read_dir(out.home().join(".wash/keys"))
                .unwrap()
                .count(),
            0
        );
    }
}

/// `wash par --help` and `wash par create --help` match their snapshots.
#[test]
fn help_snapshots() {
    assert_help_snapshot("par", &["par"]);
    assert_help_snapshot("par_create", &["par", "create"]);
}
