//! The hub: the upper unit's installation, headless, over HTTPS. It takes a bundle as `sotay import`
//! takes a file and answers with the signed receipt; it hands each enrolled lower installation the
//! downward bundles for its subtree and takes their receipts.
//!
//! Protection, in the order a request meets it: a cap on open connections (more are closed at once), a
//! deadline for the TLS handshake and for the request head (slow or half-open clients are dropped), a
//! body size cap (413), a deadline for the whole request (408), a signature by an enrolled key over a
//! single-use nonce (401/403: unsigned, forged or replayed), a request rate per installation (429), and
//! then the same checks as an imported file (403 with the refusal: out of scope, bad digest…). A bundle
//! that passes is kept in the inbox and answered with the receipt at once; a background applier applies
//! the inbox in order.
//! The store is one SQLite connection behind a mutex: writes are serial anyway, and reads are short.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use sotay_core::sync::{ImportStatus, Role};
use sotay_core::{Error, Lang, Refusal, Store};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

use crate::error::NetError;
use crate::pgstore::hub::{PgHub, PushError, Taken};
use crate::pgstore::PgError;
use crate::proto::{self, ErrorBody, Hello, PushAnswer, ReceiptAnswer};

#[derive(Debug, Clone)]
pub struct HubLimits {
    /// Largest request body; a bundle bigger than this is refused with 413 and the agent sends smaller ones.
    pub max_body: usize,
    /// Requests per second per installation, and the burst allowed above it.
    pub rate_per_sec: f64,
    pub burst: f64,
    pub max_connections: usize,
    pub handshake_timeout: Duration,
    pub header_timeout: Duration,
    pub request_timeout: Duration,
    /// Sequence numbers per downward bundle.
    pub bundle_changes: usize,
    /// Language of refusal messages.
    pub lang: Lang,
    /// Print one line per pushed bundle on stderr: installation, status, changes, milliseconds
    /// (the ingest benchmark reads it).
    pub log_pushes: bool,
}

impl Default for HubLimits {
    fn default() -> Self {
        HubLimits {
            max_body: 16 << 20,
            rate_per_sec: 20.0,
            burst: 60.0,
            max_connections: 256,
            handshake_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            bundle_changes: 5_000,
            lang: Lang::Vi,
            log_pushes: false,
        }
    }
}

/// Nonces handed out and not yet used. Bounded: the oldest are forgotten first (a client whose nonce
/// was forgotten gets 401 `replayed` and asks for a fresh one).
struct Nonces {
    live: HashMap<String, Instant>,
    order: VecDeque<String>,
}

const MAX_NONCES: usize = 100_000;
const NONCE_LIFE: Duration = Duration::from_secs(15 * 60);

impl Nonces {
    fn issue(&mut self) -> String {
        let mut raw = [0u8; 16];
        // getrandom fails only without an OS random source; a nonce from the clock still never repeats here.
        if getrandom::getrandom(&mut raw).is_err() {
            raw = (Instant::now().elapsed().as_nanos() ^ self.order.len() as u128).to_le_bytes();
        }
        let nonce: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        while self.order.len() >= MAX_NONCES {
            if let Some(old) = self.order.pop_front() {
                self.live.remove(&old);
            }
        }
        self.live.insert(nonce.clone(), Instant::now());
        self.order.push_back(nonce.clone());
        nonce
    }

    /// Spends a nonce: true once for each nonce issued in the last 15 minutes.
    fn spend(&mut self, nonce: &str) -> bool {
        match self.live.remove(nonce) {
            Some(at) => at.elapsed() < NONCE_LIFE,
            None => false,
        }
    }
}

/// A token bucket per installation.
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Where the hub keeps its state: a province's SQLite store (one process), or the national hub's
/// PostgreSQL database that several hub processes share (crate::pgstore, docs/national.md).
enum Backend {
    Sqlite(Mutex<Store>),
    Pg(Arc<PgHub>),
}

struct Hub {
    backend: Backend,
    /// Pushes being taken in right now, and when the last one ended: the applier gives way to them.
    taking: AtomicUsize,
    last_push: Mutex<Instant>,
    /// Wakes the applier when a bundle was put in the inbox.
    wake_applier: Mutex<std::sync::mpsc::Sender<()>>,
    installation: String,
    unit_id: String,
    nonces: Mutex<Nonces>,
    rates: Mutex<HashMap<String, Bucket>>,
    limits: HubLimits,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave the store half-written (SQLite transactions), so the
    // poisoned guard is still good to use.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A refusal: status, stable code, message.
struct Refuse(StatusCode, &'static str, String);

impl IntoResponse for Refuse {
    fn into_response(self) -> Response {
        let body = ErrorBody { code: self.1.to_string(), message: self.2 };
        let text = serde_json::to_string(&body).unwrap_or_default();
        (self.0, [("content-type", "application/json")], text).into_response()
    }
}

impl Hub {
    fn refuse_core(&self, e: &Error) -> Refuse {
        let status = match e {
            Error::Refused { .. } | Error::NotOwner { .. } | Error::Invalid { .. } | Error::InvalidRecord { .. } => StatusCode::FORBIDDEN,
            Error::BadJson { .. } => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Refuse(status, e.code(), e.message(self.limits.lang))
    }

    /// The database under a PostgreSQL hub failed: retry later if it is only away (restarting, a lost
    /// connection), else an internal error; either way nothing was kept half-way.
    fn refuse_db(&self, e: &PgError) -> Refuse {
        eprintln!("database: {e}");
        match e {
            PgError::Unavailable(_) => Refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "retry_later",
                self.text("Máy chủ tạm thời bận hoặc đang khởi động lại; dữ liệu vẫn an toàn trên máy, hãy thử lại sau ít phút.", "The hub is busy or restarting; the data is safe on this laptop, try again in a few minutes."),
            ),
            _ => Refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.message(self.limits.lang)),
        }
    }

    fn sqlite(&self) -> Option<&Mutex<Store>> {
        match &self.backend {
            Backend::Sqlite(store) => Some(store),
            Backend::Pg(_) => None,
        }
    }

    fn text(&self, vi: &str, en: &str) -> String {
        if self.limits.lang == Lang::Vi { vi.to_string() } else { en.to_string() }
    }

    fn take_token(&self, who: &str) -> bool {
        let mut rates = lock(&self.rates);
        let now = Instant::now();
        let b = rates.entry(who.to_string()).or_insert(Bucket { tokens: self.limits.burst, at: now });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * self.limits.rate_per_sec).min(self.limits.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Checks the request signature and spends its nonce; returns the installation and the next nonce.
/// The key lookup waits for the store on a blocking thread, never on the async workers.
async fn authenticate(hub: &Arc<Hub>, headers: &HeaderMap, path: &'static str, body: &Bytes) -> Result<(String, String), Refuse> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (Some(who), Some(nonce), Some(signature)) = (get(proto::H_INSTALLATION), get(proto::H_NONCE), get(proto::H_SIGNATURE)) else {
        return Err(Refuse(StatusCode::UNAUTHORIZED, "unsigned", hub.text("Yêu cầu chưa được ký.", "The request is not signed.")));
    };
    let message = proto::signed_message("POST", path, &nonce, body);
    let (known, revoked, valid) = match &hub.backend {
        Backend::Sqlite(_) => {
            let (h, w) = (hub.clone(), who.clone());
            tokio::task::spawn_blocking(move || {
                let Some(store) = h.sqlite() else { return (false, false, false) };
                let store = lock(store);
                (store.peer(&w).ok().flatten().is_some(), store.signed_by_revoked(&w, &message, &signature), store.verify_peer_signature(&w, &message, &signature))
            })
            .await
            .unwrap_or((false, false, false))
        }
        Backend::Pg(pg) => match pg.peer_key(&who).await {
            Ok(Some((key, revoked))) => {
                let valid = sotay_core::sync::keys::verify(&key, &message, &signature);
                (true, revoked && valid, !revoked && valid)
            }
            Ok(None) => (false, false, false),
            Err(e) => return Err(hub.refuse_db(&e)),
        },
    };
    if revoked {
        let msg = hub.text(
            "Khóa của máy này đã bị cấp trên thu hồi (máy bị mất hoặc đã thay); hãy kết nối lại từ máy mới.",
            "This installation's key was revoked by the upper level (a lost or replaced laptop); connect again from the new laptop.",
        );
        return Err(Refuse(StatusCode::FORBIDDEN, "revoked", msg));
    }
    if !known {
        return Err(Refuse(StatusCode::FORBIDDEN, "unknown_installation", hub.text("Máy này chưa được đăng ký với cấp trên.", "This installation is not enrolled here.")));
    }
    if !valid {
        return Err(Refuse(StatusCode::UNAUTHORIZED, "bad_signature", hub.text("Chữ ký của yêu cầu không hợp lệ.", "The request signature is not valid.")));
    }
    if !lock(&hub.nonces).spend(&nonce) {
        return Err(Refuse(StatusCode::UNAUTHORIZED, "replayed", hub.text("Yêu cầu đã dùng hoặc đã hết hạn (phát lại).", "The request was already used or has expired (replay).")));
    }
    if !hub.take_token(&who) {
        return Err(Refuse(StatusCode::TOO_MANY_REQUESTS, "rate_limited", hub.text("Gửi quá nhanh; hãy thử lại sau ít giây.", "Too many requests; try again in a few seconds.")));
    }
    Ok((who, lock(&hub.nonces).issue()))
}

fn with_nonce(mut resp: Response, nonce: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(nonce) {
        resp.headers_mut().insert(proto::H_NEXT_NONCE, v);
    }
    resp
}

fn json<T: serde::Serialize>(value: &T) -> Response {
    let text = serde_json::to_string(value).unwrap_or_default();
    (StatusCode::OK, [("content-type", "application/json")], text).into_response()
}

async fn hello(State(hub): State<Arc<Hub>>) -> Response {
    let nonce = lock(&hub.nonces).issue();
    json(&Hello { hub: hub.installation.clone(), unit_id: hub.unit_id.clone(), nonce, max_body: hub.limits.max_body })
}

/// Runs store work off the async threads.
async fn blocking<T: Send + 'static>(hub: &Arc<Hub>, work: impl FnOnce(&mut Store) -> Result<T, Error> + Send + 'static) -> Result<T, Refuse> {
    let h = hub.clone();
    let run = move || match h.sqlite() {
        Some(store) => Some(work(&mut lock(store))),
        None => None,
    };
    match tokio::task::spawn_blocking(run).await {
        // Only the SQLite hub's handlers come here.
        Ok(None) => Err(Refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error".into())),
        Ok(Some(Ok(v))) => Ok(v),
        Ok(Some(Err(e))) => Err(hub.refuse_core(&e)),
        Err(_) => Err(Refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error".into())),
    }
}

async fn push(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    let (who, next) = match authenticate(&hub, &headers, proto::PUSH, &body).await {
        Ok(x) => x,
        Err(r) => return r.into_response(),
    };
    // The request's signer must be the bundle's sender: an installation sends its own bundles.
    match sotay_core::sync::bundle::peek_header_bytes(&body) {
        Some(h) if h.sender == who => {}
        Some(_) => {
            let msg = hub.text("Gói dữ liệu không phải của máy gửi yêu cầu.", "The bundle was not made by the installation that sends it.");
            return with_nonce(Refuse(StatusCode::FORBIDDEN, "not_sender", msg).into_response(), &next);
        }
        None => {
            let msg = hub.text("Nội dung không phải gói dữ liệu Sotay.", "The body is not a Sotay bundle.");
            return with_nonce(Refuse(StatusCode::BAD_REQUEST, "not_a_bundle", msg).into_response(), &next);
        }
    }
    if let Backend::Pg(pg) = &hub.backend {
        return with_nonce(push_pg(&hub, pg, &who, &body).await, &next);
    }
    let started = Instant::now();
    let log = hub.limits.log_pushes;
    hub.taking.fetch_add(1, Ordering::SeqCst);
    // Checked in full and kept in the inbox; the applier applies it (see sotay_core::sync inbox).
    let result = blocking(&hub, move |store| {
        let report = store.accept_bundle(&format!("(push from {who})"), &body)?;
        let pushed: Vec<String> = report.bundle_id.iter().cloned().collect();
        let receipt = store.receipt_answering(&who, &pushed)?;
        Ok((report, receipt))
    })
    .await;
    *lock(&hub.last_push) = Instant::now();
    hub.taking.fetch_sub(1, Ordering::SeqCst);
    if matches!(&result, Ok((r, _)) if r.status == ImportStatus::Applied) {
        if let Ok(tx) = hub.wake_applier.lock() {
            let _ = tx.send(());
        }
    }
    if log {
        match &result {
            Ok((r, _)) => eprintln!("push {} {:?} {} {:.1}", r.sender.as_deref().unwrap_or("?"), r.status, r.new_changes, started.elapsed().as_secs_f64() * 1e3),
            Err(Refuse(status, code, _)) => eprintln!("push refused {status} {code} {:.1}", started.elapsed().as_secs_f64() * 1e3),
        }
    }
    let resp = match result {
        Ok((report, receipt)) => {
            let (status, missing) = match report.status {
                ImportStatus::Applied => ("applied", Vec::new()),
                ImportStatus::AlreadyApplied => ("already_applied", Vec::new()),
                ImportStatus::Held { missing } => ("held", missing),
                ImportStatus::Receipt { .. } => ("receipt", Vec::new()),
            };
            json(&PushAnswer {
                status: status.into(),
                new_changes: report.new_changes,
                already: report.already,
                missing,
                receipt: serde_json::to_value(&receipt).unwrap_or_default(),
            })
        }
        Err(r) => r.into_response(),
    };
    with_nonce(resp, &next)
}

/// A push into the national hub's PostgreSQL inbox, answered with what is held.
async fn push_pg(hub: &Arc<Hub>, pg: &Arc<PgHub>, who: &str, body: &Bytes) -> Response {
    let started = Instant::now();
    let outcome = pg.accept(&format!("(push from {who})"), body).await;
    if hub.limits.log_pushes {
        // The same line as the SQLite hub's: installation, outcome, new changes, milliseconds.
        let ms = started.elapsed().as_secs_f64() * 1e3;
        match &outcome {
            Ok((_, Taken::Kept { new, .. })) => eprintln!("push {who} Applied {new} {ms:.1}"),
            Ok((_, Taken::AlreadyHeld { .. })) => eprintln!("push {who} AlreadyApplied 0 {ms:.1}"),
            Ok((_, Taken::Missing(_))) => eprintln!("push {who} Held 0 {ms:.1}"),
            Err(e) => eprintln!("push refused {who} {e} {ms:.1}"),
        }
    }
    let (header, taken) = match outcome {
        Ok(x) => x,
        Err(PushError::Refused(e)) => return hub.refuse_core(&e).into_response(),
        Err(PushError::Db(e)) => return hub.refuse_db(&e).into_response(),
    };
    if matches!(taken, Taken::Kept { .. }) {
        if let Ok(tx) = hub.wake_applier.lock() {
            let _ = tx.send(());
        }
    }
    let answers = vec![header.bundle_id.clone()];
    let receipt = match pg.receipt(who, &answers).await {
        Ok(r) => r,
        Err(e) => return hub.refuse_db(&e).into_response(),
    };
    let (status, new_changes, already, missing) = match taken {
        Taken::Kept { new, already } => ("applied", new, already, Vec::new()),
        Taken::AlreadyHeld { changes } => ("already_applied", 0, changes, Vec::new()),
        Taken::Missing(missing) => ("held", 0, 0, missing),
    };
    json(&PushAnswer { status: status.into(), new_changes, already, missing, receipt: serde_json::to_value(&receipt).unwrap_or_default() })
}

async fn pull(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    let (who, next) = match authenticate(&hub, &headers, proto::PULL, &body).await {
        Ok(x) => x,
        Err(r) => return r.into_response(),
    };
    let changes = hub.limits.bundle_changes;
    if let Backend::Pg(pg) = &hub.backend {
        let resp = match pg.next_bundle(&who, changes).await {
            Ok(Some(b)) => (StatusCode::OK, [("content-type", "application/json")], b.bytes).into_response(),
            Ok(None) => StatusCode::NO_CONTENT.into_response(),
            Err(e) => hub.refuse_db(&e).into_response(),
        };
        return with_nonce(resp, &next);
    }
    let result = blocking(&hub, move |store| {
        match store.peer(&who)? {
            Some(p) if p.role == Role::Lower => {}
            _ => return Ok(None),
        }
        store.next_bundle(&who, changes)
    })
    .await;
    let resp = match result {
        Ok(Some(b)) => (StatusCode::OK, [("content-type", "application/json")], b.bytes).into_response(),
        Ok(None) => StatusCode::NO_CONTENT.into_response(),
        Err(r) => r.into_response(),
    };
    with_nonce(resp, &next)
}

async fn receipt(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    let (who, next) = match authenticate(&hub, &headers, proto::RECEIPT, &body).await {
        Ok(x) => x,
        Err(r) => return r.into_response(),
    };
    // Receipts only: anything else posted here is refused before the store is touched.
    if let Backend::Pg(pg) = &hub.backend {
        let resp = match pg.take_receipt(&who, &body).await {
            Ok(origins) => json(&ReceiptAnswer { origins }),
            Err(PushError::Refused(Error::Refused { refusal: Refusal::NotOurFormat, .. })) => {
                Refuse(StatusCode::BAD_REQUEST, "not_a_receipt", hub.text("Nội dung không phải biên nhận.", "The body is not a receipt.")).into_response()
            }
            Err(PushError::Refused(Error::Refused { refusal: Refusal::NotFromSender, .. })) => {
                let msg = hub.text("Biên nhận không phải của máy gửi yêu cầu.", "The receipt was not signed by the installation that sends it.");
                Refuse(StatusCode::FORBIDDEN, "not_sender", msg).into_response()
            }
            Err(PushError::Refused(e)) => hub.refuse_core(&e).into_response(),
            Err(PushError::Db(e)) => hub.refuse_db(&e).into_response(),
        };
        return with_nonce(resp, &next);
    }
    let h = hub.clone();
    let result = tokio::task::spawn_blocking(move || match h.sqlite() {
        Some(store) => lock(store).take_receipt_from(&who, &format!("(receipt from {who})"), &body),
        None => Err(Error::Integrity("no SQLite store".into())),
    })
    .await;
    let resp = match result {
        Ok(Ok(report)) => match report.status {
            ImportStatus::Receipt { origins } => json(&ReceiptAnswer { origins }),
            _ => Refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error".into()).into_response(),
        },
        Ok(Err(Error::Refused { refusal: Refusal::NotOurFormat, .. })) => {
            Refuse(StatusCode::BAD_REQUEST, "not_a_receipt", hub.text("Nội dung không phải biên nhận.", "The body is not a receipt.")).into_response()
        }
        Ok(Err(Error::Refused { refusal: Refusal::NotFromSender, .. })) => {
            let msg = hub.text("Biên nhận không phải của máy gửi yêu cầu.", "The receipt was not signed by the installation that sends it.");
            Refuse(StatusCode::FORBIDDEN, "not_sender", msg).into_response()
        }
        Ok(Err(e)) => hub.refuse_core(&e).into_response(),
        Err(_) => Refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error".into()).into_response(),
    };
    with_nonce(resp, &next)
}

/// Which of the asked files the hub does not hold (at most 10,000 hashes a request).
async fn files_lacking(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    let (_, next) = match authenticate(&hub, &headers, proto::FILES_LACKING, &body).await {
        Ok(x) => x,
        Err(r) => return r.into_response(),
    };
    let resp = match serde_json::from_slice::<proto::Hashes>(&body) {
        Ok(asked) if asked.hashes.len() <= 10_000 => {
            let lacking = match &hub.backend {
                Backend::Pg(pg) => pg.lacking(&asked.hashes).await.map_err(|e| hub.refuse_db(&e)),
                Backend::Sqlite(_) => blocking(&hub, move |store| store.lacking(&asked.hashes)).await,
            };
            match lacking {
                Ok(lacking) => json(&proto::Hashes { hashes: lacking }),
                Err(r) => r.into_response(),
            }
        }
        _ => Refuse(StatusCode::BAD_REQUEST, "bad_request", hub.text("Danh sách tệp không hợp lệ.", "The list of files is not valid.")).into_response(),
    };
    with_nonce(resp, &next)
}

/// One part of a file up: taken if it starts where the held bytes end; the answer says where they end.
/// The last part is kept only when the whole file's bytes are its hash.
async fn files_put(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    let (_, next) = match authenticate(&hub, &headers, proto::FILES_PUT, &body).await {
        Ok(x) => x,
        Err(r) => return r.into_response(),
    };
    let lang = hub.limits.lang;
    let resp = match sotay_core::sync::files::PartHeader::unframe(&body).map(|(h, b)| (h, b.to_vec())) {
        Some((part, bytes)) => {
            let sha = part.sha256.clone();
            let result = match &hub.backend {
                Backend::Pg(pg) => pg.take_file_part(&part, &bytes).await.map_err(|e| hub.refuse_db(&e)),
                Backend::Sqlite(_) => blocking(&hub, move |store| store.take_file_part(&part, &bytes)).await,
            };
            match result {
                Ok(Ok(state)) => json(&state),
                Ok(Err(problem)) => {
                    let e = Error::FileRefused { file: sha, problem };
                    Refuse(StatusCode::UNPROCESSABLE_ENTITY, "file_refused", e.message(lang)).into_response()
                }
                Err(r) => r.into_response(),
            }
        }
        None => Refuse(StatusCode::BAD_REQUEST, "bad_request", hub.text("Phần tệp không hợp lệ.", "The file part is not valid.")).into_response(),
    };
    with_nonce(resp, &next)
}

/// One part of a file down, to an installation a record it is sent refers to it for.
async fn files_get(State(hub): State<Arc<Hub>>, headers: HeaderMap, body: Bytes) -> Response {
    let (who, next) = match authenticate(&hub, &headers, proto::FILES_GET, &body).await {
        Ok(x) => x,
        Err(r) => return r.into_response(),
    };
    let Ok(wanted) = serde_json::from_slice::<proto::FileWanted>(&body) else {
        let r = Refuse(StatusCode::BAD_REQUEST, "bad_request", hub.text("Yêu cầu tệp không hợp lệ.", "The file request is not valid."));
        return with_nonce(r.into_response(), &next);
    };
    let result = match &hub.backend {
        Backend::Pg(pg) => pg.file_part_for(&who, &wanted.sha256, wanted.offset).await.map_err(|e| hub.refuse_db(&e)),
        Backend::Sqlite(_) => files_get_sqlite(&hub, who, wanted).await,
    };
    let resp = match result {
        Ok(Some((part, bytes))) => (StatusCode::OK, [("content-type", "application/octet-stream")], part.frame(&bytes)).into_response(),
        Ok(None) => Refuse(StatusCode::NOT_FOUND, "not_found", hub.text("Máy chủ chưa có tệp này.", "The hub does not hold this file.")).into_response(),
        Err(r) => r.into_response(),
    };
    with_nonce(resp, &next)
}

async fn files_get_sqlite(hub: &Arc<Hub>, who: String, wanted: proto::FileWanted) -> Result<Option<(sotay_core::sync::files::PartHeader, Vec<u8>)>, Refuse> {
    blocking(hub, move |store| {
        let Some(peer) = store.peer(&who)? else { return Ok(None) };
        if !store.file_visible_to(&peer, &wanted.sha256)? {
            return Ok(None);
        }
        store.file_part(&wanted.sha256, wanted.offset)
    })
    .await
}

/// Inbox size above which the applier stops giving way to pushes.
const INBOX_SOFT_CAP: i64 = 200_000;

/// A pause in pushes this long lets the applier take the store (an agent sends its next bundle within
/// a few tens of milliseconds of the last receipt).
const QUIET: Duration = Duration::from_millis(300);

/// Applies the inbox, oldest first, one bundle per turn of the lock; gives way while pushes are coming
/// in (they answer the communes, who may be on a five-minute hotspot), unless the inbox has grown past
/// its soft cap.
fn spawn_applier(hub: Arc<Hub>, wake: std::sync::mpsc::Receiver<()>) {
    if let Backend::Pg(pg) = &hub.backend {
        spawn_pg_applier(pg.clone(), hub.limits.log_pushes, wake);
        return;
    }
    let _ = std::thread::Builder::new().name("sotay-applier".into()).spawn(move || loop {
        let Some(store) = hub.sqlite() else { return };
        let backlog = lock(store).inbox_size().map(|s| s.changes).unwrap_or(0);
        if backlog == 0 {
            match wake.recv_timeout(Duration::from_secs(1)) {
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
                _ => continue,
            }
        }
        let busy = hub.taking.load(Ordering::SeqCst) > 0 || lock(&hub.last_push).elapsed() < QUIET;
        if busy && backlog < INBOX_SOFT_CAP {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        let started = Instant::now();
        let outcome = lock(store).apply_inbox_one();
        match outcome {
            Ok(Some(r)) if hub.limits.log_pushes => {
                eprintln!("applied {} {:?} {} {:.1}", r.sender.as_deref().unwrap_or("?"), r.status, r.new_changes, started.elapsed().as_secs_f64() * 1e3)
            }
            Ok(_) => {}
            Err(e) => {
                eprintln!("inbox: {e}");
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    });
}

/// How often an idle applier looks for bundles that other hub processes took in.
const PG_POLL: Duration = Duration::from_millis(200);

/// The applier of a hub process on PostgreSQL: claims pending bundles one at a time, whichever process
/// took them in (pgstore::hub). Several such appliers, in one process or several, share the inbox.
fn spawn_pg_applier(pg: Arc<PgHub>, log: bool, wake: std::sync::mpsc::Receiver<()>) {
    let worker = format!("pid {}", std::process::id());
    let _ = std::thread::Builder::new().name("sotay-pg-applier".into()).spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        loop {
            let started = Instant::now();
            match rt.block_on(pg.apply_one(&worker)) {
                Ok(Some(applied)) => {
                    if log {
                        eprintln!("applied {} {} {:.1}", applied.bundle_id, applied.new_changes, started.elapsed().as_secs_f64() * 1e3);
                    }
                }
                Ok(None) => {
                    if let Err(std::sync::mpsc::RecvTimeoutError::Disconnected) = wake.recv_timeout(PG_POLL) {
                        return;
                    }
                }
                // The database away (restarting) or a lock met: the bundle stays pending; try again soon.
                Err(e) => {
                    eprintln!("inbox: {e}");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
    });
}

/// Checkpoints the hub's write-ahead log every second on a connection of its own, so that requests never
/// wait for it (the hub's own connection has automatic checkpoints off).
fn spawn_checkpointer(path: std::path::PathBuf, key: sotay_core::vault::DbKey) {
    let _ = std::thread::Builder::new().name("sotay-checkpoint".into()).spawn(move || {
        let Ok(store) = Store::open(&path, &key) else { return };
        loop {
            std::thread::sleep(Duration::from_secs(1));
            if let Err(e) = store.checkpoint() {
                eprintln!("checkpoint: {e}");
            }
        }
    });
}

/// The address of a hub's status endpoint: a loopback address only, so that only the machine's own
/// monitoring reads it.
pub fn status_address(addr: &str) -> Result<SocketAddr, NetError> {
    match addr.parse::<SocketAddr>() {
        Ok(wanted) if wanted.ip().is_loopback() => Ok(wanted),
        _ => Err(NetError::StatusAddress(addr.to_string())),
    }
}

/// A running hub: its address and certificate fingerprint.
pub struct HubServer {
    pub addr: SocketAddr,
    pub tls_sha256: String,
    listener: TcpListener,
    acceptor: TlsAcceptor,
    app: Router,
    limits: HubLimits,
    hub: Arc<Hub>,
}

impl HubServer {
    /// Binds `listen` (e.g. 0.0.0.0:8443; port 0 picks one) with the store's installation as the hub.
    pub async fn bind(mut store: Store, listen: &str, limits: HubLimits) -> Result<HubServer, NetError> {
        let (cert, key) = crate::tls::hub_identity(&mut store)?;
        store.tune_for_server()?;
        // Housekeeping at each start: evidence files no record wants any more, after their grace period.
        store.prune_files(sotay_core::clock::now_utc(), sotay_core::evidence::ORPHAN_GRACE_DAYS)?;
        if let (Some(path), Some(key)) = (store.path().map(std::path::Path::to_path_buf), store.key().cloned()) {
            spawn_checkpointer(path, key);
        }
        let identity = store.identity()?;
        Self::serve(Backend::Sqlite(Mutex::new(store)), identity.installation, identity.unit_id, (cert, key), listen, limits).await
    }

    /// Binds `listen` as one process of the national hub on PostgreSQL (`pg` adopted with
    /// `sotay hub adopt`); any number of processes may serve the same database.
    pub async fn bind_pg(pg: PgHub, listen: &str, limits: HubLimits) -> Result<HubServer, NetError> {
        let tls = pg.tls.clone().ok_or(NetError::Database(PgError::NotAdopted))?;
        let (installation, unit_id) = (pg.origin.clone(), pg.unit_id.clone());
        Self::serve(Backend::Pg(Arc::new(pg)), installation, unit_id, tls, listen, limits).await
    }

    async fn serve(backend: Backend, installation: String, unit_id: String, (cert, key): (Vec<u8>, Vec<u8>), listen: &str, limits: HubLimits) -> Result<HubServer, NetError> {
        let tls_sha256 = crate::tls::fingerprint(&cert);
        let acceptor = TlsAcceptor::from(crate::tls::server_config(cert, key)?);
        let listener = TcpListener::bind(listen).await.map_err(|e| NetError::Core(Error::Io { path: listen.to_string(), source: e }))?;
        let addr = listener.local_addr().map_err(|e| NetError::Core(Error::Io { path: listen.to_string(), source: e }))?;
        let (wake_tx, wake_rx) = std::sync::mpsc::channel();
        let hub = Arc::new(Hub {
            backend,
            taking: AtomicUsize::new(0),
            last_push: Mutex::new(Instant::now()),
            wake_applier: Mutex::new(wake_tx),
            installation,
            unit_id,
            nonces: Mutex::new(Nonces { live: HashMap::new(), order: VecDeque::new() }),
            rates: Mutex::new(HashMap::new()),
            limits: limits.clone(),
        });
        // Whatever a previous run left in the inbox is applied now.
        spawn_applier(hub.clone(), wake_rx);
        let timeout = limits.request_timeout;
        let app = Router::new()
            .route(proto::HELLO, get(hello))
            .route(proto::PUSH, post(push))
            .route(proto::PULL, post(pull))
            .route(proto::RECEIPT, post(receipt))
            .route(proto::FILES_LACKING, post(files_lacking))
            .route(proto::FILES_PUT, post(files_put))
            .route(proto::FILES_GET, post(files_get))
            .layer(DefaultBodyLimit::max(limits.max_body))
            .layer(axum::middleware::from_fn(move |req: axum::extract::Request, next: axum::middleware::Next| async move {
                // The whole request, body included: a client that trickles its body is cut off.
                match tokio::time::timeout(timeout, next.run(req)).await {
                    Ok(resp) => resp,
                    Err(_) => Refuse(StatusCode::REQUEST_TIMEOUT, "timeout", "request timeout".into()).into_response(),
                }
            }))
            .with_state(hub.clone());
        let state = hub;
        Ok(HubServer { addr, tls_sha256, listener, acceptor, app, limits, hub: state })
    }

    /// Answers `GET /status` on `addr` (loopback only, plain HTTP) with the national hub's inbox as JSON:
    /// bundles and changes waiting, the age of the oldest, failures, applied in the last minute — what
    /// monitoring watches (docs/national.md). Returns the bound address.
    pub async fn serve_status(&self, addr: &str) -> Result<SocketAddr, NetError> {
        let Backend::Pg(pg) = &self.hub.backend else {
            return Err(NetError::StatusAddress(format!("{addr} (only a hub on PostgreSQL, --store, has one)")));
        };
        let wanted = status_address(addr)?;
        let listener = TcpListener::bind(wanted).await.map_err(|e| NetError::Core(Error::Io { path: addr.to_string(), source: e }))?;
        let bound = listener.local_addr().map_err(|e| NetError::Core(Error::Io { path: addr.to_string(), source: e }))?;
        let pg = pg.clone();
        let app = Router::new().route(
            "/status",
            get(move || {
                let pg = pg.clone();
                async move {
                    match pg.inbox_status().await {
                        Ok(status) => json(&status),
                        Err(e) => Refuse(StatusCode::SERVICE_UNAVAILABLE, e.code(), e.message(Lang::En)).into_response(),
                    }
                }
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(bound)
    }

    /// Accepts connections until the process ends.
    pub async fn run(self) {
        let slots = Arc::new(Semaphore::new(self.limits.max_connections.clamp(1, Semaphore::MAX_PERMITS)));
        loop {
            let Ok((tcp, _peer)) = self.listener.accept().await else {
                // Out of file descriptors or the like: wait a moment rather than spin.
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            };
            // Over the cap: closed at once, so the hub keeps serving those already connected.
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                drop(tcp);
                continue;
            };
            let _ = tcp.set_nodelay(true);
            let acceptor = self.acceptor.clone();
            let app = self.app.clone();
            let limits = self.limits.clone();
            tokio::spawn(async move {
                let _slot = slot;
                let Ok(Ok(tls)) = tokio::time::timeout(limits.handshake_timeout, acceptor.accept(tcp)).await else {
                    return;
                };
                let service = hyper_util::service::TowerToHyperService::new(app);
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(limits.header_timeout)
                    .serve_connection(TokioIo::new(tls), service);
                // A connection lives at most a few request deadlines, whatever the client does.
                let _ = tokio::time::timeout(limits.request_timeout.saturating_mul(4), conn).await;
            });
        }
    }
}
