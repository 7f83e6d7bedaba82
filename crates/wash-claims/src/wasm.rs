//! A streaming walk over a module's top-level sections: copies every section except the JWT ones to
//! an output (re-encoding section sizes as minimal LEB128, as wascap's encoder does), hashes exactly
//! what it copied, and keeps the first JWT section's text.
//!
//! Why not `wasmparser::Parser`: its incremental mode hands out a non-code section only once the whole
//! section is buffered, so a module with a large data section would sit in memory. Here only the
//! section headers are decoded; payloads are copied through a fixed buffer. Tests use wasmparser as an
//! independent oracle for the section layout.

use std::io::{self, Read, Write};

use sha2::{Digest, Sha256};

use crate::ClaimsError;

/// The section name wash writes the JWT into.
pub const JWT_SECTION: &str = "wasmcloud_jwt";
/// The legacy section name (wascap < 0.9), still read and stripped.
pub const LEGACY_JWT_SECTION: &str = "jwt";

/// Largest JWT section we read into memory (real ones are well under 2 KiB).
const MAX_JWT_LEN: u64 = 1 << 20;
const MAGIC: &[u8; 4] = b"\0asm";
const CORE_VERSION: [u8; 4] = [1, 0, 0, 0];
const COMPONENT_VERSION: [u8; 4] = [0x0d, 0, 0x01, 0];

/// What a walk hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    /// Nothing: the walk checks the structure and finds the token.
    Nothing,
    /// The module without its JWT sections (the claims' `hash`).
    Module,
    /// That and every input byte, in one pass over the bytes the two share (see [`strip`]).
    ModuleAndInput,
}

/// What a walk found.
#[derive(Debug)]
pub(crate) struct Stripped {
    /// Upper-case hex SHA-256 of the module without JWT sections (the bytes written to the output),
    /// unless the walk hashed nothing.
    pub hash: Option<String>,
    /// SHA-256 of every byte read, with [`Hash::ModuleAndInput`].
    pub input_sha256: Option<[u8; 32]>,
    /// Bytes read.
    pub input_len: u64,
    /// The output was the input, byte for byte: no JWT section and every size minimal LEB128.
    pub identical: bool,
    /// The first JWT section (name and text), if any.
    pub jwt: Option<(String, String)>,
}

/// A reader that counts bytes, for error offsets, and hashes them when it has a hasher.
struct Counting<R> {
    inner: R,
    offset: u64,
    hasher: Option<Sha256>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.offset += n as u64;
        if let Some(hasher) = self.hasher.as_mut() {
            hasher.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// The output is the input byte for byte until the first JWT section or re-encoded size. With
/// [`Hash::ModuleAndInput`], until then the module hash is the input hash, and only from where they
/// part does the output get a hasher of its own, started from the input hasher's state at that
/// section's start: a module signed by wash or wascap (minimal sizes, token last) is hashed once.
struct Shared {
    /// Output and input are still the same bytes.
    same: bool,
    /// The output hash is the input hash while `same` (with [`Hash::ModuleAndInput`]).
    fork: bool,
    /// The input hasher as of the current section's start.
    checkpoint: Option<Sha256>,
}

impl Shared {
    /// The output is about to differ from the input: give it its own hasher if it shared the input's.
    fn part<W>(&mut self, out: &mut Hashing<W>) {
        if self.same {
            self.same = false;
            if self.fork {
                out.hasher = self.checkpoint.take();
            }
        }
    }
}

/// Bytes of `value` as minimal LEB128.
fn leb_len(mut value: u64) -> usize {
    let mut len = 1;
    while value >= 0x80 {
        value >>= 7;
        len += 1;
    }
    len
}

/// A writer that hashes everything it passes on (when it has a hasher).
struct Hashing<W> {
    inner: W,
    hasher: Option<Sha256>,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if let Some(hasher) = self.hasher.as_mut() {
            hasher.update(&buf[..n]);
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Copies `input` to `output` without its JWT sections, hashing as `hash` says; see the module docs.
pub(crate) fn strip<R: Read, W: Write>(
    input: R,
    output: W,
    hash: Hash,
) -> Result<Stripped, ClaimsError> {
    let both = hash == Hash::ModuleAndInput;
    let mut input = Counting {
        inner: input,
        offset: 0,
        hasher: both.then(Sha256::new),
    };
    let mut out = Hashing {
        inner: output,
        hasher: (hash == Hash::Module).then(Sha256::new),
    };
    let mut shared = Shared {
        same: true,
        fork: both,
        checkpoint: None,
    };
    let mut header = [0u8; 8];
    let got = read_up_to(&mut input, &mut header)?;
    if got < 8 || &header[..4] != MAGIC {
        return Err(ClaimsError::NotWasm(
            "it does not start with the `\\0asm` magic bytes".into(),
        ));
    }
    let version: [u8; 4] = [header[4], header[5], header[6], header[7]];
    if version != CORE_VERSION && version != COMPONENT_VERSION {
        return Err(ClaimsError::NotWasm(format!(
            "unknown binary version {version:02x?}"
        )));
    }
    out.write_all(&header)?;
    let mut jwt = None;
    loop {
        let start = input.offset;
        if shared.same && shared.fork {
            shared.checkpoint = input.hasher.clone();
        }
        let mut id = [0u8; 1];
        if read_up_to(&mut input, &mut id)? == 0 {
            break;
        }
        let (size, size_leb_len) = read_leb_u32(&mut input, "section size")?;
        let size = u64::from(size);
        if size_leb_len != leb_len(size) {
            shared.part(&mut out);
        }
        if id[0] != 0 {
            out.write_all(&id)?;
            write_leb(&mut out, size)?;
            copy_exact(
                &mut input,
                &mut out,
                size,
                || format!("section {} payload", id[0]),
                start,
            )?;
            continue;
        }
        // A custom section: a name (LEB length + UTF-8), then data up to the section size.
        let name_start = input.offset;
        let (name_len, name_leb_len) = read_leb_u32(&mut input, "custom section name length")?;
        let name_len = u64::from(name_len);
        let header_len = name_leb_len as u64 + name_len;
        if header_len > size {
            return Err(ClaimsError::Malformed {
                offset: name_start,
                reason: format!(
                    "custom section name ({name_len} bytes) is longer than its section ({size} bytes)"
                ),
            });
        }
        let mut name = Vec::new();
        let read = (&mut input).take(name_len).read_to_end(&mut name)?;
        if (read as u64) < name_len {
            return Err(truncated(
                "custom section name",
                name_start,
                name_len - read as u64,
            ));
        }
        let name = String::from_utf8(name).map_err(|_| ClaimsError::Malformed {
            offset: name_start,
            reason: "custom section name is not UTF-8".into(),
        })?;
        let data_len = size - header_len;
        if name == JWT_SECTION || name == LEGACY_JWT_SECTION {
            shared.part(&mut out);
            if jwt.is_none() {
                if data_len > MAX_JWT_LEN {
                    return Err(ClaimsError::CorruptSection {
                        section: name,
                        reason: format!("{data_len} bytes is too large for a token"),
                    });
                }
                let mut text = Vec::new();
                let read = (&mut input).take(data_len).read_to_end(&mut text)?;
                if (read as u64) < data_len {
                    return Err(truncated(
                        &format!("`{name}` section"),
                        start,
                        data_len - read as u64,
                    ));
                }
                let text = String::from_utf8(text).map_err(|_| ClaimsError::CorruptSection {
                    section: name.clone(),
                    reason: "the token is not UTF-8 text".into(),
                })?;
                jwt = Some((name, text));
            } else {
                copy_exact(
                    &mut input,
                    &mut io::sink(),
                    data_len,
                    || format!("`{name}` section"),
                    start,
                )?;
            }
            continue;
        }
        // Re-encode: minimal LEB for the section size and the name length, data byte for byte.
        if name_leb_len != leb_len(name_len) {
            shared.part(&mut out);
        }
        let mut name_leb = Vec::with_capacity(5);
        write_leb(&mut name_leb, name_len)?;
        out.write_all(&[0])?;
        write_leb(&mut out, name_leb.len() as u64 + name_len + data_len)?;
        out.write_all(&name_leb)?;
        out.write_all(name.as_bytes())?;
        copy_exact(
            &mut input,
            &mut out,
            data_len,
            || format!("custom section `{name}`"),
            start,
        )?;
    }
    out.flush()?;
    let module = if shared.same && shared.fork {
        input.hasher.clone()
    } else {
        out.hasher
    };
    Ok(Stripped {
        hash: module.map(|hasher| upper_hex(&hasher.finalize())),
        input_sha256: input.hasher.map(|hasher| hasher.finalize().into()),
        input_len: input.offset,
        identical: shared.same,
        jwt,
    })
}

/// Writes a custom section named [`JWT_SECTION`] holding `jwt`.
pub(crate) fn write_jwt_section<W: Write>(out: &mut W, jwt: &str) -> io::Result<()> {
    let name = JWT_SECTION.as_bytes();
    let mut name_leb = Vec::with_capacity(5);
    write_leb(&mut name_leb, name.len() as u64)?;
    out.write_all(&[0])?;
    write_leb(out, (name_leb.len() + name.len() + jwt.len()) as u64)?;
    out.write_all(&name_leb)?;
    out.write_all(name)?;
    out.write_all(jwt.as_bytes())
}

/// Upper-case hex of `bytes`.
pub(crate) fn upper_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

fn truncated(what: &str, offset: u64, needed: u64) -> ClaimsError {
    ClaimsError::Truncated {
        what: what.to_owned(),
        offset,
        needed,
    }
}

fn copy_exact<R: Read, W: Write>(
    input: &mut Counting<R>,
    out: &mut W,
    len: u64,
    what: impl Fn() -> String,
    start: u64,
) -> Result<(), ClaimsError> {
    let copied = io::copy(&mut (&mut *input).take(len), out)?;
    if copied < len {
        return Err(truncated(&what(), start, len - copied));
    }
    Ok(())
}

/// Reads until `buf` is full or EOF; returns how many bytes were read.
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

/// Reads an unsigned LEB128 u32 (at most 5 bytes); returns the value and how many bytes it took.
fn read_leb_u32<R: Read>(input: &mut Counting<R>, what: &str) -> Result<(u32, usize), ClaimsError> {
    let start = input.offset;
    let mut value: u64 = 0;
    for i in 0..5 {
        let mut byte = [0u8; 1];
        if read_up_to(input, &mut byte)? == 0 {
            return Err(truncated(what, start, 1));
        }
        value |= u64::from(byte[0] & 0x7f) << (7 * i);
        if byte[0] & 0x80 == 0 {
            let value = u32::try_from(value).map_err(|_| ClaimsError::Malformed {
                offset: start,
                reason: format!("{what} does not fit in 32 bits"),
            })?;
            return Ok((value, i + 1));
        }
    }
    Err(ClaimsError::Malformed {
        offset: start,
        reason: format!("{what} is longer than 5 bytes of LEB128"),
    })
}

fn write_leb<W: Write>(out: &mut W, mut value: u64) -> io::Result<()> {
    let mut buf = [0u8; 10];
    let mut i = 0;
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            buf[i] = byte;
            i += 1;
            break;
        }
        buf[i] = byte | 0x80;
        i += 1;
    }
    out.write_all(&buf[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Minimal LEB128 encodings of a few boundary values.
    #[test]
    fn leb_is_minimal() {
        let enc = |v| {
            let mut b = Vec::new();
            write_leb(&mut b, v).unwrap();
            b
        };
        assert_eq!(enc(0), [0]);
        assert_eq!(enc(127), [0x7f]);
        assert_eq!(enc(128), [0x80, 0x01]);
        assert_eq!(enc(649), [0x89, 0x05]);
    }

    /// A non-minimal LEB (`87 80 00` = 7) decodes to its value and length 3; 6-byte LEBs are refused.
    #[test]
    fn leb_reader_accepts_non_minimal_and_bounds_length() {
        let mut r = Counting {
            inner: &[0x87u8, 0x80, 0x00][..],
            offset: 0,
            hasher: None,
        };
        assert_eq!(read_leb_u32(&mut r, "x").unwrap(), (7, 3));
        let mut r = Counting {
            inner: &[0x80u8, 0x80, 0x80, 0x80, 0x80, 0x00][..],
            offset: 0,
            hasher: None,
        };
        assert!(matches!(
            read_leb_u32(&mut r, "x"),
            Err(ClaimsError::Malformed { .. })
        ));
        let mut r = Counting {
            inner: &[0xffu8, 0xff, 0xff, 0xff, 0x7f][..],
            offset: 0,
            hasher: None,
        };
        assert!(matches!(
            read_leb_u32(&mut r, "x"),
            Err(ClaimsError::Malformed { .. })
        ));
    }
}
