//! The kill suite: `sotay import`, `sotay export`, a receipt's import and the hub's applier, each killed
//! (SIGKILL) at a named point of its work — `SOTAY_TEST_PAUSE_AT=<point>:<n>` makes the process say it
//! got there and wait (core/src/pause.rs) — then run again to the end. Every kill is checked to have
//! landed while the process was still working, and every rerun to end exactly as an uninterrupted run
//! does: the same dump, `sotay check` clean, nothing lost, nothing doubled. The totals are printed and
//! written in docs/benchmarks.md ("Reliability").

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use sotay_tests::network::{applied, commune, enrolled_pair, free_port, ok, province, waiting, HubProcess};
use sotay_tests::support::sotay;

/// Kills per point, and what the reruns found.
#[derive(Default)]
struct Tally {
    kills: BTreeMap<String, u32>,
    lost: usize,
    doubled: usize,
}

impl Tally {
    fn print(&self, what: &str) {
        let total: u32 = self.kills.values().sum();
        let points: Vec<String> = self.kills.iter().map(|(p, n)| format!("{p} ×{n}")).collect();
        eprintln!("kill suite, {what}: {total} kills at {} points ({}); lost {}, doubled {}", self.kills.len(), points.join(", "), self.lost, self.doubled);
    }

    /// Compares a rerun's dump with the uninterrupted run's, record by record: a record of the
    /// uninterrupted run missing (or different) is lost; one it does not have is doubled.
    fn compare(&mut self, got: &[u8], expected: &[u8], what: &str) {
        let lines = |b: &[u8]| -> Vec<String> { String::from_utf8_lossy(b).lines().map(str::to_string).collect() };
        let (got, expected) = (lines(got), lines(expected));
        let (got_set, expected_set): (HashSet<&String>, HashSet<&String>) = (got.iter().collect(), expected.iter().collect());
        let lost = expected.iter().filter(|l| !got_set.contains(l)).count();
        let doubled = got.iter().filter(|l| !expected_set.contains(l)).count();
        self.lost += lost;
        self.doubled += doubled;
        assert!(lost == 0 && doubled == 0 && got == expected, "{what}: {lost} records lost, {doubled} not in the uninterrupted run");
    }
}

/// A `sotay` process started with a pause point.
struct Paused {
    child: Child,
    /// Whether it said it reached the point before ending.
    reached: bool,
}

/// `sotay --db DB ARGS` that will pause at the n-th arrival at `point`, its output piped.
fn pausing(db: &Path, args: &[&str], point: &str, n: u32) -> Child {
    sotay_tests::support::sotay_command()
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("SOTAY_DB")
        .env("SOTAY_TEST_PAUSE_AT", format!("{point}:{n}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sotay starts")
}

/// Starts `sotay --db DB ARGS` that pauses at the n-th arrival at `point`, and waits (at most 120 s)
/// until it says it is there or ends.
fn start_paused(db: &Path, args: &[&str], point: &str, n: u32) -> Paused {
    let mut child = pausing(db, args, point, n);
    let reached = watch_for_pause(&mut child, point, n);
    Paused { child, reached }
}

/// Reads the child's standard error on a thread of its own; true once it says it paused at `point`.
fn watch_for_pause(child: &mut Child, point: &str, n: u32) -> bool {
    let stderr = child.stderr.take().expect("stderr piped");
    let mut stdout = child.stdout.take().expect("stdout piped");
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let (tx, rx) = mpsc::channel();
    let wanted = format!("sotay-paused {point} {n}");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line.trim_start_matches('\r').ends_with(&wanted) {
                let _ = tx.send(true);
            }
        }
        let _ = tx.send(false);
    });
    rx.recv_timeout(Duration::from_secs(120)).unwrap_or(false)
}

/// Kills a paused process: it must still be running (the kill lands mid-work) and die of SIGKILL.
fn kill(p: Paused, tally: &mut Tally, point: &str) {
    let mut child = p.child;
    assert!(p.reached, "{point}: the process never reached the point");
    assert!(child.try_wait().expect("status").is_none(), "{point}: the process had ended before the kill");
    child.kill().expect("kill");
    let status = child.wait().expect("wait");
    assert_eq!(status.signal(), Some(9), "{point}: the process died of something else: {status:?}");
    *tally.kills.entry(point.to_string()).or_default() += 1;
}

fn dump(db: &Path) -> Vec<u8> {
    ok(sotay(db, &["dump"], None)).raw_stdout
}

fn copy(from: &Path, to: &Path) {
    sotay_tests::support::copy_database(from, to);
}

/// The visible bundle files of a folder (an unfinished one is a hidden `.part`).
fn bundles(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.ends_with(".bundle.json") && !name.starts_with('.')
        }).collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// Every `step`-th of 1..=last, and last.
fn spread(last: u32, step: usize) -> Vec<u32> {
    let mut v: Vec<u32> = (1..=last).step_by(step).collect();
    if v.last() != Some(&last) {
        v.push(last);
    }
    v
}

const EVENTS: usize = 600;
/// The commune's changes: its unit, the unit's parent link, ten synthetic units and the events.
const CHANGES: u32 = EVENTS as u32 + 12;

#[test]
fn import_and_export_killed_at_every_named_point_lose_and_double_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (p, a) = enrolled_pair(d, EVENTS);
    let stick = d.join("stick");
    ok(sotay(&a, &["export", "--out", stick.to_str().unwrap(), "--max-changes", "150"], None));
    let files = bundles(&stick);
    assert_eq!(files.len(), 5);
    // Newest first: the first four are held for the gap before them, and applied by the fifth.
    let mut import_args: Vec<String> = vec!["import".into()];
    import_args.extend(files.iter().rev().map(|f| f.display().to_string()));
    let with_receipts = |out: &Path| -> Vec<String> {
        let mut v = import_args.clone();
        v.extend(["--receipt-out".into(), out.display().to_string()]);
        v
    };

    // The uninterrupted run.
    let clean = d.join("clean.db");
    copy(&p, &clean);
    let args = with_receipts(&d.join("receipts-clean"));
    ok(sotay(&clean, &args.iter().map(String::as_str).collect::<Vec<_>>(), None));
    let expected = dump(&clean);
    assert_eq!(String::from_utf8_lossy(&expected).matches("\"kind\":\"event\"").count(), EVENTS);

    // Import: inside the transaction after each change, before its commit, after it, before each held
    // bundle, and while the receipt is written.
    let mut tally = Tally::default();
    let mut points: Vec<(&str, u32)> = spread(CHANGES, 5).into_iter().map(|n| ("import.change", n)).collect();
    points.extend((1..=5).map(|n| ("import.commit", n)));
    points.extend((1..=5).map(|n| ("import.applied", n)));
    points.extend((1..=4).map(|n| ("import.held", n)));
    points.push(("receipt.write", 1));
    let victim = d.join("victim.db");
    for (i, (point, n)) in points.iter().enumerate() {
        copy(&p, &victim);
        let args = with_receipts(&d.join(format!("receipts-{i}")));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        kill(start_paused(&victim, &args, point, *n), &mut tally, point);
        let r = sotay(&victim, &args, None);
        assert_eq!(r.code, 0, "rerun after {point}:{n}: {}", r.stderr);
        ok(sotay(&victim, &["check"], None));
        tally.compare(&dump(&victim), &expected, &format!("import killed at {point}:{n}"));
        let receipts = std::fs::read_dir(d.join(format!("receipts-{i}"))).unwrap().filter_map(|e| e.ok()).filter(|e| !e.file_name().to_string_lossy().starts_with('.')).count();
        assert_eq!(receipts, 1, "one whole receipt after {point}:{n}");
    }
    tally.print("import");
    let import_tally = tally;

    // Export: after each change written, once a file is on the device, once it has its name.
    let mut tally = Tally::default();
    let mut points: Vec<(&str, u32)> = spread(CHANGES, 8).into_iter().map(|n| ("export.change", n)).collect();
    points.extend((1..=5).map(|n| ("export.synced", n)));
    points.extend((1..=5).map(|n| ("export.renamed", n)));
    let commune_before = dump(&a);
    for (i, (point, n)) in points.iter().enumerate() {
        let out = d.join(format!("stick-{i}"));
        let args = ["export", "--out", out.to_str().unwrap(), "--max-changes", "150"];
        kill(start_paused(&a, &args, point, *n), &mut tally, point);
        // Whatever the kill left visible is a whole bundle; the rerun writes the rest.
        ok(sotay(&a, &args, None));
        ok(sotay(&a, &["check"], None));
        assert!(dump(&a) == commune_before, "an export changed the commune's records");
        copy(&p, &victim);
        let mut import = vec!["import".to_string()];
        import.extend(bundles(&out).iter().map(|f| f.display().to_string()));
        let r = sotay(&victim, &import.iter().map(String::as_str).collect::<Vec<_>>(), None);
        assert_eq!(r.code, 0, "a bundle left by the export killed at {point}:{n} was refused: {}", r.stderr);
        ok(sotay(&victim, &["check"], None));
        tally.compare(&dump(&victim), &expected, &format!("export killed at {point}:{n}"));
    }
    tally.print("export");

    // A receipt's import: between its heads, and after the commit.
    let mut receipt_tally = Tally::default();
    let receipt = std::fs::read_dir(d.join("receipts-clean")).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).next().unwrap();
    let commune = d.join("commune-victim.db");
    for (point, n) in [("receipt.ack", 1), ("receipt.applied", 1)] {
        copy(&a, &commune);
        assert!(waiting(&commune) > 0);
        let args = ["import", receipt.to_str().unwrap()];
        kill(start_paused(&commune, &args, point, n), &mut receipt_tally, point);
        ok(sotay(&commune, &args, None));
        ok(sotay(&commune, &["check"], None));
        assert_eq!(waiting(&commune), 0, "the receipt emptied the outbox after {point}:{n}");
        receipt_tally.compare(&dump(&commune), &commune_before, &format!("receipt killed at {point}:{n}"));
    }
    receipt_tally.print("receipt import");
    let total: u32 = [&import_tally, &tally, &receipt_tally].iter().flat_map(|t| t.kills.values()).sum();
    assert!(total >= 180, "{total} kills");
}

#[test]
fn the_hub_killed_at_every_named_point_of_taking_and_applying_loses_and_doubles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let listen = format!("127.0.0.1:{}", free_port());
    let (p, up) = province(d, &format!("https://{listen}"));
    let c = commune(d, "XA-DH", &p, &up);
    ok(sotay(&c, &["seed", "--events", &EVENTS.to_string(), "--batch", "200"], None));
    let (p_base, c_base) = (d.join("p-base.db"), d.join("c-base.db"));
    copy(&p, &p_base);
    copy(&c, &c_base);

    // The uninterrupted run.
    {
        let _hub = HubProcess::start(&p, &listen, &[], &[]);
        ok(sotay(&c, &["sync"], None));
        applied(&p);
    }
    let expected = dump(&p);

    let mut tally = Tally::default();
    let mut points: Vec<(&str, u32)> = spread(CHANGES, 50).into_iter().map(|n| ("import.change", n)).collect();
    points.extend([("inbox.accept", 1), ("import.commit", 1), ("import.applied", 1), ("inbox.applied", 1)]);
    for (point, n) in points {
        copy(&p_base, &p);
        copy(&c_base, &c);
        let mut hub = pausing(&p, &["--lang", "en", "serve", "--listen", &listen], point, n);
        // Wait for it to listen before the commune syncs.
        let mut first = [0u8; 5];
        hub.stdout.as_mut().unwrap().read_exact(&mut first).expect("the hub says it listens");
        let sync = sotay_tests::support::sotay_command()
            .arg("--db")
            .arg(&c)
            .args(["--lang", "en", "sync", "--attempts", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let reached = watch_for_pause(&mut hub, point, n);
        kill(Paused { child: hub, reached }, &mut tally, point);
        let mut sync = sync;
        let _ = sync.wait();
        // The hub back up: the commune syncs again, the hub applies what it kept, and ends as it would have.
        let _hub = HubProcess::start(&p, &listen, &[], &[]);
        ok(sotay(&c, &["sync"], None));
        assert_eq!(waiting(&c), 0);
        applied(&p);
        ok(sotay(&p, &["check"], None));
        tally.compare(&dump(&p), &expected, &format!("hub killed at {point}:{n}"));
    }
    tally.print("hub");
    assert!(tally.kills.values().sum::<u32>() >= 15);
}
