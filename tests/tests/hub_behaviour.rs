//! The hub's behaviour, the same suite against both stores: a province's hub on its SQLite file
//! (`sotay serve`) and the national hub on PostgreSQL (`sotay hub adopt`, then `sotay serve --store`,
//! two processes). What the lower installations see must not differ: their records and evidence files go
//! up and are counted once, plans and recognised practices with their photos come down with a notice, a
//! second sync moves nothing, a revoked laptop is refused by name. What the hub holds is read through the
//! same report in both (`sotay report`, `--store` for PostgreSQL), so the two are compared figure by figure.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sotay_tests::network::{commune, free_port, ok, province, wait_until, HubProcess};
use sotay_tests::postgres::{http_get_json, PgCluster, PgServe};
use sotay_tests::support::{added_id, sotay};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Sqlite,
    Postgres,
}

/// A running hub of either kind, over the national installation's SQLite file.
struct Hub {
    national: PathBuf,
    /// The PostgreSQL database's address (PostgreSQL only).
    store: Option<String>,
    _sqlite: Option<HubProcess>,
    _pg: Option<(PgCluster, PgServe, PgServe)>,
    status: Option<String>,
}

impl Hub {
    /// Starts the hub on `ports` (the second is the second process of a PostgreSQL hub).
    fn start(kind: Kind, national: &Path, ports: (u16, u16)) -> Hub {
        match kind {
            Kind::Sqlite => Hub {
                national: national.to_path_buf(),
                store: None,
                _sqlite: Some(HubProcess::start(national, &format!("127.0.0.1:{}", ports.0), &[], &[])),
                _pg: None,
                status: None,
            },
            Kind::Postgres => {
                let pg = PgCluster::start();
                let url = pg.database("national");
                ok(sotay(national, &["hub", "adopt", "--store", &url], None));
                let status = format!("127.0.0.1:{}", free_port());
                let a = PgServe::start(&url, &format!("127.0.0.1:{}", ports.0), &["--status", &status]);
                let b = PgServe::start(&url, &format!("127.0.0.1:{}", ports.1), &[]);
                let status = a.status.clone();
                Hub { national: national.to_path_buf(), store: Some(url), _sqlite: None, _pg: Some((pg, a, b)), status }
            }
        }
    }

    /// Waits until the hub has applied everything it took in.
    fn settle(&self) {
        match &self.status {
            None => sotay_tests::network::applied(&self.national),
            Some(status) => {
                assert!(wait_until(Duration::from_secs(60), || http_get_json(status)["pending_bundles"] == 0), "the inbox emptied");
                // Whichever way each record was written (whole from its create, or recomputed from its
                // log), it is what its log makes of it.
                let url = self.store.as_deref().unwrap_or_default();
                let check = sotay(&self.national, &["--lang", "en", "hub", "check", "--store", url], None);
                assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
                assert!(check.stdout.contains("every record is what its change log makes of it"), "{}", check.stdout);
            }
        }
    }

    /// The hub's report (JSON) with these arguments.
    fn report(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["report", "--json"];
        all.extend_from_slice(args);
        if let Some(url) = &self.store {
            all.extend(["--store", url.as_str()]);
        }
        serde_json::from_str(&ok(sotay(&self.national, &all, None)).stdout).unwrap()
    }

    /// After a change made on the national installation's own file (a revocation): a PostgreSQL hub
    /// takes it with `sotay hub adopt` again.
    fn bring_peers_up_to_date(&self) {
        if let Some(url) = &self.store {
            ok(sotay(&self.national, &["hub", "adopt", "--store", url], None));
        }
    }
}

fn photo(path: &Path) {
    let img = image::RgbImage::from_fn(800, 600, |x, y| image::Rgb([(x * 7 % 256) as u8, (y * 3 % 256) as u8, ((x ^ y) % 256) as u8]));
    img.save_with_format(path, image::ImageFormat::Jpeg).unwrap();
}

/// The suite; returns the national report of 2026, for the two stores to be compared.
fn behaves(kind: Kind) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ports = (free_port(), free_port());
    let (national, up) = province(d, &format!("https://127.0.0.1:{}", ports.0));
    let provinces: Vec<PathBuf> = ["TINH-A", "TINH-B", "TINH-C"].iter().map(|c| commune(d, c, &national, &up)).collect();
    let plan = r#"{"title": "Kế hoạch tuyên truyền kỷ niệm 96 năm thành lập Đoàn", "start_on": "2026-03-01", "end_on": "2026-03-31"}"#;
    ok(sotay(&national, &["add", "plan", "--json", "-"], Some(plan)));
    let practice = r#"{"name": "Mô hình Ngày thứ Bảy tình nguyện", "field": "tình nguyện"}"#;
    let pid = added_id(&ok(sotay(&national, &["add", "practice", "--json", "-"], Some(practice))).stdout);
    let banner = d.join("banner.jpg");
    photo(&banner);
    ok(sotay(&national, &["attach", "practice", &pid, banner.to_str().unwrap()], None));
    let minutes = d.join("bien-ban.pdf");
    sotay_tests::support::noisy_pdf(&minutes, 700, 23);
    for (i, p) in provinces.iter().enumerate() {
        for j in 0..(2 + i) {
            let e = format!(
                r#"{{"title": "Tuyên truyền tại tỉnh {i} đợt {j}", "start_at": "2026-04-0{}T08:00", "status": "done",
                    "participants": {{"members": {}, "non_members": 5}}, "unique_members_reached": {}}}"#,
                j + 1,
                20 + j,
                15 + j
            );
            let id = added_id(&ok(sotay(p, &["add", "event", "--json", "-"], Some(&e))).stdout);
            if i == 0 && j == 0 {
                ok(sotay(p, &["attach", "event", &id, minutes.to_str().unwrap()], None));
            }
        }
    }
    // Revoked before the hub starts: its laptop was lost.
    ok(sotay(&national, &["enroll", "revoke", "TINH-C"], None));
    let hub = Hub::start(kind, &national, ports);

    // Up and down, as with any hub.
    for p in &provinces[..2] {
        let r = ok(sotay(p, &["sync"], None));
        assert!(r.stdout.contains("mới từ cấp trên: kế hoạch «Kế hoạch tuyên truyền kỷ niệm 96 năm thành lập Đoàn»"), "{kind:?}: {}", r.stdout);
        let files = ok(sotay(p, &["files", "practice", &pid, "--json"], None)).stdout;
        assert!(files.contains("\"held\": true"), "{kind:?}: the practice's photo came down: {files}");
    }
    // The lost laptop is refused by name, and nothing of it is taken.
    let r = sotay(&provinces[2], &["--lang", "en", "sync", "--attempts", "1"], None);
    assert_ne!(r.code, 0, "{kind:?}");
    assert!(r.stderr.contains("revoked"), "{kind:?}: {}", r.stderr);

    hub.settle();
    let report = hub.report(&["--period", "2026"]);
    assert_eq!(report["events"], 2 + 3, "{kind:?}: every event of the two provinces once, none of the revoked one");
    let evidence = report["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 1, "{kind:?}: {evidence:?}");

    // Again: nothing moves, nothing doubles.
    for p in &provinces[..2] {
        let r = ok(sotay(p, &["--lang", "en", "sync"], None));
        assert!(r.stdout.contains("sent 0 new changes (0 bundles), received 0 changes"), "{kind:?}: {}", r.stdout);
    }
    // Revoked after the first sync too: its next push is refused, what was taken stays.
    ok(sotay(&national, &["enroll", "revoke", "TINH-B"], None));
    hub.bring_peers_up_to_date();
    sotay_tests::network::add_event(&provinces[1], "Hoạt động sau khi mất máy");
    let r = sotay(&provinces[1], &["--lang", "en", "sync", "--attempts", "1"], None);
    assert!(r.stderr.contains("revoked"), "{kind:?}: {}", r.stderr);
    hub.settle();
    let again = hub.report(&["--period", "2026"]);
    assert_eq!(again, report, "{kind:?}: the second round changed nothing at the hub");
    again
}

#[test]
fn the_hub_behaves_the_same_on_sqlite_and_on_postgresql() {
    let on_sqlite = behaves(Kind::Sqlite);
    let on_postgres = behaves(Kind::Postgres);
    // Ids differ between the two runs (each made its own installations): compare the figures.
    let figures = |r: &serde_json::Value| {
        let rows: Vec<_> = r["rows"].as_array().unwrap().iter().map(|row| (row["code"].clone(), row["events"].clone(), row["values"].clone())).collect();
        let lines: Vec<_> = r["indicators"].as_array().unwrap().iter().map(|l| (l["code"].clone(), l["value"].clone())).collect();
        (r["events"].clone(), r["participants"].clone(), rows, lines)
    };
    assert_eq!(figures(&on_sqlite), figures(&on_postgres));
}
