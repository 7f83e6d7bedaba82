//! Tests of reading, writing and inserting archives against wash 0.18.1's vector and hand-made tars.

use std::path::PathBuf;

use wash_keys::KeyPair;

use crate::*;

const ACCOUNT_SEED: &str = "SAAACAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAKM5I";
const SERVICE_PK: &str = "VA5WUJ54Z23KILLCUOUNAKTPBVZWKMQVO4O6EQ5GHLAERIMLLHNCTBNT";

fn vector(name: &str) -> Vec<u8> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/wash");
    std::fs::read(dir.join(name)).unwrap()
}

fn account() -> KeyPair {
    wash_keys::parse_seed(ACCOUNT_SEED).unwrap().1
}

fn spec() -> ProviderSpec {
    ProviderSpec {
        name: Some("Tiny Provider".into()),
        capid: "wasmcloud:example".into(),
        vendor: "Acme".into(),
        rev: Some(2),
        ver: Some("0.2.0".into()),
        config_schema: None,
    }
}

fn build(binaries: &[(&str, &[u8])], compress: bool) -> Vec<u8> {
    let binaries: Vec<(String, BinarySource)> = binaries
        .iter()
        .map(|(t, b)| (t.to_string(), BinarySource::Bytes(b.to_vec())))
        .collect();
    let mut out = Vec::new();
    create(
        &mut out,
        spec(),
        &binaries,
        &account(),
        SERVICE_PK,
        compress,
    )
    .unwrap();
    out
}

/// A raw GNU tar entry header with any name and type byte (bypassing the tar crate's name checks).
fn raw_entry(name: &[u8], kind: u8, data: &[u8]) -> Vec<u8> {
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_entry_type(tar::EntryType::new(kind));
    header.as_old_mut().name[..name.len()].copy_from_slice(name);
    if kind == b'2' {
        header.set_link_name("/etc/passwd").unwrap();
    }
    header.set_cksum();
    let mut out = header.as_bytes().to_vec();
    out.extend_from_slice(data);
    out.resize(out.len().div_ceil(512) * 512, 0);
    out
}

/// wash 0.18.1's `tinyprov.par.gz` loads, verifies, yields the original binary for `x86_64-linux`,
/// and streams through `inspect` to the same claims and target (the CLI's report of it is checked
/// against wash's `tinyprov.inspect.json` in `src/render/par.rs`).
#[test]
fn wash_made_archive_loads_and_inspects_like_wash() {
    let archive = ProviderArchive::load(&vector("tinyprov.par.gz")).unwrap();
    assert!(archive.is_compressed());
    assert_eq!(archive.targets(), ["x86_64-linux"]);
    assert_eq!(
        archive.target_bytes("x86_64-linux"),
        Some(&vector("tinyprov.sh")[..])
    );
    assert_eq!(archive.target_bytes("aarch64-linux"), None);
    let claims = archive.claims();
    assert_eq!(claims.public_key(), SERVICE_PK);
    assert_eq!(claims.contract_id(), "wasmcloud:example");
    assert_eq!(claims.vendor(), "Acme");
    assert_eq!(claims.name(), Some("Tiny Provider"));
    assert_eq!(archive.jwt().as_bytes(), &vector("tinyprov.claims.jwt")[..]);

    let summary = inspect(&vector("tinyprov.par.gz")[..]).unwrap();
    assert!(summary.compressed);
    assert_eq!(summary.token.jwt, archive.jwt());
    let targets: Vec<_> = summary.targets.iter().map(|t| t.target.as_str()).collect();
    assert_eq!(targets, ["x86_64-linux"]);
    assert_eq!(summary.targets[0].size, vector("tinyprov.sh").len() as u64);
}

/// Our archive has wash's layout (`claims.jwt` then `x86_64-linux.bin`, 7 blocks for the vector's
/// inputs), fixed metadata, claims without `wascap_revision`, and loads back.
#[test]
fn created_archive_has_wash_layout_and_round_trips() {
    let binary = vector("tinyprov.sh");
    let tar_bytes = build(&[("x86_64-linux", &binary)], false);
    assert_eq!(
        tar_bytes.len(),
        512 * (1 + 2 + 1 + 1 + 2),
        "header+jwt, header+bin, 2 zero blocks"
    );
    let mut names = Vec::new();
    let mut archive = tar::Archive::new(&tar_bytes[..]);
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        let header = entry.header();
        assert_eq!(header.mtime().unwrap(), 0);
        assert_eq!((header.uid().unwrap(), header.gid().unwrap()), (0, 0));
        names.push((
            entry.path().unwrap().display().to_string(),
            header.mode().unwrap(),
        ));
    }
    assert_eq!(
        names,
        [
            ("claims.jwt".to_owned(), 0o644),
            ("x86_64-linux.bin".to_owned(), 0o755)
        ]
    );
    let loaded = ProviderArchive::load(&tar_bytes).unwrap();
    assert!(!loaded.is_compressed());
    assert_eq!(loaded.claims().wascap_revision, None);
    let hashes = loaded.claims().target_hashes().unwrap();
    assert_eq!(
        hashes["x86_64-linux"],
        "2C4287A8830DF08BABC2E75F1FB212DE7D873B4FF3767A2D3122EC6EADCFC082"
    );
    let compressed = build(&[("x86_64-linux", &binary)], true);
    assert_eq!(&compressed[..2], &[0x1f, 0x8b]);
    assert!(ProviderArchive::load(&compressed).unwrap().is_compressed());
}

/// Two builds from the same inputs differ only inside the JWT's data block.
#[test]
fn builds_differ_only_in_the_jwt() {
    let binary = b"binary".repeat(300);
    let a = build(
        &[("x86_64-linux", &binary), ("aarch64-linux", b"arm")],
        false,
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let b = build(
        &[("x86_64-linux", &binary), ("aarch64-linux", b"arm")],
        false,
    );
    assert_eq!(a.len(), b.len());
    let jwt_len = ProviderArchive::load(&a).unwrap().jwt().len();
    let differing: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    assert!(!differing.is_empty(), "jti and iat must differ");
    assert!(
        differing.iter().all(|&i| (512..512 + jwt_len).contains(&i)),
        "{differing:?}"
    );
}

/// `load_target` keeps only the requested binary but still verifies all; a missing target is an error.
#[test]
fn load_target_keeps_one_binary() {
    let bytes = build(&[("x86_64-linux", b"x86"), ("aarch64-linux", b"arm")], true);
    let one = ProviderArchive::load_target(&bytes, "aarch64-linux").unwrap();
    assert_eq!(one.target_bytes("aarch64-linux"), Some(&b"arm"[..]));
    assert_eq!(one.target_bytes("x86_64-linux"), None);
    assert_eq!(one.targets(), ["x86_64-linux", "aarch64-linux"]);
    assert!(ProviderArchive::load_target(&bytes, "riscv64-linux").is_err());
    assert_eq!(
        current_target(),
        format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS)
    );
}

/// Inserting a target into a compressed archive keeps it compressed, keeps the old binary, signs
/// both hashes; inserting an existing target replaces it.
#[test]
fn insert_adds_and_replaces_targets() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("p.par.gz");
    std::fs::write(&path, build(&[("x86_64-linux", b"x86")], true)).unwrap();
    let mut out = Vec::new();
    let (token, compressed) = insert(
        &path,
        &mut out,
        "aarch64-linux",
        &BinarySource::Bytes(b"arm".to_vec()),
        &account(),
        SERVICE_PK,
    )
    .unwrap();
    assert!(compressed);
    let loaded = ProviderArchive::load(&out).unwrap();
    assert_eq!(loaded.targets(), ["x86_64-linux", "aarch64-linux"]);
    assert_eq!(loaded.target_bytes("x86_64-linux"), Some(&b"x86"[..]));
    assert_eq!(loaded.jwt(), token.jwt);
    std::fs::write(&path, &out).unwrap();
    let mut out = Vec::new();
    insert(
        &path,
        &mut out,
        "x86_64-linux",
        &BinarySource::Bytes(b"x86 v2".to_vec()),
        &account(),
        SERVICE_PK,
    )
    .unwrap();
    let loaded = ProviderArchive::load(&out).unwrap();
    assert_eq!(loaded.targets(), ["aarch64-linux", "x86_64-linux"]);
    assert_eq!(loaded.target_bytes("x86_64-linux"), Some(&b"x86 v2"[..]));
}

/// Entries named with `..` or an absolute path, symlinks, hard links and directories are refused
/// with a clear error, as are a 1-byte file, a tar with only claims, and an unsigned binary.
#[test]
fn unsafe_and_incomplete_archives_are_refused() {
    let good = build(&[("x86_64-linux", b"x86")], false);
    let jwt_len = ProviderArchive::load(&good).unwrap().jwt().len();
    let claims_part = &good[..512 + jwt_len.div_ceil(512) * 512];
    let with = |entry: Vec<u8>| {
        let mut tar_bytes = claims_part.to_vec();
        tar_bytes.extend(entry);
        tar_bytes.extend([0u8; 1024]);
        tar_bytes
    };
    let err =
        ProviderArchive::load(&with(raw_entry(b"../x86_64-linux.bin", b'0', b"x86"))).unwrap_err();
    assert!(err.to_string().contains("contains `..`"), "{err}");
    let err = ProviderArchive::load(&with(raw_entry(b"/tmp/x86_64-linux.bin", b'0', b"x86")))
        .unwrap_err();
    assert!(err.to_string().contains("absolute path"), "{err}");
    let err = ProviderArchive::load(&with(raw_entry(b"x86_64-linux.bin", b'2', b""))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "entry `x86_64-linux.bin` in the archive is a symlink, only regular files are allowed"
    );
    let err = ProviderArchive::load(&with(raw_entry(b"x86_64-linux.bin", b'1', b""))).unwrap_err();
    assert!(err.to_string().contains("hard link"), "{err}");
    let err = ProviderArchive::load(&with(raw_entry(b"dir/", b'5', b""))).unwrap_err();
    assert!(err.to_string().contains("directory"), "{err}");
    let err =
        ProviderArchive::load(&with(raw_entry(b"riscv64-linux.bin", b'0', b"rv"))).unwrap_err();
    assert!(
        matches!(err, ParError::UnsignedTarget(ref t) if t == "riscv64-linux"),
        "{err}"
    );
    let err = ProviderArchive::load(&with(Vec::new())).unwrap_err();
    assert!(matches!(err, ParError::Incomplete(_)), "{err}");
    assert!(matches!(
        ProviderArchive::load(b"x"),
        Err(ParError::TooShort)
    ));
    assert!(matches!(
        ProviderArchive::load(b"not a tar at all, just some text that is long enough"),
        Err(ParError::Corrupt(_)) | Err(ParError::Incomplete(_))
    ));
}

/// A binary changed after signing fails with a hash mismatch naming the target; a changed claims
/// signature fails too.
#[test]
fn tampered_archives_fail_verification() {
    let mut bytes = build(&[("x86_64-linux", b"original")], false);
    let pos = bytes.windows(8).position(|w| w == b"original").unwrap();
    bytes[pos] = b'O';
    let err = ProviderArchive::load(&bytes).unwrap_err();
    assert!(
        matches!(err, ParError::HashMismatch { ref target, .. } if target == "x86_64-linux"),
        "{err}"
    );
    let mut bytes = build(&[("x86_64-linux", b"original")], false);
    let jwt_len = ProviderArchive::load(&bytes).unwrap().jwt().len();
    let sig_pos = 512 + jwt_len - 3;
    bytes[sig_pos] = if bytes[sig_pos] == b'A' { b'B' } else { b'A' };
    assert!(ProviderArchive::load(&bytes).is_err());
}

/// Invalid target names are refused before anything is written.
#[test]
fn invalid_targets_are_refused() {
    for bad in ["", "claims", "../x", "a/b", ".hidden", "x y"] {
        assert!(validate_target(bad).is_err(), "{bad}");
    }
    assert!(validate_target("x86_64-linux").is_ok());
}

proptest::proptest! {
    /// Loading random bytes never panics.
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
        let _ = ProviderArchive::load(&bytes);
    }

    /// Loading a real archive (compressed or not) with one byte changed never panics.
    #[test]
    fn mutated_archives_never_panic(pos in 0usize..4096, byte in proptest::prelude::any::<u8>(), gz in proptest::prelude::any::<bool>()) {
        let mut bytes = if gz { vector("tinyprov.par.gz") } else { build(&[("x86_64-linux", b"x86")], false) };
        let pos = pos % bytes.len();
        bytes[pos] = byte;
        let _ = ProviderArchive::load(&bytes);
    }
}
