//! Issue 15 in a real window: the province's merge wizard. Two communes, each with its own laptop, sent
//! their 2025 work; the province merges them into a new commune picked from the official 2025 list,
//! previews the year's report before and after, applies, undoes, applies again; once a stick carried it
//! the undo is gone; the communes learn it from that stick. The overview and the print centre then lay the
//! report out as it was, saying so.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use sotay_tests::driver::{unlock, Driver};
use sotay_tests::support::sotay;
use sotay_tests::webdriver::Session;

const LONG: Duration = Duration::from_secs(30);

fn launch(db: &Path) -> (Driver, Session) {
    sotay_tests::driver::launch_on(db, &[])
}

fn ok(db: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let r = sotay(db, args, stdin);
    assert_eq!(r.code, 0, "sotay {args:?}: {}", r.stderr);
    r.stdout
}

fn in_dir(dir: &Path, end: &str) -> Vec<String> {
    std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()).map(|e| e.path().display().to_string()).filter(|p| p.ends_with(end)).collect()
}

/// The texts of a preview table's first column, with their events.
fn table(s: &Session, side: &str) -> Result<Value, String> {
    s.execute(
        "return Array.from(document.querySelectorAll(`#structure-preview-box table[data-side='${arguments[0]}'] tbody tr`))
           .map(tr => Array.from(tr.cells).map(td => td.textContent))",
        json!([side]),
    )
}

#[test]
fn the_province_merges_two_communes_in_the_wizard_previews_undoes_and_sends_it() {
    let user = sotay_tests::support::UserFolders::now();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (p, up) = sotay_tests::network::province(d, "https://127.0.0.1:9");
    let a = sotay_tests::network::commune(d, "XA-A", &p, &up);
    let b = sotay_tests::network::commune(d, "XA-B", &p, &up);
    for (c, n) in [(&a, "a"), (&b, "b")] {
        sotay_tests::network::add_event(c, "Tuyên truyền tháng 8");
        let stick = d.join(format!("up-{n}"));
        ok(c, &["export", "--out", stick.to_str().unwrap()], None);
        let mut args = vec!["import".to_string()];
        args.extend(in_dir(&stick, ".bundle.json"));
        ok(&p, &args.iter().map(String::as_str).collect::<Vec<_>>(), None);
    }
    let unit_of = |db: &Path| ok(db, &["--lang", "en", "keys"], None).lines().find_map(|l| l.strip_prefix("Unit: ").map(|v| v.trim().to_string())).unwrap();
    let (unit_a, unit_b) = (unit_of(&a), unit_of(&b));

    let (_driver, s) = launch(&p);
    let outcome = (|| -> Result<Value, String> {
        unlock(&s)?;
        s.click("[data-nav=connect]")?;
        s.click("#connect-to-structure")?;
        s.wait("section[data-view=structure][data-state=ready]", LONG)?;
        s.set_value("#structure-change", "merged")?;
        s.click(&format!("#structure-units label[data-unit='{unit_a}'] input"))?;
        s.click(&format!("#structure-units label[data-unit='{unit_b}'] input"))?;
        s.set_value("#structure-into", "__new__")?;
        // The new commune from the official list, found without accents.
        s.set_value("#structure-official", "lac dao hung yen")?;
        s.wait_until("return document.querySelector('#structure-official-list .official-pick') ? true : null", LONG)?;
        let source = s.text("#structure-official-source")?;
        s.click("#structure-official-list .official-pick")?;
        let picked = s.execute("return [document.querySelector('#structure-new-name').value, document.querySelector('#structure-new-code').value]", json!([]))?;
        // A date that does not exist is named, and nothing is written.
        s.set_value("#structure-date", "31/06/2025")?;
        s.click("#structure-apply")?;
        let refused = s.wait_until("const b = document.querySelector('#structure-banner .banner.error'); return b ? b.textContent : null", LONG)?;
        s.set_value("#structure-date", "01/07/2025")?;
        s.click("#structure-preview")?;
        s.wait("#structure-preview-box[data-state=ready] table[data-side='structure.after']", LONG)?;
        let (before, after) = (table(&s, "structure.before")?, table(&s, "structure.after")?);
        s.screenshot(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/structure-wizard-preview.png"))?;
        s.click("#structure-apply")?;
        let done = s.wait_until("const b = document.querySelector('#structure-done[data-sent=false]'); return b ? b.textContent : null", LONG)?;
        s.click("#structure-undo")?;
        let undone = s.wait_until("const b = document.querySelector('#structure-undone'); return b ? b.textContent : null", LONG)?;
        Ok(json!({"source": source, "picked": picked, "refused": refused, "before": before, "after": after, "done": done, "undone": undone}))
    })();
    let seen = match outcome {
        Ok(v) => v,
        Err(e) => {
            s.end();
            panic!("{e}");
        }
    };
    let text = |k: &str| seen[k].as_str().unwrap_or_default().to_string();
    assert!(text("source").contains("vietnamadminunits"), "{seen}");
    assert_eq!(seen["picked"], json!(["Đoàn xã Lạc Đạo", "11992"]), "{seen}");
    assert!(text("refused").contains("31/06/2025"), "the bad date is not named: {seen}");
    assert_eq!(seen["before"], json!([["Đoàn xã XA-A", "1", "24"], ["Đoàn xã XA-B", "1", "24"]]), "{seen}");
    assert_eq!(seen["after"], json!([["Đoàn xã Lạc Đạo (gồm Đoàn xã XA-A, Đoàn xã XA-B)", "2", "48"]]), "{seen}");
    assert!(text("done").contains("Đoàn xã XA-A, Đoàn xã XA-B") && text("undone").contains("Đã hoàn tác"), "{seen}");
    // Undone: both communes stand as before, and the new unit is gone.
    let show = |id: &str| -> Value { serde_json::from_str(&ok(&p, &["show", "unit", id], None)).unwrap() };
    assert!(show(&unit_a)["valid_to"].is_null() && show(&unit_b)["successor_id"].is_null());
    assert_ne!(sotay(&p, &["report", "--unit", "11992", "--period", "2025"], None).code, 0, "the unit the undone merge created is still there");

    // Applied again, then carried on a stick: no undo any more; the commune learns it from that stick.
    let again = (|| -> Result<String, String> {
        s.execute("location.hash = '#/dashboard'", json!([]))?;
        s.execute("location.hash = '#/structure'", json!([]))?;
        s.wait("section[data-view=structure][data-state=ready]", LONG)?;
        s.set_value("#structure-change", "merged")?;
        s.click(&format!("#structure-units label[data-unit='{unit_a}'] input"))?;
        s.click(&format!("#structure-units label[data-unit='{unit_b}'] input"))?;
        s.set_value("#structure-into", "__new__")?;
        s.set_value("#structure-new-name", "Đoàn xã Lạc Đạo")?;
        s.set_value("#structure-new-code", "11992")?;
        s.set_value("#structure-date", "01/07/2025")?;
        s.click("#structure-apply")?;
        s.wait("#structure-done[data-sent=false] #structure-undo", LONG)?;
        Ok(String::new())
    })();
    if let Err(e) = again {
        s.end();
        panic!("{e}");
    }
    let installation_a = ok(&a, &["--lang", "en", "keys"], None).lines().find_map(|l| l.strip_prefix("Installation: ").map(|v| v.trim().to_string())).unwrap();
    let down = d.join("down-a");
    ok(&p, &["export", "--to", &installation_a, "--out", down.to_str().unwrap()], None);
    let sent = (|| -> Result<Value, String> {
        s.execute("location.hash = '#/dashboard'", json!([]))?;
        s.execute("location.hash = '#/structure'", json!([]))?;
        s.wait("section[data-view=structure][data-state=ready] #structure-done[data-sent=true]", LONG)?;
        s.screenshot(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/structure-wizard-sent.png"))?;
        let said = s.execute(
            "return [document.querySelector('#structure-done').textContent, !!document.querySelector('#structure-undo'),
                     !!document.querySelector(`#structure-units label[data-unit='${arguments[0]}']`)]",
            json!([unit_a]),
        )?;
        // The overview in either tree: the line under its title says which, and the print centre follows.
        s.click("[data-nav=dashboard]")?;
        s.wait("section[data-view=dashboard][data-state=ready]", LONG)?;
        let today = s.wait_until("const r = document.querySelector('#dash-range').textContent; return r.includes('·') ? r : null", LONG)?;
        s.set_value("#dash-structure", "as-it-was")?;
        let then = s.wait_until("const r = document.querySelector('#dash-range').textContent; return r.includes('tại ngày') ? r : null", LONG)?;
        s.click("#dash-print")?;
        s.wait("section[data-view=print][data-state=ready] #print-structure", LONG)?;
        let printed = s.execute("return document.querySelector('#print-structure').value", json!([]))?;
        Ok(json!([said[0], said[1], today, then, printed, said[2]]))
    })();
    s.end();
    let sent = sent.unwrap();
    assert_eq!(sent[1], json!(false), "an undo offered after the stick carried it: {sent}");
    assert!(sent[0].as_str().unwrap_or_default().contains("không hoàn tác được"), "{sent}");
    assert!(sent[2].as_str().unwrap_or_default().contains("Theo cơ cấu tổ chức hiện nay"), "{sent}");
    assert!(sent[3].as_str().unwrap_or_default().contains("Theo cơ cấu tổ chức tại ngày 31/"), "{sent}");
    assert_eq!(sent[4], json!("as-it-was"), "the print centre lost the choice: {sent}");
    assert_eq!(sent[5], json!(false), "a commune merged already is offered again: {sent}");
    ok(&a, &["import", down.to_str().unwrap()], None);
    let here: Value = serde_json::from_str(&ok(&a, &["show", "unit", &unit_a], None)).unwrap();
    assert_eq!((here["valid_to"].as_str(), here["change"].as_str()), (Some("2025-06-30"), Some("merged")), "{here}");
    for db in [&p, &a] {
        ok(db, &["check"], None);
    }
    user.assert_untouched();
}
