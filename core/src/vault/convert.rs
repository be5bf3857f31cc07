//! Encrypting a plain database (an older Sotay's) once, and moving a copy from one key to another.

use std::path::Path;

use rusqlite::OpenFlags;

use super::{open_conn, DbKey};
use crate::backup::{Backup, Reason};
use crate::error::{Error, Result};

/// Writes an encrypted copy of the plain database `plain` to `out` (which must not exist), with the
/// schema version; the copy is checked before it is returned.
pub(crate) fn encrypt_copy(plain: &Path, out: &Path, key: &DbKey) -> Result<()> {
    // CREATE: the attached copy is a new file, made with the main connection's flags.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = open_conn(plain, flags, None)?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let hex: String = key.bytes().iter().map(|b| format!("{b:02x}")).collect();
    let attach = zeroize::Zeroizing::new(format!("ATTACH DATABASE ?1 AS encrypted KEY \"x'{hex}'\""));
    conn.execute(&attach, [out.display().to_string()])?;
    conn.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
    conn.pragma_update(Some("encrypted"), "user_version", version)?;
    conn.execute("DETACH DATABASE encrypted", [])?;
    drop(conn);
    check(out, key)
}

/// Moves the database file `path` from `from` to the key `to` (a whole rewrite, as SQLCipher's rekey).
pub(crate) fn rekey(path: &Path, from: &DbKey, to: &DbKey) -> Result<()> {
    let conn = open_conn(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX, Some(from))?;
    // A rollback journal, not a log: rekey rewrites every page in one transaction.
    conn.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
    let hex: String = to.bytes().iter().map(|b| format!("{b:02x}")).collect();
    conn.execute_batch(&zeroize::Zeroizing::new(format!("PRAGMA rekey = \"x'{hex}'\";")))?;
    drop(conn);
    check(path, to)
}

fn check(path: &Path, key: &DbKey) -> Result<()> {
    let conn = open_conn(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX, Some(key))?;
    let verdict: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if verdict != "ok" {
        return Err(Error::Integrity(verdict));
    }
    Ok(())
}

/// What converting a plain database did.
pub struct Converted {
    pub created: super::Created,
    /// The data as it was, kept as an encrypted backup before anything was replaced.
    pub backup: Backup,
}

/// Encrypts the plain database at `db` once, under a new key wrapped by `passphrase`. First an
/// encrypted copy is made and checked, and kept as a backup; then the key file is written and the copy
/// renamed over the plain file. Cut short at any point, the plain database is still there, whole, and
/// the next start converts it again.
pub fn convert_plain(db: &Path, passphrase: &str) -> Result<Converted> {
    if super::state(db) != super::State::Plain {
        return Err(Error::Vault(crate::error::VaultProblem::OtherKey));
    }
    let (kf, created) = super::new_key_file(passphrase)?;
    // Everything the log holds goes into the file first, so that the copy misses nothing.
    {
        let conn = open_conn(db, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX, None)?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    let part = super::sibling(db, ".encrypt.part");
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let _ = std::fs::remove_file(super::sibling(&part, suffix));
    }
    let made = (|| -> Result<Backup> {
        encrypt_copy(db, &part, &created.key)?;
        // The backup is taken of the encrypted copy, with the new key file at its end.
        kf.write(&super::key_path(&part))?;
        let backup = {
            let store = crate::Store::open(&part, &created.key)?;
            let folder = crate::backup::folder_for(db);
            store.backup_into(&folder, Reason::Encryption)?
        };
        let _ = std::fs::remove_file(super::key_path(&part));
        crate::backup::flush(&part)?;
        if super::sibling(db, "-wal").exists() {
            // Another program (the window) has the plain database open.
            return Err(Error::RestoreRefused { file: db.display().to_string(), reason: crate::error::RestoreProblem::InUse });
        }
        let _ = std::fs::remove_file(super::sibling(db, "-shm"));
        kf.write(&super::key_path(db))?;
        std::fs::rename(&part, db).map_err(|e| Error::Io { path: db.display().to_string(), source: e })?;
        crate::backup::flush_dir(db.parent().unwrap_or(Path::new(".")));
        Ok(backup)
    })();
    match made {
        Ok(backup) => Ok(Converted { created, backup }),
        Err(e) => {
            for suffix in ["", "-journal", "-wal", "-shm", ".key"] {
                let _ = std::fs::remove_file(super::sibling(&part, suffix));
            }
            Err(e)
        }
    }
}

/// At the upper unit: a lower unit's backup whose officer lost both passphrase and recovery code. The
/// key sealed to this installation opens it; `out` is the same backup (the data is not read, nor
/// rewritten) with a new passphrase — which the upper unit hands to the officer — and a new recovery
/// code. The seal to this installation stays.
pub fn recover_lower_backup(me: &crate::Store, backup: &Path, out: &Path, new_passphrase: &str) -> Result<super::Created> {
    super::check_passphrase(new_passphrase)?;
    let Some((kf, db_len)) = super::trailer::read(backup)? else {
        return Err(Error::RestoreRefused { file: backup.display().to_string(), reason: crate::error::RestoreProblem::NotSqlite });
    };
    let inst = me.require_installation()?;
    let key = kf
        .unwrap_upper(&inst.origin, &me.signing_key()?)
        .ok_or(Error::Vault(crate::error::VaultProblem::NotSealedToUs))?;
    let code = super::recovery::generate()?;
    let mut new_kf = kf.clone();
    new_kf.set(super::Wrap::passphrase(&key, new_passphrase)?);
    new_kf.set(super::Wrap::recovery(&key, &code)?);
    let part = super::sibling(out, ".part");
    let made = (|| -> Result<()> {
        super::trailer::copy_database(backup, db_len, &part)?;
        super::trailer::append(&part, &new_kf)?;
        crate::backup::flush(&part)?;
        std::fs::rename(&part, out).map_err(|e| Error::Io { path: out.display().to_string(), source: e })
    })();
    if made.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    made?;
    Ok(super::Created { key, recovery_code: zeroize::Zeroizing::new(super::format_code(&code)) })
}

/// A plain (unencrypted) copy of an encrypted database, for `sotay bench --plain-too` alone: the same
/// data timed with and without SQLCipher in one run. Never used on an officer's data.
pub(crate) fn decrypt_copy(src: &Path, key: &DbKey, out: &Path) -> Result<()> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = open_conn(src, flags, Some(key))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    conn.execute("ATTACH DATABASE ?1 AS plain KEY ''", [out.display().to_string()])?;
    conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(()))?;
    conn.pragma_update(Some("plain"), "user_version", version)?;
    conn.execute("DETACH DATABASE plain", [])?;
    Ok(())
}
