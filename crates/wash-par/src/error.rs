//! The error type of `wash-par`.

use std::path::PathBuf;

/// Everything that can go wrong reading or writing a provider archive.
#[derive(Debug, thiserror::Error)]
pub enum ParError {
    /// Fewer than two bytes: not even a gzip magic.
    #[error("not enough bytes to be a provider archive")]
    TooShort,
    /// The tar (or gzip) stream is unreadable.
    #[error("not a valid provider archive: {0}")]
    Corrupt(String),
    /// An entry name with `..`, an absolute path or not UTF-8.
    #[error("unsafe entry name `{name}` in the archive: {reason}")]
    UnsafePath {
        /// The entry name as stored.
        name: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// An entry that is not a regular file (symlink, hard link, directory, device...).
    #[error("entry `{name}` in the archive is a {kind}, only regular files are allowed")]
    NotAFile {
        /// The entry name.
        name: String,
        /// What it is instead.
        kind: String,
    },
    /// Two entries for the same target or two claims entries.
    #[error("duplicate entry `{0}` in the archive")]
    Duplicate(String),
    /// No claims entry, or no binary.
    #[error("incomplete provider archive: {0}")]
    Incomplete(&'static str),
    /// The claims entry is too large or not text.
    #[error("invalid `claims.jwt` entry: {0}")]
    BadClaimsEntry(String),
    /// The claims are not a valid provider token.
    #[error("invalid provider claims")]
    Claims(#[from] wash_claims::ClaimsError),
    /// A binary whose hash is not the signed one.
    #[error("binary for `{target}` does not match its signed hash (signed `{expected}`, found `{actual}`)")]
    HashMismatch {
        /// The target.
        target: String,
        /// The hash in the claims.
        expected: String,
        /// The hash of the bytes.
        actual: String,
    },
    /// A binary with no hash in the claims.
    #[error("binary for `{0}` has no signed hash in the claims")]
    UnsignedTarget(String),
    /// An invalid target name given to create/insert.
    #[error("invalid target `{0}`: use `<arch>-<os>` such as `x86_64-linux` (letters, digits, `_`, `-`, `.`)")]
    InvalidTarget(String),
    /// `par insert` with a subject key that is not the archive's service key.
    #[error("the subject key `{given}` is not this archive's service key `{archive}`\nhelp: pass the archive's service seed with `--subject`")]
    SubjectMismatch {
        /// The archive's `sub`.
        archive: String,
        /// The key that was given.
        given: String,
    },
    /// A binary changed between hashing and archiving.
    #[error("`{}` changed while it was being archived", .0.display())]
    ChangedWhileReading(PathBuf),
    /// Reading or writing a file failed.
    #[error("failed to {action} `{}`", .path.display())]
    File {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Creating or extending an archive file failed (wraps the reason).
    #[error("failed to {action} `{}`", .path.display())]
    Archive {
        /// `create` or `insert into`.
        action: &'static str,
        /// The archive file.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: Box<ParError>,
    },
    /// A signing key could not be saved, or the archive file not written.
    #[error(transparent)]
    Key(#[from] wash_keys::KeyError),
    /// Writing the archive failed.
    #[error("failed to write the archive")]
    Write(#[source] std::io::Error),
}
