//! Invocation anti-forgery tokens (rpc.md §5): a wascap-format JWT signed with a cluster key whose
//! claims bind the invocation id, origin and target URLs and a hash of the payload.
//!
//! Built on the same encoding, signing, decoding and verification as every other token ([`crate::jwt`]);
//! only the claims and the checks against the envelope are specific to invocations.

use serde::{Deserialize, Serialize};
use wash_keys::KeyPair;
use wash_wire::Invocation;

pub use crate::error::InvocationAuthError;
use crate::jwt::{self, Claims};
use crate::{now_secs, ClaimsError};

/// The `wascap` metadata of an invocation token, in wasmbus-rpc's key order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct InvocationMetadata {
    target_url: String,
    origin_url: String,
    hash: String,
}

impl InvocationMetadata {
    /// The envelope's target URL, origin URL and payload hash, as the token's claims carry them
    /// (each URL built once: the hash covers both).
    fn of(invocation: &Invocation) -> Self {
        let target_url = invocation.target_url();
        let origin_url = invocation.origin_url();
        let hash = wash_wire::rpc::invocation_hash(
            &origin_url,
            &target_url,
            &invocation.operation,
            &invocation.msg,
        );
        Self {
            target_url,
            origin_url,
            hash,
        }
    }
}

/// Fills `invocation.encoded_claims` with a token signed by `cluster_key`.
///
/// The claims are issued now, with a NUID `jti`, the invocation id as `sub`, no expiry and
/// `wascap_revision` 3 (with `exp` and `nbf` absent, the JSON has wasmbus-rpc's key order).
pub fn sign(invocation: &mut Invocation, cluster_key: &KeyPair) -> Result<(), InvocationAuthError> {
    let claims = Claims::new(
        cluster_key.public_key(),
        invocation.id.clone(),
        InvocationMetadata::of(invocation),
    );
    invocation.encoded_claims = claims
        .sign_with(cluster_key)
        .map_err(|e| InvocationAuthError::Signing(e.to_string()))?;
    Ok(())
}

/// Checks an invocation's token: signature, time window, hash, URLs, and that the signer is one of
/// `issuers` (cluster public keys). Returns the signer's key.
pub fn validate(
    invocation: &Invocation,
    issuers: &[String],
) -> Result<String, InvocationAuthError> {
    let segments = jwt::split(&invocation.encoded_claims).map_err(refusal)?;
    let claims: Claims<InvocationMetadata> =
        jwt::decode_claims(segments.claims).map_err(refusal)?;
    jwt::verify_signature(segments.signed, segments.signature, &claims.iss).map_err(refusal)?;
    claims.check_time_window(now_secs()).map_err(refusal)?;
    let Some(claimed) = claims.wascap else {
        return Err(refusal(ClaimsError::MissingMetadata));
    };
    let computed = InvocationMetadata::of(invocation);
    if claimed.hash != computed.hash {
        return Err(InvocationAuthError::HashMismatch {
            claimed: claimed.hash,
            computed: computed.hash,
        });
    }
    if claimed.target_url != computed.target_url {
        return Err(InvocationAuthError::TargetMismatch {
            claimed: claimed.target_url,
            computed: computed.target_url,
        });
    }
    if claimed.origin_url != computed.origin_url {
        return Err(InvocationAuthError::OriginMismatch);
    }
    if !issuers.contains(&claims.iss) {
        return Err(InvocationAuthError::UntrustedIssuer);
    }
    Ok(claims.iss)
}

/// The invocation-side reason for a token the shared JWT code refused.
fn refusal(err: ClaimsError) -> InvocationAuthError {
    match err {
        ClaimsError::InvalidAlgorithm(_) | ClaimsError::InvalidType(_) => {
            InvocationAuthError::BadHeader(err.to_string())
        }
        // A signer that is not a valid public key cannot have signed it.
        ClaimsError::BadSignature { .. } | ClaimsError::InvalidKey(_) => {
            InvocationAuthError::BadSignature
        }
        ClaimsError::Expired { .. } => InvocationAuthError::Expired,
        ClaimsError::NotYetValid { .. } => InvocationAuthError::NotYetValid,
        other => InvocationAuthError::Malformed(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
    use base64::Engine as _;
    use wash_wire::WasmCloudEntity;

    use super::*;

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

    /// Re-signs `inv`'s claims JSON `edit`ed, with `key`, keeping the standard header.
    fn resign_claims(inv: &mut Invocation, key: &KeyPair, edit: impl Fn(&mut serde_json::Value)) {
        let body = inv.encoded_claims.split('.').nth(1).expect("body");
        let mut claims: serde_json::Value =
            serde_json::from_slice(&B64URL.decode(body).expect("b64")).expect("json");
        edit(&mut claims);
        let signed = format!(
            "{}.{}",
            crate::HEADER_B64,
            B64URL.encode(serde_json::to_vec(&claims).expect("json"))
        );
        let sig = key.sign(signed.as_bytes()).expect("sign");
        inv.encoded_claims = format!("{signed}.{}", B64URL.encode(sig));
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
        let order: Vec<usize> = ["\"jti\"", "\"iat\"", "\"iss\"", "\"sub\"", "\"wascap\""]
            .iter()
            .map(|k| json.find(k).expect("key"))
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{json}");
        assert_eq!(claims["sub"], inv.id.as_str());
        assert_eq!(
            claims["wascap"],
            serde_json::json!({
                "target_url": inv.target_url(),
                "origin_url": inv.origin_url(),
                "hash": inv.hash(),
            })
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

    /// A changed target or origin (with the hash re-computed to match) is refused as a URL mismatch;
    /// an expired or not-yet-valid token, a foreign header and a token without metadata each get their
    /// own reason.
    #[test]
    fn urls_time_window_and_header_are_checked() {
        let key = KeyPair::new_cluster();
        let issuers = [key.public_key()];
        let mut inv = sample();
        sign(&mut inv, &key).expect("sign");

        let mut retargeted = inv.clone();
        retargeted.target.link_name = "other".into();
        let target_url = retargeted.target_url();
        let hash = retargeted.hash();
        resign_claims(&mut retargeted, &key, |c| {
            c["wascap"]["hash"] = hash.clone().into()
        });
        assert_eq!(
            validate(&retargeted, &issuers),
            Err(InvocationAuthError::TargetMismatch {
                claimed: inv.target_url(),
                computed: target_url,
            })
        );

        let mut reorigined = inv.clone();
        resign_claims(&mut reorigined, &key, |c| {
            c["wascap"]["origin_url"] = "wasmbus://elsewhere".into();
        });
        assert_eq!(
            validate(&reorigined, &issuers),
            Err(InvocationAuthError::OriginMismatch)
        );

        let now = now_secs();
        let mut expired = inv.clone();
        resign_claims(&mut expired, &key, |c| c["exp"] = (now - 10).into());
        assert_eq!(
            validate(&expired, &issuers),
            Err(InvocationAuthError::Expired)
        );
        let mut early = inv.clone();
        resign_claims(&mut early, &key, |c| c["nbf"] = (now + 3600).into());
        assert_eq!(
            validate(&early, &issuers),
            Err(InvocationAuthError::NotYetValid)
        );

        let mut bare = inv.clone();
        resign_claims(&mut bare, &key, |c| {
            c.as_object_mut().expect("object").remove("wascap");
        });
        assert!(matches!(
            validate(&bare, &issuers),
            Err(InvocationAuthError::Malformed(_))
        ));

        let mut foreign = inv.clone();
        let rest = foreign.encoded_claims.split_once('.').expect("dot").1;
        foreign.encoded_claims =
            format!("{}.{rest}", B64URL.encode(r#"{"typ":"jwt","alg":"HS256"}"#));
        assert!(matches!(
            validate(&foreign, &issuers),
            Err(InvocationAuthError::BadHeader(_))
        ));

        // The same header values in another key order are the standard header.
        let mut reordered = inv;
        let rest = reordered.encoded_claims.split_once('.').expect("dot").1;
        let header = B64URL.encode(r#"{"alg":"Ed25519","typ":"jwt"}"#);
        let claims = rest.split_once('.').expect("dot").0;
        let signed = format!("{header}.{claims}");
        let sig = key.sign(signed.as_bytes()).expect("sign");
        reordered.encoded_claims = format!("{signed}.{}", B64URL.encode(sig));
        assert_eq!(validate(&reordered, &issuers), Ok(key.public_key()));
    }
}
