//! Backups from the terminal: checked copies of the database, taken by themselves before every import
//! from a stick and on request (to a stick too), listed, and readable as the database they copy.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sotay_tests::network::{enrolled_pair, ok};
use sotay_tests::support::sotay;

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut f: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    f.sort();
    f
}

fn dump(db: &Path) -> String {
    ok(sotay(db, &["dump"], None)).stdout
}

#[test]
fn a_backup_is_taken_before_every_import_and_on_request_and_holds_the_data_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (p, a) = enrolled_pair(dir.path(), 30);
    let stick = dir.path().join("usb");
    std::fs::create_dir_all(&stick).unwrap();
    ok(sotay(&a, &["export", "--out", stick.to_str().unwrap()], None));
    let bundles: Vec<String> = files_in(&stick).iter().map(|f| f.display().to_string()).collect();
    let mut args = vec!["import"];
    args.extend(bundles.iter().map(String::as_str));

    // A rehearsal changes nothing, so it keeps nothing either.
    let mut dry = args.clone();
    dry.push("--dry-run");
    ok(sotay(&p, &dry, None));
    let folder = dir.path().join("Sao lưu");
    assert!(!folder.exists(), "a dry run took a backup");

    let before = dump(&p);
    let imported = ok(sotay(&p, &args, None));
    assert!(imported.stdout.contains("đã sao lưu trước khi nhập"), "{}", imported.stdout);
    let after = dump(&p);
    assert_ne!(before, after, "the import changed the province");

    // Listed, with why it was taken; as the database was before the import, and whole.
    let listed: Value = serde_json::from_str(&ok(sotay(&p, &["backups", "--json"], None)).stdout).unwrap();
    let backups = listed["backups"].as_array().unwrap();
    assert_eq!(backups.len(), 1, "{listed}");
    assert_eq!(backups[0]["reason"], "import");
    let copy = PathBuf::from(backups[0]["path"].as_str().unwrap());
    assert!(copy.starts_with(&folder), "kept in «Sao lưu» beside the database: {}", copy.display());
    assert_eq!(dump(&copy), before, "the backup holds the data as it was before the import");
    assert_eq!(sotay(&copy, &["check"], None).code, 0);

    // On request onto a stick: the data as it is now; the listing of the backup folder says it in words.
    let out = dir.path().join("usb-backup");
    let made = ok(sotay(&p, &["backup", "--out", out.to_str().unwrap()], None));
    assert!(made.stdout.starts_with("đã sao lưu vào"), "{}", made.stdout);
    let on_stick = files_in(&out);
    assert_eq!(on_stick.len(), 1, "{on_stick:?}");
    assert_eq!(dump(&on_stick[0]), after);
    let words = ok(sotay(&p, &["backups"], None)).stdout;
    assert!(words.contains("trước khi nhập") && words.contains("1 bản sao lưu"), "{words}");
    let english = ok(sotay(&p, &["--lang", "en", "backups"], None)).stdout;
    assert!(english.contains("before an import"), "{english}");
    // Nothing half-written is left anywhere.
    for f in files_in(&folder).into_iter().chain(on_stick) {
        assert!(!f.display().to_string().ends_with(".part"), "{}", f.display());
    }
}

#[test]
fn a_backup_into_a_place_that_cannot_hold_it_is_refused_in_words_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (p, _) = enrolled_pair(dir.path(), 0);
    let before = dump(&p);
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, b"x").unwrap();
    let r = sotay(&p, &["backup", "--out", file.join("inside").to_str().unwrap()], None);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("Không sao lưu được vào") && r.stderr.contains("dữ liệu hiện có không thay đổi"), "{}", r.stderr);
    assert_eq!(dump(&p), before);
}
