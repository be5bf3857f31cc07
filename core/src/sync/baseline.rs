//! The yardstick for import speed (docs/benchmarks.md): the same change rows, read from the same bundle,
//! inserted by a plain rusqlite loop into one table in one transaction — no checks, no merge, no index.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{params, Connection};

use super::bundle::BundleReader;
use crate::error::Result;

/// Returns how many rows were inserted and how long it took.
pub fn plain_insert(bundle: &Path, db: &Path) -> Result<(u64, Duration)> {
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
        BundleReader::changes(&mut reader, |_, c| {
            stmt.execute(params![c.origin, c.seq, c.record_id, c.entity.as_str(), serde_json::Value::Object(c.fields).to_string()])?;
            n += 1;
            Ok(())
        })?;
    }
    tx.commit()?;
    Ok((n, started.elapsed()))
}
