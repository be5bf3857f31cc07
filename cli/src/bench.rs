//! `sotay bench`: times the queries a user waits on, on the database at hand (see docs/benchmarks.md).
//! Each query runs once to warm the cache, then `runs` times; the median and the 95th percentile are shown.

use std::time::{Duration, Instant};

use sotay_core::{Error, Kind, ListQuery, Period, Store};

fn time(runs: usize, mut f: impl FnMut() -> Result<usize, Error>) -> Result<(Duration, Duration, usize), Error> {
    let rows = f()?;
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            f().map(|_| t.elapsed())
        })
        .collect::<Result<_, _>>()?;
    times.sort();
    let p95 = times[((times.len() as f64 * 0.95).ceil() as usize).clamp(1, times.len()) - 1];
    Ok((times[times.len() / 2], p95, rows))
}

thread_local! {
    /// Every median reported in this run, by name: `--plain-too` sets the two runs side by side.
    static MEDIANS: std::cell::RefCell<Vec<(String, Duration)>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn report(name: &str, r: (Duration, Duration, usize)) {
    MEDIANS.with(|m| m.borrow_mut().push((name.to_string(), r.0)));
    println!(
        "{name:<44} median {:>8.2} ms   p95 {:>8.2} ms   ({} rows)",
        r.0.as_secs_f64() * 1e3,
        r.1.as_secs_f64() * 1e3,
        r.2
    );
}

/// `sotay bench --store URL`: the national hub's reports over PostgreSQL as the window makes them, over one
/// connection kept open: the whole country's year 2025, a province's quarter (the first province by
/// code) and the overview's twelve months.
pub fn national(url: &str, runs: usize) -> Result<(), sotay_net::error::NetError> {
    use sotay_core::report::{monthly_series_from, period_report_from, ReportSource, Structure};
    let src = sotay_net::pgstore::report::PgReport::open(url)?;
    let root = src.hub_unit()?;
    let code = |b: &serde_json::Value| b.get("code").and_then(serde_json::Value::as_str).unwrap_or_default().to_string();
    let province = src
        .units()?
        .into_iter()
        .filter(|(_, b)| b.get("parent_id").and_then(serde_json::Value::as_str) == Some(root.as_str()))
        .min_by_key(|(_, b)| code(b));
    let (year, quarter) = (Period::parse("2025")?, Period::parse("2025Q2")?);
    report("national: year 2025", time(runs, || Ok(period_report_from(&src, &root, &year, Structure::Today)?.rows.len()))?);
    if let Some((id, body)) = province {
        let name = format!("province {}: 2025Q2", code(&body));
        report(&name, time(runs, || Ok(period_report_from(&src, &id, &quarter, Structure::Today)?.rows.len()))?);
    }
    report("national: the 12 months of 2025 (chart)", time(runs.div_ceil(3), || Ok(monthly_series_from(&src, &root, 2025)?.len()))?);
    Ok(())
}

pub fn run(store: &Store, runs: usize) -> Result<(), Error> {
    let inst = store.require_installation()?;
    let mut all = ListQuery::new(Kind::Event);
    all.page_size = 1;
    let total = store.list(&all)?.total;
    println!("events in the database: {total}");

    // The busiest unit below the installation's, as an officer of that unit would look at its own list.
    let units = store.subtree(&inst.unit_id)?;
    let mut busiest = (inst.unit_id.clone(), 0u64);
    for u in &units {
        let mut q = ListQuery::new(Kind::Event);
        q.unit_id = Some(u.clone());
        q.page_size = 1;
        let n = if store.subtree(u)?.len() == 1 { store.list(&q)?.total } else { 0 };
        if n > busiest.1 {
            busiest = (u.clone(), n);
        }
    }
    let quarter = Period::parse("2025Q3")?;
    let mut page = ListQuery::new(Kind::Event);
    page.unit_id = Some(busiest.0.clone());
    page.from = Some(quarter.start.to_string());
    page.to = Some(quarter.end.to_string());
    report("list: 1 unit, 2025Q3, by date, 50 rows + total", time(runs, || Ok(store.list(&page)?.rows.len()))?);
    let mut page_all = ListQuery::new(Kind::Event);
    page_all.from = Some(quarter.start.to_string());
    page_all.to = Some(quarter.end.to_string());
    report("list: all units, 2025Q3, by date, 50 rows + total", time(runs, || Ok(store.list(&page_all)?.rows.len()))?);

    // Whole words without accents, a word found in every event, words with tones, and a word still being typed.
    for words in ["tuyen truyen", "doan", "Tuyên truyền ma túy", "tuyen tru", "nghi quyet dai hoi", "hoi nghi"] {
        let mut q = ListQuery::new(Kind::Event);
        q.search = Some(words.into());
        report(&format!("search \"{words}\": 50 rows + total"), time(runs, || Ok(store.list(&q)?.rows.len()))?);
    }
    let year = Period::parse("2025")?;
    report("dashboard: installation unit, year 2025", time(runs, || Ok(store.dashboard(None, &year)?.rows.len()))?);
    report("dashboard: installation unit, 2025Q3", time(runs, || Ok(store.dashboard(None, &quarter)?.rows.len()))?);
    period_report(store, &year, runs)
}

/// The period report of the installation's unit for a year: the numbers, then the numbers and the PDF
/// (typst's layout cache emptied each run), then the numbers and the .xlsx.
fn period_report(store: &Store, year: &Period, runs: usize) -> Result<(), Error> {
    use sotay_core::docs::{forget_layout_cache, DocOptions, DocumentRequest};
    let r = store.period_report(None, year)?;
    println!("report {}: {} events done, {} unit rows", year.code, r.events, r.rows.len());
    report("report: installation unit, year 2025 (rows = units)", time(runs, || Ok(store.period_report(None, year)?.rows.len()))?);
    let req = DocumentRequest::Report { unit_id: None, period: year.clone(), structure: Default::default() };
    let opts = DocOptions::default();
    report(
        "report as PDF: year 2025, numbers + layout (rows = pages)",
        time(runs, || {
            forget_layout_cache();
            Ok(store.render_document(&req, &opts)?.pages)
        })?,
    );
    report(
        "report as .xlsx: year 2025, numbers + workbook (rows = KB)",
        time(runs, || Ok(sotay_core::report::export::to_xlsx(&store.period_report(None, year)?)?.len() / 1024))?,
    );
    Ok(())
}

/// `sotay bench --plain-too [--import BUNDLE…]`: the same queries, a backup and an import (of the given
/// bundles, addressed to this installation) on an encrypted copy and on a plain copy of this database, in
/// one run, with the ratio encrypted / plain of each median (docs/benchmarks.md).
pub fn compare_plain(store: &Store, runs: usize, bundles: &[std::path::PathBuf]) -> Result<(), Error> {
    let dir = tempfile_dir(store)?;
    let (enc_path, plain_path) = (dir.join("encrypted.db"), dir.join("plain.db"));
    let made = Instant::now();
    let (mut enc, mut plain) = store.bench_copies(&enc_path, &plain_path)?;
    println!("copies made in {:.1} s in {}", made.elapsed().as_secs_f64(), dir.display());
    let mut sides = Vec::new();
    for (label, s) in [("encrypted", &mut enc), ("plain", &mut plain)] {
        println!("== {label}");
        MEDIANS.with(|m| m.borrow_mut().clear());
        run(s, runs)?;
        let out = dir.join(format!("backups-{label}"));
        report("backup (VACUUM INTO, checked)", time(3.min(runs), || {
            let b = s.backup_into(&out, sotay_core::backup::Reason::Manual)?;
            let _ = std::fs::remove_file(&b.path);
            Ok(1)
        })?);
        if !bundles.is_empty() {
            let t = Instant::now();
            let mut changes = 0u64;
            for b in bundles {
                changes += s.import_file(b, false)?.new_changes;
            }
            let took = t.elapsed();
            MEDIANS.with(|m| m.borrow_mut().push(("import of the bundles (one run)".into(), took)));
            println!("import: {changes} changes in {:.2} s", took.as_secs_f64());
        }
        sides.push(MEDIANS.with(|m| m.borrow().clone()));
    }
    println!("== encrypted / plain (medians)");
    for ((name, e), (_, p)) in sides[0].iter().zip(&sides[1]) {
        println!("{name:<56} {:>9.2} ms {:>9.2} ms   ×{:.2}", e.as_secs_f64() * 1e3, p.as_secs_f64() * 1e3, e.as_secs_f64() / p.as_secs_f64().max(1e-9));
    }
    drop((enc, plain));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A scratch folder beside the database (the copies are as large as it is, on the same disk).
fn tempfile_dir(store: &Store) -> Result<std::path::PathBuf, Error> {
    let base = store.path().and_then(std::path::Path::parent).unwrap_or(std::path::Path::new("."));
    let dir = base.join(format!("sotay-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::Io { path: dir.display().to_string(), source: e })?;
    Ok(dir)
}

/// `sotay bench --docs EVENT`: the time to render each meeting document of an event, and the pack of five.
/// typst's layout cache is emptied before every run: each is timed as a document printed for the first time
/// (the fonts, parsed once per process, stay loaded).
pub fn docs(store: &Store, event: &str, runs: usize) -> Result<(), Error> {
    use sotay_core::docs::{forget_layout_cache, DocOptions, MeetingDoc};
    let opts = DocOptions::default();
    for doc in MeetingDoc::ALL {
        let r = time(runs, || {
            forget_layout_cache();
            store.meeting_document(doc, event, &opts).map(|r| r.pages)
        })?;
        report(&format!("render {} (rows = pages)", doc.as_str()), r);
    }
    let pack = time(runs, || {
        forget_layout_cache();
        let mut pages = 0;
        for doc in MeetingDoc::ALL {
            pages += store.meeting_document(doc, event, &opts)?.pages;
        }
        Ok(pages)
    })?;
    report("render the meeting pack, 5 documents", pack);

    // The plan the event serves (or any plan) and the installation unit's report for the event's year.
    use sotay_core::docs::DocumentRequest;
    let ev = store.get(sotay_core::Kind::Event, event)?;
    let plan_id = match ev["plan_id"].as_str() {
        Some(p) => Some(p.to_string()),
        None => store.list(&ListQuery::new(Kind::Plan))?.rows.first().and_then(|p| p["id"].as_str().map(str::to_string)),
    };
    if let Some(plan_id) = plan_id {
        let req = DocumentRequest::Plan { plan_id };
        report("render plan", time(runs, || {
            forget_layout_cache();
            Ok(store.render_document(&req, &opts)?.pages)
        })?);
    }
    let year: String = ev["start_at"].as_str().unwrap_or("2025").chars().take(4).collect();
    let req = DocumentRequest::Report { unit_id: None, period: Period::parse(&year)?, structure: Default::default() };
    report(&format!("render report, installation unit, year {year}"), time(runs, || {
        forget_layout_cache();
        Ok(store.render_document(&req, &opts)?.pages)
    })?);
    Ok(())
}
