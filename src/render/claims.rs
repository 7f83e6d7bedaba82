//! What `wash claims inspect` shows for an actor: the same fields as wash 0.x, as a table or JSON.

use serde_json::{json, Map, Value};
use wash_claims::{caps, Actor, Claims, TokenValidation};

use crate::render::TextTable;

/// The inspect view of an actor's claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorReport {
    /// Display name (empty when unset).
    pub name: String,
    /// The issuer's public key.
    pub issuer: String,
    /// The actor's public key.
    pub subject: String,
    /// `never`, `in 1day`, ...
    pub expires: String,
    /// `immediately`, `in 23h`, ...
    pub can_be_used: String,
    /// The version, or `None`.
    pub version: String,
    /// The revision, 0 when unset.
    pub revision: i32,
    /// The call alias, or `(Not set)`.
    pub call_alias: String,
    /// Display names of the capabilities, in signing order.
    pub capabilities: Vec<String>,
    /// Comma-joined tags, or `None`.
    pub tags: String,
    /// Whether the module is marked as a capability provider.
    pub provider: bool,
    /// The claims have expired (a host refuses the module).
    pub expired: bool,
    /// The claims are not valid yet (a host refuses the module until then).
    pub cannot_use_yet: bool,
}

/// `account`, `module`, ... from a public key's first letter (wash 0.x's labels).
fn key_label(key: &str) -> &'static str {
    match key.chars().next() {
        Some('A') => "account",
        Some('M') => "module",
        Some('O') => "operator",
        Some('S') => "server",
        Some('U') => "user",
        Some('V') => "service",
        Some('N') => "server",
        Some('C') => "cluster",
        _ => "<unknown>",
    }
}

/// `value`, followed by `(LABEL)` when `flagged`.
fn mark(value: &str, flagged: bool, label: &str) -> String {
    if flagged {
        format!("{value} ({label})")
    } else {
        value.to_owned()
    }
}

fn title_case(label: &str) -> String {
    let mut chars = label.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

impl ActorReport {
    /// Builds the report from verified claims and their validation.
    pub fn new(claims: &Claims<Actor>, validation: &TokenValidation) -> Self {
        let actor = claims.wascap.clone().unwrap_or_default();
        let tags = actor.tags.unwrap_or_default();
        Self {
            name: actor.name.unwrap_or_default(),
            issuer: claims.iss.clone(),
            subject: claims.sub.clone(),
            expires: validation.expires_human.clone(),
            can_be_used: validation.not_before_human.clone(),
            version: actor.ver.unwrap_or_else(|| "None".into()),
            revision: actor.rev.unwrap_or(0),
            call_alias: actor.call_alias.unwrap_or_else(|| "(Not set)".into()),
            capabilities: actor
                .caps
                .unwrap_or_default()
                .iter()
                .map(|c| caps::display_name(c).to_owned())
                .collect(),
            tags: if tags.is_empty() {
                "None".into()
            } else {
                tags.join(",")
            },
            provider: actor.prov,
            expired: validation.expired,
            cannot_use_yet: validation.cannot_use_yet,
        }
    }

    /// The JSON fields of `wash claims inspect -o json` (names as in wash 0.x).
    pub fn to_json(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert(key_label(&self.issuer).into(), json!(self.issuer));
        map.insert(key_label(&self.subject).into(), json!(self.subject));
        map.insert("expires".into(), json!(self.expires));
        map.insert("can_be_used".into(), json!(self.can_be_used));
        map.insert("version".into(), json!(self.version));
        map.insert("revision".into(), json!(self.revision));
        let caps_key = if self.provider {
            "capability_provider"
        } else {
            "capabilities"
        };
        map.insert(caps_key.into(), json!(self.capabilities));
        map.insert("tags".into(), json!(self.tags));
        map.insert("call_alias".into(), json!(self.call_alias));
        map.insert("name".into(), json!(self.name));
        // Ours, beside wash 0.x's fields: whether a host would accept the claims now.
        map.insert("expired".into(), json!(self.expired));
        map.insert("cannot_use_yet".into(), json!(self.cannot_use_yet));
        map.insert("valid".into(), json!(!self.expired && !self.cannot_use_yet));
        map
    }

    /// A warning line for claims a host would refuse now, `None` for valid ones.
    pub fn warning(&self) -> Option<String> {
        if self.expired {
            Some(format!(
                "EXPIRED {}: a host refuses this module; sign it again with `wash claims sign`",
                self.expires
            ))
        } else if self.cannot_use_yet {
            Some(format!(
                "NOT YET VALID (valid {}): a host refuses this module until then",
                self.can_be_used
            ))
        } else {
            None
        }
    }

    /// The labelled rows of the main table (Account, Module, Expires, Can Be Used, Version, Call Alias).
    pub fn rows(&self) -> Vec<(String, String)> {
        vec![
            (title_case(key_label(&self.issuer)), self.issuer.clone()),
            (title_case(key_label(&self.subject)), self.subject.clone()),
            (
                "Expires".into(),
                mark(&self.expires, self.expired, "EXPIRED"),
            ),
            (
                "Can Be Used".into(),
                mark(&self.can_be_used, self.cannot_use_yet, "NOT YET VALID"),
            ),
            (
                "Version".into(),
                format!("{} ({})", self.version, self.revision),
            ),
            ("Call Alias".into(), self.call_alias.clone()),
        ]
    }

    /// The text table of `wash claims inspect`.
    pub fn to_table(&self) -> String {
        let mut table = TextTable::labelled();
        for (label, value) in self.rows() {
            table.row([label, value]);
        }
        let mut out = format!("{} - Module\n", self.name);
        if let Some(warning) = self.warning() {
            out.push_str(&format!("{warning}\n"));
        }
        out.push_str(&table.render());
        out.push_str(if self.provider {
            "Capability Provider\n"
        } else {
            "Capabilities\n"
        });
        if self.capabilities.is_empty() {
            out.push_str("  None\n");
        }
        for cap in &self.capabilities {
            out.push_str(&format!("  {cap}\n"));
        }
        out.push_str(&format!("Tags\n  {}\n", self.tags));
        out
    }
}

#[cfg(test)]
mod tests {
    use wash_claims::Token;

    use super::*;

    /// The report of wash's `tiny_s.jwt` has exactly the fields and values of wash's
    /// `tiny_s.inspect.json` (minus `success`).
    #[test]
    fn report_matches_wash_inspect_json() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/wash");
        let jwt = std::fs::read_to_string(dir.join("tiny_s.jwt")).unwrap();
        let expected: Value =
            serde_json::from_slice(&std::fs::read(dir.join("tiny_s.inspect.json")).unwrap())
                .unwrap();
        let token = Token::<Actor>::decode(&jwt).unwrap();
        let mut report = ActorReport::new(&token.claims, &token.validation()).to_json();
        report.insert("success".into(), json!(true));
        // Our validity fields come on top of wash's.
        assert_eq!(report.remove("expired"), Some(json!(false)));
        assert_eq!(report.remove("cannot_use_yet"), Some(json!(false)));
        assert_eq!(report.remove("valid"), Some(json!(true)));
        assert_eq!(Value::Object(report), expected);
        let table = ActorReport::new(&token.claims, &token.validation()).to_table();
        assert!(table.starts_with("Tiny - Module\n"), "{table}");
        assert!(table.contains("  Version      0.1.0 (1)\n"), "{table}");
        assert!(table.contains("HTTP Server"), "{table}");
    }
}
