//! Helpers shared by the end-to-end tests: finding the built binaries and running `sotay`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A binary built in this workspace's target folder (the test command builds them first).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test> → target/<profile>/<name>
    let dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
    let path = dir.join(name);
    assert!(path.exists(), "{} is missing: `cargo test --workspace` builds it (scripts/test.sh)", path.display());
    path
}

/// The passphrase every test database is encrypted under (each is, as every Sotay database is).
pub const PASSPHRASE: &str = "mật khẩu thử nghiệm";

/// `sotay` as the tests run it: this passphrase, and no settings of the machine's user.
pub fn sotay_command() -> Command {
    let mut cmd = Command::new(bin("sotay"));
    cmd.env("SOTAY_PASSPHRASE", PASSPHRASE)
        .env_remove("SOTAY_LANG")
        .env_remove("SOTAY_DB")
        .env_remove("SOTAY_KEY_FILE")
        .env_remove("SOTAY_PASSPHRASE_FILE")
        .env_remove("SOTAY_NEW_PASSPHRASE")
        .env_remove("SOTAY_RAW_KEY");
    cmd
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub raw_stdout: Vec<u8>,
}

/// Runs `sotay --db DB ARGS…`, feeding `stdin` if given.
pub fn sotay(db: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    sotay_with(db, args, stdin, &[])
}

/// `sotay` with these environment variables set (a shifted clock, say).
pub fn sotay_with(db: &Path, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Run {
    let mut cmd = sotay_command();
    cmd.arg("--db").arg(db).args(args);
    cmd.envs(env.iter().copied());
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("sotay starts");
    if let Some(input) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    // A command that should end but does not (a server started by mistake) fails the test, not CI.
    let read = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut out);
            }
            out
        })
    };
    let stdout = read(child.stdout.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let stderr = read(child.stderr.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>));
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("sotay runs") {
            break Some(status);
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let out = Output {
        status: status.unwrap_or_else(|| panic!("sotay {args:?} still ran after {RUN_LIMIT:?}")),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    };
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        raw_stdout: out.stdout,
    }
}

/// The longest any one `sotay` command of the tests may take (seeding 20,000 events takes seconds).
const RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(600);

/// The first page of a PDF as a PNG at 60 dpi in tests/artifacts/docs/NAME.png, to look at beside the
/// reference images in tests/reference/docs/.
pub fn page_image(pdf: &Path, name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts/docs");
    std::fs::create_dir_all(&dir).expect("artifacts folder");
    let prefix = dir.join(name);
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"])
        .arg(pdf)
        .arg(&prefix)
        .output()
        .expect("pdftoppm (poppler-utils)");
    assert!(out.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&out.stderr));
}

/// The user's own Sotay folders — every file under the real home's data, config and cache folders whose
/// top folder's name has "sotay" in it — as (path, size, modified). A test takes it before and after
/// and shows it left them alone: tests own their folders, never the user's profile.
#[derive(Debug, PartialEq, Eq)]
pub struct UserFolders(Vec<(PathBuf, u64, Option<std::time::SystemTime>)>);

impl UserFolders {
    pub fn now() -> UserFolders {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        let mut files = Vec::new();
        for base in [".local/share", ".config", ".cache"] {
            let Ok(entries) = std::fs::read_dir(home.join(base)) else { continue };
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().to_lowercase().contains("sotay") {
                    walk(&e.path(), &mut files);
                }
            }
        }
        files.sort();
        UserFolders(files)
    }

    pub fn assert_untouched(&self) {
        let after = UserFolders::now();
        assert!(after == *self, "the test changed the user's own Sotay folders:\nbefore {:?}\nafter {:?}", self.0, after.0);
    }
}

fn walk(path: &Path, out: &mut Vec<(PathBuf, u64, Option<std::time::SystemTime>)>) {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return };
    out.push((path.to_path_buf(), if meta.is_dir() { 0 } else { meta.len() }, meta.modified().ok()));
    if meta.is_dir() {
        for e in std::fs::read_dir(path).into_iter().flatten().flatten() {
            walk(&e.path(), out);
        }
    }
}

/// The id in what `sotay add` prints ("đã thêm hoạt động 01a2…: Tiêu đề"): the first word that is a UUID.
pub fn added_id(stdout: &str) -> String {
    stdout
        .split_whitespace()
        .map(|w| w.trim_end_matches(':'))
        .find(|w| w.len() == 36 && w.chars().all(|c| c.is_ascii_hexdigit() || c == '-') && w.matches('-').count() == 4)
        .unwrap_or_else(|| panic!("no record id in: {stdout}"))
        .to_string()
}

/// Copies a database with its key file, as an officer copies the data folder.
pub fn copy_database(from: &Path, to: &Path) {
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", to.display()));
    }
    std::fs::copy(from, to).expect("copy database");
    std::fs::copy(format!("{}.key", from.display()), format!("{}.key", to.display())).expect("copy its key file");
}

/// The database at `db` opened from outside with its raw key (`sotay key raw`), as SQLCipher tools do.
pub fn open_raw(db: &Path) -> rusqlite::Connection {
    let r = sotay(db, &["key", "raw"], None);
    assert_eq!(r.code, 0, "sotay key raw: {}", r.stderr);
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", r.stdout.trim())).expect("key");
    conn
}

/// A PDF of about `kb` KiB that PDF readers accept and that does not compress (noise from `seed`).
pub fn noisy_pdf(path: &Path, kb: usize, seed: u32) {
    let mut b = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    let mut x: u32 = seed.max(1);
    while b.len() < kb * 1024 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b.extend_from_slice(format!("% {x:08x}\n").as_bytes());
    }
    b.extend_from_slice(b"trailer << /Root 1 0 R >>\n%%EOF\n");
    std::fs::write(path, b).expect("the PDF is written");
}
