//! `sotay serve` and `sotay sync` as a person runs them: a province hub and communes on this machine.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use sotay_tests::network::{add_event, applied, commune, dump_lines, event_lines, free_port, ok, province, waiting, wait_until, HubProcess};
use sotay_tests::support::sotay;

#[test]
fn three_communes_log_offline_sync_up_and_a_new_plan_reaches_all() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let listen = format!("127.0.0.1:{}", free_port());
    let (p, up) = province(d, &format!("https://{listen}"));
    let communes: Vec<PathBuf> = ["XA-DH", "XA-TH", "XA-KC"].iter().map(|c| commune(d, c, &p, &up)).collect();

    // In the field, no hub: events are logged, and a sync says plainly that it is offline.
    for (i, c) in communes.iter().enumerate() {
        for j in 0..(3 + i) {
            add_event(c, &format!("Tuyên truyền Luật Thanh niên tại thôn {j} xã {i}"));
        }
    }
    let r = sotay(&communes[0], &["sync", "--attempts", "1"], None);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("ngoại tuyến"), "{}", r.stderr);
    assert!(waiting(&communes[0]) > 0);

    // Back at the office: the hub is up, and `sotay sync` is the only step.
    let _hub = HubProcess::start(&p, &listen, &[], &[]);
    for c in &communes {
        let r = ok(sotay(c, &["sync"], None));
        assert!(r.stdout.contains("đồng bộ xong"), "{}", r.stdout);
        assert_eq!(waiting(c), 0, "the outbox empties");
    }
    applied(&p);
    let at_hub = event_lines(&p);
    assert_eq!(at_hub.len(), 3 + 4 + 5);
    for c in &communes {
        assert!(event_lines(c).iter().all(|l| at_hub.contains(l)));
    }

    // A new plan at the province reaches all three, and each officer is told.
    let plan = r#"{"title": "Kế hoạch tuyên truyền kỷ niệm 95 năm thành lập Đoàn", "start_on": "2026-03-01", "end_on": "2026-03-26"}"#;
    ok(sotay(&p, &["add", "plan", "--json", "-"], Some(plan)));
    for c in &communes {
        let r = ok(sotay(c, &["sync"], None));
        assert!(r.stdout.contains("mới từ cấp trên: kế hoạch «Kế hoạch tuyên truyền kỷ niệm 95 năm thành lập Đoàn»"), "{}", r.stdout);
        let list = ok(sotay(c, &["list", "plans", "--search", "ky niem 95 nam"], None)).stdout;
        assert!(list.contains("Kế hoạch tuyên truyền kỷ niệm 95 năm"), "{list}");
    }
    // A sync with nothing new changes nothing.
    let before = dump_lines(&p);
    let r = ok(sotay(&communes[1], &["--lang", "en", "sync"], None));
    assert!(r.stdout.contains("sent 0 new changes (0 bundles), received 0 changes"), "{}", r.stdout);
    assert_eq!(dump_lines(&p), before);
}

#[test]
fn the_hub_killed_mid_upload_and_restarted_loses_nothing_and_doubles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let listen = format!("127.0.0.1:{}", free_port());
    let (p, up) = province(d, &format!("https://{listen}"));
    let c = commune(d, "XA-DH", &p, &up);
    ok(sotay(&c, &["seed", "--events", "20000", "--batch", "5000"], None));

    let mut hub = HubProcess::start(&p, &listen, &[], &[]);
    let sync = sotay_tests::support::sotay_command()
        .arg("--db")
        .arg(&c)
        .args(["--lang", "en", "sync", "--attempts", "10"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill the hub once the first bundle has started to arrive, before the last is in.
    let province_has_some = || std::fs::metadata(d.join("province.db-wal")).map(|m| m.len() > 1 << 20).unwrap_or(false);
    assert!(wait_until(Duration::from_secs(60), province_has_some), "the upload started");
    hub.kill();
    std::thread::sleep(Duration::from_millis(1500));
    let _hub = HubProcess::start(&p, &listen, &[], &[]);
    let out = sync.wait_with_output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("retrying in"), "the kill interrupted the sync: {stderr}");

    assert_eq!(waiting(&c), 0);
    applied(&p);
    let (at_hub, at_commune) = (event_lines(&p), event_lines(&c));
    assert_eq!(at_hub.len(), 20_000);
    assert_eq!(at_hub, at_commune, "every change arrived exactly once");
    ok(sotay(&p, &["check"], None));
}

#[test]
fn fifty_installations_sync_at_once_into_one_hub() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let listen = format!("127.0.0.1:{}", free_port());
    let (p, up) = province(d, &format!("https://{listen}"));
    let communes: Vec<PathBuf> = (0..50).map(|i| commune(d, &format!("XA-{i:02}"), &p, &up)).collect();
    for c in &communes {
        ok(sotay(c, &["seed", "--events", "60", "--batch", "60"], None));
    }
    let _hub = HubProcess::start(&p, &listen, &[], &[]);
    let children: Vec<_> = communes
        .iter()
        .map(|c| {
            sotay_tests::support::sotay_command().arg("--db").arg(c).args(["--lang", "en", "sync"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    }
    let mut union: Vec<String> = Vec::new();
    for c in &communes {
        assert_eq!(waiting(c), 0);
        union.extend(dump_lines(c));
    }
    union.sort();
    union.dedup();
    applied(&p);
    assert_eq!(dump_lines(&p), union, "the hub's dump is the union of theirs");
    assert_eq!(event_lines(&p).len(), 50 * 60);
}

/// The province's own work between the plans it sends down — events, opinions, inspections — stays at
/// the province; the communes get the plans, and `sotay check` finds their logs whole, round after round.
#[test]
fn plans_made_between_the_provinces_other_work_reach_the_communes_whose_logs_check_whole() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let listen = format!("127.0.0.1:{}", free_port());
    let (p, up) = province(d, &format!("https://{listen}"));
    let communes: Vec<PathBuf> = ["XA-DH", "XA-TH"].iter().map(|c| commune(d, c, &p, &up)).collect();
    let _hub = HubProcess::start(&p, &listen, &[], &[]);
    for round in 1..=3 {
        sotay_tests::network::province_work(&p, round);
        for c in &communes {
            add_event(c, &format!("Tuyên truyền đợt {round}"));
            let r = ok(sotay(c, &["sync"], None));
            assert!(r.stdout.contains(&format!("Kế hoạch tuyên truyền đợt {round}")), "{}", r.stdout);
            ok(sotay(c, &["check"], None));
            let events = ok(sotay(c, &["list", "events", "--json"], None)).stdout;
            assert!(!events.contains("của tỉnh"), "the province's events stay at the province");
        }
    }
    applied(&p);
    ok(sotay(&p, &["check"], None));
}

/// Issue 15 over the network: the province records a commune's merge while its hub runs; the commune's
/// next `sotay sync` brings the merge and the successor's record down, its July work is refused naming
/// the successor, and — everything of its own being at the province — it goes on as the successor.
#[test]
fn a_merge_recorded_at_the_province_reaches_the_commune_through_the_hub() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let listen = format!("127.0.0.1:{}", free_port());
    let (p, up) = province(d, &format!("https://{listen}"));
    let old = commune(d, "XA-CU", &p, &up);
    let new = commune(d, "XA-MOI", &p, &up);
    let _hub = HubProcess::start(&p, &listen, &[], &[]);
    add_event(&old, "Tuyên truyền trước sáp nhập");
    for c in [&old, &new] {
        ok(sotay(c, &["sync"], None));
    }
    applied(&p);
    let unit_of = |db: &std::path::Path| {
        let keys = ok(sotay(db, &["--lang", "en", "keys"], None)).stdout;
        keys.lines().find_map(|l| l.strip_prefix("Unit: ")).unwrap().trim().to_string()
    };
    let (old_unit, new_unit) = (unit_of(&old), unit_of(&new));
    let mut merged: serde_json::Value = serde_json::from_str(&ok(sotay(&p, &["show", "unit", &old_unit], None)).stdout).unwrap();
    merged["valid_to"] = serde_json::json!("2025-06-30");
    merged["successor_id"] = serde_json::json!(new_unit);
    merged["change"] = serde_json::json!("merged");
    ok(sotay(&p, &["edit", "unit", &old_unit, "--json", "-"], Some(&merged.to_string())));

    ok(sotay(&old, &["sync"], None));
    let here: serde_json::Value = serde_json::from_str(&ok(sotay(&old, &["show", "unit", &old_unit], None)).stdout).unwrap();
    assert_eq!((here["valid_to"].as_str(), here["successor_id"].as_str()), (Some("2025-06-30"), Some(new_unit.as_str())), "{here}");
    let r = sotay(&old, &["add", "event", "--json", "-"], Some(r#"{"title": "Sinh hoạt tháng 7", "start_at": "2025-07-10T08:00"}"#));
    assert!(r.code != 0 && r.stderr.contains("chuyển về Đoàn xã XA-MOI"), "{}", r.stderr);
    assert_eq!(waiting(&old), 0, "everything of the old commune is at the province");
    ok(sotay(&old, &["enroll", "successor", d.join("XA-MOI.enrol.json").to_str().unwrap()], None));
    assert_eq!(unit_of(&old), new_unit);
    ok(sotay(&old, &["check"], None));
}
