//! Answers validation's questions about what exists, inside the writing transaction.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Result;
use crate::model::Known;

pub(crate) struct TxKnown<'a>(pub &'a Connection);

impl TxKnown<'_> {
    fn exists(&self, kind: &str, id: &str) -> Result<bool> {
        Ok(self
            .0
            .prepare_cached("SELECT 1 FROM records WHERE id = ?1 AND kind = ?2 AND deleted = 0")?
            .query_row(params![id, kind], |_| Ok(()))
            .optional()?
            .is_some())
    }

    pub fn unit_exists_any(&self, id: &str) -> Result<bool> {
        self.exists("unit", id)
    }

    pub fn indicator_exists_any(&self, code: &str) -> Result<bool> {
        Ok(self
            .0
            .prepare_cached("SELECT 1 FROM records WHERE kind = 'indicator' AND status = ?1 AND deleted = 0")?
            .query_row([code], |_| Ok(()))
            .optional()?
            .is_some())
    }
}

impl Known for TxKnown<'_> {
    fn unit_exists(&self, id: &str) -> Result<bool> {
        self.exists("unit", id)
    }
    fn plan_exists(&self, id: &str) -> Result<bool> {
        self.exists("plan", id)
    }
    fn event_exists(&self, id: &str) -> Result<bool> {
        self.exists("event", id)
    }
    fn indicator_exists(&self, code: &str) -> Result<bool> {
        self.indicator_exists_any(code)
    }
}
