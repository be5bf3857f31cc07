//! The real window: the debug `sotay-desktop` binary driven by tauri-driver + WebKitWebDriver under
//! Xvfb (the README test command runs this under `xvfb-run`). Starts on an empty database, creates a
//! unit and a plan, logs an event, finds it by searching without accents, sees it counted on the
//! dashboard, and saves a screenshot to tests/artifacts/.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};
use sotay_tests::support::{bin, sotay};
use sotay_tests::driver::{set_first_passphrase, unlock, Driver};
use sotay_tests::webdriver::{free_port, Session};

const LONG: Duration = Duration::from_secs(30);

/// tauri-driver on free ports, and a WebDriver session on the app opened on `db`. The app, WebKit and the
/// driver get a home and XDG folders of their own beside `db`: the webview's storage, caches and the
/// print centre's Documents folder stay out of the user's profile.
fn launch(db: &std::path::Path) -> (Driver, Session) {
    let profile = db.with_extension("profile");
    let folders = [("HOME", "home"), ("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache")];
    let mut env: Vec<(&str, PathBuf)> = Vec::new();
    for (var, sub) in folders {
        std::fs::create_dir_all(profile.join(sub)).expect("the test's profile folders");
        env.push((var, profile.join(sub)));
    }
    env.push(("SOTAY_DB", db.to_path_buf()));
    // The folder the system's dialog would give (no such dialog can be driven here): "pdf" beside db.
    env.push(("SOTAY_TEST_PICKED_DIR", db.with_file_name("pdf")));
    sotay_tests::driver::launch(&bin("sotay-desktop"), &env)
}

/// The demo database in `dir`, and the first page of its events as `sotay list events --json` gives it.
fn demo_events(dir: &std::path::Path) -> (PathBuf, Value) {
    let db = dir.join("demo.db");
    let seeded = sotay(&db, &["seed", "--demo"], None);
    assert_eq!(seeded.code, 0, "{}", seeded.stderr);
    let list = sotay(&db, &["list", "events", "--json"], None);
    (db, serde_json::from_str(&list.stdout).expect("list --json"))
}

#[test]
fn log_an_event_in_the_field_and_see_it_on_the_dashboard() {
    let user = sotay_tests::support::UserFolders::now();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("window.db");
    let (_driver, s) = launch(&db);
    let result = drive(&s);
    let shot = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/window-field-log-last.png");
    let saved = s.screenshot(&shot);
    s.end();
    result.unwrap();
    user.assert_untouched();
    let bytes = saved.expect("screenshot saved");
    assert!(bytes > 10_000, "screenshot is {bytes} bytes");
    assert_eq!(&std::fs::read(&shot).unwrap()[..4], b"\x89PNG");

    // The window wrote to the same store the CLI reads.
    let dump = sotay(&db, &["dump"], None);
    assert_eq!(dump.code, 0, "{}", dump.stderr);
    assert!(dump.stdout.contains("Tuyên truyền Nghị quyết Đại hội Đoàn tại thôn Đông"));
    assert!(dump.stdout.contains("Kế hoạch tuyên truyền quý IV"));
    assert_eq!(sotay(&db, &["check"], None).code, 0);
}

fn drive(s: &Session) -> Result<(), String> {
    // First run: create the unit.
    s.wait("#setup-name", LONG)?;
    // Nothing typed: the name is what is missing, said beside it, and the name is where the cursor goes.
    s.click("#setup-submit")?;
    s.wait_until(
        "return document.querySelector('#setup-name').getAttribute('aria-invalid') === 'true'
                && document.activeElement === document.querySelector('#setup-name')",
        LONG,
    )?;
    let said = s.execute("return Array.from(document.querySelectorAll('.field-error')).map(e => e.textContent).join(' | ')", json!([]))?;
    let said = said.as_str().unwrap_or_default().to_string();
    if !said.contains("bắt buộc phải nhập") || said.contains("letters") {
        return Err(format!("set-up said: {said}"));
    }
    s.type_text("#setup-name", "Đoàn xã Đông Hưng")?;
    s.set_value("#setup-code", "XA-DONG-HUNG")?;
    s.click("#setup-submit")?;
    // Before anything is created: the passphrase the data is encrypted under, and its recovery code.
    set_first_passphrase(s)?;
    s.wait_until("return !document.body.classList.contains('no-unit')", LONG).map_err(|e| {
        let shown = s.execute(
            "return Array.from(document.querySelectorAll('.banner, .field-error')).map(e => e.textContent).join(' | ')",
            json!([]),
        );
        format!("{e}; the page shows: {shown:?}")
    })?;

    // An event with four things wrong: each is said beside its field at once, in Vietnamese, and the
    // first on the page has the cursor.
    s.click("[data-nav=events]")?;
    s.click("#new-record")?;
    s.set_value("[name=start_at]", "01/07/2025 08:00")?;
    s.set_value("[name=end_at]", "01/06/2025 08:00")?;
    s.set_value("[name=connection_points]", "3")?;
    s.set_value("[name='participants.members']", "70")?;
    s.set_value("[name='participants.male']", "60")?;
    s.set_value("[name='participants.female']", "40")?;
    s.click("#form-save")?;
    let marked = s.wait_until(
        "const bad = Array.from(document.querySelectorAll('[aria-invalid=true]')).map(e => e.name);
         return bad.length >= 4 ? bad.join(',') : null",
        LONG,
    )?;
    let marked = marked.as_str().unwrap_or_default().to_string();
    for field in ["title", "end_at", "connection_points", "participants.female"] {
        if !marked.split(',').any(|m| m == field) {
            return Err(format!("{field} is not marked; marked: {marked}"));
        }
    }
    let focused = s.execute("return document.activeElement && document.activeElement.name", json!([]))?;
    if focused != json!("title") {
        return Err(format!("the cursor is on {focused}, not on the title"));
    }
    let said = s.execute("return Array.from(document.querySelectorAll('.field-error')).map(e => e.textContent).join(' | ')", json!([]))?;
    let said = said.as_str().unwrap_or_default().to_string();
    for words in ["nam và nữ cộng lại (100) nhiều hơn tổng số người tham gia (70)", "chỉ dùng cho hoạt động trực tuyến hoặc kết hợp"] {
        if !said.contains(words) {
            return Err(format!("«{words}» not said: {said}"));
        }
    }
    if ["only", "must", "_"].iter().any(|w| said.contains(w)) {
        return Err(format!("English or an internal name: {said}"));
    }
    let shot = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/window-form-errors.png");
    s.screenshot(&shot)?;

    // The event form was changed and not saved: leaving it asks; leave (its draft is kept).
    s.click("[data-nav=plans]")?;
    s.click("#leave-go")?;

    // A plan: its title typed, then a click elsewhere — the form asks first; staying keeps it all; leaving
    // keeps a draft that the form shows again.
    s.wait_until("return location.hash === '#/plans' ? true : null", LONG)?;
    s.click("#new-record")?;
    s.type_text("[name=title]", "Kế hoạch tuyên truyền quý IV")?;
    s.wait_until("return document.querySelector('#form-draft').textContent.length > 0 ? true : null", LONG)?;
    s.click("[data-nav=events]")?;
    s.wait("#leave-dialog", LONG)?;
    s.screenshot(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/window-leave-dialog.png"))?;
    s.click("#leave-stay")?;
    s.wait_until(
        "return !document.querySelector('#leave-dialog') && location.hash === '#/plans/new'
                && document.querySelector('[name=title]').value === 'Kế hoạch tuyên truyền quý IV' ? true : null",
        LONG,
    )?;
    s.click("#form-back")?;
    s.click("#leave-go")?;
    s.wait_until("return location.hash === '#/plans' && document.querySelector('#new-record') ? true : null", LONG)?;
    s.click("#new-record")?;
    s.wait_until(
        "return document.querySelector('#form-draft-restored')
                && document.querySelector('[name=title]').value === 'Kế hoạch tuyên truyền quý IV' ? true : null",
        LONG,
    )?;
    let today = s.execute(
        "const d = new Date(); const p = n => String(n).padStart(2, '0');
         return p(d.getDate()) + '/' + p(d.getMonth() + 1) + '/' + d.getFullYear();",
        json!([]),
    )?;
    let today = today.as_str().unwrap_or_default().to_string();
    // A day that does not exist is said to be one, not a wrong format.
    s.set_value("[name=start_on]", "31/02/2026")?;
    let said = s.wait_until(
        "const e = document.querySelector('[name=start_on]').closest('.field').querySelector('.field-error');
         return e ? e.textContent : null",
        LONG,
    )?;
    if !said.as_str().unwrap_or_default().contains("Không có ngày này trong lịch: 31/02/2026") {
        return Err(format!("31/02/2026 was said to be: {said}"));
    }
    s.set_value("[name=start_on]", &today)?;
    s.click("button[data-add=targets]")?;
    s.set_value("[name='targets[0].indicator']", "TT-01")?;
    // A decimal target, as the app prints it: with a comma.
    s.set_value("[name='targets[0].value']", "4,5")?;
    s.click("#form-save")?;
    // Saved: the form becomes the plan's own page.
    s.wait_until("return /^#\\/plans\\/[0-9a-f-]{36}$/.test(location.hash)", LONG)?;
    s.click("[data-nav=plans]")?;
    s.wait_until(
        "return Array.from(document.querySelectorAll('.record-row')).some(r => r.textContent.includes('quý IV'))",
        LONG,
    )?;

    // The quick field log.
    s.click("#log-event")?;
    s.wait("#quick-log", LONG)?;
    s.type_text("#quick-log [name=title]", "Tuyên truyền Nghị quyết Đại hội Đoàn tại thôn Đông")?;
    s.set_value("#quick-log [name=start_at]", &format!("{today} 08:00"))?;
    s.set_value("#quick-log [name='participants.members']", "42")?;
    s.set_value("#quick-log [name='participants.non_members']", "8")?;
    s.set_value("#quick-log [name='participants.others']", "3")?;
    // A negative count is never added into the total shown (the save refuses it beside its field).
    s.set_value("#quick-log [name='participants.non_members']", "-3")?;
    let total = s.text("#quick-total")?;
    if total.contains('-') || !total.contains("45") {
        return Err(format!("with -3 youth the total shows {total:?}"));
    }
    s.set_value("#quick-log [name='participants.non_members']", "8")?;
    s.click("#quick-save")?;
    s.wait_until("const t = document.querySelector('#toast'); return t && t.textContent.length > 0", LONG)?;
    // The record just saved is linked above the form, in view without scrolling at 1366×768.
    let link = s.wait_until(
        "const a = document.querySelector('#quick-status a');
         return a ? { text: a.textContent, bottom: a.getBoundingClientRect().bottom, height: window.innerHeight } : null",
        LONG,
    )?;
    if link["text"] != json!("Tuyên truyền Nghị quyết Đại hội Đoàn tại thôn Đông") || link["bottom"].as_f64() > link["height"].as_f64() {
        return Err(format!("the saved record's link: {link}"));
    }

    // Found without accents: "doan" finds "Đoàn".
    s.click("[data-nav=events]")?;
    s.type_text("#list-search", "doan")?;
    s.wait_until(
        "return Array.from(document.querySelectorAll('.record-row')).some(r => r.textContent.includes('Đại hội Đoàn'))",
        LONG,
    )?;

    // Counted on the dashboard.
    s.click("[data-nav=dashboard]")?;
    let events = s.wait_until(
        "const e = document.querySelector('#dash-events'); return e && e.textContent.trim() === '1' ? e.textContent : null",
        LONG,
    )?;
    assert_eq!(events, Value::from("1"));
    let tt01 = s.text("#dashboard-table tr[data-indicator='TT-01'] .actual")?;
    let target = s.text("#dashboard-table tr[data-indicator='TT-01'] .target")?;
    if (tt01.trim(), target.trim()) != ("1", "4,5") {
        return Err(format!("TT-01 shows {tt01:?} of {target:?}, expected 1 of 4,5"));
    }
    // Two numbers that say what they count: everyone (guests too) on the card, members and youth in
    // TT-02 ("đoàn viên, thanh niên").
    let everyone = s.text("#dash-participants")?;
    if everyone.trim() != "53" {
        return Err(format!("participants show {everyone:?}, expected 53 (42 members, 8 youth, 3 guests)"));
    }
    let card = s.execute("return document.querySelector('#dash-participants').parentElement.textContent", json!([]))?;
    if !card.as_str().unwrap_or_default().contains("kể cả đối tượng khác") {
        return Err(format!("the participants card does not say it counts guests too: {card}"));
    }
    let tt02 = s.text("#dashboard-table tr[data-indicator='TT-02'] .actual")?;
    if tt02.trim() != "50" {
        return Err(format!("TT-02 shows {tt02:?}, expected 50 (members and youth)"));
    }

    s.screenshot(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/window-dashboard.png"))?;

    // Any two dates: the dashboard counts between them and says which they are; the wrong way round,
    // it says so and keeps what it shows.
    s.set_value("#dash-period", "custom")?;
    s.wait_until("return !document.querySelector('#dash-custom').hidden", LONG)?;
    s.set_value("#dash-from", &today)?;
    s.set_value("#dash-to", "01/01/2020")?;
    s.click("#dash-custom-apply")?;
    s.wait_until("return document.querySelector('#dash-to').getAttribute('aria-invalid') === 'true'", LONG)?;
    s.set_value("#dash-to", &today)?;
    s.click("#dash-custom-apply")?;
    let shown = s.wait_until(
        &format!("const r = document.querySelector('#dash-range').textContent; return r.includes('Từ {today} đến {today}') ? r : null"),
        LONG,
    )?;
    let counted = s.text("#dash-events")?;
    if counted.trim() != "1" {
        return Err(format!("{counted:?} events between {today} and {today} ({shown}), expected 1"));
    }

    // Nothing enrolled yet: the Sync screen says the changes have nowhere to go, not "all sent", and
    // names no terminal command.
    s.click("[data-nav=sync]")?;
    let page = s.wait_until(
        "const v = document.querySelector('section[data-view=sync]'); return v && v.textContent.includes('Chưa đăng ký với cấp trên') ? v.textContent : null",
        LONG,
    )?;
    let page = page.as_str().unwrap_or_default().to_string();
    if page.contains("sotay ") || page.contains("Không có thay đổi nào chờ biên nhận") {
        return Err(format!("the Sync screen says: {page}"));
    }
    // The unit, the plan and the event: three changes kept here.
    let kept = s.text("#sync-waiting")?;
    if kept.trim() != "3" {
        return Err(format!("{kept:?} changes said to be kept, expected 3"));
    }
    s.screenshot(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/window-sync-not-enrolled.png"))?;

    // An old laptop's 1024×640: the menu on one row, every item in view, a slim top bar.
    s.set_size(1024, 640)?;
    let layout = s.wait_until(
        "if (window.innerWidth > 1030) return null;
         const items = Array.from(document.querySelectorAll('#nav button'));
         const nav = document.querySelector('#nav');
         return { rows: new Set(items.map(b => b.offsetTop)).size, fits: nav.scrollWidth <= nav.clientWidth + 1,
                  header: document.querySelector('#topbar').offsetHeight, width: window.innerWidth };",
        LONG,
    )?;
    if layout["rows"] != json!(1) || layout["fits"] != json!(true) || layout["header"].as_f64().unwrap_or(999.0) > 100.0 {
        return Err(format!("at 1024×640: {layout}"));
    }
    // The event form left unsaved at the start comes back as its draft; discarded, the form is clean and
    // leaving it does not ask.
    s.click("[data-nav=events]")?;
    s.click("#new-record")?;
    s.wait("#form-draft-restored", LONG)?;
    s.screenshot(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/window-1024x640-form.png"))?;
    s.click("#form-draft-discard")?;
    s.wait_until(
        "const end = document.querySelector('[name=end_at]');
         return !document.querySelector('#form-draft-restored') && end && end.value !== '01/06/2025 08:00' ? true : null",
        LONG,
    )?;
    s.click("[data-nav=dashboard]")?;
    if s.execute("return !!document.querySelector('#leave-dialog')", json!([]))? == json!(true) {
        return Err("a discarded draft still asks before leaving".into());
    }
    s.wait("section[data-view=dashboard][data-state=ready]", LONG)?;
    s.screenshot(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/window-1024x640-dashboard.png"))?;
    Ok(())
}

/// Sync from the window: the commune exports to a folder standing for the USB stick, the province (a
/// second installation, here through the CLI) imports it and writes a receipt back, and importing the
/// receipt in the window clears the outbox.
#[test]
fn export_to_the_stick_and_a_receipt_clears_the_outbox() {
    let user = sotay_tests::support::UserFolders::now();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (p, a) = (d.join("province.db"), d.join("commune.db"));
    let stick = d.join("USB");
    let run = |db: &std::path::Path, args: &[&str]| {
        let r = sotay(db, args, None);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        r
    };
    run(&p, &["init", "--name", "Tỉnh đoàn Hưng Yên", "--code", "TINH-HY", "--level", "province"]);
    run(&a, &["init", "--name", "Đoàn xã Đông Hưng", "--code", "XA-DH"]);
    let (up, down) = (d.join("up.json"), d.join("down.json"));
    run(&p, &["enroll", "export", "--out", up.to_str().unwrap()]);
    run(&a, &["enroll", "import", up.to_str().unwrap()]);
    run(&a, &["enroll", "export", "--out", down.to_str().unwrap()]);
    run(&p, &["enroll", "import", down.to_str().unwrap()]);
    let e = r#"{"title": "Tuyên truyền tại thôn Đông", "start_at": "2026-11-20T08:00", "participants": {"members": 30}}"#;
    assert_eq!(sotay(&a, &["add", "event", "--json", "-"], Some(e)).code, 0);

    let (_driver, s) = launch(&a);
    let result = sync_in_window(&s, &stick, &p);
    let shot = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/window-sync.png");
    let saved = s.screenshot(&shot);
    s.end();
    result.unwrap();
    user.assert_untouched();
    assert!(saved.expect("screenshot saved") > 10_000);
    let outbox = sotay(&a, &["--lang", "en", "outbox"], None);
    assert!(outbox.stdout.contains("Changes waiting for a receipt: 0"), "{}", outbox.stdout);
}

fn sync_in_window(s: &Session, stick: &std::path::Path, province: &std::path::Path) -> Result<(), String> {
    // The installation exists already: the app opens on the dashboard, once unlocked.
    unlock(s)?;
    s.wait("section[data-view=dashboard][data-state=ready]", LONG)?;
    s.click("[data-nav=sync]")?;
    // Unit, its parent set at enrolment, and the event: three changes wait.
    s.wait_until("const e = document.querySelector('#sync-waiting'); return e && e.textContent.trim() === '3'", LONG)?;
    s.set_value("#sync-dir", stick.to_str().unwrap_or_default())?;
    s.click("#sync-export")?;
    s.wait_until("const r = document.querySelector('#sync-result'); return r && /json/.test(r.textContent)", LONG)?;

    // At the province: import from the stick and write the receipt back onto it.
    let bundles: Vec<String> = std::fs::read_dir(stick)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok())
        .map(|e| e.path().display().to_string())
        .filter(|p| p.ends_with(".bundle.json"))
        .collect();
    if bundles.is_empty() {
        return Err("the window wrote no bundle".into());
    }
    let mut args = vec!["import".to_string()];
    args.extend(bundles);
    args.extend(["--receipt-out".to_string(), stick.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = sotay(province, &args, None);
    if r.code != 0 {
        return Err(format!("the province refused the bundle: {}", r.stderr));
    }

    // Back in the window: preview, then import the receipt.
    s.click("#sync-preview")?;
    s.wait_until("return document.querySelectorAll('#sync-preview-table tr[data-file]').length > 0", LONG)?;
    // The sender is named by its unit, as its enrolment file says, not by an id.
    let sender = s.text("#sync-preview-table tr[data-file] .sender")?;
    if !sender.contains("Tỉnh đoàn Hưng Yên") {
        return Err(format!("the preview names the sender {sender:?}"));
    }
    s.click("#sync-apply")?;
    s.wait_until("const e = document.querySelector('#sync-waiting'); return e && e.textContent.trim() === '0'", LONG)?;
    // A backup was taken before the stick's files went in (and one at the first start of the day): the
    // screen says when, and where — in «Sao lưu» beside the database, never in the user's folders.
    let shown = s.wait_until(
        "const e = document.querySelector('#sync-last-backup'); return e && /\\d\\d\\/\\d\\d\\/\\d{4}/.test(e.textContent) ? e.textContent : null",
        LONG,
    )?;
    let folder = stick.with_file_name("Sao lưu");
    if !shown.as_str().unwrap_or_default().contains(&folder.display().to_string()) {
        return Err(format!("the last backup is shown as {shown}, not in {}", folder.display()));
    }
    let kept: Vec<String> = std::fs::read_dir(&folder)
        .map_err(|e| format!("{}: {e}", folder.display()))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()).unwrap_or_default())
        .collect();
    if !kept.iter().any(|n| n.ends_with("-truoc-nhap.db")) {
        return Err(format!("no backup before the import among {kept:?}"));
    }

    // "Sao lưu ra USB": a whole, checked copy of this laptop's data onto the stick, readable as it is.
    let usb = stick.with_file_name("USB-sao-luu");
    std::fs::create_dir_all(&usb).map_err(|e| e.to_string())?;
    s.set_value("#sync-dir", usb.to_str().unwrap_or_default())?;
    s.click("#sync-backup")?;
    let file = s.wait_until("const e = document.querySelector('#sync-backup-file'); return e ? e.dataset.file : null", LONG)?;
    let file = PathBuf::from(file.as_str().unwrap_or_default());
    if file.parent() != Some(usb.as_path()) || !file.exists() {
        return Err(format!("the backup went to {}, not into {}", file.display(), usb.display()));
    }
    let said = s.text("#sync-result .summary")?;
    if !said.contains("Đã sao lưu") || !said.contains("nguyên vẹn") {
        return Err(format!("after the backup the screen says {said:?}"));
    }
    let commune = stick.with_file_name("commune.db");
    let (copy, now) = (sotay(&file, &["dump"], None), sotay(&commune, &["dump"], None));
    if copy.code != 0 || copy.stdout != now.stdout {
        return Err(format!("the backup on the stick is not the data as it is: {}", copy.stderr));
    }
    Ok(())
}

/// Sync over the network from the window: the test starts a province hub; the commune's window syncs
/// by itself (no button), shows it is online with nothing waiting, and tells the officer when a plan
/// made at the province comes down after "Đồng bộ ngay".
#[test]
fn the_window_syncs_with_a_hub_by_itself_and_tells_of_a_new_plan() {
    let user = sotay_tests::support::UserFolders::now();
    use sotay_tests::network::{add_event, commune, event_lines, province, HubProcess};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let listen = format!("127.0.0.1:{}", free_port());
    let (p, up) = province(d, &format!("https://{listen}"));
    let a = commune(d, "XA-DH", &p, &up);
    add_event(&a, "Tọa đàm về chuyển đổi số ở thôn Đoài");
    let _hub = HubProcess::start(&p, &listen, &[], &[]);

    let (_driver, s) = launch(&a);
    let result = network_sync_in_window(&s, &p);
    let shot = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/window-network-sync.png");
    let saved = s.screenshot(&shot);
    s.end();
    result.unwrap();
    user.assert_untouched();
    assert!(saved.expect("screenshot saved") > 10_000);
    sotay_tests::network::applied(&p);
    assert!(event_lines(&p).iter().any(|l| l.contains("Tọa đàm về chuyển đổi số ở thôn Đoài")));
}

fn network_sync_in_window(s: &Session, province: &std::path::Path) -> Result<(), String> {
    unlock(s)?;
    s.wait("section[data-view=dashboard][data-state=ready]", LONG)?;
    s.click("[data-nav=sync]")?;
    s.wait_until("const e = document.querySelector('#net-state'); return e && e.dataset.state === 'online'", LONG)?;
    s.wait_until("const e = document.querySelector('#sync-waiting'); return e && e.textContent.trim() === '0'", LONG)?;
    let r = sotay(province, &["add", "plan", "--json", "-"], Some(r#"{"title": "Kế hoạch Tháng Thanh niên 2027", "start_on": "2027-03-01"}"#));
    if r.code != 0 {
        return Err(r.stderr);
    }
    s.click("#net-sync-now")?;
    s.wait_until("const e = document.querySelector('#arrivals'); return e && e.textContent.includes('Kế hoạch Tháng Thanh niên 2027')", LONG)?;
    let state = s.text("#net-state")?;
    if !state.contains("Trực tuyến") {
        return Err(format!("state reads {state:?}"));
    }
    Ok(())
}

/// The print centre for a demo event: all five meeting documents previewed page by page, saved as PDFs
/// numbered from the register; then the dashboard's charts over time and per unit.
#[test]
fn the_print_centre_previews_and_saves_the_meeting_pack_and_the_dashboard_draws_charts() {
    let user = sotay_tests::support::UserFolders::now();
    let dir = tempfile::tempdir().unwrap();
    let (db, rows) = demo_events(dir.path());
    let event = rows["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["attendees"].as_array().is_some_and(|a| a.len() >= 8))
        .expect("a demo event with an attendance list")
        .clone();
    let out = dir.path().join("pdf");
    std::fs::create_dir_all(&out).unwrap();

    let (_driver, s) = launch(&db);
    let result = print_in_window(&s, event["id"].as_str().unwrap(), &out);
    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    let shot = s.screenshot(&artifacts.join("window-print-centre.png"));
    let charts = result.as_ref().ok().map(|_| charts_in_window(&s));
    let chart_shot = s.screenshot(&artifacts.join("window-dashboard-charts.png"));
    s.end();
    result.unwrap();
    user.assert_untouched();
    charts.expect("charts drawn").unwrap();
    assert!(shot.expect("screenshot") > 10_000);
    assert!(chart_shot.expect("screenshot") > 10_000);

    // Five PDFs, named by document, date and title; the numbered ones carry their register number.
    let mut files: Vec<String> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(files.len(), 5, "{files:?}");
    for (prefix, file) in ["bien-ban", "chuong-trinh", "danh-sach", "de-cuong", "giay-moi"].iter().zip(&files) {
        assert!(file.starts_with(prefix) && file.ends_with(".pdf"), "{file}");
        let bytes = std::fs::read(out.join(file)).unwrap();
        assert_eq!(&bytes[..5], b"%PDF-");
    }
    let register = sotay(&db, &["register"], None);
    // The event belongs to a commune: its documents are numbered as the commune Union's (ĐTN).
    for code in ["1-GM/ĐTN", "1-CTr/ĐTN", "1-BB/ĐTN"] {
        assert!(register.stdout.contains(code), "register has {code}: {}", register.stdout);
    }
}

fn print_in_window(s: &Session, event: &str, out: &std::path::Path) -> Result<(), String> {
    unlock(s)?;
    s.wait("section[data-view=dashboard][data-state=ready]", LONG)?;
    s.execute(&format!("location.hash = '#/events/{event}'"), json!([]))?;
    s.wait("#form-print", LONG)?;
    s.click("#form-print")?;
    s.wait("section[data-view=print][data-state=ready]", LONG)?;
    s.wait_until("const p = document.querySelector('#print-pages'); return p && p.dataset.state === 'ready'", LONG)?;
    // Every document is there, each page an image that loaded at A4 proportions.
    let docs = s.execute(
        "return Array.from(document.querySelectorAll('#print-pages .print-doc')).map(d => d.dataset.document)",
        json!([]),
    )?;
    if docs != json!(["invitation", "agenda", "attendance", "minutes", "outline"]) {
        return Err(format!("documents previewed: {docs}"));
    }
    let pages = s.wait_until(
        "const imgs = Array.from(document.querySelectorAll('#print-pages img.print-page'));
         return imgs.length >= 5 && imgs.every(i => i.complete && i.naturalWidth > 0) ? imgs.map(i => i.naturalHeight / i.naturalWidth) : null",
        LONG,
    )?;
    for ratio in pages.as_array().cloned().unwrap_or_default() {
        let r = ratio.as_f64().unwrap_or(0.0);
        if (r - 297.0 / 210.0).abs() > 0.01 {
            return Err(format!("a page is not A4: height/width {r}"));
        }
    }
    // One option changes the layout: the attendance sheet grouped by unit.
    s.click("#print-group")?;
    s.wait_until("const p = document.querySelector('#print-pages'); return p && p.dataset.state === 'ready'", LONG)?;
    // A date that does not exist: said in words, and nothing can be printed or saved from the pages of the
    // options before it. Put right, the pages are laid out again and saving is back.
    let today = s.execute("return document.querySelector('#print-date').value", json!([]))?;
    s.set_value("#print-date", "31/02/2026")?;
    s.wait_until("return document.querySelector('#print-save').disabled && document.querySelector('#print-print').disabled ? true : null", LONG)
        .map_err(|e| format!("a wrong date left printing or saving on: {e}"))?;
    let banner = s.text(".print-main .banner.error")?;
    if !banner.contains("Không có ngày này trong lịch: 31/02/2026") {
        return Err(format!("a wrong date: the banner says {banner:?}"));
    }
    s.set_value("#print-date", today.as_str().unwrap_or(""))?;
    s.wait_until("return !document.querySelector('#print-save').disabled && document.querySelector('#print-pages').dataset.state === 'ready' ? true : null", LONG)?;
    // Saved into a folder chosen with the folder button, numbered from the register; then it can be opened.
    s.click("#print-pick-dir")?;
    s.wait_until(&format!("return document.querySelector('#print-dir').value === {:?} ? true : null", out.display().to_string()), LONG)?;
    s.click("#print-register")?;
    s.click("#print-save")?;
    s.wait_until("const l = document.querySelector('#print-saved'); return l && l.dataset.count === '5'", LONG).map_err(|e| {
        let shown = s.execute("return Array.from(document.querySelectorAll('.banner')).map(e => e.textContent).join(' | ')", json!([]));
        format!("{e}; the page shows: {shown:?}")
    })?;
    s.wait_until("return !document.querySelector('#print-open-dir').hidden ? true : null", LONG)?;
    s.execute("document.querySelector('#print-pages').scrollIntoView()", json!([]))?;
    Ok(())
}

fn charts_in_window(s: &Session) -> Result<(), String> {
    s.click("[data-nav=dashboard]")?;
    // This year (the demo runs to November 2026).
    s.execute(
        "const p = document.querySelector('#dash-period'); p.value = Array.from(p.options).find(o => /^\\d{4}$/.test(o.value)).value;
         p.dispatchEvent(new Event('change'))",
        json!([]),
    )?;
    s.wait_until("return document.querySelectorAll('#chart-time-svg rect.bar').length === 12 ? true : null", LONG)?;
    let units = s.wait_until(
        "const bars = document.querySelectorAll('#chart-units-svg rect.bar'); return bars.length >= 5 ? bars.length : null",
        LONG,
    )?;
    let total: f64 = s
        .execute("return Array.from(document.querySelectorAll('#chart-time-svg rect.bar')).reduce((a, r) => a + Number(r.dataset.value), 0)", json!([]))?
        .as_f64()
        .unwrap_or(-1.0);
    let shown = s.text("#dashboard-table tr[data-indicator='TT-02'] .actual")?;
    let shown: f64 = shown.replace('.', "").trim().parse().map_err(|_| format!("TT-02 shows {shown:?}"))?;
    if total != shown {
        return Err(format!("the months add up to {total}, the table shows {shown} ({units} unit bars)"));
    }
    // The report of the period and unit on screen, from the dashboard's print button.
    s.click("#dash-print")?;
    s.wait_until(
        "const p = document.querySelector('#print-pages'); return p && p.dataset.state === 'ready' && p.querySelector('[data-document=report] img.print-page') ? true : null",
        LONG,
    )?;
    s.execute("history.back()", json!([]))?;
    s.wait_until("return document.querySelectorAll('#chart-time-svg rect.bar').length === 12 ? true : null", LONG)?;
    s.execute("document.querySelector('#dash-charts').scrollIntoView()", json!([]))?;
    Ok(())
}

/// Item 8 of "an officer's day": an event that took place without a list of delegates prints an
/// attendance sheet of numbered blank rows, one per participant, and the print centre says so before it is
/// printed. The folder is chosen with the folder button (the test stands in for the system's dialog).
#[test]
fn an_event_without_a_delegate_list_prints_a_sheet_of_numbered_blank_rows() {
    let user = sotay_tests::support::UserFolders::now();
    let dir = tempfile::tempdir().unwrap();
    let (db, rows) = demo_events(dir.path());
    let took_part = |e: &Value| ["members", "non_members", "others"].iter().map(|k| e["participants"][k].as_i64().unwrap_or(0)).sum::<i64>();
    let event = rows["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["attendees"].as_array().is_none_or(|a| a.is_empty()) && (1..500).contains(&took_part(e)))
        .expect("a demo event with participants and no attendance list")
        .clone();
    let n = took_part(&event);
    let out = dir.path().join("pdf");
    std::fs::create_dir_all(&out).unwrap();

    let (_driver, s) = launch(&db);
    let result = blank_sheet_in_window(&s, event["id"].as_str().unwrap(), n, &out);
    let shot = s.screenshot(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/window-print-blank-rows.png"));
    s.end();
    result.unwrap();
    user.assert_untouched();
    assert!(shot.expect("screenshot") > 10_000);

    let files: Vec<PathBuf> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("danh-sach") && name.ends_with(".pdf"), "{name}");
    let text = Command::new("pdftotext").args(["-layout"]).arg(&files[0]).arg("-").output().expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.contains("Chưa có danh sách đại biểu"), "the sheet does not say why it is blank:\n{text}");
    let numbers: Vec<i64> = text.lines().filter_map(|l| l.split_whitespace().next()?.parse().ok()).filter(|&k| k <= 500).collect();
    assert!(numbers.contains(&n), "no row {n} on the sheet:\n{text}");
    assert!(!numbers.contains(&(n + 1)), "more rows than the {n} who took part:\n{text}");
}

fn blank_sheet_in_window(s: &Session, event: &str, n: i64, out: &std::path::Path) -> Result<(), String> {
    unlock(s)?;
    s.wait("section[data-view=dashboard][data-state=ready]", LONG)?;
    s.execute(&format!("location.hash = '#/print/event/{event}'"), json!([]))?;
    s.wait("section[data-view=print][data-state=ready]", LONG)?;
    let note = s.text("#print-blank-rows")?;
    if !note.contains(&format!("{n} dòng trống")) {
        return Err(format!("the print centre says {note:?}, not that {n} blank rows are printed"));
    }
    for doc in ["invitation", "agenda", "minutes", "outline"] {
        s.click(&format!("#print-doc-{doc}"))?;
    }
    s.wait_until("const p = document.querySelector('#print-pages'); return p && p.dataset.state === 'ready' && !document.querySelector('#print-save').disabled ? true : null", LONG)?;
    s.click("#print-pick-dir")?;
    s.wait_until(&format!("return document.querySelector('#print-dir').value === {:?} ? true : null", out.display().to_string()), LONG)?;
    s.click("#print-save")?;
    s.wait_until("const l = document.querySelector('#print-saved'); return l && l.dataset.count === '1'", LONG)?;
    Ok(())
}

/// Every screen at 1366×768 and at 1024×640 (an old laptop): nothing is wider than the window, the menu
/// stays on one row, and each screen is kept as a screenshot in tests/artifacts/screens/<size>/ to look at.
#[test]
fn every_screen_fits_1366x768_and_1024x640() {
    let user = sotay_tests::support::UserFolders::now();
    let dir = tempfile::tempdir().unwrap();
    let (db, rows) = demo_events(dir.path());
    let event = rows["rows"][0]["id"].as_str().expect("a demo event").to_string();
    let mut screens: Vec<(String, String)> =
        [("dashboard", "#/dashboard"), ("sync", "#/sync"), ("quick-log", "#/quick")].iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    for kind in ["plans", "events", "practices", "opinions", "inspections", "supervisions", "cases"] {
        screens.push((format!("{kind}-list"), format!("#/{kind}")));
        screens.push((format!("{kind}-new"), format!("#/{kind}/new")));
    }
    screens.push(("event-record".into(), format!("#/events/{event}")));
    screens.push(("event-print".into(), format!("#/print/event/{event}")));
    screens.push(("report-print".into(), "#/print/report/2026".into()));
    screens.push(("security".into(), "#/security".into()));

    let (_driver, s) = launch(&db);
    let mut problems = Vec::new();
    if let Err(e) = unlock(&s) {
        problems.push(format!("unlocking: {e}"));
    }
    let mut shots = 0;
    for (w, h) in [(1366, 768), (1024, 640)] {
        let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("artifacts/screens/{w}x{h}"));
        std::fs::create_dir_all(&folder).unwrap();
        if let Err(e) = s.set_size(w, h) {
            problems.push(format!("{w}×{h}: {e}"));
            continue;
        }
        for (name, hash) in &screens {
            match one_screen(&s, hash, w) {
                Ok(Some(problem)) => problems.push(format!("{w}×{h} {name}: {problem}")),
                Ok(None) => {}
                Err(e) => problems.push(format!("{w}×{h} {name}: {e}")),
            }
            if s.screenshot(&folder.join(format!("{name}.png"))).is_ok_and(|bytes| bytes > 10_000) {
                shots += 1;
            }
        }
    }
    s.end();
    user.assert_untouched();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(shots, 2 * screens.len(), "a screenshot of every screen at both sizes");
}

/// Shows one screen and says what does not fit, if anything.
fn one_screen(s: &Session, hash: &str, width: u32) -> Result<Option<String>, String> {
    s.execute(&format!("location.hash = {hash:?}"), json!([]))?;
    s.wait_until(
        &format!(
            "const v = document.querySelector('#view section.view');
             return location.hash === {hash:?} && window.innerWidth <= {width} && v && v.dataset.state === 'ready' ? true : null"
        ),
        LONG,
    )?;
    // The print centre lays its pages out after the view is ready.
    s.wait_until("const p = document.querySelector('#print-pages'); return !p || p.dataset.state === 'ready' ? true : null", LONG)?;
    let layout = s.execute(
        "const items = Array.from(document.querySelectorAll('#nav button'));
         const wide = Array.from(document.querySelectorAll('#view *')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
           .slice(0, 3).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className);
         const nav = document.querySelector('#nav');
         return { rows: new Set(items.map(b => b.offsetTop)).size, fits: nav.scrollWidth <= nav.clientWidth + 1,
                  page: document.documentElement.scrollWidth - window.innerWidth, wide };",
        json!([]),
    )?;
    let mut said = Vec::new();
    if layout["rows"] != json!(1) || layout["fits"] != json!(true) {
        said.push(format!("the menu takes {} rows and fits: {}", layout["rows"], layout["fits"]));
    }
    if layout["page"].as_i64().unwrap_or(0) > 0 || layout["wide"].as_array().is_some_and(|a| !a.is_empty()) {
        said.push(format!("wider than the window by {} px: {}", layout["page"], layout["wide"]));
    }
    Ok(if said.is_empty() { None } else { Some(said.join("; ")) })
}

/// Issue 15: a commune that the province merged into another on 1 July 2025 learns it from the province's
/// next stick, and its window says so above the first screen — the last day, by decision of the level
/// above, into which unit, records still readable — and offers the way forward: the successor's connection
/// file, read on the connection screen, makes the laptop that unit's, its old records kept.
#[test]
fn a_merged_commune_says_so_above_its_first_screen() {
    let user = sotay_tests::support::UserFolders::now();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ok = |db: &std::path::Path, args: &[&str], stdin: Option<&str>| {
        let r = sotay(db, args, stdin);
        assert_eq!(r.code, 0, "sotay {args:?}: {}", r.stderr);
        r.stdout
    };
    let (p, up) = sotay_tests::network::province(d, "https://127.0.0.1:9");
    let old = sotay_tests::network::commune(d, "XA-CU", &p, &up);
    let new = sotay_tests::network::commune(d, "XA-MOI", &p, &up);
    let keys = |db: &std::path::Path, line: &str| {
        ok(db, &["--lang", "en", "keys"], None).lines().find_map(|l| l.strip_prefix(line).map(|v| v.trim().to_string())).expect("sotay keys")
    };
    let (old_unit, new_unit) = (keys(&old, "Unit: "), keys(&new, "Unit: "));
    let mut merged: Value = serde_json::from_str(&ok(&p, &["show", "unit", &old_unit], None)).unwrap();
    merged["valid_to"] = json!("2025-06-30");
    merged["successor_id"] = json!(new_unit);
    merged["change"] = json!("merged");
    ok(&p, &["edit", "unit", &old_unit, "--json", "-"], Some(&merged.to_string()));
    let stick = d.join("stick");
    ok(&p, &["export", "--to", &keys(&old, "Installation: "), "--out", stick.to_str().unwrap()], None);
    ok(&old, &["import", stick.to_str().unwrap()], None);

    // Everything the old commune wrote is at the province (and acknowledged) before it can go on.
    let up = d.join("up");
    ok(&old, &["export", "--out", up.to_str().unwrap()], None);
    let in_dir = |dir: &std::path::Path, end: &str| -> Vec<String> {
        std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()).map(|e| e.path().display().to_string()).filter(|p| p.ends_with(end)).collect()
    };
    let mut args: Vec<String> = vec!["import".into()];
    args.extend(in_dir(&up, ".bundle.json"));
    args.extend(["--receipt-out".into(), up.join("receipts").display().to_string()]);
    ok(&p, &args.iter().map(String::as_str).collect::<Vec<_>>(), None);
    for receipt in in_dir(&up.join("receipts"), ".json") {
        ok(&old, &["import", &receipt], None);
    }
    // The successor's connection file, alone in a folder as on the stick the province hands over.
    let successor_dir = d.join("from-province");
    std::fs::create_dir_all(&successor_dir).unwrap();
    std::fs::copy(d.join("XA-MOI.enrol.json"), successor_dir.join("XA-MOI.enrol.json")).unwrap();

    let (_driver, s) = launch(&old);
    let result = (|| -> Result<(String, String, String), String> {
        unlock(&s)?;
        s.wait("#unit-ended", LONG)?;
        let said = s.text("#unit-ended")?;
        s.screenshot(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/window-unit-ended.png"))?;
        // The way forward, from the banner: the successor's file on the connection screen.
        s.click("#unit-ended-join")?;
        s.wait("section[data-view=connect][data-state=ready]", LONG)?;
        s.set_value("#connect-dir", &successor_dir.display().to_string())?;
        s.click("#connect-read")?;
        let role = s.wait_until("const c = document.querySelector('#connect-files .enrol-file[data-role=successor] .role'); return c ? c.textContent : null", LONG)?;
        s.click("#connect-files .enrol-file[data-role=successor] .enrol-check")?;
        s.click("#connect-files .enrol-file[data-role=successor] .enrol-confirm")?;
        let done = s.wait_until("const c = document.querySelector('#connect-done[data-role=successor]'); return c ? c.textContent : null", LONG)?;
        // The banner is gone: the laptop now works for a unit that has not ended, under its name.
        s.wait_until("return !document.querySelector('#unit-ended') && document.querySelector('#unit-name').textContent.includes('XA-MOI') ? true : null", LONG)?;
        s.wait_until("return document.querySelector('#connect-own-unit').textContent === 'Đoàn xã XA-MOI' ? true : null", LONG)?;
        s.screenshot(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/window-joined-successor.png"))?;
        Ok((said, role.as_str().unwrap_or_default().to_string(), done.as_str().unwrap_or_default().to_string()))
    })();
    s.end();
    let (said, role, done) = result.unwrap();
    user.assert_untouched();
    for words in ["đã kết thúc sau ngày 30/06/2025", "cấp trên", "vẫn xem được", "chuyển về Đoàn xã XA-MOI", "Nhận tệp đăng ký của đơn vị kế thừa"] {
        assert!(said.contains(words), "the banner does not say «{words}»: {said}");
    }
    assert!(role.contains("đơn vị kế thừa"), "{role}");
    assert!(done.contains("nay làm việc cho Đoàn xã XA-MOI") && done.contains("mang tệp mới này đến cấp trên"), "{done}");
    assert_eq!(keys(&old, "Unit: "), new_unit, "the laptop works for the successor now");
    // Its new file, written beside the successor's, is what the province enrols; July's work then goes in.
    let written: Vec<_> = std::fs::read_dir(&successor_dir).unwrap().filter_map(|e| e.ok()).map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("ket-noi-sotay-"))).collect();
    assert_eq!(written.len(), 1, "{written:?}");
    ok(&p, &["enroll", "import", written[0].to_str().unwrap()], None);
    ok(&old, &["add", "event", "--json", "-"], Some(r#"{"title": "Sinh hoạt tháng 7", "start_at": "2025-07-10T08:00"}"#));
    ok(&old, &["check"], None);
}
