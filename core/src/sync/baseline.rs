//! The yardstick for import speed (docs/benchmarks.md): the same change rows, read from the same bundle,
//! inserted by a plain rusqlite loop into one table in one transaction — no checks, no merge, no index.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{params, Connection};

use super::bundle::BundleReader;
use crate::error::Result;

/// Returns how many rows were inserted and how long it took. `recipient` is the store the bundle is
/// sealed to (a bundle of format 3 opens only with its key).
pub fn plain_insert(bundle: &Path, db: &Path, recipient: Option<&crate::Store>) -> Result<(u64, Duration)> {
    let me = recipient.map(crate::Store::signing_key).transpose()?;
    let mut conn = Connection::open(db)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS plain (origin TEXT, seq INTEGER, record_id TEXT, entity TEXT, fields TEXT,
                                           PRIMARY KEY (origin, seq))",
    )?;
    let started = Instant::now();
    let tx = conn.transaction()?;
    let mut n = 0u64;
    {
        let mut stmt = tx.prepare("INSERT OR IGNORE INTO plain (origin, seq, record_id, entity, fields) VALUES (?1, ?2, ?3, ?4, ?5)")?;
        let mut reader = BufReader::new(File::open(bundle).map_err(|e| crate::Error::Io { path: bundle.display().to_string(), source: e })?);
        BundleReader::changes(&mut reader, me.as_ref(), |_, c| {
            stmt.execute(params![c.origin, c.seq, c.record_id, c.entity.as_str(), serde_json::Value::Object(c.fields).to_string()])?;
            n += 1;
            Ok(())
        })?;
    }
    tx.commit()?;
    Ok((n, started.elapsed()))
}

/// The second yardstick: the rows an import writes — record, its two search rows, its event numbers, its
/// change-log row — written into Sotay's own schema by a plain loop, one transaction per bundle, with no
/// verification, no scope or range checks, no merge and no validation. The gap between this and a real
/// import is what checking and merging cost; the gap between this and [`plain_insert`] is the schema's.
pub fn plain_insert_schema(bundle: &Path, db: &Path, key: &crate::vault::DbKey, recipient: Option<&crate::Store>) -> Result<(u64, Duration)> {
    let me = recipient.map(crate::Store::signing_key).transpose()?;
    let mut store = crate::Store::open(db, key)?;
    let started = Instant::now();
    let mut n = 0u64;
    let mut reader = BufReader::new(File::open(bundle).map_err(|e| crate::Error::Io { path: bundle.display().to_string(), source: e })?);
    store.with_tx(|tx| {
        let mut rec = tx.prepare(
            r#"INSERT OR IGNORE INTO records (id, kind, owner_unit, created_at, updated_at, deleted, title, start, status, subtype, body)
               VALUES (?1, ?2, ?3, ?4, ?4, 0, ?5, ?6, ?7, ?8, ?9)"#,
        )?;
        let mut exact = tx.prepare("INSERT INTO search_exact (rowid, t) VALUES (?1, ?2)")?;
        let mut folded = tx.prepare("INSERT INTO search_folded (rowid, t) VALUES (?1, ?2)")?;
        let mut facts = tx.prepare(
            "INSERT INTO event_facts (rowid, mode, members, non_members, others, male, female, unique_reached,
                                      connection_points, posts, views, interactions, opinions)
             VALUES (?1, ?2, ?3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)",
        )?;
        let mut log = tx.prepare(
            "INSERT OR IGNORE INTO change_log (origin, seq, hlc, entity, record_id, op, owner_unit, fields, recorded_at, lamport, prev)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, '{}')",
        )?;
        BundleReader::changes(&mut reader, me.as_ref(), |_, c| {
            let text = |f: &str| c.fields.get(f).and_then(|v| v.as_str()).unwrap_or_default().to_string();
            let title = text("title");
            let fields = serde_json::Value::Object(c.fields.clone()).to_string();
            let inserted = rec.execute(params![c.record_id, c.entity.as_str(), c.owner_unit, c.recorded_at, title, text("start_at"), text("status"), text("event_type"), fields])?;
            if inserted == 1 {
                let rowid = tx.last_insert_rowid();
                exact.execute(params![rowid, crate::text::exact(&title)])?;
                folded.execute(params![rowid, crate::text::fold(&title)])?;
                if c.entity == crate::Kind::Event {
                    let members = c.fields.get("participants").and_then(|p| p.get("members")).and_then(|m| m.as_i64()).unwrap_or(0);
                    facts.execute(params![rowid, text("mode"), members])?;
                }
            }
            log.execute(params![c.origin, c.seq, c.hlc, c.entity.as_str(), c.record_id, c.op.as_str(), c.owner_unit, fields, c.recorded_at, c.lamport])?;
            n += 1;
            Ok(())
        })
    })?;
    Ok((n, started.elapsed()))
}
