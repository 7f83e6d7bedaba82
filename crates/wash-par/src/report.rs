//! What `wash par inspect` shows: wash 0.x's fields, as a table or JSON.

use serde_json::{json, Map, Value};

use crate::ArchiveSummary;

/// The inspect view of an archive.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchiveReport {
    /// `(label, json key, value)` rows in display order.
    rows: Vec<(&'static str, &'static str, String)>,
    name: String,
    targets: Vec<String>,
    schema: Option<Value>,
}

impl ArchiveReport {
    /// Builds the report of a verified archive.
    pub fn new(summary: &ArchiveSummary) -> Self {
        let claims = &summary.token.claims;
        let none = || "None".to_owned();
        let name = claims.name().map_or_else(none, str::to_owned);
        let rows = vec![
            ("Account", "issuer", claims.iss.clone()),
            ("Service", "service", claims.sub.clone()),
            (
                "Capability Contract ID",
                "capability_contract_id",
                claims.contract_id().to_owned(),
            ),
            ("Vendor", "vendor", claims.vendor().to_owned()),
            (
                "Version",
                "version",
                claims.version().map_or_else(none, str::to_owned),
            ),
            (
                "Revision",
                "revision",
                claims.revision().map_or_else(none, |r| r.to_string()),
            ),
        ];
        Self {
            rows,
            name,
            targets: summary.targets.iter().map(|t| t.target.clone()).collect(),
            schema: claims.config_schema().cloned(),
        }
    }

    /// The JSON fields of `wash par inspect -o json`.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("name".into(), json!(self.name));
        for (_, key, value) in &self.rows {
            map.insert((*key).into(), json!(value));
        }
        map.insert("targets".into(), json!(self.targets));
        if let Some(schema) = &self.schema {
            map.insert("schema".into(), schema.clone());
        }
        map
    }

    /// The text table.
    pub fn to_table(&self) -> String {
        let width = self.rows.iter().map(|(l, _, _)| l.len()).max().unwrap_or(0);
        let mut out = format!("{} - Provider Archive\n", self.name);
        for (label, _, value) in &self.rows {
            out.push_str(&format!("  {label:<width$}  {value}\n"));
        }
        out.push_str("Supported Architecture Targets\n");
        for target in &self.targets {
            out.push_str(&format!("  {target}\n"));
        }
        if let Some(schema) = &self.schema {
            out.push_str(&format!("Link Configuration Schema\n  {schema}\n"));
        }
        out
    }
}
