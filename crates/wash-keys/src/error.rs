//! The error type of `wash-keys`.

use std::path::PathBuf;

use crate::KeyKind;

/// Everything that can go wrong decoding, storing or looking up a key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A seed string could not be decoded (length, base32, checksum or prefix).
    #[error("invalid seed: {reason}")]
    InvalidSeed {
        /// What was wrong, e.g. "checksum mismatch" or "bad seed length: 59".
        reason: String,
    },
    /// A public key string could not be decoded.
    #[error("invalid public key `{key}`: {reason}")]
    InvalidPublicKey {
        /// The string that was given.
        key: String,
        /// What was wrong.
        reason: String,
    },
    /// A key decoded fine but is of the wrong kind for its use.
    #[error("{what} is {} key (`{public_key}`), expected {} key", .found.article_name(), .expected.article_name())]
    WrongKind {
        /// Where the key came from, e.g. "`--issuer`".
        what: String,
        /// The kind that was needed.
        expected: KeyKind,
        /// The kind that was found.
        found: KeyKind,
        /// The public key of what was found.
        public_key: String,
    },
    /// An unknown key kind name (`wash keys gen foo`).
    #[error("unknown key kind `{0}`: expected one of account, cluster, module, operator, server, service, user")]
    UnknownKind(String),
    /// A key name that would escape the key directory or is empty.
    #[error("invalid key name `{0}`: use letters, digits, `_`, `-` and `.` only")]
    InvalidName(String),
    /// `wash keys get <name>` for a name with no file.
    #[error("no key named `{name}` in `{}`", .dir.display())]
    NotInStore {
        /// The name asked for.
        name: String,
        /// The key directory.
        dir: PathBuf,
    },
    /// No key was supplied or stored, and generating one was disabled.
    #[error("no {kind} key found in `{}` and key generation is disabled\nhelp: pass `{flag}` or set `{env}`, or drop `--disable-keygen` to generate and store one", .path.display())]
    KeygenDisabled {
        /// The kind of key that was needed.
        kind: KeyKind,
        /// The store file that was looked for.
        path: PathBuf,
        /// The flag that supplies this key.
        flag: String,
        /// The environment variable that supplies this key.
        env: String,
    },
    /// A seed file or key directory could not be read or written.
    #[error("failed to {action} `{}`", .path.display())]
    Io {
        /// What was being done ("read", "write", "create").
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A seed from a flag, env var or file did not decode.
    #[error("{what} does not hold a valid seed")]
    BadSeedFrom {
        /// Where the seed came from ("`--issuer`", "file `x.nk`").
        what: String,
        /// The decoding error.
        #[source]
        source: Box<KeyError>,
    },
    /// A value that should name a key is neither a public key, a seed nor a seed file. The value is
    /// not repeated: it may be a mistyped seed.
    #[error("{what} is not {} public key, seed or seed file\nhelp: pass the key's public key ({}…), its seed (S{}…) or the path of a file holding the seed", .kind.article_name(), .kind.letter(), .kind.letter())]
    NotAKey {
        /// Where the value came from ("`--additional-key`").
        what: String,
        /// The kind of key that was needed.
        kind: KeyKind,
        /// Why it did not decode as a seed.
        #[source]
        source: Box<KeyError>,
    },
    /// A signing key could not be found: the role (`issuer`, `subject`) and why.
    #[error("failed to find the {role} key")]
    Lookup {
        /// `issuer` or `subject`.
        role: String,
        /// Why it was not found.
        #[source]
        source: Box<KeyError>,
    },
    /// A key generated for a signing job could not be saved.
    #[error("failed to save the new {role} key")]
    Save {
        /// `issuer` or `subject`.
        role: String,
        /// Why it was not saved.
        #[source]
        source: Box<KeyError>,
    },
}
