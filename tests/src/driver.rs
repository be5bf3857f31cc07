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
