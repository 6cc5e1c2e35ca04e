//! The handshake lab's parity table: one row per case, key type and TLS
//! version; one column per stack (core's prediction, the in-memory
//! handshake, the real `certplay serve`, curl, openssl s_client, the page
//! ...), each cell what that stack said and whether it is what `lab.json`
//! expects of it. A test adds the columns it runs; any cell that disagrees
//! fails it with the whole table.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Where a row is: case, key type, TLS version offered.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowKey {
    /// The case's name (`client-expired`).
    pub case: String,
    /// `p256`, `rsa2048`.
    pub key: String,
    /// `tls13-only`, `tls12-only` (what the client offers).
    pub tls: String,
}

/// What one stack said for one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Its words, short (`refused by server: certificate_expired (expired)`,
    /// `exit 56: tlsv1 alert ...`).
    pub said: String,
    /// What it was expected to say, when it disagrees.
    pub expected: Option<String>,
}

impl Cell {
    /// A cell that agrees.
    pub fn agrees(said: impl Into<String>) -> Self {
        Self {
            said: said.into(),
            expected: None,
        }
    }

    /// A cell that agrees when `ok`, else says what was expected.
    pub fn check(said: impl Into<String>, ok: bool, expected: impl Into<String>) -> Self {
        Self {
            said: said.into(),
            expected: (!ok).then(|| expected.into()),
        }
    }
}

/// The table: columns in the order they were first filled.
#[derive(Debug, Clone, Default)]
pub struct Table {
    columns: Vec<String>,
    rows: BTreeMap<RowKey, BTreeMap<String, Cell>>,
    /// Notes per case (the expected differences, with their reasons).
    notes: BTreeMap<String, String>,
}

impl Table {
    /// Puts `cell` in `row` under `column`.
    pub fn set(&mut self, row: RowKey, column: &str, cell: Cell) {
        if !self.columns.iter().any(|c| c == column) {
            self.columns.push(column.to_owned());
        }
        self.rows
            .entry(row)
            .or_default()
            .insert(column.to_owned(), cell);
    }

    /// Notes an expected difference for `case`.
    pub fn note(&mut self, case: &str, note: &str) {
        self.notes.insert(case.to_owned(), note.to_owned());
    }

    /// Every row.
    pub fn rows(&self) -> impl Iterator<Item = (&RowKey, &BTreeMap<String, Cell>)> {
        self.rows.iter()
    }

    /// The disagreeing cells: `case key tls column: said X, expected Y`.
    pub fn disagreements(&self) -> Vec<String> {
        let mut found = Vec::new();
        for (row, cells) in &self.rows {
            for column in &self.columns {
                match cells.get(column) {
                    Some(Cell {
                        said,
                        expected: Some(expected),
                    }) => found.push(format!(
                        "{} {} {} {column}: said {said:?}, expected {expected:?}",
                        row.case, row.key, row.tls
                    )),
                    Some(_) => {}
                    None => found.push(format!(
                        "{} {} {} {column}: no answer",
                        row.case, row.key, row.tls
                    )),
                }
            }
        }
        found
    }

    /// The table as text: a row per case, key and TLS version, a column
    /// per stack, `!` before a cell that disagrees; then the notes.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.columns.iter().map(String::len).collect();
        let label = |row: &RowKey| format!("{} {} {}", row.case, row.key, row.tls);
        let label_width = self.rows.keys().map(|r| label(r).len()).max().unwrap_or(0);
        let text = |cell: Option<&Cell>| match cell {
            None => "(none)".to_owned(),
            Some(Cell {
                said,
                expected: None,
            }) => said.clone(),
            Some(Cell { said, .. }) => format!("! {said}"),
        };
        for cells in self.rows.values() {
            for (i, column) in self.columns.iter().enumerate() {
                let len = text(cells.get(column)).chars().count();
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(len);
                }
            }
        }
        let mut out = String::new();
        let _ = write!(out, "{:<label_width$}", "case key tls");
        for (column, width) in self.columns.iter().zip(&widths) {
            let _ = write!(out, " | {column:<width$}");
        }
        out.push('\n');
        for (row, cells) in &self.rows {
            let _ = write!(out, "{:<label_width$}", label(row));
            for (column, width) in self.columns.iter().zip(&widths) {
                let cell = text(cells.get(column));
                let _ = write!(out, " | {cell:<width$}");
            }
            out.push('\n');
        }
        for (case, note) in &self.notes {
            let _ = writeln!(out, "expected difference, {case}: {note}");
        }
        out
    }
}
