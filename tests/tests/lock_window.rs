//! The lock in the real window (tauri-driver + WebKitWebDriver under Xvfb). The demo data made by the CLI
//! is encrypted under the tests' passphrase; the window starts locked and shows nothing of it; a wrong
//! passphrase is refused in Vietnamese and the data stays closed (a command of the page is refused with
//! `locked`); the right one opens it. The idle lock (3 s here, SOTAY_TEST_IDLE_SECONDS) closes the data
//! with an event's title half typed: the title is saved as the form's draft and hidden; unlocked again,
//! the form is where it was with the title in it. Then "Khóa" in the top bar and "Quên mật khẩu?": the
//! recovery code the CLI showed sets a new passphrase and opens it. Last, «Bảo mật»: the idle minutes
//! (out of 1–240 refused) and a new passphrase (a wrong current one refused), which the CLI then opens with.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sotay_tests::driver::{shown_errors, try_invoke, unlock, unlock_with, Driver};
use sotay_tests::support::{bin, sotay, sotay_with, PASSPHRASE};
use sotay_tests::webdriver::Session;

const LONG: Duration = Duration::from_secs(30);
const IDLE_SECONDS: u64 = 3;
/// The passphrase set on the «Bảo mật» screen at the end (a PIN of six digits will do).
const NEW_PASSPHRASE: &str = "246810";
const TYPED: &str = "Hội trại Tuổi trẻ Đông Hưng — nháp trước khi khóa";

/// The window on `db` with a home and XDG folders of its own (as window.rs launches it), locking itself
/// after IDLE_SECONDS without input.
fn launch(db: &Path) -> (Driver, Session) {
    let profile = db.with_extension("profile");
    let mut env: Vec<(&str, PathBuf)> = Vec::new();
    for (var, sub) in [("HOME", "home"), ("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache")] {
        std::fs::create_dir_all(profile.join(sub)).expect("the test's profile folders");
        env.push((var, profile.join(sub)));
    }
    env.push(("SOTAY_DB", db.to_path_buf()));
    env.push(("SOTAY_TEST_IDLE_SECONDS", PathBuf::from(IDLE_SECONDS.to_string())));
    sotay_tests::driver::launch(&bin("sotay-desktop"), &env)
}

/// A recovery code (five groups of five) in what the CLI printed when it created the data.
fn recovery_code(stderr: &str) -> Option<String> {
    stderr.split_whitespace().find(|w| w.len() == 29 && w.split('-').count() == 5 && w.split('-').all(|g| g.len() == 5)).map(str::to_string)
}


/// An answer cut short for a message (a list of 320 events is no help in one).
fn short(v: &Value) -> String {
    v.to_string().chars().take(200).collect()
}

/// What the page shows as text: <body>'s innerText (what is rendered; nothing under display: none), and
/// the values of the inputs that are drawn.
fn visible_text(s: &Session) -> Result<String, String> {
    let v = s.execute(
        "const drawn = Array.from(document.querySelectorAll('input, textarea, select'))
           .filter(e => e.getClientRects().length > 0).map(e => e.value);
         return document.body.innerText + '\\n' + drawn.join('\\n');",
        json!([]),
    )?;
    Ok(v.as_str().unwrap_or_default().to_string())
}

/// The lock screen is up and nothing of the data can be read: no title, no unit name, the top bar and
/// the view not drawn at all.
fn shows_nothing(s: &Session, secrets: &[String], when: &str) -> Result<(), String> {
    s.wait("#lock-screen #lock-passphrase", LONG).map_err(|e| format!("{when}: no lock screen: {e}"))?;
    let text = visible_text(s)?;
    if !text.contains("Sổ tay đang khóa") || !text.contains("Mật khẩu") || !text.contains("Mở khóa") {
        return Err(format!("{when}: the lock screen says {text:?}"));
    }
    for secret in secrets {
        if text.contains(secret.as_str()) {
            return Err(format!("{when}: the locked window shows «{secret}»:\n{text}"));
        }
    }
    let drawn = s.execute(
        "return ['#topbar', '#view', '#unit-name'].filter(sel => {
           const e = document.querySelector(sel); return e && e.getClientRects().length > 0; })",
        json!([]),
    )?;
    if drawn != json!([]) {
        return Err(format!("{when}: drawn under the lock: {drawn}"));
    }
    let inert = s.execute("return ['#topbar', '#view'].every(sel => document.querySelector(sel).closest('[inert]'))", json!([]))?;
    if inert != json!(true) {
        return Err(format!("{when}: the page under the lock is not inert"));
    }
    Ok(())
}

#[test]
fn the_window_starts_locked_unlocks_locks_when_idle_and_keeps_the_draft() {
    let user = sotay_tests::support::UserFolders::now();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let seeded = sotay(&db, &["seed", "--demo"], None);
    assert_eq!(seeded.code, 0, "{}", seeded.stderr);
    let code = recovery_code(&seeded.stderr).unwrap_or_else(|| panic!("no recovery code shown by the CLI: {}", seeded.stderr));
    // What must never show on the lock screen: an event's title, and the names of the demo's units.
    let events: Value = serde_json::from_str(&sotay(&db, &["list", "events", "--json"], None).stdout).expect("list events --json");
    let units: Value = serde_json::from_str(&sotay(&db, &["list", "units", "--json"], None).stdout).expect("list units --json");
    let mut secrets: Vec<String> = vec![events["rows"][0]["title"].as_str().expect("a demo event").to_string()];
    secrets.extend(units["rows"].as_array().expect("demo units").iter().filter_map(|u| u["name"].as_str().map(str::to_string)));
    assert!(secrets.len() >= 3, "{secrets:?}");

    let (driver, s) = launch(&db);
    let result = lock_in_window(&s, &secrets, &code);
    let _ = s.screenshot(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/lock-last.png"));
    s.end();
    drop(driver);
    result.unwrap();
    user.assert_untouched();
    // The passphrase changed in the window opens the data for the CLI; the old one no longer does.
    let check = sotay_with(&db, &["check"], None, &[("SOTAY_PASSPHRASE", NEW_PASSPHRASE)]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let old = sotay(&db, &["check"], None);
    assert_ne!(old.code, 0, "the old passphrase still opens the data");
}

fn lock_in_window(s: &Session, secrets: &[String], code: &str) -> Result<(), String> {
    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    // Started locked: nothing of the data on screen.
    shows_nothing(s, secrets, "at the start")?;
    s.screenshot(&artifacts.join("lock-screen.png"))?;

    // A wrong passphrase: said beside the field, in Vietnamese; the window stays locked.
    unlock_with(s, "không phải mật khẩu")?;
    let said = s.wait_until(
        "const e = document.querySelector('#lock-screen .field-error'); return e ? e.textContent : null",
        LONG,
    )?;
    if !said.as_str().unwrap_or_default().contains("Mật khẩu không đúng") {
        return Err(format!("a wrong passphrase was answered {said}"));
    }
    shows_nothing(s, secrets, "after a wrong passphrase")?;
    s.screenshot(&artifacts.join("lock-wrong.png"))?;
    // Not only hidden: the data is closed, and a command of the page is refused.
    let refused = try_invoke(s, "list_records", json!({"query": {"kind": "event"}}))?;
    if refused["err"]["code"] != json!("locked") {
        return Err(format!("list_records while locked answered {}", short(&refused)));
    }

    // The right passphrase (Enter): the app.
    unlock(s)?;
    s.wait("section[data-view=dashboard][data-state=ready]", LONG)?;

    // A new event, its title typed, then no key and no click: the window locks itself.
    s.execute("location.hash = '#/events/new'", json!([]))?;
    s.wait("#record-form [name=title]", LONG)?;
    s.type_text("#record-form [name=title]", TYPED)?;
    let typed_at = Instant::now();
    std::thread::sleep(Duration::from_millis(1500));
    if s.execute("return !!document.querySelector('#lock-screen')", json!([]))? != json!(false) {
        return Err(format!("locked {:?} after the last key, before {IDLE_SECONDS} s", typed_at.elapsed()));
    }
    s.wait_until("return document.querySelector('#lock-screen') ? true : null", Duration::from_secs(IDLE_SECONDS + 20))?;
    let after = typed_at.elapsed();
    if after < Duration::from_millis(IDLE_SECONDS * 1000 - 500) {
        return Err(format!("locked {after:?} after the last key, before {IDLE_SECONDS} s"));
    }
    let mut hidden: Vec<String> = secrets.to_vec();
    hidden.push(TYPED.to_string());
    shows_nothing(s, &hidden, "locked when idle")?;
    let title_drawn = s.execute("return document.querySelector('#record-form [name=title]').getClientRects().length", json!([]))?;
    if title_drawn != json!(0) {
        return Err("the typed title is drawn under the lock".into());
    }
    // The data was closed too (vault_lock), after the draft was saved.
    let closed = try_invoke(s, "list_records", json!({"query": {"kind": "event"}}))?;
    if closed["err"]["code"] != json!("locked") {
        return Err(format!("idle-locked, the data is still open: list_records answered {}", short(&closed)));
    }

    // Unlocked: the same form, the title as typed, and its draft kept in the data.
    unlock(s)?;
    let back = s.execute(
        "const i = document.querySelector('#record-form [name=title]');
         return { hash: location.hash, value: i && i.value, drawn: i ? i.getClientRects().length : 0 }",
        json!([]),
    )?;
    if back != json!({"hash": "#/events/new", "value": TYPED, "drawn": 1}) {
        return Err(format!("after unlocking the form is {back}"));
    }
    let draft = try_invoke(s, "draft_load", json!({"key": "form:event:new"}))?;
    if draft["ok"]["values"]["title"] != json!(TYPED) {
        return Err(format!("the draft saved before locking: {draft}"));
    }

    // «Khóa» in the top bar, then «Quên mật khẩu?»: the recovery code and a new passphrase open it.
    s.click("#lock-now")?;
    shows_nothing(s, &hidden, "after «Khóa»")?;
    s.click("#lock-forgot")?;
    s.type_text("#lock-code", "12345")?;
    s.type_text("#lock-new", PASSPHRASE)?;
    s.type_text("#lock-new-repeat", PASSPHRASE)?;
    s.click("#lock-recover-submit")?;
    let said = s.wait_until("const e = document.querySelector('#lock-recover .field-error'); return e ? e.textContent : null", LONG)?;
    if !said.as_str().unwrap_or_default().contains("mã khôi phục gồm 25") {
        return Err(format!("a code too short was answered {said}"));
    }
    s.screenshot(&artifacts.join("lock-recover.png"))?;
    s.execute("document.querySelector('#lock-code').value = ''", json!([]))?;
    s.type_text("#lock-code", &code.to_lowercase())?;
    s.click("#lock-recover-submit")?;
    s.wait_until("return document.querySelector('#lock-screen') ? null : true", LONG)
        .map_err(|e| format!("{e}; the page shows: {}", shown_errors(s)))?;
    let value = s.execute("return document.querySelector('#record-form [name=title]').value", json!([]))?;
    if value != json!(TYPED) {
        return Err(format!("after the recovery code the title reads {value}"));
    }

    // «Bảo mật»: the idle minutes (1–240) and a new passphrase, the current one asked again.
    s.click("#security-open")?;
    s.click("#leave-go")?;
    s.wait("section[data-view=security][data-state=ready]", LONG)?;
    s.set_value("#sec-idle", "0")?;
    s.click("#sec-idle-save")?;
    s.wait("#sec-idle-form .field-error", LONG)?;
    s.set_value("#sec-idle", "15")?;
    s.click("#sec-idle-save")?;
    s.wait_until("return document.querySelector('#sec-idle-form .field-error') ? null : true", LONG)?;
    let settings = try_invoke(s, "vault_settings", json!({}))?;
    if settings["ok"]["idle_minutes"] != json!(15) {
        return Err(format!("the idle minutes saved: {settings}"));
    }
    s.type_text("#sec-current", "không phải mật khẩu")?;
    s.type_text("#sec-new", NEW_PASSPHRASE)?;
    s.type_text("#sec-new-repeat", NEW_PASSPHRASE)?;
    s.click("#sec-change")?;
    let said = s.wait_until("const e = document.querySelector('#sec-change-form .field-error'); return e ? e.textContent : null", LONG)?;
    if !said.as_str().unwrap_or_default().contains("Mật khẩu không đúng") {
        return Err(format!("a wrong current passphrase was answered {said}"));
    }
    s.type_text("#sec-current", PASSPHRASE)?;
    s.click("#sec-change")?;
    s.wait("#sec-changed", LONG).map_err(|e| format!("{e}; the page shows: {}", shown_errors(s)))?;
    s.screenshot(&artifacts.join("security-changed.png"))?;
    Ok(())
}
