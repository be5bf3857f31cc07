//! Import: a bundle is verified whole (format, digest, signature, enrolled key, addressee), then every
//! change is checked (in range, in the sender's scope, NFC), then the bundle is applied in one
//! transaction — all of it or none. A bundle that would leave a gap in an origin's sequence is held and
//! the missing range reported; it is applied by itself once the gap is filled.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use serde_json::Value;

use super::bundle::{BundleReader, Direction, Verified};
use super::enroll::Role;
use super::export::DOWNWARD_KINDS;
use crate::error::{Error, Refusal, Result};
use crate::store::merge::{self, Change};
use crate::store::Store;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum ImportStatus {
    Applied,
    AlreadyApplied,
    /// Not applied: changes before it are missing. (origin, from, to) for each gap.
    Held { missing: Vec<(String, i64, i64)> },
    /// A receipt: how many origins' acknowledgements moved forward.
    Receipt { origins: usize },
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub file: String,
    pub bundle_id: Option<String>,
    #[serde(flatten)]
    pub status: ImportStatus,
    /// Changes this store did not have.
    pub new_changes: u64,
    /// Changes it already had (an overlap, or the same bundle again).
    pub already: u64,
    pub conflicts: u64,
    /// The installation that sent it, for the receipt.
    pub sender: Option<String>,
}

impl ImportReport {
    /// The report of a bundle about to be applied; the steps fill in the rest.
    pub(super) fn applied(name: &str, header: &super::bundle::Header) -> Self {
        ImportReport {
            file: name.to_string(),
            bundle_id: Some(header.bundle_id.clone()),
            status: ImportStatus::Applied,
            new_changes: 0,
            already: 0,
            conflicts: 0,
            sender: Some(header.sender.clone()),
        }
    }
}

/// The ranges missing before a bundle's ranges, given the head held for each origin: (origin, from, to).
pub(super) fn missing_before(header: &super::bundle::Header, heads: &HashMap<String, i64>) -> Vec<(String, i64, i64)> {
    let head = |o: &str| heads.get(o).copied().unwrap_or(0);
    header
        .ranges
        .iter()
        .filter(|r| r.from > head(&r.origin) + 1)
        .map(|r| (r.origin.clone(), head(&r.origin) + 1, r.from - 1))
        .collect()
}

/// How far into a file its receipt format is looked for: a receipt that went through a JSON value (the
/// hub's answer) has its keys sorted, so `answers` may come before `format`. A bundle's first bytes are
/// its own format and ids, never a receipt's name.
const RECEIPT_SNIFF: usize = 256;

impl Store {
    /// Imports a bundle or a receipt file.
    pub fn import_file(&mut self, path: &Path, dry_run: bool) -> Result<ImportReport> {
        let name = path.display().to_string();
        let mut head = [0u8; RECEIPT_SNIFF];
        let n = File::open(path).and_then(|mut f| f.read(&mut head)).map_err(|e| Error::Io { path: name.clone(), source: e })?;
        if String::from_utf8_lossy(&head[..n]).contains(super::receipt::FORMAT) {
            let text = std::fs::read_to_string(path).map_err(|e| Error::Io { path: name.clone(), source: e })?;
            return self.import_receipt(&name, &text, dry_run, None);
        }
        let open = || -> Result<Box<dyn BufRead>> {
            Ok(Box::new(BufReader::new(File::open(path).map_err(|e| Error::Io { path: name.clone(), source: e })?)))
        };
        let report = self.import_one(&name, &open, dry_run)?;
        if report.status == ImportStatus::Applied && !dry_run {
            self.apply_held()?;
        }
        Ok(report)
    }

    /// Imports a bundle or a receipt that arrived in memory (over the network). `name` stands for the file
    /// in messages.
    pub fn import_bytes(&mut self, name: &str, content: &[u8], dry_run: bool) -> Result<ImportReport> {
        if String::from_utf8_lossy(&content[..content.len().min(RECEIPT_SNIFF)]).contains(super::receipt::FORMAT) {
            let text = std::str::from_utf8(content)
                .map_err(|_| Error::Refused { file: name.to_string(), refusal: Refusal::Malformed { line: 1, detail: "UTF-8".into() } })?;
            return self.import_receipt(name, text, dry_run, None);
        }
        let open = || -> Result<Box<dyn BufRead>> { Ok(Box::new(Cursor::new(content.to_vec()))) };
        let report = self.import_one(name, &open, dry_run)?;
        if report.status == ImportStatus::Applied && !dry_run {
            self.apply_held()?;
        }
        Ok(report)
    }

    /// The checks of a whole bundle before any of its changes: format, digest, signature of an enrolled
    /// key, addressed here, the sender's direction and unit, none of this installation's own changes.
    pub(super) fn screen(&self, name: &str, open: &dyn Fn() -> Result<Box<dyn BufRead>>) -> Result<(Verified, super::Peer)> {
        let refused = |refusal| Error::Refused { file: name.to_string(), refusal };
        let inst = self.require_installation()?;
        // A revoked sender is named as such (its key is no longer known for anything else).
        let mut first = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(open()?, super::bundle::MAX_LINE as u64), &mut first)
            .map_err(|e| Error::Io { path: name.to_string(), source: e })?;
        if let Some(h) = super::bundle::peek_header_bytes(&first) {
            if self.is_revoked(&h.sender) {
                return Err(refused(Refusal::Revoked { installation: h.sender }));
            }
        }
        let verified = BundleReader::verify(&mut *open()?, &|s| self.peer_key(s)).map_err(refused)?;
        let Verified { header, .. } = &verified;
        if header.recipient != inst.origin {
            return Err(refused(Refusal::NotForThisInstallation));
        }
        let peer = self.peers()?.into_iter().find(|p| p.installation == header.sender).ok_or_else(|| {
            refused(Refusal::UnknownKey { fingerprint: header.sender.clone() })
        })?;
        let expected = if peer.role == Role::Lower { Direction::Up } else { Direction::Down };
        if header.direction != expected || header.sender_unit != peer.unit_id {
            return Err(refused(Refusal::OutOfScope { line: 1, owner_unit: header.sender_unit.clone() }));
        }
        if header.ranges.iter().any(|r| r.origin == inst.origin) {
            return Err(refused(Refusal::OwnChanges));
        }
        // Relayed by another: nothing of a revoked origin beyond what was held when it was revoked.
        for r in &header.ranges {
            if self.revoked_after(&r.origin)?.is_some_and(|held| r.to > held) {
                return Err(refused(Refusal::Revoked { installation: r.origin.clone() }));
            }
        }
        Ok((verified, peer))
    }

    pub(super) fn import_one(&mut self, name: &str, open: &dyn Fn() -> Result<Box<dyn BufRead>>, dry_run: bool) -> Result<ImportReport> {
        let (verified, peer) = self.screen(name, open)?;
        let Verified { header, .. } = &verified;
        let mut report = ImportReport::applied(name, header);
        let seen: bool = self
            .conn()
            .query_row("SELECT 1 FROM imported_bundles WHERE bundle_id = ?1", [&header.bundle_id], |_| Ok(()))
            .optional()?
            .is_some();
        if seen {
            report.status = ImportStatus::AlreadyApplied;
            report.already = verified.trailer.changes;
            return Ok(report);
        }

        let mut heads: HashMap<String, i64> = HashMap::new();
        for r in &header.ranges {
            heads.insert(r.origin.clone(), self.head(&r.origin)?);
        }
        // A gap first: the bundle is held whole, and checked in full when the gap is filled (its scope may
        // rest on units that the missing bundles create).
        let missing = missing_before(header, &heads);
        if !missing.is_empty() {
            if !dry_run {
                let mut content = Vec::new();
                open()?.read_to_end(&mut content).map_err(|e| Error::Io { path: name.to_string(), source: e })?;
                let now = crate::clock::rfc3339(crate::clock::now_utc());
                self.conn().execute(
                    "INSERT OR IGNORE INTO held_bundles (bundle_id, content, missing, held_at) VALUES (?1, ?2, ?3, ?4)",
                    params![header.bundle_id, content, serde_json::to_string(&missing).unwrap_or_default(), now],
                )?;
            }
            report.status = ImportStatus::Held { missing };
            return Ok(report);
        }
        let mut checker = Checker::new(name, &verified, self.allowed_owners(open, &verified.header, &peer, &[])?, heads)?;
        if dry_run {
            // The real apply, rolled back: the preview's counts, conflicts included, are exact.
            report.conflicts = self.apply_bundle(&verified, open, &mut checker, true)?;
        } else {
            // Checked and applied in one pass inside one transaction: a refusal on any line rolls back
            // every line before it, so nothing of a refused bundle is written.
            report.conflicts = self.apply_bundle(&verified, open, &mut checker, false)?;
            crate::pause::point("import.applied");
            self.note_sync_event("import", &serde_json::json!({"file": name, "new": checker.new_changes, "already": checker.already}))?;
            self.note_contact(&header.sender)?;
        }
        report.new_changes = checker.new_changes;
        report.already = checker.already;
        Ok(report)
    }

    /// Owners a lower peer may write for: its unit and every unit below it here; units it brought that
    /// have no parent yet (a commune's unit is made before it enrols and gets its parent); and the units
    /// that the bundle places under those — by its changes, or by the scope its header declares (the
    /// owners of its changes with their parents, as the sender holds them). A bundle may place a unit only
    /// if the unit is new here or already the peer's: it can never pull in a unit that hangs elsewhere.
    /// `pending` are units that bundles accepted before it (the hub's inbox) make or place: (unit,
    /// parent or "", the peer that brought it). For an upper peer: this unit's own subtree, which it may
    /// not touch.
    pub(super) fn allowed_owners(
        &self,
        open: &dyn Fn() -> Result<Box<dyn BufRead>>,
        header: &super::bundle::Header,
        peer: &super::Peer,
        pending: &[(String, String, String)],
    ) -> Result<HashSet<String>> {
        let inst = self.require_installation()?;
        if peer.role != Role::Lower {
            return Ok(self.subtree(&inst.unit_id)?.into_iter().collect());
        }
        let mut allowed: HashSet<String> = self.subtree(&peer.unit_id)?.into_iter().collect();
        allowed.extend(self.parentless_units_via(&peer.installation)?);
        allowed.extend(pending.iter().filter(|(_, _, via)| *via == peer.installation).map(|(u, _, _)| u.clone()));
        // Only unit changes matter here; the writer spells them `"entity":"unit"`. A line spelled
        // otherwise adds no unit, which can only narrow the scope.
        let links = super::screen::links_in(&mut *open()?, header.scope.clone(), &self.signing_key()?)?;
        // A unit held here and not the peer's hangs elsewhere: no link may move it into the scope.
        let mut held = self.conn().prepare_cached("SELECT count(*) FROM records WHERE id = ?1")?;
        let mut known = HashSet::new();
        for (unit, _) in &links {
            if pending.iter().any(|(u, _, _)| u == unit) || held.query_row([unit], |r| r.get::<_, i64>(0))? > 0 {
                known.insert(unit.clone());
            }
        }
        super::screen::place_links(&mut allowed, links, &|u| known.contains(u));
        Ok(allowed)
    }

    /// Units without a parent whose create came here through `peer` (made before their installation
    /// enrolled; the change that places them may come in a later bundle).
    fn parentless_units_via(&self, peer: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT r.id FROM records r
             JOIN change_log c ON c.record_id = r.id AND c.op = 'create'
             JOIN origin_heads h ON h.origin = c.origin
             WHERE r.kind = 'unit' AND r.deleted = 0 AND json_extract(r.body, '$.parent_id') IS NULL AND h.via_peer = ?1",
        )?;
        let rows = stmt.query_map([peer], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn apply_bundle(&mut self, v: &Verified, open: &dyn Fn() -> Result<Box<dyn BufRead>>, checker: &mut Checker, rehearse: bool) -> Result<u64> {
        let header = v.header.clone();
        let digest = v.trailer.digest.clone();
        let mut reader = open()?;
        let me = self.signing_key()?;
        let work = |tx: &rusqlite::Transaction| {
            let mut conflicts = 0u64;
            let mut max_lamport = 0i64;
            BundleReader::changes(&mut *reader, Some(&me), |line, c: Change| {
                if !checker.check(line, &c)? {
                    return Ok(());
                }
                conflicts += merge::apply(tx, &c)?.conflicts as u64;
                max_lamport = max_lamport.max(c.lamport);
                crate::pause::point("import.change");
                Ok(())
            })?;
            checker.finish()?;
            for (origin, first, last) in &checker.absent {
                tx.prepare_cached("INSERT INTO absent_changes (origin, first_seq, last_seq) VALUES (?1, ?2, ?3)")?
                    .execute(params![origin, first, last])?;
            }
            for r in &header.ranges {
                tx.execute(
                    "INSERT INTO origin_heads (origin, head, via_peer) VALUES (?1, ?2, ?3)
                     ON CONFLICT (origin) DO UPDATE SET head = max(head, excluded.head)",
                    params![r.origin, r.to, header.sender],
                )?;
            }
            // Lamport receive rule: this installation's next change sorts after everything seen.
            tx.execute("UPDATE installation SET lamport = max(lamport, ?1)", [max_lamport])?;
            let now = crate::clock::rfc3339(crate::clock::now_utc());
            tx.execute(
                "INSERT INTO imported_bundles (bundle_id, digest, sender, applied, imported_at) VALUES (?1, ?2, ?3, 1, ?4)",
                params![header.bundle_id, digest, header.sender, now],
            )?;
            tx.execute("DELETE FROM held_bundles WHERE bundle_id = ?1", [&header.bundle_id])?;
            crate::pause::point("import.commit");
            Ok(conflicts)
        };
        if rehearse { self.rehearse(work) } else { self.with_tx(work) }
    }

    /// Applies held bundles whose gaps are now filled, until none moves.
    fn apply_held(&mut self) -> Result<()> {
        loop {
            let held: Vec<(String, Vec<u8>)> = {
                let mut stmt = self.conn().prepare("SELECT bundle_id, content FROM held_bundles ORDER BY held_at, bundle_id")?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            };
            let mut moved = false;
            for (id, content) in held {
                crate::pause::point("import.held");
                let open = || -> Result<Box<dyn BufRead>> { Ok(Box::new(Cursor::new(content.clone()))) };
                match self.import_one(&format!("(held {id})"), &open, false) {
                    Ok(report) if matches!(report.status, ImportStatus::Held { .. }) => {}
                    Ok(_) => {
                        self.conn().execute("DELETE FROM held_bundles WHERE bundle_id = ?1", [&id])?;
                        moved = true;
                    }
                    // Refused once its turn came (out of scope after all): dropped, and said so.
                    Err(e) => {
                        self.conn().execute("DELETE FROM held_bundles WHERE bundle_id = ?1", [&id])?;
                        self.note_sync_event("held_refused", &serde_json::json!({"bundle": id, "reason": e.message(crate::Lang::En)}))?;
                        moved = true;
                    }
                }
            }
            if !moved {
                return Ok(());
            }
        }
    }

    /// Gaps reported by held bundles: (origin, from, to).
    pub fn held_gaps(&self) -> Result<Vec<(String, i64, i64)>> {
        let mut stmt = self.conn().prepare("SELECT missing FROM held_bundles ORDER BY held_at")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for r in rows {
            out.extend(serde_json::from_str::<Vec<(String, i64, i64)>>(&r?).unwrap_or_default());
        }
        Ok(out)
    }
}

/// The per-change rules: inside a declared range and in order, in the sender's scope, NFC; and, over the
/// whole bundle, every sequence number of every range either carried or declared left out.
pub(super) struct Checker {
    file: String,
    direction: Direction,
    /// Version 1 bundles did not declare what a downward range leaves out; a hole there meant it.
    declares_omissions: bool,
    allowed: HashSet<String>,
    heads: HashMap<String, i64>,
    ranges: HashMap<String, RangeCursor>,
    /// Runs (origin, first, last) left out by the sender, above what this store held: recorded as
    /// deliberately absent when the bundle is applied, so that `check` sees a whole log.
    pub(super) absent: Vec<(String, i64, i64)>,
    pub(super) new_changes: u64,
    pub(super) already: u64,
}

/// Where the check of one range stands: the next sequence number expected, and the first omitted run
/// that may still matter (changes come in increasing order, so one pass over the runs suffices).
struct RangeCursor {
    range: super::bundle::Range,
    next: i64,
    run: usize,
}

impl RangeCursor {
    /// The first number of `first..=last` not declared omitted, if any.
    fn first_not_omitted(&mut self, first: i64, last: i64) -> Option<i64> {
        let runs = &self.range.omitted;
        while self.run < runs.len() && runs[self.run].1 < first {
            self.run += 1;
        }
        let mut at = first;
        let mut i = self.run;
        while at <= last {
            match runs.get(i) {
                Some(&(a, b)) if a <= at => {
                    at = b + 1;
                    i += 1;
                }
                _ => return Some(at),
            }
        }
        None
    }
}

impl Checker {
    pub(super) fn new(file: &str, verified: &Verified, allowed: HashSet<String>, heads: HashMap<String, i64>) -> Result<Checker> {
        let header = &verified.header;
        if header.direction == Direction::Up {
            if let Some(r) = header.ranges.iter().find(|r| !r.omitted.is_empty()) {
                return Err(Error::Refused { file: file.to_string(), refusal: Refusal::LeftOutUpward { origin: r.origin.clone() } });
            }
        }
        Ok(Checker {
            file: file.to_string(),
            direction: header.direction,
            declares_omissions: verified.version >= 2,
            allowed,
            heads,
            ranges: header.ranges.iter().map(|r| (r.origin.clone(), RangeCursor { range: r.clone(), next: r.from, run: 0 })).collect(),
            absent: Vec::new(),
            new_changes: 0,
            already: 0,
        })
    }

    /// Ok(true) for a change this store lacks, Ok(false) for one it holds already.
    pub(super) fn check(&mut self, line: usize, c: &Change) -> Result<bool> {
        let Some(cursor) = self.ranges.get(&c.origin) else {
            return Err(self.refused(Refusal::OutOfRange { line }));
        };
        if c.seq < cursor.next || c.seq > cursor.range.to {
            return Err(self.refused(Refusal::OutOfRange { line }));
        }
        self.skipped(&c.origin, c.seq - 1)?;
        let cursor = self.ranges.get_mut(&c.origin).expect("a declared range, looked up above");
        // Carried, yet declared left out: the header contradicts the bundle.
        let contradicted = cursor.first_not_omitted(c.seq, c.seq).is_none();
        cursor.next = c.seq + 1;
        if contradicted {
            return Err(self.refused(Refusal::OutOfRange { line }));
        }
        let in_scope = match self.direction {
            Direction::Up => self.allowed.contains(&c.owner_unit),
            // From above: the kinds sent down, and the structure of any unit, this one's own included.
            Direction::Down => {
                (!self.allowed.contains(&c.owner_unit) && DOWNWARD_KINDS.contains(&c.entity.as_str()))
                    || (c.entity == crate::model::Kind::Unit && !c.fields.is_empty() && c.fields.keys().all(|f| crate::model::is_structural(f)))
            }
        };
        if !in_scope {
            return Err(self.refused(Refusal::OutOfScope { line, owner_unit: c.owner_unit.clone() }));
        }
        if !c.fields.iter().all(|(k, v)| crate::text::is_nfc(k) && all_nfc(v)) || !crate::text::is_nfc(&c.record_id) {
            return Err(self.refused(Refusal::NotNfc { line }));
        }
        let new = c.seq > self.heads.get(&c.origin).copied().unwrap_or(0);
        if new {
            self.new_changes += 1;
        } else {
            self.already += 1;
        }
        Ok(new)
    }

    fn refused(&self, refusal: Refusal) -> Error {
        Error::Refused { file: self.file.clone(), refusal }
    }

    /// After the last change: the numbers of every range that no change carried must be declared left out.
    pub(super) fn finish(&mut self) -> Result<()> {
        let ends: Vec<(String, i64)> = self.ranges.iter().map(|(o, c)| (o.clone(), c.range.to)).collect();
        for (origin, to) in ends {
            self.skipped(&origin, to)?;
        }
        self.absent.sort();
        Ok(())
    }

    /// Accounts for the numbers of `origin` from the next expected up to `last`, which no change carries.
    fn skipped(&mut self, origin: &str, last: i64) -> Result<()> {
        let cursor = self.ranges.get_mut(origin).expect("a declared range");
        let first = cursor.next;
        if first > last {
            return Ok(());
        }
        let unaccounted = match self.direction {
            Direction::Up => Some(first),
            Direction::Down if self.declares_omissions => cursor.first_not_omitted(first, last),
            Direction::Down => None,
        };
        if let Some(seq) = unaccounted {
            return Err(self.refused(Refusal::Unaccounted { origin: origin.to_string(), seq }));
        }
        cursor.next = last + 1;
        let head = self.heads.get(origin).copied().unwrap_or(0);
        if last > head {
            self.absent.push((origin.to_string(), first.max(head + 1), last));
        }
        Ok(())
    }
}

fn all_nfc(v: &Value) -> bool {
    match v {
        Value::String(s) => crate::text::is_nfc(s),
        Value::Array(a) => a.iter().all(all_nfc),
        Value::Object(m) => m.iter().all(|(k, v)| crate::text::is_nfc(k) && all_nfc(v)),
        _ => true,
    }
}
