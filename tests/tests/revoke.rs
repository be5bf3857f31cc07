//! A commune's laptop is lost: the province revokes its key; nothing it signs afterwards is taken, over
//! the stick or the hub; the commune joins again from a new laptop and goes on.

use std::path::{Path, PathBuf};

use sotay_tests::network::{add_event, event_lines, free_port, ok, HubProcess};
use sotay_tests::support::sotay;

fn installation(db: &Path) -> String {
    let out = ok(sotay(db, &["--lang", "en", "keys"], None)).stdout;
    out.lines().find_map(|l| l.strip_prefix("Installation: ")).expect("an installation line").trim().to_string()
}

fn bundles(dir: &Path) -> Vec<String> {
    let mut f: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".bundle.json"))
        .collect();
    f.sort();
    f
}

/// Exports from `from` into a fresh folder and imports it at `to`; returns the import's outcome.
fn carry(from: &Path, to: &Path, stick: &Path) -> sotay_tests::support::Run {
    let _ = std::fs::remove_dir_all(stick);
    std::fs::create_dir_all(stick).unwrap();
    ok(sotay(from, &["export", "--out", stick.to_str().unwrap()], None));
    let mut args = vec!["import".to_string()];
    args.extend(bundles(stick));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    sotay(to, &args, None)
}

/// A province serving a hub at `listen`, a commune enrolled both ways; returns (province, commune, the
/// province's file, the commune's file).
fn pair(d: &Path, listen: &str) -> (PathBuf, PathBuf, PathBuf, PathBuf) {
    let (p, a) = (d.join("province.db"), d.join("commune.db"));
    ok(sotay(&p, &["init", "--name", "Tỉnh đoàn Hưng Yên", "--code", "TINH", "--level", "province"], None));
    ok(sotay(&a, &["init", "--name", "Đoàn xã Đông Hưng", "--code", "XA-DH"], None));
    let (up, down) = (d.join("tinh.json"), d.join("xa.json"));
    ok(sotay(&p, &["enroll", "export", "--out", up.to_str().unwrap(), "--hub", &format!("https://{listen}")], None));
    ok(sotay(&a, &["enroll", "import", up.to_str().unwrap()], None));
    ok(sotay(&a, &["enroll", "export", "--out", down.to_str().unwrap()], None));
    ok(sotay(&p, &["enroll", "import", down.to_str().unwrap()], None));
    (p, a, up, down)
}

#[test]
fn a_revoked_laptop_is_refused_over_the_stick_and_the_hub_and_the_unit_goes_on_from_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let listen = format!("127.0.0.1:{}", free_port());
    let (p, a, up, down) = pair(d, &listen);
    for i in 0..3 {
        add_event(&a, &format!("Sinh hoạt chi đoàn thôn {i}"));
    }
    ok(carry(&a, &p, &d.join("usb1")));
    assert_eq!(event_lines(&p).len(), 3);

    // The laptop is lost; whoever has it logs on.
    add_event(&a, "Bài đăng giả mạo từ máy bị mất");
    let lost = installation(&a);
    let revoked = ok(sotay(&p, &["enroll", "revoke", "XA-DH"], None));
    assert!(revoked.stdout.contains(&format!("đã thu hồi khóa của máy {lost}")), "{}", revoked.stdout);
    assert!(revoked.stdout.contains("giữ 5 thay đổi"), "the unit made and placed, three events: {}", revoked.stdout);
    let keys = ok(sotay(&p, &["keys"], None)).stdout;
    assert!(keys.contains("đã thu hồi"), "{keys}");

    // Over the stick: refused in words, nothing taken.
    let before = ok(sotay(&p, &["dump"], None)).stdout;
    let r = carry(&a, &p, &d.join("usb2"));
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("đã bị thu hồi"), "{}", r.stderr);
    assert_eq!(ok(sotay(&p, &["dump"], None)).stdout, before);

    // Over the hub (which speaks English here): refused before anything is read.
    let _hub = HubProcess::start(&p, &listen, &[], &[]);
    let r = sotay(&a, &["sync", "--attempts", "1"], None);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("(403)") && r.stderr.contains("key was revoked"), "{}", r.stderr);
    assert_eq!(ok(sotay(&p, &["dump"], None)).stdout, before);

    // Its old file does not bring the key back.
    let again = sotay(&p, &["enroll", "import", down.to_str().unwrap()], None);
    assert_ne!(again.code, 0);
    assert!(again.stderr.contains("đã bị thu hồi"), "{}", again.stderr);

    // A new laptop joins the unit (from the unit's file the province kept), connects, and goes on.
    let n = d.join("new-laptop.db");
    ok(sotay(&n, &["init", "--join", down.to_str().unwrap()], None));
    // Whole from the start, though it knows its unit's upper unit only by id until it connects.
    ok(sotay(&n, &["check"], None));
    ok(sotay(&n, &["enroll", "import", up.to_str().unwrap()], None));
    let n_file = d.join("xa-moi.json");
    ok(sotay(&n, &["enroll", "export", "--out", n_file.to_str().unwrap()], None));
    ok(sotay(&p, &["enroll", "import", n_file.to_str().unwrap()], None));
    add_event(&n, "Sinh hoạt chi đoàn sau khi thay máy");
    let synced = ok(sotay(&n, &["--lang", "en", "sync"], None));
    assert!(synced.stdout.contains("sent "), "{}", synced.stdout);
    sotay_tests::network::applied(&p);
    let events = event_lines(&p);
    assert_eq!(events.len(), 4, "{events:#?}");
    assert!(events.iter().any(|l| l.contains("sau khi thay máy")));
    assert!(!events.iter().any(|l| l.contains("giả mạo")));
    ok(sotay(&p, &["check"], None));
    ok(sotay(&n, &["check"], None));
}

#[test]
fn an_installation_cannot_revoke_its_own_upper_level() {
    let dir = tempfile::tempdir().unwrap();
    let (p, a, _, _) = pair(dir.path(), "127.0.0.1:9");
    let r = sotay(&a, &["enroll", "revoke", &installation(&p)], None);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("không thể thu hồi khóa của cấp trên"), "{}", r.stderr);
    assert!(!ok(sotay(&a, &["keys"], None)).stdout.contains("thu hồi"));
}
