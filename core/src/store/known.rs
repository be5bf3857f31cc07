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

/// For an update: a unit the record already names counts as known even when it is not held here — the
/// level above may name a unit this installation never received (the successor of a merged commune is
/// a sibling), and the record's own unrelated fields must stay editable. A unit named anew must exist.
pub(crate) struct KnownOrHeld<'a> {
    pub known: TxKnown<'a>,
    pub old: &'a serde_json::Value,
}

impl KnownOrHeld<'_> {
    fn named_before(&self, id: &str) -> bool {
        fn names(v: &serde_json::Value, id: &str) -> bool {
            match v {
                serde_json::Value::String(s) => s == id,
                serde_json::Value::Array(a) => a.iter().any(|v| names(v, id)),
                serde_json::Value::Object(m) => m.values().any(|v| names(v, id)),
                _ => false,
            }
        }
        names(self.old, id)
    }
}

impl Known for KnownOrHeld<'_> {
    fn unit_exists(&self, id: &str) -> Result<bool> {
        Ok(self.named_before(id) || self.known.unit_exists(id)?)
    }
    fn plan_exists(&self, id: &str) -> Result<bool> {
        self.known.plan_exists(id)
    }
    fn event_exists(&self, id: &str) -> Result<bool> {
        self.known.event_exists(id)
    }
    fn indicator_exists(&self, code: &str) -> Result<bool> {
        self.known.indicator_exists(code)
    }
}
