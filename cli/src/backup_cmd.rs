//! `sotay backup` and `sotay backups`: a checked copy of the database, and the list of those kept.

use std::path::Path;

use sotay_core::vault::Secret;
use sotay_core::backup::{self, Backup, Reason};
use sotay_core::{Error, Lang, Store};

/// Into `out` (a stick, say: never pruned) or the automatic backups' folder (then pruned as they are).
pub fn backup(store: &Store, out: Option<&Path>, lang: Lang) -> Result<(), Error> {
    let (dir, automatic_folder) = match (out, store.backup_folder()) {
        (Some(dir), _) => (dir.to_path_buf(), false),
        (None, Some(dir)) => (dir, true),
        (None, None) => return Ok(()),
    };
    let b = store.backup_into(&dir, Reason::Manual)?;
    if automatic_folder {
        backup::prune(&dir, sotay_core::clock::today_vn())?;
    }
    if lang == Lang::Vi {
        println!("đã sao lưu vào {} ({})", b.path.display(), size(b.bytes));
    } else {
        println!("backed up to {} ({})", b.path.display(), size(b.bytes));
    }
    Ok(())
}

pub fn list(store: &Store, json: bool, lang: Lang) -> Result<(), Error> {
    let dir = store.backup_folder().unwrap_or_default();
    let found = backup::list(&dir)?;
    if json {
        crate::output::json(&serde_json::json!({"folder": dir, "backups": found}));
        return Ok(());
    }
    let vi = lang == Lang::Vi;
    if found.is_empty() {
        println!("{} {}", if vi { "Chưa có bản sao lưu nào trong" } else { "No backups yet in" }, dir.display());
        return Ok(());
    }
    for b in &found {
        line(b, lang);
    }
    println!("{} {} — {}", found.len(), if vi { "bản sao lưu" } else { "backup(s)" }, dir.display());
    Ok(())
}

/// `sotay restore FILE [--yes] [--recovery-code CODE]`: says what the backup holds; with --yes puts it
/// in place. The current database (if any) is unlocked first; a backup under another key (a new laptop)
/// opens with the same passphrase, or with its recovery code — after which a new passphrase is set.
pub fn restore(db: &Path, file: &Path, yes: bool, json: bool, recovery_code: Option<&str>, src: &crate::unlock::KeySource, lang: Lang) -> Result<(), Error> {
    let vi = lang == Lang::Vi;
    let (current_key, passphrase) = match sotay_core::vault::state(db) {
        sotay_core::vault::State::Missing => (None, src.given_passphrase()?),
        _ => {
            let store = src.open(db, false, lang)?;
            let key = store.key().cloned();
            drop(store);
            (key, src.given_passphrase()?)
        }
    };
    let backup_secret = match (recovery_code, &passphrase) {
        (Some(code), _) => Some(Secret::recovery_code(code)),
        (None, Some(p)) => Some(Secret::Passphrase(p.clone())),
        (None, None) => current_key.clone().map(Secret::Key),
    };
    let keys = sotay_core::restore::Keys { current: current_key.as_ref(), backup: backup_secret.as_ref() };
    if !yes {
        let info = sotay_core::restore::inspect(db, file, &keys)?;
        if json {
            crate::output::json(&serde_json::json!({"backup": info, "restored": false}));
        } else if vi {
            println!("{}: {} — {} sự kiện, {} thay đổi của máy này", file.display(), info.unit_name, info.events, info.own_changes);
            println!("chưa khôi phục: thêm --yes để thay dữ liệu hiện có bằng bản sao lưu này (dữ liệu hiện có được sao lưu trước)");
        } else {
            println!("{}: {} — {} events, {} changes of this installation", file.display(), info.unit_name, info.events, info.own_changes);
            println!("not restored: add --yes to replace the current data with this backup (the current data is backed up first)");
        }
        return Ok(());
    }
    let r = sotay_core::restore::restore(db, file, &keys)?;
    if let Some(code) = &r.recovery_code {
        crate::unlock::show_recovery_code(code, lang);
    }
    // Unlocked by the recovery code on a new laptop: the forgotten passphrase is replaced now.
    if let (Some(code), None) = (recovery_code, current_key.as_ref()) {
        let new = crate::unlock::prompt_new(lang, "SOTAY_NEW_PASSPHRASE")?;
        sotay_core::vault::reset_passphrase(db, code, &new)?;
    }
    if json {
        crate::output::json(&serde_json::json!({"backup": r.info, "previous": r.previous, "restored": true}));
        return Ok(());
    }
    if let Some(p) = &r.previous {
        if vi { println!("dữ liệu trước khi khôi phục đã được giữ ở {}", p.path.display()) } else { println!("the data before the restore was kept in {}", p.path.display()) }
    }
    if vi {
        println!("đã khôi phục {} ({} sự kiện); thay đổi mới sẽ được gửi lên sau khi cấp trên xác nhận những gì đã nhận", r.info.unit_name, r.info.events);
    } else {
        println!("restored {} ({} events); new changes go up once the upper level has confirmed what it holds", r.info.unit_name, r.info.events);
    }
    Ok(())
}

fn line(b: &Backup, lang: Lang) {
    let name = b.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    println!("{}  {:<20}  {:>9}  {name}", b.taken_at.format("%d/%m/%Y %H:%M:%S"), b.reason.name(lang), size(b.bytes));
}

/// Sizes as an officer reads them: "1,5 MB", "3,0 GB" with the Vietnamese decimal comma.
fn size(bytes: u64) -> String {
    let mb = bytes as f64 / 1_048_576.0;
    if mb >= 1024.0 {
        format!("{:.1} GB", mb / 1024.0).replace('.', ",")
    } else if mb >= 1.0 {
        format!("{mb:.1} MB").replace('.', ",")
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}
