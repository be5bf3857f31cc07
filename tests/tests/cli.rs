//! The `sotay` binary as a black box: every command, its exit code and its error text.

use std::path::PathBuf;

use serde_json::Value;
use sotay_tests::support::{sotay, Run};

struct Db {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn fresh() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sotay.db");
    Db { _dir: dir, path }
}

fn ok(r: Run) -> Run {
    assert_eq!(r.code, 0, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    r
}

fn demo() -> Db {
    let db = fresh();
    ok(sotay(&db.path, &["seed", "--demo"], None));
    db
}

fn commune() -> Db {
    let db = fresh();
    ok(sotay(&db.path, &["init", "--name", "Đoàn xã Đông Hưng", "--code", "XA-DONG-HUNG"], None));
    db
}

fn list_json(db: &Db, args: &[&str]) -> Value {
    let mut all = vec!["list"];
    all.extend_from_slice(args);
    all.push("--json");
    serde_json::from_str(&ok(sotay(&db.path, &all, None)).stdout).unwrap()
}

fn titles(page: &Value) -> Vec<String> {
    page["rows"].as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap().to_string()).collect()
}

fn dump(db: &Db) -> Vec<u8> {
    ok(sotay(&db.path, &["dump"], None)).raw_stdout
}

#[test]
fn search_without_accents_finds_the_demo_events() {
    let db = demo();
    let page = list_json(&db, &["events", "--search", "tuyen truyen", "--limit", "500"]);
    let found = titles(&page);
    assert!(found.len() > 20, "{found:?}");
    assert!(found.iter().all(|t| t.to_lowercase().contains("tuyên truyền")), "{found:?}");
    assert_eq!(page["total"].as_u64().unwrap() as usize, found.len());

    let page = list_json(&db, &["events", "--search", "doan", "--limit", "500"]);
    assert!(titles(&page).iter().any(|t| t.contains("Đoàn")), "doan finds Đoàn");
    // The plain listing prints the same events, one a line, with dd/mm/yyyy dates.
    let plain = ok(sotay(&db.path, &["list", "events", "--search", "tuyen truyen", "--limit", "3"], None));
    assert_eq!(plain.stdout.lines().count(), 3 + 1, "three rows and the footer: {}", plain.stdout);
    let first = plain.stdout.lines().next().unwrap();
    assert!(first.split_whitespace().nth(1).unwrap().chars().filter(|c| *c == '/').count() == 2, "{first}");
}

#[test]
fn dump_is_byte_identical_run_after_run_and_check_passes() {
    let db = demo();
    let a = dump(&db);
    let b = dump(&db);
    assert!(!a.is_empty());
    assert_eq!(a, b);
    let lines = String::from_utf8(a).unwrap();
    assert!(lines.lines().count() > 320);
    for line in lines.lines().take(50) {
        let v: Value = serde_json::from_str(line).unwrap();
        assert!(v["id"].is_string() && v["kind"].is_string());
    }
    let r = ok(sotay(&db.path, &["check"], None));
    assert!(r.stdout.starts_with("ok"));
}

#[test]
fn add_show_edit_delete_round_trip() {
    let db = commune();
    let r = ok(sotay(&db.path, &["add", "event", "--json", "-"], Some(
        r#"{"title": "Tuyên truyền Luật Thanh niên tại thôn Đông", "start_at": "2026-11-20T08:00",
            "participants": {"members": 35, "non_members": 10}}"#)));
    let id = sotay_tests::support::added_id(&r.stdout);
    let shown: Value = serde_json::from_str(&ok(sotay(&db.path, &["show", "event", &id], None)).stdout).unwrap();
    assert_eq!(shown["participants"]["members"], 35);
    assert_eq!(shown["id"], id.as_str());

    ok(sotay(&db.path, &["edit", "event", &id, "--json", "-"], Some(
        r#"{"title": "Tuyên truyền Luật Thanh niên", "start_at": "2026-11-20T08:00", "participants": {"members": 36}}"#)));
    let shown: Value = serde_json::from_str(&ok(sotay(&db.path, &["show", "event", &id], None)).stdout).unwrap();
    assert_eq!(shown["participants"]["members"], 36);

    ok(sotay(&db.path, &["delete", "event", &id], None));
    assert_eq!(list_json(&db, &["events"])["total"], 0);
    ok(sotay(&db.path, &["check"], None));
}

/// Each bad input: non-zero exit, one line naming the problem, and the database byte-for-byte unchanged.
#[test]
fn bad_input_is_refused_with_its_reason_and_nothing_is_written() {
    let db = commune();
    let plan = ok(sotay(&db.path, &["add", "plan", "--json", "-"], Some(r#"{"title": "KH 2026", "start_on": "2026-01-01"}"#)));
    assert!(plan.stdout.contains("kế hoạch"), "{}", plan.stdout);
    let before = dump(&db);
    let cases: &[(&str, &str)] = &[
        (r#"{"title": "A", "start_at": "2026-11-20T08:00""#, "dòng 1"),
        (r#"{"title": "A", "start_at": "2026-11-20T08:00", "colour": "red"}"#, "colour"),
        (r#"{"title": "A", "start_at": "2026-11-20T08:00", "participants": {"members": "nhiều"}}"#, "Đoàn viên: phải là số nguyên"),
        (r#"{"title": "A", "start_at": "2026-11-20T08:00", "participants": {"members": -1}}"#, "Đoàn viên: không được là số âm"),
        // Adding up two such counts overflowed the report.
        (r#"{"title": "A", "start_at": "2026-11-20T08:00", "participants": {"members": 5000000000000000000}}"#, "Đoàn viên: không được lớn hơn 10.000.000.000"),
        (r#"{"title": "A", "start_at": "+10000-11-20T08:00"}"#, "Bắt đầu: ngày/giờ không hợp lệ"),
        (r#"{"title": "A", "start_at": "2026-11-20T08:00", "end_at": "2026-11-19T08:00"}"#, "Kết thúc: phải sau"),
        (r#"{"title": "A", "start_at": "20/11/2026"}"#, "Bắt đầu: ngày/giờ không hợp lệ"),
        (r#"{"title": "A", "start_at": "2026-11-20T08:00", "plan_id": "khong-co"}"#, "Thuộc kế hoạch: không có kế hoạch khong-co"),
        (r#"{"title": "A", "start_at": "2026-11-20T08:00", "unit_id": "khong-co"}"#, "không có đơn vị khong-co"),
        (r#"{"start_at": "2026-11-20T08:00"}"#, "Tên hoạt động: bắt buộc"),
        (r#"[1, 2]"#, "Bản ghi: phải là một bản ghi (đối tượng JSON)"),
    ];
    for (input, reason) in cases {
        let r = sotay(&db.path, &["add", "event", "--json", "-"], Some(input));
        assert_ne!(r.code, 0, "accepted: {input}");
        assert!(r.stderr.contains(reason), "for {input}: expected «{reason}» in «{}»", r.stderr);
        assert_eq!(r.stderr.trim().lines().count(), 1, "one line: {}", r.stderr);
        assert!(r.stdout.is_empty());
    }
    let long_title = format!(r#"{{"title": "{}", "start_at": "2026-11-20T08:00"}}"#, "Đ".repeat(301));
    let r = sotay(&db.path, &["add", "event", "--json", "-"], Some(&long_title));
    assert!(r.code != 0 && r.stderr.contains("dài quá 300 ký tự"), "{}", r.stderr);
    let r = sotay(&db.path, &["add", "event", "--json", "/khong/co/tep.json"], None);
    assert!(r.code != 0 && r.stderr.contains("/khong/co/tep.json"), "{}", r.stderr);
    let r = sotay(&db.path, &["add", "galaxy", "--json", "-"], Some("{}"));
    assert!(r.code != 0 && r.stderr.contains("galaxy"), "{}", r.stderr);
    assert_eq!(dump(&db), before, "a refused input changed the database");

    let r = sotay(&db.path, &["--lang", "en", "add", "event", "--json", "-"], Some(r#"{"title": "A", "start_at": "2026-11-20T08:00", "participants": {"members": -1}}"#));
    assert!(r.stderr.contains("error: Union members: must not be negative"), "{}", r.stderr);
}

#[test]
fn text_is_stored_nfc_whatever_the_keyboard_sent() {
    let db = commune();
    let nfd = "Tuye\u{302}n truye\u{302}\u{300}n ta\u{323}i tho\u{302}n Đông";
    let input = serde_json::json!({"title": nfd, "start_at": "2026-11-20T08:00"}).to_string();
    ok(sotay(&db.path, &["add", "event", "--json", "-"], Some(&input)));
    let page = list_json(&db, &["events", "--search", "tuyên truyền"]);
    assert_eq!(titles(&page), vec!["Tuyên truyền tại thôn Đông"]);
}

#[test]
fn files_that_are_not_ours_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "Danh sách đoàn viên chi đoàn thôn Đông\n".repeat(100)).unwrap();
    let before = std::fs::read(&notes).unwrap();
    let r = sotay(&notes, &["list", "events"], None);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("không phải cơ sở dữ liệu Sotay"), "{}", r.stderr);
    assert_eq!(std::fs::read(&notes).unwrap(), before);

    // A database written by a newer Sotay: its schema version, set through its raw key, above ours.
    let db = commune();
    sotay_tests::support::open_raw(&db.path).pragma_update(None, "user_version", 999).unwrap();
    let bytes = std::fs::read(&db.path).unwrap();
    let r = sotay(&db.path, &["list", "events"], None);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("phiên bản Sotay mới hơn"), "{}", r.stderr);
    assert_eq!(std::fs::read(&db.path).unwrap(), bytes);
}

#[test]
fn commands_refuse_to_run_before_init_and_init_runs_once() {
    let db = fresh();
    let r = sotay(&db.path, &["add", "event", "--json", "-"], Some(r#"{"title": "A", "start_at": "2026-11-20T08:00"}"#));
    assert!(r.code != 0 && r.stderr.contains("sotay init"), "{}", r.stderr);
    ok(sotay(&db.path, &["init", "--name", "Đoàn xã A", "--code", "XA-A"], None));
    let r = sotay(&db.path, &["init", "--name", "Đoàn xã B", "--code", "XA-B"], None);
    assert!(r.code != 0 && r.stderr.contains("đã được thiết lập"), "{}", r.stderr);
    let r = sotay(&db.path, &["add", "unit", "--json", "-"], Some(r#"{"name": "Chi đoàn thôn Đông", "code": "XA-A", "level": "branch"}"#));
    assert!(r.code != 0 && r.stderr.contains("Mã: đã có: XA-A"), "{}", r.stderr);
}

#[test]
fn dashboard_counts_events_against_targets() {
    let db = commune();
    ok(sotay(&db.path, &["add", "plan", "--json", "-"], Some(
        r#"{"title": "KH quý 4", "start_on": "2026-10-01", "end_on": "2026-12-31", "targets": [{"indicator": "TT-01", "value": 5}]}"#)));
    for day in ["05", "12"] {
        let e = format!(r#"{{"title": "Buổi tuyên truyền", "start_at": "2026-10-{day}T08:00", "participants": {{"members": 20, "non_members": 3}}}}"#);
        ok(sotay(&db.path, &["add", "event", "--json", "-"], Some(&e)));
    }
    let d: Value = serde_json::from_str(&ok(sotay(&db.path, &["dashboard", "--period", "2026Q4", "--json"], None)).stdout).unwrap();
    assert_eq!(d["events"], 2);
    assert_eq!(d["participants"], 46);
    let tt01 = d["rows"].as_array().unwrap().iter().find(|r| r["code"] == "TT-01").unwrap();
    assert_eq!((tt01["actual"].as_f64(), tt01["target"].as_f64()), (Some(2.0), Some(5.0)));
    let r = sotay(&db.path, &["dashboard", "--period", "2026Q7"], None);
    assert!(r.code != 0 && r.stderr.contains("2026Q7"), "{}", r.stderr);
}

#[test]
fn help_documents_every_command() {
    let r = ok(sotay(std::path::Path::new("unused.db"), &["--help"], None));
    for c in ["init", "seed", "add", "edit", "delete", "list", "show", "dashboard", "check", "dump", "bench"] {
        assert!(r.stdout.contains(c), "--help lacks {c}");
    }
}

#[test]
fn list_json_numbers_pages_as_page_asks() {
    let db = demo();
    for page in [1u64, 2, 3] {
        let v = list_json(&db, &["events", "--page", &page.to_string(), "--limit", "10"]);
        assert_eq!(v["page"].as_u64(), Some(page), "--page {page}");
        assert_eq!(titles(&v).len(), 10);
    }
    let first = list_json(&db, &["events", "--limit", "10"]);
    assert_eq!(first["page"].as_u64(), Some(1), "the first page is page 1");
    let r = sotay(&db.path, &["list", "events", "--page", "0"], None);
    assert_eq!(r.code, 2, "pages count from 1: {}", r.stderr);
}

/// Values that once panicked (an overflowing Duration, a runtime's limit, a year near i32::MAX, a clock
/// past 2200) are refused with a clear message naming the option, and nothing is written.
#[test]
fn values_out_of_range_get_a_clear_error_never_a_panic() {
    let db = commune();
    let before = dump(&db);
    let cases: [&[&str]; 6] = [
        &["serve", "--listen", "127.0.0.1:0", "--request-timeout", "18446744073709551615"],
        &["serve", "--listen", "127.0.0.1:0", "--max-connections", "2305843009213693952"],
        &["serve", "--listen", "127.0.0.1:0", "--max-body-mb", "17592186044416"],
        &["serve", "--listen", "127.0.0.1:0", "--rate", "NaN"],
        &["seed", "--events", "5", "--year", "2147483647"],
        &["sync", "--watch", "--interval", "0"],
    ];
    for args in cases {
        let r = sotay(&db.path, args, None);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        let option = args.iter().rev().nth(1).unwrap();
        assert!(r.stderr.contains(option), "{args:?} names {option}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    assert_eq!(dump(&db), before, "nothing was written");

    // A computer whose clock reads the year 2301: a sentence that says what to do, exit 1.
    let r = sotay_tests::support::sotay_with(&db.path, &["dashboard"], None, &[("SOTAY_TEST_CLOCK_SHIFT_DAYS", "100000")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("Đồng hồ của máy đang chỉ năm 2300") || r.stderr.contains("Đồng hồ của máy đang chỉ năm 2301"), "{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

/// The terminal's own words: kinds and documents named in Vietnamese, the list's footer on a line of its
/// own after the rows, and a refused file said to be refused (not "integrity check failed").
#[test]
fn the_terminal_names_things_in_vietnamese() {
    let db = commune();
    let r = ok(sotay(&db.path, &["add", "event", "--json", "-"], Some(r#"{"title": "Tuyên truyền tại thôn Bắc Sơn", "start_at": "2026-11-20T08:00"}"#)));
    assert!(r.stdout.starts_with("đã thêm hoạt động "), "{}", r.stdout);
    let r = ok(sotay(&db.path, &["add", "plan", "--json", "-"], Some(r#"{"title": "Kế hoạch quý IV", "start_on": "2026-10-01"}"#)));
    assert!(r.stdout.starts_with("đã thêm kế hoạch "), "{}", r.stdout);
    let list = ok(sotay(&db.path, &["list", "events"], None)).stdout;
    let lines: Vec<&str> = list.lines().collect();
    assert!(lines[0].ends_with("Tuyên truyền tại thôn Bắc Sơn"), "{list}");
    assert_eq!(lines.last().copied(), Some("1–1 / 1 bản ghi"), "{list}");

    let junk = db.path.with_file_name("khong-phai.bundle.json");
    std::fs::write(&junk, "{\"format\":\"sotay-bundle\"").unwrap();
    let r = sotay(&db.path, &["import", junk.to_str().unwrap()], None);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("1 tệp bị từ chối; không có gì của các tệp đó được ghi"), "{}", r.stderr);
    assert!(!r.stderr.contains("toàn vẹn"), "{}", r.stderr);
}
