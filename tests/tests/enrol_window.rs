//! Enrolment in the real window, no terminal at the commune: a province made with the CLI writes its
//! connection file into a folder (the stick); the window's first run creates a commune, goes on to the
//! connect screen, reads the province's file there and shows exactly its fingerprint; going on without
//! ticking, cancelling, or a fingerprint that is not the one compared change nothing; confirming
//! connects and writes the commune's own file into the same folder, which the province's CLI imports.
//! Damaged files, other files and a unit neither above nor below are refused in Vietnamese. Then an
//! event logged in the window goes up by the stick and the province holds it; and a second laptop joins
//! the commune from the commune's own file at its first run.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use sotay_tests::driver::{set_first_passphrase, try_invoke, unlock, Driver};
use sotay_tests::support::{bin, sotay};
use sotay_tests::webdriver::Session;

const LONG: Duration = Duration::from_secs(30);
const PROVINCE: &str = "Tỉnh đoàn Hưng Yên";
const COMMUNE: &str = "Đoàn xã Đông Hưng";
const EVENT: &str = "Ra quân tình nguyện hè tại thôn Đoài";

/// The window on `db`, with a home and XDG folders of its own beside it (as window.rs launches it);
/// "Chọn thư mục…" answers `picked` (no system dialog can be driven here).
fn launch(db: &Path, picked: &Path) -> (Driver, Session) {
    let profile = db.with_extension("profile");
    let mut env: Vec<(&str, PathBuf)> = Vec::new();
    for (var, sub) in [("HOME", "home"), ("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache")] {
        std::fs::create_dir_all(profile.join(sub)).expect("the test's profile folders");
        env.push((var, profile.join(sub)));
    }
    env.push(("SOTAY_DB", db.to_path_buf()));
    env.push(("SOTAY_TEST_PICKED_DIR", picked.to_path_buf()));
    sotay_tests::driver::launch(&bin("sotay-desktop"), &env)
}

fn run(db: &Path, args: &[&str]) -> String {
    let r = sotay(db, args, None);
    assert_eq!(r.code, 0, "sotay {args:?}: {}", r.stderr);
    r.stdout
}

fn fingerprint_of(file: &Path) -> String {
    let text = std::fs::read_to_string(file).expect("an enrolment file");
    let v: Value = serde_json::from_str(&text).expect("enrolment JSON");
    v["fingerprint"].as_str().expect("a fingerprint").to_string()
}

/// The connection files the window wrote into `dir`.
fn own_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.display().to_string().contains("ket-noi-sotay-")).collect())
        .unwrap_or_default()
}

fn shot(s: &Session, name: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts").join(name);
    s.screenshot(&path)?;
    Ok(path)
}

/// Today in Vietnam as the page writes it, "dd/mm/yyyy".
fn today_vn(s: &Session) -> Result<String, String> {
    let today = s.execute(
        "const d = new Date(Date.now() + 7 * 3600 * 1000); const p = (n) => String(n).padStart(2, '0');
         return p(d.getUTCDate()) + '/' + p(d.getUTCMonth() + 1) + '/' + d.getUTCFullYear()",
        json!([]),
    )?;
    Ok(today.as_str().unwrap_or_default().to_string())
}

/// The sync bundles in `dir`.
fn bundles_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path().display().to_string())).filter(|p| p.ends_with(".bundle.json")).collect())
        .unwrap_or_default()
}

/// How many units the connect screen lists as connected.
fn peers_shown(s: &Session) -> Result<i64, String> {
    Ok(s.execute("return document.querySelectorAll('#connect-peers li[data-installation]').length", json!([]))?.as_i64().unwrap_or(-1))
}

#[test]
fn a_commune_connects_to_its_province_in_the_window_and_a_second_laptop_joins_it() {
    let user = sotay_tests::support::UserFolders::now();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (province, commune, laptop2) = (d.join("province.db"), d.join("commune.db"), d.join("laptop2.db"));
    let usb = d.join("USB");
    let bad = d.join("bad");
    let other = d.join("other");
    for f in [&usb, &bad, &other] {
        std::fs::create_dir_all(f).unwrap();
    }
    run(&province, &["init", "--name", PROVINCE, "--code", "TINH-HY", "--level", "province"]);
    let province_file = usb.join("tinh-hy.json");
    run(&province, &["enroll", "export", "--out", province_file.to_str().unwrap()]);
    let province_fp = fingerprint_of(&province_file);

    // Files the window must refuse: damaged, another kind, and a commune beside this one (also under the
    // province), which is neither directly above nor below it.
    std::fs::write(bad.join("hong.json"), &std::fs::read_to_string(&province_file).unwrap()[..120]).unwrap();
    std::fs::write(bad.join("khac.json"), r#"{"format": "sotay-bundle", "version": 1}"#).unwrap();
    let neighbour = d.join("neighbour.db");
    run(&neighbour, &["init", "--name", "Đoàn xã Bên Cạnh", "--code", "XA-BC"]);
    run(&neighbour, &["enroll", "import", province_file.to_str().unwrap()]);
    run(&neighbour, &["enroll", "export", "--out", other.join("xa-ben-canh.json").to_str().unwrap()]);

    let (driver, s) = launch(&commune, &usb);
    let result = connect_in_window(&s, &usb, &bad, &other, &province_fp);
    let _ = shot(&s, "enrol-last.png");
    s.end();
    drop(driver);
    let own_file = result.unwrap();

    // The commune's own file is in the folder, with the fingerprint the window showed, and the province
    // trusts it with the CLI.
    assert_eq!(own_files(&usb), vec![own_file.clone()], "one connection file of the commune in the folder");
    let out = run(&province, &["enroll", "import", own_file.to_str().unwrap()]);
    assert!(out.contains(COMMUNE) && out.contains("cấp dưới"), "{out}");

    // The commune logs an event in the window and sends it by the stick; the province holds it.
    let (driver, s) = launch(&commune, &usb);
    let result = log_and_export(&s, &usb);
    s.end();
    drop(driver);
    result.unwrap();
    let bundles = bundles_in(&usb);
    assert!(!bundles.is_empty(), "the window wrote no bundle");
    let mut args = vec!["import"];
    args.extend(bundles.iter().map(String::as_str));
    run(&province, &args);
    let events = run(&province, &["list", "events", "--json"]);
    assert!(events.contains(EVENT), "the province does not hold the commune's event: {events}");

    // A second laptop of the commune: its first run joins from the commune's own file.
    let (driver, s) = launch(&laptop2, &usb);
    let result = join_in_window(&s, &usb);
    let _ = shot(&s, "enrol-join-last.png");
    s.end();
    drop(driver);
    result.unwrap();
    let (a, b) = (run(&commune, &["--lang", "en", "keys"]), run(&laptop2, &["--lang", "en", "keys"]));
    let unit = |keys: &str| keys.lines().find(|l| l.starts_with("Unit:")).map(str::to_string);
    assert_eq!(unit(&a), unit(&b), "the second laptop belongs to the same unit:\n{a}\n{b}");
    assert_ne!(a.lines().next(), b.lines().next(), "the second laptop is an installation of its own");
    // Not `sotay check` here: a joined database holds its unit but not the unit above it (the enrolment
    // file carries only its own unit), which `check` reports as an unknown upper unit; `sotay init --join`
    // does the same (core/src/sync/enroll.rs, init_joining).
    user.assert_untouched();
}

fn connect_in_window(s: &Session, usb: &Path, bad: &Path, other: &Path, province_fp: &str) -> Result<PathBuf, String> {
    // First run: "Create my unit" (the other two choices are on the same screen).
    s.wait("#setup-name", LONG)?;
    s.wait("#setup-join", LONG)?;
    s.wait("#setup-demo", LONG)?;
    // The commune picked from the official 2025 list, typed without accents: its Union's name, GSO code,
    // place and the body above filled in.
    s.set_value("#setup-official", "dong hung hung yen")?;
    s.wait("#setup-official-list .official-pick[data-code='12688']", LONG)?;
    s.click("#setup-official-list .official-pick[data-code='12688']")?;
    let filled = s.execute(
        "return ['setup-name', 'setup-code', 'setup-place', 'setup-upper'].map(id => document.getElementById(id).value)",
        json!([]),
    )?;
    if filled != json!([COMMUNE, "12688", "Đông Hưng", "BCH TỈNH ĐOÀN HƯNG YÊN"]) {
        return Err(format!("the official list filled in {filled}"));
    }
    shot(s, "setup-official.png")?;
    // The code stays the officer's to change (the rest of this test knows the commune as XA-DH).
    s.set_value("#setup-code", "XA-DH")?;
    s.click("#setup-submit")?;
    // The passphrase the data is encrypted under, and its recovery code, before the unit is created.
    set_first_passphrase(s)?;
    // Straight on to the connect screen, which says the unit was made and offers to connect.
    s.wait_until("return location.hash === '#/connect/new' ? true : null", LONG)?;
    s.wait("section[data-view=connect][data-state=ready] #connect-welcome", LONG)?;
    let own_fp = s.execute("return document.querySelector('#connect-own-fingerprint').dataset.fingerprint", json!([]))?;

    // The folder from the system's dialog ("Chọn thư mục…"), then the province's file read: exactly its
    // fingerprint, in groups of four, large and monospace.
    let card = pick_and_read(s, usb)?;
    same_fingerprint(&card, province_fp, "province")?;
    if card["name"] != json!(PROVINCE) || card["role"] != json!("upper") || card["files"] != json!(1) {
        return Err(format!("the card read: {card}"));
    }
    if card["size"].as_f64().unwrap_or(0.0) < 20.0 || !card["mono"].as_str().unwrap_or_default().to_lowercase().contains("mono") {
        return Err(format!("the fingerprint is not large and monospace: {card}"));
    }
    shot(s, "connect.png")?;

    // Going on without ticking: asked to compare first, and nothing changes.
    confirm_unticked(s, usb)?;
    // A fingerprint other than the one compared (the file changed under the officer's eyes): refused by Rust.
    let file = usb.join("tinh-hy.json").display().to_string();
    let refused = try_invoke(s, "enrol_confirm", json!({"path": file, "fingerprint": "0000-1111-2222-3333-4444-5555-6666-7777"}))?;
    if refused["err"]["code"] != json!("fingerprint") || !refused["err"]["message"].as_str().unwrap_or_default().contains("chưa kết nối gì") {
        return Err(format!("a wrong fingerprint was answered {refused}"));
    }
    // Cancelling: nothing changes either.
    s.click("#connect-files .enrol-cancel")?;
    s.wait("#connect-cancelled", LONG)?;
    s.click("[data-nav=connect]")?;
    s.wait("section[data-view=connect][data-state=ready]", LONG)?;
    if peers_shown(s)? != 0 || !own_files(usb).is_empty() {
        return Err("cancelling changed something".into());
    }

    // Ticked and confirmed: connected, and the commune's own file written into the same folder.
    s.click("#connect-read")?;
    s.click("#connect-files .enrol-file[data-state=ready] .enrol-check")?;
    s.click("#connect-files .enrol-confirm")?;
    let done = s.wait_until(
        "const d = document.querySelector('#connect-done'); const f = document.querySelector('#connect-own-file');
         return d && f ? { text: d.textContent, role: d.dataset.role, path: f.dataset.path } : null",
        LONG,
    )?;
    let text = done["text"].as_str().unwrap_or_default();
    if done["role"] != json!("upper") || !text.contains(&format!("Đã kết nối với {PROVINCE} (cấp trên)")) {
        return Err(format!("after confirming the page says {done}"));
    }
    let own = PathBuf::from(done["path"].as_str().unwrap_or_default());
    if own.parent() != Some(usb) || !own.exists() || !text.contains(&own.display().to_string()) {
        return Err(format!("the commune's own file is said to be at {}", own.display()));
    }
    let name = own.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if !name.starts_with("ket-noi-sotay-XA-DH-") || !name.ends_with(".json") || fingerprint_of(&own) != own_fp.as_str().unwrap_or_default() {
        return Err(format!("the own file {name} does not carry the fingerprint shown ({own_fp})"));
    }
    let peer = s.wait_until(
        "const li = document.querySelector('#connect-peers li[data-installation]');
         return li ? { role: li.dataset.role, text: li.textContent } : null",
        LONG,
    )?;
    if peer["role"] != json!("upper") || !peer["text"].as_str().unwrap_or_default().contains(PROVINCE) || !peer["text"].as_str().unwrap_or_default().contains(province_fp) {
        return Err(format!("the connected unit is listed as {peer}"));
    }

    // Refused files, each in Vietnamese, and nothing changes.
    for (folder, code, words) in [
        (bad, "damaged", "bị hỏng"),
        (bad, "wrong_format", "không phải tệp kết nối"),
        (other, "invalid", "không phải đơn vị ngay trên hay ngay dưới"),
    ] {
        s.set_value("#connect-dir", &folder.display().to_string())?;
        s.click("#connect-read")?;
        let said = s.wait_until(
            &format!("const c = document.querySelector('#connect-files .enrol-file[data-code={code}] .enrol-refused'); return c ? c.textContent : null"),
            LONG,
        )?;
        if !said.as_str().unwrap_or_default().contains(words) {
            return Err(format!("a {code} file is refused with {said}"));
        }
        if s.execute("return document.querySelectorAll('#connect-files .enrol-confirm').length", json!([]))? != json!(0) {
            return Err(format!("a refused file ({code}) can be confirmed"));
        }
    }
    if peers_shown(s)? != 1 {
        return Err("a refused file changed the connected units".into());
    }
    // The Sync screen leads here too.
    s.click("[data-nav=sync]")?;
    s.click("#sync-to-connect")?;
    s.wait("section[data-view=connect][data-state=ready] #connect-own-fingerprint", LONG)?;
    // The menu still fits on one row at an old laptop's 1024×640.
    s.set_size(1024, 640)?;
    let nav = s.wait_until(
        "const items = Array.from(document.querySelectorAll('#nav button')); const nav = document.querySelector('#nav');
         return window.innerWidth <= 1024 ? { rows: new Set(items.map(b => b.offsetTop)).size, fits: nav.scrollWidth <= nav.clientWidth + 1 } : null",
        LONG,
    )?;
    if nav != json!({"rows": 1, "fits": true}) {
        return Err(format!("at 1024×640 the menu: {nav}"));
    }
    shot(s, "connect-1024x640.png")?;
    Ok(own)
}

/// On the connect screen: the folder from the system's dialog ("Chọn thư mục…", which answers `dir`),
/// read; the first file ready to confirm, as its card shows it (role, unit, fingerprint and its style).
fn pick_and_read(s: &Session, dir: &Path) -> Result<Value, String> {
    s.click("#connect-pick")?;
    s.wait_until(&format!("return document.querySelector('#connect-dir').value === {:?} ? true : null", dir.display().to_string()), LONG)?;
    s.click("#connect-read")?;
    s.wait("#connect-files .enrol-file[data-state=ready]", LONG)?;
    s.execute(
        "const c = document.querySelector('#connect-files .enrol-file[data-state=ready]');
         return { role: c.dataset.role, code: c.dataset.unitCode, name: c.querySelector('.enrol-unit-name').textContent,
                  fp: c.querySelector('.fingerprint-big').textContent,
                  size: parseFloat(getComputedStyle(c.querySelector('.fingerprint-big')).fontSize),
                  mono: getComputedStyle(c.querySelector('.fingerprint-big')).fontFamily,
                  files: document.querySelectorAll('#connect-files .enrol-file').length }",
        json!([]),
    )
}

/// The card shows exactly `fp` (the file's "8F3A-1B2C-…"), in groups of four.
fn same_fingerprint(card: &Value, fp: &str, whose: &str) -> Result<(), String> {
    let shown = card["fp"].as_str().unwrap_or_default().to_string();
    if shown.split(' ').collect::<Vec<_>>().join("-") != fp || shown.split(' ').any(|g| g.len() != 4) {
        return Err(format!("the page shows the fingerprint {shown:?}, the {whose}'s is {fp}"));
    }
    Ok(())
}

/// Confirm clicked without the tick: the page asks to compare first, and nothing changes (no unit
/// connected, no own file written into `dir`).
fn confirm_unticked(s: &Session, dir: &Path) -> Result<(), String> {
    s.click("#connect-files .enrol-confirm")?;
    let said = s.wait_until("const e = document.querySelector('.field-error[data-for=enrol-check]'); return e ? e.textContent : null", LONG)?;
    if !said.as_str().unwrap_or_default().contains("đánh dấu") {
        return Err(format!("without the tick the page says {said}"));
    }
    std::thread::sleep(Duration::from_millis(500));
    if peers_shown(s)? != 0 || !own_files(dir).is_empty() {
        return Err("connecting without the tick changed something".into());
    }
    Ok(())
}


fn log_and_export(s: &Session, usb: &Path) -> Result<(), String> {
    unlock(s)?;
    s.wait("section[data-view=dashboard][data-state=ready]", LONG)?;
    let today = today_vn(s)?;
    s.click("#log-event")?;
    s.wait("#quick-log", LONG)?;
    s.type_text("#quick-log [name=title]", EVENT)?;
    s.set_value("#quick-log [name=start_at]", &format!("{today} 07:30"))?;
    s.set_value("#quick-log [name='participants.members']", "25")?;
    s.click("#quick-save")?;
    s.wait_until("const a = document.querySelector('#quick-status a'); return a ? a.textContent : null", LONG)?;
    s.click("[data-nav=sync]")?;
    s.wait("section[data-view=sync][data-state=ready]", LONG)?;
    s.set_value("#sync-dir", &usb.display().to_string())?;
    s.click("#sync-export")?;
    s.wait_until("const r = document.querySelector('#sync-result'); return r && /json/.test(r.textContent)", LONG)?;
    // The connection files on the stick are no sync files: a preview of the stick does not list them.
    s.click("#sync-preview")?;
    s.wait_until("return document.querySelector('#sync-preview-table tr[data-file], #sync-no-files:not([hidden])') ? true : null", LONG)?;
    let listed = s.execute("return Array.from(document.querySelectorAll('#sync-preview-table tr[data-file]')).map(r => r.dataset.file).join(' ')", json!([]))?;
    if listed.as_str().unwrap_or_default().contains("ket-noi") || listed.as_str().unwrap_or_default().contains("tinh-hy") {
        return Err(format!("the sync preview lists connection files: {listed}"));
    }
    // The upper level is listed with no «Thu hồi khóa»: a unit cannot revoke its own upper level.
    s.click("[data-nav=connect]")?;
    s.wait("section[data-view=connect][data-state=ready] #connect-peers li[data-role=upper]", LONG)?;
    let buttons = s.execute("return document.querySelectorAll('#connect-peers .peer-revoke').length", json!([]))?;
    if buttons != json!(0) {
        return Err(format!("the commune's upper level has {buttons} revoke buttons"));
    }
    Ok(())
}

fn join_in_window(s: &Session, usb: &Path) -> Result<(), String> {
    s.wait("#setup-join", LONG)?;
    s.click("#setup-join")?;
    // The unit's file is read into this laptop's data: its passphrase first.
    set_first_passphrase(s)?;
    s.set_value("#setup-join-dir", &usb.display().to_string())?;
    s.click("#setup-join-read")?;
    // The folder holds the province's file and the commune's: the commune's is the one to join.
    let card = "#setup-join-files .enrol-file[data-state=ready][data-unit-code=XA-DH]";
    s.wait(card, LONG)?;
    let shown = s.text(&format!("{card} .enrol-unit-name"))?;
    if shown != COMMUNE {
        return Err(format!("the join card names {shown:?}"));
    }
    // Not ticked: nothing happens.
    s.click(&format!("{card} .enrol-confirm"))?;
    s.wait(&format!("{card} .field-error[data-for=enrol-check]"), LONG)?;
    if s.execute("return document.body.classList.contains('no-unit')", json!([]))? != json!(true) {
        return Err("joining without the tick made an installation".into());
    }
    s.click(&format!("{card} .enrol-check"))?;
    s.click(&format!("{card} .enrol-confirm"))?;
    s.wait_until("return !document.body.classList.contains('no-unit') && location.hash === '#/dashboard' ? true : null", LONG)?;
    s.wait_until(&format!("return document.querySelector('#unit-name').textContent === {COMMUNE:?} ? true : null"), LONG)?;
    Ok(())
}

fn keys_en(db: &Path) -> String {
    run(db, &["--lang", "en", "keys"])
}

/// The province's line for the peer `installation` in `sotay keys`.
fn peer_line(keys: &str, installation: &str) -> String {
    keys.lines().find(|l| l.starts_with("Peer") && l.contains(installation)).unwrap_or_default().to_string()
}

#[test]
fn a_province_revokes_a_lost_commune_laptop_in_the_window() {
    let user = sotay_tests::support::UserFolders::now();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (province, commune) = (d.join("province.db"), d.join("commune.db"));
    let (usb, out) = (d.join("USB"), d.join("out"));
    for f in [&usb, &out] {
        std::fs::create_dir_all(f).unwrap();
    }
    // Both sides made with the CLI; the commune imports the province's file there and writes its own
    // into the folder, which the province enrols in the window, as a commune enrols its upper level.
    run(&province, &["init", "--name", PROVINCE, "--code", "TINH-HY", "--level", "province"]);
    let province_file = usb.join("tinh-hy.json");
    run(&province, &["enroll", "export", "--out", province_file.to_str().unwrap()]);
    run(&commune, &["init", "--name", COMMUNE, "--code", "XA-DH"]);
    run(&commune, &["enroll", "import", province_file.to_str().unwrap()]);
    let commune_file = usb.join("xa-dh.json");
    run(&commune, &["enroll", "export", "--out", commune_file.to_str().unwrap()]);
    let commune_fp = fingerprint_of(&commune_file);
    let commune_inst = keys_en(&commune).lines().next().and_then(|l| l.strip_prefix("Installation: ")).unwrap_or_default().to_string();
    assert!(!commune_inst.is_empty(), "the commune's installation id");
    assert!(peer_line(&keys_en(&province), &commune_inst).is_empty(), "the province does not trust the commune before it enrols it");

    let (driver, s) = launch(&province, &usb);
    let result = enrol_lower_in_window(&s, &province, &usb, &commune_inst, &commune_fp)
        .and_then(|()| revoke_in_window(&s, &province, &commune_inst));
    let _ = shot(&s, "revoke-last.png");
    s.end();
    drop(driver);
    result.unwrap();

    let line = peer_line(&keys_en(&province), &commune_inst);
    assert!(line.contains("(revoked "), "the province's keys after revoking: {line}");

    // What the commune's laptop signs now is refused by the province, in words.
    run(&commune, &["export", "--out", out.to_str().unwrap()]);
    let bundles = bundles_in(&out);
    assert!(!bundles.is_empty(), "the commune exported nothing");
    let mut args = vec!["import"];
    args.extend(bundles.iter().map(String::as_str));
    let r = sotay(&province, &args, None);
    assert_ne!(r.code, 0, "the province took a revoked laptop's bundle: {}", r.stdout);
    assert!(r.stderr.contains("đã bị thu hồi"), "the refusal says: {}", r.stderr);
    user.assert_untouched();
}

/// At the province, the commune's file enrolled on the connect screen: read from the folder the system's
/// dialog picked, shown as a lower unit with exactly its fingerprint; nothing changes until ticked.
fn enrol_lower_in_window(s: &Session, province: &Path, usb: &Path, commune_inst: &str, commune_fp: &str) -> Result<(), String> {
    unlock(s)?;
    s.wait("section[data-view=dashboard][data-state=ready]", LONG)?;
    s.click("[data-nav=connect]")?;
    s.wait("section[data-view=connect][data-state=ready] #connect-own-fingerprint", LONG)?;
    if peers_shown(s)? != 0 {
        return Err("the province lists a connected unit before enrolling one".into());
    }
    // The province's own file in the folder is not offered: only the commune's.
    let card = pick_and_read(s, usb)?;
    same_fingerprint(&card, commune_fp, "commune")?;
    if card["name"] != json!(COMMUNE) || card["role"] != json!("lower") || card["code"] != json!("XA-DH") || card["files"] != json!(1) {
        return Err(format!("the card read: {card}"));
    }
    shot(s, "connect-lower.png")?;

    // Confirming without the tick: asked to compare first, and nothing changes.
    confirm_unticked(s, usb)?;
    if !peer_line(&keys_en(province), commune_inst).is_empty() {
        return Err("confirming without the tick enrolled the commune".into());
    }

    // Ticked and confirmed: the commune is a connected lower unit, and the province's own file is written
    // into the folder for the commune.
    s.click("#connect-files .enrol-file[data-state=ready] .enrol-check")?;
    s.click("#connect-files .enrol-confirm")?;
    let done = s.wait_until(
        "const d = document.querySelector('#connect-done'); return d ? { text: d.textContent, role: d.dataset.role } : null",
        LONG,
    )?;
    if done["role"] != json!("lower") || !done["text"].as_str().unwrap_or_default().contains(&format!("Đã kết nối với {COMMUNE} (cấp dưới)")) {
        return Err(format!("after confirming the page says {done}"));
    }
    let line = peer_line(&keys_en(province), commune_inst);
    if !line.contains("Lower") || !line.contains(COMMUNE) || !line.contains(commune_fp) || line.contains("revoked") {
        return Err(format!("after confirming the province's keys list the commune as {line:?}"));
    }
    if own_files(usb).len() != 1 {
        return Err(format!("the province's own file in the folder: {:?}", own_files(usb)));
    }
    Ok(())
}

fn revoke_in_window(s: &Session, province: &Path, commune_inst: &str) -> Result<(), String> {
    s.click("[data-nav=connect]")?;
    let row = format!("#connect-peers li[data-installation={commune_inst:?}]");
    s.wait(&format!("section[data-view=connect][data-state=ready] {row}[data-role=lower] .peer-revoke"), LONG)?;
    let label = s.text(&format!("{row} .peer-revoke"))?;
    if label != "Thu hồi khóa (máy bị mất)" {
        return Err(format!("the revoke button says {label:?}"));
    }
    // Asked first, in the page; cancelling changes nothing.
    s.click(&format!("{row} .peer-revoke"))?;
    let asked = s.wait_until(
        &format!("const b = document.querySelector('{row} .peer-revoke-confirm'); return b && !b.hidden && b.offsetParent ? b.textContent : null"),
        LONG,
    )?;
    let asked = asked.as_str().unwrap_or_default();
    for words in ["không được nhận nữa", "đã gửi trước đây vẫn được giữ nguyên", "máy mới", "tệp kết nối mới"] {
        if !asked.contains(words) {
            return Err(format!("the confirmation does not say «{words}»: {asked}"));
        }
    }
    shot(s, "revoke-confirm.png")?;
    s.click(&format!("{row} .peer-revoke-no"))?;
    s.wait_until(&format!("const b = document.querySelector('{row} .peer-revoke-confirm'); return b.hidden ? true : null"), LONG)?;
    std::thread::sleep(Duration::from_millis(500));
    let line = peer_line(&keys_en(province), commune_inst);
    if line.is_empty() || line.contains("revoked") {
        return Err(format!("cancelling changed the province's keys: {line}"));
    }
    let before = s.execute(&format!("const li = document.querySelector('{row}'); return {{ revoked: li.dataset.revoked, waiting: li.dataset.waiting }}"), json!([]))?;
    // The province's own unit waits to go down to the commune until it is revoked.
    if before["revoked"] != json!("false") || before["waiting"] == json!("0") {
        return Err(format!("after cancelling the row reads {before}"));
    }
    // An installation this province does not know: refused in words, nothing revoked.
    let unknown = try_invoke(s, "enrol_revoke", json!({"installation": "khong-co-may-nay"}))?;
    if unknown["err"]["code"] != json!("not_found") || !unknown["err"]["message"].as_str().unwrap_or_default().contains("chưa thu hồi gì") {
        return Err(format!("an unknown installation was answered {unknown}"));
    }

    // Confirmed: revoked, the row says since when and offers the button no more, nothing waits for it.
    s.click(&format!("{row} .peer-revoke"))?;
    s.click(&format!("{row} .peer-revoke-yes"))?;
    let done = s.wait_until(
        &format!("const li = document.querySelector('{row}[data-revoked=true]'); const ok = document.querySelector('#connect-revoked');
                  return li && ok ? {{ text: li.querySelector('.peer-revoked').textContent, waiting: li.dataset.waiting,
                                       buttons: li.querySelectorAll('.peer-revoke, .peer-revoke-yes').length, said: ok.textContent }} : null"),
        LONG,
    )?;
    let today = today_vn(s)?;
    if done["text"] != json!(format!("Đã thu hồi {today}")) || done["buttons"] != json!(0) || done["waiting"] != json!("0") {
        return Err(format!("after revoking the row reads {done}"));
    }
    if !done["said"].as_str().unwrap_or_default().contains(COMMUNE) {
        return Err(format!("after revoking the page says {done}"));
    }
    if !peer_line(&keys_en(province), commune_inst).contains("(revoked ") {
        return Err("the page says revoked, the province's keys do not".into());
    }
    shot(s, "revoked.png")?;
    Ok(())
}
