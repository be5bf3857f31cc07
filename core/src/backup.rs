//! Backups: copies of the database that bring a laptop back.
//!
//! A backup is taken by SQLite itself (`VACUUM INTO`, a consistent copy even while the window writes),
//! under a temporary name; the copy is opened and passes `integrity_check` before it is flushed and given
//! its real name. A crash, a full disk or a pulled stick leaves at most a `.part` file, never a backup
//! that looks whole and is not.
//!
//! Automatic backups (daily, before a migration, before an import) live outside the app's data folder —
//! for the default database in Documents/Sotay/Sao lưu, for a database given by path in "Sao lưu" beside
//! it — and are pruned to the newest of each of the last 7 days and of the 4 weeks before. A backup the
//! officer asks for (`sotay backup --out`, "Sao lưu ra USB") is never pruned.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rusqlite::OpenFlags;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::Store;

/// The folder's name, as an officer reads it in the file manager.
pub const FOLDER_NAME: &str = "Sao lưu";
/// Daily backups kept (the newest of each day) …
pub const KEEP_DAYS: usize = 7;
/// … then the newest of each ISO week, for this many weeks more.
pub const KEEP_WEEKS: usize = 4;

/// Why a backup was taken; part of its file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The first use of the day.
    Daily,
    /// Before the schema is brought up to date by a newer Sotay.
    Migration,
    /// Before files from a stick are imported.
    Import,
    /// Asked for by the officer.
    Manual,
    /// The database as it was just before a backup was restored over it.
    Restore,
    /// An older Sotay's plain database, as it was just before it was encrypted (itself encrypted).
    Encryption,
}

impl Reason {
    const ALL: [Reason; 6] = [Reason::Daily, Reason::Migration, Reason::Import, Reason::Manual, Reason::Restore, Reason::Encryption];

    /// The word in the file name (ASCII: it crosses FAT sticks and zip tools whole).
    pub fn word(self) -> &'static str {
        match self {
            Reason::Daily => "hang-ngay",
            Reason::Migration => "truoc-nang-cap",
            Reason::Import => "truoc-nhap",
            Reason::Manual => "thu-cong",
            Reason::Restore => "truoc-khoi-phuc",
            Reason::Encryption => "truoc-ma-hoa",
        }
    }

    /// How the officer reads it in a list of backups.
    pub fn name(self, lang: crate::i18n::Lang) -> &'static str {
        let vi = lang == crate::i18n::Lang::Vi;
        match self {
            Reason::Daily => if vi { "hằng ngày" } else { "daily" },
            Reason::Migration => if vi { "trước khi nâng cấp" } else { "before an upgrade" },
            Reason::Import => if vi { "trước khi nhập" } else { "before an import" },
            Reason::Manual => if vi { "theo yêu cầu" } else { "asked for" },
            Reason::Restore => if vi { "trước khi khôi phục" } else { "before a restore" },
            Reason::Encryption => if vi { "trước khi mã hóa" } else { "before encryption" },
        }
    }

    /// Pruned by the keeping rule. The officer's own backups are not, nor the database a restore
    /// replaced (the only way back from a restore of the wrong file).
    fn automatic(self) -> bool {
        !matches!(self, Reason::Manual | Reason::Restore | Reason::Encryption)
    }
}

/// One backup file, as read back from its name.
#[derive(Debug, Clone, Serialize)]
pub struct Backup {
    pub path: PathBuf,
    /// Vietnam time, to the second.
    pub taken_at: NaiveDateTime,
    pub reason: Reason,
    pub bytes: u64,
}

/// Where the automatic backups of the database at `db` go: `SOTAY_BACKUP_DIR` when set; for the default
/// database, Documents/Sotay/Sao lưu (outside the app's data folder, which an uninstaller may remove);
/// for any other database, "Sao lưu" beside it.
pub fn folder_for(db: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("SOTAY_BACKUP_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if db == crate::store::default_db_path() {
        let documents = dirs::document_dir().or_else(|| dirs::home_dir().map(|h| h.join("Documents")));
        if let Some(documents) = documents {
            return documents.join("Sotay").join(FOLDER_NAME);
        }
    }
    db.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).join(FOLDER_NAME)
}

const PREFIX: &str = "sotay-";
const STAMP: &str = "%Y%m%d-%H%M%S";

impl Store {
    /// Takes a checked copy of the whole database into `dir` (created if needed).
    pub fn backup_into(&self, dir: &Path, reason: Reason) -> Result<Backup> {
        let failed = |detail: String| Error::BackupFailed { path: dir.display().to_string(), detail };
        std::fs::create_dir_all(dir).map_err(|e| failed(e.to_string()))?;
        let taken_at = crate::clock::now_utc().with_timezone(&crate::clock::vietnam()).naive_local();
        let taken_at = taken_at.with_nanosecond(0).unwrap_or(taken_at);
        let stem = format!("{PREFIX}{}-{}", taken_at.format(STAMP), reason.word());
        let path = (1..)
            .map(|n| dir.join(if n == 1 { format!("{stem}.db") } else { format!("{stem}-{n}.db") }))
            .find(|p| !p.exists())
            .unwrap_or_else(|| dir.join(format!("{stem}.db")));
        let mut part = path.clone().into_os_string();
        part.push(".part");
        let part = PathBuf::from(part);
        let _ = std::fs::remove_file(&part); // a leftover of a backup cut short
        // The copy is encrypted with the same key (SQLCipher's VACUUM INTO), and the key file goes at its
        // end, so that the one file brings the laptop back (vault::trailer).
        let key_file = match (self.path(), self.key()) {
            (Some(db), Some(_)) => Some(crate::vault::read_key_file(db)?),
            _ => None, // in memory, or a benchmark's plain copy
        };
        let made = self.copy_to(&part).and_then(|()| check_copy(&part, self.key())).and_then(|()| {
            if let Some(kf) = &key_file {
                crate::vault::trailer::append(&part, kf)?;
            }
            flush(&part)?;
            std::fs::rename(&part, &path).map_err(|e| Error::Io { path: path.display().to_string(), source: e })?;
            flush_dir(dir);
            Ok(())
        });
        if let Err(e) = made {
            let _ = std::fs::remove_file(&part);
            return Err(match e {
                Error::BackupFailed { .. } => e,
                other => failed(crate::i18n::error_message(&other, crate::i18n::Lang::En)),
            });
        }
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        Ok(Backup { path, taken_at, reason, bytes })
    }

    /// Where this database's automatic backups go (none for a database in memory).
    pub fn backup_folder(&self) -> Option<PathBuf> {
        self.path().map(folder_for)
    }

    /// Before files from a stick are applied: a backup, and the old automatic ones pruned.
    pub fn backup_before_import(&self) -> Result<Option<Backup>> {
        let Some(dir) = self.backup_folder() else { return Ok(None) };
        let taken = self.backup_into(&dir, Reason::Import)?;
        prune(&dir, crate::clock::today_vn())?;
        Ok(Some(taken))
    }

    /// The first use of a day backs the database up, and the old automatic backups are pruned. Returns
    /// the backup when one was taken.
    pub fn daily_backup(&self, dir: &Path) -> Result<Option<Backup>> {
        let today = crate::clock::today_vn();
        if list(dir)?.iter().any(|b| b.taken_at.date() == today) {
            return Ok(None);
        }
        let taken = self.backup_into(dir, Reason::Daily)?;
        prune(dir, today)?;
        Ok(Some(taken))
    }
}

/// The copy must open and pass a check before it may carry a backup's name. A plain copy (made by
/// `VACUUM INTO`) passes SQLite's `integrity_check`. An encrypted copy is the database's own pages copied
/// byte for byte: it passes SQLCipher's `cipher_integrity_check` — every page's HMAC, so every byte is as
/// SQLite wrote it and none is missing or torn — and reads its schema and installation. (SQLite's own
/// b-tree check would decrypt each page several times over: three times the whole backup's time at
/// 100,000 events; `sotay check` runs it on demand.)
pub(crate) fn check_copy(path: &Path, key: Option<&crate::vault::DbKey>) -> Result<()> {
    let conn = crate::vault::open_conn(path, OpenFlags::SQLITE_OPEN_READ_ONLY, key)?;
    if key.is_some() {
        let mut stmt = conn.prepare("PRAGMA cipher_integrity_check")?;
        let problems: Vec<String> = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<_>>()?;
        if let Some(first) = problems.first() {
            return Err(Error::Integrity(format!("{first} ({} page problems)", problems.len())));
        }
        conn.query_row("SELECT count(*) FROM installation", [], |r| r.get::<_, i64>(0))?;
        return Ok(());
    }
    let verdict: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if verdict != "ok" {
        return Err(Error::Integrity(verdict));
    }
    Ok(())
}

pub(crate) fn flush(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::Io { path: path.display().to_string(), source: e })
}

/// The rename itself reaches the disk (POSIX); Windows has no directory handle to flush, and NTFS
/// journals the rename.
pub(crate) fn flush_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// The backups in `dir`, newest first. Files that are not named as backups are left alone.
pub fn list(dir: &Path) -> Result<Vec<Backup>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::Io { path: dir.display().to_string(), source: e }),
    };
    let mut found: Vec<Backup> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let (taken_at, reason) = parse_name(&name)?;
            let bytes = e.metadata().map(|m| m.len()).unwrap_or(0);
            Some(Backup { path: e.path(), taken_at, reason, bytes })
        })
        .collect();
    found.sort_by(|a, b| b.taken_at.cmp(&a.taken_at).then_with(|| b.path.cmp(&a.path)));
    Ok(found)
}

/// `sotay-20261201-083000-hang-ngay.db` (or `…-2.db` for a second one in the same second).
fn parse_name(name: &str) -> Option<(NaiveDateTime, Reason)> {
    let rest = name.strip_prefix(PREFIX)?.strip_suffix(".db")?;
    let taken_at = NaiveDateTime::parse_from_str(rest.get(..15)?, STAMP).ok()?;
    let word = rest.get(16..)?;
    let reason = Reason::ALL.into_iter().find(|r| {
        word == r.word() || word.strip_prefix(r.word()).and_then(|n| n.strip_prefix('-')).is_some_and(|n| n.parse::<u32>().is_ok())
    })?;
    Some((taken_at, reason))
}

/// Removes the automatic backups that the rule no longer keeps: the newest of each of the last
/// KEEP_DAYS days that have one, then the newest of each of the KEEP_WEEKS ISO weeks before them.
/// Backups the officer asked for are never removed. Returns what was removed.
pub fn prune(dir: &Path, today: NaiveDate) -> Result<Vec<PathBuf>> {
    let automatic: Vec<Backup> = list(dir)?.into_iter().filter(|b| b.reason.automatic()).collect();
    let mut kept_days: Vec<NaiveDate> = Vec::new();
    let mut kept_weeks: Vec<(i32, u32)> = Vec::new();
    let mut removed = Vec::new();
    for b in automatic {
        let day = b.taken_at.date();
        let week = (day.iso_week().year(), day.iso_week().week());
        let keep = if day > today {
            true // a clock set wrong once must not cost the real backups
        } else if kept_days.len() < KEEP_DAYS && !kept_days.contains(&day) {
            kept_days.push(day);
            true
        } else if kept_days.len() >= KEEP_DAYS
            && !kept_days.contains(&day)
            && kept_weeks.len() < KEEP_WEEKS
            && !kept_weeks.contains(&week)
            && !kept_days.iter().any(|d| (d.iso_week().year(), d.iso_week().week()) == week)
        {
            kept_weeks.push(week);
            true
        } else {
            false
        };
        if !keep {
            std::fs::remove_file(&b.path).map_err(|e| Error::Io { path: b.path.display().to_string(), source: e })?;
            removed.push(b.path);
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;
    use serde_json::json;

    fn store_with_an_event(dir: &Path) -> Store {
        let mut s = Store::open_test(&dir.join("sotay.db"));
        s.init(&json!({"code": "XA-DH", "name": "Đoàn xã Đông Hưng", "level": "grassroots"})).unwrap();
        s.create(Kind::Event, &json!({"title": "Tuyên truyền tại thôn Đông", "start_at": "2026-11-20T08:00"})).unwrap();
        s
    }

    #[test]
    fn a_backup_is_a_whole_database_with_everything_and_no_part_file_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_an_event(dir.path());
        let folder = folder_for(&dir.path().join("sotay.db"));
        assert_eq!(folder, dir.path().join(FOLDER_NAME));
        let b = s.backup_into(&folder, Reason::Manual).unwrap();
        assert!(b.bytes > 0);
        assert_eq!(list(&folder).unwrap().len(), 1);
        assert!(std::fs::read_dir(&folder).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".part")));
        let copy = Store::open_test(&b.path);
        let dump = |st: &Store| {
            let mut out = Vec::new();
            st.dump(&mut out).unwrap();
            out
        };
        assert_eq!(dump(&copy), dump(&s));
    }

    #[test]
    fn two_backups_in_one_second_both_keep_their_files() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_an_event(dir.path());
        let a = s.backup_into(dir.path(), Reason::Import).unwrap();
        let b = s.backup_into(dir.path(), Reason::Import).unwrap();
        assert_ne!(a.path, b.path);
        assert_eq!(list(dir.path()).unwrap().len(), 2, "both are read back as backups");
    }

    #[test]
    fn a_copy_that_fails_its_check_is_removed_and_never_named_a_backup() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.db.part");
        std::fs::write(&bad, b"SQLite format 3\0 but nothing after").unwrap();
        assert!(check_copy(&bad, None).is_err());
        // An encrypted copy with one byte changed, or cut short: its pages' HMACs do not hold.
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        let src = store_with_an_event(&dir.path().join("src"));
        let copy = dir.path().join("copy.db.part");
        src.copy_to(&copy).unwrap();
        let key = crate::vault::test_key();
        check_copy(&copy, Some(&key)).unwrap();
        let whole = std::fs::read(&copy).unwrap();
        let mut flipped = whole.clone();
        flipped[2 * 4096 + 200] ^= 0x01;
        std::fs::write(&copy, &flipped).unwrap();
        assert!(check_copy(&copy, Some(&key)).is_err(), "a changed byte");
        std::fs::write(&copy, &whole[..whole.len() - 4096]).unwrap();
        assert!(check_copy(&copy, Some(&key)).is_err(), "a page missing");
        // A folder that cannot be made: refused, with the folder named.
        let s = store_with_an_event(dir.path());
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"x").unwrap();
        let e = s.backup_into(&file.join("sub"), Reason::Manual).unwrap_err();
        assert!(matches!(e, Error::BackupFailed { ref path, .. } if path.contains("a-file")), "{e:?}");
    }

    #[test]
    fn the_daily_backup_is_taken_once_a_day() {
        let dir = tempfile::tempdir().unwrap();
        let s = store_with_an_event(dir.path());
        let folder = dir.path().join(FOLDER_NAME);
        assert!(s.daily_backup(&folder).unwrap().is_some());
        assert!(s.daily_backup(&folder).unwrap().is_none(), "not twice on one day");
        assert_eq!(list(&folder).unwrap().len(), 1);
    }

    #[test]
    fn pruning_keeps_the_newest_of_seven_days_and_of_four_weeks_before_and_every_manual_backup() {
        let dir = tempfile::tempdir().unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        // Two automatic backups a day for 60 days, and a manual one every tenth day.
        for back in 0..60i64 {
            let day = today - chrono::Duration::days(back);
            for (hour, reason) in [(8, Reason::Daily), (15, Reason::Import)] {
                let name = format!("{PREFIX}{}{:02}0000-{}.db", day.format("%Y%m%d-"), hour, reason.word());
                std::fs::write(dir.path().join(name), b"x").unwrap();
            }
            if back % 10 == 0 {
                std::fs::write(dir.path().join(format!("{PREFIX}{}120000-thu-cong.db", day.format("%Y%m%d-"))), b"x").unwrap();
            }
        }
        std::fs::write(dir.path().join("ghi-chu.txt"), b"not a backup").unwrap();
        prune(dir.path(), today).unwrap();
        let left = list(dir.path()).unwrap();
        let auto: Vec<&Backup> = left.iter().filter(|b| b.reason != Reason::Manual).collect();
        let days: Vec<NaiveDate> = auto.iter().map(|b| b.taken_at.date()).collect();
        assert_eq!(auto.len(), KEEP_DAYS + KEEP_WEEKS, "{days:?}");
        // The last seven days, each by its newest (15:00) backup.
        for (i, b) in auto.iter().take(KEEP_DAYS).enumerate() {
            assert_eq!(b.taken_at.date(), today - chrono::Duration::days(i as i64));
            assert_eq!(b.reason, Reason::Import);
        }
        // Then one per earlier week, each in a different ISO week, none in a week the days already hold.
        let weeks: Vec<u32> = auto.iter().map(|b| b.taken_at.date().iso_week().week()).collect();
        let mut distinct = weeks[KEEP_DAYS..].to_vec();
        distinct.dedup();
        assert_eq!(distinct.len(), KEEP_WEEKS);
        assert!(weeks[KEEP_DAYS..].iter().all(|w| !weeks[..KEEP_DAYS].contains(w)));
        assert_eq!(left.iter().filter(|b| b.reason == Reason::Manual).count(), 6, "every manual backup stays");
        assert!(dir.path().join("ghi-chu.txt").exists(), "other files are left alone");
        // Pruning again removes nothing more.
        assert!(prune(dir.path(), today).unwrap().is_empty());
    }
}
