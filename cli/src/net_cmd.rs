//! The network commands: `serve` (the upper unit's hub) and `sync` (the agent, once or watching).

use std::io::Write;
use std::time::Duration;

use sotay_core::sync::HubAddress;
use sotay_core::{Error, Lang, Store};
use sotay_net::client::Timeouts;
use sotay_net::{Backoff, HubLimits, HubServer, NetError, SyncReport};

pub struct ServeOptions {
    pub listen: String,
    pub max_body_mb: u64,
    pub rate: f64,
    pub max_connections: u64,
    pub request_timeout: u64,
    pub log: bool,
}

fn limits(opts: &ServeOptions, lang: Lang) -> HubLimits {
    HubLimits {
        // Bounded by the arguments' ranges (main.rs): no overflow, nothing above the runtime's limits.
        max_body: usize::try_from(opts.max_body_mb.clamp(1, 1024) << 20).unwrap_or(16 << 20),
        rate_per_sec: opts.rate.max(0.01),
        burst: (opts.rate * 3.0).max(1.0),
        max_connections: usize::try_from(opts.max_connections.clamp(1, 100_000)).unwrap_or(256),
        request_timeout: Duration::from_secs(opts.request_timeout.max(1)),
        lang,
        log_pushes: opts.log,
        ..HubLimits::default()
    }
}

pub fn serve(store: Store, opts: ServeOptions, lang: Lang) -> Result<(), NetError> {
    let limits = limits(&opts, lang);
    let rt = tokio_runtime()?;
    rt.block_on(async move {
        let server = HubServer::bind(store, &opts.listen, limits).await?;
        announce(&server, lang);
        let _ = std::io::stdout().flush();
        server.run().await;
        Ok(())
    })
}

/// One process of the national hub on PostgreSQL (docs/national.md): the same protocol as `serve`, its
/// state in the database that every process shares.
pub fn serve_pg(url: &str, status: Option<&str>, opts: ServeOptions, lang: Lang) -> Result<(), NetError> {
    let limits = limits(&opts, lang);
    if let Some(addr) = status {
        sotay_net::server::status_address(addr)?;
    }
    let rt = tokio_runtime()?;
    rt.block_on(async move {
        let store = sotay_net::pgstore::PgStore::open(url).await?;
        let hub = sotay_net::pgstore::hub::PgHub::load(store).await?;
        let server = HubServer::bind_pg(hub, &opts.listen, limits).await?;
        let status_addr = match status {
            Some(addr) => Some(server.serve_status(addr).await?),
            None => None,
        };
        announce(&server, lang);
        if let Some(addr) = status_addr {
            println!("status: http://{addr}/status");
        }
        let _ = std::io::stdout().flush();
        server.run().await;
        Ok(())
    })
}

/// The report of `unit` (a code; the national unit by default) over the national hub's database.
pub fn national_report(url: &str, unit: Option<&str>, period: &sotay_core::Period, structure: sotay_core::report::Structure) -> Result<sotay_core::report::Report, NetError> {
    let src = sotay_net::pgstore::report::PgReport::open(url)?;
    let root = match unit {
        Some(code) => sotay_core::report::unit_id_by_code(&src, code)?,
        None => src.hub_unit()?,
    };
    Ok(sotay_core::report::period_report_from(&src, &root, period, structure)?)
}

/// `sotay hub check`: every record of the national database recomputed from its log and compared with
/// what the hubs wrote; an error (and the records listed) if any differs.
pub fn hub_check(url: &str, lang: Lang) -> Result<(), NetError> {
    let rt = tokio_runtime()?;
    let off = rt.block_on(async {
        let hub = sotay_net::pgstore::hub::PgHub::load(sotay_net::pgstore::PgStore::open(url).await?).await?;
        hub.records_off_their_log().await
    })?;
    if off.is_empty() {
        match lang {
            Lang::Vi => println!("mọi bản ghi khớp với nhật ký thay đổi của nó"),
            _ => println!("every record is what its change log makes of it"),
        }
        return Ok(());
    }
    for id in &off {
        println!("{id}");
    }
    Err(NetError::Core(sotay_core::Error::Integrity(match lang {
        Lang::Vi => format!("{} bản ghi khác với nhật ký thay đổi của nó", off.len()),
        _ => format!("{} record(s) differ from their change log", off.len()),
    })))
}

/// `sotay hub adopt`: this installation's hub taken over into PostgreSQL.
pub fn adopt(store: &mut Store, url: &str, lang: Lang) -> Result<(), NetError> {
    // The TLS identity is made now if the hub never served: every process will serve this one.
    sotay_net::tls::hub_identity(store)?;
    let seed = store.hub_seed()?;
    let rt = tokio_runtime()?;
    let adopted = rt.block_on(async {
        let pg = sotay_net::pgstore::PgStore::open(url).await?;
        pg.adopt(&seed).await
    })?;
    match (lang, adopted.first) {
        (Lang::Vi, true) => println!(
            "đã chuyển hub sang PostgreSQL: {} máy đã đăng ký, {} bản ghi, {} thay đổi",
            adopted.peers, adopted.records, adopted.changes
        ),
        (Lang::Vi, false) => println!("đã cập nhật danh sách máy đã đăng ký của hub trên PostgreSQL: {} máy", adopted.peers),
        (_, true) => println!("hub adopted into PostgreSQL: {} enrolled installations, {} records, {} changes", adopted.peers, adopted.records, adopted.changes),
        (_, false) => println!("the PostgreSQL hub's enrolled installations brought up to date: {}", adopted.peers),
    }
    Ok(())
}

/// The first lines a hub prints: where it listens and its certificate's fingerprint (scripts read them).
fn announce(server: &HubServer, lang: Lang) {
    if lang == Lang::Vi {
        println!("máy chủ đang nghe tại https://{}", server.addr);
        println!("dấu vân tay chứng chỉ TLS: {}", server.tls_sha256);
    } else {
        println!("hub listening on https://{}", server.addr);
        println!("TLS certificate fingerprint: {}", server.tls_sha256);
    }
}

fn tokio_runtime() -> Result<tokio::runtime::Runtime, NetError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| NetError::Core(Error::Io { path: "tokio".into(), source: e }))
}

/// The enrolment file of a hub: as `enroll export`, plus the hub's address and certificate fingerprint.
/// Several `urls`: the processes of one hub (a national hub on PostgreSQL), tried in turn by the agent.
pub fn enroll_export_hub(store: &mut Store, out: &std::path::Path, urls: &[String], lang: Lang) -> Result<(), NetError> {
    let clean = |u: &String| u.trim().trim_end_matches('/').to_string();
    for url in urls {
        sotay_net::client::authority(url)?;
    }
    let (first, also) = urls.split_first().ok_or_else(|| NetError::BadUrl(String::new()))?;
    let (cert, _) = sotay_net::tls::hub_identity(store)?;
    let hub = HubAddress { url: clean(first), tls_sha256: sotay_net::tls::fingerprint(&cert), also: also.iter().map(clean).collect() };
    let e = store.enrolment_with_hub(Some(hub.clone()))?;
    let text = serde_json::to_string_pretty(&e).map_err(Error::from_json)?;
    std::fs::write(out, text).map_err(|err| Error::Io { path: out.display().to_string(), source: err })?;
    if lang == Lang::Vi {
        println!("đã ghi tệp đăng ký {} (máy chủ {}); dấu vân tay: {}", out.display(), hub.url, e.fingerprint);
    } else {
        println!("wrote enrolment {} (hub {}); fingerprint: {}", out.display(), hub.url, e.fingerprint);
    }
    Ok(())
}

pub struct SyncOptions {
    pub hub: Option<String>,
    pub watch: bool,
    pub interval: u64,
    pub attempts: u32,
}

/// What a sync still has to move: changes waiting for a receipt, evidence files the peers lack, and
/// files that records here name and that have not arrived.
fn left_to_move(store: &Store) -> Result<usize, NetError> {
    let changes: i64 = store.outbox()?.iter().map(|w| w.to - w.from + 1).sum();
    let mut files = store.missing_files()?.len();
    for p in store.peers()?.iter().filter(|p| p.revoked_at.is_none()) {
        files += store.files_waiting(&p.installation)?;
    }
    Ok(changes.max(0) as usize + files)
}

/// Syncs until everything went through (retrying transient faults with backoff), or forever with --watch.
pub fn sync(store: &mut Store, opts: SyncOptions, lang: Lang) -> Result<(), NetError> {
    if let Some(url) = &opts.hub {
        sotay_net::client::authority(url)?;
        store.set_hub_url(url)?;
    }
    // As docs/hub-protocol.md says: once, 1 s … 30 s; watching (as the window does), 2 s … 5 min.
    let mut backoff = if opts.watch {
        Backoff::new(Duration::from_secs(2), Duration::from_secs(300))
    } else {
        Backoff::new(Duration::from_secs(1), Duration::from_secs(30))
    };
    loop {
        let before = left_to_move(store)?;
        match sotay_net::sync_once(store, &Timeouts::default()) {
            Ok(report) => {
                backoff.succeeded();
                print_report(&report, lang);
                if !opts.watch {
                    return Ok(());
                }
                std::thread::sleep(Duration::from_secs(opts.interval.max(1)));
            }
            Err(e) if e.is_transient() && (opts.watch || backoff.failures() + 1 < opts.attempts.max(1)) => {
                // A link that drops every few seconds but moves work each time is worth trying again soon.
                if left_to_move(store)? < before {
                    backoff.succeeded();
                }
                let wait = backoff.failed();
                eprintln!("{} ({} {:.1} s)", e.message(lang), if lang == Lang::Vi { "thử lại sau" } else { "retrying in" }, wait.as_secs_f64());
                std::thread::sleep(wait);
            }
            Err(e) => return Err(e),
        }
    }
}

fn print_report(r: &SyncReport, lang: Lang) {
    if lang == Lang::Vi {
        println!(
            "đồng bộ xong: gửi {} thay đổi mới ({} gói), nhận {} thay đổi ({} gói)",
            r.pushed_changes, r.pushed_bundles, r.pulled_changes, r.pulled_bundles
        );
    } else {
        println!("synced: sent {} new changes ({} bundles), received {} changes ({} bundles)", r.pushed_changes, r.pushed_bundles, r.pulled_changes, r.pulled_bundles);
    }
    if r.files_sent + r.files_received + r.files_waiting > 0 {
        if lang == Lang::Vi {
            println!("tệp minh chứng: gửi {}, nhận {}, còn chờ gửi {}", r.files_sent, r.files_received, r.files_waiting);
        } else {
            println!("evidence files: sent {}, received {}, still waiting {}", r.files_sent, r.files_received, r.files_waiting);
        }
    }
    for a in &r.arrived {
        let kind = match (a.kind.as_str(), lang) {
            ("plan", Lang::Vi) => "kế hoạch",
            ("practice", Lang::Vi) => "mô hình",
            ("indicator", Lang::Vi) => "chỉ tiêu",
            (k, _) => k,
        };
        let what = match (a.new, lang) {
            (true, Lang::Vi) => "mới từ cấp trên",
            (false, Lang::Vi) => "cập nhật từ cấp trên",
            (true, _) => "new from above",
            (false, _) => "updated from above",
        };
        println!("{what}: {kind} «{}» {}", a.title, a.id);
    }
    let _ = std::io::stdout().flush();
}
