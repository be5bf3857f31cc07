//! What the CLI prints: short lines for people, JSON for programs.

use serde_json::Value;
use sotay_core::dashboard::Dashboard;
use sotay_core::seed::DemoSummary;
use sotay_core::{Lang, Page};

pub fn json(v: &Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

/// `2025-07-12T08:00` → `12/07/2025 08:00`; `2025-07-12` → `12/07/2025`.
pub fn vn_date(s: &str) -> String {
    let (date, time) = s.split_once('T').unwrap_or((s, ""));
    let parts: Vec<&str> = date.split('-').collect();
    let d = if parts.len() == 3 { format!("{}/{}/{}", parts[2], parts[1], parts[0]) } else { date.to_string() };
    if time.is_empty() { d } else { format!("{d} {}", &time[..time.len().min(5)]) }
}

/// Vietnamese thousands separator: 1.234.567.
pub use sotay_core::text::vn_number;

pub fn record_line(rec: &Value, lang: Lang, what: &str) {
    let verb = match (lang, what) {
        (Lang::Vi, "init") => "đã thiết lập",
        (Lang::Vi, "edit") => "đã sửa",
        (Lang::Vi, _) => "đã thêm",
        (Lang::En, "init") => "initialised",
        (Lang::En, "edit") => "updated",
        (Lang::En, _) => "added",
    };
    let title = rec.get("title").or_else(|| rec.get("name")).or_else(|| rec.get("topic")).or_else(|| rec.get("subject"))
        .or_else(|| rec.get("summary")).or_else(|| rec.get("content"))
        .and_then(Value::as_str).unwrap_or("");
    let kind = sotay_core::i18n::kind_name(rec["kind"].as_str().unwrap_or(""), lang);
    println!("{verb} {kind} {}: {title}", rec["id"].as_str().unwrap_or(""));
}

pub fn list(p: &Page, lang: Lang) {
    for r in &p.rows {
        let date = ["start_at", "start_on", "given_on", "held_on", "period_from", "detected_at", "started_on", "valid_from"]
            .iter()
            .find_map(|f| r.get(*f).and_then(Value::as_str))
            .map(vn_date)
            .unwrap_or_default();
        let title = ["title", "name", "topic", "content", "subject", "summary", "code"]
            .iter()
            .find_map(|f| r.get(*f).and_then(Value::as_str))
            .unwrap_or("");
        println!("{}  {:<16}  {}", r["id"].as_str().unwrap_or(""), date, title);
    }
    // The footer is part of the listing: on standard output, on a line of its own after the rows.
    let first = u64::from(p.page) * u64::from(p.page_size) + 1;
    let last = first + p.rows.len() as u64 - 1;
    let total = vn_number(p.total as i64);
    if p.rows.is_empty() {
        println!("{}", if lang == Lang::Vi { format!("không có bản ghi nào (tổng {total})") } else { format!("no records (total {total})") });
    } else if lang == Lang::Vi {
        println!("{first}–{last} / {total} bản ghi");
    } else {
        println!("{first}–{last} of {total} records");
    }
}

pub fn dashboard(d: &Dashboard, lang: Lang) {
    let vi = lang == Lang::Vi;
    println!("{} — {} ({} – {})", d.unit_name, d.period.code, d.period.start.format("%d/%m/%Y"), d.period.end.format("%d/%m/%Y"));
    println!("{}: {}   {}: {}", if vi { "Hoạt động" } else { "Events" }, vn_number(d.events),
        if vi { "Lượt tham gia (mọi thành phần)" } else { "Participants (everyone, guests included)" }, vn_number(d.participants));
    let without = (d.events - d.events_with_evidence).max(0);
    if vi {
        println!("Có minh chứng: {}   Chưa có minh chứng: {}", vn_number(d.events_with_evidence), vn_number(without));
    } else {
        println!("With evidence: {}   Without evidence: {}", vn_number(d.events_with_evidence), vn_number(without));
    }
    for r in &d.rows {
        let name = if vi { r.name.clone() } else { r.name_en.clone().unwrap_or_else(|| r.name.clone()) };
        let actual = r.actual.map(|a| vn_number(a as i64)).unwrap_or_else(|| "—".into());
        let target = r.target.map(|t| format!(" / {}", vn_number(t as i64))).unwrap_or_default();
        println!("{:<7} {:>10}{:<10}  {name}", r.code, actual, target);
    }
}

pub fn seeded_demo(s: &DemoSummary, lang: Lang) {
    if lang == Lang::Vi {
        println!("đã tạo dữ liệu mẫu: Tỉnh đoàn Hưng Yên, 5 cơ sở Đoàn, {} hoạt động (đơn vị {})", s.events, s.unit_id);
    } else {
        println!("demo data created: Tỉnh đoàn Hưng Yên, 5 grassroots Unions, {} events (unit {})", s.events, s.unit_id);
    }
}

pub fn seeded_events(n: usize, took: std::time::Duration, lang: Lang) {
    let rate = n as f64 / took.as_secs_f64().max(1e-9);
    if lang == Lang::Vi {
        println!("đã thêm {} hoạt động trong {:.1} giây ({:.0}/giây)", vn_number(n as i64), took.as_secs_f64(), rate);
    } else {
        println!("added {} events in {:.1} s ({:.0}/s)", vn_number(n as i64), took.as_secs_f64(), rate);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_numbers_read_the_vietnamese_way() {
        assert_eq!(vn_date("2025-07-12T08:00"), "12/07/2025 08:00");
        assert_eq!(vn_date("2023-05-05"), "05/05/2023");
        assert_eq!(vn_number(1_234_567), "1.234.567");
        assert_eq!(vn_number(999), "999");
    }
}
