//! A throwaway PostgreSQL server for the national hub's tests, as the network-namespace tests build their
//! own network: Debian's `postgresql-15` binaries, a cluster made by `initdb` in a temporary folder, a free
//! port on 127.0.0.1, its socket in that folder, no fsync; stopped (fast shutdown) and removed when
//! dropped. As root (CI), the server runs as the `postgres` system user, as initdb requires.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian puts the server's programs (`postgresql-15`; `scripts/setup.sh test` installs it).
const BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct PgCluster {
    dir: tempfile::TempDir,
    child: Option<Child>,
    pub port: u16,
}

fn as_root() -> bool {
    // The effective uid, read from /proc (this crate has no libc).
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(2) == Some("0")))
        .unwrap_or(false)
}

/// `program args…`, as the `postgres` user when this process is root.
fn server_command(program: &str) -> Command {
    let path = Path::new(BIN).join(program);
    if as_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=postgres", "--regid=postgres", "--init-groups"]).arg(path);
        c
    } else {
        Command::new(path)
    }
}

impl PgCluster {
    /// A new cluster, started and accepting connections.
    pub fn start() -> PgCluster {
        assert!(Path::new(BIN).join("initdb").exists(), "PostgreSQL 15 is not installed ({BIN}): run scripts/setup.sh test");
        // Under /tmp: the postgres user must reach it (a folder under /root would not do).
        let dir = tempfile::Builder::new().prefix("sotay-pg").tempdir_in("/tmp").expect("a temporary folder");
        if as_root() {
            let ok = Command::new("chown").args(["postgres:postgres"]).arg(dir.path()).status().map(|s| s.success()).unwrap_or(false);
            assert!(ok, "chown postgres: {}", dir.path().display());
        }
        let data = dir.path().join("data");
        let out = server_command("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
            .output()
            .expect("initdb runs");
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        let port = crate::network::free_port();
        let child = server_command("postgres")
            .arg("-D")
            .arg(&data)
            .args(["-c", "listen_addresses=127.0.0.1", "-p", &port.to_string(), "-k"])
            .arg(dir.path())
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postgres starts");
        let cluster = PgCluster { dir, child: Some(child), port };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(30), "PostgreSQL did not listen on {port} within 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        // Accepting TCP is not yet accepting sessions: wait until a database can be made.
        while !cluster.psql("postgres", "SELECT 1").0 {
            assert!(started.elapsed() < Duration::from_secs(30), "PostgreSQL did not accept sessions within 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        cluster
    }

    /// A new empty database on this server, and its URL.
    pub fn database(&self, name: &str) -> String {
        let (ok, out) = self.psql("postgres", &format!("CREATE DATABASE {name}"));
        assert!(ok, "CREATE DATABASE {name}: {out}");
        self.url(name)
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs SQL with psql: (succeeded, output).
    pub fn psql(&self, database: &str, sql: &str) -> (bool, String) {
        self.psql_as("postgres", database, sql)
    }

    /// Runs SQL with psql as `role` (the cluster trusts local logins).
    pub fn psql_as(&self, role: &str, database: &str, sql: &str) -> (bool, String) {
        let out = Command::new("psql")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", role, "-d", database, "-v", "ON_ERROR_STOP=1", "-Atc", sql])
            .output()
            .expect("psql (postgresql-client)");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text.trim().to_string())
    }

    /// Stops the server (fast shutdown) and starts it again on the same port and data: a restart under a
    /// running hub.
    pub fn restart(&mut self) {
        self.stop();
        self.start_again();
    }

    /// Starts a stopped server again on the same port and data.
    pub fn start_again(&mut self) {
        let data: PathBuf = self.dir.path().join("data");
        let child = server_command("postgres")
            .arg("-D")
            .arg(&data)
            .args(["-c", "listen_addresses=127.0.0.1", "-p", &self.port.to_string(), "-k"])
            .arg(self.dir.path())
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postgres starts again");
        self.child = Some(child);
        let started = Instant::now();
        while !self.psql("postgres", "SELECT 1").0 {
            assert!(started.elapsed() < Duration::from_secs(30), "PostgreSQL did not come back within 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Fast shutdown (SIGINT), waiting for the server to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
            let started = Instant::now();
            while child.try_wait().ok().flatten().is_none() {
                if started.elapsed() > Duration::from_secs(20) {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `sotay serve --store URL` (one process of the national hub on PostgreSQL); killed when dropped.
pub struct PgServe {
    pub child: std::process::Child,
    pub url: String,
    /// `http://…/status` when started with `--status`.
    pub status: Option<String>,
}

impl PgServe {
    /// Starts it on `listen` with `extra` arguments and waits until it says it listens.
    pub fn start(database_url: &str, listen: &str, extra: &[&str]) -> PgServe {
        use std::io::BufRead;
        let mut child = crate::support::sotay_command()
            .args(["--lang", "en", "serve", "--listen", listen, "--store", database_url])
            .args(extra)
            .env_remove("SOTAY_PASSPHRASE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("sotay serve starts");
        let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let url = first.strip_prefix("hub listening on ").unwrap_or_else(|| panic!("the hub did not start: {first:?}")).trim().to_string();
        let _fingerprint = lines.next();
        let status = if extra.contains(&"--status") {
            let line = lines.next().and_then(Result::ok).unwrap_or_default();
            Some(line.strip_prefix("status: ").unwrap_or_else(|| panic!("no status address: {line:?}")).trim().to_string())
        } else {
            None
        };
        std::thread::spawn(move || for _ in lines {});
        PgServe { child, url, status }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PgServe {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `GET` of a plain-HTTP URL on this machine (the hub's status endpoint): the body as JSON.
pub fn http_get_json(url: &str) -> serde_json::Value {
    let mut answer = ureq::get(url).call().unwrap_or_else(|e| panic!("{url}: {e}"));
    answer.body_mut().read_json().unwrap_or_else(|e| panic!("{url}: {e}"))
}
