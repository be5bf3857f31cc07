//! Personal data locked, from the terminal: what a lost stick, backup or database file gives away (no
//! name, phone number or title, in either Unicode form), wrong passphrases, a passphrase changed and one
//! reset with the recovery code, the province recovering a commune's backup when both are lost, and an
//! older Sotay's plain database encrypted once.

use std::path::{Path, PathBuf};

use sotay_tests::network::{enrolled_pair, ok};
use sotay_tests::support::{sotay, sotay_with};
use unicode_normalization::UnicodeNormalization;

fn files_in(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut f: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.to_string_lossy().ends_with(suffix)).collect();
    f.sort();
    f
}

/// The words of `words` found in `file`'s bytes, in NFC or in NFD.
fn found_in(file: &Path, words: &[String]) -> Vec<String> {
    let bytes = std::fs::read(file).unwrap();
    let mut found = Vec::new();
    for w in words {
        for form in [w.nfc().collect::<String>(), w.nfd().collect::<String>()] {
            if bytes.windows(form.len()).any(|x| x == form.as_bytes()) && !found.contains(&form) {
                found.push(form);
            }
        }
    }
    found
}

/// Names, phone numbers and titles the demo data holds, read from its dump.
fn demo_secrets(db: &Path) -> Vec<String> {
    let dump = ok(sotay(db, &["dump"], None)).stdout;
    let mut words = vec!["Tỉnh đoàn Hưng Yên".to_string()];
    let (mut names, mut phones, mut titles) = (Vec::new(), Vec::new(), Vec::new());
    for line in dump.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
        let body = &v["body"];
        for a in v["attendees"].as_array().into_iter().chain(body["attendees"].as_array()).flatten() {
            if let (Some(n), Some(p)) = (a["name"].as_str(), a["phone"].as_str()) {
                names.push(n.to_string());
                phones.push(p.to_string());
            }
        }
        if v["kind"] == "event" {
            // A title with quotes is escaped in the dump's JSON: the others are found verbatim.
            if let Some(t) = v["title"].as_str().or(body["title"].as_str()).filter(|t| !t.contains('"')) {
                titles.push(t.to_string());
            }
        }
    }
    assert!(names.len() >= 5 && titles.len() >= 5, "the demo holds attendees and events: {} names, {} titles", names.len(), titles.len());
    words.extend(names.into_iter().take(20));
    words.extend(phones.into_iter().take(20));
    titles.dedup();
    words.extend(titles.into_iter().take(10));
    words.sort();
    words.dedup();
    // The check finds them where they are: in the dump itself.
    let dump_file = db.with_extension("dump.txt");
    std::fs::write(&dump_file, &dump).unwrap();
    assert_eq!(found_in(&dump_file, &words).len(), words.len());
    std::fs::remove_file(dump_file).unwrap();
    words
}

#[test]
fn the_demo_database_its_backup_and_its_bundle_reveal_no_name_phone_number_or_title() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("tinh.db");
    let seeded = ok(sotay(&p, &["seed", "--demo"], None));
    assert!(seeded.stderr.contains("Mã khôi phục"), "{}", seeded.stderr);
    // A central installation above it, so that the province's bundle carries its events upward.
    let c = dir.path().join("trung-uong.db");
    ok(sotay(&c, &["init", "--name", "Trung ương Đoàn", "--code", "TW", "--level", "central"], None));
    let (up, down) = (dir.path().join("up.json"), dir.path().join("down.json"));
    ok(sotay(&c, &["enroll", "export", "--out", up.to_str().unwrap()], None));
    ok(sotay(&p, &["enroll", "import", up.to_str().unwrap()], None));
    ok(sotay(&p, &["enroll", "export", "--out", down.to_str().unwrap()], None));
    ok(sotay(&c, &["enroll", "import", down.to_str().unwrap()], None));
    let stick = dir.path().join("usb");
    ok(sotay(&p, &["export", "--out", stick.to_str().unwrap()], None));
    ok(sotay(&p, &["backup", "--out", stick.to_str().unwrap()], None));
    let words = demo_secrets(&p);

    let mut taken: Vec<PathBuf> = vec![p.clone(), PathBuf::from(format!("{}.key", p.display()))];
    taken.extend(files_in(&stick, ".bundle.json"));
    taken.extend(files_in(&stick, ".db"));
    let wal = PathBuf::from(format!("{}-wal", p.display()));
    if wal.exists() {
        taken.push(wal);
    }
    assert!(taken.len() >= 4, "{taken:?}");
    for file in &taken {
        assert_eq!(found_in(file, &words), Vec::<String>::new(), "{}", file.display());
    }
    // The bundle's header is for people: sender, addressee and counts read as they are …
    let bundle = std::fs::read_to_string(&files_in(&stick, ".bundle.json")[0]).unwrap();
    let first = bundle.lines().next().unwrap();
    assert!(first.contains("\"version\":3") && first.contains("\"recipient\"") && first.contains("\"ranges\""), "{first}");
    // … and its addressee sees its changes before taking them.
    let preview = ok(sotay(&c, &["--lang", "en", "import", "--dry-run", files_in(&stick, ".bundle.json")[0].to_str().unwrap()], None));
    assert!(preview.stdout.contains("new"), "{}", preview.stdout);
}

#[test]
fn a_wrong_passphrase_is_refused_in_words_changes_nothing_and_the_wait_grows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("xa.db");
    ok(sotay(&db, &["init", "--name", "Đoàn xã Đông Hưng", "--code", "XA-DH"], None));
    let before = (std::fs::read(&db).unwrap(), std::fs::read(format!("{}.key", db.display())).unwrap());
    let wrong = |n: usize| {
        let r = sotay_with(&db, &["list", "events"], None, &[("SOTAY_PASSPHRASE", "mật khẩu sai")]);
        assert_ne!(r.code, 0, "try {n}");
        r.stderr
    };
    assert!(wrong(1).contains("Mật khẩu không đúng; dữ liệu không thay đổi"));
    wrong(2);
    assert!(wrong(3).contains("thử lại sau 2 giây"));
    let r = sotay(&db, &["list", "events"], None);
    assert!(r.code != 0 && r.stderr.contains("hãy chờ"), "even the right one waits: {}", r.stderr);
    assert_eq!((std::fs::read(&db).unwrap(), std::fs::read(format!("{}.key", db.display())).unwrap()), before);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    ok(sotay(&db, &["list", "events"], None));
    // With no passphrase and no terminal to ask at: a clear message.
    let r = sotay_with(&db, &["list", "events"], None, &[("SOTAY_PASSPHRASE", "")]);
    assert!(r.code != 0 && r.stderr.contains("SOTAY_PASSPHRASE"), "{}", r.stderr);
}

fn recovery_code(stderr: &str) -> String {
    let at = stderr.find("Mã khôi phục").expect("the recovery code is shown");
    stderr[at..].lines().nth(1).expect("the code's line").trim().to_string()
}

#[test]
fn the_passphrase_changes_without_rewriting_the_data_and_the_recovery_code_resets_a_forgotten_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("xa.db");
    let init = ok(sotay(&db, &["init", "--name", "Đoàn xã Đông Hưng", "--code", "XA-DH"], None));
    let code = recovery_code(&init.stderr);
    assert_eq!(code.len(), 29, "{code}");
    ok(sotay(&db, &["add", "event", "--json", "-"], Some(r#"{"title": "Buổi một", "start_at": "2026-11-20T08:00"}"#)));
    let dump = ok(sotay(&db, &["dump"], None)).stdout;
    let data = std::fs::read(&db).unwrap();

    let changed = ok(sotay_with(&db, &["key", "change"], None, &[("SOTAY_NEW_PASSPHRASE", "mật khẩu mới 2026")]));
    assert!(changed.stdout.contains("không phải ghi lại"), "{}", changed.stdout);
    assert_eq!(std::fs::read(&db).unwrap(), data, "the data file is not rewritten");
    assert!(sotay(&db, &["dump"], None).code != 0, "the old passphrase no longer opens it");
    let new = [("SOTAY_PASSPHRASE", "mật khẩu mới 2026")];
    assert_eq!(ok(sotay_with(&db, &["dump"], None, &new)).stdout, dump);

    // Forgotten: a wrong code changes nothing; the right one, typed off paper in lower case, sets a new one.
    let key_file = std::fs::read(format!("{}.key", db.display())).unwrap();
    let r = sotay_with(&db, &["key", "reset", "--recovery-code", "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA"], None, &[("SOTAY_NEW_PASSPHRASE", "quên rồi đặt lại")]);
    assert!(r.code != 0 && r.stderr.contains("Mã khôi phục không đúng"), "{}", r.stderr);
    assert_eq!(std::fs::read(format!("{}.key", db.display())).unwrap(), key_file);
    ok(sotay_with(&db, &["key", "reset", "--recovery-code", &code.to_lowercase()], None, &[("SOTAY_NEW_PASSPHRASE", "quên rồi đặt lại")]));
    assert_eq!(ok(sotay_with(&db, &["dump"], None, &[("SOTAY_PASSPHRASE", "quên rồi đặt lại")])).stdout, dump);
}

#[test]
fn the_province_recovers_a_communes_backup_when_passphrase_and_recovery_code_are_both_lost() {
    let dir = tempfile::tempdir().unwrap();
    let (p, a) = enrolled_pair(dir.path(), 3);
    let status = ok(sotay(&a, &["key", "status"], None));
    assert!(status.stdout.contains("gửi kèm cho cấp trên"), "sealed to the province by default once enrolled: {}", status.stdout);
    ok(sotay(&a, &["backup", "--out", dir.path().join("usb").to_str().unwrap()], None));
    let backup = files_in(&dir.path().join("usb"), ".db").pop().unwrap();
    let dump = ok(sotay(&a, &["dump"], None)).stdout;

    let temporary = dir.path().join("tam-thoi.txt");
    std::fs::write(&temporary, "mật khẩu tạm thời\n").unwrap();
    let out = dir.path().join("cap-lai.db");
    // Another province's installation cannot open it.
    let other = dir.path().join("khac.db");
    ok(sotay(&other, &["init", "--name", "Tỉnh đoàn Thái Bình", "--code", "TINH-TB", "--level", "province"], None));
    let r = sotay(&other, &["key", "recover", backup.to_str().unwrap(), "--out", out.to_str().unwrap(), "--new-passphrase-file", temporary.to_str().unwrap()], None);
    assert!(r.code != 0 && r.stderr.contains("không được gửi cho đơn vị này"), "{}", r.stderr);
    assert!(!out.exists());
    // The province can, without reading the data.
    let recovered = ok(sotay(&p, &["key", "recover", backup.to_str().unwrap(), "--out", out.to_str().unwrap(), "--new-passphrase-file", temporary.to_str().unwrap()], None));
    assert!(recovered.stderr.contains("Mã khôi phục"));
    // The officer's new laptop: the file and the temporary passphrase bring everything back.
    let new = dir.path().join("may-moi").join("sotay.db");
    let temp = [("SOTAY_PASSPHRASE", "mật khẩu tạm thời")];
    ok(sotay_with(&new, &["restore", out.to_str().unwrap(), "--yes"], None, &temp));
    assert_eq!(ok(sotay_with(&new, &["dump"], None, &temp)).stdout, dump);
}

#[test]
fn a_plain_database_of_an_older_sotay_is_encrypted_once_with_an_encrypted_backup_first_and_dumps_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let made = dir.path().join("made.db");
    ok(sotay(&made, &["seed", "--demo"], None));
    let dump = ok(sotay(&made, &["dump"], None)).stdout;
    // The same data as an older Sotay kept it: plain SQLite (decrypted with SQLCipher's own export).
    let db = dir.path().join("sotay.db");
    let conn = sotay_tests::support::open_raw(&made);
    conn.execute(&format!("ATTACH DATABASE '{}' AS plain KEY ''", db.display()), []).unwrap();
    conn.query_row("SELECT sqlcipher_export('plain')", [], |_| Ok(())).unwrap();
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    conn.pragma_update(Some("plain"), "user_version", version).unwrap();
    drop(conn);
    assert_eq!(&std::fs::read(&db).unwrap()[..16], b"SQLite format 3\0");

    let first = ok(sotay(&db, &["dump"], None));
    assert_eq!(first.stdout, dump, "the data is the same after the conversion");
    assert!(first.stderr.contains("Mã khôi phục") && first.stderr.contains("mã hóa"), "{}", first.stderr);
    assert_ne!(&std::fs::read(&db).unwrap()[..16], b"SQLite format 3\0");
    let words = demo_secrets(&db);
    let kept = files_in(&dir.path().join("Sao lưu"), "-truoc-ma-hoa.db");
    assert_eq!(kept.len(), 1, "a backup first");
    for file in [&db, &kept[0]] {
        assert_eq!(found_in(file, &words), Vec::<String>::new(), "{}", file.display());
    }
    // Once: the second open converts nothing and asks nothing new.
    let second = ok(sotay(&db, &["dump"], None));
    assert!(!second.stderr.contains("Mã khôi phục"));
    assert_eq!(second.stdout, dump);
}
