//! Named points in the long writes (import, export, receipts, the hub's inbox) where the kill tests stop
//! a process, so that each kill lands at a known place of the work rather than at a guessed moment.
//!
//! `SOTAY_TEST_PAUSE_AT=<point>:<n>` makes the n-th arrival at `<point>` print
//! `sotay-paused <point> <n>` on standard error and then wait there until the process is killed. Unset
//! (as for every user), a point costs one look at a value read once per process.
//! The points are listed in docs/bundle-format.md ("Reliability").

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The environment variable the kill tests set.
pub const ENV: &str = "SOTAY_TEST_PAUSE_AT";

struct Target {
    point: String,
    nth: u64,
    seen: AtomicU64,
}

fn target() -> Option<&'static Target> {
    static TARGET: OnceLock<Option<Target>> = OnceLock::new();
    TARGET
        .get_or_init(|| {
            let spec = std::env::var(ENV).ok()?;
            let (point, nth) = spec.rsplit_once(':')?;
            Some(Target { point: point.to_string(), nth: nth.parse().ok()?, seen: AtomicU64::new(0) })
        })
        .as_ref()
}

/// Marks a point of the work; pauses there for good when a kill test asked for it.
pub fn point(name: &str) {
    let Some(t) = target() else { return };
    if t.point != name || t.seen.fetch_add(1, Ordering::SeqCst) + 1 != t.nth {
        return;
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "sotay-paused {name} {}", t.nth);
    let _ = err.flush();
    drop(err);
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}
