//! A small client for one actor's corner of a Vault KV v2 engine: read a secret with its version,
//! write it with check-and-set, delete one version. Errors are sentences an actor's developer can act
//! on; they never contain the token.

use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::{Method, StatusCode};
use serde_json::{json, Map, Value};
use wash_provider::keyvalue::Written;

use crate::config::LinkConfig;

/// How long connecting to Vault may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The shared HTTP client (rustls with ring; no proxies from the environment).
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, String> {
    // reqwest's `rustls-no-provider` needs a process-wide crypto provider; ring is already in the tree.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(timeout)
        .user_agent(concat!("wash-kv-vault/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", error_chain(&e)))
}

/// A secret as read: its data (absent when never written, deleted or destroyed) and current version
/// (0 when it never existed), the number check-and-set needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Secret {
    /// `data.data` of the response, when the latest version is live.
    pub data: Option<Map<String, Value>>,
    /// The latest version, live or not.
    pub version: u64,
}

/// One actor's Vault: address, token source, mount and prefix, over the shared client.
pub struct Vault {
    config: LinkConfig,
    http: reqwest::Client,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("addr", &self.config.addr)
            .field("mount", &self.config.mount)
            .field("prefix", &self.config.prefix)
            .field("token", &self.config.token)
            .finish()
    }
}

/// The error chain of a reqwest error without its URL, e.g. `error sending request: client error
/// (Connect): tcp connect error: Connection refused (os error 111)`.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Vault's `{"errors": [...]}` joined, or the raw body when it is not that shape.
fn vault_errors(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => match value.get("errors").and_then(Value::as_array) {
            Some(errors) => errors
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("; "),
            None => String::new(),
        },
        Err(_) => String::from_utf8_lossy(body).chars().take(200).collect(),
    }
}

impl Vault {
    /// A client for the actor described by `config`.
    pub fn new(config: LinkConfig, http: reqwest::Client) -> Self {
        Self { config, http }
    }

    /// The Vault address, for messages.
    pub fn addr(&self) -> &str {
        &self.config.addr
    }

    /// `<addr>/v1/<mount>/<kind>/<prefix>/<name>`; `name` is already one safe segment.
    fn url(&self, kind: &str, name: &str) -> String {
        let c = &self.config;
        format!("{}/v1/{}/{kind}/{}/{name}", c.addr, c.mount, c.prefix)
    }

    /// Sends one request with the token; returns status and body, or a clear transport error.
    async fn send(
        &self,
        method: Method,
        url: String,
        body: Option<Value>,
    ) -> Result<(StatusCode, bytes::Bytes), String> {
        let token = self.config.token.token().await?;
        let mut header = HeaderValue::from_str(token.expose()).map_err(|_| {
            "the Vault token contains characters not allowed in an HTTP header".to_owned()
        })?;
        header.set_sensitive(true);
        let mut request = self
            .http
            .request(method, url)
            .header("X-Vault-Token", header);
        if let Some(namespace) = &self.config.namespace {
            request = request.header("X-Vault-Namespace", namespace.as_str());
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let unreachable = |e: reqwest::Error| {
            let what = if e.is_timeout() {
                "no answer in time from"
            } else {
                "cannot reach"
            };
            format!(
                "{what} Vault at `{}`: {}",
                self.config.addr,
                error_chain(&e.without_url())
            )
        };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        let body = response.bytes().await.map_err(unreachable)?;
        Ok((status, body))
    }

    /// The message for a status Vault answered that is not the one expected.
    fn status_error(&self, status: StatusCode, body: &[u8]) -> String {
        let c = &self.config;
        let errors = vault_errors(body);
        match status {
            StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => format!(
                "Vault at `{}` denied access to `{}/{}` ({errors}): the token (link value `token` or \
                 `token_file`) is invalid, expired or lacks a policy for this path",
                c.addr, c.mount, c.prefix
            ),
            StatusCode::NOT_FOUND => format!(
                "Vault at `{}` has no KV v2 secrets engine at mount `{}` (link value `mount`): {errors}",
                c.addr, c.mount
            ),
            StatusCode::SERVICE_UNAVAILABLE => format!(
                "Vault at `{}` is sealed or unavailable (503): {errors}",
                c.addr
            ),
            _ => format!("Vault at `{}` answered {status}: {errors}", c.addr),
        }
    }

    /// Reads the latest version of secret `name`.
    pub async fn read(&self, name: &str) -> Result<Secret, String> {
        let (status, body) = self.send(Method::GET, self.url("data", name), None).await?;
        let parsed = || -> Option<Value> { serde_json::from_slice(&body).ok() };
        match status {
            StatusCode::OK => {
                let value = parsed().ok_or_else(|| {
                    format!("Vault at `{}` sent an unreadable secret", self.addr())
                })?;
                let data = value.pointer("/data/data").and_then(Value::as_object);
                let version = value
                    .pointer("/data/metadata/version")
                    .and_then(Value::as_u64)
                    .unwrap_or_default();
                Ok(Secret {
                    data: data.cloned(),
                    version,
                })
            }
            // 404 is a missing secret, or a deleted/destroyed latest version whose metadata still
            // carries the version number check-and-set must use; a missing engine says so in `errors`.
            StatusCode::NOT_FOUND => match parsed() {
                Some(value) if value.get("data").is_some() => Ok(Secret {
                    data: None,
                    version: value
                        .pointer("/data/metadata/version")
                        .and_then(Value::as_u64)
                        .unwrap_or_default(),
                }),
                _ if vault_errors(&body).is_empty() => Ok(Secret {
                    data: None,
                    version: 0,
                }),
                _ => Err(self.status_error(status, &body)),
            },
            _ => Err(self.status_error(status, &body)),
        }
    }

    /// Writes `data` as the next version of `name` if its latest version is still `version`
    /// (0: only if it does not exist).
    pub async fn write(
        &self,
        name: &str,
        data: Map<String, Value>,
        version: u64,
    ) -> Result<Written, String> {
        let body = json!({ "data": data, "options": { "cas": version } });
        let (status, body) = self
            .send(Method::POST, self.url("data", name), Some(body))
            .await?;
        if status.is_success() {
            let version = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.pointer("/data/version").and_then(Value::as_u64))
                .unwrap_or_default();
            return Ok(Written::Stored(Some(version)));
        }
        if status == StatusCode::BAD_REQUEST && vault_errors(&body).contains("check-and-set") {
            return Ok(Written::Conflict);
        }
        Err(self.status_error(status, &body))
    }

    /// Soft-deletes one version of `name` (other versions, and later ones, are left alone).
    pub async fn delete_version(&self, name: &str, version: u64) -> Result<(), String> {
        let body = json!({ "versions": [version] });
        let (status, body) = self
            .send(Method::POST, self.url("delete", name), Some(body))
            .await?;
        if status.is_success() {
            return Ok(());
        }
        Err(self.status_error(status, &body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vault's error list is joined; other bodies are shown shortened.
    #[test]
    fn vault_error_bodies() {
        assert_eq!(
            vault_errors(br#"{"errors":["permission denied","x"]}"#),
            "permission denied; x"
        );
        assert_eq!(vault_errors(b"{\"errors\":[]}"), "");
        assert_eq!(vault_errors(b"oops"), "oops");
    }
}
