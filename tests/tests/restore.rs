//! Restoring a backup from the terminal, and what the province ends up with afterwards: every change
//! exactly once, over a USB stick and over the hub, however far the lost laptop had gone.

use std::path::{Path, PathBuf};

use sotay_tests::network::{add_event, applied, commune, enrolled_pair, event_lines, free_port, ok, province, HubProcess};
use sotay_tests::support::sotay;

/// The files in `dir` whose names pass `wanted`, in name order.
fn files(dir: &Path, wanted: impl Fn(&str) -> bool) -> Vec<String> {
    let mut f: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| wanted(&p.file_name().unwrap().to_string_lossy()))
        .map(|p| p.display().to_string())
        .collect();
    f.sort();
    f
}

/// One trip of the stick, as officers make it: the commune exports, the province imports every bundle
/// on it and writes receipts back, the commune imports every receipt the stick holds (old ones too).
fn stick_trip(commune: &Path, province: &Path, stick: &Path) {
    ok(sotay(commune, &["export", "--out", stick.to_str().unwrap()], None));
    let mut args = vec!["import".to_string()];
    args.extend(files(stick, |n| n.ends_with(".bundle.json")));
    args.extend(["--receipt-out".to_string(), stick.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(sotay(province, &args, None));
    let mut receipts = vec!["import".to_string()];
    receipts.extend(files(stick, |n| n.starts_with("sotay-receipt-for-")));
    let receipts: Vec<&str> = receipts.iter().map(String::as_str).collect();
    ok(sotay(commune, &receipts, None));
}

fn backup_to(db: &Path, dir: &Path) -> PathBuf {
    ok(sotay(db, &["backup", "--out", dir.to_str().unwrap()], None));
    PathBuf::from(files(dir, |n| n.ends_with(".db")).pop().expect("a backup file"))
}

/// Each of the 15 titles exactly once among `lines`.
fn assert_each_once(lines: &[String], titles: &[String]) {
    assert_eq!(lines.len(), titles.len(), "{lines:#?}");
    for t in titles {
        let n = lines.iter().filter(|l| l.contains(&format!("\"title\":\"{t}\""))).count();
        assert_eq!(n, 1, "{t} held {n} times");
    }
}

fn titles(tag: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("Tuyên truyền {tag} số {i}")).collect()
}

fn restore(db: &Path, file: &Path) {
    // Without --yes nothing changes: it says what the backup holds.
    let before = ok(sotay(db, &["dump"], None)).stdout;
    let look = ok(sotay(db, &["restore", file.to_str().unwrap()], None));
    assert!(look.stdout.contains("chưa khôi phục"), "{}", look.stdout);
    assert_eq!(ok(sotay(db, &["dump"], None)).stdout, before);
    let done = ok(sotay(db, &["restore", file.to_str().unwrap(), "--yes"], None));
    assert!(done.stdout.contains("đã khôi phục"), "{}", done.stdout);
    assert!(done.stdout.contains("dữ liệu trước khi khôi phục đã được giữ"), "{}", done.stdout);
}

#[test]
fn back_up_log_ten_sync_restore_log_five_sync_and_the_province_has_fifteen_once_over_the_stick() {
    let dir = tempfile::tempdir().unwrap();
    let (p, a) = enrolled_pair(dir.path(), 0);
    let stick = dir.path().join("usb");
    std::fs::create_dir_all(&stick).unwrap();
    let backup = backup_to(&a, &dir.path().join("sao-luu"));
    let (lost, after) = (titles("mất máy", 10), titles("sau khôi phục", 5));
    for t in &lost {
        add_event(&a, t);
    }
    stick_trip(&a, &p, &stick);
    assert_each_once(&event_lines(&p), &lost);

    restore(&a, &backup);
    for t in &after {
        add_event(&a, t);
    }
    // The first trip asks the province where it stands; the second carries the five.
    stick_trip(&a, &p, &stick);
    stick_trip(&a, &p, &stick);
    let all: Vec<String> = lost.iter().chain(&after).cloned().collect();
    assert_each_once(&event_lines(&p), &all);
    ok(sotay(&p, &["check"], None));
    ok(sotay(&a, &["check"], None));
    let outbox = ok(sotay(&a, &["--lang", "en", "outbox"], None)).stdout;
    assert!(outbox.contains("Changes waiting for a receipt: 0"), "{outbox}");
}

#[test]
fn back_up_log_ten_sync_restore_log_five_sync_and_the_province_has_fifteen_once_over_the_hub() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let listen = format!("127.0.0.1:{}", free_port());
    let (p, up) = province(d, &format!("https://{listen}"));
    let a = commune(d, "XA-DH", &p, &up);
    let _hub = HubProcess::start(&p, &listen, &[], &[]);
    let backup = backup_to(&a, &d.join("sao-luu"));
    let (lost, after) = (titles("mất máy", 10), titles("sau khôi phục", 5));
    for t in &lost {
        add_event(&a, t);
    }
    ok(sotay(&a, &["sync"], None));
    applied(&p);
    assert_each_once(&event_lines(&p), &lost);

    restore(&a, &backup);
    for t in &after {
        add_event(&a, t);
    }
    let synced = ok(sotay(&a, &["--lang", "en", "sync"], None));
    assert!(synced.stdout.contains("sent 5 new changes"), "{}", synced.stdout);
    applied(&p);
    let all: Vec<String> = lost.iter().chain(&after).cloned().collect();
    assert_each_once(&event_lines(&p), &all);
    ok(sotay(&p, &["check"], None));
    ok(sotay(&a, &["check"], None));
}

#[test]
fn a_backup_of_another_unit_or_a_damaged_one_is_refused_in_words_and_nothing_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (p, a) = enrolled_pair(dir.path(), 3);
    let province_backup = backup_to(&p, &dir.path().join("tinh"));
    let own = backup_to(&a, &dir.path().join("xa"));
    let cut = dir.path().join("cut.db");
    let bytes = std::fs::read(&own).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    let before = ok(sotay(&a, &["dump"], None)).stdout;
    for (file, words) in [(&province_backup, "đơn vị khác (Tỉnh đoàn)"), (&cut, "bản sao lưu chép dở")] {
        let r = sotay(&a, &["restore", file.to_str().unwrap(), "--yes"], None);
        assert_ne!(r.code, 0);
        assert!(r.stderr.contains("Không khôi phục từ tệp") && r.stderr.contains(words), "{}", r.stderr);
        assert!(r.stderr.contains("Dữ liệu hiện có không thay đổi"), "{}", r.stderr);
        assert_eq!(ok(sotay(&a, &["dump"], None)).stdout, before);
    }
    ok(sotay(&a, &["check"], None));
}
