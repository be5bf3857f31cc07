//! The Linux package as an officer gets it. `scripts/package.sh --debug` builds the .deb (scripts/test.sh
//! runs it before the tests); this test installs it with dpkg, runs the installed `sotay`, prints a PDF
//! with it, opens the installed window on its first screen (a screenshot is kept), and removes the
//! package, leaving the officer's data where it was. It needs root (dpkg), as CI has; a `sotay` package
//! installed on the machine before is replaced by the test's and removed with it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

const LONG: Duration = Duration::from_secs(30);

/// The package scripts/package.sh made: the newest .deb of the debug or release bundle folder.
fn deb() -> PathBuf {
    if let Some(p) = std::env::var_os("SOTAY_DEB") {
        return PathBuf::from(p);
    }
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target");
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = ["debug", "release"]
        .iter()
        .flat_map(|p| std::fs::read_dir(target.join(p).join("bundle/deb")).into_iter().flatten().flatten())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .map(|p| (std::fs::metadata(&p).and_then(|m| m.modified()).expect("mtime"), p))
        .collect();
    found.sort();
    found.pop().map(|(_, p)| p).expect("a .deb in target/*/bundle/deb: run scripts/package.sh --debug first")
}

fn run(program: &str, args: &[&str], env: &[(&str, PathBuf)]) -> (i32, String, String) {
    let out = Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_os_str())))
        .env_remove("SOTAY_DB")
        .env_remove("SOTAY_BACKUP_DIR")
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A home and XDG folders of the test's own, as an officer's profile would be.
fn profile(dir: &Path, name: &str) -> Vec<(&'static str, PathBuf)> {
    let base = dir.join(name);
    [("HOME", "home"), ("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache")]
        .into_iter()
        .map(|(var, sub)| {
            std::fs::create_dir_all(base.join(sub)).expect("profile folder");
            (var, base.join(sub))
        })
        .collect()
}

/// Removes the package however the test ends, so that a failed run leaves no Sotay installed.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = Command::new("dpkg").args(["-r", "sotay"]).output();
    }
}

#[test]
fn the_deb_installs_runs_prints_opens_its_first_screen_and_leaves_the_data_when_removed() {
    let user = sotay_tests::support::UserFolders::now();
    let deb = deb();
    let deb_s = deb.to_str().unwrap();
    // Runtime libraries only: a package that asks for -dev packages would drag a compiler onto a laptop.
    let (_, depends, _) = run("dpkg-deb", &["-f", deb_s, "Depends"], &[]);
    assert!(depends.contains("libwebkit2gtk-4.1-0") && !depends.contains("-dev"), "Depends: {depends}");

    let (code, _, err) = run("dpkg", &["-i", deb_s], &[]);
    let _installed = Installed;
    assert_eq!(code, 0, "dpkg -i: {err}");
    let (code, version, _) = run("/usr/bin/sotay", &["--version"], &[]);
    assert_eq!(code, 0);
    assert_eq!(version.trim(), format!("sotay {}", env!("CARGO_PKG_VERSION")));
    let entry = std::fs::read_to_string("/usr/share/applications/Sotay.desktop").expect("a desktop entry");
    assert!(entry.contains("Name=Sổ tay Đoàn") && entry.contains("Exec=sotay-desktop") && entry.contains("Icon=sotay-desktop"), "{entry}");

    // The installed sotay on the officer's default database: the demo, an invitation printed as a PDF.
    let dir = tempfile::tempdir().unwrap();
    let mut officer = profile(dir.path(), "officer");
    officer.push(("SOTAY_PASSPHRASE", PathBuf::from(sotay_tests::support::PASSPHRASE)));
    let (code, _, err) = run("/usr/bin/sotay", &["seed", "--demo"], &officer);
    assert_eq!(code, 0, "seed: {err}");
    let (_, listed, _) = run("/usr/bin/sotay", &["list", "events", "--json"], &officer);
    let rows: Value = serde_json::from_str(&listed).expect("list --json");
    let event = rows["rows"][0]["id"].as_str().expect("a demo event").to_string();
    let pdf = dir.path().join("giay-moi.pdf");
    let (code, _, err) = run("/usr/bin/sotay", &["print", "invitation", "--event", &event, "--out", pdf.to_str().unwrap()], &officer);
    assert_eq!(code, 0, "print: {err}");
    assert_eq!(&std::fs::read(&pdf).unwrap()[..5], b"%PDF-");
    let data = officer[1].1.join("vn.sotay.app/sotay.db");
    assert!(data.exists(), "the default database is in the officer's data folder");

    // A database from a newer Sotay (a laptop updated before this one): refused in words, left as it was.
    let newer = dir.path().join("newer.db");
    sotay_tests::support::copy_database(&data, &newer);
    sotay_tests::support::open_raw(&newer).pragma_update(None, "user_version", 999).unwrap();
    assert!(!String::from_utf8_lossy(&std::fs::read(&newer).unwrap()).contains("Đoàn"), "the officer's data is encrypted");
    let before = std::fs::read(&newer).unwrap();
    let (code, _, err) = run("/usr/bin/sotay", &["--db", newer.to_str().unwrap(), "list", "events"], &officer);
    assert_ne!(code, 0);
    assert!(err.contains("phiên bản Sotay mới hơn") && err.contains("hãy cập nhật Sotay"), "{err}");
    assert_eq!(std::fs::read(&newer).unwrap(), before, "the newer database was changed");

    // The installed window on a new laptop's profile: its first screen, where a unit is created.
    let fresh = profile(dir.path(), "new-laptop");
    let (driver, s) = sotay_tests::driver::launch(Path::new("/usr/bin/sotay-desktop"), &fresh);
    let first = s.wait("#setup-name", LONG);
    let shot = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/package-first-screen.png");
    let saved = s.screenshot(&shot);
    s.end();
    drop(driver);
    first.expect("the installed window opens on its first screen");
    assert!(saved.expect("screenshot") > 10_000);

    // Removed: the programs go, the officer's data stays.
    let (code, _, err) = run("dpkg", &["-r", "sotay"], &[]);
    assert_eq!(code, 0, "dpkg -r: {err}");
    assert!(!Path::new("/usr/bin/sotay").exists() && !Path::new("/usr/bin/sotay-desktop").exists());
    assert!(data.exists(), "removing the package removed the officer's data");
    user.assert_untouched();
}
