//! A laptop's whole life in the real window, no terminal at the commune: its first run connects to the
//! province by the province's file from a folder (fingerprint compared and confirmed, its own file
//! written beside it); it backs up to a stick, logs, sends by the stick; then the old backup is restored
//! ("Khôi phục"), one more event is logged, and two more trips of the stick bring it up. The province
//! (CLI) ends with every event exactly once and both databases check whole. Then a new laptop, at its
//! first run, restores that backup with the recovery code the first run showed (a wrong passphrase
//! refused first), sets a new passphrase, and opens on the unit.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use sotay_tests::support::{bin, sotay};
use sotay_tests::driver::set_first_passphrase;
use sotay_tests::webdriver::Session;

const LONG: Duration = Duration::from_secs(30);
const PROVINCE: &str = "Tỉnh đoàn Hưng Yên";

fn run(db: &Path, args: &[&str]) -> String {
    let r = sotay(db, args, None);
    assert_eq!(r.code, 0, "sotay {args:?}: {}", r.stderr);
    r.stdout
}

fn files_ending(dir: &Path, end: &str) -> Vec<String> {
    let mut f: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path().display().to_string())).filter(|p| p.ends_with(end)).collect())
        .unwrap_or_default();
    f.sort();
    f
}

/// The province takes every bundle on the stick and writes its receipts back onto it.
fn province_takes(province: &Path, usb: &Path) -> Result<(), String> {
    let mut args = vec!["import".to_string()];
    args.extend(files_ending(usb, ".bundle.json"));
    args.extend(["--receipt-out".to_string(), usb.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = sotay(province, &args, None);
    if r.code != 0 {
        return Err(format!("the province refused: {}", r.stderr));
    }
    Ok(())
}

#[test]
fn first_run_joins_the_province_logs_restores_an_old_backup_and_the_province_gets_every_change_once() {
    let user = sotay_tests::support::UserFolders::now();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (province, commune) = (d.join("province.db"), d.join("commune.db"));
    let usb = d.join("USB");
    std::fs::create_dir_all(&usb).unwrap();
    run(&province, &["init", "--name", PROVINCE, "--code", "TINH-HY", "--level", "province"]);
    let province_file = usb.join("tinh-hy.json");
    run(&province, &["enroll", "export", "--out", province_file.to_str().unwrap()]);
    let province_fp = serde_json::from_str::<Value>(&std::fs::read_to_string(&province_file).unwrap()).unwrap()["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    // "Chọn tệp sao lưu trên USB…" answers this file (no system dialog can be driven here).
    let old_backup = d.join("sao-luu-cu.db");

    let profile = d.join("profile");
    let mut env: Vec<(&str, PathBuf)> = Vec::new();
    for (var, sub) in [("HOME", "home"), ("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache")] {
        std::fs::create_dir_all(profile.join(sub)).unwrap();
        env.push((var, profile.join(sub)));
    }
    env.push(("SOTAY_DB", commune.clone()));
    env.push(("SOTAY_TEST_PICKED_DIR", usb.clone()));
    env.push(("SOTAY_TEST_PICKED_FILE", old_backup.clone()));
    let (driver, s) = sotay_tests::driver::launch(&bin("sotay-desktop"), &env);
    let result = life(&s, &province, &usb, &province_fp, &old_backup);
    let shot = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts").join("restore-last.png");
    let _ = s.screenshot(&shot);
    s.end();
    drop(driver);
    let recovery_code = result.unwrap();

    let events = run(&province, &["--lang", "en", "list", "events", "--json"]);
    let v: Value = serde_json::from_str(&events).unwrap();
    let titles: Vec<String> = v.as_array().or_else(|| v["rows"].as_array()).unwrap().iter().map(|e| e["title"].as_str().unwrap_or_default().to_string()).collect();
    for t in ["Sinh hoạt chi đoàn thôn Đông", "Sinh hoạt chi đoàn thôn Tây", "Ra quân sau khi khôi phục"] {
        assert_eq!(titles.iter().filter(|x| *x == t).count(), 1, "{t} exactly once at the province: {titles:?}");
    }
    assert_eq!(titles.len(), 3, "{titles:?}");
    run(&province, &["check"]);
    run(&commune, &["check"]);

    // The laptop is lost and its passphrase forgotten: a new laptop restores the old backup at its first
    // run with the recovery code, and sets a new passphrase (the tests' one, which the CLI then opens).
    let laptop = d.join("new-laptop.db");
    let profile = d.join("profile-new");
    let mut env: Vec<(&str, PathBuf)> = Vec::new();
    for (var, sub) in [("HOME", "home"), ("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache")] {
        std::fs::create_dir_all(profile.join(sub)).unwrap();
        env.push((var, profile.join(sub)));
    }
    env.push(("SOTAY_DB", laptop.clone()));
    env.push(("SOTAY_TEST_PICKED_FILE", old_backup.clone()));
    let (driver, s) = sotay_tests::driver::launch(&bin("sotay-desktop"), &env);
    let result = new_laptop(&s, &recovery_code);
    let _ = s.screenshot(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts").join("restore-new-laptop-last.png"));
    s.end();
    drop(driver);
    result.unwrap();
    // The new laptop is the old one, key and all: the same installation of the same unit.
    let (old_keys, new_keys) = (run(&commune, &["--lang", "en", "keys"]), run(&laptop, &["--lang", "en", "keys"]));
    let line = |keys: &str, start: &str| keys.lines().find(|l| l.starts_with(start)).map(str::to_string);
    for start in ["Installation:", "Unit:", "Key fingerprint:"] {
        assert!(line(&new_keys, start).is_some() && line(&new_keys, start) == line(&old_keys, start), "{start}\n{old_keys}\n{new_keys}");
    }
    run(&laptop, &["check"]);
    user.assert_untouched();
}

/// A new laptop's first run: «Khôi phục từ bản sao lưu» → the file on the stick → a wrong passphrase is
/// refused beside its field → «Quên mật khẩu? Dùng mã khôi phục» → what the backup holds → confirmed →
/// a new passphrase twice → the app on the restored unit.
fn new_laptop(s: &Session, recovery_code: &str) -> Result<(), String> {
    s.wait("#setup-name", LONG)?;
    s.click("#restore-pick")?;
    s.wait("#restore-secret #restore-passphrase", LONG)?;
    s.type_text("#restore-passphrase", "không phải mật khẩu\u{E007}")?;
    let said = s.wait_until(
        "const e = document.querySelector('#restore-secret .field-error'); return e ? e.textContent : null",
        LONG,
    )?;
    if !said.as_str().unwrap_or_default().contains("Mật khẩu không đúng") {
        return Err(format!("a wrong passphrase was answered {said}"));
    }
    if s.execute("return document.querySelector('#restore-what') !== null", json!([]))? != json!(false) {
        return Err("a wrong passphrase showed what the backup holds".into());
    }
    s.click("#restore-use-code")?;
    // As written on paper: lower case, spaces for dashes.
    s.type_text("#restore-code", &recovery_code.to_lowercase().replace('-', " "))?;
    s.click("#restore-open")?;
    let what = s.wait_until("const e = document.querySelector('#restore-what'); return e ? e.textContent : null", LONG)
        .map_err(|e| format!("{e}; the page shows: {}", sotay_tests::driver::shown_errors(s)))?;
    if !what.as_str().unwrap_or_default().contains("Đoàn xã Đông Hưng") {
        return Err(format!("before restoring the page says {what}"));
    }
    s.click("#restore-confirm")?;
    // Opened with the code: the forgotten passphrase is replaced now.
    s.wait("#vault-steps #vault-reset-passphrase", LONG)?;
    s.type_text("#vault-reset-passphrase", sotay_tests::support::PASSPHRASE)?;
    s.type_text("#vault-reset-repeat", sotay_tests::support::PASSPHRASE)?;
    s.screenshot(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts").join("restore-new-passphrase.png"))?;
    s.click("#vault-reset-submit")?;
    s.wait_until(
        "return !document.querySelector('#vault-steps') && !document.body.classList.contains('no-unit')
                && location.hash === '#/dashboard' ? true : null",
        LONG,
    )
    .map_err(|e| format!("{e}; the page shows: {}", sotay_tests::driver::shown_errors(s)))?;
    s.wait_until("return document.querySelector('#unit-name').textContent === 'Đoàn xã Đông Hưng' ? true : null", LONG)?;
    Ok(())
}

fn log(s: &Session, title: &str) -> Result<(), String> {
    let today = s.execute(
        "const d = new Date(Date.now() + 7 * 3600 * 1000); const p = (n) => String(n).padStart(2, '0');
         return p(d.getUTCDate()) + '/' + p(d.getUTCMonth() + 1) + '/' + d.getUTCFullYear()",
        json!([]),
    )?;
    s.click("#log-event")?;
    s.wait("#quick-log", LONG)?;
    s.type_text("#quick-log [name=title]", title)?;
    s.set_value("#quick-log [name=start_at]", &format!("{} 07:30", today.as_str().unwrap_or_default()))?;
    s.set_value("#quick-log [name='participants.members']", "25")?;
    s.click("#quick-save")?;
    s.wait_until("const a = document.querySelector('#quick-status a'); return a ? a.textContent : null", LONG)?;
    Ok(())
}

fn to_sync(s: &Session) -> Result<(), String> {
    s.click("[data-nav=sync]")?;
    s.wait("section[data-view=sync][data-state=ready]", LONG)?;
    Ok(())
}

/// Export onto the stick, the province takes it and answers, the window imports the receipt.
fn stick_trip(s: &Session, province: &Path, usb: &Path) -> Result<(), String> {
    to_sync(s)?;
    s.set_value("#sync-dir", &usb.display().to_string())?;
    let before = files_ending(usb, ".bundle.json").len();
    s.click("#sync-export")?;
    s.wait_until("const r = document.querySelector('#sync-result'); return r && /json/.test(r.textContent)", LONG)?;
    if files_ending(usb, ".bundle.json").len() <= before {
        return Err("the export wrote no bundle".into());
    }
    province_takes(province, usb)?;
    s.click("#sync-preview")?;
    s.wait_until("return document.querySelectorAll('#sync-preview-table tr[data-file]').length > 0", LONG)?;
    s.click("#sync-apply")?;
    s.wait_until("const r = document.querySelector('#sync-result'); return r && !r.hidden && /biên nhận|receipt/i.test(r.textContent) ? true : null", LONG)?;
    Ok(())
}

/// Returns the recovery code the first run showed.
fn life(s: &Session, province: &Path, usb: &Path, province_fp: &str, old_backup: &Path) -> Result<String, String> {
    // First run: create the unit, then straight on to connecting with the province.
    s.wait("#setup-name", LONG)?;
    s.type_text("#setup-name", "Đoàn xã Đông Hưng")?;
    s.set_value("#setup-code", "XA-DH")?;
    s.click("#setup-submit")?;
    let recovery_code = set_first_passphrase(s)?;
    s.wait("section[data-view=connect][data-state=ready]", LONG)?;
    s.click("#connect-pick")?;
    s.click("#connect-read")?;
    s.wait("#connect-files .enrol-file[data-state=ready]", LONG)?;
    let shown = s.text("#connect-files .enrol-file[data-state=ready] .fingerprint-big")?;
    if shown.split_whitespace().collect::<Vec<_>>().join("-") != province_fp {
        return Err(format!("the page shows {shown:?}, the province reads out {province_fp}"));
    }
    s.click("#connect-files .enrol-file[data-state=ready] .enrol-check")?;
    s.click("#connect-files .enrol-confirm")?;
    let own = s.wait_until("const f = document.querySelector('#connect-own-file'); return f ? f.dataset.path : null", LONG)?;
    let own = PathBuf::from(own.as_str().unwrap_or_default());
    if !own.exists() || own.parent() != Some(usb) {
        return Err(format!("the commune's own file is not in the folder: {}", own.display()));
    }
    let out = sotay(province, &["enroll", "import", own.to_str().unwrap_or_default()], None);
    if out.code != 0 {
        return Err(format!("the province did not take the commune's file: {}", out.stderr));
    }

    // A backup onto the stick before the work (the one restored later).
    to_sync(s)?;
    let saved = d_folder(usb, "USB-sao-luu")?;
    s.set_value("#sync-dir", &saved.display().to_string())?;
    s.click("#sync-backup")?;
    let file = s.wait_until("const e = document.querySelector('#sync-backup-file'); return e ? e.dataset.file : null", LONG)?;
    std::fs::copy(file.as_str().unwrap_or_default(), old_backup).map_err(|e| e.to_string())?;

    // Two events, sent up by the stick and receipted: then the laptop "breaks".
    s.click("[data-nav=dashboard]")?;
    s.wait("section[data-view=dashboard][data-state=ready]", LONG)?;
    log(s, "Sinh hoạt chi đoàn thôn Đông")?;
    log(s, "Sinh hoạt chi đoàn thôn Tây")?;
    stick_trip(s, province, usb)?;

    // "Khôi phục": the old backup from the stick; what it holds is shown before anything changes.
    to_sync(s)?;
    s.click("#restore-pick")?;
    let what = s.wait_until("const e = document.querySelector('#restore-what'); return e ? e.textContent : null", LONG)?;
    if !what.as_str().unwrap_or_default().contains("Đoàn xã Đông Hưng") || !what.as_str().unwrap_or_default().contains("0 sự kiện") {
        return Err(format!("before restoring the page says {what}"));
    }
    let shot = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts").join("restore-confirm.png");
    s.screenshot(&shot)?;
    s.click("#restore-confirm")?;
    s.wait("#restore-done", LONG)?;
    s.wait_until("const b = document.querySelector('#sync-restored-hold'); return b && !b.hidden ? true : null", LONG)?;

    // One more event, then the stick twice: the first trip learns where the province stands, the second
    // carries the event.
    s.click("[data-nav=dashboard]")?;
    s.wait("section[data-view=dashboard][data-state=ready]", LONG)?;
    log(s, "Ra quân sau khi khôi phục")?;
    stick_trip(s, province, usb)?;
    s.wait_until("const b = document.querySelector('#sync-restored-hold'); return b && b.hidden ? true : null", LONG)?;
    stick_trip(s, province, usb)?;
    s.wait_until("const e = document.querySelector('#sync-waiting'); return e && e.textContent.trim() === '0' ? true : null", LONG)?;
    Ok(recovery_code)
}

fn d_folder(usb: &Path, name: &str) -> Result<PathBuf, String> {
    let p = usb.with_file_name(name);
    std::fs::create_dir_all(&p).map_err(|e| e.to_string())?;
    Ok(p)
}
