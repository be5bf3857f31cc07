//! The sync agent of the window: a thread of its own (never the window's), with its own connection to
//! the database. It syncs with the upper unit's hub when the window opens, whenever something is saved
//! (woken), on "Đồng bộ ngay", and every half minute; after a failure it waits with backoff and jitter.
//! Each change of state is sent to the page as a `sync-agent` event and kept for `sync_status`.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use sotay_core::sync::Arrival;
use sotay_core::{Lang, Store};
use sotay_net::client::Timeouts;
use sotay_net::{Backoff, NetError};

#[derive(Debug, Clone, Default, Serialize)]
pub struct AgentStatus {
    /// An upper unit with a hub address is enrolled.
    pub configured: bool,
    pub hub_url: Option<String>,
    /// None before the first try.
    pub online: Option<bool>,
    pub running: bool,
    /// RFC 3339 of the last sync that went through.
    pub last_success: Option<String>,
    pub last_error: Option<AgentError>,
    /// Seconds until the next try.
    pub next_try_s: u64,
    pub pushed_changes: u64,
    pub pulled_changes: u64,
    /// What came down in the last sync that brought anything.
    pub arrived: Vec<Arrival>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgentError {
    pub code: String,
    pub vi: String,
    pub en: String,
}

impl AgentError {
    fn of(e: &NetError) -> Self {
        AgentError { code: e.code().to_string(), vi: e.message(Lang::Vi), en: e.message(Lang::En) }
    }
}

pub struct Agent {
    wake: Mutex<Sender<()>>,
    pub status: Arc<Mutex<AgentStatus>>,
}

impl Agent {
    /// Asks for a sync now (it runs on the agent's thread).
    pub fn wake(&self) {
        if let Ok(tx) = self.wake.lock() {
            let _ = tx.send(());
        }
    }

    pub fn snapshot(&self) -> AgentStatus {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// An agent with no thread behind it: each wake arrives on the receiver (the shell's tests count them).
    pub fn detached() -> (Agent, mpsc::Receiver<()>) {
        let (tx, rx) = mpsc::channel();
        (Agent { wake: Mutex::new(tx), status: Arc::new(Mutex::new(AgentStatus::default())) }, rx)
    }
}

/// Held by each sync round, and by a restore while it replaces the database file: never both at once.
pub static GATE: Mutex<()> = Mutex::new(());

/// The pause between syncs that went through; `SOTAY_SYNC_INTERVAL` (seconds) overrides it.
fn interval() -> Duration {
    let s = std::env::var("SOTAY_SYNC_INTERVAL").ok().and_then(|v| v.parse::<u64>().ok()).unwrap_or(30);
    Duration::from_secs(s.max(1))
}

/// Starts the agent; `notify` gets every new status (the shell emits it to the page).
/// `key` is the window's unlocked key: while the window is locked there is none, and the agent waits.
pub fn start(db_path: PathBuf, key: Arc<Mutex<Option<sotay_core::vault::DbKey>>>, notify: impl Fn(&AgentStatus) + Send + 'static) -> Agent {
    let (tx, rx) = mpsc::channel::<()>();
    let status = Arc::new(Mutex::new(AgentStatus::default()));
    let shared = status.clone();
    let spawned = std::thread::Builder::new().name("sotay-sync-agent".into()).spawn(move || {
        let mut backoff = Backoff::new(Duration::from_secs(2), Duration::from_secs(300));
        let update = |f: &dyn Fn(&mut AgentStatus)| {
            if let Ok(mut s) = shared.lock() {
                f(&mut s);
                notify(&s);
            }
        };
        loop {
            let unlocked = key.lock().ok().and_then(|k| k.clone());
            let wait = match unlocked {
                Some(k) => round(&db_path, &k, &mut backoff, &update),
                None => interval(),
            };
            update(&|s| s.next_try_s = wait.as_secs());
            match rx.recv_timeout(wait) {
                // Woken: several saves in a row make one sync.
                Ok(()) => while rx.try_recv().is_ok() {},
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    });
    if let Err(e) = spawned {
        eprintln!("sync agent not started: {e}");
    }
    Agent { wake: Mutex::new(tx), status }
}

/// One try; returns how long to wait before the next.
/// Applies a change to the shared status (and tells the page).
type Update<'a> = &'a dyn Fn(&dyn Fn(&mut AgentStatus));

fn round(db_path: &Path, key: &sotay_core::vault::DbKey, backoff: &mut Backoff, update: Update<'_>) -> Duration {
    let _gate = GATE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let Ok(mut store) = Store::open(db_path, key) else {
        return interval();
    };
    let hub = store.upper_hub().ok().flatten();
    let configured = hub.as_ref().is_some_and(|h| h.url.is_some() && h.tls_sha256.is_some());
    let url = hub.and_then(|h| h.url);
    update(&|s| {
        s.configured = configured;
        s.hub_url = url.clone();
    });
    if !configured {
        return interval();
    }
    update(&|s| s.running = true);
    let result = sotay_net::sync_once(&mut store, &Timeouts::default());
    let now = sotay_core::clock::rfc3339(sotay_core::clock::now_utc());
    match result {
        Ok(report) => {
            backoff.succeeded();
            update(&|s| {
                s.running = false;
                s.online = Some(true);
                s.last_success = Some(now.clone());
                s.last_error = None;
                s.pushed_changes = report.pushed_changes;
                s.pulled_changes = report.pulled_changes;
                s.arrived = report.arrived.clone();
            });
            interval()
        }
        Err(e) => {
            let offline = matches!(e, NetError::Offline(_) | NetError::Timeout(_) | NetError::Broken(_));
            let err = AgentError::of(&e);
            update(&|s| {
                s.running = false;
                s.online = Some(!offline);
                s.last_error = Some(err.clone());
                s.arrived = Vec::new();
            });
            if e.is_transient() { backoff.failed() } else { interval().max(Duration::from_secs(60)) }
        }
    }
}
