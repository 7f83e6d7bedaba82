//! Server settings of one link, from its values (provider.md §8): config file/b64/json, address, port.

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs as _};
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;

/// Bind address used when a link names none.
pub const DEFAULT_ADDRESS: &str = "127.0.0.1:8000";
/// Largest request body accepted when the link sets no `max_content_len` (10 MiB).
pub const DEFAULT_MAX_CONTENT_LEN: u64 = 10 * 1024 * 1024;
/// Hard ceiling of `max_content_len` (1 GiB).
const MAX_CONTENT_LEN_LIMIT: u64 = 1024 * 1024 * 1024;

/// How the listener of one linked actor behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    /// Where to listen.
    pub address: SocketAddr,
    /// RPC timeout for calls to the actor (the provider's default when `None`).
    pub timeout: Option<Duration>,
    /// `Cache-Control` added to responses that carry none.
    pub cache_control: Option<String>,
    /// Only GET and HEAD are served; other methods get 405.
    pub readonly_mode: bool,
    /// Largest request body accepted (413 beyond).
    pub max_content_len: u64,
}

/// The JSON settings object of `config_file` / `config_b64` / `config_json`; unknown fields ignored.
#[derive(Debug, Default, Deserialize)]
struct SettingsJson {
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    timeout_ms: Option<u64>,
    #[serde(default)]
    cache_control: Option<String>,
    #[serde(default)]
    readonly_mode: Option<serde_json::Value>,
    #[serde(default)]
    max_content_len: Option<serde_json::Value>,
    #[serde(default)]
    tls: Option<serde_json::Value>,
}

#[derive(Debug, Default)]
struct Merged {
    address: Option<String>,
    timeout_ms: Option<u64>,
    cache_control: Option<String>,
    readonly_mode: Option<bool>,
    max_content_len: Option<u64>,
}

impl Merged {
    fn apply(&mut self, json: SettingsJson) -> Result<(), String> {
        if let Some(tls) = json.tls {
            if !tls.is_null() && tls != serde_json::json!({}) {
                return Err("TLS settings are not supported by this httpserver provider".into());
            }
        }
        if json.address.is_some() {
            self.address = json.address;
        }
        if json.timeout_ms.is_some() {
            self.timeout_ms = json.timeout_ms;
        }
        if json.cache_control.is_some() {
            self.cache_control = json.cache_control;
        }
        if let Some(value) = json.readonly_mode {
            self.readonly_mode = Some(match value {
                serde_json::Value::Bool(b) => b,
                serde_json::Value::String(s) => parse_bool(&s)?,
                other => return Err(format!("invalid `readonly_mode`: {other}")),
            });
        }
        if let Some(value) = json.max_content_len {
            self.max_content_len = Some(match value {
                serde_json::Value::Number(n) => n
                    .as_u64()
                    .ok_or_else(|| format!("invalid `max_content_len`: {n}"))?,
                serde_json::Value::String(s) => parse_size(&s)?,
                other => return Err(format!("invalid `max_content_len`: {other}")),
            });
        }
        Ok(())
    }
}

fn parse_json(text: &[u8], what: &str) -> Result<SettingsJson, String> {
    serde_json::from_slice(text).map_err(|e| format!("invalid {what}: {e}"))
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" | "" => Ok(false),
        other => Err(format!("invalid boolean `{other}`")),
    }
}

/// `1024`, `10k`, `10m`, `1g` (case-insensitive, optional trailing `b`) → bytes, at most 1 GiB.
fn parse_size(s: &str) -> Result<u64, String> {
    let lower = s.trim().to_ascii_lowercase();
    let digits = lower.trim_end_matches('b');
    let (number, factor) = match digits.chars().last() {
        Some('k') => (&digits[..digits.len() - 1], 1024),
        Some('m') => (&digits[..digits.len() - 1], 1024 * 1024),
        Some('g') => (&digits[..digits.len() - 1], 1024 * 1024 * 1024),
        _ => (digits, 1),
    };
    let n: u64 = number
        .trim()
        .parse()
        .map_err(|_| format!("invalid size `{s}`"))?;
    let bytes = n.saturating_mul(factor);
    if bytes > MAX_CONTENT_LEN_LIMIT {
        return Err(format!("`max_content_len` `{s}` exceeds the 1g limit"));
    }
    Ok(bytes)
}

fn resolve(address: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = address.parse() {
        return Ok(addr);
    }
    address
        .to_socket_addrs()
        .map_err(|e| format!("invalid address `{address}`: {e}"))?
        .next()
        .ok_or_else(|| format!("address `{address}` resolves to nothing"))
}

impl ServerSettings {
    /// Reads the settings from link values (keys case-insensitive; keys differing only in case are an error).
    pub fn from_link_values(values: &BTreeMap<String, String>) -> Result<Self, String> {
        let mut lower: BTreeMap<String, &str> = BTreeMap::new();
        for (key, value) in values {
            if lower
                .insert(key.to_ascii_lowercase(), value.as_str())
                .is_some()
            {
                return Err(format!(
                    "link value `{key}` is given twice (keys ignore case)"
                ));
            }
        }
        let mut merged = Merged::default();
        if let Some(path) = lower.get("config_file") {
            let text = std::fs::read(path)
                .map_err(|e| format!("failed to read config_file `{path}`: {e}"))?;
            merged.apply(parse_json(&text, "config_file (only JSON is supported)")?)?;
        }
        if let Some(b64) = lower.get("config_b64") {
            let trimmed = b64.trim();
            let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(trimmed.trim_end_matches('='))
                .map_err(|e| format!("invalid config_b64: {e}"))?;
            merged.apply(parse_json(&bytes, "config_b64 JSON")?)?;
        }
        if let Some(json) = lower.get("config_json") {
            merged.apply(parse_json(json.as_bytes(), "config_json")?)?;
        }
        if let Some(address) = lower.get("address") {
            merged.address = Some((*address).to_owned());
        }
        if let Some(port) = lower.get("port") {
            let port: u16 = port
                .trim()
                .parse()
                .map_err(|_| format!("invalid port `{port}`"))?;
            merged.address = Some(format!("127.0.0.1:{port}"));
        }
        if let Some(cache) = lower.get("cache_control") {
            merged.cache_control = Some((*cache).to_owned());
        }
        if let Some(readonly) = lower.get("readonly_mode") {
            merged.readonly_mode = Some(parse_bool(readonly)?);
        }
        if let Some(timeout) = lower.get("timeout_ms") {
            merged.timeout_ms = Some(
                timeout
                    .trim()
                    .parse()
                    .map_err(|_| format!("invalid timeout_ms `{timeout}`"))?,
            );
        }
        if let Some(size) = lower.get("max_content_len") {
            merged.max_content_len = Some(parse_size(size)?);
        }
        let address = resolve(merged.address.as_deref().unwrap_or(DEFAULT_ADDRESS))?;
        Ok(Self {
            address,
            timeout: merged.timeout_ms.map(Duration::from_millis),
            cache_control: merged.cache_control,
            readonly_mode: merged.readonly_mode.unwrap_or(false),
            max_content_len: merged.max_content_len.unwrap_or(DEFAULT_MAX_CONTENT_LEN),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// No values binds the default address; `PORT` (any case) binds loopback on that port.
    #[test]
    fn port_and_default() {
        let s = ServerSettings::from_link_values(&values(&[])).expect("default");
        assert_eq!(s.address.to_string(), DEFAULT_ADDRESS);
        let s = ServerSettings::from_link_values(&values(&[("PORT", "8080")])).expect("port");
        assert_eq!(s.address.to_string(), "127.0.0.1:8080");
        assert!(ServerSettings::from_link_values(&values(&[("port", "x")])).is_err());
    }

    /// Later sources win: config_b64 < config_json < address < port.
    #[test]
    fn merge_order() {
        let b64 = base64::engine::general_purpose::STANDARD_NO_PAD
            .encode(r#"{"address":"127.0.0.1:1111","readonly_mode":true}"#);
        let s = ServerSettings::from_link_values(&values(&[
            ("config_b64", &b64),
            (
                "config_json",
                r#"{"address":"127.0.0.1:2222","max_content_len":"1k"}"#,
            ),
        ]))
        .expect("merged");
        assert_eq!(s.address.to_string(), "127.0.0.1:2222");
        assert!(s.readonly_mode);
        assert_eq!(s.max_content_len, 1024);
        let s = ServerSettings::from_link_values(&values(&[
            ("config_json", r#"{"address":"127.0.0.1:2222"}"#),
            ("Address", "0.0.0.0:3333"),
        ]))
        .expect("address");
        assert_eq!(s.address.to_string(), "0.0.0.0:3333");
        let s = ServerSettings::from_link_values(&values(&[
            ("address", "0.0.0.0:3333"),
            ("port", "4444"),
        ]))
        .expect("port wins");
        assert_eq!(s.address.to_string(), "127.0.0.1:4444");
    }

    /// Keys differing only in case, bad JSON, TLS and oversize limits are refused with a reason.
    #[test]
    fn refusals() {
        assert!(
            ServerSettings::from_link_values(&values(&[("PORT", "1"), ("port", "2")])).is_err()
        );
        assert!(ServerSettings::from_link_values(&values(&[("config_json", "{")])).is_err());
        assert!(ServerSettings::from_link_values(&values(&[(
            "config_json",
            r#"{"tls":{"cert_file":"a","priv_key_file":"b"}}"#
        )]))
        .is_err());
        assert!(ServerSettings::from_link_values(&values(&[("max_content_len", "2g")])).is_err());
    }
}
