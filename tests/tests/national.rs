//! The national hub on PostgreSQL as its IT officer runs it (docs/national.md): `sotay hub adopt` takes
//! the national installation over into the database, `sotay serve --store` runs as many processes as
//! wanted on it, and the provinces sync with either exactly as with any hub — records and evidence files
//! up, plans and recognised practices with their photos down, receipts both ways.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sotay_tests::network::{add_event, commune, free_port, ok, province, wait_until};
use sotay_tests::postgres::{http_get_json, PgCluster, PgServe};
use sotay_tests::support::{added_id, sotay};

fn pdf(path: &Path, kb: usize) {
    sotay_tests::support::noisy_pdf(path, kb, 11);
}

fn photo(path: &Path) {
    let img = image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8]));
    img.save_with_format(path, image::ImageFormat::Jpeg).unwrap();
}

fn sha256_of(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(std::fs::read(path).unwrap()).iter().map(|b| format!("{b:02x}")).collect()
}

fn scalar(pg: &PgCluster, sql: &str) -> String {
    let (ok, out) = pg.psql("national", sql);
    assert!(ok, "{sql}: {out}");
    out
}

#[test]
fn two_national_hub_processes_on_postgresql_serve_provinces_records_files_plans_and_receipts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (port_a, port_b) = (free_port(), free_port());
    let (url_a, url_b) = (format!("https://127.0.0.1:{port_a}"), format!("https://127.0.0.1:{port_b}"));
    let (national, up) = province(d, &url_a);
    let provinces: Vec<PathBuf> = ["TINH-A", "TINH-B"].iter().map(|c| commune(d, c, &national, &up)).collect();
    // Made at the national level before the move: a plan, and a recognised practice with its photo.
    let plan = r#"{"title": "Kế hoạch tuyên truyền toàn quốc năm 2026", "start_on": "2026-03-01", "end_on": "2026-12-31"}"#;
    ok(sotay(&national, &["add", "plan", "--json", "-"], Some(plan)));
    let practice = r#"{"name": "Mô hình Thanh niên với văn hóa giao thông", "field": "an sinh"}"#;
    let pid = added_id(&ok(sotay(&national, &["add", "practice", "--json", "-"], Some(practice))).stdout);
    let banner = d.join("mo-hinh.jpg");
    photo(&banner);
    ok(sotay(&national, &["attach", "practice", &pid, banner.to_str().unwrap()], None));
    // The provinces' own work, one with the minutes of a session as PDF.
    for (i, p) in provinces.iter().enumerate() {
        for j in 0..3 {
            add_event(p, &format!("Tuyên truyền pháp luật tại tỉnh {i} đợt {j}"));
        }
    }
    let minutes = d.join("bien-ban.pdf");
    pdf(&minutes, 1200); // three parts of 512 KiB
    let event = r#"{"title": "Diễn đàn thanh niên góp ý xây dựng Đảng", "start_at": "2026-05-19T08:00", "participants": {"members": 80}}"#;
    let eid = added_id(&ok(sotay(&provinces[0], &["add", "event", "--json", "-"], Some(event))).stdout);
    ok(sotay(&provinces[0], &["attach", "event", &eid, minutes.to_str().unwrap()], None));

    let pg = PgCluster::start();
    let url = pg.database("national");
    let r = ok(sotay(&national, &["hub", "adopt", "--store", &url], None));
    assert!(r.stdout.contains("đã chuyển hub sang PostgreSQL: 2 máy đã đăng ký"), "{}", r.stdout);
    let r = ok(sotay(&national, &["hub", "adopt", "--store", &url], None));
    assert!(r.stdout.contains("đã cập nhật danh sách máy đã đăng ký"), "{}", r.stdout);

    let status_port = free_port();
    let status_arg = format!("127.0.0.1:{status_port}");
    let a = PgServe::start(&url, &format!("127.0.0.1:{port_a}"), &["--status", &status_arg]);
    let _b = PgServe::start(&url, &format!("127.0.0.1:{port_b}"), &[]);

    // Each province syncs with its own process, exactly as with a province's hub.
    let r = ok(sotay(&provinces[0], &["sync"], None));
    assert!(r.stdout.contains("mới từ cấp trên: kế hoạch «Kế hoạch tuyên truyền toàn quốc năm 2026»"), "{}", r.stdout);
    assert!(r.stdout.contains("tệp minh chứng: gửi"), "{}", r.stdout);
    let r = ok(sotay(&provinces[1], &["sync", "--hub", &url_b], None));
    assert!(r.stdout.contains("Kế hoạch tuyên truyền toàn quốc năm 2026"), "{}", r.stdout);
    for p in &provinces {
        let out = ok(sotay(p, &["files", "practice", &pid, "--json"], None)).stdout;
        assert!(out.contains("\"held\": true"), "the practice's photo came down: {out}");
    }

    // Applied by the processes' appliers: every event once, the minutes byte-identical.
    let settled = || http_get_json(a.status.as_deref().unwrap())["pending_bundles"] == 0;
    assert!(wait_until(Duration::from_secs(60), settled), "the inbox emptied");
    assert_eq!(scalar(&pg, "SELECT count(*) FROM records WHERE kind = 'event' AND complete AND NOT deleted"), "7");
    let sha = sha256_of(&minutes);
    assert_eq!(scalar(&pg, &format!("SELECT encode(sha256(content), 'hex') FROM files WHERE media_type = 'application/pdf'")), sha);
    let status = http_get_json(a.status.as_deref().unwrap());
    assert_eq!(status["failed_bundles"], 0, "{status}");

    // Synced again: nothing new either way, nothing doubled.
    for p in &provinces {
        let r = ok(sotay(p, &["--lang", "en", "sync"], None));
        assert!(r.stdout.contains("sent 0 new changes (0 bundles), received 0 changes"), "{}", r.stdout);
    }
    assert_eq!(scalar(&pg, "SELECT count(*) FROM records WHERE kind = 'event'"), "7");
}

#[test]
fn a_wrong_database_or_a_status_endpoint_open_to_the_network_keeps_the_hub_from_starting() {
    let pg = PgCluster::start();
    let run = |args: &[&str]| sotay_tests::support::sotay_command().args(args).output().unwrap();
    let out = run(&["--lang", "en", "serve", "--listen", "127.0.0.1:0", "--store", &pg.url("national"), "--status", "0.0.0.0:9187"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback address only"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["serve", "--listen", "127.0.0.1:0", "--store", "mysql://root@127.0.0.1/national"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("postgresql://"), "{}", String::from_utf8_lossy(&out.stderr));
    // A database nobody adopted a hub into.
    let url = pg.database("empty");
    let out = run(&["serve", "--listen", "127.0.0.1:0", "--store", &url]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sotay hub adopt"), "{}", String::from_utf8_lossy(&out.stderr));
    // A closed port.
    let closed = free_port();
    let out = run(&["--lang", "en", "serve", "--listen", "127.0.0.1:0", "--store", &format!("postgresql://postgres@127.0.0.1:{closed}/national")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("cannot reach the database 127.0.0.1:{closed}/national")), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The ids of the synthetic communes `sotay seed` made under `db`'s unit.
fn seeded_communes(db: &Path) -> Vec<String> {
    let list: serde_json::Value = serde_json::from_str(&ok(sotay(db, &["list", "units", "--json"], None)).stdout).unwrap();
    let mut ids: Vec<String> = list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["code"].as_str().is_some_and(|c| c.starts_with("SYN-")))
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn the_national_report_over_postgresql_equals_a_sqlite_hubs_given_the_same_work_merges_rolled_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (port_pg, port_lite) = (free_port(), free_port());
    let (url_pg, url_lite) = (format!("https://127.0.0.1:{port_pg}"), format!("https://127.0.0.1:{port_lite}"));
    let (national, up) = province(d, &url_pg);
    let provinces: Vec<PathBuf> = ["TINH-A", "TINH-B"].iter().map(|c| commune(d, c, &national, &up)).collect();
    for p in &provinces {
        ok(sotay(p, &["seed", "--events", "400", "--batch", "400", "--units", "4", "--year", "2025"], None));
    }
    // A province merges two of its communes from 1 July 2025.
    let communes = seeded_communes(&provinces[0]);
    assert_eq!(communes.len(), 4, "{communes:?}");
    let decision = d.join("merge.json");
    let json = serde_json::json!({"change": "merged", "units": [communes[0], communes[1]], "into": communes[2], "date": "2025-07-01"});
    std::fs::write(&decision, json.to_string()).unwrap();
    ok(sotay(&provinces[0], &["restructure", decision.to_str().unwrap()], None));

    // The same work goes to a SQLite hub (copies of the national and provincial databases, taken now).
    let lite = d.join("national-sqlite.db");
    sotay_tests::support::copy_database(&national, &lite);
    let copies: Vec<PathBuf> = provinces
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let c = d.join(format!("copy-{i}.db"));
            sotay_tests::support::copy_database(p, &c);
            c
        })
        .collect();

    let pg = PgCluster::start();
    let url = pg.database("national");
    ok(sotay(&national, &["hub", "adopt", "--store", &url], None));
    let hub_pg = PgServe::start(&url, &format!("127.0.0.1:{port_pg}"), &["--status", &format!("127.0.0.1:{}", free_port())]);
    for p in &provinces {
        ok(sotay(p, &["sync"], None));
    }
    let _hub_lite = sotay_tests::network::HubProcess::start(&lite, &format!("127.0.0.1:{port_lite}"), &[], &[]);
    for c in &copies {
        ok(sotay(c, &["sync", "--hub", &url_lite], None));
    }
    sotay_tests::network::applied(&lite);
    let settled = || http_get_json(hub_pg.status.as_deref().unwrap())["pending_bundles"] == 0;
    assert!(wait_until(Duration::from_secs(60), settled), "the PostgreSQL hub applied its inbox");

    for structure in ["today", "as-it-was"] {
        let args = ["report", "--period", "2025", "--structure", structure, "--json"];
        let from_pg: serde_json::Value = serde_json::from_str(&ok(sotay(&national, &[&args[..], &["--store", &url]].concat(), None)).stdout).unwrap();
        let from_lite: serde_json::Value = serde_json::from_str(&ok(sotay(&lite, &args, None)).stdout).unwrap();
        assert_eq!(from_pg, from_lite, "{structure}: the same report from either store");
        let rows = from_pg["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 2, "one row per province: {rows:?}");
        assert_eq!(from_pg["events"], 800);
    }
    // Analysts read the views with a read-only role, as docs/national.md sets it up — and nothing else.
    let setup = "CREATE ROLE sotay_analyst LOGIN; GRANT USAGE ON SCHEMA reporting TO sotay_analyst;
                 GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO sotay_analyst";
    assert!(pg.psql("national", setup).0);
    let (ok_read, events) = pg.psql_as("sotay_analyst", "national", "SELECT count(*) FROM reporting.events WHERE day BETWEEN '2025-01-01' AND '2025-12-31'");
    assert!(ok_read, "{events}");
    assert_eq!(events, "800");
    let (ok_units, provinces) = pg.psql_as("sotay_analyst", "national", "SELECT string_agg(code, ',' ORDER BY code) FROM reporting.units WHERE code LIKE 'TINH-_'");
    assert!(ok_units);
    assert_eq!(provinces, "TINH-A,TINH-B");
    let (denied, why) = pg.psql_as("sotay_analyst", "national", "SELECT count(*) FROM records");
    assert!(!denied && why.contains("permission denied"), "{why}");
    let (denied, why) = pg.psql_as("sotay_analyst", "national", "DELETE FROM reporting.records");
    assert!(!denied && why.contains("permission denied"), "{why}");

    // A province's report, one level down: its communes, the merged ones under their successor today.
    let code_a = "TINH-A";
    let args = ["report", "--unit", code_a, "--period", "2025", "--json"];
    let from_pg: serde_json::Value = serde_json::from_str(&ok(sotay(&national, &[&args[..], &["--store", &url]].concat(), None)).stdout).unwrap();
    let from_lite: serde_json::Value = serde_json::from_str(&ok(sotay(&lite, &args, None)).stdout).unwrap();
    assert_eq!(from_pg, from_lite);
    let merged_rows: Vec<&serde_json::Value> = from_pg["rows"].as_array().unwrap().iter().filter(|r| !r["merged"].as_array().unwrap().is_empty()).collect();
    assert_eq!(merged_rows.len(), 1, "the two merged communes are rolled into their successor's row");
}

#[test]
fn an_enrolment_naming_several_hub_processes_reaches_the_one_that_answers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (down_port, live_port) = (free_port(), free_port());
    let national = d.join("national.db");
    ok(sotay(&national, &["init", "--name", "Trung ương Đoàn", "--code", "TW", "--level", "central"], None));
    let up = d.join("up.json");
    let (down_url, live_url) = (format!("https://127.0.0.1:{down_port}"), format!("https://127.0.0.1:{live_port}"));
    ok(sotay(&national, &["enroll", "export", "--out", up.to_str().unwrap(), "--hub", &down_url, "--hub", &live_url], None));
    let enrolment: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&up).unwrap()).unwrap();
    assert_eq!(enrolment["hub"]["url"], down_url.as_str());
    assert_eq!(enrolment["hub"]["also"], serde_json::json!([live_url]));
    let p = commune(d, "TINH-A", &national, &up);
    add_event(&p, "Tuyên truyền Luật Thanh niên");

    let pg = PgCluster::start();
    let url = pg.database("national");
    ok(sotay(&national, &["hub", "adopt", "--store", &url], None));
    // Only the second process is up: the first address does not answer, the second does.
    let _live = PgServe::start(&url, &format!("127.0.0.1:{live_port}"), &[]);
    let r = ok(sotay(&p, &["--lang", "en", "sync", "--attempts", "1"], None));
    assert!(r.stdout.contains("synced: sent"), "{}\n{}", r.stdout, r.stderr);
    let applied = || scalar(&pg, "SELECT count(*) FROM records WHERE kind = 'event' AND complete") == "1";
    assert!(wait_until(Duration::from_secs(30), applied));
}
