//! The error types of `wash-claims`: [`ClaimsError`], and [`InvocationAuthError`] for invocation tokens.

/// Everything that can go wrong building, reading or checking claims.
#[derive(Debug, thiserror::Error)]
pub enum ClaimsError {
    /// The input does not start with the wasm magic and a known version.
    #[error("not a WebAssembly module: {0}")]
    NotWasm(String),
    /// The module ends in the middle of a section.
    #[error(
        "truncated module: {what} at byte {offset} needs {needed} more bytes than the file has"
    )]
    Truncated {
        /// What was being read ("section 10 payload").
        what: String,
        /// Byte offset where it started.
        offset: u64,
        /// How many bytes were missing.
        needed: u64,
    },
    /// A section header or custom-section name is malformed.
    #[error("malformed module at byte {offset}: {reason}")]
    Malformed {
        /// Byte offset of the problem.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The module has no `wasmcloud_jwt` (or legacy `jwt`) section.
    #[error("the module has no claims (no `wasmcloud_jwt` or `jwt` custom section)\nhelp: sign it with `wash claims sign`")]
    NoClaims,
    /// The embedded JWT section is not a readable token.
    #[error("corrupted `{section}` section: {reason}")]
    CorruptSection {
        /// The section name.
        section: String,
        /// What is wrong.
        reason: String,
    },
    /// The token does not have three dot-separated segments.
    #[error("invalid token format: expected 3 segments, found {0}")]
    TokenFormat(usize),
    /// A token segment is not base64url without padding.
    #[error("invalid token: the {segment} is not base64url")]
    Base64 {
        /// "header", "claims" or "signature".
        segment: &'static str,
    },
    /// A token segment is not the JSON expected.
    #[error("invalid token: the {segment} is not valid JSON: {reason}")]
    Json {
        /// "header" or "claims".
        segment: &'static str,
        /// The JSON error.
        reason: String,
    },
    /// The header's `alg` is not `Ed25519`.
    #[error("invalid token: unsupported algorithm `{0}` (only `Ed25519` is accepted)")]
    InvalidAlgorithm(String),
    /// The header's `typ` is not `jwt`.
    #[error("invalid token: unsupported type `{0}` (only `jwt` is accepted)")]
    InvalidType(String),
    /// `iss` is empty.
    #[error("invalid token: missing issuer (`iss`)")]
    MissingIssuer,
    /// `sub` is empty.
    #[error("invalid token: missing subject (`sub`)")]
    MissingSubject,
    /// The token has no `wascap` metadata.
    #[error("invalid token: no `wascap` metadata")]
    MissingMetadata,
    /// `iss` or `sub` is not a valid public key (or not of the needed kind).
    #[error("invalid token: {0}")]
    InvalidKey(#[source] wash_keys::KeyError),
    /// The signature does not verify with the issuer's key.
    #[error("invalid signature: the token was not signed by its issuer `{issuer}` or was altered")]
    BadSignature {
        /// The issuer public key.
        issuer: String,
    },
    /// The module's bytes are not the ones that were signed.
    #[error("module hash mismatch: the claims were made for `{expected}` but the module hashes to `{actual}` (the module was changed after signing)")]
    HashMismatch {
        /// The hash in the claims.
        expected: String,
        /// The hash of the module as read.
        actual: String,
    },
    /// `exp` is in the past.
    #[error("the token expired {ago} ago")]
    Expired {
        /// How long ago, humanised.
        ago: String,
    },
    /// `nbf` is in the future.
    #[error("the token cannot be used yet: it becomes valid in {when}")]
    NotYetValid {
        /// How long until it is valid, humanised.
        when: String,
    },
    /// The signing key does not match the issuer in the claims, or has no seed.
    #[error("cannot sign: {0}")]
    Signing(String),
    /// An invalid call alias.
    #[error("invalid call alias `{alias}`: {reason}")]
    InvalidCallAlias {
        /// The alias given.
        alias: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A module file could not be opened.
    #[error("failed to read `{}`", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Signing a module file failed (wraps the reason).
    #[error("failed to sign `{}`", module.display())]
    SignFile {
        /// The module being signed.
        module: std::path::PathBuf,
        /// Why it failed.
        #[source]
        source: Box<ClaimsError>,
    },
    /// A signing key could not be saved, or the signed file not written.
    #[error(transparent)]
    Key(#[from] wash_keys::KeyError),
    /// Reading or writing the module failed.
    #[error("I/O error while processing the module")]
    Io(#[from] std::io::Error),
}

/// Why an invocation's token was refused. A type of its own beside [`ClaimsError`]: these messages travel
/// to the caller in `InvocationResponse.error`, so they keep the wasmbus-rpc wording (capitals and all).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvocationAuthError {
    /// The token is not three base64url segments of JSON.
    #[error("Invocation claims token is malformed: {0}")]
    Malformed(String),
    /// Header is not `{"typ":"jwt","alg":"Ed25519"}`.
    #[error("Invocation claims token has an unsupported header: {0}")]
    BadHeader(String),
    /// The signature does not verify with the issuer key.
    #[error("Invocation claims signature invalid")]
    BadSignature,
    /// `exp` has passed.
    #[error("Invocation claims token expired")]
    Expired,
    /// `nbf` is in the future.
    #[error("Invocation claims token cannot be used yet")]
    NotYetValid,
    /// The payload hash does not match.
    #[error("Invocation hash does not match signed claims hash ({claimed} / {computed})")]
    HashMismatch {
        /// Hash in the token.
        claimed: String,
        /// Hash of the envelope.
        computed: String,
    },
    /// The target URL does not match the envelope.
    #[error("Invocation claims and invocation target URL do not match: {claimed} != {computed}")]
    TargetMismatch {
        /// URL in the token.
        claimed: String,
        /// URL from the envelope.
        computed: String,
    },
    /// The origin URL does not match the envelope.
    #[error("Invocation claims and invocation origin URL do not match")]
    OriginMismatch,
    /// The signer is not a trusted cluster key.
    #[error("Issuer of this invocation is not in list of cluster issuers")]
    UntrustedIssuer,
    /// The signing key could not be used.
    #[error("cannot sign invocation: {0}")]
    Signing(String),
}
