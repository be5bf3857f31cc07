//! Sync from the terminal: two communes and a province, bundles and receipts on a "stick" folder.

use std::path::{Path, PathBuf};

use sotay_tests::network::enrolled_pair;
use sotay_tests::support::{sotay, Run};

fn ok(r: Run) -> Run {
    assert_eq!(r.code, 0, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    r
}

fn files(dir: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| {
            // Visible files only: an unfinished export leaves a hidden `.part` file.
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.contains(pattern) && !name.starts_with('.')
        }).collect())
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


/// Two laptops of one commune edit the same field of the commune's unit record; the province receives both
/// in either order, keeps one deterministic winner, and shows the conflict.
#[test]
fn concurrent_edits_from_two_installations_of_one_unit_leave_a_winner_and_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (p, a1, a2) = (d.join("p.db"), d.join("a1.db"), d.join("a2.db"));
    ok(sotay(&p, &["init", "--name", "Tỉnh đoàn", "--code", "TINH", "--level", "province"], None));
    ok(sotay(&a1, &["init", "--name", "Đoàn xã Đông Hưng", "--code", "XA-DH"], None));
    let up = d.join("up.json");
    ok(sotay(&p, &["enroll", "export", "--out", up.to_str().unwrap()], None));
    ok(sotay(&a1, &["enroll", "import", up.to_str().unwrap()], None));
    let first = d.join("a1.json");
    ok(sotay(&a1, &["enroll", "export", "--out", first.to_str().unwrap()], None));
    // The second laptop joins the same unit, then both enrol with the province.
    ok(sotay(&a2, &["init", "--join", first.to_str().unwrap()], None));
    ok(sotay(&a2, &["enroll", "import", up.to_str().unwrap()], None));
    let second = d.join("a2.json");
    ok(sotay(&a2, &["enroll", "export", "--out", second.to_str().unwrap()], None));
    ok(sotay(&p, &["enroll", "import", first.to_str().unwrap()], None));
    ok(sotay(&p, &["enroll", "import", second.to_str().unwrap()], None));

    let unit = ok(sotay(&a1, &["--lang", "en", "keys"], None)).stdout;
    let unit_id = unit.lines().find_map(|l| l.strip_prefix("Unit: ")).unwrap().trim().to_string();
    for (db, place) in [(&a1, "Thôn Đông"), (&a2, "Thôn Đoài")] {
        let shown: serde_json::Value = serde_json::from_str(&ok(sotay(db, &["show", "unit", &unit_id], None)).stdout).unwrap();
        let mut body = shown.clone();
        body["place"] = serde_json::json!(place);
        ok(sotay(db, &["edit", "unit", &unit_id, "--json", "-"], Some(&body.to_string())));
    }
    ok(sotay(&a1, &["export", "--out", d.join("s1").to_str().unwrap()], None));
    ok(sotay(&a2, &["export", "--out", d.join("s2").to_str().unwrap()], None));
    let b1 = files(&d.join("s1"), ".bundle.json");
    let b2 = files(&d.join("s2"), ".bundle.json");

    let mut outcomes = Vec::new();
    for (name, order) in [("x.db", [&b1, &b2]), ("y.db", [&b2, &b1])] {
        let copy = d.join(name);
        sotay_tests::support::copy_database(&p, &copy);
        for bundles in order {
            ok(sotay(&copy, &["import", bundles[0].to_str().unwrap()], None));
        }
        let shown: serde_json::Value = serde_json::from_str(&ok(sotay(&copy, &["show", "unit", &unit_id], None)).stdout).unwrap();
        let conflicts = ok(sotay(&copy, &["conflicts"], None)).stdout;
        assert_eq!(conflicts.lines().count(), 1, "one visible conflict: {conflicts}");
        assert!(conflicts.contains("place"), "{conflicts}");
        outcomes.push(shown["place"].clone());
    }
    assert_eq!(outcomes[0], outcomes[1], "the same winner whatever the order");
    assert!(outcomes[0] == "Thôn Đông" || outcomes[0] == "Thôn Đoài");
}

/// Every installation's own clock — the one its store reads — moved by ten years, forwards on some and
/// backwards on others, over real bundles: the outcome is what the changes say, never what the clocks
/// say. Two laptops of one commune set the same field; the one whose edit is later by Lamport time has
/// its clock ten years behind, so a merge by wall clock would pick the other. Three copies of the
/// province take the same bundles with their own clocks at 0, +10 and ±10 years (switching between
/// files, newest bundle first so that held ones are applied under another clock): the same bytes.
#[test]
fn shifting_every_installations_clock_by_ten_years_changes_no_outcome() {
    use sotay_tests::support::sotay_with;
    const AHEAD: &str = "3652";
    const BEHIND: &str = "-3652";
    let shifted = |days: &'static str| move |db: &Path, args: &[&str], stdin: Option<&str>| sotay_with(db, args, stdin, &[("SOTAY_TEST_CLOCK_SHIFT_DAYS", days)]);
    let (ahead, behind) = (shifted(AHEAD), shifted(BEHIND));

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (p, a1, a2) = (d.join("p.db"), d.join("a1.db"), d.join("a2.db"));
    ok(sotay(&p, &["init", "--name", "Tỉnh đoàn", "--code", "TINH", "--level", "province"], None));
    ok(behind(&a1, &["init", "--name", "Đoàn xã Đông Hưng", "--code", "XA-DH"], None));
    let up = d.join("up.json");
    ok(sotay(&p, &["enroll", "export", "--out", up.to_str().unwrap()], None));
    ok(behind(&a1, &["enroll", "import", up.to_str().unwrap()], None));
    let first = d.join("a1.json");
    ok(behind(&a1, &["enroll", "export", "--out", first.to_str().unwrap()], None));
    ok(ahead(&a2, &["init", "--join", first.to_str().unwrap()], None));
    ok(ahead(&a2, &["enroll", "import", up.to_str().unwrap()], None));
    let second = d.join("a2.json");
    ok(ahead(&a2, &["enroll", "export", "--out", second.to_str().unwrap()], None));
    ok(sotay(&p, &["enroll", "import", first.to_str().unwrap()], None));
    ok(sotay(&p, &["enroll", "import", second.to_str().unwrap()], None));

    // A1 (ten years behind) logs ten events, then sets the place: a high Lamport time, an early wall
    // time. A2 (ten years ahead) logs one and sets the place afterwards: a low Lamport time, a wall time
    // twenty years later. A merge by wall clock would keep A2's.
    for i in 0..10 {
        let e = format!(r#"{{"title": "Tuyên truyền tại thôn {i}", "start_at": "2026-11-2{}T08:00", "participants": {{"members": 15}}}}"#, i % 9);
        ok(behind(&a1, &["add", "event", "--json", "-"], Some(&e)));
    }
    ok(ahead(&a2, &["add", "event", "--json", "-"], Some(r#"{"title": "Sinh hoạt chi đoàn", "start_at": "2026-11-25T08:00"}"#)));
    let unit = ok(sotay(&a1, &["--lang", "en", "keys"], None)).stdout;
    let unit_id = unit.lines().find_map(|l| l.strip_prefix("Unit: ")).unwrap().trim().to_string();
    for (db, place, run) in [(&a1, "Thôn Đông", &behind), (&a2, "Thôn Đoài", &ahead)] {
        let mut body: serde_json::Value = serde_json::from_str(&ok(sotay(db, &["show", "unit", &unit_id], None)).stdout).unwrap();
        body["place"] = serde_json::json!(place);
        ok(run(db, &["edit", "unit", &unit_id, "--json", "-"], Some(&body.to_string())));
    }
    ok(behind(&a1, &["export", "--out", d.join("s1").to_str().unwrap(), "--max-changes", "4"], None));
    ok(ahead(&a2, &["export", "--out", d.join("s2").to_str().unwrap(), "--max-changes", "2"], None));
    let mut bundles: Vec<PathBuf> = files(&d.join("s1"), ".bundle.json");
    bundles.extend(files(&d.join("s2"), ".bundle.json"));
    assert!(bundles.len() >= 5);
    bundles.reverse();

    let mut outcomes = Vec::new();
    for (name, clocks) in [("r0.db", ["0", "0"]), ("r-ahead.db", [AHEAD, AHEAD]), ("r-both.db", [AHEAD, BEHIND])] {
        let copy = d.join(name);
        sotay_tests::support::copy_database(&p, &copy);
        for (i, b) in bundles.iter().enumerate() {
            ok(sotay_with(&copy, &["import", b.to_str().unwrap()], None, &[("SOTAY_TEST_CLOCK_SHIFT_DAYS", clocks[i % 2])]));
        }
        ok(sotay(&copy, &["check"], None));
        let shown: serde_json::Value = serde_json::from_str(&ok(sotay(&copy, &["show", "unit", &unit_id], None)).stdout).unwrap();
        assert_eq!(shown["place"], "Thôn Đông", "{name}: the later edit by Lamport time wins, not the later clock");
        outcomes.push((ok(sotay(&copy, &["dump"], None)).raw_stdout, ok(sotay(&copy, &["conflicts"], None)).stdout));
    }
    assert!(outcomes[0].1.contains("Thôn Đoài"), "the edit set aside is shown: {}", outcomes[0].1);
    for (i, o) in outcomes.iter().enumerate().skip(1) {
        assert!(o.0 == outcomes[0].0, "receiver {i} ended with other records");
        assert_eq!(o.1, outcomes[0].1, "receiver {i} shows other conflicts");
    }

    // Down: the province, its clock ten years behind, sends a plan to A2 (ten years ahead).
    let plan = r#"{"title": "Kế hoạch tuyên truyền năm 2027", "start_on": "2027-01-01"}"#;
    ok(behind(&p, &["add", "plan", "--json", "-"], Some(plan)));
    let a2_inst = installation(&a2);
    ok(behind(&p, &["export", "--to", &a2_inst, "--out", d.join("down").to_str().unwrap()], None));
    for b in files(&d.join("down"), ".bundle.json") {
        ok(ahead(&a2, &["import", b.to_str().unwrap()], None));
    }
    let list = ok(sotay(&a2, &["list", "plans", "--search", "ke hoach 2027"], None)).stdout;
    assert!(list.contains("Kế hoạch tuyên truyền năm 2027"), "{list}");
    ok(sotay(&a2, &["check"], None));
}

/// Over the stick: the province sends its plans down between its own events, opinions and inspections;
/// each commune's `sotay check` finds its log whole, round after round (it once said "has gaps").
#[test]
fn plans_sent_down_on_a_stick_leave_every_communes_log_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (p, a) = enrolled_pair(d, 0);
    let a_inst = installation(&a);
    let p_inst = installation(&p);
    for round in 1..=3 {
        sotay_tests::network::province_work(&p, round);
        let down = d.join(format!("down-{round}"));
        ok(sotay(&p, &["export", "--to", &a_inst, "--out", down.to_str().unwrap(), "--max-changes", "3"], None));
        let mut args = vec!["import".to_string()];
        args.extend(files(&down, ".bundle.json").iter().map(|f| f.display().to_string()));
        args.extend(["--receipt-out".into(), down.display().to_string()]);
        let r = ok(sotay(&a, &args.iter().map(String::as_str).collect::<Vec<_>>(), None));
        assert!(!r.stdout.contains("tạm giữ"), "nothing held: {}", r.stdout);
        ok(sotay(&a, &["check"], None));
        let plans = ok(sotay(&a, &["list", "plans", "--json"], None)).stdout;
        assert!(plans.contains(&format!("Kế hoạch tuyên truyền đợt {round}")), "{plans}");
        // Every other round the receipt goes back, so the next export starts after it or overlaps.
        if round % 2 == 1 {
            for receipt in files(&down, &format!("sotay-receipt-for-{p_inst}")) {
                ok(sotay(&p, &["import", receipt.to_str().unwrap()], None));
            }
        }
    }
    let events = ok(sotay(&a, &["list", "events", "--json"], None)).stdout;
    assert!(!events.contains("của tỉnh"), "the province's events stay at the province");
}

/// Issue 15's first finding, as a new user met it: once the commune's events reached the province, the
/// province records that the commune was merged into another on 1 July 2025 (`sotay edit unit … --json`
/// with `valid_to`, `successor_id`, `change: merged`). It is taken, goes down to the commune's own
/// installation on the next stick, which from then on refuses new work dated after 30/06/2025 (in
/// Vietnamese), and the commune cannot undo it — it is told that the level above decides — while it still
/// edits its own place. `check` is clean on both sides.
#[test]
fn the_province_records_a_communes_merge_and_the_commune_learns_it_on_the_next_stick() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (p, up) = sotay_tests::network::province(d, "https://127.0.0.1:9");
    let old = sotay_tests::network::commune(d, "XA-CU", &p, &up);
    let new = sotay_tests::network::commune(d, "XA-MOI", &p, &up);
    sotay_tests::network::add_event(&old, "Tuyên truyền trước sáp nhập");
    for (c, name) in [(&old, "s-old"), (&new, "s-new")] {
        ok(sotay(c, &["export", "--out", d.join(name).to_str().unwrap()], None));
        for f in files(&d.join(name), ".bundle.json") {
            ok(sotay(&p, &["import", f.to_str().unwrap()], None));
        }
    }
    let unit_of = |db: &Path| {
        let keys = ok(sotay(db, &["--lang", "en", "keys"], None)).stdout;
        keys.lines().find_map(|l| l.strip_prefix("Unit: ")).unwrap().trim().to_string()
    };
    let (old_unit, new_unit) = (unit_of(&old), unit_of(&new));
    let show = |db: &Path| -> serde_json::Value { serde_json::from_str(&ok(sotay(db, &["show", "unit", &old_unit], None)).stdout).unwrap() };

    let mut merged = show(&p);
    merged["valid_to"] = serde_json::json!("2025-06-30");
    merged["successor_id"] = serde_json::json!(new_unit);
    merged["change"] = serde_json::json!("merged");
    ok(sotay(&p, &["edit", "unit", &old_unit, "--json", "-"], Some(&merged.to_string())));
    // The commune's own settings stay its own.
    let mut placed = show(&p);
    placed["place"] = serde_json::json!("Thôn Đông");
    let r = sotay(&p, &["edit", "unit", &old_unit, "--json", "-"], Some(&placed.to_string()));
    assert_ne!(r.code, 0, "the province changed the commune's place: {}", r.stdout);

    let stick = d.join("s-down");
    ok(sotay(&p, &["export", "--to", &installation(&old), "--out", stick.to_str().unwrap()], None));
    for f in files(&stick, ".bundle.json") {
        ok(sotay(&old, &["import", f.to_str().unwrap()], None));
    }
    let here = show(&old);
    assert_eq!(
        (here["valid_to"].as_str(), here["successor_id"].as_str(), here["change"].as_str()),
        (Some("2025-06-30"), Some(new_unit.as_str()), Some("merged")),
        "{here}"
    );
    // New work dated after the merge is refused in words; June's still goes in.
    let r = sotay(&old, &["add", "event", "--json", "-"], Some(r#"{"title": "Sinh hoạt tháng 7", "start_at": "2025-07-10T08:00"}"#));
    assert_ne!(r.code, 0, "an event after the merge went in: {}", r.stdout);
    assert!(r.stderr.contains("đã kết thúc từ sau ngày 30/06/2025"), "{}", r.stderr);
    // The successor, a sibling whose own records never come down, came down with the merge: named.
    assert!(r.stderr.contains("chuyển về Đoàn xã XA-MOI"), "the successor is not named: {}", r.stderr);
    ok(sotay(&old, &["add", "event", "--json", "-"], Some(r#"{"title": "Sinh hoạt cuối tháng 6", "start_at": "2025-06-27T08:00"}"#)));
    let mut undo = here.clone();
    for field in ["valid_to", "successor_id", "change"] {
        undo[field] = serde_json::Value::Null;
    }
    let r = sotay(&old, &["edit", "unit", &old_unit, "--json", "-"], Some(&undo.to_string()));
    assert_ne!(r.code, 0, "the commune undid its merge");
    assert!(r.stderr.contains("do cấp trên quyết định"), "{}", r.stderr);
    let mut own = here.clone();
    own["place"] = serde_json::json!("Đông Hưng");
    ok(sotay(&old, &["edit", "unit", &old_unit, "--json", "-"], Some(&own.to_string())));
    for db in [&p, &old] {
        ok(sotay(db, &["check"], None));
    }

    // The way forward: this laptop goes on as the successor, its history kept. Not before the level
    // above holds everything it wrote as the old commune.
    let successor_file = d.join("XA-MOI.enrol.json");
    let r = sotay(&old, &["enroll", "successor", successor_file.to_str().unwrap()], None);
    assert_ne!(r.code, 0, "joined with changes the province does not hold: {}", r.stdout);
    assert!(r.stderr.contains("chưa được cấp trên xác nhận"), "{}", r.stderr);
    let up = d.join("s-up");
    ok(sotay(&old, &["export", "--out", up.to_str().unwrap()], None));
    let mut args = vec!["import".to_string()];
    args.extend(files(&up, ".bundle.json").iter().map(|f| f.display().to_string()));
    args.extend(["--receipt-out".to_string(), up.join("receipts").display().to_string()]);
    ok(sotay(&p, &args.iter().map(String::as_str).collect::<Vec<_>>(), None));
    for receipt in files(&up.join("receipts"), ".json") {
        ok(sotay(&old, &["import", receipt.to_str().unwrap()], None));
    }
    // Not a unit it was merged into: refused by name.
    let province_file = d.join("province.enrol.json");
    let r = sotay(&old, &["enroll", "successor", province_file.to_str().unwrap()], None);
    assert!(r.code != 0 && r.stderr.contains("không phải đơn vị kế thừa"), "{}", r.stderr);
    let before = sotay_tests::network::event_lines(&old);
    ok(sotay(&old, &["enroll", "successor", successor_file.to_str().unwrap()], None));
    assert_eq!(unit_of(&old), new_unit, "the laptop now works for the successor");
    assert_eq!(sotay_tests::network::event_lines(&old), before, "the old commune's records stay readable here");
    // The province enrols the new key as another installation of the successor; July's work goes in.
    let rejoined = d.join("rejoined.enrol.json");
    ok(sotay(&old, &["enroll", "export", "--out", rejoined.to_str().unwrap()], None));
    ok(sotay(&p, &["enroll", "import", rejoined.to_str().unwrap()], None));
    ok(sotay(&old, &["add", "event", "--json", "-"], Some(r#"{"title": "Sinh hoạt tháng 7 của xã mới", "start_at": "2025-07-10T08:00", "participants": {"members": 15}}"#)));
    let up2 = d.join("s-up2");
    ok(sotay(&old, &["export", "--out", up2.to_str().unwrap()], None));
    for f in files(&up2, ".bundle.json") {
        ok(sotay(&p, &["import", f.to_str().unwrap()], None));
    }
    // At the province: the old commune's work and the new one's, once each, under the successor.
    let report: serde_json::Value =
        serde_json::from_str(&ok(sotay(&p, &["report", "--period", "2025", "--json"], None)).stdout).unwrap();
    let rows = report["rows"].as_array().unwrap();
    let row = rows.iter().find(|r| r["id"] == new_unit.as_str()).expect("the successor's row");
    assert_eq!(row["events"], 3, "August's and June's events of the old commune and July's of the new: {row}");
    assert!(rows.iter().all(|r| r["id"] != old_unit.as_str()), "the old commune has no row of its own");
    for db in [&p, &old] {
        ok(sotay(db, &["check"], None));
    }
}
