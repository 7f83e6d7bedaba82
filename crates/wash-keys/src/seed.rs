//! Generating keys and decoding seeds and public keys, always with the checksum and prefix checked.
//!
//! Decoding goes through `nkeys::decode_seed` / `nkeys::from_public_key`, which (from nkeys 0.4 on)
//! verify the CRC-16; the tests below pin that down with a seed whose data was changed but whose
//! checksum was not. On top of that we accept only the seven kinds wash knows: nkeys maps an unknown
//! seed prefix to "operator" and accepts curve (`X`) public keys, we reject both.

use nkeys::KeyPair;

use crate::{KeyError, KeyKind};

/// Length of an encoded seed (`S` + kind letter + 56 more characters).
const SEED_LENGTH: usize = 58;
/// Length of an encoded public key.
const PUBLIC_KEY_LENGTH: usize = 56;

/// Generates a new random key pair of `kind` (32 bytes from the OS CSPRNG).
pub fn generate(kind: KeyKind) -> KeyPair {
    KeyPair::new(kind.nkeys_type())
}

/// Decodes a 58-character seed, verifying length, base32, checksum and prefix, and returns its kind
/// and key pair.
pub fn parse_seed(seed: &str) -> Result<(KeyKind, KeyPair), KeyError> {
    let invalid = |reason: String| KeyError::InvalidSeed { reason };
    if seed.len() != SEED_LENGTH {
        let hint = if seed.len() == PUBLIC_KEY_LENGTH {
            " (this looks like a public key; a seed starts with `S` and has 58 characters)"
        } else {
            ""
        };
        return Err(invalid(format!(
            "bad seed length: {} characters, expected {SEED_LENGTH}{hint}",
            seed.len()
        )));
    }
    if !seed.is_ascii() {
        return Err(invalid("a seed holds only base32 characters".into()));
    }
    let (prefix, raw) = nkeys::decode_seed(seed).map_err(|e| invalid(describe(&e)))?;
    let kind = KeyKind::from_prefix_byte(prefix)
        .ok_or_else(|| invalid(format!("unknown key type prefix `{prefix:#04x}`")))?;
    let pair = KeyPair::new_from_raw(kind.nkeys_type(), raw).map_err(|e| invalid(describe(&e)))?;
    Ok((kind, pair))
}

/// Decodes a seed that must be of `kind`; `what` names where it came from in the error.
pub fn parse_seed_of_kind(seed: &str, kind: KeyKind, what: &str) -> Result<KeyPair, KeyError> {
    let (found, pair) = parse_seed(seed)?;
    if found != kind {
        return Err(KeyError::WrongKind {
            what: what.to_owned(),
            expected: kind,
            found,
            public_key: pair.public_key(),
        });
    }
    Ok(pair)
}

/// Decodes a 56-character public key, verifying base32, checksum and prefix.
pub fn parse_public_key(key: &str) -> Result<(KeyKind, KeyPair), KeyError> {
    let invalid = |reason: String| KeyError::InvalidPublicKey {
        key: key.to_owned(),
        reason,
    };
    if key.len() != PUBLIC_KEY_LENGTH || !key.is_ascii() {
        return Err(invalid(format!(
            "bad length: {} characters, expected {PUBLIC_KEY_LENGTH}",
            key.chars().count()
        )));
    }
    let (prefix, _) = nkeys::from_public_key(key).map_err(|e| invalid(describe(&e)))?;
    let kind = KeyKind::from_prefix_byte(prefix)
        .ok_or_else(|| invalid(format!("unknown key type prefix `{prefix:#04x}`")))?;
    let pair = KeyPair::from_public_key(key).map_err(|e| invalid(describe(&e)))?;
    Ok((kind, pair))
}

/// The seed string of a key pair that has one (every pair made by [`generate`] or [`parse_seed`]).
pub fn seed_of(pair: &KeyPair) -> Result<String, KeyError> {
    pair.seed().map_err(|e| KeyError::InvalidSeed {
        reason: describe(&e),
    })
}

/// nkeys errors print as "<kind>: <description>"; keep the description, lower-cased first letter.
fn describe(err: &nkeys::error::Error) -> String {
    let text = err.to_string();
    let text = text.rsplit_once(": ").map_or(text.as_str(), |(_, d)| d);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (raw seed byte, kind, seed string, public key) from keys.md §10, made by the real nkeys 0.3.2.
    const VECTORS: &[(u8, KeyKind, &str, &str)] = &[
        (
            1,
            KeyKind::Account,
            "SAAACAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAKM5I",
            "ACFIRY65OQE7DFP5KLNS2PF2LVZMUZYJX4OZIEQ36N2IQANUB5XVYYOU",
        ),
        (
            2,
            KeyKind::Module,
            "SMAAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAQCAIBAEAWDLE",
            "MCATS5YOVB6ROX2WUNKGNQ2MP3GMXDMKSG2O4N5CLX3A6W4PZGZZJPUL",
        ),
        (
            0,
            KeyKind::Server,
            "SNAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAF4H4",
            "NA5WUJ54Z23KILLCUOUNAKTPBVZWKMQVO4O6EQ5GHLAERIMLLHNCTBQW",
        ),
        (
            0,
            KeyKind::Service,
            "SVAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABI4",
            "VA5WUJ54Z23KILLCUOUNAKTPBVZWKMQVO4O6EQ5GHLAERIMLLHNCTBNT",
        ),
        (
            0,
            KeyKind::Cluster,
            "SCAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAHRFY",
            "CA5WUJ54Z23KILLCUOUNAKTPBVZWKMQVO4O6EQ5GHLAERIMLLHNCTO56",
        ),
        (
            0,
            KeyKind::Operator,
            "SOAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAF7TI",
            "OA5WUJ54Z23KILLCUOUNAKTPBVZWKMQVO4O6EQ5GHLAERIMLLHNCSKTE",
        ),
        (
            0,
            KeyKind::User,
            "SUAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEQ",
            "UA5WUJ54Z23KILLCUOUNAKTPBVZWKMQVO4O6EQ5GHLAERIMLLHNCTYM5",
        ),
    ];

    /// Every key vector of keys.md §10 reproduces exactly: raw seed → seed string and public key, and back.
    #[test]
    fn spec_vectors_reproduce() {
        for &(byte, kind, seed, public) in VECTORS {
            let pair = KeyPair::new_from_raw(kind.nkeys_type(), [byte; 32]).unwrap();
            assert_eq!(seed_of(&pair).unwrap(), seed, "{kind} seed");
            assert_eq!(pair.public_key(), public, "{kind} public key");
            let (parsed_kind, parsed) = parse_seed(seed).unwrap();
            assert_eq!(parsed_kind, kind);
            assert_eq!(parsed.public_key(), public);
            let (pk_kind, _) = parse_public_key(public).unwrap();
            assert_eq!(pk_kind, kind);
        }
    }

    /// The account vector signs `hello` to the exact Ed25519 signature in keys.md §10.
    #[test]
    fn account_vector_signs_hello_exactly() {
        let (_, pair) = parse_seed(VECTORS[0].2).unwrap();
        let sig = pair.sign(b"hello").unwrap();
        let hex: String = sig.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "e1430c6ebd0d53573b5c803452174f8991ef5955e0906a09e8fdc7310459e9c82a402526748c3431fe7f0e5faafbf7e703234789734063ee42be17af16438d08");
    }

    /// A seed with one data character changed (the stored CRC no longer matches) is rejected with a
    /// checksum error — the case wash 0.18.1 silently accepted (keys.md §4). This pins the nkeys crate's
    /// CRC check.
    #[test]
    fn seed_with_changed_data_fails_the_checksum() {
        let seed = VECTORS[0].2;
        let mut tampered = seed.to_owned();
        // Character 10 is pure data: changing it keeps the base32 valid but breaks the CRC.
        tampered.replace_range(10..11, if &seed[10..11] == "B" { "C" } else { "B" });
        let err = parse_seed(&tampered).unwrap_err();
        assert!(err.to_string().contains("checksum"), "{err}");
        // And nkeys itself rejects it too (nkeys < 0.4 did not).
        assert!(nkeys::KeyPair::from_seed(&tampered).is_err());
    }

    /// A public key with a changed data character fails the checksum as well.
    #[test]
    fn public_key_with_changed_data_fails_the_checksum() {
        let key = VECTORS[0].3;
        let mut tampered = key.to_owned();
        tampered.replace_range(10..11, if &key[10..11] == "B" { "C" } else { "B" });
        let err = parse_public_key(&tampered).unwrap_err();
        assert!(err.to_string().contains("checksum"), "{err}");
    }

    /// Wrong lengths, a public key given as a seed and a trailing newline are all clear errors.
    #[test]
    fn bad_lengths_are_rejected_with_a_reason() {
        let err = parse_seed(VECTORS[0].3).unwrap_err().to_string();
        assert!(err.contains("looks like a public key"), "{err}");
        let err = parse_seed(&format!("{}\n", VECTORS[0].2))
            .unwrap_err()
            .to_string();
        assert!(err.contains("bad seed length: 59"), "{err}");
        assert!(parse_seed("").is_err());
        assert!(parse_public_key("A").is_err());
    }

    /// A seed of the wrong kind for its use is reported with both kinds and the public key.
    #[test]
    fn wrong_kind_is_reported() {
        let err = parse_seed_of_kind(VECTORS[1].2, KeyKind::Account, "`--issuer`").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "`--issuer` is a module key (`{}`), expected an account key",
                VECTORS[1].3
            )
        );
    }

    /// Generated keys of every kind have the right letters and round-trip through their seed.
    #[test]
    fn generated_keys_round_trip() {
        for kind in KeyKind::ALL {
            let pair = generate(kind);
            let seed = seed_of(&pair).unwrap();
            assert!(seed.starts_with(&format!("S{}", kind.letter())), "{seed}");
            assert!(pair.public_key().starts_with(kind.letter()));
            let (parsed_kind, parsed) = parse_seed(&seed).unwrap();
            assert_eq!(parsed_kind, kind);
            assert_eq!(parsed.public_key(), pair.public_key());
        }
    }

    proptest::proptest! {
        /// Decoding arbitrary strings never panics (seeds and public keys).
        #[test]
        fn decoding_arbitrary_strings_never_panics(s in "\\PC{0,70}") {
            let _ = parse_seed(&s);
            let _ = parse_public_key(&s);
        }

        /// Decoding base32-looking strings of the exact lengths never panics.
        #[test]
        fn decoding_base32_strings_never_panics(s in "S[A-Z2-7]{57}", p in "[A-Z2-7]{56}") {
            let _ = parse_seed(&s);
            let _ = parse_public_key(&p);
        }
    }
}
