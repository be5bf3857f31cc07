//! The local SQLite store: opening it safely, migrating it, and the installation it belongs to.
//! Every write goes through [`write`], which appends to the change log in the same transaction.

mod known;
pub(crate) mod merge;
mod read;
mod schema;
mod write;

pub use read::{assemble as assemble_record, ListQuery, Page, Sort};
pub use merge::insert_foreign_unit;
pub use write::{new_id, standard_indicator_id, WriteCtx, STANDARD_OWNER};
pub(crate) use write::{delete_in, insert, update_in};
pub(crate) use read::get_tx;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::vault::DbKey;

/// This installation: its origin id in the change log, the unit it works for, and its clock state.
#[derive(Debug, Clone, Serialize)]
pub struct Installation {
    pub origin: String,
    pub unit_id: String,
    pub created_at: String,
}

pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
    /// The key the file is encrypted with (none for a database in memory): backups and restores open
    /// their copies with it.
    key: Option<crate::vault::DbKey>,
}

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    schema::MIGRATIONS.len() as i64
}

/// Where the database lives when no `--db` or `SOTAY_DB` is given: the user's data folder, the same
/// folder Tauri's app data dir resolves to, so the CLI and the window share one file.
pub fn default_db_path() -> PathBuf {
    let base = dirs::data_dir().unwrap_or_else(|| PathBuf::from("."));
    base.join(crate::APP_IDENTIFIER).join("sotay.db")
}

impl Store {
    /// Opens (creating if needed) the database at `path`, encrypted with `key`, and brings its schema up
    /// to date. The key comes from [`Store::unlock`] or [`Store::create_encrypted`] (crate::vault).
    pub fn open(path: &Path, key: &DbKey) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::Io { path: dir.display().to_string(), source: e })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = crate::vault::open_conn(path, flags, Some(key))?;
        let mut store = Store { conn, path: Some(path.to_path_buf()), key: Some(key.clone()) };
        store.configure().map_err(|e| not_a_database(e, path))?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens the encrypted database at `path` with what the officer gave: its passphrase, recovery code
    /// or a key file.
    pub fn unlock(path: &Path, secret: &crate::vault::Secret) -> Result<Store> {
        match crate::vault::state(path) {
            crate::vault::State::Missing => Err(Error::NotInitialized),
            crate::vault::State::Plain => Err(Error::Vault(crate::error::VaultProblem::NotEncrypted)),
            crate::vault::State::Foreign => Err(Error::NotADatabase { path: path.display().to_string() }),
            crate::vault::State::KeyFileMissing | crate::vault::State::Encrypted => {
                let key = crate::vault::unlock(path, secret)?;
                Store::open(path, &key)
            }
        }
    }

    /// Creates a new database at `path`, encrypted from its first byte, its key wrapped by `passphrase`
    /// and by a new recovery code (returned, to be shown once).
    pub fn create_encrypted(path: &Path, passphrase: &str) -> Result<(Store, crate::vault::Created)> {
        if crate::vault::state(path) != crate::vault::State::Missing {
            return Err(Error::AlreadyInitialized);
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::Io { path: dir.display().to_string(), source: e })?;
        }
        let created = crate::vault::create(path, passphrase)?;
        let store = Store::open(path, &created.key)?;
        Ok((store, created))
    }

    /// A test's database on disk, under a fixed key whose key file has no wraps (no slow derivation).
    #[cfg(test)]
    pub(crate) fn open_test(path: &Path) -> Store {
        let key = crate::vault::test_key();
        let kf = crate::vault::key_path(path);
        if !kf.exists() {
            crate::vault::KeyFile::new(&key).write(&kf).expect("test key file");
        }
        Store::open(path, &key).expect("test store opens")
    }

    /// An older Sotay's plain database, for the tests of its conversion.
    #[cfg(test)]
    pub(crate) fn open_plain_for_test(path: &Path) -> Store {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = crate::vault::open_conn(path, flags, None).expect("plain test store");
        let mut store = Store { conn, path: Some(path.to_path_buf()), key: None };
        store.configure().expect("configure");
        store.migrate().expect("migrate");
        store
    }

    #[cfg(test)]
    pub(crate) fn dump_to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.dump(&mut out).expect("dump");
        out
    }

    /// Copies of this database for `sotay bench --plain-too`, to time the same work with and without
    /// encryption in one run: an encrypted copy at `encrypted` (with its key file) and a plain one at
    /// `plain`, opened. Only for benchmarks: an officer's data is never written plain.
    pub fn bench_copies(&self, encrypted: &Path, plain: &Path) -> Result<(Store, Store)> {
        let (Some(path), Some(key)) = (self.path(), self.key()) else { return Err(Error::NotInitialized) };
        self.copy_to(encrypted)?;
        crate::vault::read_key_file(path)?.write(&crate::vault::key_path(encrypted))?;
        crate::vault::decrypt_copy(path, key, plain)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut p = Store { conn: crate::vault::open_conn(plain, flags, None)?, path: Some(plain.to_path_buf()), key: None };
        p.configure()?;
        Ok((Store::open(encrypted, key)?, p))
    }

    /// The key this database is encrypted with.
    pub fn key(&self) -> Option<&DbKey> {
        self.key.as_ref()
    }

    /// A private database in memory, for tests.
    pub fn open_in_memory() -> Result<Store> {
        let mut store = Store { conn: Connection::open_in_memory()?, path: None, key: None };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn configure(&mut self) -> Result<()> {
        // Reading the schema first makes a non-SQLite file fail here, before anything is written.
        self.conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))?;
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a power cut right after a save must not lose that save.
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        // A 128 MiB page cache (a cap: it fills only as pages are read). With SQLCipher every page read
        // from the file is decrypted and checked; kept in the cache, a repeated query pays nothing for it.
        self.conn.pragma_update(None, "cache_size", -131_072)?;
        self.conn.busy_timeout(Duration::from_secs(5))?;
        self.conn.create_collation("vi", crate::text::compare_vi)?;
        Ok(())
    }

    fn migrate(&mut self) -> Result<()> {
        let found: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let known = schema_version();
        if found > known {
            return Err(Error::NewerDatabase { found, known });
        }
        if found > 0 && found < known {
            if let Some(path) = self.path.clone() {
                // A newer Sotay is about to change the schema: the database as the older one left it is
                // kept first, and nothing is migrated without that copy.
                self.backup_into(&crate::backup::folder_for(&path), crate::backup::Reason::Migration)?;
            }
        }
        for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(found as usize) {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(sql)?;
            if i == 0 {
                write::seed_standard_indicators(&tx)?;
            }
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    }

    pub fn installation(&self) -> Result<Option<Installation>> {
        Ok(self
            .conn
            .query_row("SELECT origin, unit_id, created_at FROM installation WHERE singleton = 1", [], |r| {
                Ok(Installation { origin: r.get(0)?, unit_id: r.get(1)?, created_at: r.get(2)? })
            })
            .optional()?)
    }

    pub fn require_installation(&self) -> Result<Installation> {
        self.installation()?.ok_or(Error::NotInitialized)
    }

    /// Runs `f` inside one IMMEDIATE transaction: all of it is written, or none of it.
    pub fn with_tx<T>(&mut self, f: impl FnOnce(&rusqlite::Transaction) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` inside a transaction that is always rolled back: a rehearsal (import --dry-run).
    pub(crate) fn rehearse<T>(&mut self, f: impl FnOnce(&rusqlite::Transaction) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx);
        tx.rollback()?;
        out
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Validation's view of what exists, outside a write.
    pub(crate) fn known(&self) -> known::TxKnown<'_> {
        known::TxKnown(&self.conn)
    }

    /// A consistent copy of the whole database in a new file (a backup, or a test's second receiver).
    ///
    /// An encrypted database is copied as its encrypted bytes, with no page decrypted or encrypted again
    /// (`VACUUM INTO` would do both for every page, tripling a backup's time): under a write lock, so that
    /// no commit lands mid-copy, the file and its write-ahead log are copied as they are, and the copy's log
    /// is folded into it. A database in memory, or a plain one, is copied by `VACUUM INTO`.
    pub fn copy_to(&self, path: &Path) -> Result<()> {
        match (&self.path, &self.key) {
            (Some(src), Some(key)) => self.copy_encrypted(src, path, key),
            _ => {
                self.conn.execute("VACUUM INTO ?1", [path.display().to_string()])?;
                Ok(())
            }
        }
    }

    fn copy_encrypted(&self, src: &Path, out: &Path, key: &DbKey) -> Result<()> {
        let io = |p: &Path| {
            let p = p.display().to_string();
            move |e| Error::Io { path: p, source: e }
        };
        let wal_of = |p: &Path| crate::vault::sibling(p, "-wal");
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let copied = (|| -> Result<()> {
            std::fs::copy(src, out).map_err(io(out))?;
            match std::fs::copy(wal_of(src), wal_of(out)) {
                Ok(_) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(io(out)(e)),
            }
        })();
        let _ = self.conn.execute_batch("ROLLBACK");
        copied?;
        // The copy's log, folded into it: the copy is one file, as a backup must be.
        let conn = crate::vault::open_conn(out, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX, Some(key))?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        conn.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
        drop(conn);
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(crate::vault::sibling(out, suffix));
        }
        Ok(())
    }

    /// For a long-running server (the hub): a 128 MiB page cache (as every store), so that a large import does not spill
    /// pages mid-transaction, and no checkpoints on commit — the server runs `checkpoint` on another
    /// connection instead, off the path of the requests.
    pub fn tune_for_server(&mut self) -> Result<()> {
        self.conn.pragma_update(None, "cache_size", -131_072)?;
        self.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        Ok(())
    }

    /// Copies what the write-ahead log holds into the database file, as far as readers allow.
    pub fn checkpoint(&self) -> Result<()> {
        self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// Keeps a form's unsaved state so a crash or a power cut loses nothing typed.
    pub fn save_draft(&mut self, key: &str, data: &serde_json::Value) -> Result<()> {
        let now = crate::clock::rfc3339(crate::clock::now_utc());
        self.conn.execute(
            "INSERT INTO drafts (key, data, saved_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET data = excluded.data, saved_at = excluded.saved_at",
            rusqlite::params![key, data.to_string(), now],
        )?;
        Ok(())
    }

    pub fn load_draft(&self, key: &str) -> Result<Option<serde_json::Value>> {
        let text: Option<String> =
            self.conn.query_row("SELECT data FROM drafts WHERE key = ?1", [key], |r| r.get(0)).optional()?;
        text.map(|t| serde_json::from_str(&t).map_err(Error::from_json)).transpose()
    }

    pub fn clear_draft(&mut self, key: &str) -> Result<()> {
        self.conn.execute("DELETE FROM drafts WHERE key = ?1", [key])?;
        Ok(())
    }
}

fn not_a_database(e: Error, path: &Path) -> Error {
    match &e {
        Error::Sqlite(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::NotADatabase =>
        {
            // Encrypted but not with this key: the key file is another database's.
            if crate::vault::state(path) == crate::vault::State::Encrypted {
                Error::Vault(crate::error::VaultProblem::OtherKey)
            } else {
                Error::NotADatabase { path: path.display().to_string() }
            }
        }
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_sqlite_is_refused_and_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.db");
        let content = "Biên bản họp chi đoàn — not a database, but a person's file.\n".repeat(200);
        std::fs::write(&path, &content).unwrap();
        let err = Store::open(&path, &crate::vault::test_key()).err().unwrap();
        assert_eq!(err.code(), "not_a_database");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), content);
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sotay.db");
        drop(Store::open_test(&path));
        let rw = OpenFlags::SQLITE_OPEN_READ_WRITE;
        let conn = crate::vault::open_conn(&path, rw, Some(&crate::vault::test_key())).unwrap();
        conn.pragma_update(None, "user_version", schema_version() + 1).unwrap();
        drop(conn);
        match Store::open(&path, &crate::vault::test_key()) {
            Err(Error::NewerDatabase { found, known }) => {
                assert_eq!(found, schema_version() + 1);
                assert_eq!(known, schema_version());
            }
            other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn reopening_keeps_the_schema_and_runs_no_migration_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sotay.db");
        drop(Store::open_test(&path));
        let store = Store::open_test(&path);
        let v: i64 = store.conn().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(v, schema_version());
        let mode: String = store.conn().pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }

    /// A database from before migration 8 counted only members in TT-02; opened now, it counts members
    /// and youth, as a new one does.
    #[test]
    fn an_older_database_counts_youth_in_tt02_once_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sotay.db");
        let tt02 = |s: &Store| -> String {
            s.conn()
                .query_row("SELECT json_extract(body, '$.rule.measure') FROM records WHERE kind = 'indicator' AND json_extract(body, '$.code') = 'TT-02'", [], |r| r.get(0))
                .unwrap()
        };
        {
            let s = Store::open_test(&path);
            assert_eq!(tt02(&s), crate::model::TT02_MEASURE);
            s.conn().execute_batch("UPDATE records SET body = json_set(body, '$.rule.measure', 'members') WHERE json_extract(body, '$.code') = 'TT-02';
                 ALTER TABLE peers DROP COLUMN revoked_at; ALTER TABLE peers DROP COLUMN revoked_after;
                 ALTER TABLE peers DROP COLUMN last_contact; ALTER TABLE peers DROP COLUMN hub_also;
                 DROP TABLE files; DROP TABLE file_refs; DROP TABLE file_outbox; DROP TABLE file_parts; PRAGMA user_version = 7;").unwrap();
        }
        let s = Store::open_test(&path);
        assert_eq!(tt02(&s), "members+non_members");
        assert!(s.check().unwrap().iter().all(|p| !p.contains("indicator")), "{:?}", s.check().unwrap());
        // The database as version 7 left it was kept before the upgrade, and only then.
        let kept = crate::backup::list(&dir.path().join(crate::backup::FOLDER_NAME)).unwrap();
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!(kept[0].reason, crate::backup::Reason::Migration);
        let old = crate::vault::open_conn(&kept[0].path, OpenFlags::SQLITE_OPEN_READ_ONLY, Some(&crate::vault::test_key())).unwrap();
        assert_eq!(old.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0)).unwrap(), 7);
        drop(Store::open_test(&path));
        assert_eq!(crate::backup::list(&dir.path().join(crate::backup::FOLDER_NAME)).unwrap().len(), 1, "no backup without an upgrade");
    }
}
