//! OCI references as wash reads them: lower-cased, `latest` refused unless allowed, digests checked.

use oci_client::{ParseError, Reference};

use crate::OciError;

/// A parsed reference plus what the user actually typed (whether a tag was explicit).
#[derive(Debug, Clone)]
pub struct ArtifactRef {
    /// The reference as typed (before lower-casing), for messages.
    pub input: String,
    /// The parsed, lower-cased reference (a missing tag is `latest`).
    pub parsed: Reference,
    /// Whether the user wrote a tag.
    pub explicit_tag: bool,
}

impl ArtifactRef {
    /// Parses `input` as wash 0.x did: lower-cased, then the Docker reference grammar.
    pub fn parse(input: &str) -> Result<Self, OciError> {
        let lowered = input.trim().to_ascii_lowercase();
        let parsed = parse_reference(&lowered).map_err(|e| OciError::InvalidReference {
            reference: input.to_owned(),
            reason: e.to_string(),
        })?;
        let name = lowered.split('@').next().unwrap_or_default();
        let last = name.rsplit('/').next().unwrap_or_default();
        let explicit_tag = name.contains('/') && last.contains(':');
        Ok(Self {
            input: input.to_owned(),
            parsed,
            explicit_tag,
        })
    }

    /// The registry host (`127.0.0.1:5000`), as API calls use it.
    pub fn registry(&self) -> &str {
        self.parsed.resolve_registry()
    }

    /// The repository path (`vectors/tiny`).
    pub fn repository(&self) -> &str {
        self.parsed.repository()
    }

    /// The tag (`latest` when none was typed).
    pub fn tag(&self) -> Option<&str> {
        self.parsed.tag()
    }

    /// The digest pinned in the reference (`...@sha256:<hex>`), if any.
    pub fn digest(&self) -> Option<&str> {
        self.parsed.digest()
    }

    /// Refuses a push to `latest` (typed or implied) unless `allow_latest`.
    pub fn check_push_tag(&self, allow_latest: bool) -> Result<(), OciError> {
        if !allow_latest && self.tag() == Some("latest") {
            return Err(OciError::LatestRefused {
                action: "pushing",
                reference: self.input.clone(),
            });
        }
        Ok(())
    }

    /// Refuses a pull of `latest` or of a tag-less reference unless `allow_latest`; a reference
    /// pinned by digest needs no tag.
    pub fn check_pull_tag(&self, allow_latest: bool) -> Result<(), OciError> {
        if allow_latest || (self.digest().is_some() && !self.explicit_tag) {
            return Ok(());
        }
        if !self.explicit_tag {
            return Err(OciError::MissingTag {
                reference: self.input.clone(),
            });
        }
        if self.tag() == Some("latest") {
            return Err(OciError::LatestRefused {
                action: "pulling",
                reference: self.input.clone(),
            });
        }
        Ok(())
    }

    /// The last path segment of the repository (`tiny` for `host/vectors/tiny:0.1.0`).
    pub fn short_name(&self) -> &str {
        self.repository().rsplit('/').next().unwrap_or("artifact")
    }
}

/// Parses the Docker reference grammar by hand — what `Reference::from_str` accepts, with the same
/// registry and repository split (`docker.io`, `library/`), but without compiling its regular
/// expression, which cost a short command more than everything else it did (the property test in this
/// module checks both agree). ASCII only: a non-ASCII tag is refused.
fn parse_reference(s: &str) -> Result<Reference, ParseError> {
    if s.is_empty() {
        return Err(ParseError::NameEmpty);
    }
    let (rest, digest) = match s.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (s, None),
    };
    if digest.is_some_and(|d| !valid_digest(d)) {
        return Err(ParseError::ReferenceInvalidFormat);
    }
    // A tag follows the first `:` after the last `/` (a port's `:` comes before a `/`).
    let last = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last..].find(':') {
        Some(i) => (&rest[..last + i], Some(&rest[last + i + 1..])),
        None => (rest, None),
    };
    if tag.is_some_and(|t| !valid_tag(t)) || !valid_name(name) {
        return Err(ParseError::ReferenceInvalidFormat);
    }
    let (registry, repository) = split_domain(name);
    if repository.len() > 255 {
        return Err(ParseError::NameTooLong);
    }
    if let Some(digest) = digest {
        let expected = match digest.split_once(':') {
            Some(("sha256", _)) => 64,
            Some(("sha384", _)) => 96,
            Some(("sha512", _)) => 128,
            Some(_) => return Err(ParseError::DigestUnsupported),
            None => return Err(ParseError::DigestInvalidFormat),
        };
        if digest.split_once(':').map_or(0, |(_, hex)| hex.len()) != expected {
            return Err(ParseError::DigestInvalidLength);
        }
    }
    Ok(match (tag, digest) {
        (Some(tag), Some(digest)) => {
            Reference::with_tag_and_digest(registry, repository, tag.into(), digest.into())
        }
        (None, Some(digest)) => Reference::with_digest(registry, repository, digest.into()),
        (tag, None) => Reference::with_tag(registry, repository, tag.unwrap_or("latest").into()),
    })
}

/// `name` is `[domain/]component(/component)*`.
fn valid_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    parts.iter().all(|p| valid_component(p))
        || (parts.len() > 1
            && valid_domain(parts[0])
            && parts[1..].iter().all(|p| valid_component(p)))
}

/// A host name (labels of letters, digits and inner `-`, joined by `.`) with an optional `:port`.
fn valid_domain(domain: &str) -> bool {
    let (host, port) = match domain.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (domain, None),
    };
    let label = |l: &str| {
        !l.is_empty()
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    host.split('.').all(label)
        && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Runs of `[a-z0-9]` joined by `.`, `_`, `__` or any number of `-`.
fn valid_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(&bytes[0]) || !alnum(&bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(&bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(&bytes[i]) {
            i += 1;
        }
        let separator = &component[start..i];
        let ok = matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn valid_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    !tag.is_empty()
        && tag.len() <= 128
        && word(tag.as_bytes()[0])
        && tag.bytes().all(|b| word(b) || b == b'.' || b == b'-')
}

/// `algorithm:hex`, the algorithm letters and digits joined by `-_+.`, at least 32 hex digits.
fn valid_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let part = |p: &str| {
        p.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
            && p.bytes().all(|b| b.is_ascii_alphanumeric())
    };
    algorithm.split(['-', '_', '+', '.']).all(part)
        && hex.len() >= 32
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The registry and repository of a valid name, as the Docker tools split them.
fn split_domain(name: &str) -> (String, String) {
    let (mut domain, mut remainder) = match name.split_once('/') {
        Some((left, right)) if left.contains(['.', ':']) || left == "localhost" => {
            (left.to_owned(), right.to_owned())
        }
        _ => ("docker.io".to_owned(), name.to_owned()),
    };
    if domain == "index.docker.io" {
        domain = "docker.io".into();
    }
    if domain == "docker.io" && !remainder.contains('/') {
        remainder = format!("library/{remainder}");
    }
    (domain, remainder)
}

/// Normalises a digest: adds the `sha256:` prefix when missing, lower-cases the hex and checks it.
pub fn normalize_digest(digest: &str) -> Result<String, OciError> {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(OciError::InvalidDigest {
            digest: digest.to_owned(),
        });
    }
    Ok(format!("sha256:{}", hex.to_ascii_lowercase()))
}

/// Whether a registry is reached over plain HTTP: `localhost`, `127.0.0.1` and `[::1]` (any port)
/// always are, as in wash 0.x's host; others only when listed in `insecure` (with or without port).
pub fn is_insecure_registry(registry: &str, insecure: &[String]) -> bool {
    let host = host_of(registry);
    matches!(host, "localhost" | "127.0.0.1" | "::1" | "[::1]")
        || insecure
            .iter()
            .any(|entry| entry == registry || entry == host)
}

/// The host part of `host:port` (also for `[::1]:port`).
fn host_of(registry: &str) -> &str {
    if let Some(rest) = registry.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    registry.split(':').next().unwrap_or(registry)
}

/// Whether `s` looks like an OCI reference rather than a file path: it must start with an explicit
/// registry (a first segment with a `.` or `:`, or `localhost`), have a repository after it, parse
/// with the reference grammar, and not look like a path (`/`, `./`, `~`, a `.wasm`/`.par`/`.gz` name
/// without a tag). Callers that can should first check whether `s` names an existing file: a file
/// always wins, as in wash 0.x.
pub fn is_oci_reference(s: &str) -> bool {
    let s = s.trim();
    if s.is_empty()
        || s.starts_with(['/', '.', '~', '\\'])
        || s.contains(char::is_whitespace)
        || s.contains("://")
    {
        return false;
    }
    let Some((first, rest)) = s.split_once('/') else {
        return false;
    };
    if rest.is_empty() || !(first.contains(['.', ':']) || first == "localhost") {
        return false;
    }
    let Ok(parsed) = ArtifactRef::parse(s) else {
        return false;
    };
    if !parsed.explicit_tag && parsed.digest().is_none() {
        let last = parsed.short_name();
        if [".wasm", ".par", ".gz", ".tar"]
            .iter()
            .any(|ext| last.ends_with(ext))
        {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// References are lower-cased and split into registry, repository and tag as wash 0.x did.
    #[test]
    fn parses_and_lowercases() {
        let r = ArtifactRef::parse("127.0.0.1:5000/Vectors/Tiny:0.1.0").unwrap();
        assert_eq!(r.registry(), "127.0.0.1:5000");
        assert_eq!(r.repository(), "vectors/tiny");
        assert_eq!(r.tag(), Some("0.1.0"));
        assert!(r.explicit_tag);
        assert_eq!(r.short_name(), "tiny");
    }

    /// A port is not mistaken for a tag, and a missing tag is `latest` but not explicit.
    #[test]
    fn port_is_not_a_tag() {
        let r = ArtifactRef::parse("localhost:5000/echo").unwrap();
        assert!(!r.explicit_tag);
        assert_eq!(r.tag(), Some("latest"));
        assert!(matches!(
            r.check_pull_tag(false),
            Err(OciError::MissingTag { .. })
        ));
        assert!(r.check_pull_tag(true).is_ok());
        assert!(matches!(
            r.check_push_tag(false),
            Err(OciError::LatestRefused { .. })
        ));
    }

    /// `latest` is refused for pushes and pulls unless allowed; a digest-only pull needs no tag.
    #[test]
    fn latest_rules() {
        let r = ArtifactRef::parse("localhost:5000/echo:latest").unwrap();
        assert!(r.check_push_tag(false).is_err());
        assert!(r.check_pull_tag(false).is_err());
        assert!(r.check_push_tag(true).is_ok());
        let pinned = format!("localhost:5000/echo@sha256:{}", "a".repeat(64));
        assert!(ArtifactRef::parse(&pinned)
            .unwrap()
            .check_pull_tag(false)
            .is_ok());
    }

    /// Digests get their `sha256:` prefix and are checked for length and hex.
    #[test]
    fn digests_are_normalized() {
        let hex = "AB".repeat(32);
        assert_eq!(
            normalize_digest(&hex).unwrap(),
            format!("sha256:{}", "ab".repeat(32))
        );
        assert!(normalize_digest("sha256:1234").is_err());
        assert!(normalize_digest(&"g".repeat(64)).is_err());
    }

    /// Loopback registries are plain HTTP by default; others only when listed.
    #[test]
    fn insecure_defaults() {
        assert!(is_insecure_registry("localhost:5000", &[]));
        assert!(is_insecure_registry("127.0.0.1:40000", &[]));
        assert!(!is_insecure_registry("registry.example.com", &[]));
        assert!(is_insecure_registry(
            "registry.lan:5000",
            &["registry.lan".into()]
        ));
    }

    /// File paths are not references; registry references are, with or without tag or digest.
    #[test]
    fn tells_references_from_paths() {
        for yes in [
            "127.0.0.1:5000/echo:0.1.0",
            "localhost:5000/a/b:1",
            "ghcr.io/org/echo:0.3.4",
            "wasmcloud.azurecr.io/echo",
        ] {
            assert!(is_oci_reference(yes), "{yes}");
        }
        for no in [
            "echo.wasm",
            "./echo.wasm",
            "/tmp/echo.wasm",
            "target/debug/echo.wasm",
            "build/kv.par.gz",
            "out.d/echo.wasm",
            "~/echo.wasm",
            "",
            "http://host/x:1",
        ] {
            assert!(!is_oci_reference(no), "{no}");
        }
    }
}

#[cfg(test)]
mod grammar_tests {
    use proptest::prelude::*;

    use super::*;

    /// Ours and `Reference::from_str` (the regex) agree on what is valid and on every part.
    fn agree(s: &str) {
        let ours = parse_reference(s);
        let theirs = s.parse::<Reference>();
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => {
                assert_eq!(
                    (a.registry(), a.repository(), a.tag(), a.digest()),
                    (b.registry(), b.repository(), b.tag(), b.digest()),
                    "{s}"
                );
            }
            (Err(_), Err(_)) => {}
            _ => panic!("`{s}`: ours {ours:?}, regex {theirs:?}"),
        }
    }

    #[test]
    fn known_references() {
        for s in [
            "127.0.0.1:5000/vectors/tiny:0.1.0",
            "localhost:5000/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "wasmcloud.azurecr.io/echo:0.2.0",
            "index.docker.io/nginx",
            "nginx",
            "user/repo:v1_a.b-c",
            "a__b/c--d.e",
            "a___b",
            "host:port/x",
            "-x/y",
            "x/y:",
            "x/y:-tag",
            "x/y@sha256:abc",
            "x/y@md5:0123456789abcdef0123456789abcdef",
            "ghcr.io/a/b:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            agree(s);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Random strings over the grammar's alphabet.
        #[test]
        fn random_strings_agree(s in "[a-c0-2A._:/@-]{1,24}") {
            agree(&s);
        }

        /// Strings shaped like references: registry, path, tag, digest.
        #[test]
        fn reference_shapes_agree(
            host in "[a-z0-9-]{1,6}(\\.[a-z0-9-]{1,4}){0,2}(:[0-9]{1,5})?",
            path in "[a-z0-9._-]{1,8}(/[a-z0-9._-]{1,8}){0,2}",
            tag in proptest::option::of("[A-Za-z0-9_.-]{1,10}"),
            digest in proptest::option::of("sha256:[0-9a-f]{64}"),
        ) {
            let mut s = format!("{host}/{path}");
            if let Some(tag) = tag { s.push(':'); s.push_str(&tag); }
            if let Some(digest) = digest { s.push('@'); s.push_str(&digest); }
            agree(&s);
        }
    }
}
