//! Bringing a backup back: the file is checked as a copy beside the database (a Sotay database, whole,
//! not from a newer Sotay, of this installation), marked as restored, and only then put in the
//! database's place — after the current database is itself kept as a backup. A crash at any step
//! leaves either the old database or the restored one, never a mix: the copy is renamed over the
//! database in one step, and the old write-ahead log is removed first so that it cannot be replayed
//! into the restored file.
//!
//! The sync rule after a restore is in sync/restored.rs and docs/bundle-format.md ("After a restore").

use std::path::{Path, PathBuf};

use rusqlite::{OpenFlags, OptionalExtension};
use serde::Serialize;

use crate::backup::{Backup, Reason};
use crate::error::{Error, RestoreProblem, Result, VaultProblem};
use crate::vault::{DbKey, KeyFile, Secret};
use crate::store::Store;

/// What a backup file holds, read without changing anything.
#[derive(Debug, Clone, Serialize)]
pub struct BackupInfo {
    pub file: PathBuf,
    pub unit_id: String,
    pub unit_name: String,
    pub installation: String,
    /// This installation's own changes in the file (its log's length).
    pub own_changes: i64,
    pub events: i64,
    pub schema: i64,
}

/// What a restore did.
#[derive(Debug, Clone, Serialize)]
pub struct Restored {
    pub info: BackupInfo,
    /// The database as it was just before, kept as a backup (none when there was no database yet).
    pub previous: Option<Backup>,
    /// A plain backup of an older Sotay restored onto a new laptop got a new key: its recovery code, to
    /// show once.
    #[serde(skip)]
    pub recovery_code: Option<String>,
}

/// How a backup is unlocked: the key of the database it replaces (a backup of this laptop has the
/// same key), and what the officer typed for a backup with another (a new laptop, or a backup from
/// before the passphrase was reset).
pub struct Keys<'a> {
    /// The current database's key; needed when a database is there.
    pub current: Option<&'a DbKey>,
    /// The backup's passphrase or recovery code, when the current key does not open it. For a backup of
    /// an older Sotay (not encrypted) onto a new laptop: the passphrase of the new key.
    pub backup: Option<&'a Secret>,
}

/// The backup's database, opened for reading: its key, and where the database part ends.
struct Opened {
    key: Option<DbKey>,
    key_file: Option<KeyFile>,
    db_len: Option<u64>,
}

fn open_backup(db: &Path, file: &Path, keys: &Keys) -> Result<Opened> {
    let trailer = crate::vault::trailer::read(file).map_err(|_| refused(file, RestoreProblem::NotSqlite))?;
    let Some((kf, db_len)) = trailer else {
        // A backup of a Sotay before encryption: plain SQLite, or not a backup at all.
        return Ok(Opened { key: None, key_file: None, db_len: None });
    };
    let key = match keys.current.filter(|k| k.check() == kf.key_check) {
        Some(k) => k.clone(),
        None => match keys.backup {
            Some(secret) => crate::vault::unlock_with(&kf, secret, Some(&crate::vault::sibling(db, ".key.tries")))?,
            None => return Err(Error::Vault(VaultProblem::OtherKey)),
        },
    };
    Ok(Opened { key: Some(key), key_file: Some(kf), db_len: Some(db_len) })
}

/// Reads and checks `file` as a backup for the database at `db` (which may not exist yet: a new
/// laptop). Nothing is written but the count of wrong tries.
pub fn inspect(db: &Path, file: &Path, keys: &Keys) -> Result<BackupInfo> {
    let current = current_installation(db, keys.current)?;
    let opened = open_backup(db, file, keys)?;
    let info = match opened.db_len {
        // The database part alone, checked as a restore checks it (the key file after it is no page).
        Some(len) => {
            if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| Error::Io { path: dir.display().to_string(), source: e })?;
            }
            let look = sibling(db, ".inspect.part");
            let read = crate::vault::trailer::copy_database(file, len, &look).and_then(|()| read_backup(&look, opened.key.as_ref()));
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(sibling(&look, suffix));
            }
            BackupInfo { file: file.to_path_buf(), ..read.map_err(|e| rename_file(e, file))? }
        }
        None => read_backup(file, None)?,
    };
    accept_for(&info, current.as_ref(), file)?;
    Ok(info)
}

/// Puts the backup `file` in place of the database at `db`. The caller must have closed every
/// connection to `db` of its own (the window drops its store first).
///
/// The restored database keeps the current key file when there is one (a backup under another key is
/// re-encrypted to it on the way in), so the passphrase the officer uses now still opens it. On a new
/// laptop the backup's own key file comes along.
pub fn restore(db: &Path, file: &Path, keys: &Keys) -> Result<Restored> {
    let current = current_installation(db, keys.current)?;
    let opened = open_backup(db, file, keys)?;
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::Io { path: dir.display().to_string(), source: e })?;
    }
    // The copy is made and checked beside the database, so that the final rename stays on one disk.
    let part = sibling(db, ".restore.part");
    let plain_part = sibling(db, ".restore.plain.part");
    // A restore cut short may have left its copy, and SQLite's files beside it (a hot journal would be
    // rolled back into the next copy).
    let leftovers = || {
        for p in [&part, &plain_part] {
            for suffix in ["", "-journal", "-wal", "-shm"] {
                let _ = std::fs::remove_file(sibling(p, suffix));
            }
        }
    };
    leftovers();
    let mut new_key_file: Option<KeyFile> = None;
    let mut recovery_code = None;
    let done = (|| -> Result<Restored> {
        let key = match (&opened.key, opened.db_len) {
            (Some(key), Some(len)) => {
                crate::vault::trailer::copy_database(file, len, &part)?;
                key.clone()
            }
            _ => {
                // An older Sotay's plain backup: checked as it is, then encrypted on the way in.
                std::fs::copy(file, &plain_part).map_err(|e| Error::Io { path: file.display().to_string(), source: e })?;
                read_backup(&plain_part, None).map_err(|e| rename_file(e, file))?;
                let key = match keys.current {
                    Some(k) => k.clone(),
                    None => {
                        let Some(Secret::Passphrase(p)) = keys.backup else {
                            return Err(Error::Vault(VaultProblem::PassphraseNeeded));
                        };
                        let (kf, created) = crate::vault::new_key_file(p)?;
                        new_key_file = Some(kf);
                        recovery_code = Some(created.recovery_code.to_string());
                        created.key
                    }
                };
                crate::vault::encrypt_copy(&plain_part, &part, &key)?;
                let _ = std::fs::remove_file(&plain_part);
                key
            }
        };
        let info = read_backup(&part, Some(&key)).map_err(|e| rename_file(e, file))?;
        let info = BackupInfo { file: file.to_path_buf(), ..info };
        accept_for(&info, current.as_ref(), file)?;
        // Under the current key, so that the current key file opens it.
        let target_key = keys.current.cloned().unwrap_or_else(|| key.clone());
        if target_key != key {
            crate::vault::rekey(&part, &key, &target_key)?;
        }
        if keys.current.is_none() && new_key_file.is_none() {
            new_key_file = opened.key_file.clone();
        }
        crate::sync::mark_restored(&part, &target_key)?;
        crate::backup::flush(&part)?;
        // The database as it is now, kept: a restore can itself be undone.
        let previous = match (db.exists(), keys.current) {
            (true, Some(current_key)) => {
                let store = Store::open(db, current_key)?;
                let folder = crate::backup::folder_for(db);
                let kept = store.backup_into(&folder, Reason::Restore)?;
                drop(store);
                Some(kept)
            }
            _ => None,
        };
        crate::pause::point("restore.backed_up");
        // Our last connection is closed, so SQLite has folded its log back and removed it. A log still
        // there belongs to another program with the database open (the window, while `sotay restore`
        // runs): replacing the file under it would lose what it writes next.
        if sibling(db, "-wal").exists() {
            return Err(refused(file, RestoreProblem::InUse));
        }
        let _ = std::fs::remove_file(sibling(db, "-shm"));
        // A new laptop: the key file first. Cut short here, the folder holds a key file and no database,
        // which set-up treats as empty.
        if let Some(kf) = &new_key_file {
            kf.write(&crate::vault::key_path(db))?;
        }
        std::fs::rename(&part, db).map_err(|e| Error::Io { path: db.display().to_string(), source: e })?;
        crate::backup::flush_dir(db.parent().unwrap_or(Path::new(".")));
        Ok(Restored { info, previous, recovery_code: recovery_code.clone() })
    })();
    if done.is_err() {
        leftovers();
    }
    // An older backup is brought up to this version's schema when the database is next opened (with a
    // backup of its own first).
    done
}

/// `db` with `suffix` added to its file name.
fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// A refusal found on the working copy names the file the officer chose.
fn rename_file(e: Error, file: &Path) -> Error {
    match e {
        Error::RestoreRefused { reason, .. } => Error::RestoreRefused { file: file.display().to_string(), reason },
        other => other,
    }
}

fn current_installation(db: &Path, key: Option<&DbKey>) -> Result<Option<crate::store::Installation>> {
    if crate::vault::state(db) == crate::vault::State::Missing {
        return Ok(None);
    }
    let Some(key) = key else { return Err(Error::Vault(VaultProblem::Locked)) };
    Store::open(db, key)?.installation()
}

fn refused(file: &Path, reason: RestoreProblem) -> Error {
    Error::RestoreRefused { file: file.display().to_string(), reason }
}

/// Opens `file` read-only and reads what it is: SQLite, whole, a Sotay schema this version knows, an
/// installation with its unit.
fn read_backup(file: &Path, key: Option<&DbKey>) -> Result<BackupInfo> {
    let conn = crate::vault::open_conn(file, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX, key)
        .map_err(|_| refused(file, RestoreProblem::NotSqlite))?;
    if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
        // SQLite's own first bytes (or, encrypted, a key that opened the key file) and then nothing
        // readable: a copy cut short, not another kind of file.
        let mut magic = [0u8; 16];
        let starts_right = key.is_some()
            || (std::fs::File::open(file).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic)).is_ok()
                && &magic == b"SQLite format 3\0");
        return Err(refused(file, if starts_right { RestoreProblem::Damaged(e.to_string()) } else { RestoreProblem::NotSqlite }));
    }
    // Checked as a backup is when it is taken (backup::check_copy: SQLCipher's page check when
    // encrypted, SQLite's integrity_check when plain).
    drop(conn);
    if let Err(e) = crate::backup::check_copy(file, key) {
        return Err(refused(file, RestoreProblem::Damaged(crate::i18n::error_message(&e, crate::i18n::Lang::En))));
    }
    let conn = crate::vault::open_conn(file, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX, key)?;
    let schema: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = crate::store::schema_version();
    if schema > known {
        return Err(refused(file, RestoreProblem::Newer { found: schema, known }));
    }
    let inst: Option<(String, String, i64)> = conn
        .query_row("SELECT origin, unit_id, last_seq FROM installation WHERE singleton = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()
        .unwrap_or(None); // no installation table: not Sotay's
    let Some((installation, unit_id, own_changes)) = inst.filter(|_| schema >= 1) else {
        return Err(refused(file, RestoreProblem::NotSotay));
    };
    let unit_name: String = conn
        .query_row("SELECT title FROM records WHERE id = ?1", [&unit_id], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| unit_id.clone());
    let events: i64 = conn.query_row("SELECT count(*) FROM records WHERE kind = 'event' AND deleted = 0", [], |r| r.get(0))?;
    Ok(BackupInfo { file: file.to_path_buf(), unit_id, unit_name, installation, own_changes, events, schema })
}

/// A backup may replace a database of the same installation, or a database with no unit yet (a new
/// laptop). Another unit's backup, or another laptop's of the same unit, would make one laptop two.
fn accept_for(info: &BackupInfo, current: Option<&crate::store::Installation>, file: &Path) -> Result<()> {
    let Some(here) = current else { return Ok(()) };
    if here.unit_id != info.unit_id {
        return Err(refused(file, RestoreProblem::OtherUnit { backup: info.unit_name.clone() }));
    }
    if here.origin != info.installation {
        return Err(refused(file, RestoreProblem::OtherInstallation));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;
    use serde_json::json;

    fn commune(path: &Path) -> Store {
        let mut s = Store::open_test(path);
        s.init(&json!({"code": "XA-DH", "name": "Đoàn xã Đông Hưng", "level": "grassroots"})).unwrap();
        s
    }

    fn same_key() -> Keys<'static> {
        static KEY: std::sync::OnceLock<DbKey> = std::sync::OnceLock::new();
        Keys { current: Some(KEY.get_or_init(crate::vault::test_key)), backup: None }
    }

    fn log(s: &mut Store, title: &str) {
        s.create(Kind::Event, &json!({"title": title, "start_at": "2026-11-20T08:00"})).unwrap();
    }

    fn titles(db: &Path) -> Vec<String> {
        let s = Store::open_test(db);
        let mut q = crate::ListQuery::new(Kind::Event);
        q.page_size = 100;
        let mut t: Vec<String> = s.list(&q).unwrap().rows.iter().map(|r| r["title"].as_str().unwrap_or_default().to_string()).collect();
        t.sort();
        t
    }

    #[test]
    fn a_restore_brings_the_backup_back_and_keeps_what_was_there_as_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("sotay.db");
        let mut s = commune(&db);
        log(&mut s, "Buổi một");
        let b = s.backup_into(&dir.path().join("usb"), Reason::Manual).unwrap();
        log(&mut s, "Buổi hai");
        drop(s);
        let r = restore(&db, &b.path, &same_key()).unwrap();
        assert_eq!(r.info.events, 1);
        assert_eq!(titles(&db), vec!["Buổi một"]);
        assert!(!sibling(&db, ".restore.part").exists());
        // What was there before is a backup that brings "Buổi hai" back.
        let previous = r.previous.unwrap();
        assert_eq!(previous.reason, Reason::Restore);
        restore(&db, &previous.path, &same_key()).unwrap();
        assert_eq!(titles(&db), vec!["Buổi hai", "Buổi một"]);
        assert!(Store::open_test(&db).check().unwrap().is_empty());
    }

    #[test]
    fn a_file_that_is_not_a_whole_sotay_backup_of_this_installation_is_refused_and_nothing_changes() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("sotay.db");
        let mut s = commune(&db);
        log(&mut s, "Buổi một");
        let good = s.backup_into(&dir.path().join("usb"), Reason::Manual).unwrap();
        drop(s);
        let before = std::fs::read(&db).unwrap();
        let mut cases: Vec<(PathBuf, fn(&RestoreProblem) -> bool)> = Vec::new();

        let text = dir.path().join("ghi-chu.db");
        std::fs::write(&text, "không phải cơ sở dữ liệu").unwrap();
        cases.push((text, |p| matches!(p, RestoreProblem::NotSqlite)));

        let bytes = std::fs::read(&good.path).unwrap();
        let cut = dir.path().join("cut.db");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        // Cut short, a backup loses its key at the end: it cannot be told from another kind of file.
        cases.push((cut, |p| matches!(p, RestoreProblem::NotSqlite)));

        let mut tampered_bytes = bytes.clone();
        tampered_bytes[4096 + 100] ^= 0x20;
        let tampered = dir.path().join("tampered.db");
        std::fs::write(&tampered, &tampered_bytes).unwrap();
        cases.push((tampered, |p| matches!(p, RestoreProblem::Damaged(_))));

        let newer = dir.path().join("newer.db");
        std::fs::copy(&good.path, &newer).unwrap();
        let rw = OpenFlags::SQLITE_OPEN_READ_WRITE;
        crate::vault::open_conn(&newer, rw, Some(&crate::vault::test_key())).unwrap().pragma_update(None, "user_version", 999).unwrap();
        cases.push((newer, |p| matches!(p, RestoreProblem::Newer { found: 999, .. })));

        let other_db = dir.path().join("other.db");
        let mut other = Store::open_test(&other_db);
        other.init(&json!({"code": "XA-TL", "name": "Đoàn xã Tân Lập", "level": "grassroots"})).unwrap();
        let other_unit = other.backup_into(&dir.path().join("usb2"), Reason::Manual).unwrap();
        cases.push((other_unit.path, |p| matches!(p, RestoreProblem::OtherUnit { backup } if backup == "Đoàn xã Tân Lập")));

        let plain = dir.path().join("plain.db");
        rusqlite::Connection::open(&plain).unwrap().execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);").unwrap();
        cases.push((plain, |p| matches!(p, RestoreProblem::NotSotay)));

        for (file, expected) in cases {
            let e = restore(&db, &file, &same_key()).unwrap_err();
            match &e {
                Error::RestoreRefused { file: f, reason } => {
                    assert!(expected(reason), "{}: {reason:?}", file.display());
                    assert_eq!(f, &file.display().to_string(), "the message names the chosen file");
                }
                other => panic!("{}: {other:?}", file.display()),
            }
            assert!(!e.message(crate::Lang::Vi).is_empty());
            assert_eq!(std::fs::read(&db).unwrap(), before, "{}: the database is untouched", file.display());
            assert!(!sibling(&db, ".restore.part").exists());
        }
        assert_eq!(titles(&db), vec!["Buổi một"]);
    }

    #[test]
    fn a_new_laptop_takes_the_backup_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = commune(&dir.path().join("old.db"));
        log(&mut s, "Buổi một");
        let b = s.backup_into(&dir.path().join("usb"), Reason::Manual).unwrap();
        let new_db = dir.path().join("moi").join("sotay.db");
        std::fs::create_dir_all(new_db.parent().unwrap()).unwrap();
        let secret = Secret::Key(crate::vault::test_key());
        let r = restore(&new_db, &b.path, &Keys { current: None, backup: Some(&secret) }).unwrap();
        assert!(crate::vault::key_path(&new_db).exists(), "the backup's key file comes along");
        assert!(r.previous.is_none());
        let restored = Store::open_test(&new_db);
        assert_eq!(restored.identity().unwrap().fingerprint, s.identity().unwrap().fingerprint, "the key comes along");
    }

    #[test]
    fn a_database_open_in_another_program_is_not_replaced_under_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("sotay.db");
        let mut s = commune(&db);
        let b = s.backup_into(&dir.path().join("usb"), Reason::Manual).unwrap();
        log(&mut s, "Buổi ghi trong cửa sổ đang mở");
        // `s` stays open, as the window would while `sotay restore` runs.
        let e = restore(&db, &b.path, &same_key()).unwrap_err();
        assert!(matches!(e, Error::RestoreRefused { reason: RestoreProblem::InUse, .. }), "{e:?}");
        assert!(!sibling(&db, ".restore.part").exists());
        log(&mut s, "Buổi ghi sau đó");
        drop(s);
        assert_eq!(titles(&db), vec!["Buổi ghi sau đó", "Buổi ghi trong cửa sổ đang mở"]);
    }
}
