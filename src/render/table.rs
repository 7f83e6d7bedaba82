//! Borderless text tables: left-aligned columns separated by spaces, trailing spaces trimmed.

use comfy_table::{presets::NOTHING, Table};

/// A table of text cells rendered without borders: each column as wide as its widest cell.
#[derive(Debug)]
pub struct TextTable {
    table: Table,
    indent: u16,
    gap: u16,
}

impl TextTable {
    /// A table with a header row whose columns are separated by one space (`wash ctl get ...`).
    pub fn with_header<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        let mut table = Self::plain(0, 1);
        table.table.set_header(cells(header));
        table
    }

    /// A table of label/value rows, indented and spaced by two (the `inspect` reports).
    pub fn labelled() -> Self {
        Self::plain(2, 2)
    }

    /// A table without a header: lines indented by `indent` spaces, columns `gap` spaces apart.
    pub fn plain(indent: u16, gap: u16) -> Self {
        let mut table = Table::new();
        table.load_preset(NOTHING);
        Self { table, indent, gap }
    }

    /// Adds a row.
    pub fn row<S: Into<String>>(&mut self, row: impl IntoIterator<Item = S>) -> &mut Self {
        self.table.add_row(cells(row));
        self
    }

    /// The rendered lines, each ending in a newline (nothing for an empty table).
    pub fn render(mut self) -> String {
        let (indent, gap) = (self.indent, self.gap);
        for (i, column) in self.table.column_iter_mut().enumerate() {
            column.set_padding((if i == 0 { indent } else { 0 }, gap));
        }
        if self.table.header().is_none() && self.table.row_count() == 0 {
            return String::new();
        }
        self.table
            .lines()
            .map(|line| line.trim_end().to_owned() + "\n")
            .collect()
    }
}

fn cells<S: Into<String>>(row: impl IntoIterator<Item = S>) -> Vec<String> {
    row.into_iter().map(Into::into).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Header tables align each column to its widest cell, one space apart, with no trailing spaces.
    #[test]
    fn header_table_aligns_columns() {
        let mut table = TextTable::with_header(["Host ID", "Uptime (s)", "Friendly name"]);
        table.row(["NABC", "12", "calm-sea"]);
        table.row(["NABCDEFGHIJ", "3", ""]);
        assert_eq!(
            table.render(),
            "Host ID     Uptime (s) Friendly name\n\
             NABC        12         calm-sea\n\
             NABCDEFGHIJ 3\n"
        );
    }

    /// Labelled tables are indented two spaces with two spaces after the widest label.
    #[test]
    fn labelled_table_indents_and_spaces_by_two() {
        let mut table = TextTable::labelled();
        table.row(["Account", "ACCT"]);
        table.row(["Can Be Used", "immediately"]);
        assert_eq!(
            table.render(),
            "  Account      ACCT\n  Can Be Used  immediately\n"
        );
        assert_eq!(TextTable::labelled().render(), "");
    }
}
