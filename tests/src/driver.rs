//! tauri-driver (and the WebKitWebDriver it starts) on free ports, with a WebDriver session on a
//! window binary: the debug build in the window tests, the installed one in the package test.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::webdriver::{free_port, wait_for_port, Session};

/// Stops tauri-driver, WebKitWebDriver and the app however the test ends: tauri-driver runs in a
/// process group of its own, and the whole group is killed (killing tauri-driver alone leaves
/// WebKitWebDriver behind, holding the test's output open).
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tauri_driver() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let cargo_bin = home.join(".cargo/bin/tauri-driver");
    if cargo_bin.exists() { cargo_bin } else { PathBuf::from("tauri-driver") }
}

const LONG: Duration = Duration::from_secs(30);

/// Starts `application` under tauri-driver with these environment variables (its own HOME and XDG
/// folders, say), and opens a session on it.
pub fn launch(application: &Path, env: &[(&str, PathBuf)]) -> (Driver, Session) {
    let port = free_port();
    let native = free_port();
    let child = Command::new(tauri_driver())
        .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
        .envs(env.iter().map(|(k, v)| (*k, v.as_os_str())))
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .process_group(0)
        .spawn()
        .expect("tauri-driver starts (cargo install tauri-driver --locked --version 2.1.0)");
    let driver = Driver(child);
    assert!(wait_for_port(port, LONG), "tauri-driver did not listen on {port}");
    assert!(wait_for_port(native, LONG), "WebKitWebDriver did not listen on {native}");
    let session = Session::start(port, application).expect("a WebDriver session on the app");
    (driver, session)
}

/// The window binary on `db` with a home and XDG folders of its own beside it (`<db>.profile/`): the
/// webview's storage, caches and Documents stay out of the user's profile. `extra` adds variables.
pub fn launch_on(db: &Path, extra: &[(&str, PathBuf)]) -> (Driver, Session) {
    let profile = db.with_extension("profile");
    let mut env: Vec<(&str, PathBuf)> = Vec::new();
    for (var, sub) in [("HOME", "home"), ("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache")] {
        std::fs::create_dir_all(profile.join(sub)).expect("the test's profile folders");
        env.push((var, profile.join(sub)));
    }
    env.push(("SOTAY_DB", db.to_path_buf()));
    env.extend(extra.iter().cloned());
    launch(&crate::support::bin("sotay-desktop"), &env)
}

/// The lock screen the window starts on (every test database is encrypted under
/// `support::PASSPHRASE`): the passphrase typed, Enter, and the app on screen.
pub fn unlock(s: &Session) -> Result<(), String> {
    unlock_with(s, crate::support::PASSPHRASE)?;
    s.wait_until(
        "const v = document.querySelector('#view section.view');
         return !document.querySelector('#lock-screen') && v && v.dataset.state ? true : null",
        LONG,
    )
    .map(|_| ())
    .map_err(|e| format!("after unlocking: {e}; the page shows: {}", shown_errors(s)))
}

/// Types `passphrase` on the lock screen and presses Enter (the "Mở khóa" button's form); does not wait.
pub fn unlock_with(s: &Session, passphrase: &str) -> Result<(), String> {
    s.wait("#lock-screen #lock-passphrase", LONG)?;
    s.execute("const i = document.querySelector('#lock-passphrase'); i.value = ''; i.focus(); return true;", serde_json::json!([]))?;
    s.type_text("#lock-passphrase", &format!("{passphrase}\u{E007}"))
}

/// The first run's passphrase screen (before anything is created): the tests' passphrase twice, then
/// the recovery code screen — the box ticked, "Tiếp tục". Returns the recovery code shown.
pub fn set_first_passphrase(s: &Session) -> Result<String, String> {
    s.wait("#vault-steps #vault-new-passphrase", LONG)?;
    s.type_text("#vault-new-passphrase", crate::support::PASSPHRASE)?;
    s.type_text("#vault-new-repeat", crate::support::PASSPHRASE)?;
    s.screenshot(&artifact("first-run-passphrase.png"))?;
    s.click("#vault-new-submit")?;
    recovery_code_noted(s)
}

fn artifact(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts").join(name)
}

/// The recovery code screen: the code read, the box ticked, "Tiếp tục"; returns the code.
pub fn recovery_code_noted(s: &Session) -> Result<String, String> {
    let code = s
        .wait_until("const c = document.querySelector('#vault-steps #recovery-code'); return c ? c.textContent : null", LONG)
        .map_err(|e| format!("{e}; the page shows: {}", shown_errors(s)))?;
    let code = code.as_str().unwrap_or_default().to_string();
    s.screenshot(&artifact("recovery-code.png"))?;
    // "Tiếp tục" waits for the tick.
    if s.execute("return document.querySelector('#recovery-continue').disabled", serde_json::json!([]))? != serde_json::json!(true) {
        return Err("«Tiếp tục» is enabled before «Tôi đã ghi lại mã khôi phục» is ticked".into());
    }
    s.click("#recovery-noted")?;
    s.click("#recovery-continue")?;
    s.wait_until("return document.querySelector('#vault-steps') ? null : true", LONG)?;
    Ok(code)
}

/// The error messages on the page (banners and field errors), to say why a step did not go on.
pub fn shown_errors(s: &Session) -> String {
    s.execute(
        "return Array.from(document.querySelectorAll('.banner.error, .field-error')).map(e => e.textContent).join(' | ')",
        serde_json::json!([]),
    )
    .map(|v| v.as_str().unwrap_or_default().to_string())
    .unwrap_or_else(|e| e)
}

/// Calls a command as the page would, and returns `{ok}` or `{err}`.
pub fn try_invoke(s: &Session, cmd: &str, args: serde_json::Value) -> Result<serde_json::Value, String> {
    s.execute(
        "window.__try = null;
         window.__TAURI__.core.invoke(arguments[0], arguments[1]).then(r => { window.__try = { ok: r ?? true }; }, e => { window.__try = { err: e }; });
         return true;",
        serde_json::json!([cmd, args]),
    )?;
    s.wait_until("return window.__try", LONG)
}
