//! Writing records. One path for every kind: validate, write the record and its index rows, append the
//! change to the log with the next sequence number and clock reading — all in one transaction.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::known::{KnownOrHeld, TxKnown};
use super::{Installation, Store};
use crate::clock::{self, Hlc};
use crate::error::{Error, Problem, Result};
use crate::model::{self, IndexFields, Kind};
use crate::text;

/// Owner used for the standard indicator catalogue, which ships with the program rather than being
/// written by anyone.
pub const STANDARD_OWNER: &str = "standard";
const STANDARD_CREATED: &str = "2023-05-05T00:00:00.000Z";

/// Who is writing and when: lets seeding and tests write with chosen times.
#[derive(Debug, Clone, Copy)]
pub struct WriteCtx {
    pub wall_millis: i64,
}

impl WriteCtx {
    pub fn now() -> WriteCtx {
        WriteCtx { wall_millis: clock::now_utc().timestamp_millis() }
    }

    pub(crate) fn rfc3339(self) -> String {
        let t = chrono::DateTime::from_timestamp_millis(self.wall_millis).unwrap_or_default();
        clock::rfc3339(t)
    }
}

pub fn new_id() -> String {
    Uuid::now_v7().to_string()
}

impl Store {
    /// Creates this installation and its unit. The unit record is the first change in the log.
    pub fn init(&mut self, unit: &Value) -> Result<Value> {
        if self.installation()?.is_some() {
            return Err(Error::AlreadyInitialized);
        }
        let ctx = WriteCtx::now();
        let unit = self.with_tx(|tx| {
            let unit_id = new_id();
            let origin = new_id();
            tx.execute(
                "INSERT INTO installation (singleton, origin, unit_id, created_at) VALUES (1, ?1, ?2, ?3)",
                params![origin, unit_id, ctx.rfc3339()],
            )?;
            let inst = Installation { origin, unit_id: unit_id.clone(), created_at: ctx.rfc3339() };
            insert(tx, &inst, ctx, Kind::Unit, unit, Some(&unit_id), Some(&unit_id))
        })?;
        // The key pair that signs this installation's bundles.
        self.signing_key()?;
        Ok(unit)
    }

    /// Creates a record owned by this installation's unit, or by `owner` (a unit in the store).
    pub fn create(&mut self, kind: Kind, input: &Value) -> Result<Value> {
        self.create_at(kind, input, None, WriteCtx::now())
    }

    pub fn create_at(&mut self, kind: Kind, input: &Value, owner: Option<&str>, ctx: WriteCtx) -> Result<Value> {
        let inst = self.require_installation()?;
        self.with_tx(|tx| insert(tx, &inst, ctx, kind, input, None, owner))
    }

    /// Writes many records in one transaction (seeding, imports of volume).
    pub fn create_many(&mut self, items: &[(Kind, Value, Option<String>)], ctx: WriteCtx) -> Result<Vec<String>> {
        let inst = self.require_installation()?;
        self.with_tx(|tx| {
            items
                .iter()
                .map(|(kind, v, owner)| {
                    insert(tx, &inst, ctx, *kind, v, None, owner.as_deref())
                        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
                })
                .collect()
        })
    }

    /// Replaces the fields of a record; only the fields that changed go into the log.
    pub fn update(&mut self, kind: Kind, id: &str, input: &Value) -> Result<Value> {
        let inst = self.require_installation()?;
        let ctx = WriteCtx::now();
        self.with_tx(|tx| update_in(tx, &inst, ctx, kind, id, input))
    }

    /// Marks a record deleted (a tombstone, so the deletion can travel); it leaves every list.
    pub fn delete(&mut self, kind: Kind, id: &str) -> Result<()> {
        let inst = self.require_installation()?;
        let ctx = WriteCtx::now();
        self.with_tx(|tx| delete_in(tx, &inst, ctx, kind, id))
    }
}

/// Marks a record deleted inside a transaction the caller holds.
pub(crate) fn delete_in(tx: &Connection, inst: &Installation, ctx: WriteCtx, kind: Kind, id: &str) -> Result<()> {
    let (rowid, owner, _, _) = existing(tx, kind, id)?;
    if owner != inst.unit_id {
        return Err(not_owner(tx, kind, id, &owner));
    }
    tx.execute("UPDATE records SET deleted = 1, updated_at = ?2 WHERE rowid = ?1", params![rowid, ctx.rfc3339()])?;
    tx.execute("DELETE FROM file_refs WHERE record_rowid = ?1", [rowid])?;
    append_change(tx, inst, ctx, kind, id, "delete", &owner, &serde_json::json!({"deleted": true}))?;
    Ok(())
}

/// Replaces the fields of a record inside a transaction the caller holds (an attachment writes its file
/// and the record's new list together).
pub(crate) fn update_in(tx: &Connection, inst: &Installation, ctx: WriteCtx, kind: Kind, id: &str, input: &Value) -> Result<Value> {
    let (rowid, owner, old_body, created_at) = existing(tx, kind, id)?;
    let own = owner == inst.unit_id || owner == STANDARD_OWNER;
    // The level above decides the structure of every unit below it (and nothing else of theirs).
    let from_above = !own && kind == Kind::Unit && is_below(tx, id, &inst.unit_id)?;
    if !own && !from_above {
        return Err(not_owner(tx, kind, id, &owner));
    }
    let prepared = model::prepare(kind, input, &KnownOrHeld { known: TxKnown(tx), old: &old_body })?;
    if kind == Kind::Unit {
        check_unit_code_free(tx, &prepared.body, Some(id))?;
    }
    check_new_files_held(tx, kind, &prepared.body, Some(&old_body))?;
    let changed = diff(&old_body, &prepared.body);
    if from_above && changed.keys().any(|f| !model::is_structural(f)) {
        return Err(not_owner(tx, kind, id, &owner));
    }
    // A unit that hangs under an upper unit does not change its own structure; before it hangs anywhere
    // (a new installation, its enrolment setting its parent) it does.
    if kind == Kind::Unit && id == inst.unit_id && old_body.get("parent_id").is_some_and(|p| !p.is_null()) {
        if let Some(field) = changed.keys().find(|f| model::is_structural(f)) {
            let unit = old_body.get("name").and_then(Value::as_str).unwrap_or(id).to_string();
            return Err(Error::StructureFromAbove { unit, field: field.clone() });
        }
    }
    if own && !changed.is_empty() {
        // An undated record of a closed unit can still be corrected; a dated one only on or before its
        // last day.
        check_unit_open(tx, &owner, kind, prepared.index.start.as_deref())?;
    }
    let updated_at = ctx.rfc3339();
    if !changed.is_empty() {
        let row = RecordRow {
            id,
            kind,
            owner: &owner,
            created_at: &created_at,
            updated_at: &updated_at,
            deleted: false,
            body: &prepared.body,
            index: &prepared.index,
        };
        rewrite_record(tx, rowid, &row)?;
        let names_successors = changed.contains_key("successor_id") || changed.contains_key("split_into");
        append_change(tx, inst, ctx, kind, id, "update", &owner, &Value::Object(changed))?;
        if from_above && names_successors {
            announce_successors(tx, inst, ctx, &prepared.body)?;
        }
    }
    super::read::get_tx(tx, kind, id)
}

/// The successors of a unit the level above merged or split are siblings of it, whose own records never
/// come down to it: so that its window can name them and its installation can join one, the level above
/// passes each one's record down under its own origin (a full copy, as a create; where the record is
/// held already it sets the same values).
fn announce_successors(tx: &Connection, inst: &Installation, ctx: WriteCtx, unit: &Value) -> Result<()> {
    let named = unit["successor_id"].as_str().into_iter().chain(unit["split_into"].as_array().into_iter().flatten().filter_map(Value::as_str));
    for successor in named.map(str::to_string).collect::<Vec<_>>() {
        let held: Option<(String, String)> = tx
            .prepare_cached("SELECT owner_unit, body FROM records WHERE id = ?1 AND kind = 'unit' AND deleted = 0")?
            .query_row([&successor], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        // A unit this installation created itself went down when it was created.
        let Some((owner, body)) = held.filter(|(owner, _)| owner != &inst.unit_id) else { continue };
        let body: Value = serde_json::from_str(&body).map_err(Error::from_json)?;
        append_change(tx, inst, ctx, Kind::Unit, &successor, "create", &owner, &body)?;
    }
    Ok(())
}

/// A unit the level above closed (merged, split or dissolved: its `valid_to` set) takes no record dated
/// after its last day — that work is its successor's. Units and indicators are not dated work.
fn check_unit_open(tx: &Connection, owner: &str, kind: Kind, date: Option<&str>) -> Result<()> {
    let (Some(date), false) = (date, matches!(kind, Kind::Unit | Kind::Indicator)) else {
        return Ok(());
    };
    let unit: Option<(String, Option<String>, Option<String>)> = tx
        .prepare_cached("SELECT title, json_extract(body, '$.valid_to'), json_extract(body, '$.successor_id') FROM records WHERE id = ?1 AND kind = 'unit'")?
        .query_row([owner], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((name, Some(until), successor)) = unit else {
        return Ok(());
    };
    if date.get(..10).unwrap_or(date) <= until.as_str() {
        return Ok(());
    }
    // The successor by name when it is held here, else by nothing (its id would mean nothing to a person).
    let successor = match successor {
        Some(id) => tx.query_row("SELECT title FROM records WHERE id = ?1 AND kind = 'unit'", [&id], |r| r.get(0)).optional()?,
        None => None,
    };
    Err(Error::UnitEnded { unit: name, until, successor })
}

/// Whether `unit` hangs, at any depth, under `ancestor` (by the parents held here) — or under a unit
/// merged into `ancestor`: the successor of a merged upper unit decides for what hung under it (a
/// province merged into another hands its communes to the new province).
fn is_below(tx: &Connection, unit: &str, ancestor: &str) -> Result<bool> {
    let mut above = tx.prepare_cached(
        "SELECT link_id, json_extract(body, '$.successor_id') FROM records WHERE id = ?1 AND kind = 'unit' AND deleted = 0",
    )?;
    let mut seen = std::collections::HashSet::from([unit.to_string()]);
    let mut queue = vec![unit.to_string()];
    // A tree deeper than this is a loop in the data: it hangs under nobody.
    while let Some(current) = queue.pop() {
        if seen.len() > 256 {
            break;
        }
        let (parent, successor): (Option<String>, Option<String>) =
            above.query_row([&current], |r| Ok((r.get(0)?, r.get(1)?))).optional()?.unwrap_or((None, None));
        // The unit's own successor is not above it; only its parents' successors are.
        let ups = if current == unit { vec![parent] } else { vec![parent, successor] };
        for up in ups.into_iter().flatten() {
            if up == ancestor {
                return Ok(true);
            }
            if seen.insert(up.clone()) {
                queue.push(up);
            }
        }
    }
    Ok(false)
}

/// The refusal names the owning unit by name, as people know it.
fn not_owner(tx: &Connection, kind: Kind, id: &str, owner: &str) -> Error {
    let name: Option<String> = tx
        .query_row("SELECT title FROM records WHERE id = ?1 AND kind = 'unit'", [owner], |r| r.get(0))
        .optional()
        .ok()
        .flatten();
    Error::NotOwner { kind: kind.as_str().into(), id: id.into(), owner: name.unwrap_or_else(|| owner.to_string()) }
}

fn existing(tx: &Connection, kind: Kind, id: &str) -> Result<(i64, String, Value, String)> {
    let row: Option<(i64, String, String, String)> = tx
        .query_row(
            "SELECT rowid, owner_unit, body, created_at FROM records WHERE id = ?1 AND kind = ?2 AND deleted = 0",
            params![id, kind.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let (rowid, owner, body, created) =
        row.ok_or_else(|| Error::NotFound { kind: kind.as_str().into(), id: id.into() })?;
    let body = serde_json::from_str(&body).map_err(Error::from_json)?;
    Ok((rowid, owner, body, created))
}

pub(crate) fn insert(
    tx: &Connection,
    inst: &Installation,
    ctx: WriteCtx,
    kind: Kind,
    input: &Value,
    id: Option<&str>,
    owner: Option<&str>,
) -> Result<Value> {
    let owner = owner.unwrap_or(&inst.unit_id).to_string();
    let id = id.map(str::to_string).unwrap_or_else(new_id);
    // The installation's own unit is being created by init: it is its own owner, not yet in the table.
    if owner != id && !TxKnown(tx).unit_exists_any(&owner)? {
        return Err(Error::invalid("owner_unit", Problem::UnknownUnit(owner)));
    }
    let prepared = model::prepare(kind, input, &TxKnown(tx))?;
    if kind == Kind::Unit {
        check_unit_code_free(tx, &prepared.body, None)?;
    }
    if kind == Kind::Indicator {
        check_indicator_code_free(tx, &prepared.body)?;
    }
    check_new_files_held(tx, kind, &prepared.body, None)?;
    let now = ctx.rfc3339();
    check_unit_open(tx, &owner, kind, prepared.index.start.as_deref().or(now.get(..10)))?;
    insert_row(tx, &id, kind, &owner, &now, &prepared)?;
    append_change(tx, inst, ctx, kind, &id, "create", &owner, &prepared.body)?;
    Ok(super::read::assemble(kind.as_str(), &id, &owner, &now, &now, false, prepared.body))
}

/// A record row as stored: metadata, index columns and body.
pub(super) struct RecordRow<'a> {
    pub id: &'a str,
    pub kind: Kind,
    pub owner: &'a str,
    pub created_at: &'a str,
    pub updated_at: &'a str,
    pub deleted: bool,
    pub body: &'a Value,
    pub index: &'a IndexFields,
}

/// Writes a new record row and its index rows; returns its rowid.
pub(super) fn insert_record(conn: &Connection, r: &RecordRow) -> Result<i64> {
    conn.prepare_cached(
        r#"INSERT INTO records (id, kind, owner_unit, created_at, updated_at, deleted, title, start, "end",
                                status, subtype, link_id, body)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"#,
    )?
    .execute(params![
        r.id,
        r.kind.as_str(),
        r.owner,
        r.created_at,
        r.updated_at,
        r.deleted,
        r.index.title,
        r.index.start,
        r.index.end,
        r.index.status,
        r.index.subtype,
        r.index.link_id,
        r.body.to_string()
    ])?;
    let rowid = conn.last_insert_rowid();
    write_index(conn, rowid, r.index, false)?;
    if !r.deleted {
        write_file_refs(conn, rowid, &r.index.files)?;
    }
    Ok(rowid)
}

/// Rewrites an existing record row (everything but its id, kind and owner) and its index rows.
pub(super) fn rewrite_record(conn: &Connection, rowid: i64, r: &RecordRow) -> Result<()> {
    conn.prepare_cached(
        r#"UPDATE records SET created_at = ?2, updated_at = ?3, deleted = ?4, title = ?5, start = ?6, "end" = ?7,
           status = ?8, subtype = ?9, link_id = ?10, body = ?11 WHERE rowid = ?1"#,
    )?
    .execute(params![
        rowid,
        r.created_at,
        r.updated_at,
        r.deleted,
        r.index.title,
        r.index.start,
        r.index.end,
        r.index.status,
        r.index.subtype,
        r.index.link_id,
        r.body.to_string()
    ])?;
    write_index(conn, rowid, r.index, true)?;
    conn.prepare_cached("DELETE FROM file_refs WHERE record_rowid = ?1")?.execute([rowid])?;
    if !r.deleted {
        write_file_refs(conn, rowid, &r.index.files)?;
    }
    Ok(())
}

/// Which files a live record refers to. A file may be referred to before it arrives (sync carries the
/// record first): the reference is what tells the transfer to fetch it.
fn write_file_refs(conn: &Connection, rowid: i64, files: &[String]) -> Result<()> {
    // Most records have none (and the first migration writes records before the table exists).
    if files.is_empty() {
        return Ok(());
    }
    let mut insert = conn.prepare_cached("INSERT OR IGNORE INTO file_refs (record_rowid, sha256) VALUES (?1, ?2)")?;
    for sha in files {
        insert.execute(params![rowid, sha])?;
    }
    Ok(())
}

/// Writes a new, live record whose created and updated times are the same.
pub(super) fn insert_row(conn: &Connection, id: &str, kind: Kind, owner: &str, created: &str, prepared: &model::Prepared) -> Result<()> {
    let row = RecordRow { id, kind, owner, created_at: created, updated_at: created, deleted: false, body: &prepared.body, index: &prepared.index };
    insert_record(conn, &row).map(|_| ())
}

/// The search rows and event numbers that sit beside a record.
pub(super) fn write_index(tx: &Connection, rowid: i64, index: &IndexFields, replace: bool) -> Result<()> {
    if replace {
        for sql in [
            "DELETE FROM search_exact WHERE rowid = ?1",
            "DELETE FROM search_folded WHERE rowid = ?1",
            "DELETE FROM event_facts WHERE rowid = ?1",
        ] {
            tx.prepare_cached(sql)?.execute([rowid])?;
        }
    }
    let all_text = format!("{} {}", index.title, index.search_text);
    tx.prepare_cached("INSERT INTO search_exact (rowid, t) VALUES (?1, ?2)")?
        .execute(params![rowid, text::exact(&all_text)])?;
    tx.prepare_cached("INSERT INTO search_folded (rowid, t) VALUES (?1, ?2)")?
        .execute(params![rowid, text::fold(&all_text)])?;
    if let Some(f) = &index.facts {
        tx.prepare_cached(
            "INSERT INTO event_facts (rowid, mode, members, non_members, others, male, female, unique_reached,
                                      connection_points, posts, views, interactions, opinions)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?
        .execute(params![
            rowid,
            f.mode,
            f.members,
            f.non_members,
            f.others,
            f.male,
            f.female,
            f.unique_reached,
            f.connection_points,
            f.posts,
            f.views,
            f.interactions,
            f.opinions
        ])?;
    }
    Ok(())
}

/// Appends one change with this origin's next sequence number and clock reading. The sequence is dense:
/// it is read and bumped inside the same transaction as the write it describes.
#[allow(clippy::too_many_arguments)]
fn append_change(
    tx: &Connection,
    inst: &Installation,
    ctx: WriteCtx,
    kind: Kind,
    id: &str,
    op: &str,
    owner: &str,
    fields: &Value,
) -> Result<()> {
    let (millis, counter, last_seq, lamport): (i64, u32, i64, i64) = tx.query_row(
        "SELECT hlc_millis, hlc_counter, last_seq, lamport FROM installation WHERE singleton = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let hlc = Hlc { millis, counter }.tick(ctx.wall_millis);
    let seq = last_seq + 1;
    // The Lamport time orders changes for merging: it never reads a wall clock.
    let lamport = lamport + 1;
    // What this write overwrites, field by field: a receiver that holds another version of a field
    // knows the two edits were concurrent and records a conflict.
    let mut prev = Map::new();
    if let Value::Object(map) = fields {
        let mut versions = super::merge::load_versions(tx, id)?;
        let now = super::merge::Version { lamport, origin: inst.origin.clone() };
        for field in map.keys() {
            if let Some(v) = versions.insert(field.clone(), now.clone()) {
                prev.insert(field.clone(), v.to_json());
            }
        }
        super::merge::store_versions(tx, id, &versions)?;
    }
    tx.prepare_cached(
        "UPDATE installation SET hlc_millis = ?1, hlc_counter = ?2, last_seq = ?3, lamport = ?4 WHERE singleton = 1",
    )?
    .execute(params![hlc.millis, hlc.counter, seq, lamport])?;
    tx.prepare_cached(
        "INSERT INTO change_log (origin, seq, hlc, entity, record_id, op, owner_unit, fields, recorded_at, lamport, prev)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        inst.origin,
        seq,
        hlc.encode(),
        kind.as_str(),
        id,
        op,
        owner,
        fields.to_string(),
        ctx.rfc3339(),
        lamport,
        Value::Object(prev).to_string()
    ])?;
    // An edit here is the fields' new winner: conflicts beside it are stated against it.
    if op != "create" {
        if let Value::Object(map) = fields {
            let names: Vec<&str> = map.keys().map(String::as_str).collect();
            super::merge::refresh_conflicts(tx, id, kind, &names)?;
        }
    }
    Ok(())
}

/// Top-level fields whose value differs; a field that disappeared is recorded as null.
fn diff(old: &Value, new: &Value) -> Map<String, Value> {
    let empty = Map::new();
    let old = old.as_object().unwrap_or(&empty);
    let new = new.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    for (k, v) in new {
        if old.get(k) != Some(v) {
            out.insert(k.clone(), v.clone());
        }
    }
    for k in old.keys() {
        if !new.contains_key(k) {
            out.insert(k.clone(), Value::Null);
        }
    }
    out
}

/// A record written here may refer only to files held here (attached first): a reference to a file
/// nobody has would be asked for forever. References it had already stay, held or not — they came by
/// sync with the record and their files follow.
fn check_new_files_held(tx: &Connection, kind: Kind, body: &Value, old: Option<&Value>) -> Result<()> {
    let before = old.map(model::attachment::hashes_in).unwrap_or_default();
    let mut held = tx.prepare_cached("SELECT 1 FROM files WHERE sha256 = ?1")?;
    let mut problems = Vec::new();
    for (i, sha) in model::attachment::hashes_in(body).iter().enumerate() {
        if !before.contains(sha) && !held.exists([sha])? {
            problems.push(crate::error::FieldProblem { field: format!("attachments[{i}].sha256"), problem: Problem::FileNotHere(sha.clone()) });
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(Error::InvalidRecord { kind, problems }) }
}

fn check_unit_code_free(tx: &Connection, body: &Value, except_id: Option<&str>) -> Result<()> {
    let code = body["code"].as_str().unwrap_or_default();
    let taken: Option<String> = tx
        .query_row(
            "SELECT id FROM records WHERE kind = 'unit' AND deleted = 0 AND json_extract(body, '$.code') = ?1
             AND id IS NOT ?2",
            params![code, except_id],
            |r| r.get(0),
        )
        .optional()?;
    match taken {
        Some(_) => Err(Error::invalid("code", Problem::Duplicate(code.into()))),
        None => Ok(()),
    }
}

fn check_indicator_code_free(tx: &Connection, body: &Value) -> Result<()> {
    let code = body["code"].as_str().unwrap_or_default();
    if TxKnown(tx).indicator_exists_any(code)? {
        return Err(Error::invalid("code", Problem::Duplicate(code.into())));
    }
    Ok(())
}

/// The standard indicator catalogue ships with the program: the same ids on every installation (a v7
/// UUID built from a fixed time and the code), so catalogues from different places never duplicate.
pub(super) fn seed_standard_indicators(conn: &Connection) -> Result<()> {
    for ind in model::standard_catalogue() {
        let value = serde_json::to_value(&ind).map_err(Error::from_json)?;
        let prepared = model::prepare(Kind::Indicator, &value, &TxKnown(conn))?;
        insert_row(conn, &standard_indicator_id(&ind.code), Kind::Indicator, STANDARD_OWNER, STANDARD_CREATED, &prepared)?;
    }
    Ok(())
}

pub fn standard_indicator_id(code: &str) -> String {
    // FNV-1a over the code, spread over the 10 random bytes of a v7 UUID.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in code.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut bytes = [0u8; 10];
    bytes[..8].copy_from_slice(&h.to_be_bytes());
    bytes[8..].copy_from_slice(&(code.len() as u16).to_be_bytes());
    let millis = 1_683_244_800_000u64; // 2023-05-05, the date of công văn 856
    uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn province() -> (Store, String) {
        let mut s = Store::open_in_memory().unwrap();
        let p = s.init(&json!({"code": "T", "name": "Tỉnh đoàn Hưng Yên", "level": "province"})).unwrap();
        let c = s
            .create(Kind::Unit, &json!({"code": "X", "name": "Đoàn xã Đông Hưng", "level": "grassroots", "parent_id": p["id"]}))
            .unwrap();
        (s, c["id"].as_str().unwrap().to_string())
    }

    fn log(s: &Store) -> Vec<(i64, String, String, Value)> {
        let mut stmt = s.conn().prepare("SELECT seq, op, entity, fields FROM change_log ORDER BY seq").unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?)))
            .unwrap()
            .map(|r| {
                let (a, b, c, d) = r.unwrap();
                (a, b, c, serde_json::from_str(&d).unwrap())
            })
            .collect()
    }

    #[test]
    fn every_write_appends_one_dense_change_with_only_what_changed() {
        let (mut s, _) = province();
        let e = s.create(Kind::Event, &json!({"title": "Buổi 1", "start_at": "2025-07-01T08:00"})).unwrap();
        let id = e["id"].as_str().unwrap();
        s.update(Kind::Event, id, &json!({"title": "Buổi 1 (sửa)", "start_at": "2025-07-01T08:00"})).unwrap();
        // An update that changes nothing writes nothing.
        s.update(Kind::Event, id, &json!({"title": "Buổi 1 (sửa)", "start_at": "2025-07-01T08:00"})).unwrap();
        s.delete(Kind::Event, id).unwrap();
        let log = log(&s);
        let seqs: Vec<i64> = log.iter().map(|l| l.0).collect();
        assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
        assert_eq!(log[3].1, "update");
        assert_eq!(log[3].3, json!({"title": "Buổi 1 (sửa)"}));
        assert_eq!(log[4].3, json!({"deleted": true}));
        assert!(s.check().unwrap().is_empty());
    }

    #[test]
    fn a_refused_write_leaves_no_trace() {
        let (mut s, _) = province();
        let before = log(&s).len();
        let bad = json!({"title": "X", "start_at": "2025-07-01T08:00", "participants": {"members": -1}});
        assert!(s.create(Kind::Event, &bad).is_err());
        assert_eq!(log(&s).len(), before);
        let mut q = crate::ListQuery::new(Kind::Event);
        q.page_size = 1;
        assert_eq!(s.list(&q).unwrap().total, 0);
    }

    #[test]
    fn records_of_another_unit_are_read_only_here() {
        let (mut s, commune) = province();
        let e = s
            .create_at(Kind::Event, &json!({"title": "Ở xã", "start_at": "2025-07-01T08:00"}), Some(&commune), WriteCtx::now())
            .unwrap();
        let id = e["id"].as_str().unwrap();
        let err = s.update(Kind::Event, id, &json!({"title": "Sửa", "start_at": "2025-07-01T08:00"})).unwrap_err();
        assert_eq!(err.code(), "not_owner");
        assert!(err.message(crate::Lang::Vi).contains("Đoàn xã Đông Hưng"), "{}", err.message(crate::Lang::Vi));
        assert_eq!(s.delete(Kind::Event, id).unwrap_err().code(), "not_owner");
    }

    #[test]
    fn the_standard_catalogue_has_the_same_ids_everywhere() {
        let a = Store::open_in_memory().unwrap();
        let b = Store::open_in_memory().unwrap();
        let (mut da, mut db) = (Vec::new(), Vec::new());
        a.dump(&mut da).unwrap();
        b.dump(&mut db).unwrap();
        assert_eq!(da, db);
        assert_eq!(String::from_utf8(da).unwrap().lines().count(), crate::model::standard_catalogue().len());
        let id = standard_indicator_id("TT-01");
        assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 7);
    }
}
