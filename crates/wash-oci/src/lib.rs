//! OCI registries for wash: push and pull actors and provider archives exactly as wash 0.x did.
//!
//! Wire format: `shared/spec/oci.md`. An artifact is one layer (the file byte-for-byte) with
//! media type [`ACTOR_LAYER_MEDIA_TYPE`] or [`PROVIDER_LAYER_MEDIA_TYPE`], a `{}` config blob, and
//! a manifest in canonical JSON without `mediaType` (so identical artifacts get identical digests
//! and real 0.x tools and hosts read what we push). Built on `oci-client` over rustls.
//!
//! - [`push`] tells an actor from a provider by content, streams the file (never holding it whole).
//! - [`pull_to_file`] (the CLI) and [`pull_artifact`] (the host) check every digest and go through
//!   a content-addressed [`Cache`]: a pull pinned by digest that is cached needs no network.
//! - Credentials come from the caller or from [`resolve_credentials`] (flags/env, `wash reg login`'s
//!   0600 store, `~/.docker/config.json`); no error or log ever contains a password.
//! - [`is_oci_reference`] tells a registry reference from a file path; [`host_reference`] decides
//!   what a host is sent for a reference (`wash ctl`, `wash ui`).
//!
//! Nothing here prints (progress goes through the [`Progress`] trait) and nothing reads wash's
//! environment: the cache folder, the login store and Docker's config file are paths the caller passes.

mod artifact;
mod auth;
mod cache;
mod error;
mod host_reference;
mod manifest;
mod progress;
mod reference;
mod registry;
mod upload;

pub use artifact::{
    classify, sha256_digest, ArtifactKind, Classified, ACCEPTED_LAYER_MEDIA_TYPES,
    ACTOR_CONFIG_MEDIA_TYPE, ACTOR_LAYER_MEDIA_TYPE, DOCKER_MANIFEST_MEDIA_TYPE,
    OCI_MANIFEST_MEDIA_TYPE, OCI_TAR_LAYER_MEDIA_TYPE, PROVIDER_CONFIG_MEDIA_TYPE,
    PROVIDER_LAYER_MEDIA_TYPE,
};
pub use auth::{
    normalize_registry, remove_login, resolve_credentials, store_login, CredentialSource,
    Credentials,
};
pub use cache::{Cache, DrainReport};
pub use error::OciError;
pub use host_reference::host_reference;
pub use manifest::{parse_annotations, Descriptor, Manifest};
pub use progress::{NoProgress, Progress};
pub use reference::{is_insecure_registry, is_oci_reference, normalize_digest, ArtifactRef};
pub use registry::{
    manifest_digest, ping, pull_artifact, pull_to_file, push, PingReport, PullOptions, PullReport,
    PushOptions, PushReport, CONNECT_TIMEOUT, READ_TIMEOUT,
};
