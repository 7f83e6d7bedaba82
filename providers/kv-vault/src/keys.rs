//! How an actor's key becomes one secret name under its prefix: plain names pass through, anything
//! else is encoded so that no key can escape its prefix or break the URL; empty and over-long keys
//! are refused.

use std::borrow::Cow;

use wash_provider::keyvalue::store_name;

/// The longest key accepted, in bytes (Vault storage keys are kept well below backend limits).
pub const MAX_KEY_BYTES: usize = 512;

/// The secret name of `key`: the key itself when it is made of `[A-Za-z0-9_.-]` (and is not `.`,
/// `..` or a look-alike of an encoded name), else `b64_<base64url of the key>`. Always exactly one
/// path segment. Empty keys and keys over [`MAX_KEY_BYTES`] are an error.
pub fn secret_name(key: &str) -> Result<Cow<'_, str>, String> {
    if key.is_empty() {
        return Err("invalid key ``: keys must not be empty".into());
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(format!(
            "invalid key: {} bytes is longer than the {MAX_KEY_BYTES} bytes kv-vault accepts",
            key.len()
        ));
    }
    Ok(store_name(key, |key| {
        key != "."
            && key != ".."
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    }))
}

#[cfg(test)]
mod tests {
    use wash_provider::keyvalue::names::ENCODED_PREFIX;

    use super::*;

    /// Plain keys pass through; keys with slashes, dots-only, spaces, URL syntax or non-ASCII (and
    /// encoded look-alikes) become one `b64_` segment (reversible: `store_name`'s own test).
    #[test]
    fn keys_become_one_safe_segment() {
        assert_eq!(secret_name("counter").as_deref(), Ok("counter"));
        assert_eq!(secret_name("a.b-c_D9").as_deref(), Ok("a.b-c_D9"));
        for odd in [
            "counter::",
            "../other/x",
            "a/b",
            ".",
            "..",
            "with space",
            "q?x=1#f",
            "%2e",
            "b64_x",
            "ü",
        ] {
            let name = secret_name(odd).expect("encodable");
            assert!(name.starts_with(ENCODED_PREFIX), "{odd:?} → {name}");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
                "{name}"
            );
        }
    }

    /// Empty and over-long keys are refused with a message saying why.
    #[test]
    fn empty_and_long_keys_are_refused() {
        assert!(secret_name("")
            .expect_err("empty")
            .contains("must not be empty"));
        let long = "k".repeat(MAX_KEY_BYTES + 1);
        assert!(secret_name(&long).expect_err("long").contains("longer"));
        assert!(secret_name(&"k".repeat(MAX_KEY_BYTES)).is_ok());
    }
}
