//! Sync from the terminal: two communes and a province, bundles and receipts on a "stick" folder.

use std::path::{Path, PathBuf};

use sotay_tests::support::{sotay, Run};

fn ok(r: Run) -> Run {
    assert_eq!(r.code, 0, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    r
}

fn files(dir: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.display().to_string().contains(pattern)).collect())
        .unwrap_or_default();
    out.sort();
    out
}

fn installation(db: &Path) -> String {
    let keys = ok(sotay(db, &["--lang", "en", "keys"], None)).stdout;
    keys.lines().find_map(|l| l.strip_prefix("Installation: ")).unwrap().trim().to_string()
}

#[test]
fn two_communes_sync_up_to_a_province_over_a_stick() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (p, a, b) = (d.join("province.db"), d.join("a.db"), d.join("b.db"));
    let stick = d.join("stick");
    ok(sotay(&p, &["init", "--name", "Tỉnh đoàn Hưng Yên", "--code", "TINH-HY", "--level", "province"], None));
    ok(sotay(&a, &["init", "--name", "Đoàn xã Đông Hưng", "--code", "XA-DH"], None));
    ok(sotay(&b, &["init", "--name", "Đoàn xã Tiền Hải", "--code", "XA-TH"], None));

    // Enrolment: the province's file goes down, each commune's comes up; fingerprints are compared.
    let up = d.join("province.enrol.json");
    let out = ok(sotay(&p, &["enroll", "export", "--out", up.to_str().unwrap()], None)).stdout;
    let fingerprint = out.split("dấu vân tay: ").nth(1).unwrap().trim().to_string();
    for (c, name) in [(&a, "a"), (&b, "b")] {
        let r = ok(sotay(c, &["enroll", "import", up.to_str().unwrap(), "--fingerprint", &fingerprint], None));
        assert!(r.stdout.contains("cấp trên"), "{}", r.stdout);
        let down = d.join(format!("{name}.enrol.json"));
        ok(sotay(c, &["enroll", "export", "--out", down.to_str().unwrap()], None));
        let r = ok(sotay(&p, &["enroll", "import", down.to_str().unwrap()], None));
        assert!(r.stdout.contains("cấp dưới"), "{}", r.stdout);
    }
    let r = sotay(&a, &["enroll", "import", up.to_str().unwrap(), "--fingerprint", "0000-0000"], None);
    assert_ne!(r.code, 0, "a wrong fingerprint is refused");

    for (c, tag, n) in [(&a, "Đông Hưng", 4), (&b, "Tiền Hải", 3)] {
        for i in 0..n {
            let e = format!(r#"{{"title": "Tuyên truyền tại {tag} {i}", "start_at": "2026-11-2{i}T08:00", "participants": {{"members": 20}}}}"#);
            ok(sotay(c, &["add", "event", "--json", "-"], Some(&e)));
        }
    }
    ok(sotay(&a, &["export", "--out", stick.join("a").to_str().unwrap()], None));
    ok(sotay(&b, &["export", "--out", stick.join("b").to_str().unwrap()], None));
    let bundles: Vec<PathBuf> = files(&stick.join("b"), ".bundle.json").into_iter().chain(files(&stick.join("a"), ".bundle.json")).collect();
    assert_eq!(bundles.len(), 2);

    // A truncated copy is refused and changes nothing.
    let before = ok(sotay(&p, &["dump"], None)).raw_stdout;
    let cut = d.join("cut.json");
    let bytes = std::fs::read(&bundles[0]).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let r = sotay(&p, &["import", cut.to_str().unwrap()], None);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("cắt cụt") || r.stderr.contains("sai cấu trúc"), "{}", r.stderr);
    assert_eq!(ok(sotay(&p, &["dump"], None)).raw_stdout, before);

    // The province imports both (B first), and writes receipts back to the stick.
    let mut args = vec!["import".to_string()];
    args.extend(bundles.iter().map(|b| b.display().to_string()));
    args.extend(["--receipt-out".to_string(), stick.join("receipts").display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = ok(sotay(&p, &args, None));
    assert!(r.stdout.contains("đã nhập 5 thay đổi mới") && r.stdout.contains("đã nhập 6 thay đổi mới"), "{}", r.stdout);
    let list = ok(sotay(&p, &["list", "events", "--search", "tuyen truyen", "--json"], None)).stdout;
    assert!(list.contains("\"total\": 7"), "{list}");

    // Importing again changes nothing.
    let after = ok(sotay(&p, &["dump"], None)).raw_stdout;
    let r = ok(sotay(&p, &args[..3], None));
    assert!(r.stdout.contains("không thay đổi gì"), "{}", r.stdout);
    assert_eq!(ok(sotay(&p, &["dump"], None)).raw_stdout, after);
    ok(sotay(&p, &["check"], None));

    // Each commune takes its receipt; its outbox empties.
    for c in [&a, &b] {
        let r = ok(sotay(c, &["--lang", "en", "outbox"], None));
        assert!(!r.stdout.contains("Changes waiting for a receipt: 0"), "{}", r.stdout);
        let me = installation(c);
        let receipt = files(&stick.join("receipts"), &me);
        assert_eq!(receipt.len(), 1);
        ok(sotay(c, &["import", receipt[0].to_str().unwrap()], None));
        let r = ok(sotay(c, &["--lang", "en", "outbox"], None));
        assert!(r.stdout.contains("Changes waiting for a receipt: 0"), "{}", r.stdout);
        let r = ok(sotay(c, &["export", "--out", stick.join("again").to_str().unwrap()], None));
        assert!(r.stdout.contains("không có gì mới"), "{}", r.stdout);
    }
}
