//! A unit the level above closed (merged or split) goes on as its successor: the same laptop becomes an
//! installation of the successor unit, keeping every record of the old unit readable here (and already at
//! the level above, where reports roll them up under the successor), so nothing is typed twice.
//!
//! The installation takes a new origin and a new key: the old origin's log is complete and acknowledged
//! above, and the new one starts at 1 under the successor — the level above enrols it as it enrols any
//! second installation of a unit (docs/bundle-format.md, "Structure from above").

use rusqlite::params;
use serde_json::Value;

use super::enroll::Enrolment;
use crate::error::{Error, Result};
use crate::model::Kind;
use crate::store::Store;

impl Store {
    /// Whether the unit of `e` is a successor (carrier or split part) of this installation's unit, which
    /// the level above closed: its file then makes this laptop that unit's, not a peer.
    pub fn is_successor_file(&self, e: &Enrolment) -> Result<bool> {
        let Some(inst) = self.installation()? else { return Ok(false) };
        let mine = self.get(Kind::Unit, &inst.unit_id)?;
        let id = e.unit["id"].as_str().unwrap_or_default();
        Ok(mine["valid_to"].is_string()
            && (mine["successor_id"].as_str() == Some(id) || mine["split_into"].as_array().is_some_and(|a| a.iter().any(|v| v.as_str() == Some(id)))))
    }

    /// Makes this installation, whose unit has ended, an installation of its successor `e.unit` (the
    /// successor that carries its history, or another part of a split). Refused while the old unit's own
    /// changes are not all acknowledged by the level above: they would have no sender any more.
    pub fn join_successor(&mut self, e: &Enrolment) -> Result<Value> {
        let inst = self.require_installation()?;
        let mine = self.get(Kind::Unit, &inst.unit_id)?;
        let name = |u: &Value| u["name"].as_str().unwrap_or_default().to_string();
        let successor = e.unit["id"].as_str().unwrap_or_default().to_string();
        if mine["valid_to"].as_str().is_none() {
            return Err(Error::NotASuccessor { unit: name(&e.unit), of: name(&mine), ended: false });
        }
        let named = mine["successor_id"].as_str() == Some(successor.as_str())
            || mine["split_into"].as_array().is_some_and(|a| a.iter().any(|v| v.as_str() == Some(successor.as_str())));
        if !named {
            return Err(Error::NotASuccessor { unit: name(&e.unit), of: name(&mine), ended: true });
        }
        let unsent: i64 = self.conn().query_row(
            "SELECT coalesce(min(i.last_seq - coalesce(a.acked, 0)), i.last_seq)
             FROM installation i JOIN peers p ON p.role = 'upper'
             LEFT JOIN acks a ON a.peer = p.installation AND a.origin = i.origin",
            [],
            |r| r.get(0),
        )?;
        if unsent > 0 {
            return Err(Error::NotYetSent { changes: unsent });
        }
        let old_origin = inst.origin.clone();
        let new_origin = crate::store::new_id();
        let detail = serde_json::json!({"from_unit": inst.unit_id, "to_unit": successor, "old_installation": old_origin, "new_installation": new_origin});
        self.with_tx(|tx| {
            // The old log stays as any complete origin's does (its head noted, sent by nobody).
            tx.execute(
                "INSERT OR REPLACE INTO origin_heads (origin, head, via_peer) SELECT origin, last_seq, NULL FROM installation WHERE singleton = 1",
                [],
            )?;
            tx.execute(
                "UPDATE installation SET origin = ?1, unit_id = ?2, last_seq = 0, secret_key = NULL, public_key = NULL WHERE singleton = 1",
                params![new_origin, successor],
            )?;
            let held: bool = tx.query_row("SELECT count(*) FROM records WHERE id = ?1 AND kind = 'unit'", [&successor], |r| r.get::<_, i64>(0))? > 0;
            if !held {
                crate::store::insert_foreign_unit(tx, &e.unit)?;
            }
            Ok(())
        })?;
        self.signing_key()?;
        self.note_sync_event("joined_successor", &detail)?;
        self.get(Kind::Unit, &successor)
    }
}
