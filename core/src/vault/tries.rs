//! Wrong tries at a passphrase or recovery code, counted in a small file beside the database
//! (`sotay.db.key.tries`), so that closing the window does not reset them. The first three tries are
//! free; after that each must wait twice as long as the one before (2 s, 4 s, … 5 minutes at most).
//! Argon2id's cost is what stops a guesser who has copied the files; this stops one at the keyboard.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, VaultProblem};

const FREE_TRIES: u32 = 3;
const MAX_WAIT_SECONDS: i64 = 300;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Tries {
    failures: u32,
    last_failure: i64,
}

pub(crate) fn path(db: &Path) -> PathBuf {
    super::sibling(db, ".key.tries")
}

fn read(path: &Path) -> Tries {
    std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

fn wait_after(failures: u32) -> i64 {
    if failures < FREE_TRIES {
        return 0;
    }
    (1i64 << (failures - FREE_TRIES + 1).min(16)).min(MAX_WAIT_SECONDS)
}

fn now() -> i64 {
    crate::clock::now_utc().timestamp()
}

/// Refuses a try that comes before the wait after the last wrong one is over.
pub(crate) fn before_try(path: &Path) -> Result<()> {
    let t = read(path);
    let left = t.last_failure + wait_after(t.failures) - now();
    if left > 0 {
        return Err(Error::Vault(VaultProblem::TryLater { seconds: left }));
    }
    Ok(())
}

/// Counts a wrong try; returns how long the next must wait.
pub(crate) fn failed(path: &Path) -> i64 {
    let mut t = read(path);
    t.failures = t.failures.saturating_add(1);
    t.last_failure = now();
    if let Ok(bytes) = serde_json::to_vec(&t) {
        let _ = crate::files::write_whole(path, &bytes);
    }
    wait_after(t.failures)
}

pub(crate) fn succeeded(path: &Path) {
    let _ = std::fs::remove_file(path);
}

#[cfg(test)]
mod tests {
    #[test]
    fn three_tries_are_free_then_each_wait_doubles_up_to_five_minutes() {
        let waits: Vec<i64> = (0..14).map(super::wait_after).collect();
        assert_eq!(&waits[..7], &[0, 0, 0, 2, 4, 8, 16]);
        assert_eq!(*waits.last().unwrap(), 300);
    }
}
