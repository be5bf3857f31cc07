//! Export: what no receipt covers yet, into signed bundle files, written so that a full or pulled stick
//! leaves nothing half-done (a temporary name, flushed to the device, renamed, read back and verified).

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use serde_json::{Map, Value};

use super::bundle::{BundleReader, BundleWriter, Direction, Header, Range};
use super::enroll::Role;
use super::Peer;
use crate::error::{Error, Result};
use crate::model::Kind;
use crate::store::merge::{Change, Op};
use crate::store::{new_id, Store};

/// Kinds an upper level sends down to its subtree.
pub const DOWNWARD_KINDS: [&str; 4] = ["unit", "plan", "indicator", "practice"];

#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The peer to export for; by default the one upper peer.
    pub to: Option<String>,
    /// Split bundles so that none carries more changes than this.
    pub max_changes: usize,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions { to: None, max_changes: 20_000 }
    }
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct ExportSummary {
    pub files: Vec<PathBuf>,
    pub changes: u64,
    pub ranges: Vec<Range>,
    /// Evidence files written beside the bundles, and those still waiting.
    pub evidence: super::files::FilesExported,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::Io { path: path.display().to_string(), source: e }
}

impl Store {
    /// Whom a bundle goes to, and what that decides: the signing key, the direction, and for a lower peer
    /// its subtree (whose own records are not sent back down to it).
    fn recipient(&self, to: Option<&str>) -> Result<Recipient> {
        let peer = self.export_peer(to)?;
        let direction = if peer.role == Role::Upper { Direction::Up } else { Direction::Down };
        let below_peer = if direction == Direction::Down { self.subtree(&peer.unit_id)?.into_iter().collect() } else { HashSet::new() };
        let peer_key = self.peer_key(&peer.installation).ok_or(Error::NoUpperPeer)?;
        Ok(Recipient { key: self.signing_key()?, peer_key, public_key: self.identity()?.public_key, direction, below_peer, peer })
    }

    fn export_peer(&self, to: Option<&str>) -> Result<Peer> {
        let peers = self.peers()?;
        match to {
            Some(id) => match peers.into_iter().find(|p| p.installation == id) {
                // Nothing goes to a revoked laptop: whoever has it now is not the unit.
                Some(p) if p.revoked_at.is_some() => Err(Error::invalid("peer", crate::Problem::RevokedKey(p.unit_name))),
                Some(p) => Ok(p),
                None => Err(Error::NotFound { kind: "peer".into(), id: id.into() }),
            },
            None => peers.into_iter().find(|p| p.role == Role::Upper && p.revoked_at.is_none()).ok_or(Error::NoUpperPeer),
        }
    }

    /// For each origin this peer should get: (origin, first seq not acknowledged, head).
    pub(crate) fn pending_ranges(&self, peer: &Peer) -> Result<Vec<(String, i64, i64)>> {
        let inst = self.require_installation()?;
        let mut origins = vec![inst.origin.clone()];
        // Up: what came from lower peers is relayed unchanged. Down: what came from above is passed on.
        let via_role = if peer.role == Role::Upper { "lower" } else { "upper" };
        let mut stmt = self.conn().prepare(
            "SELECT h.origin FROM origin_heads h JOIN peers p ON p.installation = h.via_peer
             WHERE p.role = ?1 ORDER BY h.origin",
        )?;
        origins.extend(stmt.query_map([via_role], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?);
        // After a restore, this installation's own changes wait — for every peer — until the upper level
        // says what it holds (sync/restored.rs): below, too, they would go under numbers the lost laptop
        // may have used.
        let held = self.restored_at()?.is_some();
        let mut out = Vec::new();
        for origin in origins {
            if origin == peer.installation || (held && origin == inst.origin) {
                continue;
            }
            let acked: i64 = self
                .conn()
                .query_row("SELECT coalesce(max(acked), 0) FROM acks WHERE peer = ?1 AND origin = ?2", params![peer.installation, origin], |r| r.get(0))?;
            let head = self.head(&origin)?;
            if head > acked {
                out.push((origin, acked + 1, head));
            }
        }
        Ok(out)
    }

    /// Writes bundles for a peer into `dir`. Nothing in the database changes but the note of the last
    /// export: changes stay in the outbox until a receipt covers them.
    pub fn export(&mut self, dir: &Path, opts: &ExportOptions, progress: &mut dyn FnMut(u64)) -> Result<ExportSummary> {
        let inst = self.require_installation()?;
        let to = self.recipient(opts.to.as_deref())?;
        let (peer, key) = (&to.peer, &to.key);
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;

        // Cut the pending ranges into bundles of at most max_changes sequence numbers each.
        let cap = opts.max_changes.max(1) as i64;
        let mut plans: Vec<Vec<Range>> = vec![Vec::new()];
        let mut room = cap;
        for (origin, mut from, last) in self.pending_ranges(peer)? {
            while from <= last {
                if room == 0 {
                    plans.push(Vec::new());
                    room = cap;
                }
                let end = last.min(from + room - 1);
                plans.last_mut().expect("one plan at least").push(Range::new(origin.clone(), from, end));
                room -= end - from + 1;
                from = end + 1;
            }
        }
        // Held after a restore: a bundle goes up even with nothing in it, for the receipt that answers it.
        let probing = to.direction == Direction::Up && self.restored_at()?.is_some();
        let mut summary = ExportSummary::default();
        for ranges in plans.into_iter().filter(|r| !r.is_empty() || probing) {
            let header = self.header_for(&to, &inst, ranges)?;
            let ranges = header.ranges.clone();
            let final_path = dir.join(format!("sotay-{}.bundle.json", header.bundle_id));
            let tmp_path = dir.join(format!(".sotay-{}.bundle.json.part", header.bundle_id));
            let written = self.write_bundle(&tmp_path, &header, &to, &mut summary.changes, progress);
            let finished = written.and_then(|_| {
                std::fs::rename(&tmp_path, &final_path).map_err(io_err(&final_path))?;
                crate::pause::point("export.renamed");
                if let Ok(d) = File::open(dir) {
                    let _ = d.sync_all();
                }
                // Read back what the device holds and check it as a receiver would.
                let mut r = BufReader::new(File::open(&final_path).map_err(io_err(&final_path))?);
                let own = key.verifying_key();
                BundleReader::verify(&mut r, &|s| (s == inst.origin).then_some(own))
                    .map_err(|refusal| Error::Refused { file: final_path.display().to_string(), refusal })?;
                Ok(())
            });
            if let Err(e) = finished {
                let _ = std::fs::remove_file(&tmp_path);
                let _ = std::fs::remove_file(&final_path);
                return Err(e);
            }
            if probing {
                self.note_probe(&header.bundle_id)?;
            }
            summary.files.push(final_path);
            summary.ranges.extend(ranges);
        }
        // What of this installation's own log left on the stick can no longer be undone here.
        if let Some(to) = summary.ranges.iter().filter(|r| r.origin == inst.origin).map(|r| r.to).max() {
            self.note_own_sent(to)?;
        }
        // The records first, whole; then as many of their files as the stick takes.
        summary.evidence = self.write_files_for(dir, peer)?;
        self.note_sync_event(
            "export",
            &serde_json::json!({"peer": peer.installation, "files": summary.files.len(), "changes": summary.changes,
                                "evidence_written": summary.evidence.written, "evidence_waiting": summary.evidence.waiting}),
        )?;
        Ok(summary)
    }

    fn write_bundle(&self, path: &Path, header: &Header, to: &Recipient, total: &mut u64, progress: &mut dyn FnMut(u64)) -> Result<()> {
        let file = File::create(path).map_err(io_err(path))?;
        let buf = self.write_changes(BufWriter::with_capacity(1 << 16, file), header, to, total, progress)?;
        let file = buf.into_inner().map_err(|e| Error::Io { path: path.display().to_string(), source: e.into_error() })?;
        // On the device before the rename makes it visible: a pulled stick leaves only a .part file.
        file.sync_all().map_err(io_err(path))?;
        crate::pause::point("export.synced");
        Ok(())
    }

    /// Writes the header, every change of the header's ranges that the peer should get, and the signed
    /// trailer into `out`.
    fn write_changes<W: std::io::Write>(&self, out: W, header: &Header, to: &Recipient, total: &mut u64, progress: &mut dyn FnMut(u64)) -> Result<W> {
        let key = &to.key;
        let mut w = BundleWriter::start(out, header, &to.peer_key)?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT origin, seq, lamport, hlc, entity, record_id, op, owner_unit, fields, prev, recorded_at
             FROM change_log WHERE origin = ?1 AND seq BETWEEN ?2 AND ?3 ORDER BY seq",
        )?;
        for range in &header.ranges {
            let mut rows = stmt.query(params![range.origin, range.from, range.to])?;
            while let Some(r) = rows.next()? {
                let entity: String = r.get(4)?;
                let owner: String = r.get(7)?;
                // The same rule as the header's `omitted` (header_for).
                if !to.gets(&entity, &owner, r.get_ref(8)?.as_str().unwrap_or("")) {
                    continue;
                }
                let op: String = r.get(6)?;
                let obj = |text: String| -> Result<Map<String, Value>> {
                    match serde_json::from_str(&text).map_err(Error::from_json)? {
                        Value::Object(m) => Ok(m),
                        _ => Ok(Map::new()),
                    }
                };
                let change = Change {
                    origin: r.get(0)?,
                    seq: r.get(1)?,
                    lamport: r.get(2)?,
                    hlc: r.get(3)?,
                    entity: Kind::parse(&entity)?,
                    record_id: r.get(5)?,
                    op: match op.as_str() {
                        "create" => Op::Create,
                        "delete" => Op::Delete,
                        _ => Op::Update,
                    },
                    owner_unit: owner,
                    fields: obj(r.get(8)?)?,
                    prev: obj(r.get(9)?)?,
                    recorded_at: r.get(10)?,
                };
                w.change(&change)?;
                crate::pause::point("export.change");
                *total += 1;
                if total.is_multiple_of(10_000) {
                    progress(*total);
                }
            }
        }
        let (out, _) = w.finish(key)?;
        Ok(out)
    }

    /// The header of a bundle of `ranges` for `to`, in one pass over the changes it will carry: each range
    /// states which of its sequence numbers the bundle leaves out — those the peer may not see (downward),
    /// and those this store does not hold because they were left out of what it received itself (a middle
    /// level passing plans down); an upward header states the scope of its changes' owners.
    fn header_for(&self, to: &Recipient, inst: &crate::store::Installation, mut ranges: Vec<Range>) -> Result<Header> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT seq, entity, owner_unit, fields FROM change_log WHERE origin = ?1 AND seq BETWEEN ?2 AND ?3 ORDER BY seq",
        )?;
        let mut owners = std::collections::BTreeSet::new();
        for range in &mut ranges {
            let mut next = range.from;
            let mut rows = stmt.query(params![range.origin, range.from, range.to])?;
            while let Some(r) = rows.next()? {
                let (seq, entity, owner): (i64, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
                if !to.gets(&entity, &owner, r.get_ref(3)?.as_str().unwrap_or("")) {
                    continue;
                }
                if seq > next {
                    range.omitted.push((next, seq - 1));
                }
                next = seq + 1;
                if to.direction == Direction::Up && !owners.contains(&owner) {
                    owners.insert(owner);
                }
            }
            if next <= range.to {
                range.omitted.push((next, range.to));
            }
        }
        let scope = self.scope_of(inst, owners)?;
        Ok(Header { scope, ..to.header(inst, ranges) })
    }

    /// The units `owners` with their parents, up to this unit: what an upward bundle declares so that its
    /// receiver can check its scope whatever it holds yet.
    fn scope_of(&self, inst: &crate::store::Installation, owners: std::collections::BTreeSet<String>) -> Result<Vec<(String, String)>> {
        let mut parent_of = self.conn().prepare_cached("SELECT json_extract(body, '$.parent_id') FROM records WHERE id = ?1 AND kind = 'unit'")?;
        let mut pairs = std::collections::BTreeSet::new();
        for owner in owners {
            let mut unit = owner;
            // Up the tree to this unit; a unit with no parent here ends the walk, and so would a loop.
            while unit != inst.unit_id && pairs.len() < 100_000 {
                let parent: Option<String> = parent_of.query_row([&unit], |r| r.get(0)).optional()?.flatten();
                let Some(parent) = parent else { break };
                if !pairs.insert((unit.clone(), parent.clone())) {
                    break;
                }
                unit = parent;
            }
        }
        Ok(pairs.into_iter().collect())
    }

    /// The next bundle for `peer` (what no receipt covers, from the start, at most `max_changes` sequence
    /// numbers), in memory, for the network. None when nothing waits.
    pub fn next_bundle(&mut self, peer: &str, max_changes: usize) -> Result<Option<OutgoingBundle>> {
        let inst = self.require_installation()?;
        let to = self.recipient(Some(peer))?;
        let mut room = max_changes.max(1) as i64;
        let mut ranges = Vec::new();
        for (origin, from, last) in self.pending_ranges(&to.peer)? {
            if room == 0 {
                break;
            }
            let end = last.min(from + room - 1);
            ranges.push(Range::new(origin, from, end));
            room -= end - from + 1;
        }
        let probing = to.direction == Direction::Up && self.restored_at()?.is_some();
        if ranges.is_empty() && !probing {
            return Ok(None);
        }
        let header = self.header_for(&to, &inst, ranges)?;
        let mut changes = 0;
        let bytes = self.write_changes(Vec::with_capacity(1 << 16), &header, &to, &mut changes, &mut |_| {})?;
        if probing {
            self.note_probe(&header.bundle_id)?;
        }
        if let Some(to) = header.ranges.iter().filter(|r| r.origin == inst.origin).map(|r| r.to).max() {
            self.note_own_sent(to)?;
        }
        Ok(Some(OutgoingBundle { bundle_id: header.bundle_id, bytes, changes, ranges: header.ranges }))
    }
}

struct Recipient {
    peer: Peer,
    /// The peer's signing key: its changes are sealed to it.
    peer_key: ed25519_dalek::VerifyingKey,
    key: ed25519_dalek::SigningKey,
    public_key: String,
    direction: Direction,
    below_peer: HashSet<String>,
}

impl Recipient {
    /// Whether this peer gets a change of `entity` owned by `owner` setting `fields` (JSON text):
    /// upward everything; downward the kinds sent down, except records owned inside the peer's own
    /// subtree (it has them already) — but the structure of the units in that subtree, which the levels
    /// above decide, goes down to them (docs/bundle-format.md, "Structure from above").
    fn gets(&self, entity: &str, owner: &str, fields: &str) -> bool {
        self.direction == Direction::Up || gets_down(&self.below_peer, entity, owner, || structural_only(fields))
    }

    fn header(&self, inst: &crate::store::Installation, ranges: Vec<Range>) -> Header {
        Header {
            bundle_id: new_id(),
            direction: self.direction,
            sender: inst.origin.clone(),
            sender_unit: inst.unit_id.clone(),
            sender_key: self.public_key.clone(),
            recipient: self.peer.installation.clone(),
            ranges,
            scope: Vec::new(),
            sealed: None,
        }
    }
}

/// A bundle made in memory for the network.
#[derive(Debug, Clone)]
pub struct OutgoingBundle {
    pub bundle_id: String,
    pub bytes: Vec<u8>,
    /// Changes written (a downward bundle skips what the peer does not get, so this may be fewer than
    /// the sequence numbers its ranges cover).
    pub changes: u64,
    pub ranges: Vec<Range>,
}

/// Whether a lower peer whose subtree is `below_peer` gets a change of `entity` owned by `owner`
/// (`structural` tells whether its fields are all of a unit's structure; asked only when it matters).
fn gets_down(below_peer: &HashSet<String>, entity: &str, owner: &str, structural: impl FnOnce() -> bool) -> bool {
    if !below_peer.contains(owner) {
        return DOWNWARD_KINDS.contains(&entity);
    }
    entity == "unit" && structural()
}

/// Who a downward bundle made outside a store goes to (the national hub on PostgreSQL).
pub struct LowerPeer<'a> {
    pub installation: &'a str,
    pub key: &'a ed25519_dalek::VerifyingKey,
    /// Its unit and every unit below it: their own records are not sent back down to it.
    pub below: &'a HashSet<String>,
}

/// A downward bundle of `ranges` (origin, from, to) for `to`, from the changes of those ranges that the
/// caller holds (in origin and sequence order), signed by `key` for the hub of `sender_unit`: the same
/// rules and format as `Store::next_bundle`. None when the peer gets none of them and no range moves.
pub fn downward_bundle(key: &ed25519_dalek::SigningKey, sender: &str, sender_unit: &str, to: &LowerPeer<'_>, ranges: &[(String, i64, i64)], changes: &[Change]) -> Result<OutgoingBundle> {
    let wanted = |c: &Change| gets_down(to.below, c.entity.as_str(), &c.owner_unit, || !c.fields.is_empty() && c.fields.keys().all(|f| crate::model::is_structural(f)));
    let mut header_ranges = Vec::new();
    for (origin, from, last) in ranges {
        let mut range = Range::new(origin.clone(), *from, *last);
        let mut next = *from;
        for c in changes.iter().filter(|c| c.origin == *origin && c.seq >= *from && c.seq <= *last && wanted(c)) {
            if c.seq > next {
                range.omitted.push((next, c.seq - 1));
            }
            next = c.seq + 1;
        }
        if next <= *last {
            range.omitted.push((next, *last));
        }
        header_ranges.push(range);
    }
    let header = Header {
        bundle_id: new_id(),
        direction: Direction::Down,
        sender: sender.to_string(),
        sender_unit: sender_unit.to_string(),
        sender_key: super::keys::b64(key.verifying_key().as_bytes()),
        recipient: to.installation.to_string(),
        ranges: header_ranges,
        scope: Vec::new(),
        sealed: None,
    };
    let mut w = BundleWriter::start(Vec::with_capacity(1 << 16), &header, to.key)?;
    let mut written = 0;
    for c in changes.iter().filter(|c| ranges.iter().any(|(o, f, l)| c.origin == *o && c.seq >= *f && c.seq <= *l) && wanted(c)) {
        w.change(c)?;
        written += 1;
    }
    let (bytes, _) = w.finish(key)?;
    Ok(OutgoingBundle { bundle_id: header.bundle_id, bytes, changes: written, ranges: header.ranges })
}

/// Whether a change's fields (JSON text of an object) are all fields of a unit's structure.
fn structural_only(fields: &str) -> bool {
    match serde_json::from_str::<Map<String, Value>>(fields) {
        Ok(m) => !m.is_empty() && m.keys().all(|f| crate::model::is_structural(f)),
        Err(_) => false,
    }
}
