//! Writing archives: deterministic GNU tar entries, optional gzip, claims signed over every binary's hash.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wash_claims::{CapabilityProvider, Claims, Token};
use wash_keys::KeyPair;

use crate::read::{inspect, scan_with, upper_hex, BinaryEvent};
use crate::{ParError, CLAIMS_ENTRY};

/// The gzip level used for `.par.gz` (wash 0.x used 9; see `docs/benchmarks.md`).
pub const COMPRESSION_LEVEL: u32 = 6;
/// Mode of the claims entry.
const CLAIMS_MODE: u32 = 0o644;
/// Mode of binary entries (executable, so an extracted binary can run).
const BINARY_MODE: u32 = 0o755;

/// The provider metadata that goes into the claims (everything but the hashes).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProviderSpec {
    /// Display name.
    pub name: Option<String>,
    /// Capability contract id (`wasmcloud:httpserver`).
    pub capid: String,
    /// Vendor.
    pub vendor: String,
    /// Revision.
    pub rev: Option<i32>,
    /// Version string.
    pub ver: Option<String>,
    /// Link configuration JSON schema.
    pub config_schema: Option<serde_json::Value>,
}

/// Where a binary's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinarySource {
    /// A file, streamed (read twice: once to hash, once to archive).
    File(PathBuf),
    /// Bytes in memory.
    Bytes(Vec<u8>),
}

impl BinarySource {
    fn open(&self) -> Result<Box<dyn Read + '_>, ParError> {
        match self {
            BinarySource::File(path) => {
                let file = File::open(path).map_err(|source| ParError::File {
                    action: "read",
                    path: path.clone(),
                    source,
                })?;
                Ok(Box::new(BufReader::with_capacity(64 * 1024, file)))
            }
            BinarySource::Bytes(bytes) => Ok(Box::new(bytes.as_slice())),
        }
    }

    fn path(&self) -> PathBuf {
        match self {
            BinarySource::File(path) => path.clone(),
            BinarySource::Bytes(_) => PathBuf::from("<memory>"),
        }
    }

    /// Size and upper-hex SHA-256, streamed.
    fn measure(&self) -> Result<(u64, String), ParError> {
        let mut reader = self.open()?;
        let mut hasher = Sha256::new();
        let size =
            io::copy(&mut reader, &mut HashSink(&mut hasher)).map_err(|source| ParError::File {
                action: "read",
                path: self.path(),
                source,
            })?;
        Ok((size, upper_hex(&hasher.finalize())))
    }
}

struct HashSink<'a>(&'a mut Sha256);

impl Write for HashSink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Checks a target name: `<arch>-<os>`, letters, digits, `_`, `-`, `.`, at most 90 characters, not
/// `claims`.
pub fn validate_target(target: &str) -> Result<(), ParError> {
    let ok = !target.is_empty()
        && target.len() <= 90
        && target != "claims"
        && !target.starts_with('.')
        && target
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ParError::InvalidTarget(target.to_owned()))
    }
}

/// Writes a new archive of `binaries` (`(target, source)`, in this order) to `out`, with claims for
/// `subject` signed by `issuer`, gzip-compressed if `compress`. Returns the token written.
pub fn create<W: Write>(
    out: W,
    spec: ProviderSpec,
    binaries: &[(String, BinarySource)],
    issuer: &KeyPair,
    subject: &str,
    compress: bool,
) -> Result<Token<CapabilityProvider>, ParError> {
    for (i, (target, _)) in binaries.iter().enumerate() {
        validate_target(target)?;
        if binaries[..i].iter().any(|(t, _)| t == target) {
            return Err(ParError::Duplicate(format!("{target}.bin")));
        }
    }
    if binaries.is_empty() {
        return Err(ParError::Incomplete("no binary to archive"));
    }
    let mut measured = Vec::with_capacity(binaries.len());
    for (target, source) in binaries {
        let (size, hash) = source.measure()?;
        measured.push((target.clone(), size, hash));
    }
    let token = sign(spec, &measured, issuer, subject)?;
    let mut tar = TarWriter::new(out, compress);
    tar.entry(
        CLAIMS_ENTRY,
        CLAIMS_MODE,
        token.jwt.len() as u64,
        &mut token.jwt.as_bytes(),
    )?;
    for ((target, source), (_, size, hash)) in binaries.iter().zip(&measured) {
        let mut hashing = HashingReader {
            inner: source.open()?,
            hasher: Sha256::new(),
        };
        tar.entry(&format!("{target}.bin"), BINARY_MODE, *size, &mut hashing)
            .map_err(|e| match e {
                ParError::Write(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
                    ParError::ChangedWhileReading(source.path())
                }
                other => other,
            })?;
        if upper_hex(&hashing.hasher.finalize()) != *hash {
            return Err(ParError::ChangedWhileReading(source.path()));
        }
    }
    tar.finish()?;
    Ok(token)
}

/// Adds (or replaces) `target`'s binary in the archive at `archive`, writing the new archive to
/// `out`, re-signed by `issuer` for `subject` (which must be the archive's own service key, so an
/// insert never changes the provider's identity), compressed exactly when the original was. The
/// original is verified first and streamed (read twice), never held in memory.
/// Returns the new token and whether the output is compressed.
pub fn insert<W: Write>(
    archive: &Path,
    out: W,
    target: &str,
    binary: &BinarySource,
    issuer: &KeyPair,
    subject: &str,
) -> Result<(Token<CapabilityProvider>, bool), ParError> {
    validate_target(target)?;
    let open = || {
        File::open(archive)
            .map(|f| BufReader::with_capacity(64 * 1024, f))
            .map_err(|source| ParError::File {
                action: "read",
                path: archive.to_owned(),
                source,
            })
    };
    let summary = inspect(open()?)?;
    if summary.token.claims.sub != subject {
        return Err(ParError::SubjectMismatch {
            archive: summary.token.claims.sub.clone(),
            given: subject.to_owned(),
        });
    }
    let old = summary.token.claims.wascap.clone().unwrap_or_default();
    let spec = ProviderSpec {
        name: old.name,
        capid: old.capid,
        vendor: old.vendor,
        rev: old.rev,
        ver: old.ver,
        config_schema: old.config_schema,
    };
    let mut measured: Vec<(String, u64, String)> = summary
        .targets
        .iter()
        .filter(|t| t.target != target)
        .map(|t| (t.target.clone(), t.size, t.hash.clone()))
        .collect();
    let (new_size, new_hash) = binary.measure()?;
    measured.push((target.to_owned(), new_size, new_hash.clone()));
    let token = sign(spec, &measured, issuer, subject)?;

    let mut tar = TarWriter::new(out, summary.compressed);
    tar.entry(
        CLAIMS_ENTRY,
        CLAIMS_MODE,
        token.jwt.len() as u64,
        &mut token.jwt.as_bytes(),
    )?;
    // Second pass over the original: copy every other binary entry through, chunk by chunk.
    let mut copy = |event: BinaryEvent<'_>| -> Result<(), ParError> {
        match event {
            BinaryEvent::Start { target: t, size } if t != target => {
                tar.begin(&format!("{t}.bin"), BINARY_MODE, size)
            }
            BinaryEvent::Chunk { target: t, bytes } if t != target => tar.chunk(bytes),
            _ => Ok(()),
        }
    };
    let second = scan_with(open()?, &mut copy)?;
    if second.targets != summary.targets {
        return Err(ParError::ChangedWhileReading(archive.to_owned()));
    }
    tar.end_pending()?;
    let mut hashing = HashingReader {
        inner: binary.open()?,
        hasher: Sha256::new(),
    };
    tar.entry(
        &format!("{target}.bin"),
        BINARY_MODE,
        new_size,
        &mut hashing,
    )?;
    if upper_hex(&hashing.hasher.finalize()) != new_hash {
        return Err(ParError::ChangedWhileReading(binary.path()));
    }
    tar.finish()?;
    Ok((token, summary.compressed))
}

fn sign(
    spec: ProviderSpec,
    measured: &[(String, u64, String)],
    issuer: &KeyPair,
    subject: &str,
) -> Result<Token<CapabilityProvider>, ParError> {
    let metadata = CapabilityProvider {
        name: spec.name,
        capid: spec.capid,
        vendor: spec.vendor,
        rev: spec.rev,
        ver: spec.ver,
        target_hashes: measured
            .iter()
            .map(|(t, _, h)| (t.clone(), h.clone()))
            .collect(),
        config_schema: spec.config_schema,
    };
    let mut claims = Claims::new(issuer.public_key(), subject, metadata);
    // Archives carry no `wascap_revision`, as wash 0.x and provider-archive write them.
    claims.wascap_revision = None;
    let jwt = claims.encode(issuer)?;
    Ok(Token { jwt, claims })
}

struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// A minimal streaming tar writer: GNU headers with fixed metadata, data padded to 512 bytes, two
/// zero blocks at the end; optionally through gzip (compressed in parallel).
struct TarWriter<W: Write> {
    out: Sink<W>,
    /// Bytes still owed to the entry begun with [`TarWriter::begin`].
    pending: u64,
    /// Size of that entry, for its padding.
    pending_size: u64,
}

enum Sink<W: Write> {
    Plain(W),
    /// Blocks deflated on every core into one gzip member (`crate::pargz`).
    Gzip(Box<crate::pargz::ParallelGz<W>>),
}

impl<W: Write> Write for Sink<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Gzip(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
        }
    }
}

impl<W: Write> TarWriter<W> {
    fn new(out: W, compress: bool) -> Self {
        let out = if compress {
            Sink::Gzip(Box::new(crate::pargz::ParallelGz::new(
                out,
                COMPRESSION_LEVEL,
            )))
        } else {
            Sink::Plain(out)
        };
        Self {
            out,
            pending: 0,
            pending_size: 0,
        }
    }

    fn header(name: &str, mode: u32, size: u64) -> Result<tar::Header, ParError> {
        let mut header = tar::Header::new_gnu();
        header.set_path(name).map_err(ParError::Write)?;
        header.set_size(size);
        header.set_mode(mode);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_cksum();
        Ok(header)
    }

    /// Writes a whole entry from `data`, which must yield exactly `size` bytes.
    fn entry(
        &mut self,
        name: &str,
        mode: u32,
        size: u64,
        data: &mut dyn Read,
    ) -> Result<(), ParError> {
        self.begin(name, mode, size)?;
        let copied = io::copy(&mut data.take(size), &mut self.out).map_err(ParError::Write)?;
        if copied != size {
            return Err(ParError::Write(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the input ended early",
            )));
        }
        self.pending = 0;
        self.end_pending()
    }

    fn begin(&mut self, name: &str, mode: u32, size: u64) -> Result<(), ParError> {
        self.end_pending()?;
        let header = Self::header(name, mode, size)?;
        self.out
            .write_all(header.as_bytes())
            .map_err(ParError::Write)?;
        self.pending = size;
        self.pending_size = size;
        Ok(())
    }

    fn chunk(&mut self, bytes: &[u8]) -> Result<(), ParError> {
        if bytes.len() as u64 > self.pending {
            return Err(ParError::Corrupt(
                "an entry is longer than its header says".into(),
            ));
        }
        self.out.write_all(bytes).map_err(ParError::Write)?;
        self.pending -= bytes.len() as u64;
        Ok(())
    }

    /// Pads the current entry to a 512-byte boundary (it must be complete).
    fn end_pending(&mut self) -> Result<(), ParError> {
        if self.pending != 0 {
            return Err(ParError::Corrupt(
                "an entry is shorter than its header says".into(),
            ));
        }
        let rem = (self.pending_size % 512) as usize;
        if rem != 0 {
            self.out
                .write_all(&[0u8; 512][..512 - rem])
                .map_err(ParError::Write)?;
        }
        self.pending_size = 0;
        Ok(())
    }

    fn finish(mut self) -> Result<(), ParError> {
        self.end_pending()?;
        self.out.write_all(&[0u8; 1024]).map_err(ParError::Write)?;
        match self.out {
            Sink::Plain(mut w) => w.flush().map_err(ParError::Write),
            Sink::Gzip(gz) => gz
                .finish()
                .and_then(|mut w| w.flush())
                .map_err(ParError::Write),
        }
    }
}
