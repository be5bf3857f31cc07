//! Helpers for the network tests: a hub as a child process, communes enrolled with it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{bin, sotay, Run};

pub fn ok(r: Run) -> Run {
    assert_eq!(r.code, 0, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    r
}

/// A free TCP port on loopback (bound, read, released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// `sotay serve` running on a database; killed (SIGKILL) when dropped.
pub struct HubProcess {
    pub child: Child,
    pub url: String,
}

impl HubProcess {
    /// Starts `sotay serve --listen LISTEN` (optionally through a wrapper such as `ip netns exec NS`)
    /// and waits until it says it listens. A hub starts unattended, as in production: from a key file
    /// (`sotay key add-file`), with no passphrase in its environment.
    pub fn start(db: &Path, listen: &str, wrapper: &[&str], extra: &[&str]) -> HubProcess {
        let sotay_bin = bin("sotay");
        // Made at each start: a test may have put an older copy of the database (and its key file) back.
        let key_file = PathBuf::from(format!("{}.hub-key", db.display()));
        ok(crate::support::sotay(db, &["key", "add-file", key_file.to_str().expect("utf-8 path")], None));
        let mut cmd = match wrapper.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(&sotay_bin);
                c
            }
            None => Command::new(&sotay_bin),
        };
        cmd.arg("--db").arg(db).arg("--key-file").arg(&key_file).args(["--lang", "en", "serve", "--listen", listen]).args(extra);
        cmd.env_remove("SOTAY_PASSPHRASE").env_remove("SOTAY_DB").stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null());
        let mut child = cmd.spawn().expect("sotay serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let url = first.strip_prefix("hub listening on ").unwrap_or_else(|| panic!("hub did not start: {first:?}")).trim().to_string();
        // Keep reading so the hub never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        HubProcess { child, url }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A province database whose enrolment file names its hub at `url`. Returns (db, enrolment file).
pub fn province(dir: &Path, url: &str) -> (PathBuf, PathBuf) {
    let p = dir.join("province.db");
    ok(sotay(&p, &["init", "--name", "Tỉnh đoàn Hưng Yên", "--code", "TINH-HY", "--level", "province"], None));
    let up = dir.join("province.enrol.json");
    ok(sotay(&p, &["enroll", "export", "--out", up.to_str().unwrap(), "--hub", url], None));
    (p, up)
}

/// A province and a commune enrolled both ways over files (no hub); the commune holds `events` synthetic
/// events (and the ten units `seed` makes for them). Returns (province db, commune db).
pub fn enrolled_pair(dir: &Path, events: usize) -> (PathBuf, PathBuf) {
    let (p, a) = (dir.join("province.db"), dir.join("commune.db"));
    ok(sotay(&p, &["init", "--name", "Tỉnh đoàn", "--code", "TINH", "--level", "province"], None));
    ok(sotay(&a, &["init", "--name", "Đoàn xã Đông Hưng", "--code", "XA-DH"], None));
    let (up, down) = (dir.join("up.json"), dir.join("down.json"));
    ok(sotay(&p, &["enroll", "export", "--out", up.to_str().unwrap()], None));
    ok(sotay(&a, &["enroll", "import", up.to_str().unwrap()], None));
    ok(sotay(&a, &["enroll", "export", "--out", down.to_str().unwrap()], None));
    ok(sotay(&p, &["enroll", "import", down.to_str().unwrap()], None));
    if events > 0 {
        ok(sotay(&a, &["seed", "--events", &events.to_string(), "--batch", "200"], None));
    }
    (p, a)
}

/// A commune enrolled both ways with the province.
pub fn commune(dir: &Path, code: &str, province: &Path, up: &Path) -> PathBuf {
    let c = dir.join(format!("{code}.db"));
    ok(sotay(&c, &["init", "--name", &format!("Đoàn xã {code}"), "--code", code], None));
    ok(sotay(&c, &["enroll", "import", up.to_str().unwrap()], None));
    let down = dir.join(format!("{code}.enrol.json"));
    ok(sotay(&c, &["enroll", "export", "--out", down.to_str().unwrap()], None));
    ok(sotay(province, &["enroll", "import", down.to_str().unwrap()], None));
    c
}

pub fn add_event(db: &Path, title: &str) {
    let e = format!(r#"{{"title": "{title}", "start_at": "2025-08-01T08:00", "participants": {{"members": 20, "non_members": 4}}}}"#);
    ok(sotay(db, &["add", "event", "--json", "-"], Some(&e)));
}

/// The dump's lines, sorted.
pub fn dump_lines(db: &Path) -> Vec<String> {
    let mut v: Vec<String> = ok(sotay(db, &["dump"], None)).stdout.lines().map(str::to_string).collect();
    v.sort();
    v
}

pub fn event_lines(db: &Path) -> Vec<String> {
    dump_lines(db).into_iter().filter(|l| l.contains("\"kind\":\"event\"")).collect()
}

/// Changes waiting for a receipt, from `sotay outbox`.
pub fn waiting(db: &Path) -> i64 {
    let out = ok(sotay(db, &["--lang", "en", "outbox"], None)).stdout;
    out.lines().find_map(|l| l.strip_prefix("Changes waiting for a receipt: ")).and_then(|n| n.trim().parse().ok()).expect("outbox total")
}

/// Waits (at most 60 s) until a hub has applied every bundle it took in over the network.
pub fn applied(hub_db: &Path) {
    let done = wait_until(Duration::from_secs(60), || {
        ok(sotay(hub_db, &["--lang", "en", "outbox"], None)).stdout.contains("waiting to be applied: 0 ")
    });
    assert!(done, "the hub's inbox was not applied within 60 s");
}

/// Waits (bounded) until `cond` holds.
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// A round of a province's own work: two events, an opinion, a plan ("Kế hoạch tuyên truyền đợt N"),
/// an inspection and one more event — only the plan goes down.
pub fn province_work(db: &Path, round: u32) {
    let add = |kind: &str, json: String| ok(sotay(db, &["add", kind, "--json", "-"], Some(&json)));
    for i in 0..2 {
        add("event", format!(r#"{{"title": "Sinh hoạt của tỉnh {round}.{i}", "start_at": "2026-10-0{}T08:00"}}"#, i + 1));
    }
    add("opinion", format!(r#"{{"topic": "Góp ý đợt {round}", "content": "Ý kiến nội bộ", "given_on": "2026-10-02"}}"#));
    add("plan", format!(r#"{{"title": "Kế hoạch tuyên truyền đợt {round}", "start_on": "2026-10-01"}}"#));
    add("inspection", format!(r#"{{"content": "Kiểm tra đợt {round}", "held_on": "2026-10-03"}}"#));
    add("event", format!(r#"{{"title": "Hội nghị của tỉnh {round}", "start_at": "2026-10-04T08:00"}}"#));
}
