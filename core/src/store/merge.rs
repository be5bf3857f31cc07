//! Merging changes from other installations, field by field. Each field keeps the version that last set
//! it — (Lamport time, origin) — and the higher version wins, whatever the order changes arrive in, so
//! every receiver of the same changes ends in the same state. No wall clock takes part.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::model::{self, Kind, Known};

/// Who set a field last: compared by Lamport time, then by origin id (any fixed order of origins will do).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub lamport: i64,
    pub origin: String,
}

impl Version {
    pub fn to_json(&self) -> Value {
        Value::Array(vec![Value::from(self.lamport), Value::from(self.origin.clone())])
    }

    pub fn from_json(v: &Value) -> Option<Version> {
        let a = v.as_array()?;
        Some(Version { lamport: a.first()?.as_i64()?, origin: a.get(1)?.as_str()?.to_string() })
    }

    fn text(&self) -> String {
        format!("{}@{}", self.lamport, self.origin)
    }
}

/// Every field's version for one record.
pub(crate) type Versions = std::collections::BTreeMap<String, Version>;

pub(crate) fn load_versions(conn: &Connection, record_id: &str) -> Result<Versions> {
    let text: Option<String> = conn
        .prepare_cached("SELECT versions FROM record_versions WHERE record_id = ?1")?
        .query_row([record_id], |r| r.get(0))
        .optional()?;
    let Some(text) = text else { return Ok(Versions::new()) };
    let map: Map<String, Value> = serde_json::from_str(&text).map_err(Error::from_json)?;
    Ok(map.into_iter().filter_map(|(k, v)| Version::from_json(&v).map(|v| (k, v))).collect())
}

pub(crate) fn store_versions(conn: &Connection, record_id: &str, versions: &Versions) -> Result<()> {
    let map: Map<String, Value> = versions.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
    conn.prepare_cached(
        "INSERT INTO record_versions (record_id, versions) VALUES (?1, ?2)
         ON CONFLICT (record_id) DO UPDATE SET versions = excluded.versions",
    )?
    .execute(params![record_id, Value::Object(map).to_string()])?;
    Ok(())
}

/// A change as it travels in a bundle (docs/bundle-format.md).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub origin: String,
    pub seq: i64,
    pub lamport: i64,
    pub hlc: String,
    pub entity: Kind,
    pub record_id: String,
    pub op: Op,
    pub owner_unit: String,
    pub fields: Map<String, Value>,
    #[serde(default)]
    pub prev: Map<String, Value>,
    pub recorded_at: String,
}

#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Create,
    Update,
    Delete,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

/// Validation's view when merging: references may point at records another bundle will bring, so only
/// types, limits and the record's own rules are checked.
struct Permissive;

impl Known for Permissive {
    fn unit_exists(&self, _: &str) -> Result<bool> {
        Ok(true)
    }
    fn plan_exists(&self, _: &str) -> Result<bool> {
        Ok(true)
    }
    fn event_exists(&self, _: &str) -> Result<bool> {
        Ok(true)
    }
    fn indicator_exists(&self, _: &str) -> Result<bool> {
        Ok(true)
    }
}

/// Where applying a change left the record.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub fields_set: usize,
    /// Conflict records this change added.
    pub conflicts: usize,
    /// Other changes of the record are held (it is not a new record's first change).
    touched_others: bool,
}

/// Applies one change from another installation: logs it, merges it into its record, and brings the
/// record's conflict records up to date. The caller has checked its signature, scope and place in its
/// origin's sequence.
pub(crate) fn apply(conn: &Connection, c: &Change) -> Result<Applied> {
    conn.prepare_cached(
        "INSERT INTO change_log (origin, seq, hlc, entity, record_id, op, owner_unit, fields, recorded_at, lamport, prev)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        c.origin,
        c.seq,
        c.hlc,
        c.entity.as_str(),
        c.record_id,
        c.op.as_str(),
        c.owner_unit,
        Value::Object(c.fields.clone()).to_string(),
        c.recorded_at,
        c.lamport,
        Value::Object(c.prev.clone()).to_string()
    ])?;
    let mut applied = merge(conn, c)?;
    if applied.touched_others {
        let fields: Vec<&str> = c.fields.keys().map(String::as_str).collect();
        applied.conflicts = refresh_conflicts(conn, &c.record_id, c.entity, &fields)?;
    }
    Ok(applied)
}

fn merge(conn: &Connection, c: &Change) -> Result<Applied> {
    let incoming = Version { lamport: c.lamport, origin: c.origin.clone() };
    let existing: Option<(i64, String, String, String, i64)> = conn
        .prepare_cached("SELECT rowid, body, created_at, updated_at, deleted FROM records WHERE id = ?1")?
        .query_row([&c.record_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .optional()?;
    // Whether another change of the record is held: only then can there be a conflict.
    let mut applied = Applied { touched_others: true, ..Applied::default() };
    let Some((rowid, body, created_at, updated_at, deleted)) = existing else {
        if c.op != Op::Create {
            // Its create has not come yet: keep the fields until it does.
            for (field, value) in &c.fields {
                keep_pending(conn, &c.record_id, field, value, &incoming, &c.recorded_at)?;
            }
            return Ok(applied);
        }
        return create(conn, c, &incoming);
    };

    let mut body: Map<String, Value> = match serde_json::from_str(&body).map_err(Error::from_json)? {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let mut deleted = deleted != 0;
    let mut versions = load_versions(conn, &c.record_id)?;
    for (field, value) in &c.fields {
        let local_v = versions.get(field).cloned().unwrap_or(Version { lamport: 0, origin: String::new() });
        if incoming > local_v {
            if field == "deleted" {
                deleted = value.as_bool().unwrap_or(false);
            } else if value.is_null() {
                body.remove(field);
            } else {
                body.insert(field.clone(), value.clone());
            }
            versions.insert(field.clone(), incoming.clone());
            applied.fields_set += 1;
        }
    }
    store_versions(conn, &c.record_id, &versions)?;
    let body = Value::Object(body);
    let index = model::index_merged(c.entity, &body);
    // Both times follow from the set of changes, not from the order they came in.
    let updated_at = if c.recorded_at > updated_at { c.recorded_at.clone() } else { updated_at };
    let created_at = if c.op == Op::Create && c.recorded_at < created_at { c.recorded_at.clone() } else { created_at };
    let row = super::write::RecordRow {
        id: &c.record_id,
        kind: c.entity,
        owner: &c.owner_unit,
        created_at: &created_at,
        updated_at: &updated_at,
        deleted,
        body: &body,
        index: &index,
    };
    super::write::rewrite_record(conn, rowid, &row)?;
    Ok(applied)
}

fn create(conn: &Connection, c: &Change, incoming: &Version) -> Result<Applied> {
    let mut body = c.fields.clone();
    let mut versions: Vec<(String, Version)> = body.keys().map(|k| (k.clone(), incoming.clone())).collect();
    let mut deleted = false;
    // Fields that arrived before the create: the higher version of each wins.
    let mut stmt = conn.prepare_cached("SELECT field, value, lamport, origin FROM pending_fields WHERE record_id = ?1")?;
    let pending = stmt
        .query_map([&c.record_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, Version { lamport: r.get(2)?, origin: r.get(3)? }))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let had_pending = !pending.is_empty();
    for (field, value, v) in pending {
        if v > *incoming {
            let value: Value = serde_json::from_str(&value).map_err(Error::from_json)?;
            if field == "deleted" {
                deleted = value.as_bool().unwrap_or(false);
            } else if value.is_null() {
                body.remove(&field);
            } else {
                body.insert(field.clone(), value);
            }
            versions.retain(|(f, _)| *f != field);
            versions.push((field, v));
        }
    }
    let mut updated_at = c.recorded_at.clone();
    if had_pending {
        let latest: Option<String> = conn
            .prepare_cached("SELECT max(recorded_at) FROM pending_fields WHERE record_id = ?1")?
            .query_row([&c.record_id], |r| r.get(0))?;
        if let Some(l) = latest.filter(|l| *l > updated_at) {
            updated_at = l;
        }
        conn.prepare_cached("DELETE FROM pending_fields WHERE record_id = ?1")?.execute([&c.record_id])?;
    }
    let body = Value::Object(body);
    let index = model::index_merged(c.entity, &body);
    let row = super::write::RecordRow {
        id: &c.record_id,
        kind: c.entity,
        owner: &c.owner_unit,
        created_at: &c.recorded_at,
        updated_at: &updated_at,
        deleted,
        body: &body,
        index: &index,
    };
    super::write::insert_record(conn, &row)?;
    let fields_set = versions.len();
    store_versions(conn, &c.record_id, &versions.into_iter().collect())?;
    Ok(Applied { fields_set, conflicts: 0, touched_others: had_pending })
}

fn keep_pending(conn: &Connection, record_id: &str, field: &str, value: &Value, v: &Version, recorded_at: &str) -> Result<()> {
    // Every change counts towards the record's updated_at, the ones that lose included.
    conn.prepare_cached("UPDATE pending_fields SET recorded_at = max(recorded_at, ?2) WHERE record_id = ?1")?
        .execute(params![record_id, recorded_at])?;
    let latest: Option<String> = conn
        .prepare_cached("SELECT max(recorded_at) FROM pending_fields WHERE record_id = ?1")?
        .query_row([record_id], |r| r.get(0))?;
    let recorded_at = latest.filter(|l| l.as_str() > recorded_at).unwrap_or_else(|| recorded_at.to_string());
    let held: Option<Version> = conn
        .prepare_cached("SELECT lamport, origin FROM pending_fields WHERE record_id = ?1 AND field = ?2")?
        .query_row(params![record_id, field], |r| Ok(Version { lamport: r.get(0)?, origin: r.get(1)? }))
        .optional()?;
    if held.as_ref().is_none_or(|h| v > h) {
        conn.prepare_cached(
            "INSERT INTO pending_fields (record_id, field, value, lamport, origin, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (record_id, field) DO UPDATE SET value = excluded.value, lamport = excluded.lamport,
             origin = excluded.origin, recorded_at = excluded.recorded_at",
        )?
        .execute(params![record_id, field, value.to_string(), v.lamport, v.origin, recorded_at])?;
    }
    Ok(())
}

/// Brings the conflict records of `fields` of a record up to date with every change of it held here.
/// For each field the highest version wins; a version loses — and is a conflict, beside the winner — when
/// it holds another value and no change held overwrote it knowingly (named it as its `prev`): two edits
/// made without seeing each other. A function of the set of changes held, not of the order they came
/// in, so every receiver of the same changes shows the same conflicts. Returns how many were added.
pub(crate) fn refresh_conflicts(conn: &Connection, record_id: &str, entity: Kind, fields: &[&str]) -> Result<usize> {
    struct Held {
        version: Version,
        fields: Map<String, Value>,
        prev: Map<String, Value>,
    }
    let mut stmt = conn.prepare_cached("SELECT origin, lamport, fields, prev FROM change_log WHERE record_id = ?1")?;
    let rows = stmt.query_map([record_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)))?;
    let object = |text: &str| match serde_json::from_str(text) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let mut held = Vec::new();
    for row in rows {
        let (origin, lamport, fields, prev) = row?;
        held.push(Held { version: Version { lamport, origin }, fields: object(&fields), prev: object(&prev) });
    }
    let mut added = 0;
    for field in fields {
        let setters: Vec<(&Version, &Value)> = held.iter().filter_map(|h| h.fields.get(*field).map(|v| (&h.version, v))).collect();
        let overwritten: std::collections::HashSet<Version> =
            held.iter().filter_map(|h| h.prev.get(*field).and_then(Version::from_json)).collect();
        let before: i64 = conn
            .prepare_cached("SELECT count(*) FROM conflicts WHERE record_id = ?1 AND field = ?2")?
            .query_row(params![record_id, field], |r| r.get(0))?;
        conn.prepare_cached("DELETE FROM conflicts WHERE record_id = ?1 AND field = ?2")?.execute(params![record_id, field])?;
        let Some(&(kept_v, kept)) = setters.iter().max_by(|a, b| a.0.cmp(b.0)) else { continue };
        let mut now = 0i64;
        for &(lost_v, lost) in &setters {
            if lost_v == kept_v || lost == kept || overwritten.contains(lost_v) {
                continue;
            }
            conn.prepare_cached(
                "INSERT OR IGNORE INTO conflicts (record_id, entity, field, kept_value, kept_version, lost_value, lost_version)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![record_id, entity.as_str(), field, kept.to_string(), kept_v.text(), lost.to_string(), lost_v.text()])?;
            now += 1;
        }
        added += (now - before).max(0) as usize;
    }
    Ok(added)
}

/// Stores another installation's unit record as its enrolment file shows it, without a version: the
/// first change of it that arrives in a bundle replaces it field by field.
pub fn insert_foreign_unit(conn: &Connection, unit: &Value) -> Result<()> {
    let text = |f: &str| unit.get(f).and_then(Value::as_str).unwrap_or_default().to_string();
    let prepared = model::prepare(Kind::Unit, unit, &Permissive)?;
    let id = text("id");
    let owner = Some(text("owner_unit")).filter(|o| !o.is_empty()).unwrap_or_else(|| id.clone());
    super::write::insert_row(conn, &id, Kind::Unit, &owner, &text("created_at"), &prepared)
}
