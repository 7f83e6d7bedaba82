//! Compact JWS tokens in wascap's exact byte layout: fixed header, ordered claims, Ed25519 signature.
//!
//! The one JWT implementation of wash: actor, provider and account claims ([`Token`]) and the
//! anti-forgery token of every lattice invocation ([`crate::invocation`]) are encoded, signed, decoded
//! and verified by the functions here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wash_keys::KeyPair;

use crate::human::{humanize_expiry, humanize_not_before, round_down};
use crate::ClaimsError;

/// The header every token carries, byte for byte.
pub const HEADER_JSON: &str = r#"{"typ":"jwt","alg":"Ed25519"}"#;
/// [`HEADER_JSON`] in base64url: the first segment of every token we write.
pub const HEADER_B64: &str = "eyJ0eXAiOiJqd3QiLCJhbGciOiJFZDI1NTE5In0";
/// The `wascap_revision` written into actor and standalone tokens.
pub const WASCAP_REVISION: u32 = 3;

const SECONDS_PER_DAY: u64 = 86_400;

/// The current time in Unix seconds.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The claims of a token; `T` is the kind-specific `wascap` metadata. Field order is the JSON key
/// order wascap writes (`exp, jti, iat, iss, sub, nbf, wascap, wascap_revision`), optionals omitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims<T> {
    /// Expiry, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<u64>,
    /// A 22-character base62 token id (a NUID).
    pub jti: String,
    /// Issued-at, Unix seconds.
    pub iat: u64,
    /// The issuer's public key (`A...` for actors and providers).
    pub iss: String,
    /// The subject's public key (`M...` actor, `V...` provider, ...).
    pub sub: String,
    /// Not-before, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// The kind-specific metadata (a missing key decodes as `None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wascap: Option<T>,
    /// The wascap format revision (`3`; absent in provider archives).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wascap_revision: Option<u32>,
}

impl<T> Claims<T> {
    /// New claims issued now with a fresh `jti`, `wascap_revision` 3 and no expiry.
    pub fn new(issuer: impl Into<String>, subject: impl Into<String>, metadata: T) -> Self {
        Self {
            exp: None,
            jti: new_jti(),
            iat: now_secs(),
            iss: issuer.into(),
            sub: subject.into(),
            nbf: None,
            wascap: Some(metadata),
            wascap_revision: Some(WASCAP_REVISION),
        }
    }

    /// Sets `exp` to `days` whole days after `iat` (or clears it for `None`).
    pub fn expires_in_days(mut self, days: Option<u64>) -> Self {
        self.exp = days.map(|d| self.iat.saturating_add(d.saturating_mul(SECONDS_PER_DAY)));
        self
    }

    /// Sets `nbf` to `days` whole days after `iat` (or clears it for `None`).
    pub fn not_before_days(mut self, days: Option<u64>) -> Self {
        self.nbf = days.map(|d| self.iat.saturating_add(d.saturating_mul(SECONDS_PER_DAY)));
        self
    }

    /// The issuer's public key (`iss`).
    pub fn issuer(&self) -> &str {
        &self.iss
    }

    /// The subject's public key (`sub`): the actor's or provider's identity.
    pub fn subject(&self) -> &str {
        &self.sub
    }
}

impl<T: Serialize> Claims<T> {
    /// The claims as compact JSON, exactly the bytes that go into the token.
    pub fn to_json(&self) -> Result<String, ClaimsError> {
        serde_json::to_string(self).map_err(|e| ClaimsError::Json {
            segment: "claims",
            reason: e.to_string(),
        })
    }

    /// Encodes and signs the token with `issuer`, whose public key must be `iss`.
    pub fn encode(&self, issuer: &KeyPair) -> Result<String, ClaimsError> {
        if issuer.public_key() != self.iss {
            return Err(ClaimsError::Signing(format!(
                "the signing key `{}` is not the issuer `{}`",
                issuer.public_key(),
                self.iss
            )));
        }
        self.sign_with(issuer)
    }

    /// Encodes and signs the token with `issuer` without comparing its public key to `iss`: for
    /// callers that just set `iss` from that key (deriving a public key is not free on a hot path).
    pub(crate) fn sign_with(&self, issuer: &KeyPair) -> Result<String, ClaimsError> {
        let claims = URL_SAFE_NO_PAD.encode(self.to_json()?);
        let signed = format!("{HEADER_B64}.{claims}");
        let sig = issuer
            .sign(signed.as_bytes())
            .map_err(|e| ClaimsError::Signing(e.to_string()))?;
        Ok(format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig)))
    }
}

/// A fresh token id: a NUID (22 base62 characters from a thread-local generator, no syscall), as
/// wascap and wasmbus-rpc write them.
fn new_jti() -> String {
    nuid::next().to_string()
}

#[derive(Deserialize)]
struct Header {
    typ: String,
    alg: String,
}

/// A decoded token: its text and its claims. Decoding checks the format and header, not the
/// signature; [`Token::verify`] does the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct Token<T> {
    /// The compact token text.
    pub jwt: String,
    /// The decoded claims.
    pub claims: Claims<T>,
}

/// What validating a token found (none of these are errors by themselves).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenValidation {
    /// The signature verifies with the issuer's key.
    pub signature_valid: bool,
    /// `exp` is set and in the past.
    pub expired: bool,
    /// `nbf` is set and in the future.
    pub cannot_use_yet: bool,
    /// `never`, `in 1day`, `2h ago`.
    pub expires_human: String,
    /// `immediately`, `in 23h`, `1day ago`.
    pub not_before_human: String,
}

impl<T: DeserializeOwned> Token<T> {
    /// Decodes a token: three segments, the exact header values, claims JSON with `iss` and `sub`.
    pub fn decode(jwt: &str) -> Result<Self, ClaimsError> {
        let claims: Claims<T> = decode_claims(split(jwt)?.claims)?;
        if claims.iss.is_empty() {
            return Err(ClaimsError::MissingIssuer);
        }
        if claims.sub.is_empty() {
            return Err(ClaimsError::MissingSubject);
        }
        Ok(Self {
            jwt: jwt.to_owned(),
            claims,
        })
    }
}

impl<T> Token<T> {
    /// Checks the signature over `header.claims` with the issuer's public key.
    pub fn verify_signature(&self) -> Result<(), ClaimsError> {
        let (signed, sig) = self
            .jwt
            .rsplit_once('.')
            .ok_or(ClaimsError::TokenFormat(1))?;
        verify_signature(signed, sig, &self.claims.iss)
    }

    /// The validation report at time `now` (Unix seconds).
    pub fn validation_at(&self, now: u64) -> TokenValidation {
        TokenValidation {
            signature_valid: self.verify_signature().is_ok(),
            expired: self.claims.exp.is_some_and(|exp| exp < now),
            cannot_use_yet: self.claims.nbf.is_some_and(|nbf| now < nbf),
            expires_human: humanize_expiry(self.claims.exp, now),
            not_before_human: humanize_not_before(self.claims.nbf, now),
        }
    }

    /// The validation report now.
    pub fn validation(&self) -> TokenValidation {
        self.validation_at(now_secs())
    }

    /// Fails unless the signature verifies, the token has not expired and is already valid at `now`.
    pub fn verify_at(&self, now: u64) -> Result<(), ClaimsError> {
        self.verify_signature()?;
        self.claims.check_time_window(now)
    }

    /// [`Token::verify_at`] now.
    pub fn verify(&self) -> Result<(), ClaimsError> {
        self.verify_at(now_secs())
    }
}

impl<T> Claims<T> {
    /// Fails if `exp` has passed or `nbf` is still ahead at `now` (Unix seconds).
    pub(crate) fn check_time_window(&self, now: u64) -> Result<(), ClaimsError> {
        if let Some(exp) = self.exp.filter(|&exp| exp < now) {
            return Err(ClaimsError::Expired {
                ago: round_down(now - exp),
            });
        }
        if let Some(nbf) = self.nbf.filter(|&nbf| now < nbf) {
            return Err(ClaimsError::NotYetValid {
                when: round_down(nbf - now),
            });
        }
        Ok(())
    }
}

/// The segments of a compact token whose header has been checked.
pub(crate) struct Segments<'a> {
    /// `header.claims`: the bytes the signature covers.
    pub(crate) signed: &'a str,
    /// The base64url claims segment.
    pub(crate) claims: &'a str,
    /// The base64url signature segment.
    pub(crate) signature: &'a str,
}

/// Splits a token into its three segments and checks the header (`typ` `jwt`, `alg` `Ed25519`).
pub(crate) fn split(jwt: &str) -> Result<Segments<'_>, ClaimsError> {
    let mut parts = jwt.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ClaimsError::TokenFormat(jwt.split('.').count()));
    };
    // Every wascap-format signer writes the same header bytes: only another encoding needs parsing.
    if header != HEADER_B64 {
        let header: Header = decode_json(header, "header")?;
        if header.alg != "Ed25519" {
            return Err(ClaimsError::InvalidAlgorithm(header.alg));
        }
        if header.typ != "jwt" {
            return Err(ClaimsError::InvalidType(header.typ));
        }
    }
    Ok(Segments {
        signed: &jwt[..header.len() + 1 + claims.len()],
        claims,
        signature,
    })
}

/// Decodes the claims segment of a token.
pub(crate) fn decode_claims<T: DeserializeOwned>(segment: &str) -> Result<Claims<T>, ClaimsError> {
    decode_json(segment, "claims")
}

/// Checks that `signature` (base64url) is `issuer`'s Ed25519 signature over `signed`.
pub(crate) fn verify_signature(
    signed: &str,
    signature: &str,
    issuer: &str,
) -> Result<(), ClaimsError> {
    let sig = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| ClaimsError::Base64 {
            segment: "signature",
        })?;
    issuer_key(issuer)?
        .verify(signed.as_bytes(), &sig)
        .map_err(|_| ClaimsError::BadSignature {
            issuer: issuer.to_owned(),
        })
}

/// The decoded public key of `issuer`. Decoding a public key decompresses a curve point, a noticeable
/// share of each check, and the signers seen are few (a lattice's cluster keys, a few accounts), so
/// decoded keys are kept (at most [`MAX_CACHED_ISSUERS`]; the cache starts over when full).
fn issuer_key(issuer: &str) -> Result<Arc<KeyPair>, ClaimsError> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<KeyPair>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(key) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(issuer) {
        return Ok(key.clone());
    }
    let (_, key) = wash_keys::parse_public_key(issuer).map_err(ClaimsError::InvalidKey)?;
    let key = Arc::new(key);
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() >= MAX_CACHED_ISSUERS {
        cache.clear();
    }
    cache.insert(issuer.to_owned(), key.clone());
    Ok(key)
}

/// How many decoded issuer keys [`issuer_key`] keeps.
const MAX_CACHED_ISSUERS: usize = 64;

fn decode_json<D: DeserializeOwned>(segment: &str, name: &'static str) -> Result<D, ClaimsError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| ClaimsError::Base64 { segment: name })?;
    serde_json::from_slice(&bytes).map_err(|e| ClaimsError::Json {
        segment: name,
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Account, Actor};

    const ACCOUNT_SEED: &str = "SAAACAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAKM5I";
    const MODULE_PK: &str = "MCATS5YOVB6ROX2WUNKGNQ2MP3GMXDMKSG2O4N5CLX3A6W4PZGZZJPUL";

    fn account() -> KeyPair {
        wash_keys::parse_seed(ACCOUNT_SEED).unwrap().1
    }

    /// The worked example of claims.md §6 reproduces byte for byte: claims JSON and the whole JWT
    /// (Ed25519 is deterministic).
    #[test]
    fn spec_worked_example_reproduces_exactly() {
        let actor = Actor {
            name: Some("Echo".into()),
            hash: "93A44BBB96C751218E4C00D479E4C14358122A389ACCA16205B1E4D0DC5F9476".into(),
            tags: Some(vec!["demo".into()]),
            caps: Some(vec!["wasmcloud:httpserver".into()]),
            rev: Some(1),
            ver: Some("0.1.0".into()),
            call_alias: None,
            prov: false,
        };
        let mut claims = Claims::new(account().public_key(), MODULE_PK, actor);
        claims.jti = "AAAAAAAAAAAAAAAAAAAAAA".into();
        claims.iat = 1_700_000_000;
        assert_eq!(
            claims.to_json().unwrap(),
            r#"{"jti":"AAAAAAAAAAAAAAAAAAAAAA","iat":1700000000,"iss":"ACFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVYYOU","sub":"MCATS5YOVB6ROX2WUNKGNQ2MP3GMXDMKSG2O4N5CLX3A6W4PZGZZJPUL","wascap":{"name":"Echo","hash":"93A44BBB96C751218E4C00D479E4C14358122A389ACCA16205B1E4D0DC5F9476","tags":["demo"],"caps":["wasmcloud:httpserver"],"rev":1,"ver":"0.1.0","prov":false},"wascap_revision":3}"#
        );
        let jwt = claims.encode(&account()).unwrap();
        assert_eq!(jwt.len(), 635);
        assert!(jwt.ends_with(".eUoB1e0zXil4eU5cfSzp55v_QHxa9oMR1-z_ZLMCNRRCV8XItLnlFEEiWCdZrSTifsiTIimffSPgyAEH1NwiBQ"), "{jwt}");
        assert_eq!(
            URL_SAFE_NO_PAD.decode(HEADER_B64).unwrap(),
            HEADER_JSON.as_bytes()
        );
        let token = Token::<Actor>::decode(&jwt).unwrap();
        assert_eq!(token.claims, claims);
        let v = token.validation_at(1_700_000_001);
        assert!(v.signature_valid && !v.expired && !v.cannot_use_yet);
        assert_eq!(
            (v.expires_human.as_str(), v.not_before_human.as_str()),
            ("never", "immediately")
        );
    }

    /// The JWT wash 0.18.1 wrote (vector `tiny_s.jwt`) decodes, verifies, and re-serialises to the exact
    /// claims bytes of `tiny_s.claims.json`.
    #[test]
    fn wash_written_jwt_decodes_and_reserialises_exactly() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/wash");
        let jwt = std::fs::read_to_string(dir.join("tiny_s.jwt")).unwrap();
        let claims_json = std::fs::read_to_string(dir.join("tiny_s.claims.json")).unwrap();
        let token = Token::<Actor>::decode(&jwt).unwrap();
        token.verify().unwrap();
        assert_eq!(token.claims.to_json().unwrap(), claims_json);
    }

    /// `exp`/`nbf` are whole days after `iat` and serialise in wascap's key order.
    #[test]
    fn dates_are_days_after_iat_in_key_order() {
        let claims = Claims::new(account().public_key(), MODULE_PK, Account::default())
            .expires_in_days(Some(2))
            .not_before_days(Some(1));
        assert_eq!(claims.exp, Some(claims.iat + 172_800));
        assert_eq!(claims.nbf, Some(claims.iat + 86_400));
        let json = claims.to_json().unwrap();
        let order: Vec<usize> = [
            "\"exp\"",
            "\"jti\"",
            "\"iat\"",
            "\"iss\"",
            "\"sub\"",
            "\"nbf\"",
            "\"wascap\"",
            "\"wascap_revision\"",
        ]
        .iter()
        .map(|k| json.find(k).unwrap())
        .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{json}");
        assert!(
            json.contains(r#""wascap":{"name":null,"valid_signers":null}"#),
            "{json}"
        );
    }

    /// Wrong `alg`, wrong `typ`, a bad segment count, bad base64 and a changed signature are each rejected
    /// with their own error.
    #[test]
    fn bad_tokens_are_rejected() {
        let jwt = Claims::new(account().public_key(), MODULE_PK, Account::default())
            .encode(&account())
            .unwrap();
        let (_, rest) = jwt.split_once('.').unwrap();
        let with_header = |h: &str| format!("{}.{rest}", URL_SAFE_NO_PAD.encode(h));
        assert!(matches!(
            Token::<Account>::decode(&with_header(r#"{"typ":"jwt","alg":"HS256"}"#)),
            Err(ClaimsError::InvalidAlgorithm(a)) if a == "HS256"
        ));
        assert!(matches!(
            Token::<Account>::decode(&with_header(r#"{"typ":"JWT","alg":"Ed25519"}"#)),
            Err(ClaimsError::InvalidType(t)) if t == "JWT"
        ));
        assert!(matches!(
            Token::<Account>::decode("a.b"),
            Err(ClaimsError::TokenFormat(2))
        ));
        assert!(matches!(
            Token::<Account>::decode("a.b.c"),
            Err(ClaimsError::Base64 { .. })
        ));
        let mut tampered = jwt.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        let token = Token::<Account>::decode(&tampered).unwrap();
        assert!(!token.validation().signature_valid);
        assert!(matches!(
            token.verify(),
            Err(ClaimsError::BadSignature { .. }) | Err(ClaimsError::Base64 { .. })
        ));
    }

    /// Expired and not-yet-valid tokens fail `verify` with humanised times.
    #[test]
    fn expiry_and_not_before_are_enforced() {
        let mut claims = Claims::new(account().public_key(), MODULE_PK, Account::default());
        claims.exp = Some(claims.iat - 3 * 86_400);
        let token = Token::<Account>::decode(&claims.encode(&account()).unwrap()).unwrap();
        assert_eq!(
            token.verify().unwrap_err().to_string(),
            "the token expired 3days ago"
        );
        claims.exp = None;
        claims.nbf = Some(claims.iat + 7200 + 30);
        let token = Token::<Account>::decode(&claims.encode(&account()).unwrap()).unwrap();
        let err = token.verify_at(claims.iat).unwrap_err().to_string();
        assert_eq!(err, "the token cannot be used yet: it becomes valid in 2h");
    }

    /// Signing with a key that is not the issuer is refused.
    #[test]
    fn signing_with_another_key_is_refused() {
        let claims = Claims::new(
            "ACFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVYYOX",
            MODULE_PK,
            Account::default(),
        );
        assert!(matches!(
            claims.encode(&account()),
            Err(ClaimsError::Signing(_))
        ));
    }

    /// A fresh jti is 22 base62 characters and differs between tokens.
    #[test]
    fn jti_is_22_base62_chars() {
        let a = new_jti();
        assert_eq!(a.len(), 22);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, new_jti());
    }

    proptest::proptest! {
        /// Decoding arbitrary text as a token never panics.
        #[test]
        fn decoding_arbitrary_text_never_panics(s in "\\PC{0,200}") {
            let _ = Token::<Actor>::decode(&s).map(|t| t.validation());
        }

        /// Decoding a real token with one byte changed never panics.
        #[test]
        fn decoding_mutated_tokens_never_panics(pos in 0usize..635, byte in 0x20u8..0x7f) {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/wash");
            let mut jwt = std::fs::read(dir.join("tiny_s.jwt")).unwrap();
            let pos = pos % jwt.len();
            jwt[pos] = byte;
            let text = String::from_utf8_lossy(&jwt);
            let _ = Token::<Actor>::decode(&text).map(|t| t.validation());
        }
    }
}
