//! nkeys identities for wash: key kinds, checked seed/public-key decoding, the on-disk key store and
//! the one lookup order every signing command uses.
//!
//! Keys are Ed25519 key pairs in the NATS nkeys encoding (`shared/spec/keys.md`). Decoding always
//! verifies the CRC-16 checksum and the type prefix, so a mistyped seed is an error, never a different key.
//!
//! # Where a signing key comes from
//!
//! [`resolve`] looks for a key in this order and stops at the first hit:
//!
//! 1. the command-line flag (`--issuer` / `--subject`): a path to a seed file, or else a seed;
//! 2. the environment variable (`WASH_ISSUER_KEY` / `WASH_SUBJECT_KEY`): same two forms;
//! 3. the key store, file `<name>.nk` (e.g. `alice_account.nk`, `echo_module.nk`);
//! 4. a newly generated key, saved in the store under that name — unless key generation is disabled
//!    (`--disable-keygen`), which makes a missing key an error that says what to pass.
//!
//! The result says which of these it was ([`KeySource`]) so a command can tell the user.
//!
//! A signing job (sign a module, pack an archive) takes its two keys as [`SigningKeys`] and writes its
//! file with [`SigningKeys::write_signed`]: atomically ([`AtomicFile`]), saving generated keys only
//! once the file is in place.

mod atomic;
mod error;
mod job;
mod kind;
mod lookup;
mod seed;
mod store;

pub use atomic::AtomicFile;
pub use error::KeyError;
pub use job::{find, SigningKeys};
pub use kind::KeyKind;
pub use lookup::{
    default_account_key_name, public_key_from, resolve, resolve_unsaved, subject_key_name,
    KeyRequest, KeySource, ResolvedKey,
};
pub use nkeys::KeyPair;
pub use seed::{generate, parse_public_key, parse_seed, parse_seed_of_kind, seed_of};
pub use store::{KeyStore, KEY_FILE_EXTENSION};
