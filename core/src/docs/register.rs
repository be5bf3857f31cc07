//! The register of outgoing documents (sổ văn bản đi): numbers such as `25-KH/ĐTN` given in order and
//! never twice. Whether the counter is shared by every type or kept per type, and whether it restarts each
//! year or each term of the Union's committee, is a setting (`register.scope`, `register.term_start`).

use chrono::{Datelike, NaiveDate};
use rusqlite::params;
use serde::Serialize;

use crate::error::{Error, Problem, Result};
use crate::store::Store;

/// How the counter runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegisterScope {
    /// One counter per document type, restarting each year (the default).
    TypeYear,
    /// One counter for every type, restarting each year.
    SharedYear,
    /// Per type, restarting each term (five years from `register.term_start`).
    TypeTerm,
    /// One counter for every type, restarting each term.
    SharedTerm,
}

impl RegisterScope {
    pub const ALL: [RegisterScope; 4] = [RegisterScope::TypeYear, RegisterScope::SharedYear, RegisterScope::TypeTerm, RegisterScope::SharedTerm];

    pub fn as_str(self) -> &'static str {
        match self {
            RegisterScope::TypeYear => "type-year",
            RegisterScope::SharedYear => "shared-year",
            RegisterScope::TypeTerm => "type-term",
            RegisterScope::SharedTerm => "shared-term",
        }
    }

    pub fn parse(s: &str) -> Result<RegisterScope> {
        RegisterScope::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            let known: Vec<&str> = RegisterScope::ALL.iter().map(|r| r.as_str()).collect();
            Error::invalid("register.scope", Problem::OneOf { value: s.to_string(), choices: known.join(", ") })
        })
    }
}

/// A line of the register.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Registered {
    pub number: i64,
    /// As printed: `25-GM/ĐTN`.
    pub text: String,
    pub doc_code: String,
    pub subject: String,
    pub record_id: Option<String>,
    pub issued_on: String,
    /// The register's own row, to give an unused number back.
    #[serde(skip)]
    pub(crate) row_id: i64,
}

/// A Union committee's term lasts five years.
const TERM_YEARS: i32 = 5;

impl Store {
    pub fn register_scope(&self) -> Result<(RegisterScope, i32)> {
        let scope = match self.setting("register.scope")? {
            Some(s) => RegisterScope::parse(&s)?,
            None => RegisterScope::TypeYear,
        };
        let term_start = self.setting("register.term_start")?.and_then(|s| s.parse().ok()).unwrap_or(2022);
        Ok((scope, term_start))
    }

    pub fn set_register_scope(&mut self, scope: RegisterScope, term_start: Option<i32>) -> Result<()> {
        // Checked before anything is written: a refused year leaves the scope as it was too.
        if let Some(y) = term_start.filter(|y| !(1931..=2200).contains(y)) {
            return Err(Error::invalid("register.term_start", Problem::BadValue(y.to_string())));
        }
        self.set_setting("register.scope", scope.as_str())?;
        if let Some(y) = term_start {
            self.set_setting("register.term_start", &y.to_string())?;
        }
        Ok(())
    }

    /// Gives the next number for a document of type `doc_code` (GM, KH, BC…) issued on `on`, and writes it
    /// in the register, in one transaction: two documents never get the same number.
    pub fn register_document(&mut self, doc_code: &str, issuer_code: &str, subject: &str, record_id: Option<&str>, on: NaiveDate) -> Result<Registered> {
        let (scope, term_start) = self.register_scope()?;
        let (first, last) = match scope {
            RegisterScope::TypeYear | RegisterScope::SharedYear => (on.year(), on.year()),
            RegisterScope::TypeTerm | RegisterScope::SharedTerm => {
                let start = term_start + (on.year() - term_start).div_euclid(TERM_YEARS) * TERM_YEARS;
                (start, start + TERM_YEARS - 1)
            }
        };
        let shared = matches!(scope, RegisterScope::SharedYear | RegisterScope::SharedTerm);
        let scope_key = format!("{first}-{last}/{}", if shared { "*" } else { doc_code });
        // The next number follows every number already given in the period (of this type, or of any type
        // when the counter is shared), whatever the setting was when they were given: changing the setting
        // mid-year cannot hand out a number twice.
        let (from, to) = (format!("{first}-01-01"), format!("{last}-12-31"));
        let subject = crate::text::nfc(subject);
        self.with_tx(|tx| {
            let number: i64 = tx.query_row(
                "SELECT coalesce(max(number), 0) + 1 FROM doc_register
                 WHERE issued_on BETWEEN ?1 AND ?2 AND (?3 OR doc_code = ?4)",
                params![from, to, shared, doc_code],
                |r| r.get(0),
            )?;
            let text = format!("{number}-{doc_code}/{issuer_code}");
            let issued_on = on.format("%Y-%m-%d").to_string();
            tx.execute(
                "INSERT INTO doc_register (scope_key, number, doc_code, text, subject, record_id, issued_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![scope_key, number, doc_code, text, subject, record_id, issued_on],
            )?;
            let row_id = tx.last_insert_rowid();
            Ok(Registered { number, text, doc_code: doc_code.to_string(), subject: subject.clone(), record_id: record_id.map(str::to_string), issued_on, row_id })
        })
    }

    /// Gives back a number whose document was never written (the file could not be saved): the register
    /// keeps only numbers that went out on paper or in a file.
    pub(crate) fn withdraw_number(&mut self, r: &Registered) -> Result<()> {
        self.conn().execute("DELETE FROM doc_register WHERE id = ?1", [r.row_id])?;
        Ok(())
    }

    /// The register, newest first.
    pub fn register(&self) -> Result<Vec<Registered>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT number, text, doc_code, subject, record_id, issued_on, id FROM doc_register ORDER BY id DESC")?;
        let rows = stmt.query_map([], |r| {
            Ok(Registered {
                number: r.get(0)?,
                text: r.get(1)?,
                doc_code: r.get(2)?,
                subject: r.get(3)?,
                record_id: r.get(4)?,
                issued_on: r.get(5)?,
                row_id: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
