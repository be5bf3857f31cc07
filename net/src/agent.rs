//! The sync agent: push what no receipt covers, apply the receipts, pull what is new from above, answer
//! with receipts. Each step is idempotent (a bundle sent twice is "already applied" at the hub and
//! answered with the same receipt), so an interruption anywhere is mended by running it again: nothing
//! is lost, nothing doubled. `Backoff` spaces the retries.

use std::time::Duration;

use hyper::body::Bytes;
use hyper::StatusCode;
use serde::Serialize;
use sotay_core::sync::files::{PartHeader, PartState};
use sotay_core::sync::{Arrival, ImportStatus};
use sotay_core::Store;

use crate::client::{refusal, HubClient, Timeouts};
use crate::error::NetError;
use crate::proto::{self, PushAnswer, ReceiptAnswer};

/// What one sync did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub pushed_bundles: u64,
    pub pushed_changes: u64,
    pub pulled_bundles: u64,
    pub pulled_changes: u64,
    /// Plans, indicators and practices that came down.
    pub arrived: Vec<Arrival>,
    /// Evidence files sent up (the hub lacked them), and received from above.
    pub files_sent: u64,
    pub files_received: u64,
    /// Files the hub still lacks after this sync (none, unless a file was refused).
    pub files_waiting: u64,
}

/// Sequence numbers per pushed bundle to start with; halved on 413 down to one.
const START_CHANGES: usize = 5_000;
/// Bounds on the loops, far above a year of a commune's work, so that no fault makes one endless.
const MAX_ROUNDS: usize = 10_000;

/// One full sync with the upper unit's hub. `hub_url` overrides (and stores) the enrolled address.
pub fn sync_once(store: &mut Store, timeouts: &Timeouts) -> Result<SyncReport, NetError> {
    let result = run(store, timeouts);
    match &result {
        Ok(r) => store.note_network("net_ok", &serde_json::to_value(r).unwrap_or_default())?,
        Err(e) => store.note_network(
            "net_error",
            &serde_json::json!({"code": e.code(), "vi": e.message(sotay_core::Lang::Vi), "en": e.message(sotay_core::Lang::En)}),
        )?,
    }
    result
}

/// The push half of a sync: every bundle no receipt covers, with the receipts the hub answers. (The
/// tests of the national hub drive its processes this way while its downward half is being built.)
pub fn push_once(store: &mut Store, timeouts: &Timeouts) -> Result<SyncReport, NetError> {
    let (mut client, hub) = connect(store, timeouts)?;
    let mut report = SyncReport::default();
    push_all(store, &mut client, &hub, &mut report)?;
    Ok(report)
}

/// Connects to the enrolled upper hub and checks it is that installation: its address first, then its
/// other addresses (the processes of a national hub) in turn while none answers.
fn connect(store: &Store, timeouts: &Timeouts) -> Result<(HubClient, String), NetError> {
    let hub = store.upper_hub()?.ok_or(NetError::NoHub)?;
    let (Some(url), Some(pin)) = (hub.url.clone(), hub.tls_sha256.clone()) else {
        return Err(NetError::NoHub);
    };
    let mut unanswered = None;
    for address in std::iter::once(&url).chain(hub.also.iter().filter(|a| **a != url)) {
        match HubClient::connect(address, &pin, timeouts.clone()) {
            Ok(client) if client.hello.hub != hub.installation => {
                return Err(NetError::WrongHub { expected: hub.installation, found: client.hello.hub.clone() })
            }
            Ok(client) => return Ok((client, hub.installation)),
            // Not there, or not now: the next address may answer. A wrong certificate is not tried around.
            Err(e) if e.is_transient() => unanswered = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(unanswered.unwrap_or(NetError::NoHub))
}

fn run(store: &mut Store, timeouts: &Timeouts) -> Result<SyncReport, NetError> {
    let (mut client, hub) = connect(store, timeouts)?;
    let mut report = SyncReport::default();
    push_all(store, &mut client, &hub, &mut report)?;
    // The records first, whatever happens to the files; then the files, each resumable.
    push_files(store, &mut client, &hub, &mut report)?;
    pull_all(store, &mut client, &hub, &mut report)?;
    pull_files(store, &mut client, &mut report)?;
    Ok(report)
}

fn push_all(store: &mut Store, client: &mut HubClient, hub: &str, report: &mut SyncReport) -> Result<(), NetError> {
    let mut max_changes = START_CHANGES;
    let mut stalled = 0;
    for _ in 0..MAX_ROUNDS {
        let Some(bundle) = store.next_bundle(hub, max_changes)? else {
            return Ok(());
        };
        // Keep under the hub's body cap before it has to say so (a proxy in between may have a lower one).
        if client.hello.max_body > 0 && bundle.bytes.len() > client.hello.max_body && max_changes > 1 {
            max_changes = (max_changes / 2).max(1);
            continue;
        }
        let waiting_before = waiting_for(store, hub)?;
        let a = client.post(store, proto::PUSH, Bytes::from(bundle.bytes))?;
        if a.status == StatusCode::PAYLOAD_TOO_LARGE && max_changes > 1 {
            max_changes = (max_changes / 2).max(1);
            continue;
        }
        if a.status != StatusCode::OK {
            return Err(refusal(&a));
        }
        let answer: PushAnswer = serde_json::from_slice(&a.body).map_err(|e| NetError::Protocol(e.to_string()))?;
        let receipt = serde_json::to_vec(&answer.receipt).map_err(|e| NetError::Protocol(e.to_string()))?;
        store.take_push_receipt(&receipt, &bundle.bundle_id)?;
        report.pushed_bundles += 1;
        report.pushed_changes += answer.new_changes;
        // A receipt that covers nothing new twice in a row: the hub is not taking them (held, say).
        if waiting_for(store, hub)? < waiting_before {
            stalled = 0;
        } else {
            stalled += 1;
            if stalled >= 2 {
                return Err(NetError::NoProgress);
            }
        }
    }
    Err(NetError::NoProgress)
}

/// Sequence numbers waiting for the hub's receipt.
fn waiting_for(store: &Store, hub: &str) -> Result<i64, NetError> {
    Ok(store.outbox()?.iter().filter(|w| w.peer == hub).map(|w| w.to - w.from + 1).sum())
}

fn pull_all(store: &mut Store, client: &mut HubClient, hub: &str, report: &mut SyncReport) -> Result<(), NetError> {
    let before = store.origin_heads()?;
    // The same ranges twice in a row: our receipt did not move the hub on, and pulling again would not.
    let mut last_ranges = None;
    for _ in 0..MAX_ROUNDS {
        let a = client.post(store, proto::PULL, Bytes::new())?;
        if a.status == StatusCode::NO_CONTENT {
            break;
        }
        if a.status != StatusCode::OK {
            return Err(refusal(&a));
        }
        let ranges = sotay_core::sync::bundle::peek_header_bytes(&a.body).map(|h| h.ranges);
        if ranges.is_some() && ranges == last_ranges {
            return Err(NetError::NoProgress);
        }
        last_ranges = ranges;
        let r = store.import_bytes("(qua mạng — hub)", &a.body, false)?;
        if let ImportStatus::Held { .. } = r.status {
            // Cannot happen with one hub sending in order; stop rather than pull the same again.
            return Err(NetError::NoProgress);
        }
        report.pulled_bundles += 1;
        report.pulled_changes += r.new_changes;
        let receipt = serde_json::to_vec(&store.receipt_for(hub)?).map_err(|e| NetError::Protocol(e.to_string()))?;
        let a = client.post(store, proto::RECEIPT, Bytes::from(receipt))?;
        if a.status != StatusCode::OK {
            return Err(refusal(&a));
        }
        let _: ReceiptAnswer = serde_json::from_slice(&a.body).map_err(|e| NetError::Protocol(e.to_string()))?;
    }
    report.arrived = store.arrivals_since(&before)?;
    Ok(())
}

/// Sends the files the hub lacks: asks first (by hash), then one file at a time, part by part. A part
/// the hub did not take because it holds more (or less) of the file tells where to go on from, so a
/// transfer cut off resumes where the hub's bytes end. The hub's word that it holds a file takes it
/// out of the outbox.
fn push_files(store: &mut Store, client: &mut HubClient, hub: &str, report: &mut SyncReport) -> Result<(), NetError> {
    let peer = store.peer(hub)?.ok_or(NetError::NoHub)?;
    let queued = store.files_to_send(&peer)?;
    for batch in queued.chunks(1_000) {
        let asked = proto::Hashes { hashes: batch.to_vec() };
        let a = client.post(store, proto::FILES_LACKING, Bytes::from(serde_json::to_vec(&asked).unwrap_or_default()))?;
        if a.status != StatusCode::OK {
            return Err(refusal(&a));
        }
        let lacking: proto::Hashes = serde_json::from_slice(&a.body).map_err(|e| NetError::Protocol(e.to_string()))?;
        let held: Vec<String> = batch.iter().filter(|h| !lacking.hashes.contains(h)).cloned().collect();
        store.files_acknowledged(hub, &held)?;
        for sha in &lacking.hashes {
            if send_file(store, client, sha)? {
                store.files_acknowledged(hub, std::slice::from_ref(sha))?;
                report.files_sent += 1;
            }
        }
    }
    report.files_waiting = store.files_waiting(hub)? as u64;
    Ok(())
}

/// One file up, part by part; true when the hub holds it whole. A file the hub refuses (its bytes are
/// not its hash here: a damaged store) stays in the outbox and is reported by `sotay check`.
fn send_file(store: &Store, client: &mut HubClient, sha: &str) -> Result<bool, NetError> {
    let mut offset = 0u64;
    for _ in 0..MAX_ROUNDS {
        let Some((part, bytes)) = store.file_part(sha, offset)? else { return Ok(false) };
        let a = client.post(store, proto::FILES_PUT, Bytes::from(part.frame(&bytes)))?;
        if a.status == StatusCode::UNPROCESSABLE_ENTITY {
            return Ok(false);
        }
        if a.status != StatusCode::OK {
            return Err(refusal(&a));
        }
        let state: PartState = serde_json::from_slice(&a.body).map_err(|e| NetError::Protocol(e.to_string()))?;
        if state.complete {
            return Ok(true);
        }
        sotay_core::pause::point("sync.file_part_sent");
        offset = state.received;
    }
    Err(NetError::NoProgress)
}

/// Fetches the files that records here refer to and that are not here yet (photos of practices sent
/// down, say), each from where the bytes held so far end.
fn pull_files(store: &mut Store, client: &mut HubClient, report: &mut SyncReport) -> Result<(), NetError> {
    for sha in store.missing_files()? {
        for _ in 0..MAX_ROUNDS {
            let wanted = proto::FileWanted { sha256: sha.clone(), offset: store.part_received(&sha)? };
            let a = client.post(store, proto::FILES_GET, Bytes::from(serde_json::to_vec(&wanted).unwrap_or_default()))?;
            if a.status == StatusCode::NOT_FOUND {
                break; // not at the hub yet either: next time
            }
            if a.status != StatusCode::OK {
                return Err(refusal(&a));
            }
            let Some((part, bytes)) = PartHeader::unframe(&a.body) else {
                return Err(NetError::Protocol("a file part without its header".into()));
            };
            if part.sha256 != sha {
                return Err(NetError::Protocol("the hub sent another file".into()));
            }
            match store.take_file_part(&part, bytes)? {
                Ok(state) if state.complete => {
                    report.files_received += 1;
                    break;
                }
                Ok(_) => {}
                // Damaged on the way: its parts were dropped; it is asked for again next sync.
                Err(_) => break,
            }
        }
    }
    Ok(())
}

/// Exponential backoff with jitter: 1 s, 2 s, 4 s … up to `cap`, each time ×(0.5…1.5) at random, so
/// fifty communes that lost the link together do not come back together.
#[derive(Debug, Clone)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    failures: u32,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Self {
        Backoff { base, cap, failures: 0 }
    }

    pub fn succeeded(&mut self) {
        self.failures = 0;
    }

    /// The wait before the next try after a failure.
    pub fn failed(&mut self) -> Duration {
        let exp = self.base.saturating_mul(1u32 << self.failures.min(16)).min(self.cap);
        self.failures = self.failures.saturating_add(1);
        let mut b = [0u8; 2];
        let r = if getrandom::getrandom(&mut b).is_ok() { u16::from_le_bytes(b) as f64 / 65535.0 } else { 0.5 };
        exp.mul_f64(0.5 + r)
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_its_cap_with_jitter_and_resets() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
        let waits: Vec<Duration> = (0..8).map(|_| b.failed()).collect();
        assert!(waits[0] >= Duration::from_millis(500) && waits[0] <= Duration::from_millis(1500), "{waits:?}");
        assert!(waits[3] >= Duration::from_secs(4) && waits[3] <= Duration::from_secs(12), "{waits:?}");
        assert!(waits.iter().all(|w| *w <= Duration::from_secs(45)), "{waits:?}");
        b.succeeded();
        assert!(b.failed() <= Duration::from_millis(1500));
    }

    #[test]
    fn hub_address_needs_https_and_gets_a_default_port() {
        assert_eq!(crate::client::authority("https://10.0.0.2:8443/").unwrap(), "10.0.0.2:8443");
        assert_eq!(crate::client::authority("https://hub.example.vn").unwrap(), "hub.example.vn:443");
        assert!(crate::client::authority("http://10.0.0.2:8443").is_err());
        assert!(crate::client::authority("https://").is_err());
    }
}
