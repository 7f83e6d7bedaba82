//! The link values of `kv-vault`, checked: Vault address (plain HTTP only to loopback unless
//! allowed), token source, KV v2 mount and the actor's path prefix. The token never appears in
//! `Debug` output or in error messages.

use std::net::IpAddr;
use std::path::PathBuf;

use wash_provider::LinkDefinition;

/// Vault's own default address (`VAULT_ADDR` unset).
pub const DEFAULT_ADDR: &str = "http://127.0.0.1:8200";
/// The mount of the KV v2 engine a dev server enables.
pub const DEFAULT_MOUNT: &str = "secret";

/// A Vault token; its `Debug` output is redacted so it cannot end up in logs.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Wraps a token, trimming surrounding whitespace (files usually end with a newline).
    pub fn new(token: &str) -> Self {
        Self(token.trim().to_owned())
    }

    /// The secret itself, for the request header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Where the token comes from.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// The link value `token`.
    Inline(Token),
    /// The link value `token_file`: read at every operation, so a rotated file takes effect at once.
    File(PathBuf),
}

impl TokenSource {
    /// The current token, or a clear error naming the link value to fix.
    pub async fn token(&self) -> Result<Token, String> {
        let token = match self {
            Self::Inline(token) => token.clone(),
            Self::File(path) => {
                let text = tokio::fs::read_to_string(path).await.map_err(|e| {
                    format!(
                        "cannot read the Vault token file `{}` (link value `token_file`): {e}",
                        path.display()
                    )
                })?;
                Token::new(&text)
            }
        };
        if token.expose().is_empty() {
            return Err("the Vault token is empty: set link value `token` or `token_file`".into());
        }
        Ok(token)
    }
}

/// One actor's Vault settings, from its link values (keys in any case).
#[derive(Debug, Clone)]
pub struct LinkConfig {
    /// Base address without a trailing slash, e.g. `http://127.0.0.1:8200`.
    pub addr: String,
    /// Where the token comes from.
    pub token: TokenSource,
    /// KV v2 mount path, e.g. `secret` (no leading or trailing slash).
    pub mount: String,
    /// Path prefix under the mount that holds this actor's keys, e.g. `apps/counter`.
    pub prefix: String,
    /// Vault Enterprise namespace (`X-Vault-Namespace`), if any.
    pub namespace: Option<String>,
}

/// Whether a link value means yes (`true`, `yes`, `1`, `on`, any case).
fn is_true(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        ["true", "yes", "1", "on"]
            .iter()
            .any(|yes| v.trim().eq_ignore_ascii_case(yes))
    })
}

/// Checks a slash-separated path (mount or prefix): segments of `[A-Za-z0-9_.-]`, none empty,
/// `.` or `..`. Leading and trailing slashes are dropped.
fn vault_path(value: &str, what: &str) -> Result<String, String> {
    let path = value.trim().trim_matches('/');
    let valid = !path.is_empty()
        && path.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        });
    if !valid {
        return Err(format!(
            "invalid link value `{what}` `{value}`: use `/`-separated names of letters, digits, \
             `_`, `-` and `.`"
        ));
    }
    Ok(path.to_owned())
}

/// Checks the address: `http` or `https`, a host, no query; plain HTTP only to loopback unless
/// `allow_http` is set (the token would cross the network in clear text).
fn vault_addr(value: &str, allow_http: bool) -> Result<String, String> {
    let url = reqwest::Url::parse(value.trim())
        .map_err(|e| format!("invalid link value `addr` `{value}`: {e}"))?;
    let host = url
        .host_str()
        .ok_or_else(|| format!("invalid link value `addr` `{value}`: no host"))?;
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(format!(
            "invalid link value `addr` `{value}`: give only scheme, host, port (and a path)"
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" => {
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            let loopback = bare.eq_ignore_ascii_case("localhost")
                || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if !loopback && !allow_http {
                return Err(format!(
                    "refusing plain HTTP to `{host}`: the token would travel unencrypted; use \
                     `https://` or set link value `allow_http=true`"
                ));
            }
        }
        other => {
            return Err(format!(
                "invalid link value `addr` `{value}`: scheme `{other}` is not http or https"
            ))
        }
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl LinkConfig {
    /// Reads and checks the link values; the error says which value to fix.
    pub fn from_link(link: &LinkDefinition) -> Result<Self, String> {
        let addr = vault_addr(
            link.value("addr").unwrap_or(DEFAULT_ADDR),
            is_true(link.value("allow_http")),
        )?;
        let token =
            match (link.value("token"), link.value("token_file")) {
                (Some(_), Some(_)) => {
                    return Err("set only one of the link values `token` and `token_file`".into())
                }
                (Some(token), None) => TokenSource::Inline(Token::new(token)),
                (None, Some(path)) if !path.trim().is_empty() => {
                    TokenSource::File(PathBuf::from(path.trim()))
                }
                _ => return Err(
                    "no Vault token: set link value `token` or `token_file` (a file holding it)"
                        .into(),
                ),
            };
        let mount = vault_path(link.value("mount").unwrap_or(DEFAULT_MOUNT), "mount")?;
        let prefix = match link.value("prefix").map(str::trim) {
            None | Some("") => vault_path(&link.actor_id, "prefix")?,
            Some(prefix) => vault_path(prefix, "prefix")?,
        };
        let namespace = link
            .value("namespace")
            .map(str::trim)
            .filter(|ns| !ns.is_empty())
            .map(str::to_owned);
        Ok(Self {
            addr,
            token,
            mount,
            prefix,
            namespace,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(values: &[(&str, &str)]) -> LinkDefinition {
        LinkDefinition {
            actor_id: "MACTOR".into(),
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..LinkDefinition::default()
        }
    }

    /// Defaults: local Vault, mount `secret`, the actor's key as prefix; keys match in any case.
    #[test]
    fn defaults_and_case_insensitive_keys() {
        let config = LinkConfig::from_link(&link(&[("TOKEN", "s.abc")])).expect("config");
        assert_eq!(config.addr, "http://127.0.0.1:8200");
        assert_eq!(config.mount, "secret");
        assert_eq!(config.prefix, "MACTOR");
        let config = LinkConfig::from_link(&link(&[
            ("Token", "t"),
            ("ADDR", "https://vault.example.com:8200/"),
            ("Mount", "/kv/team/"),
            ("prefix", "apps/counter"),
        ]))
        .expect("config");
        assert_eq!(config.addr, "https://vault.example.com:8200");
        assert_eq!(config.mount, "kv/team");
        assert_eq!(config.prefix, "apps/counter");
    }

    /// Plain HTTP goes only to loopback unless `allow_http` says otherwise.
    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:8200",
            "http://localhost:8200",
            "http://[::1]:8200",
        ] {
            assert!(vault_addr(ok, false).is_ok(), "{ok}");
        }
        let err = vault_addr("http://vault.example.com:8200", false).expect_err("refused");
        assert!(err.contains("allow_http"), "{err}");
        assert!(vault_addr("http://10.0.0.5:8200", true).is_ok());
        assert!(vault_addr("ftp://127.0.0.1", false).is_err());
        assert!(vault_addr("not a url", false).is_err());
    }

    /// A missing token, two token sources, and bad prefixes are refused with the value to fix.
    #[test]
    fn refusals_name_the_link_value() {
        let err = LinkConfig::from_link(&link(&[])).expect_err("no token");
        assert!(err.contains("token"), "{err}");
        let err = LinkConfig::from_link(&link(&[("token", "a"), ("token_file", "/f")]))
            .expect_err("both");
        assert!(err.contains("only one"), "{err}");
        for bad in ["a//b", "../up", "a/./b", "sp ace"] {
            let err = LinkConfig::from_link(&link(&[("token", "a"), ("prefix", bad)]))
                .expect_err("bad prefix");
            assert!(err.contains("prefix"), "{err}");
        }
    }

    /// The token is never part of the Debug output (which is what gets logged).
    #[test]
    fn token_is_redacted() {
        let config =
            LinkConfig::from_link(&link(&[("token", "hvs.SECRET-TOKEN")])).expect("config");
        let shown = format!("{config:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }
}
