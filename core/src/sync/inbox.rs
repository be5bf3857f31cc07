//! The hub's inbox. A bundle that arrives over the network is checked in full — signature, addressee,
//! ranges, scope, NFC, exactly as an import — and then kept whole in the inbox, in one short
//! transaction; the receipt already counts it. A background applier then applies the inbox in arrival
//! order through the ordinary import. So fifty communes on a five-minute hotspot are answered at the
//! speed of checking, not of indexing, and a hub killed with a full inbox applies it when it restarts.
//! (Open mSupply's central server keeps a sync buffer for the same reason.)

use std::collections::HashMap;
use std::io::{BufRead, Cursor};

use rusqlite::{params, OptionalExtension};
use serde_json::Value;

use super::import::{Checker, ImportReport, ImportStatus};
use crate::error::Result;
use crate::store::merge::Change;
use crate::store::Store;

/// What the inbox holds.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct InboxSize {
    pub bundles: i64,
    pub changes: i64,
}

impl Store {
    /// Checks a bundle as an import would and keeps it in the inbox; nothing of it is applied yet.
    pub fn accept_bundle(&mut self, name: &str, content: &[u8]) -> Result<ImportReport> {
        let open = || -> Result<Box<dyn BufRead>> { Ok(Box::new(Cursor::new(content.to_vec()))) };
        let (verified, peer) = self.screen(name, &open)?;
        let header = verified.header.clone();
        let mut report = ImportReport::applied(name, &header);
        let seen: bool = self
            .conn()
            .query_row(
                "SELECT 1 FROM imported_bundles WHERE bundle_id = ?1 UNION ALL SELECT 1 FROM inbox WHERE bundle_id = ?1",
                [&header.bundle_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if seen {
            report.status = ImportStatus::AlreadyApplied;
            report.already = verified.trailer.changes;
            return Ok(report);
        }
        // Held or applied, whichever is further: the inbox continues what is applied.
        let mut heads: HashMap<String, i64> = HashMap::new();
        for r in &header.ranges {
            heads.insert(r.origin.clone(), self.head(&r.origin)?.max(self.inbox_head(&r.origin)?));
        }
        let missing = super::import::missing_before(&header, &heads);
        if !missing.is_empty() {
            // The sender starts from what the receipt says is held, so this is a hub that lost data:
            // nothing is kept, and the receipt tells the sender where to start again.
            report.status = ImportStatus::Held { missing };
            return Ok(report);
        }
        let pending: Vec<(String, String, String)> = {
            let mut stmt = self.conn().prepare_cached("SELECT unit_id, parent_id, via_peer FROM inbox_units")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        let mut checker = Checker::new(name, &verified, self.allowed_owners(&open, &verified.header, &peer, &pending)?, heads.clone())?;
        // Units these changes make or place ("" for a new unit with no parent yet), for later bundles' scope.
        let mut units: Vec<(String, String)> = Vec::new();
        super::bundle::BundleReader::changes(&mut *open()?, Some(&self.signing_key()?), |line, c: Change| {
            if checker.check(line, &c)? && c.entity == crate::Kind::Unit {
                match c.fields.get("parent_id").and_then(Value::as_str) {
                    Some(parent) => units.push((c.record_id.clone(), parent.to_string())),
                    None if c.op == crate::store::merge::Op::Create => units.push((c.record_id.clone(), String::new())),
                    None => {}
                }
            }
            Ok(())
        })?;
        checker.finish()?;
        report.new_changes = checker.new_changes;
        report.already = checker.already;
        if checker.new_changes == 0 {
            report.status = ImportStatus::AlreadyApplied;
            return Ok(report);
        }
        let now = crate::clock::rfc3339(crate::clock::now_utc());
        self.with_tx(|tx| {
            tx.execute(
                "INSERT INTO inbox (bundle_id, sender, content, changes, accepted_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![header.bundle_id, header.sender, content, checker.new_changes as i64, now],
            )?;
            for r in &header.ranges {
                tx.execute(
                    "INSERT INTO inbox_heads (origin, head, via_peer) VALUES (?1, ?2, ?3)
                     ON CONFLICT (origin) DO UPDATE SET head = max(head, excluded.head), via_peer = excluded.via_peer",
                    params![r.origin, r.to, header.sender],
                )?;
            }
            for (unit, parent) in &units {
                tx.execute(
                    "INSERT INTO inbox_units (unit_id, parent_id, via_peer) VALUES (?1, ?2, ?3)
                     ON CONFLICT (unit_id) DO UPDATE SET parent_id = excluded.parent_id
                     WHERE excluded.parent_id != '' OR parent_id = ''",
                    params![unit, parent, header.sender],
                )?;
            }
            crate::pause::point("inbox.accept");
            Ok(())
        })?;
        self.note_contact(&header.sender)?;
        Ok(report)
    }

    pub(super) fn inbox_head(&self, origin: &str) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT head FROM inbox_heads WHERE origin = ?1", [origin], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }

    /// Applies the oldest bundle of the inbox; None when the inbox is empty. A bundle refused now (it
    /// passed every check on arrival, so only a bug or a damaged disk can do that) is set aside in the
    /// sync events, never retried in a loop.
    pub fn apply_inbox_one(&mut self) -> Result<Option<ImportReport>> {
        let next: Option<(i64, String, Vec<u8>)> = self
            .conn()
            .query_row("SELECT seq, bundle_id, content FROM inbox ORDER BY seq LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((seq, bundle_id, content)) = next else {
            return Ok(None);
        };
        let name = format!("(inbox {bundle_id})");
        let outcome = self.import_bytes(&name, &content, false);
        crate::pause::point("inbox.applied");
        // Applied (or found applied): leaves the inbox. Crash before this line: the next try finds it
        // applied already, and removes it then.
        self.conn().execute("DELETE FROM inbox WHERE seq = ?1", [seq])?;
        let empty: bool = self.conn().query_row("SELECT count(*) = 0 FROM inbox", [], |r| r.get(0))?;
        if empty {
            self.conn().execute_batch("DELETE FROM inbox_heads; DELETE FROM inbox_units;")?;
        }
        match outcome {
            Ok(report) => Ok(Some(report)),
            Err(e) => {
                self.note_sync_event("inbox_refused", &serde_json::json!({"bundle": bundle_id, "reason": e.message(crate::Lang::En)}))?;
                Ok(Some(ImportReport {
                    file: name,
                    bundle_id: Some(bundle_id),
                    status: ImportStatus::AlreadyApplied,
                    new_changes: 0,
                    already: 0,
                    conflicts: 0,
                    sender: None,
                }))
            }
        }
    }

    pub fn inbox_size(&self) -> Result<InboxSize> {
        Ok(self.conn().query_row("SELECT count(*), coalesce(sum(changes), 0) FROM inbox", [], |r| {
            Ok(InboxSize { bundles: r.get(0)?, changes: r.get(1)? })
        })?)
    }
}
