//! Store names for actors' keys: a key the store takes as it is stays itself; any other becomes
//! `b64_<base64url>`, reversible, one path segment, and never mistaken for a plain key.

use std::borrow::Cow;

use base64::Engine as _;

/// Prefix of store names that hold an encoded key.
pub const ENCODED_PREFIX: &str = "b64_";

/// `key` itself when the store's own rule `fits` accepts it and it does not start with
/// [`ENCODED_PREFIX`]; otherwise `b64_` and the key in unpadded base64url (only `[A-Za-z0-9_-]`).
pub fn store_name(key: &str, fits: impl FnOnce(&str) -> bool) -> Cow<'_, str> {
    if !key.starts_with(ENCODED_PREFIX) && fits(key) {
        return Cow::Borrowed(key);
    }
    Cow::Owned(format!(
        "{ENCODED_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys the rule accepts pass through; the rest (and look-alikes of encoded names) become one
    /// `b64_` segment of `[A-Za-z0-9_-]` that decodes back to the key.
    #[test]
    fn names_are_plain_or_reversibly_encoded() {
        let letters = |key: &str| key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        assert_eq!(store_name("counter_1", letters), "counter_1");
        for odd in ["b64_x", "a/b", "../up", "with space", "ü", ""] {
            let name = store_name(odd, |k| !k.is_empty() && letters(k));
            assert!(name.starts_with(ENCODED_PREFIX), "{odd:?} → {name}");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
                "{name}"
            );
            let back = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&name[ENCODED_PREFIX.len()..])
                .expect("base64");
            assert_eq!(back, odd.as_bytes());
        }
    }
}
