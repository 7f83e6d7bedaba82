//! Signing, reading and verifying the claims embedded in a WebAssembly module.

use std::io::{Read, Write};

use wash_keys::{KeyKind, KeyPair};

use crate::wasm::{strip, write_jwt_section, Hash, Stripped};
use crate::{Actor, Claims, ClaimsError, Token};

pub use crate::wasm::{JWT_SECTION, LEGACY_JWT_SECTION};

/// The claims found in a module, with the hash of the module as read.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleClaims {
    /// The embedded token.
    pub token: Token<Actor>,
    /// Upper-case hex SHA-256 of the module without its JWT sections.
    pub module_hash: String,
    /// The section the token came from (`wasmcloud_jwt` or legacy `jwt`).
    pub section: String,
}

/// Streams `input` to `output` with its old JWT sections removed and a new `wasmcloud_jwt` section
/// appended, holding `claims` (with `hash` set to the stripped module's hash) signed by `issuer`.
/// Returns the claims as signed and the token text.
///
/// On error part of the module may already be in `output`: write to a temp file and keep it only
/// on success.
pub fn sign_module<R: Read, W: Write>(
    input: R,
    mut output: W,
    claims: Claims<Actor>,
    issuer: &KeyPair,
) -> Result<Token<Actor>, ClaimsError> {
    let stripped = strip(input, &mut output, Hash::Module)?;
    append_token(output, claims, stripped.hash.unwrap_or_default(), issuer)
}

/// The end of signing, once the stripped module is in `output`: sets the claims' module `hash`, signs
/// them with `issuer` and appends the `wasmcloud_jwt` section.
pub(crate) fn append_token<W: Write>(
    mut output: W,
    mut claims: Claims<Actor>,
    hash: String,
    issuer: &KeyPair,
) -> Result<Token<Actor>, ClaimsError> {
    claims.wascap.get_or_insert_with(Actor::default).hash = hash;
    let jwt = claims.encode(issuer)?;
    write_jwt_section(&mut output, &jwt)?;
    output.flush()?;
    Ok(Token { jwt, claims })
}

/// In-memory [`sign_module`]: returns the signed module.
pub fn embed_claims(
    module: &[u8],
    claims: Claims<Actor>,
    issuer: &KeyPair,
) -> Result<Vec<u8>, ClaimsError> {
    let mut out = Vec::with_capacity(module.len() + 1024);
    sign_module(module, &mut out, claims, issuer)?;
    Ok(out)
}

/// Streams a module and returns its claims: the first top-level `wasmcloud_jwt` or `jwt` section,
/// decoded, with the module hash checked for tokens of `wascap_revision` 3 or later (as wascap does;
/// older tokens carry no reliable hash). Errors: not wasm, truncated or malformed sections, no claims,
/// an undecodable token, missing metadata, a hash mismatch. The signature and dates are not checked
/// here: see [`Token::verify`] and [`verify_module`].
pub fn read_module_claims<R: Read>(input: R) -> Result<ModuleClaims, ClaimsError> {
    let (found, _) = read_checked(input, Hash::Module)?;
    Ok(found)
}

/// The SHA-256 and length of every byte of a module, as [`read_module_claims_with_digest`] read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputDigest {
    /// SHA-256 of the whole input.
    pub sha256: [u8; 32],
    /// Bytes read.
    pub len: u64,
}

/// [`read_module_claims`] that also hashes the whole input (for a registry digest), in one pass: the
/// module hash and the file hash share every byte before the token, so a module signed by wash or
/// wascap is hashed once.
pub fn read_module_claims_with_digest<R: Read>(
    input: R,
) -> Result<(ModuleClaims, InputDigest), ClaimsError> {
    let (found, stripped) = read_checked(input, Hash::ModuleAndInput)?;
    let digest = InputDigest {
        sha256: stripped.input_sha256.unwrap_or_default(),
        len: stripped.input_len,
    };
    Ok((found, digest))
}

/// The walk of [`read_module_claims`]: the claims with their module hash checked, and what the walk
/// found.
fn read_checked<R: Read>(input: R, hash: Hash) -> Result<(ModuleClaims, Stripped), ClaimsError> {
    let (token, section, stripped) = walk_for_token(input, hash)?;
    let module_hash = stripped.hash.clone().unwrap_or_default();
    let actor = token
        .claims
        .wascap
        .as_ref()
        .ok_or(ClaimsError::MissingMetadata)?;
    if token.claims.wascap_revision.unwrap_or(0) >= 3 && actor.hash != module_hash {
        return Err(ClaimsError::HashMismatch {
            expected: actor.hash.clone(),
            actual: module_hash,
        });
    }
    let found = ModuleClaims {
        token,
        module_hash,
        section,
    };
    Ok((found, stripped))
}

/// [`read_module_claims`] without hashing the module: the same walk over well-formed sections and the
/// same token checks, but the module hash in the token is not compared. For bytes whose integrity is
/// already known (a registry layer checked against its digest), where a second SHA-256 pass would
/// only cost time. Returns the token and the section it came from.
pub fn read_module_token<R: Read>(input: R) -> Result<(Token<Actor>, String), ClaimsError> {
    let (token, section, _) = walk_for_token(input, Hash::Nothing)?;
    if token.claims.wascap.is_none() {
        return Err(ClaimsError::MissingMetadata);
    }
    Ok((token, section))
}

/// One walk over a module: its first JWT section decoded, that section's name, and what the walk
/// found.
fn walk_for_token<R: Read>(
    input: R,
    hash: Hash,
) -> Result<(Token<Actor>, String, Stripped), ClaimsError> {
    let mut stripped = strip(input, std::io::sink(), hash)?;
    let (section, jwt) = stripped.jwt.take().ok_or(ClaimsError::NoClaims)?;
    let token = Token::<Actor>::decode(&jwt).map_err(|e| match e {
        ClaimsError::TokenFormat(_) | ClaimsError::Base64 { .. } => ClaimsError::CorruptSection {
            section: section.clone(),
            reason: e.to_string(),
        },
        other => other,
    })?;
    Ok((token, section, stripped))
}

/// The embedded token of a module, `None` if it has none (wascap's `extract_claims`).
pub fn extract_claims(module: &[u8]) -> Result<Option<Token<Actor>>, ClaimsError> {
    match read_module_claims(module) {
        Ok(found) => Ok(Some(found.token)),
        Err(ClaimsError::NoClaims) => Ok(None),
        Err(e) => Err(e),
    }
}

/// What a host calls before running an actor: extracts the claims and checks everything — the token
/// decodes with the right header, the issuer signed it, the subject is a module key, the module hash
/// matches, it has not expired and is already valid.
pub fn verify_module(module: &[u8]) -> Result<Claims<Actor>, ClaimsError> {
    let found = read_module_claims(module)?;
    found.token.verify()?;
    let (kind, _) =
        wash_keys::parse_public_key(&found.token.claims.sub).map_err(ClaimsError::InvalidKey)?;
    if kind != KeyKind::Module {
        return Err(ClaimsError::InvalidKey(wash_keys::KeyError::WrongKind {
            what: "the subject".into(),
            expected: KeyKind::Module,
            found: kind,
            public_key: found.token.claims.sub.clone(),
        }));
    }
    Ok(found.token.claims)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    const ACCOUNT_SEED: &str = "SAAACAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAKM5I";
    const MODULE_PK: &str = "MCATS5YOVB6ROX2WUNKGNQ2MP3GMXDMKSG2O4N5CLX3A6W4PZGZZJPUL";
    const EMPTY_MODULE: &[u8] = b"\0asm\x01\0\0\0";

    fn vectors() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/wash")
    }

    fn vector(name: &str) -> Vec<u8> {
        std::fs::read(vectors().join(name)).unwrap()
    }

    fn account() -> KeyPair {
        wash_keys::parse_seed(ACCOUNT_SEED).unwrap().1
    }

    fn claims(name: &str) -> Claims<Actor> {
        let actor = Actor {
            name: Some(name.into()),
            tags: Some(vec![]),
            caps: Some(vec![crate::caps::HTTP_SERVER.into()]),
            ..Default::default()
        };
        Claims::new(account().public_key(), MODULE_PK, actor)
    }

    /// The worked example: the empty module signs to `00 89 05 0D wasmcloud_jwt <635-byte JWT>` with the
    /// spec's hash, and the signed module is 660 bytes.
    #[test]
    fn empty_module_signs_to_the_spec_layout() {
        let mut c = claims("Echo");
        c.jti = "AAAAAAAAAAAAAAAAAAAAAA".into();
        c.iat = 1_700_000_000;
        let a = c.wascap.as_mut().unwrap();
        a.tags = Some(vec!["demo".into()]);
        a.rev = Some(1);
        a.ver = Some("0.1.0".into());
        let signed = embed_claims(EMPTY_MODULE, c, &account()).unwrap();
        assert_eq!(signed.len(), 660);
        assert_eq!(&signed[..8], EMPTY_MODULE);
        assert_eq!(&signed[8..12], &[0x00, 0x89, 0x05, 0x0d]);
        assert_eq!(&signed[12..25], b"wasmcloud_jwt");
        let verified = verify_module(&signed).unwrap();
        assert_eq!(
            verified.module_hash(),
            Some("93A44BBB96C751218E4C00D479E4C14358122A389ACCA16205B1E4D0DC5F9476")
        );
        assert!(std::str::from_utf8(&signed[25..]).unwrap().ends_with("eUoB1e0zXil4eU5cfSzp55v_QHxa9oMR1-z_ZLMCNRRCV8XItLnlFEEiWCdZrSTifsiTIimffSPgyAEH1NwiBQ"));
    }

    /// Signing `tiny.wasm` keeps its 38 bytes and appends one section; the hash is the vector's; the
    /// wash-signed `tiny_s.wasm` verifies and carries the same hash.
    #[test]
    fn tiny_vector_signs_and_wash_signed_tiny_verifies() {
        let tiny = vector("tiny.wasm");
        let signed = embed_claims(&tiny, claims("Tiny"), &account()).unwrap();
        assert_eq!(&signed[..tiny.len()], &tiny[..]);
        let ours = verify_module(&signed).unwrap();
        let theirs = verify_module(&vector("tiny_s.wasm")).unwrap();
        assert_eq!(ours.module_hash(), theirs.module_hash());
        assert_eq!(
            theirs.module_hash(),
            Some("53BD3DA2FB75BCAFB0677938F211CE6C85DA8B6C1B6607B239786373B767E155")
        );
        assert_eq!(theirs.public_key(), MODULE_PK);
        assert_eq!(theirs.issuer(), account().public_key());
        assert_eq!(theirs.capabilities(), ["wasmcloud:httpserver"]);
        assert_eq!(theirs.name(), Some("Tiny"));
        assert_eq!(theirs.call_alias(), None);
        assert_eq!(theirs.tags(), ["demo"]);
    }

    /// Re-signing `strip_in.wasm` produces exactly `strip_out.wasm` up to the JWT: old `jwt` and
    /// `wasmcloud_jwt` sections gone, `foo` re-encoded with a 1-byte size, `tail` kept, and the hash is
    /// the spec's.
    #[test]
    fn strip_vector_reproduces_wash_output() {
        let expected = vector("strip_out.wasm");
        let signed = embed_claims(&vector("strip_in.wasm"), claims("Strip"), &account()).unwrap();
        let wash_found = read_module_claims(&expected[..]).unwrap();
        let prefix_len = expected.len() - (wash_found.token.jwt.len() + 3 + 14);
        assert_eq!(&signed[..prefix_len], &expected[..prefix_len]);
        let ours = read_module_claims(&signed[..]).unwrap();
        assert_eq!(
            ours.module_hash,
            "89FDA98DE7E30730CA5B63377B449EC08320D13A794202D7087E9885A6334E47"
        );
        assert_eq!(wash_found.module_hash, ours.module_hash);
        assert_eq!(ours.section, JWT_SECTION);
    }

    /// Signing twice leaves exactly one JWT section, and wasmparser (an independent parser) agrees on the
    /// section layout of our output.
    #[test]
    fn resigning_leaves_one_section_that_wasmparser_reads() {
        let once = embed_claims(&vector("tiny.wasm"), claims("A"), &account()).unwrap();
        let twice = embed_claims(&once, claims("B"), &account()).unwrap();
        let mut jwt_sections = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(&twice) {
            if let wasmparser::Payload::CustomSection(reader) = payload.unwrap() {
                jwt_sections.push((reader.name().to_owned(), reader.data().to_vec()));
            }
        }
        assert_eq!(jwt_sections.len(), 1);
        assert_eq!(jwt_sections[0].0, JWT_SECTION);
        let claims = verify_module(&twice).unwrap();
        assert_eq!(claims.name(), Some("B"));
        assert_eq!(
            jwt_sections[0].1,
            extract_claims(&twice).unwrap().unwrap().jwt.as_bytes()
        );
    }

    /// A module with a legacy `jwt` section is read.
    /// One pass gives the same module hash as the module-only walk and the SHA-256 of every byte,
    /// whether the token is last (wash's and wascap's layout), followed by another section, or
    /// preceded by a section whose size is not minimal LEB128 (where the two hashes part early).
    #[test]
    fn module_hash_and_file_digest_in_one_pass() {
        use sha2::{Digest, Sha256};
        let with_foo = [EMPTY_MODULE, b"\x00\x05\x03fooX"].concat();
        let signed = embed_claims(&with_foo, claims("Both"), &account()).unwrap();
        // Signed with a `tail` section, then the token moved before it: the hash still matches.
        let tail: &[u8] = b"\x00\x05\x04tail";
        let with_tail = [&with_foo[..], tail].concat();
        let signed_tail = embed_claims(&with_tail, claims("Tail"), &account()).unwrap();
        let trailing = [&with_foo[..], &signed_tail[with_tail.len()..], tail].concat();
        // The `foo` section's size as a 5-byte LEB128: the same module once stripped.
        let padded = [
            EMPTY_MODULE,
            b"\x00\x85\x80\x80\x80\x00\x03fooX",
            &signed[with_foo.len()..],
        ]
        .concat();
        for (name, module) in [
            ("wash 0.18.1's tiny_s.wasm", vector("tiny_s.wasm")),
            ("token last", signed.clone()),
            ("a section after the token", trailing),
            ("a non-minimal size first", padded),
        ] {
            let alone = read_module_claims(&module[..]).expect(name);
            let (found, digest) = read_module_claims_with_digest(&module[..]).expect(name);
            assert_eq!(found, alone, "{name}");
            assert_eq!(
                digest.sha256,
                <[u8; 32]>::from(Sha256::digest(&module)),
                "{name}"
            );
            assert_eq!(digest.len, module.len() as u64, "{name}");
        }
        // The `X` of `foo`: the module hash no longer matches the token's.
        let mut tampered = signed;
        tampered[with_foo.len() - 1] ^= 1;
        assert!(matches!(
            read_module_claims_with_digest(&tampered[..]),
            Err(ClaimsError::HashMismatch { .. })
        ));
    }

    #[test]
    fn legacy_jwt_section_is_read() {
        let jwt = claims("Old").encode(&account()).unwrap();
        let mut module = EMPTY_MODULE.to_vec();
        module.push(0);
        module.push((1 + 3 + jwt.len()) as u8 & 0x7f | 0x80);
        module.push(((1 + 3 + jwt.len()) >> 7) as u8);
        module.push(3);
        module.extend_from_slice(b"jwt");
        module.extend_from_slice(jwt.as_bytes());
        let found = read_module_claims(&module[..]);
        // The hash in these claims is empty, so revision 3 reports a mismatch — proving the section was read.
        assert!(
            matches!(found, Err(ClaimsError::HashMismatch { .. })),
            "{found:?}"
        );
    }

    /// Bad inputs each give their own error: not wasm, truncated, corrupted custom section, no claims,
    /// tampered code (hash mismatch), altered signature.
    #[test]
    fn bad_modules_are_rejected_with_reasons() {
        assert!(matches!(
            verify_module(b"hello world"),
            Err(ClaimsError::NotWasm(_))
        ));
        assert!(matches!(verify_module(b""), Err(ClaimsError::NotWasm(_))));
        let signed = vector("tiny_s.wasm");
        assert!(matches!(
            verify_module(&signed[..signed.len() - 10]),
            Err(ClaimsError::Truncated { .. })
        ));
        assert!(matches!(
            verify_module(&vector("tiny.wasm")),
            Err(ClaimsError::NoClaims)
        ));
        // Name length 200 in a section of 3 bytes.
        let mut bad = EMPTY_MODULE.to_vec();
        bad.extend_from_slice(&[0, 3, 200, 1, b'x']);
        assert!(matches!(
            verify_module(&bad),
            Err(ClaimsError::Malformed { .. })
        ));
        // Change the constant 42 in the code: the hash no longer matches.
        let mut tampered = signed.clone();
        let pos = tampered.windows(2).position(|w| w == [0x41, 0x2a]).unwrap();
        tampered[pos + 1] = 0x2b;
        assert!(matches!(
            verify_module(&tampered),
            Err(ClaimsError::HashMismatch { .. })
        ));
        // Flip a character of the signature (the last bytes of the module).
        let mut forged = signed.clone();
        let at = forged.len() - 5;
        forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
        assert!(matches!(
            verify_module(&forged),
            Err(ClaimsError::BadSignature { .. })
        ));
        // A JWT section with non-UTF-8 bytes.
        let mut garbage = EMPTY_MODULE.to_vec();
        garbage.extend_from_slice(&[0, 16, 13]);
        garbage.extend_from_slice(b"wasmcloud_jwt");
        garbage.extend_from_slice(&[0xff, 0xfe]);
        assert!(matches!(
            verify_module(&garbage),
            Err(ClaimsError::CorruptSection { .. })
        ));
    }

    /// An expired actor fails `verify_module`, a not-yet-valid one too.
    #[test]
    fn expired_and_future_actors_fail_verification() {
        let mut c = claims("Old");
        c.exp = Some(c.iat - 10);
        let signed = embed_claims(EMPTY_MODULE, c, &account()).unwrap();
        assert!(matches!(
            verify_module(&signed),
            Err(ClaimsError::Expired { .. })
        ));
        let c = claims("Future").not_before_days(Some(1));
        let signed = embed_claims(EMPTY_MODULE, c, &account()).unwrap();
        assert!(matches!(
            verify_module(&signed),
            Err(ClaimsError::NotYetValid { .. })
        ));
    }

    proptest::proptest! {
        /// Random bytes after a valid header never panic the section walker.
        #[test]
        fn random_modules_never_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let mut module = EMPTY_MODULE.to_vec();
            module.extend_from_slice(&body);
            let _ = verify_module(&module);
            let _ = verify_module(&body);
        }

        /// Mutating any byte of a signed module never panics, and when the walker accepts the layout,
        /// wasmparser finds the same JWT section (or none).
        #[test]
        fn mutated_modules_never_panic(pos in 0usize..690, byte in proptest::prelude::any::<u8>()) {
            let mut module = vector("tiny_s.wasm");
            let pos = pos % module.len();
            module[pos] = byte;
            let ours = extract_claims(&module);
            let theirs: Result<Vec<_>, _> = wasmparser::Parser::new(0).parse_all(&module).collect();
            if let (Ok(Some(token)), Ok(payloads)) = (&ours, &theirs) {
                let found = payloads.iter().find_map(|p| match p {
                    wasmparser::Payload::CustomSection(r) if r.name() == JWT_SECTION || r.name() == LEGACY_JWT_SECTION => Some(r.data().to_vec()),
                    _ => None,
                });
                proptest::prop_assert_eq!(found, Some(token.jwt.as_bytes().to_vec()));
            }
        }
    }
}
