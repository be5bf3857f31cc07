//! The hub and the agent in one process, on loopback: what a good link does, and everything a bad
//! client or a broken link throws at the hub. Every loop and wait here is bounded.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::body::Bytes;
use serde_json::json;
use sotay_core::sync::HubAddress;
use sotay_core::{Kind, Store};
use sotay_net::client::{HubClient, Timeouts};
use sotay_net::{proto, sync_once, HubLimits, HubServer, NetError};

/// Each test database is encrypted, as every Sotay database is, under one test passphrase.
fn open(p: &Path) -> Store {
    const PASS: &str = "mật khẩu thử nghiệm";
    match sotay_core::vault::state(p) {
        sotay_core::vault::State::Missing => Store::create_encrypted(p, PASS).expect("create store").0,
        _ => Store::unlock(p, &sotay_core::vault::Secret::passphrase(PASS)).expect("open store"),
    }
}

/// A province with a hub identity, and the pin its enrolment carries.
fn province(dir: &Path) -> (PathBuf, String) {
    let path = dir.join("province.db");
    let mut s = open(&path);
    s.init(&json!({"name": "Tỉnh Đoàn Hưng Yên", "code": "TINH-HY", "level": "province"})).unwrap();
    let (cert, _) = sotay_net::tls::hub_identity(&mut s).unwrap();
    (path, sotay_net::tls::fingerprint(&cert))
}

/// A commune enrolled both ways with the province, pinned to its hub.
fn commune(dir: &Path, code: &str, province: &Path, pin: &str) -> PathBuf {
    let path = dir.join(format!("{code}.db"));
    let mut c = open(&path);
    c.init(&json!({"name": format!("Đoàn xã {code}"), "code": code, "level": "grassroots"})).unwrap();
    let mut p = open(province);
    let down = p.enrolment_with_hub(Some(HubAddress { url: "https://127.0.0.1:9".into(), tls_sha256: pin.into(), also: Vec::new() })).unwrap();
    c.enroll(&down).unwrap();
    p.enroll(&c.enrolment().unwrap()).unwrap();
    path
}

fn start_hub(db: &Path, limits: HubLimits) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    let db = db.to_path_buf();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let server = HubServer::bind(open(&db), "127.0.0.1:0", limits).await.unwrap();
            tx.send(server.addr).unwrap();
            server.run().await;
        });
    });
    rx.recv_timeout(Duration::from_secs(10)).expect("hub starts")
}

fn point(commune: &Path, addr: SocketAddr) {
    open(commune).set_hub_url(&format!("https://{addr}")).unwrap();
}

fn add_events(db: &Path, n: usize, tag: &str) {
    let mut s = open(db);
    for i in 0..n {
        s.create(Kind::Event, &json!({"title": format!("Tuyên truyền pháp luật {tag} số {i}"), "start_at": "2025-08-01T08:00",
            "participants": {"members": 20, "non_members": 5}}))
            .unwrap();
    }
}

fn dump(db: &Path) -> Vec<String> {
    let mut out = Vec::new();
    open(db).dump(&mut out).unwrap();
    String::from_utf8(out).unwrap().lines().map(str::to_string).collect()
}

fn events(db: &Path) -> Vec<String> {
    dump(db).into_iter().filter(|l| l.contains("\"kind\":\"event\"")).collect()
}

fn waiting(db: &Path) -> i64 {
    open(db).outbox().unwrap().iter().map(|w| w.to - w.from + 1).sum()
}

/// Waits (at most 60 s) until the hub's applier has applied its inbox.
fn drained(db: &Path) {
    let start = Instant::now();
    while open(db).inbox_size().unwrap().bundles > 0 {
        assert!(start.elapsed() < Duration::from_secs(60), "the inbox was not applied");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn quick() -> Timeouts {
    Timeouts { connect: Duration::from_secs(3), request: Duration::from_secs(20) }
}

fn signed(store: &Store, path: &str, nonce: &str, body: &[u8]) -> Vec<(String, String)> {
    let who = store.identity().unwrap().installation;
    let sig = store.sign_request(&proto::signed_message("POST", path, nonce, body)).unwrap();
    vec![(proto::H_INSTALLATION.into(), who), (proto::H_NONCE.into(), nonce.into()), (proto::H_SIGNATURE.into(), sig)]
}

fn code_of(body: &Bytes) -> String {
    serde_json::from_slice::<proto::ErrorBody>(body).map(|e| e.code).unwrap_or_default()
}

#[test]
fn events_go_up_once_and_a_plan_comes_down() {
    let dir = tempfile::tempdir().unwrap();
    let (p, pin) = province(dir.path());
    let a = commune(dir.path(), "XA-A", &p, &pin);
    add_events(&a, 30, "A");
    let addr = start_hub(&p, HubLimits::default());
    point(&a, addr);

    let r = sync_once(&mut open(&a), &quick()).unwrap();
    assert_eq!(r.pushed_changes, 32, "30 events, the commune's unit and its parent link");
    assert_eq!(waiting(&a), 0);
    drained(&p);
    assert_eq!(events(&p), events(&a));

    // Again: nothing new goes up, nothing is doubled.
    let r = sync_once(&mut open(&a), &quick()).unwrap();
    assert_eq!((r.pushed_bundles, r.pushed_changes, r.pulled_changes), (0, 0, 0));
    assert_eq!(events(&p).len(), 30);

    let plan = open(&p).create(Kind::Plan, &json!({"title": "Kế hoạch tuyên truyền Nghị quyết Đại hội", "start_on": "2026-01-01"})).unwrap();
    let r = sync_once(&mut open(&a), &quick()).unwrap();
    assert_eq!(r.arrived.len(), 1, "{r:?}");
    assert_eq!(r.arrived[0].title, "Kế hoạch tuyên truyền Nghị quyết Đại hội");
    assert!(r.arrived[0].new);
    let id = plan["id"].as_str().unwrap();
    assert_eq!(open(&a).get(Kind::Plan, id).unwrap()["title"], plan["title"]);
    // Read-only below.
    let e = open(&a).update(Kind::Plan, id, &json!({"title": "sửa", "start_on": "2026-01-01"})).unwrap_err();
    assert_eq!(e.code(), "not_owner");
    assert_eq!(waiting(&p), 0, "the commune's receipt emptied the province's outbox for it");
}

#[test]
fn bad_requests_are_refused_nothing_is_stored_and_the_hub_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let (p, pin) = province(dir.path());
    let a = commune(dir.path(), "XA-A", &p, &pin);
    let b = commune(dir.path(), "XA-B", &p, &pin);
    add_events(&a, 5, "A");
    add_events(&b, 5, "B");
    // An installation of another province: a valid key, but not enrolled here.
    let (other_p, other_pin) = province(&dir.path().join("other"));
    std::fs::create_dir_all(dir.path().join("other")).unwrap();
    let stranger = commune(&dir.path().join("other"), "XA-LA", &other_p, &other_pin);
    let before = dump(&p);

    let addr = start_hub(&p, HubLimits { max_body: 64 << 10, ..HubLimits::default() });
    let url = format!("https://{addr}");
    let mut c = HubClient::connect(&url, &pin, quick()).unwrap();
    let (mut sa, mut sb, sx) = (open(&a), open(&b), open(&stranger));
    let upper_b = sb.upper_hub().unwrap().unwrap().installation;
    let bundle_b = sb.next_bundle(&upper_b, 100).unwrap().unwrap().bytes;
    let upper_a = sa.upper_hub().unwrap().unwrap().installation;
    let bundle_a = sa.next_bundle(&upper_a, 100).unwrap().unwrap().bytes;

    // Unsigned garbage.
    let (ans, _) = c.exchange("POST", proto::PUSH, Bytes::from_static(b"\x00\xffnot json"), vec![]).unwrap();
    assert_eq!((ans.status.as_u16(), code_of(&ans.body).as_str()), (401, "unsigned"));
    // Not enrolled here.
    let n = c.nonce().unwrap();
    let (ans, _) = c.exchange("POST", proto::PUSH, Bytes::from(bundle_a.clone()), signed(&sx, proto::PUSH, &n, &bundle_a)).unwrap();
    assert_eq!((ans.status.as_u16(), code_of(&ans.body).as_str()), (403, "unknown_installation"));
    // Forged: A's name, the stranger's signature.
    let mut forged = signed(&sx, proto::PUSH, &n, &bundle_a);
    forged[0].1 = sa.identity().unwrap().installation;
    let (ans, _) = c.exchange("POST", proto::PUSH, Bytes::from(bundle_a.clone()), forged).unwrap();
    assert_eq!((ans.status.as_u16(), code_of(&ans.body).as_str()), (401, "bad_signature"));
    // Signed by A, but B's bundle.
    let (ans, next) = c.exchange("POST", proto::PUSH, Bytes::from(bundle_b.clone()), signed(&sa, proto::PUSH, &n, &bundle_b)).unwrap();
    assert_eq!((ans.status.as_u16(), code_of(&ans.body).as_str()), (403, "not_sender"));
    // Garbage, signed.
    let n = next.unwrap();
    let junk = b"{\"format\":\"sotay-bundle\"".to_vec();
    let (ans, next) = c.exchange("POST", proto::PUSH, Bytes::from(junk.clone()), signed(&sa, proto::PUSH, &n, &junk)).unwrap();
    assert_eq!((ans.status.as_u16(), code_of(&ans.body).as_str()), (400, "not_a_bundle"));
    // A's own bundle, one byte altered: the digest and signature of the bundle fail.
    let n = next.unwrap();
    let mut tampered = bundle_a.clone();
    let at = tampered.len() / 2;
    tampered[at] = if tampered[at] == b'1' { b'2' } else { b'1' };
    let (ans, next) = c.exchange("POST", proto::PUSH, Bytes::from(tampered.clone()), signed(&sa, proto::PUSH, &n, &tampered)).unwrap();
    assert_eq!((ans.status.as_u16(), code_of(&ans.body).as_str()), (403, "refused"));
    // Too large for this hub (64 KiB).
    let n = next.unwrap();
    let big = vec![b' '; 100 << 10];
    let (ans, _) = c.exchange("POST", proto::PUSH, Bytes::from(big.clone()), signed(&sa, proto::PUSH, &n, &big)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ans.status.as_u16(), 413);
    assert_eq!(dump(&p), before, "nothing of the refused requests is stored");

    // A good request, then the very same request again: the replay is refused.
    let mut c = HubClient::connect(&url, &pin, quick()).unwrap();
    let n = c.nonce().unwrap();
    let h = signed(&sa, proto::PUSH, &n, &bundle_a);
    let (ans, _) = c.exchange("POST", proto::PUSH, Bytes::from(bundle_a.clone()), h.clone()).unwrap();
    assert_eq!(ans.status.as_u16(), 200);
    drained(&p);
    let after_first = dump(&p);
    let (ans, _) = c.exchange("POST", proto::PUSH, Bytes::from(bundle_a.clone()), h).unwrap();
    assert_eq!((ans.status.as_u16(), code_of(&ans.body).as_str()), (401, "replayed"));
    assert_eq!(dump(&p), after_first);

    // And the hub still serves: B syncs whole.
    point(&b, addr);
    sync_once(&mut open(&b), &quick()).unwrap();
    assert_eq!(waiting(&b), 0);
    drained(&p);
    assert_eq!(events(&p).len(), 10);
}

#[test]
fn a_bundle_over_the_body_cap_goes_as_several_smaller_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (p, pin) = province(dir.path());
    let a = commune(dir.path(), "XA-A", &p, &pin);
    add_events(&a, 400, "A");
    let addr = start_hub(&p, HubLimits { max_body: 64 << 10, ..HubLimits::default() });
    point(&a, addr);
    let r = sync_once(&mut open(&a), &quick()).unwrap();
    assert!(r.pushed_bundles >= 4, "{r:?}");
    assert_eq!(waiting(&a), 0);
    drained(&p);
    assert_eq!(events(&p), events(&a));
}

#[test]
fn too_many_requests_from_one_installation_get_429() {
    let dir = tempfile::tempdir().unwrap();
    let (p, pin) = province(dir.path());
    let a = commune(dir.path(), "XA-A", &p, &pin);
    let addr = start_hub(&p, HubLimits { rate_per_sec: 0.5, burst: 3.0, ..HubLimits::default() });
    let mut c = HubClient::connect(&format!("https://{addr}"), &pin, quick()).unwrap();
    let sa = open(&a);
    let statuses: Vec<u16> = (0..6).map(|_| c.post(&sa, proto::PULL, Bytes::new()).unwrap().status.as_u16()).collect();
    assert!(statuses[..3].iter().all(|s| *s == 200 || *s == 204), "{statuses:?}");
    assert!(statuses[3..].contains(&429), "{statuses:?}");
}

#[test]
fn a_hub_with_another_certificate_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (p, _) = province(dir.path());
    let a = commune(dir.path(), "XA-A", &p, &"ab".repeat(32));
    add_events(&a, 3, "A");
    let addr = start_hub(&p, HubLimits::default());
    point(&a, addr);
    let e = sync_once(&mut open(&a), &quick()).unwrap_err();
    assert!(matches!(e, NetError::WrongCertificate), "{e:?}");
    assert!(e.message(sotay_core::Lang::Vi).contains("Chứng chỉ"));
    assert_eq!(events(&p).len(), 0);
    assert_eq!(waiting(&a), 5);
}

#[test]
fn slow_half_open_and_surplus_connections_are_dropped_and_others_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let (p, pin) = province(dir.path());
    let a = commune(dir.path(), "XA-A", &p, &pin);
    add_events(&a, 10, "A");
    let limits = HubLimits {
        max_connections: 4,
        handshake_timeout: Duration::from_secs(1),
        header_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(2),
        ..HubLimits::default()
    };
    let addr = start_hub(&p, limits);
    point(&a, addr);

    // Four half-open connections fill every slot: a fifth is closed at once…
    let idle: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let e = sync_once(&mut open(&a), &quick()).unwrap_err();
    assert!(e.is_transient(), "{e:?}");
    // …and the half-open ones are dropped after the handshake deadline, so the hub serves again.
    // A read that times out means the hub kept the connection: that fails, as any data would.
    for mut s in idle {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = [0u8; 16];
        match s.read(&mut buf) {
            Ok(0) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted) => {}
            other => panic!("a half-open connection was not closed by the hub within 5 s: {other:?}"),
        }
    }
    sync_once(&mut open(&a), &quick()).unwrap();
    assert_eq!(waiting(&a), 0);

    // A client that trickles its body is cut off at the request deadline.
    let config = sotay_net::tls::client_config(&pin).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let started = Instant::now();
    let answer = rt.block_on(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("sotay-hub").unwrap();
        let mut tls = tokio_rustls::TlsConnector::from(config).connect(name, tcp).await.unwrap();
        tls.write_all(b"POST /v1/push HTTP/1.1\r\nhost: hub\r\ncontent-length: 100000\r\n\r\n{").await.unwrap();
        let mut out = Vec::new();
        for _ in 0..40 {
            if tls.write_all(b" ").await.is_err() {
                break;
            }
            let mut buf = [0u8; 512];
            match tokio::time::timeout(Duration::from_millis(250), tls.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
                Err(_) => {}
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    });
    assert!(started.elapsed() < Duration::from_secs(9), "cut off near the 2 s deadline, took {:?}", started.elapsed());
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

/// A TCP relay that cuts the first `cut_first` connections after `after` bytes from the client.
fn cutting_relay(target: SocketAddr, after: usize, cut_first: usize) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for client in listener.incoming().take(50).flatten() {
            let n = count.fetch_add(1, Ordering::SeqCst);
            let Ok(server) = TcpStream::connect(target) else { continue };
            let limit = if n < cut_first { after } else { usize::MAX };
            let (mut c_in, mut s_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (mut s_in, mut c_out) = (server, client);
            std::thread::spawn(move || {
                let mut sent = 0usize;
                let mut buf = [0u8; 4096];
                while let Ok(k) = c_in.read(&mut buf) {
                    if k == 0 {
                        break;
                    }
                    let take = k.min(limit - sent);
                    if s_out.write_all(&buf[..take]).is_err() {
                        break;
                    }
                    sent += take;
                    if sent >= limit {
                        break;
                    }
                }
                let _ = s_out.shutdown(std::net::Shutdown::Both);
                let _ = c_in.shutdown(std::net::Shutdown::Both);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s_in, &mut c_out);
                let _ = c_out.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    addr
}

#[test]
fn a_connection_cut_mid_body_loses_nothing_and_doubles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (p, pin) = province(dir.path());
    let a = commune(dir.path(), "XA-A", &p, &pin);
    add_events(&a, 300, "A");
    let hub = start_hub(&p, HubLimits::default());
    // The first two connections break 60 KB into the upload (mid-body of the first bundle).
    let relay = cutting_relay(hub, 60_000, 2);
    point(&a, relay);
    for _ in 0..2 {
        let e = sync_once(&mut open(&a), &quick()).unwrap_err();
        assert!(e.is_transient(), "{e:?}");
        assert!(waiting(&a) > 0);
    }
    sync_once(&mut open(&a), &quick()).unwrap();
    assert_eq!(waiting(&a), 0);
    drained(&p);
    assert_eq!(events(&p), events(&a));
    assert!(open(&p).check().unwrap().is_empty());
}

#[test]
fn the_receipt_endpoint_takes_receipts_only_and_only_the_callers_own() {
    let dir = tempfile::tempdir().unwrap();
    let (p, pin) = province(dir.path());
    let a = commune(dir.path(), "XA-A", &p, &pin);
    let b = commune(dir.path(), "XA-B", &p, &pin);
    add_events(&a, 5, "A");
    let before = dump(&p);
    let addr = start_hub(&p, HubLimits::default());
    let mut c = HubClient::connect(&format!("https://{addr}"), &pin, quick()).unwrap();
    let (mut sa, sb) = (open(&a), open(&b));
    let hub = sa.upper_hub().unwrap().unwrap().installation;
    let bundle = sa.next_bundle(&hub, 100).unwrap().unwrap().bytes;

    // A's own bundle, signed by A, posted where receipts go: refused, and nothing of it is applied.
    let mut n = c.nonce().unwrap();
    for (body, what) in [(bundle.clone(), "a bundle"), (b"\x00\xffnot json".to_vec(), "garbage"), (b"{}".to_vec(), "an empty object")] {
        let (ans, next) = c.exchange("POST", proto::RECEIPT, Bytes::from(body.clone()), signed(&sa, proto::RECEIPT, &n, &body)).unwrap();
        assert_eq!((ans.status.as_u16(), code_of(&ans.body).as_str()), (400, "not_a_receipt"), "{what}");
        n = next.unwrap();
    }
    // B's receipt, sent by A.
    let theirs = serde_json::to_vec(&sb.receipt_for(&hub).unwrap()).unwrap();
    let (ans, next) = c.exchange("POST", proto::RECEIPT, Bytes::from(theirs.clone()), signed(&sa, proto::RECEIPT, &n, &theirs)).unwrap();
    assert_eq!((ans.status.as_u16(), code_of(&ans.body).as_str()), (403, "not_sender"));
    n = next.unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(dump(&p), before, "nothing posted to the receipt endpoint was applied");
    assert_eq!(open(&p).inbox_size().unwrap().bundles, 0);

    // A's own receipt is taken.
    let mine = serde_json::to_vec(&sa.receipt_for(&hub).unwrap()).unwrap();
    let (ans, _) = c.exchange("POST", proto::RECEIPT, Bytes::from(mine.clone()), signed(&sa, proto::RECEIPT, &n, &mine)).unwrap();
    assert_eq!(ans.status.as_u16(), 200, "{}", String::from_utf8_lossy(&ans.body));
}
