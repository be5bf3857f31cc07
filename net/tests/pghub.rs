//! The national hub on PostgreSQL with several hub processes on one database (issue 16): each lower
//! installation pushes to either process; every change is applied exactly once whichever process took
//! it; a process killed in the middle of applying a bundle loses nothing (the other takes its inbox
//! over); PostgreSQL restarted under running hubs gets "retry later" and the hubs recover by themselves.
//! Against a real PostgreSQL 15 the test starts itself, and real hub processes (this test binary run
//! again as `hub_process_for_the_tests_above`, see there).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sotay_core::vault::Secret;
use sotay_core::Store;
use sotay_net::client::Timeouts;
use sotay_net::pgstore::hub::PgHub;
use sotay_net::pgstore::PgStore;
use sotay_net::{HubLimits, HubServer};
use sotay_tests::network::{commune, free_port, ok, province, wait_until};
use sotay_tests::postgres::PgCluster;
use sotay_tests::support::sotay;

const CHILD_URL: &str = "SOTAY_TEST_PG_HUB_URL";
const CHILD_LISTEN: &str = "SOTAY_TEST_PG_HUB_LISTEN";

/// Not a test of its own: the hub process the tests above start (this binary again, with the database
/// and the address in its environment). Run without them, as in a plain `cargo test`, it returns.
#[test]
fn hub_process_for_the_tests_above() {
    let (Ok(url), Ok(listen)) = (std::env::var(CHILD_URL), std::env::var(CHILD_LISTEN)) else { return };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    rt.block_on(async {
        let store = PgStore::open(&url).await.expect("the national database opens");
        let hub = PgHub::load(store).await.expect("an adopted hub");
        let server = HubServer::bind_pg(hub, &listen, HubLimits { lang: sotay_core::Lang::En, ..HubLimits::default() }).await.expect("binds");
        println!("hub listening on https://{} pid {}", server.addr, std::process::id());
        server.run().await;
    });
}

/// One hub process on the national database; killed when dropped.
struct PgHubProcess {
    child: Child,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl PgHubProcess {
    fn start(url: &str, listen: &str, pause_at: Option<&str>) -> PgHubProcess {
        let mut cmd = Command::new(std::env::current_exe().expect("this test binary"));
        cmd.args(["--exact", "hub_process_for_the_tests_above", "--nocapture", "--test-threads", "1"])
            .env(CHILD_URL, url)
            .env(CHILD_LISTEN, listen)
            .env_remove(sotay_core::pause::ENV)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(point) = pause_at {
            cmd.env(sotay_core::pause::ENV, point);
        }
        let mut child = cmd.spawn().expect("the hub process starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let started = lines.by_ref().map_while(Result::ok).find(|l| l.contains("hub listening on"));
        assert!(started.is_some(), "the hub process did not start");
        std::thread::spawn(move || for _ in lines {});
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (err_pipe, sink) = (child.stderr.take().expect("stderr"), stderr.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(err_pipe).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        PgHubProcess { child, stderr }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PgHubProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime")
}

/// Opens a test database in this process, from a key file made for it.
fn open(db: &Path) -> Store {
    let key_file = PathBuf::from(format!("{}.test-key", db.display()));
    if !key_file.exists() {
        ok(sotay(db, &["key", "add-file", key_file.to_str().unwrap()], None));
    }
    Store::unlock(db, &Secret::KeyFile(key_file)).expect("the test database opens")
}

/// The national installation (made and enrolled with the ordinary commands), taken over into PostgreSQL.
fn adopt(national: &Path, url: &str) {
    let mut store = open(national);
    sotay_net::tls::hub_identity(&mut store).expect("a TLS identity");
    let seed = store.hub_seed().expect("the hub's state");
    let rt = runtime();
    let pg = rt.block_on(PgStore::open(url)).expect("the national database");
    let adopted = rt.block_on(pg.adopt(&seed)).expect("adopted");
    assert!(adopted.first);
    // Adopting again only brings peers up to date: nothing doubles.
    assert!(!rt.block_on(pg.adopt(&seed)).expect("adopted again").first);
}

fn timeouts() -> Timeouts {
    Timeouts { connect: Duration::from_secs(5), request: Duration::from_secs(60) }
}

/// Pushes everything `db` has for its hub, at `url` (either process of the national hub).
fn push_to(db: &Path, url: &str) -> Result<sotay_net::SyncReport, sotay_net::NetError> {
    let mut store = open(db);
    store.set_hub_url(url).expect("hub address");
    sotay_net::push_once(&mut store, &timeouts())
}

fn count(pg: &PgCluster, sql: &str) -> i64 {
    let (ok, out) = pg.psql("national", sql);
    assert!(ok, "{sql}: {out}");
    out.trim().parse().unwrap_or_else(|_| panic!("{sql}: {out}"))
}

#[test]
fn two_hub_processes_apply_every_change_exactly_once_and_one_killed_mid_apply_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (port_a, port_b) = (free_port(), free_port());
    let (url_a, url_b) = (format!("https://127.0.0.1:{port_a}"), format!("https://127.0.0.1:{port_b}"));
    let (national, up) = province(d, &url_a);
    let lowers: Vec<PathBuf> = (0..4).map(|i| commune(d, &format!("TINH-{i}"), &national, &up)).collect();
    for l in &lowers {
        ok(sotay(l, &["seed", "--events", "6000", "--batch", "3000"], None));
    }
    let pg = PgCluster::start();
    let url = pg.database("national");
    adopt(&national, &url);

    // Process A stops inside its second apply — changes logged and records merged, not committed —
    // and is killed there; process B goes on alone.
    let mut a = PgHubProcess::start(&url, &format!("127.0.0.1:{port_a}"), Some("pg.apply:2"));
    let b = PgHubProcess::start(&url, &format!("127.0.0.1:{port_b}"), None);
    let pushes: Vec<_> = lowers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let (l, hub) = (l.clone(), if i % 2 == 0 { url_a.clone() } else { url_b.clone() });
            std::thread::spawn(move || push_to(&l, &hub))
        })
        .collect();
    let mut pushed_changes = 0;
    for p in pushes {
        let report = p.join().unwrap().expect("every push is taken, by either process");
        pushed_changes += report.pushed_changes;
    }
    assert!(wait_until(Duration::from_secs(60), || a.stderr().contains("sotay-paused pg.apply 2")), "A reached its second apply: {}", a.stderr());
    let open_apply = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sotay-hub' AND state = 'idle in transaction'";
    assert!(count(&pg, open_apply) >= 1, "A holds a bundle in an open transaction");
    a.kill();
    let total: i64 = lowers.iter().map(|l| open(l).hub_seed().unwrap().installation.last_seq).sum();
    assert_eq!(pushed_changes as i64, total, "every change was taken once (the receipts count them)");
    let settled = || count(&pg, "SELECT count(*) FROM inbox WHERE state <> 'applied'") == 0;
    assert!(wait_until(Duration::from_secs(120), settled), "B applied the whole inbox, A's bundle included: {}", b.stderr());

    // Exactly once: every change of every lower in the log once, every event once, as the lowers hold it.
    assert_eq!(count(&pg, "SELECT count(*) FROM change_log WHERE origin <> (SELECT origin FROM installation)"), total);
    assert_eq!(count(&pg, "SELECT count(*) FROM records WHERE kind = 'event' AND complete AND NOT deleted"), 4 * 6000);
    for l in &lowers {
        let store = open(l);
        let seed = store.hub_seed().unwrap();
        let events: Vec<_> = seed.records.iter().filter(|r| r.kind == "event").collect();
        let sample = &events[events.len() / 2];
        let title = sample.body["title"].as_str().unwrap().replace('\'', "''");
        assert_eq!(count(&pg, &format!("SELECT count(*) FROM records WHERE id = '{}' AND body->>'title' = '{title}'", sample.id)), 1);
        let origin = seed.installation.origin;
        assert_eq!(count(&pg, &format!("SELECT max(head) FROM origin_heads WHERE origin = '{origin}'")), seed.installation.last_seq);
    }
    // Every record written whole from its create is what the recompute from its log would make of it.
    let off = runtime().block_on(async { PgHub::load(PgStore::open(&url).await?).await?.records_off_their_log().await }).unwrap();
    assert!(off.is_empty(), "{} records differ from their log, e.g. {:?}", off.len(), off.first());
    // Edits and a deletion — records the hub holds already — are recomputed from the log.
    let edited = &lowers[1];
    let event = |title: &str, members: u32| format!(r#"{{"title": "{title}", "start_at": "2025-08-01T08:00", "participants": {{"members": {members}}}}}"#);
    let events: Vec<String> = (0..4)
        .map(|i| sotay_tests::support::added_id(&ok(sotay(edited, &["add", "event", "--json", "-"], Some(&event(&format!("Buổi {i}"), 20)))).stdout))
        .collect();
    push_to(edited, &url_b).expect("the new events go up");
    for id in &events[..3] {
        ok(sotay(edited, &["edit", "event", id, "--json", "-"], Some(&event("Sửa sau khi gửi", 7))));
    }
    ok(sotay(edited, &["delete", "event", &events[3]], None));
    push_to(edited, &url_b).expect("the edits go up");
    let edits_in = || count(&pg, "SELECT count(*) FROM records WHERE body->>'title' = 'Sửa sau khi gửi'") == 3;
    assert!(wait_until(Duration::from_secs(60), edits_in), "the edits applied: {}", b.stderr());
    assert!(wait_until(Duration::from_secs(60), || count(&pg, &format!("SELECT count(*) FROM records WHERE id = '{}' AND deleted", events[3])) == 1));
    assert_eq!(count(&pg, &format!("SELECT sum(members) FROM records WHERE id IN ('{}', '{}', '{}')", events[0], events[1], events[2])), 21);
    let off = runtime().block_on(async { PgHub::load(PgStore::open(&url).await?).await?.records_off_their_log().await }).unwrap();
    assert!(off.is_empty(), "{} records differ from their log after the edits, e.g. {:?}", off.len(), off.first());
    let total: i64 = lowers.iter().map(|l| open(l).hub_seed().unwrap().installation.last_seq).sum();

    // Both processes applied; the bundle A was killed over was applied by B.
    let appliers = count(&pg, "SELECT count(DISTINCT claimed_by) FROM inbox");
    assert_eq!(appliers, 2, "both processes applied bundles");
    let a_pid = a.child.id();
    assert_eq!(count(&pg, &format!("SELECT count(*) FROM inbox WHERE claimed_by = 'pid {a_pid}'")), 1, "A committed exactly one bundle before it was killed");
    assert!(b.stderr().is_empty() || !b.stderr().contains("panicked"), "{}", b.stderr());

    // Pushing everything again, to the other process this time: nothing new, nothing doubled.
    let _a2 = PgHubProcess::start(&url, &format!("127.0.0.1:{port_a}"), None);
    for (i, l) in lowers.iter().enumerate() {
        let r = push_to(l, if i % 2 == 0 { &url_b } else { &url_a }).expect("a second push");
        assert_eq!(r.pushed_changes, 0);
    }
    assert_eq!(count(&pg, "SELECT count(*) FROM change_log WHERE origin <> (SELECT origin FROM installation)"), total);
}

#[test]
fn postgresql_restarted_under_a_running_hub_answers_retry_later_and_the_hub_recovers_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let hub_url = format!("https://127.0.0.1:{port}");
    let (national, up) = province(d, &hub_url);
    let lowers: Vec<PathBuf> = (0..2).map(|i| commune(d, &format!("TINH-{i}"), &national, &up)).collect();
    for l in &lowers {
        ok(sotay(l, &["seed", "--events", "300", "--batch", "300"], None));
    }
    let mut pg = PgCluster::start();
    let url = pg.database("national");
    adopt(&national, &url);
    let hub = PgHubProcess::start(&url, &format!("127.0.0.1:{port}"), None);
    assert!(push_to(&lowers[0], &hub_url).expect("the first push").pushed_changes > 0);

    // PostgreSQL goes away under the running hub: the push is answered "retry later", and the lower
    // installation keeps everything in its outbox.
    pg.stop();
    let waiting_before = open(&lowers[1]).outbox().unwrap().len();
    match push_to(&lowers[1], &hub_url) {
        Err(sotay_net::NetError::Refused { status: 503, code, message }) => {
            assert_eq!(code, "retry_later");
            assert!(message.contains("try again"), "{message}");
        }
        other => panic!("expected retry later, got {other:?}"),
    }
    assert!(waiting_before > 0);
    assert_eq!(open(&lowers[1]).outbox().unwrap().len(), waiting_before, "nothing left the outbox");
    assert!(sotay_net::NetError::Refused { status: 503, code: String::new(), message: String::new() }.is_transient(), "the agent retries it");

    // Back: the same hub process, not restarted, takes the push and applies it.
    pg.start_again();
    let report = push_to(&lowers[1], &hub_url).expect("the push after the restart");
    assert!(report.pushed_changes > 0);
    assert!(open(&lowers[1]).outbox().unwrap().is_empty());
    let total: i64 = lowers.iter().map(|l| open(l).hub_seed().unwrap().installation.last_seq).sum();
    let applied = || count(&pg, "SELECT count(*) FROM change_log WHERE origin <> (SELECT origin FROM installation)") == total;
    assert!(wait_until(Duration::from_secs(60), applied), "the hub's applier recovered by itself: {}", hub.stderr());
    assert_eq!(count(&pg, "SELECT count(*) FROM records WHERE kind = 'event' AND complete"), 600);
}
