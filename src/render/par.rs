//! What `wash par inspect` shows: wash 0.x's fields, as a table or JSON.

use serde_json::{json, Map, Value};
use wash_par::ArchiveSummary;

use crate::render::TextTable;

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
        let mut table = TextTable::labelled();
        for (label, _, value) in &self.rows {
            table.row([*label, value.as_str()]);
        }
        let mut out = format!("{} - Provider Archive\n", self.name);
        out.push_str(&table.render());
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The report of wash 0.18.1's `tinyprov.par.gz` has exactly the fields and values of wash's
    /// `tinyprov.inspect.json` (minus `success`), and its table the same labels aligned.
    #[test]
    fn report_matches_wash_inspect_json() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/wash");
        let archive = std::fs::read(dir.join("tinyprov.par.gz")).unwrap();
        let summary = wash_par::inspect(&archive[..]).unwrap();
        let mut report = ArchiveReport::new(&summary).to_json();
        report.insert("success".into(), json!(true));
        let expected: Value =
            serde_json::from_slice(&std::fs::read(dir.join("tinyprov.inspect.json")).unwrap())
                .unwrap();
        assert_eq!(Value::Object(report), expected);
        let table = ArchiveReport::new(&summary).to_table();
        assert!(
            table.starts_with("Tiny Provider - Provider Archive\n  Account                 A"),
            "{table}"
        );
        assert!(
            table.contains("\n  Vendor                  Acme\n"),
            "{table}"
        );
    }
}
