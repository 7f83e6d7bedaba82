//! OCI references as wash reads them: lower-cased, `latest` refused unless allowed, digests checked.

use oci_client::Reference;

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
        let parsed: Reference =
            lowered
                .parse()
                .map_err(|e: oci_client::ParseError| OciError::InvalidReference {
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
