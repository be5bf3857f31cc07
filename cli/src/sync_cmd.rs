//! The sync commands: keys, enrolment, export, import (bundles and receipts), outbox.

use std::path::{Path, PathBuf};

use sotay_core::sync::{ExportOptions, ImportStatus};
use sotay_core::{Error, Lang, Store};

pub fn keys(store: &Store, lang: Lang) -> Result<(), Error> {
    let id = store.identity()?;
    let vi = lang == Lang::Vi;
    println!("{}: {}", if vi { "Máy (installation)" } else { "Installation" }, id.installation);
    println!("{}: {}", if vi { "Đơn vị" } else { "Unit" }, id.unit_id);
    println!("{}: {}", if vi { "Dấu vân tay khóa" } else { "Key fingerprint" }, id.fingerprint);
    for p in store.peers()? {
        let revoked = match (&p.revoked_at, vi) {
            (Some(at), true) => format!(" (đã thu hồi {at})"),
            (Some(at), false) => format!(" (revoked {at})"),
            (None, _) => String::new(),
        };
        println!("{} {:?} {} {} {}{revoked}", if vi { "Đối tác" } else { "Peer" }, p.role, p.installation, p.unit_name, p.fingerprint);
    }
    Ok(())
}

/// `sotay enroll revoke WHO`: a lost laptop's key is trusted no more.
pub fn enroll_revoke(store: &mut Store, who: &str, lang: Lang) -> Result<(), Error> {
    let r = store.revoke(who)?;
    if lang == Lang::Vi {
        println!("đã thu hồi khóa của máy {} ({}); giữ {} thay đổi đã nhận, không nhận gì thêm do máy đó ký", r.installation, r.unit_name, r.held);
    } else {
        println!("revoked the key of installation {} ({}); the {} changes held stay, nothing more it signs is taken", r.installation, r.unit_name, r.held);
    }
    Ok(())
}

pub fn enroll_export(store: &Store, out: &Path, lang: Lang) -> Result<(), Error> {
    let e = store.enrolment()?;
    let text = serde_json::to_string_pretty(&e).map_err(Error::from_json)?;
    std::fs::write(out, text).map_err(|err| Error::Io { path: out.display().to_string(), source: err })?;
    if lang == Lang::Vi {
        println!("đã ghi tệp đăng ký {}; dấu vân tay: {}", out.display(), e.fingerprint);
    } else {
        println!("wrote enrolment {}; fingerprint: {}", out.display(), e.fingerprint);
    }
    Ok(())
}

pub fn join_successor(store: &mut Store, file: &Path, lang: Lang) -> Result<(), Error> {
    let e = Store::read_enrolment(file)?;
    let unit = store.join_successor(&e)?;
    let name = unit["name"].as_str().unwrap_or_default();
    if lang == Lang::Vi {
        println!("máy này nay làm việc cho {name}; hồ sơ cũ giữ nguyên. Hãy gửi tệp đăng ký mới (sotay enroll export) cho cấp trên");
    } else {
        println!("this computer now works for {name}; old records kept. Send its new enrolment file (sotay enroll export) to the level above");
    }
    Ok(())
}

pub fn enroll_import(store: &mut Store, file: &Path, expect: Option<&str>, lang: Lang) -> Result<(), Error> {
    let e = Store::read_enrolment(file)?;
    let vi = lang == Lang::Vi;
    let name = e.unit["name"].as_str().unwrap_or_default();
    println!("{}: {name}", if vi { "Đơn vị" } else { "Unit" });
    println!("{}: {}", if vi { "Dấu vân tay" } else { "Fingerprint" }, e.fingerprint);
    if let Some(fp) = expect {
        if !fp.trim().eq_ignore_ascii_case(&e.fingerprint) {
            return Err(Error::invalid("fingerprint", sotay_core::Problem::BadValue(format!("{fp} ≠ {}", e.fingerprint))));
        }
    }
    let role = store.enroll(&e)?;
    let role_text = match (role, vi) {
        (sotay_core::sync::Role::Upper, true) => "cấp trên",
        (sotay_core::sync::Role::Lower, true) => "cấp dưới",
        (sotay_core::sync::Role::Upper, false) => "upper",
        (sotay_core::sync::Role::Lower, false) => "lower",
    };
    if vi {
        println!("đã tin cậy khóa của {name} ({role_text})");
    } else {
        println!("trusted the key of {name} ({role_text})");
    }
    Ok(())
}

pub fn export(store: &mut Store, out: &Path, to: Option<String>, max_changes: usize, lang: Lang) -> Result<(), Error> {
    let opts = ExportOptions { to, max_changes };
    let summary = store.export(out, &opts, &mut |n| eprint!("\r{n}"))?;
    let vi = lang == Lang::Vi;
    for f in &summary.files {
        println!("{}", f.display());
    }
    if summary.files.is_empty() && summary.evidence.written == 0 {
        println!("{}", if vi { "không có gì mới để gửi" } else { "nothing new to send" });
    } else if vi {
        println!("đã xuất {} thay đổi vào {} tệp", summary.changes, summary.files.len());
    } else {
        println!("exported {} changes into {} file(s)", summary.changes, summary.files.len());
    }
    let ev = &summary.evidence;
    if ev.written > 0 {
        let mb = format!("{:.1}", ev.bytes as f64 / 1_048_576.0);
        if vi { println!("đã ghi {} tệp minh chứng ({} MB)", ev.written, mb.replace('.', ",")) } else { println!("wrote {} evidence file(s) ({mb} MB)", ev.written) }
    }
    if ev.waiting > 0 {
        if vi { println!("còn {} tệp minh chứng chờ gửi lần sau", ev.waiting) } else { println!("{} evidence file(s) wait for the next export", ev.waiting) }
    }
    Ok(())
}

/// Imports each file in turn; a refused file is reported and the others still go in. Returns an error
/// when any was refused, so the exit code says so.
pub fn import(store: &mut Store, given: &[PathBuf], dry_run: bool, receipt_out: Option<&Path>, lang: Lang) -> Result<(), Error> {
    let vi = lang == Lang::Vi;
    let mut refused = 0;
    // A folder is a stick: its bundles, its evidence files, and the receipts written back into it.
    let (folders, files): (Vec<PathBuf>, Vec<PathBuf>) = given.iter().cloned().partition(|p| p.is_dir());
    for dir in &folders {
        let r = store.import_folder(dir, dry_run, lang, &mut |_, _| {})?;
        if let Some(b) = &r.backup {
            let shown = b.display();
            if vi { println!("đã sao lưu trước khi nhập: {shown}") } else { println!("backed up before the import: {shown}") }
        }
        for f in &r.files {
            match (&f.report, &f.refused) {
                (Some(report), _) => println!("{}: {}", f.file, status_text(report, dry_run, vi)),
                (None, Some(why)) => {
                    refused += 1;
                    eprintln!("{}", if vi { format!("Từ chối tệp {}: {why}", f.file) } else { format!("Refused {}: {why}", f.file) });
                }
                (None, None) => {}
            }
        }
        refused += print_evidence(&r.evidence, vi);
        for receipt in &r.receipts_written {
            println!("{}: {receipt}", if vi { "biên nhận" } else { "receipt" });
        }
    }
    let files = &files[..];
    if files.is_empty() {
        return if refused > 0 { Err(Error::FilesRefused { count: refused }) } else { Ok(()) };
    }
    let mut senders: Vec<(String, Vec<String>)> = Vec::new();
    // The database as it was before these files, kept (and checked) first; a rehearsal changes nothing.
    if !dry_run && store.installation()?.is_some() {
        if let Some(b) = store.backup_before_import()? {
            let shown = b.path.display();
            if vi { println!("đã sao lưu trước khi nhập: {shown}") } else { println!("backed up before the import: {shown}") }
        }
    }
    for f in files {
        match store.import_file(f, dry_run) {
            Ok(r) => {
                println!("{}: {}", f.display(), status_text(&r, dry_run, vi));
                // Each sender's receipt answers every bundle of it taken here.
                if let (Some(s), ImportStatus::Applied | ImportStatus::AlreadyApplied | ImportStatus::Held { .. }) = (r.sender, &r.status) {
                    let taken: Vec<String> = r.bundle_id.into_iter().collect();
                    match senders.iter_mut().find(|(x, _)| *x == s) {
                        Some(entry) => entry.1.extend(taken),
                        None => senders.push((s, taken)),
                    }
                }
            }
            Err(e) => {
                refused += 1;
                eprintln!("{}", e.message(lang));
            }
        }
    }
    // The evidence files beside the bundles (each folder given once), after the records that name them.
    let mut dirs: Vec<PathBuf> = files.iter().map(|f| f.parent().map(Path::to_path_buf).unwrap_or_default()).collect();
    dirs.sort();
    dirs.dedup();
    let mut held: Vec<(String, Vec<String>)> = Vec::new();
    for dir in &dirs {
        let taken = store.take_files_from(dir, dry_run, lang)?;
        refused += print_evidence(&taken, vi);
        for (sender, hashes) in taken.held {
            match held.iter_mut().find(|(x, _)| *x == sender) {
                Some(entry) => entry.1.extend(hashes),
                None => held.push((sender, hashes)),
            }
        }
    }
    if let (Some(dir), false) = (receipt_out, dry_run) {
        for (s, _) in &held {
            if !senders.iter().any(|(x, _)| x == s) {
                senders.push((s.clone(), Vec::new()));
            }
        }
        for (s, taken) in senders {
            let files = held.iter().find(|(x, _)| *x == s).map(|(_, h)| h.clone()).unwrap_or_default();
            let path = store.write_receipt_with_files(dir, &s, &taken, &files)?;
            println!("{}: {}", if vi { "biên nhận" } else { "receipt" }, path.display());
        }
    }
    if refused > 0 {
        return Err(Error::FilesRefused { count: refused });
    }
    Ok(())
}

fn status_text(r: &sotay_core::sync::ImportReport, dry_run: bool, vi: bool) -> String {
    let what = match (&r.status, vi) {
        (ImportStatus::Applied, true) => format!("đã nhập {} thay đổi mới ({} đã có, {} xung đột)", r.new_changes, r.already, r.conflicts),
        (ImportStatus::Applied, false) => format!("applied {} new changes ({} already held, {} conflicts)", r.new_changes, r.already, r.conflicts),
        (ImportStatus::AlreadyApplied, true) => "đã nhập trước đây, không thay đổi gì".into(),
        (ImportStatus::AlreadyApplied, false) => "already applied, nothing changed".into(),
        (ImportStatus::Held { missing }, true) => format!("tạm giữ: còn thiếu {}", gaps(missing)),
        (ImportStatus::Held { missing }, false) => format!("held: missing {}", gaps(missing)),
        (ImportStatus::Receipt { origins }, true) => format!("biên nhận: {origins} nguồn được xác nhận"),
        (ImportStatus::Receipt { origins }, false) => format!("receipt: {origins} origins acknowledged"),
    };
    let prefix = if dry_run { if vi { "(thử) " } else { "(dry run) " } } else { "" };
    format!("{prefix}{what}")
}

fn refused_file_text(name: &str, why: &str, vi: bool) -> String {
    if vi { format!("Không nhận tệp {name}: {why}; sẽ xin gửi lại lần sau") } else { format!("File {name} not taken: {why}; it is asked for again next time") }
}

/// The evidence files of a stick: taken, refused (each on its own line), still to come. Returns how
/// many were refused.
fn print_evidence(e: &sotay_core::sync::files::FilesTaken, vi: bool) -> usize {
    if e.taken > 0 {
        if vi { println!("đã nhận {} tệp minh chứng", e.taken) } else { println!("took {} evidence file(s)", e.taken) }
    }
    for (name, why) in &e.refused {
        eprintln!("{}", refused_file_text(name, why, vi));
    }
    if !e.still_missing.is_empty() {
        let list = e.still_missing.join("; ");
        if vi { println!("còn chờ {} tệp minh chứng: {list}", e.still_missing.len()) } else { println!("{} evidence file(s) still to come: {list}", e.still_missing.len()) }
    }
    e.refused.len()
}

fn gaps(missing: &[(String, i64, i64)]) -> String {
    missing.iter().map(|(o, a, b)| format!("{o} #{a}–{b}")).collect::<Vec<_>>().join(", ")
}

pub fn outbox(store: &Store, lang: Lang) -> Result<(), Error> {
    let vi = lang == Lang::Vi;
    let waiting = store.outbox()?;
    let total: i64 = waiting.iter().map(|w| w.to - w.from + 1).sum();
    for w in &waiting {
        println!("{} {} #{}–{}", if vi { "chờ gửi" } else { "waiting" }, w.origin, w.from, w.to);
    }
    for (o, a, b) in store.held_gaps()? {
        println!("{} {o} #{a}–{b}", if vi { "còn thiếu" } else { "missing" });
    }
    println!("{}: {total}", if vi { "Số thay đổi chờ biên nhận" } else { "Changes waiting for a receipt" });
    let mut files = 0;
    for p in store.peers()?.iter().filter(|p| p.revoked_at.is_none()) {
        files += store.files_waiting(&p.installation)?;
    }
    println!("{}: {files}", if vi { "Tệp minh chứng chờ gửi" } else { "Evidence files waiting to be sent" });
    let inbox = store.inbox_size()?;
    println!(
        "{}: {} ({} {})",
        if vi { "Gói đã nhận qua mạng, chờ áp dụng" } else { "Bundles received over the network, waiting to be applied" },
        inbox.bundles,
        inbox.changes,
        if vi { "thay đổi" } else { "changes" }
    );
    Ok(())
}
