//! Invocation anti-forgery tokens (rpc.md §5): a wascap-format JWT signed with a cluster key whose
//! claims bind the invocation id, origin and target URLs and a hash of the payload.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use nkeys::KeyPair;
use serde::{Deserialize, Serialize};

use crate::Invocation;

/// Why an invocation's token was refused. Messages follow the wasmbus-rpc wording where it has one.
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

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    typ: String,
    alg: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct InvocationClaims {
    jti: String,
    iat: u64,
    iss: String,
    sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exp: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nbf: Option<u64>,
    wascap: InvocationMetadata,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wascap_revision: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize)]
struct InvocationMetadata {
    target_url: String,
    origin_url: String,
    hash: String,
}

const HEADER_JSON: &str = r#"{"typ":"jwt","alg":"Ed25519"}"#;

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Decoding a public key decompresses a curve point, a noticeable share of each check; the signers
/// of a lattice are a handful of cluster keys, so their decoded keys are kept.
fn issuer_key(public_key: &str) -> Result<std::sync::Arc<KeyPair>, InvocationAuthError> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    const MAX_CACHED: usize = 64;
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<KeyPair>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(key) = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(public_key)
    {
        return Ok(key.clone());
    }
    let key =
        KeyPair::from_public_key(public_key).map_err(|_| InvocationAuthError::BadSignature)?;
    let key = Arc::new(key);
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() >= MAX_CACHED {
        cache.clear();
    }
    cache.insert(public_key.to_owned(), key.clone());
    Ok(key)
}

/// The envelope's target URL, origin URL and payload hash, as the token's claims carry them (each URL
/// built once: the hash covers both).
fn claimed_fields(invocation: &Invocation) -> (String, String, String) {
    let target_url = invocation.target_url();
    let origin_url = invocation.origin_url();
    let hash = crate::rpc::invocation_hash(
        &origin_url,
        &target_url,
        &invocation.operation,
        &invocation.msg,
    );
    (target_url, origin_url, hash)
}

/// Fills `invocation.encoded_claims` with a token signed by `cluster_key`.
pub fn sign(invocation: &mut Invocation, cluster_key: &KeyPair) -> Result<(), InvocationAuthError> {
    let (target_url, origin_url, hash) = claimed_fields(invocation);
    let claims = InvocationClaims {
        // a NUID, as wasmbus-rpc uses: 22 characters from a thread-local generator, no syscall
        jti: nuid::next().to_string(),
        iat: now_secs(),
        iss: cluster_key.public_key(),
        sub: invocation.id.clone(),
        exp: None,
        nbf: None,
        wascap: InvocationMetadata {
            target_url,
            origin_url,
            hash,
        },
        wascap_revision: Some(3),
    };
    let body =
        serde_json::to_vec(&claims).map_err(|e| InvocationAuthError::Signing(e.to_string()))?;
    let signing_input = format!("{}.{}", B64URL.encode(HEADER_JSON), B64URL.encode(body));
    let signature = cluster_key
        .sign(signing_input.as_bytes())
        .map_err(|e| InvocationAuthError::Signing(e.to_string()))?;
    invocation.encoded_claims = format!("{signing_input}.{}", B64URL.encode(signature));
    Ok(())
}

/// Checks an invocation's token: signature, time window, hash, URLs, and that the signer is one of
/// `issuers` (cluster public keys). Returns the signer's key.
pub fn validate(
    invocation: &Invocation,
    issuers: &[String],
) -> Result<String, InvocationAuthError> {
    let token = invocation.encoded_claims.as_str();
    let mut parts = token.split('.');
    let (Some(header), Some(body), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(InvocationAuthError::Malformed(
            "expected three segments".into(),
        ));
    };
    let decode = |segment: &str| {
        B64URL
            .decode(segment)
            .map_err(|e| InvocationAuthError::Malformed(e.to_string()))
    };
    let header: Header = serde_json::from_slice(&decode(header)?)
        .map_err(|e| InvocationAuthError::Malformed(e.to_string()))?;
    if header.typ != "jwt" || header.alg != "Ed25519" {
        return Err(InvocationAuthError::BadHeader(format!(
            "typ {}, alg {}",
            header.typ, header.alg
        )));
    }
    let claims: InvocationClaims = serde_json::from_slice(&decode(body)?)
        .map_err(|e| InvocationAuthError::Malformed(e.to_string()))?;
    let issuer = issuer_key(&claims.iss)?;
    let signing_input_len = token.len() - signature.len() - 1;
    issuer
        .verify(&token.as_bytes()[..signing_input_len], &decode(signature)?)
        .map_err(|_| InvocationAuthError::BadSignature)?;
    let now = now_secs();
    if claims.exp.is_some_and(|exp| exp < now) {
        return Err(InvocationAuthError::Expired);
    }
    if claims.nbf.is_some_and(|nbf| nbf > now) {
        return Err(InvocationAuthError::NotYetValid);
    }
    let (target, origin, computed) = claimed_fields(invocation);
    if claims.wascap.hash != computed {
        return Err(InvocationAuthError::HashMismatch {
            claimed: claims.wascap.hash,
            computed,
        });
    }
    if claims.wascap.target_url != target {
        return Err(InvocationAuthError::TargetMismatch {
            claimed: claims.wascap.target_url,
            computed: target,
        });
    }
    if claims.wascap.origin_url != origin {
        return Err(InvocationAuthError::OriginMismatch);
    }
    if !issuers.contains(&claims.iss) {
        return Err(InvocationAuthError::UntrustedIssuer);
    }
    Ok(claims.iss)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WasmCloudEntity;

    fn capture() -> serde_json::Value {
        let path = format!(
            "{}/../../tests/vectors/lattice/rpc_provider_capture.json",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
    }

    fn sample() -> Invocation {
        Invocation {
            origin: WasmCloudEntity::actor(
                "MBCFOPM6JW2APJLXJD3Z5O4CN7CPYJ2B4FTKLJUR5YR5MITIU7HD3WD5",
            ),
            target: WasmCloudEntity::provider(
                "VAG3QITQQ2ODAOWB5TTQSDJ53XK3SHBEIFNK4AYJ5RKAX2UNSCAPHA5M",
                "default",
                "wasmcloud:keyvalue",
            ),
            operation: "KeyValue.Increment".into(),
            msg: b"payload".to_vec(),
            id: Invocation::new_id(),
            ..Invocation::default()
        }
    }

    /// Invocations signed by wasmbus-rpc 0.15 (captured on the wire) validate with our checks.
    #[test]
    fn captured_wasmbus_rpc_invocations_validate() {
        let capture = capture();
        let issuer = capture["cluster_public_key"]
            .as_str()
            .expect("key")
            .to_owned();
        let mut checked = 0;
        for message in capture["messages"].as_array().expect("messages") {
            let Some(hex) = message["payload_hex"].as_str() else {
                continue;
            };
            if message["view"]["decoded_invocation"].is_null() {
                continue;
            }
            let inv = Invocation::decode(&hex::decode(hex).expect("hex")).expect("decode");
            if inv
                .content_length
                .is_some_and(|len| len as usize > inv.msg.len())
            {
                continue; // chunked: the hash covers the object-store payload
            }
            let step = message["step"].as_str().unwrap_or_default();
            let result = validate(&inv, std::slice::from_ref(&issuer));
            if step.contains("foreign cluster key") {
                assert_eq!(result, Err(InvocationAuthError::UntrustedIssuer), "{step}");
            } else {
                assert_eq!(result, Ok(issuer.clone()), "{step}");
            }
            checked += 1;
        }
        assert!(checked > 0, "the capture holds signed invocations");
    }

    /// A token we sign validates, its claims JSON keeps wascap's key order, and its `jti` is a NUID.
    #[test]
    fn sign_then_validate() {
        let key = KeyPair::new_cluster();
        let mut inv = sample();
        sign(&mut inv, &key).expect("sign");
        assert_eq!(validate(&inv, &[key.public_key()]), Ok(key.public_key()));
        let body = inv.encoded_claims.split('.').nth(1).expect("body");
        let json = String::from_utf8(B64URL.decode(body).expect("b64")).expect("utf8");
        assert!(
            json.starts_with(r#"{"jti":"#) && json.ends_with(r#""wascap_revision":3}"#),
            "{json}"
        );
        let claims: serde_json::Value = serde_json::from_str(&json).expect("claims");
        assert_eq!(
            claims["jti"].as_str().map(str::len),
            Some(22),
            "a NUID: {json}"
        );
    }

    /// Tampering with the payload, target or signer is refused with the matching reason.
    #[test]
    fn tampering_is_refused() {
        let key = KeyPair::new_cluster();
        let mut inv = sample();
        sign(&mut inv, &key).expect("sign");
        let issuers = [key.public_key()];

        let mut changed = inv.clone();
        changed.msg = b"other".to_vec();
        assert!(matches!(
            validate(&changed, &issuers),
            Err(InvocationAuthError::HashMismatch { .. })
        ));

        assert_eq!(
            validate(&inv, &[KeyPair::new_cluster().public_key()]),
            Err(InvocationAuthError::UntrustedIssuer)
        );

        let mut forged = inv.clone();
        let other = KeyPair::new_cluster();
        let mut resigned = inv.clone();
        sign(&mut resigned, &other).expect("sign");
        let sig = resigned
            .encoded_claims
            .rsplit('.')
            .next()
            .expect("sig")
            .to_owned();
        let prefix = inv
            .encoded_claims
            .rsplit_once('.')
            .expect("dot")
            .0
            .to_owned();
        forged.encoded_claims = format!("{prefix}.{sig}");
        assert_eq!(
            validate(&forged, &issuers),
            Err(InvocationAuthError::BadSignature)
        );

        let mut garbage = inv;
        garbage.encoded_claims = "not-a-token".into();
        assert!(matches!(
            validate(&garbage, &issuers),
            Err(InvocationAuthError::Malformed(_))
        ));
    }
}
