//! Files chosen in the page's start forms: the browser sends the bytes, the dashboard keeps them in a
//! folder on this machine, named by content, and the form then starts the actor or provider from that
//! path (so, like a typed path, an upload serves hosts on the machine running `wash ui`).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::actions::ActionError;

/// The largest file the page may upload (the biggest provider archives are tens of MiB).
pub(crate) const MAX_UPLOAD_BYTES: usize = 256 << 20;

/// What an upload is meant to be, from the form it was chosen in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UploadKind {
    /// A signed wasm module (start actor).
    Actor,
    /// A provider archive, gzipped or not (start provider).
    Provider,
}

impl UploadKind {
    pub(crate) fn from_path_segment(segment: &str) -> Option<Self> {
        match segment {
            "actor" => Some(Self::Actor),
            "provider" => Some(Self::Provider),
            _ => None,
        }
    }

    /// The file extension for `bytes`, or why they are not this kind of file.
    fn extension(self, name: &str, bytes: &[u8]) -> Result<&'static str, String> {
        let gzip = bytes.starts_with(&[0x1f, 0x8b]);
        let tar = bytes.get(257..262) == Some(b"ustar".as_slice());
        match self {
            Self::Actor if bytes.starts_with(b"\0asm") => Ok("wasm"),
            Self::Actor => Err(format!(
                "`{name}` is not a wasm module: choose the actor's signed `.wasm` file (`wash claims sign` writes one)"
            )),
            Self::Provider if gzip => Ok("par.gz"),
            Self::Provider if tar => Ok("par"),
            Self::Provider => Err(format!(
                "`{name}` is not a provider archive: choose a `.par.gz` or `.par` file (`wash par create` writes one)"
            )),
        }
    }
}

/// Keeps `bytes` under `dir` as `<hash>-<name>.<ext>` (the same content always lands on the same path)
/// and returns the absolute path.
pub(crate) fn save(
    dir: &Path,
    kind: UploadKind,
    name: &str,
    bytes: &[u8],
) -> Result<PathBuf, ActionError> {
    let shown = if name.is_empty() { "the file" } else { name };
    if bytes.is_empty() {
        return Err(ActionError::bad_request(format!(
            "{shown} is empty: choose another file"
        )));
    }
    let extension = kind
        .extension(shown, bytes)
        .map_err(ActionError::bad_request)?;
    let digest = Sha256::digest(bytes);
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let path = dir.join(format!("{hash}-{}.{extension}", stem(name)));
    if path.is_file() {
        return absolute(&path);
    }
    let failed = |e: std::io::Error| {
        ActionError::server_error(format!(
            "cannot keep the upload in `{}`: {e}",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    // Written beside its final name and renamed, so a host never reads half a file.
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(failed)?;
    temp.write_all(bytes).map_err(failed)?;
    temp.persist(&path).map_err(|e| failed(e.error))?;
    absolute(&path)
}

fn absolute(path: &Path) -> Result<PathBuf, ActionError> {
    std::fs::canonicalize(path).map_err(|e| {
        ActionError::server_error(format!("cannot find the upload `{}`: {e}", path.display()))
    })
}

/// The browser's file name from the `x-file-name` header, which the page percent-encodes.
pub(crate) fn decode_file_name(header: &str) -> String {
    let bytes = header.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A file-name-safe version of the browser's file name without its extensions, at most 64 characters.
fn stem(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let base = base.split('.').next().unwrap_or_default();
    let safe: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if safe.is_empty() {
        "upload".into()
    } else {
        safe
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_header() -> Vec<u8> {
        let mut bytes = vec![0u8; 512];
        bytes[257..262].copy_from_slice(b"ustar");
        bytes
    }

    /// Modules and archives are kept by content under a safe name; the same bytes give the same path.
    #[test]
    fn keeps_files_by_content() {
        let dir = tempfile::tempdir().expect("tempdir");
        let module = b"\0asm\x01\0\0\0".to_vec();
        let first = save(dir.path(), UploadKind::Actor, "kvcounter_s.wasm", &module).expect("save");
        assert!(first.is_absolute());
        assert_eq!(std::fs::read(&first).expect("read"), module);
        let name = first
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert!(name.ends_with("-kvcounter_s.wasm"), "{name}");
        let again = save(dir.path(), UploadKind::Actor, "kvcounter_s.wasm", &module).expect("save");
        assert_eq!(first, again);

        let archive = save(
            dir.path(),
            UploadKind::Provider,
            "../../etc/x y.par.gz",
            b"\x1f\x8b\x08",
        )
        .expect("save");
        assert_eq!(archive.parent(), Some(first.parent().expect("dir")));
        assert!(
            archive.to_string_lossy().ends_with("-x_y.par.gz"),
            "{archive:?}"
        );
        let plain = save(dir.path(), UploadKind::Provider, "p.par", &tar_header()).expect("save");
        assert!(plain.to_string_lossy().ends_with("-p.par"), "{plain:?}");
        // only the three files, no temporary left behind
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 3);
    }

    /// The page's percent-encoded names come back as typed; stray percent signs pass through.
    #[test]
    fn file_names_are_decoded() {
        assert_eq!(decode_file_name("kvcounter_s.wasm"), "kvcounter_s.wasm");
        assert_eq!(decode_file_name("my%20actor%C3%A9.wasm"), "my actoré.wasm");
        assert_eq!(decode_file_name("100%"), "100%");
        assert_eq!(decode_file_name("%zz%4"), "%zz%4");
    }

    /// The wrong kind of file, or an empty one, is refused with what to choose instead.
    #[test]
    fn refuses_the_wrong_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = save(
            dir.path(),
            UploadKind::Actor,
            "httpserver.par.gz",
            b"\x1f\x8b\x08",
        )
        .expect_err("not wasm");
        assert_eq!(err.status, 400);
        assert!(
            err.error
                .contains("`httpserver.par.gz` is not a wasm module"),
            "{}",
            err.error
        );
        let err = save(
            dir.path(),
            UploadKind::Provider,
            "a.wasm",
            b"\0asm\x01\0\0\0",
        )
        .expect_err("not an archive");
        assert!(
            err.error.contains("is not a provider archive"),
            "{}",
            err.error
        );
        let err = save(dir.path(), UploadKind::Actor, "", b"").expect_err("empty");
        assert!(err.error.contains("the file is empty"), "{}", err.error);
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 0);
    }
}
