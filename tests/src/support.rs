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

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub raw_stdout: Vec<u8>,
}

/// Runs `sotay --db DB ARGS…`, feeding `stdin` if given.
pub fn sotay(db: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::new(bin("sotay"));
    cmd.arg("--db").arg(db).args(args).env_remove("SOTAY_LANG").env_remove("SOTAY_DB");
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("sotay starts");
    if let Some(input) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    let out: Output = child.wait_with_output().expect("sotay runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        raw_stdout: out.stdout,
    }
}

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
