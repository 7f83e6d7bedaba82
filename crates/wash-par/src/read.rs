//! Reading archives: gzip detection, entry safety checks, streaming hashes, claims verification.

use std::io::{self, Read};
use std::path::{Component, Path};

use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};
use wash_claims::{CapabilityProvider, Token};

use crate::ParError;

/// Largest claims entry accepted (real ones are under 2 KiB).
const MAX_CLAIMS_LEN: u64 = 1 << 20;

/// One binary in an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetEntry {
    /// The target (`x86_64-linux`).
    pub target: String,
    /// Size in bytes.
    pub size: u64,
    /// Upper-case hex SHA-256 (equal to the signed hash once verified).
    pub hash: String,
}

/// What [`inspect`] found in a verified archive.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchiveSummary {
    /// The verified claims token.
    pub token: Token<CapabilityProvider>,
    /// The binaries, in archive order.
    pub targets: Vec<TargetEntry>,
    /// Whether the archive was gzip-compressed.
    pub compressed: bool,
}

/// The raw result of reading every entry.
pub(crate) struct Scanned {
    pub jwt: String,
    pub targets: Vec<TargetEntry>,
    pub kept: Vec<(String, Vec<u8>)>,
    pub compressed: bool,
}

/// Reads and verifies an archive from a stream without keeping any binary in memory.
pub fn inspect<R: Read>(reader: R) -> Result<ArchiveSummary, ParError> {
    let scanned = scan(reader, &|_| false)?;
    let token = verify(&scanned)?;
    Ok(ArchiveSummary {
        token,
        targets: scanned.targets,
        compressed: scanned.compressed,
    })
}

/// Checks the token's signature and every binary's hash against the signed `target_hashes`.
pub(crate) fn verify(scanned: &Scanned) -> Result<Token<CapabilityProvider>, ParError> {
    let token = Token::<CapabilityProvider>::decode(&scanned.jwt)?;
    token.verify_signature()?;
    let metadata = token
        .claims
        .wascap
        .as_ref()
        .ok_or(wash_claims::ClaimsError::MissingMetadata)?;
    for entry in &scanned.targets {
        let signed = metadata
            .target_hashes
            .get(&entry.target)
            .ok_or_else(|| ParError::UnsignedTarget(entry.target.clone()))?;
        if !signed.eq_ignore_ascii_case(&entry.hash) {
            return Err(ParError::HashMismatch {
                target: entry.target.clone(),
                expected: signed.clone(),
                actual: entry.hash.clone(),
            });
        }
    }
    Ok(token)
}

/// Reads every entry, checking names and types, hashing binaries and keeping those `keep` selects.
pub(crate) fn scan<R: Read>(reader: R, keep: &dyn Fn(&str) -> bool) -> Result<Scanned, ParError> {
    let mut kept: Vec<(String, Vec<u8>)> = Vec::new();
    let mut visit = |event: BinaryEvent<'_>| {
        match event {
            BinaryEvent::Start { target, .. } if keep(target) => {
                kept.push((target.to_owned(), Vec::new()));
            }
            BinaryEvent::Chunk { target, bytes } => {
                if let Some((t, data)) = kept.last_mut() {
                    if t == target {
                        data.extend_from_slice(bytes);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    };
    let mut scanned = scan_with(reader, &mut visit)?;
    scanned.kept = kept;
    Ok(scanned)
}

/// What [`scan_with`] reports about each binary entry as it streams it.
pub(crate) enum BinaryEvent<'a> {
    /// A binary entry begins.
    Start { target: &'a str, size: u64 },
    /// The next bytes of that binary.
    Chunk { target: &'a str, bytes: &'a [u8] },
}

/// Reads every entry with the safety checks, hashing binaries and streaming them to `visit`.
pub(crate) fn scan_with<R: Read>(
    reader: R,
    visit: &mut dyn FnMut(BinaryEvent<'_>) -> Result<(), ParError>,
) -> Result<Scanned, ParError> {
    let mut reader = reader;
    let mut magic = [0u8; 2];
    let got = read_up_to(&mut reader, &mut magic).map_err(corrupt)?;
    if got < 2 {
        return Err(ParError::TooShort);
    }
    let compressed = magic == [0x1f, 0x8b];
    let chained = io::Cursor::new(magic).chain(reader);
    let stream: Box<dyn Read + '_> = if compressed {
        Box::new(GzDecoder::new(chained))
    } else {
        Box::new(chained)
    };
    let mut archive = tar::Archive::new(stream);
    let mut jwt: Option<String> = None;
    let mut targets: Vec<TargetEntry> = Vec::new();
    for entry in archive.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        let name = String::from_utf8(entry.path_bytes().into_owned()).map_err(|e| {
            ParError::UnsafePath {
                name: String::from_utf8_lossy(e.as_bytes()).into_owned(),
                reason: "not UTF-8",
            }
        })?;
        let stem = check_name(&name)?;
        let kind = entry.header().entry_type();
        if !kind.is_file() {
            return Err(ParError::NotAFile {
                name,
                kind: type_name(kind),
            });
        }
        if stem == "claims" {
            if jwt.is_some() {
                return Err(ParError::Duplicate(name));
            }
            if entry.size() > MAX_CLAIMS_LEN {
                return Err(ParError::BadClaimsEntry(format!(
                    "{} bytes is too large",
                    entry.size()
                )));
            }
            let mut text = Vec::new();
            (&mut entry)
                .take(MAX_CLAIMS_LEN)
                .read_to_end(&mut text)
                .map_err(corrupt)?;
            let text = String::from_utf8(text)
                .map_err(|_| ParError::BadClaimsEntry("not UTF-8 text".into()))?;
            jwt = Some(text);
            continue;
        }
        if targets.iter().any(|t| t.target == stem) {
            return Err(ParError::Duplicate(name));
        }
        let declared = entry.size();
        visit(BinaryEvent::Start {
            target: &stem,
            size: declared,
        })?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = entry.read(&mut buf).map_err(corrupt)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            size += n as u64;
            visit(BinaryEvent::Chunk {
                target: &stem,
                bytes: &buf[..n],
            })?;
        }
        if size != declared {
            return Err(ParError::Corrupt(format!(
                "entry `{name}` is truncated ({size} of {declared} bytes)"
            )));
        }
        targets.push(TargetEntry {
            target: stem,
            size,
            hash: upper_hex(&hasher.finalize()),
        });
    }
    let jwt = jwt.ok_or(ParError::Incomplete("no `claims.jwt` entry"))?;
    if targets.is_empty() {
        return Err(ParError::Incomplete("no binary (`<target>.bin`) entry"));
    }
    Ok(Scanned {
        jwt,
        targets,
        kept: Vec::new(),
        compressed,
    })
}

/// Refuses absolute names, `..`, backslashes and empty names; returns the file stem.
fn check_name(name: &str) -> Result<String, ParError> {
    let unsafe_path = |reason| ParError::UnsafePath {
        name: name.to_owned(),
        reason,
    };
    if name.is_empty() {
        return Err(unsafe_path("empty name"));
    }
    if name.contains('\\') {
        return Err(unsafe_path("contains a backslash"));
    }
    let path = Path::new(name);
    for component in path.components() {
        match component {
            Component::ParentDir => return Err(unsafe_path("contains `..`")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(unsafe_path("is an absolute path"))
            }
            Component::CurDir | Component::Normal(_) => {}
        }
    }
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| unsafe_path("has no file name"))?;
    Ok(stem.to_owned())
}

fn type_name(kind: tar::EntryType) -> String {
    match kind {
        tar::EntryType::Symlink => "symlink".into(),
        tar::EntryType::Link => "hard link".into(),
        tar::EntryType::Directory => "directory".into(),
        tar::EntryType::Char => "character device".into(),
        tar::EntryType::Block => "block device".into(),
        tar::EntryType::Fifo => "fifo".into(),
        other => format!(
            "non-file entry (type `{}`)",
            char::from(other.as_byte()).escape_default()
        ),
    }
}

fn corrupt(err: io::Error) -> ParError {
    ParError::Corrupt(err.to_string())
}

fn read_up_to<R: Read>(input: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Upper-case hex of `bytes`.
pub(crate) fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entry names with `..`, absolute paths, backslashes or no name are refused; nested names give the stem.
    #[test]
    fn entry_names_are_checked() {
        assert_eq!(check_name("x86_64-linux.bin").unwrap(), "x86_64-linux");
        assert_eq!(check_name("./claims.jwt").unwrap(), "claims");
        for bad in [
            "../x.bin",
            "a/../../x.bin",
            "/etc/passwd",
            "a\\b.bin",
            "",
            "..",
        ] {
            assert!(
                matches!(check_name(bad), Err(ParError::UnsafePath { .. })),
                "{bad}"
            );
        }
    }
}
