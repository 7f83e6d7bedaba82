//! The one error type of this crate: every way a push, pull, login or cache read can fail.

use std::path::PathBuf;

/// Why a registry operation failed. Messages are lowercase, name the value in backticks and, where
/// there is one, say what to do next. No variant ever holds a password.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    /// The string is not an OCI reference (`registry/repository:tag` or `...@sha256:<hex>`).
    #[error("`{reference}` is not a valid OCI reference: {reason}")]
    InvalidReference {
        /// The reference as given.
        reference: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The reference uses the `latest` tag (explicitly or by omission) without `allow_latest`.
    #[error("{action} artifacts with tag `latest` is prohibited (`{reference}`)\nhelp: use an explicit version tag, or pass `--allow-latest`")]
    LatestRefused {
        /// `pushing` or `pulling`.
        action: &'static str,
        /// The reference as given.
        reference: String,
    },
    /// A pull reference without tag or digest, and `latest` is not allowed.
    #[error("`{reference}` has no tag: registry references must have an explicit tag\nhelp: add `:<version>`, pin `@sha256:<digest>`, or pass `--allow-latest` to default to `latest`")]
    MissingTag {
        /// The reference as given.
        reference: String,
    },
    /// A digest that is not `sha256:` followed by 64 hex digits.
    #[error("`{digest}` is not a sha256 digest (expected `sha256:` and 64 hex digits)")]
    InvalidDigest {
        /// The digest as given.
        digest: String,
    },
    /// Content whose SHA-256 differs from the digest that names it.
    #[error(
        "digest mismatch for {what}: expected `{expected}`, got `{actual}`; nothing was written"
    )]
    DigestMismatch {
        /// What was checked (`the manifest of <ref>`, `layer <digest>`).
        what: String,
        /// The digest asked for.
        expected: String,
        /// The digest of the content received.
        actual: String,
    },
    /// A file to push is neither a signed actor module nor a provider archive.
    #[error("`{path}` is not a pushable artifact: {reason}\nhelp: push an actor signed with `wash claims sign` or an archive made with `wash par create`")]
    UnsupportedArtifact {
        /// The file.
        path: PathBuf,
        /// Why it is neither kind.
        reason: String,
    },
    /// Pulled content is neither a signed actor module nor a provider archive.
    #[error("the artifact `{reference}` is neither a signed actor module nor a provider archive: {reason}")]
    InvalidArtifact {
        /// The reference pulled.
        reference: String,
        /// Why it is neither kind.
        reason: String,
    },
    /// A manifest layer with a media type wash does not pull.
    #[error("`{reference}` has a layer of media type `{media_type}`, which is neither an actor module (`{}`) nor a provider archive (`{}`)", crate::ACTOR_LAYER_MEDIA_TYPE, crate::PROVIDER_LAYER_MEDIA_TYPE)]
    IncompatibleLayer {
        /// The reference pulled.
        reference: String,
        /// The layer's media type.
        media_type: String,
    },
    /// A manifest that cannot be read or has no layers.
    #[error("the manifest of `{reference}` is not usable: {reason}")]
    InvalidManifest {
        /// The reference pulled.
        reference: String,
        /// What is wrong.
        reason: String,
    },
    /// The registry refused the credentials (or asked for some and none were given).
    #[error("authentication failed for {registry}\nhelp: {hint}")]
    AuthenticationFailed {
        /// The registry host.
        registry: String,
        /// What to try next.
        hint: &'static str,
    },
    /// The registry could not be reached (connection refused, DNS, TLS, timeout).
    #[error("cannot reach registry `{registry}`: {reason}\nhelp: {hint}")]
    Unreachable {
        /// The registry host.
        registry: String,
        /// The transport error, without any URL credentials.
        reason: String,
        /// What to try next.
        hint: String,
    },
    /// The reference names nothing in the registry.
    #[error("`{reference}` was not found in registry `{registry}`")]
    NotFound {
        /// The reference.
        reference: String,
        /// The registry host.
        registry: String,
    },
    /// Any other answer of the registry that is not a success.
    #[error("registry `{registry}` refused the request: {message}")]
    Registry {
        /// The registry host.
        registry: String,
        /// What the registry (or the client library) said.
        message: String,
    },
    /// `--offline` and the cache has nothing for this reference.
    #[error(
        "`{reference}` is not in the cache at `{cache}`\nhelp: pull it once without `--offline`"
    )]
    NotCached {
        /// The reference.
        reference: String,
        /// The cache directory.
        cache: PathBuf,
    },
    /// An annotation that is not `key=value`.
    #[error("annotation `{0}` is not `key=value`")]
    InvalidAnnotation(String),
    /// A credentials file (`~/.wash/credentials.json`, `~/.docker/config.json`) that cannot be used.
    #[error("cannot use credentials file `{path}`: {reason}")]
    CredentialsFile {
        /// The file.
        path: PathBuf,
        /// What is wrong (never its secrets).
        reason: String,
    },
    /// An empty artifact reference.
    #[error("the reference is empty")]
    EmptyReference,
    /// A URL other than `file://`, which no host loads.
    #[error("`{0}` is a URL the host cannot load: use a path on this machine, a file:// URL or an OCI reference without a scheme (`registry/repository:tag`)")]
    UnloadableUrl(String),
    /// A reference naming a file that cannot be read.
    #[error("cannot read `{reference}`")]
    UnreadableReference {
        /// The reference as given.
        reference: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A reference naming a folder.
    #[error("`{0}` is a folder, not a file")]
    NotAFile(String),
    /// A reference that is neither an existing file nor an OCI reference.
    #[error(
        "`{0}` is neither a file on this machine nor an OCI reference (`registry/repository:tag`)"
    )]
    NotAReference(String),
    /// A file system operation failed.
    #[error("failed to {action} `{path}`")]
    Io {
        /// What was being done (`read`, `write`, `create`).
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl OciError {
    /// An [`OciError::Io`] for `path`.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io {
            action,
            path,
            source,
        }
    }
}
