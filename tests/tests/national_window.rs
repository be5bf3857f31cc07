//! Issue 16 in a real window: the Central Committee's officer points the overview at the national hub's
//! PostgreSQL — through a role that can only read, as on the read replica docs/national.md sets up — and
//! reads the whole country in the same report screen: the figures `sotay report --store` gives, a row per
//! province, a province one level down. A wrong address is named beside its field; the database going
//! away and coming back is said in a banner and then read again; the password never comes back to the
//! page.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use sotay_tests::driver::{unlock, Driver};
use sotay_tests::network::{commune, free_port, ok, province, wait_until};
use sotay_tests::postgres::{http_get_json, PgCluster, PgServe};
use sotay_tests::support::sotay;
use sotay_tests::webdriver::Session;

const LONG: Duration = Duration::from_secs(60);

fn launch(db: &Path) -> (Driver, Session) {
    sotay_tests::driver::launch_on(db, &[])
}

fn report(db: &Path, store: &str, unit: Option<&str>) -> Value {
    let mut args = vec!["report", "--period", "2025", "--json", "--store", store];
    if let Some(u) = unit {
        args.extend(["--unit", u]);
    }
    serde_json::from_str(&ok(sotay(db, &args, None)).stdout).unwrap()
}

/// A figure as the page shows it (Vietnamese thousands separators), as a number.
fn figure(s: &Session, css: &str) -> Result<i64, String> {
    let text = s.text(css)?;
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits.parse().map_err(|_| format!("{css} shows {text:?}"))
}

/// Waits until the overview has finished loading and its range line says `range`.
fn loaded(s: &Session, range: &str) -> Result<(), String> {
    s.wait_until(
        &format!(
            "const v = document.querySelector('section[data-view=dashboard]');
             const r = document.querySelector('#dash-range');
             return v && !v.dataset.loading && r && r.textContent.includes({}) ? true : null",
            json!(range)
        ),
        LONG,
    )
    .map(|_| ())
    .map_err(|e| format!("the overview did not load {range:?}: {e}"))
}

#[test]
fn the_overview_reads_the_national_database_read_only_and_shows_what_the_report_command_does() {
    let user = sotay_tests::support::UserFolders::now();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let (national, up) = province(d, &format!("https://127.0.0.1:{port}"));
    let provinces: Vec<PathBuf> = ["TINH-A", "TINH-B"].iter().map(|c| commune(d, c, &national, &up)).collect();
    ok(sotay(&provinces[0], &["seed", "--events", "300", "--batch", "300", "--units", "3", "--year", "2025"], None));
    ok(sotay(&provinces[1], &["seed", "--events", "200", "--batch", "200", "--units", "2", "--year", "2025"], None));

    let mut pg = PgCluster::start();
    let url = pg.database("national");
    ok(sotay(&national, &["hub", "adopt", "--store", &url], None));
    let hub = PgServe::start(&url, &format!("127.0.0.1:{port}"), &["--status", &format!("127.0.0.1:{}", free_port())]);
    for p in &provinces {
        ok(sotay(p, &["sync"], None));
    }
    let settled = || http_get_json(hub.status.as_deref().unwrap())["pending_bundles"] == 0;
    assert!(wait_until(Duration::from_secs(60), settled), "the hub applied its inbox");
    // The window's role reads and nothing else, as a replica would let it.
    let grant = "CREATE ROLE doc_bao_cao LOGIN PASSWORD 'mat-khau'; GRANT USAGE ON SCHEMA public TO doc_bao_cao;
                 GRANT SELECT ON ALL TABLES IN SCHEMA public TO doc_bao_cao;
                 ALTER ROLE doc_bao_cao SET default_transaction_read_only = on";
    let (granted, why) = pg.psql("national", grant);
    assert!(granted, "{why}");
    let reader = url.replace("postgres@", "doc_bao_cao:mat-khau@");
    let whole = report(&national, &url, None);
    let tinh_a = report(&national, &url, Some("TINH-A"));
    assert_eq!(whole["events"], 500, "{whole}");
    let unit_a = tinh_a["unit"]["id"].as_str().unwrap().to_string();
    let closed = free_port();

    let (_driver, s) = launch(&national);
    let outcome = (|| -> Result<Value, String> {
        unlock(&s)?;
        s.wait("section[data-view=dashboard][data-state=ready]", LONG)?;
        // The top of the tree is offered the national database; nothing is saved yet.
        s.set_value("#dash-source", "setup")?;
        s.wait_until("return document.querySelector('#dash-national').hidden ? null : true", LONG)?;
        s.set_value("#dash-national-address", &format!("postgresql://doc_bao_cao@127.0.0.1:{closed}/national"))?;
        s.click("#dash-national-connect")?;
        let refused = s.wait_until(
            "const e = document.querySelector('#dash-national .field-error'); return e ? e.textContent : null",
            LONG,
        )?;
        s.screenshot(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/window-national-address.png"))?;
        s.set_value("#dash-national-address", &reader)?;
        s.click("#dash-national-connect")?;
        s.wait_until("return document.querySelector('section[data-view=dashboard]').dataset.source === 'national' ? true : null", LONG)?;

        // The year 2025, as two dates (the period list offers the months and years around today).
        s.set_value("#dash-period", "custom")?;
        s.set_value("#dash-from", "01/01/2025")?;
        s.set_value("#dash-to", "31/12/2025")?;
        s.click("#dash-custom-apply")?;
        loaded(&s, "Từ 01/01/2025 đến 31/12/2025")?;
        let country = (figure(&s, "#dash-events")?, figure(&s, "#dash-participants")?);
        let units = s.execute("return Array.from(document.querySelectorAll('#dash-unit option')).map(o => [o.value, o.textContent])", json!([]))?;
        // (in the address box, closed now: read as the page holds it)
        let saved = s.execute("return document.querySelector('#dash-national-saved').textContent", json!([]))?;
        s.screenshot(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/window-national.png"))?;

        // One province, one level down.
        s.set_value("#dash-unit", &unit_a)?;
        loaded(&s, "31/12/2025")?;
        s.wait_until("return document.querySelector('#dash-unit-name').textContent.includes('TINH-A') ? true : null", LONG)?;
        let province_a = figure(&s, "#dash-events")?;

        // The database goes away: a banner says so; back, and the same figures.
        pg.stop();
        s.set_value("#dash-unit", whole["unit"]["id"].as_str().unwrap_or_default())?;
        let gone = s.wait_until("const b = document.querySelector('.banner.error'); return b ? b.textContent : null", LONG)?;
        pg.start_again();
        s.set_value("#dash-structure", "as-it-was")?;
        s.set_value("#dash-structure", "today")?;
        s.wait_until("return document.querySelector('.banner.error') ? null : true", LONG)?;
        loaded(&s, "31/12/2025")?;
        let again = figure(&s, "#dash-events")?;

        // This computer's own store holds none of the provinces' work.
        s.set_value("#dash-source", "local")?;
        s.wait_until("return document.querySelector('section[data-view=dashboard]').dataset.source === 'local' ? true : null", LONG)?;
        loaded(&s, "31/12/2025")?;
        let local = figure(&s, "#dash-events")?;
        Ok(json!({"refused": refused, "country": [country.0, country.1], "units": units, "saved": saved,
                  "province_a": province_a, "gone": gone, "again": again, "local": local}))
    })();
    let shown = outcome.unwrap_or_else(|e| {
        let _ = s.screenshot(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/window-national-failed.png"));
        let range = s.text("#dash-range").unwrap_or_default();
        let range = format!("{range} {:?}", s.execute("return JSON.stringify(Object.assign({}, document.querySelector('section[data-view=dashboard]').dataset))", json!([])));
        panic!("{e}\nrange: {range}\n{}", sotay_tests::driver::shown_errors(&s))
    });
    s.end();

    let refused = shown["refused"].as_str().unwrap();
    assert!(refused.contains("Không kết nối được cơ sở dữ liệu") && refused.contains(&closed.to_string()), "{refused}");
    assert_eq!(shown["country"], json!([whole["events"], whole["participants"]]), "the window shows what `sotay report --store` gives");
    let names: Vec<&str> = shown["units"].as_array().unwrap().iter().map(|u| u[1].as_str().unwrap()).collect();
    assert_eq!(names, ["Tỉnh đoàn Hưng Yên", "Đoàn xã TINH-A", "Đoàn xã TINH-B"], "the hub's unit, then the units under it");
    let saved = shown["saved"].as_str().unwrap();
    assert!(saved.contains("doc_bao_cao:•••@") && !saved.contains("mat-khau"), "{saved}");
    assert_eq!(shown["province_a"], tinh_a["events"]);
    assert_eq!(tinh_a["events"], 300);
    let gone = shown["gone"].as_str().unwrap();
    assert!(gone.to_lowercase().contains("cơ sở dữ liệu"), "said in Vietnamese: {gone}");
    assert_eq!(shown["again"], whole["events"]);
    assert_eq!(shown["local"], 0);
    user.assert_untouched();
}
