//! wascap-compatible claims for wash: JWTs signed with nkeys, embedded in WebAssembly modules.
//!
//! Wire format: `shared/spec/claims.md`. A token is `b64url(header).b64url(claims).b64url(sig)` with the
//! fixed header `{"typ":"jwt","alg":"Ed25519"}`, claims serialised in wascap's key order, and an Ed25519
//! signature by the issuer. [`Claims`] is generic over the metadata kind ([`Actor`],
//! [`CapabilityProvider`], [`Account`], [`Operator`], [`Cluster`]).
//!
//! Modules carry their token in a custom section `wasmcloud_jwt` (legacy `jwt` is read too). The
//! module is streamed section by section ([`sign_module`], [`read_module_claims`]), so signing or
//! inspecting a module never holds more than one copy of it, usually none.
//!
//! The host's entry point is [`verify_module`]: extract + signature + module hash + expiry checks.
//!
//! The anti-forgery token every lattice invocation carries is the same kind of JWT, signed with a
//! cluster key: [`invocation::sign`] and [`invocation::validate`] (on the hot path of every RPC).
//! `wash claims sign` and `wash build` share [`sign_module_file`], which signs into a file atomically
//! with a job's [`wash_keys::SigningKeys`].

pub mod caps;
mod error;
mod file;
mod human;
pub mod invocation;
mod jwt;
mod metadata;
mod module;
mod wasm;

pub use error::{ClaimsError, InvocationAuthError};
pub use file::{sign_module_file, ModuleSigning};
pub use jwt::{now_secs, Claims, Token, TokenValidation, HEADER_B64, HEADER_JSON, WASCAP_REVISION};
pub use metadata::{validate_call_alias, Account, Actor, CapabilityProvider, Cluster, Operator};
pub use module::{
    embed_claims, extract_claims, read_module_claims, read_module_claims_with_digest,
    read_module_token, sign_module, verify_module, ModuleClaims, JWT_SECTION, LEGACY_JWT_SECTION,
};
