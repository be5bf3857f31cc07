//! `sotay report` and `sotay print plan|report` on the demo province, as a person runs them: the .xlsx
//! read back by an independent reader (Python's openpyxl) and the CSV by a CSV parser, both compared with
//! `--json`; the PDFs checked with poppler's tools.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use sotay_tests::network::ok;
use sotay_tests::support::{page_image, sotay, Run};

fn demo(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("tinh.db");
    ok(sotay(&db, &["seed", "--demo"], None));
    db
}

fn report_json(db: &Path, period: &str) -> Value {
    let r = ok(sotay(db, &["report", "--period", period, "--json"], None));
    serde_json::from_str(&r.stdout).expect("report JSON")
}

/// The workbook's two sheets as lists of rows of cells (numbers stay numbers), by openpyxl.
fn read_xlsx(path: &Path) -> Value {
    const READER: &str = r#"
import json, sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1], data_only=True)
out = {}
for ws in book.worksheets:
    out[ws.title] = [[c for c in row] for row in ws.iter_rows(values_only=True)]
print(json.dumps(out, ensure_ascii=False))
"#;
    // Debian's Python, where scripts/setup.sh installs python3-openpyxl (a pyenv `python3` may come
    // first on PATH without it).
    let out = Command::new("/usr/bin/python3")
        .args(["-c", READER, path.to_str().unwrap()])
        .output()
        .expect("/usr/bin/python3 (packages python3, python3-openpyxl)");
    assert!(out.status.success(), "openpyxl: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn fails(r: Run) -> Run {
    assert_ne!(r.code, 0, "expected a failure; stdout: {}", r.stdout);
    r
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

#[test]
fn the_xlsx_and_the_csv_hold_the_same_numbers_as_the_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let json = report_json(&db, "2023Q2");
    let indicators = json["indicators"].as_array().unwrap();
    assert!(json["events"].as_i64().unwrap() > 0, "the demo has events in 2023Q2");

    let xlsx = dir.path().join("r.xlsx");
    ok(sotay(&db, &["report", "--period", "2023Q2", "--xlsx", xlsx.to_str().unwrap()], None));
    let book = read_xlsx(&xlsx);
    let sheet = book["Báo cáo"].as_array().expect("sheet Báo cáo");
    let header_at = sheet.iter().position(|r| r[0] == "STT").expect("header row");
    assert_eq!(sheet[header_at][1], "Mã chỉ tiêu");
    assert_eq!(sheet[header_at][4], "Kết quả");
    assert_eq!(sheet[header_at][6], "Tỷ lệ đạt (%)");
    assert_eq!(sheet[3][2].as_f64(), json["events"].as_f64(), "events done");
    for (i, l) in indicators.iter().enumerate() {
        let row = &sheet[header_at + 1 + i];
        assert_eq!(row[1], l["code"]);
        assert_eq!(row[2], l["name"]);
        for (col, key) in [(4, "value"), (5, "target"), (6, "percent_of_target"), (7, "members"), (8, "percent_of_members")] {
            assert_eq!(num(&row[col]), num(&l[key]), "{} {key}", l["code"]);
            assert!(row[col].is_null() || row[col].is_number(), "numeric cell {} {key}: {}", l["code"], row[col]);
        }
    }
    let by_unit = book["Theo đơn vị"].as_array().expect("sheet Theo đơn vị");
    let rows = json["rows"].as_array().unwrap();
    assert!(rows.len() >= 5, "a row per commune");
    for (j, r) in rows.iter().enumerate() {
        assert!(by_unit[2][2 + j].as_str().unwrap().starts_with(r["name"].as_str().unwrap()));
        for (i, l) in indicators.iter().enumerate() {
            assert_eq!(num(&by_unit[3 + i][2 + j]), num(&r["values"][l["code"].as_str().unwrap()]), "{} {}", r["name"], l["code"]);
        }
    }
    // The former district and its two communes are named beside the commune they merged into, in the
    // sheet as in the JSON, in Vietnamese order.
    let merged: Vec<&Value> = rows.iter().filter(|r| !r["merged"].as_array().unwrap().is_empty()).collect();
    assert_eq!(merged.len(), 1);
    assert_eq!(merged[0]["name"], "Đoàn xã Kiến Xương");
    assert_eq!(merged[0]["merged"], serde_json::json!(["Đoàn xã Vũ Lễ", "Đoàn xã Vũ Tây", "Huyện đoàn Kiến Xương"]));

    let csv = dir.path().join("r.csv");
    ok(sotay(&db, &["report", "--period", "2023Q2", "--csv", csv.to_str().unwrap()], None));
    let bytes = std::fs::read(&csv).unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "a byte-order mark for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).expect("UTF-8");
    let lines: Vec<Vec<String>> = text.lines().map(split_csv).collect();
    assert_eq!(lines[0][2], "Chỉ tiêu");
    for (i, l) in indicators.iter().enumerate() {
        let line = &lines[1 + i];
        assert_eq!(line[1], l["code"].as_str().unwrap());
        assert_eq!(line[4].parse::<f64>().ok(), num(&l["value"]), "{}", l["code"]);
        for (j, r) in rows.iter().enumerate() {
            assert_eq!(line[9 + j].parse::<f64>().ok(), num(&r["values"][l["code"].as_str().unwrap()]));
        }
    }
    // Then each unit's members under its column; the successor's column names the units merged into it.
    let members = &lines[1 + indicators.len()];
    assert_eq!(members[2], "Tổng số đoàn viên");
    for (j, r) in rows.iter().enumerate() {
        assert_eq!(members[9 + j].parse::<f64>().ok(), num(&r["members"]), "{} members", r["name"]);
        assert!(lines[0][9 + j].starts_with(r["name"].as_str().unwrap()));
    }
    let merged_at = rows.iter().position(|r| !r["merged"].as_array().unwrap().is_empty()).unwrap();
    assert!(lines[0][9 + merged_at].ends_with("(gồm Đoàn xã Vũ Lễ, Đoàn xã Vũ Tây, Huyện đoàn Kiến Xương)"), "{}", lines[0][9 + merged_at]);
}

/// One CSV line (fields may be quoted, with "" for a quote; no line breaks inside fields here).
fn split_csv(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(String::new()),
            (c, _) => out.last_mut().unwrap().push(c),
        }
    }
    out
}

#[test]
fn periods_cut_offs_and_bad_codes() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let q = report_json(&db, "2025Q3");
    assert_eq!(q["period"]["label"], "quý III năm 2025");
    let r = ok(sotay(&db, &["report", "--period", "2025Q3", "--cut-off", "14", "--json"], None));
    let cut: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!((cut["period"]["start"].as_str(), cut["period"]["end"].as_str()), (Some("2025-06-15"), Some("2025-09-14")));
    let nine = report_json(&db, "2025N9");
    let halves = report_json(&db, "2025S1");
    let q3 = report_json(&db, "2025Q3");
    // Counts add over time: nine months = first half + third quarter.
    assert_eq!(nine["events"].as_i64().unwrap(), halves["events"].as_i64().unwrap() + q3["events"].as_i64().unwrap());
    let custom = report_json(&db, "2025-01-01..2025-09-30");
    assert_eq!(custom["events"], nine["events"]);
    // A period with no data: zeros, not an error.
    let empty = report_json(&db, "2019");
    assert_eq!(empty["events"], 0);
    for bad in ["2025Q5", "quý 3"] {
        let e = fails(sotay(&db, &["report", "--period", bad], None));
        assert!(e.stderr.contains("Kỳ báo cáo: giá trị không hợp lệ"), "{bad}: the field is named: {}", e.stderr);
    }
    let e = fails(sotay(&db, &["report", "--period", "2025", "--unit", "NO-SUCH-UNIT"], None));
    assert!(e.stderr.contains("Không tìm thấy đơn vị có mã NO-SUCH-UNIT"), "{}", e.stderr);
}

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext").args(["-layout", pdf.to_str().unwrap(), "-"]).output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn embedded_fonts_only(pdf: &Path) {
    let out = Command::new("pdffonts").arg(pdf).output().expect("pdffonts (poppler-utils)");
    let fonts = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty());
    for row in rows {
        assert!(row.contains("LiberationSerif"), "{row}");
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cols[cols.len() - 5], "yes", "embedded: {row}");
    }
}

#[test]
fn the_plan_and_the_report_print_in_the_union_format() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let plans = ok(sotay(&db, &["list", "plans", "--json"], None));
    let plans: Value = serde_json::from_str(&plans.stdout).unwrap();
    let plan = plans["rows"].as_array().unwrap().iter().find(|p| p["number"] == "15-KH/TĐTN").expect("the 2023 plan");

    let pdf = dir.path().join("ke-hoach.pdf");
    ok(sotay(&db, &["print", "plan", "--plan", plan["id"].as_str().unwrap(), "--out", pdf.to_str().unwrap()], None));
    embedded_fonts_only(&pdf);
    page_image(&pdf, "plan");
    let t = pdftotext(&pdf);
    for want in ["BCH TỈNH ĐOÀN HƯNG YÊN", "ĐOÀN TNCS HỒ CHÍ MINH", "Số: 15-KH/TĐTN", "Hưng Yên, ngày 10 tháng 1 năm 2023", "KẾ HOẠCH",
                 "xây dựng Đảng và hệ thống chính trị năm 2023", "Số lượt đoàn viên, thanh niên tham gia", "4.000", "Nơi nhận:", "Lưu VP.",
                 "TM. BAN THƯỜNG VỤ", "Nguyễn Văn Hùng"] {
        assert!(t.contains(want), "plan: no «{want}» in\n{t}");
    }

    let json = report_json(&db, "2023Q2");
    let pdf = dir.path().join("bao-cao.pdf");
    ok(sotay(&db, &["print", "report", "--period", "2023Q2", "--out", pdf.to_str().unwrap(), "--number", "7", "--date", "2023-07-05"], None));
    embedded_fonts_only(&pdf);
    page_image(&pdf, "report");
    let t = pdftotext(&pdf);
    let attendances = json["indicators"].as_array().unwrap().iter().find(|l| l["code"] == "TT-02").unwrap()["value"].as_f64().unwrap();
    let attendances = sotay_core_style(attendances as i64);
    for want in ["Số: 7-BC/TĐTN", "Hưng Yên, ngày 5 tháng 7 năm 2023", "BÁO CÁO", "Kết quả công tác tuyên truyền quý II năm 2023",
                 "từ ngày 01/04/2023 đến ngày 30/06/2023", attendances.as_str(), "Đoàn xã Kiến Xương", "(gồm Đoàn xã Vũ Lễ,",
                 "tổng số đoàn viên", "Ưu điểm", "Nơi nhận:"] {
        assert!(t.contains(want), "report: no «{want}» in\n{t}");
    }
    assert!(!t.chars().any(|c| ('\u{300}'..='\u{36f}').contains(&c)), "no combining marks: the text is NFC");
}

/// 1451 → "1.451", as the documents write numbers.
fn sotay_core_style(n: i64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

#[test]
fn an_empty_plan_and_a_unit_with_nothing_still_print() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("xa.db");
    ok(sotay(&db, &["init", "--name", "Đoàn xã Tân Lập", "--code", "XA-TL"], None));
    let r = ok(sotay(&db, &["add", "plan", "--json", "-"], Some(r#"{"title": "Kế hoạch trống", "start_on": "2026-01-01"}"#)));
    let id = sotay_tests::support::added_id(&r.stdout);
    let pdf = dir.path().join("trong.pdf");
    ok(sotay(&db, &["print", "plan", "--plan", &id, "--out", pdf.to_str().unwrap()], None));
    let t = pdftotext(&pdf);
    assert!(t.contains("(Chưa giao chỉ tiêu)") && t.contains("Số:") && t.contains("KH/ĐTN"), "{t}");
    let pdf = dir.path().join("bc.pdf");
    ok(sotay(&db, &["print", "report", "--period", "2026Q1", "--out", pdf.to_str().unwrap()], None));
    let t = pdftotext(&pdf);
    assert!(t.contains("đã tổ chức 0 hoạt động") && t.contains("Không có đơn vị trực thuộc"), "{t}");
    let e = fails(sotay(&db, &["print", "plan", "--out", pdf.to_str().unwrap()], None));
    assert!(e.stderr.contains("Kế hoạch: bắt buộc phải nhập"), "{}", e.stderr);
}

/// Every document for the demo data: a demo event with its attendance list, the demo province's plan and
/// report. Only embedded fonts; the head, the number, the totals; Vietnamese intact (NFC, all five tones).
#[test]
fn every_document_of_the_demo_has_embedded_fonts_its_head_number_and_totals() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let events = ok(sotay(&db, &["list", "events", "--json"], None));
    let events: Value = serde_json::from_str(&events.stdout).unwrap();
    let event = events["rows"].as_array().unwrap().iter().find(|e| e["attendees"].as_array().is_some_and(|a| !a.is_empty())).unwrap();
    let summoned = event["attendees"].as_array().unwrap().len();
    let plans = ok(sotay(&db, &["list", "plans", "--json"], None));
    let plans: Value = serde_json::from_str(&plans.stdout).unwrap();
    let plan = plans["rows"][0]["id"].as_str().unwrap().to_string();
    let report = report_json(&db, "2025");

    let mut everything = String::new();
    for doc in ["invitation", "agenda", "attendance", "minutes", "outline", "plan", "report"] {
        let pdf = dir.path().join(format!("{doc}.pdf"));
        let mut args = vec!["print", doc, "--out", pdf.to_str().unwrap(), "--number", "25", "--date", "2025-12-15"];
        match doc {
            "plan" => args.extend(["--plan", plan.as_str()]),
            "report" => args.extend(["--period", "2025"]),
            _ => args.extend(["--event", event["id"].as_str().unwrap()]),
        }
        ok(sotay(&db, &args, None));
        embedded_fonts_only(&pdf);
        let t = pdftotext(&pdf).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(t.contains("ĐOÀN TNCS HỒ CHÍ MINH") && t.contains("BCH TỈNH ĐOÀN HƯNG YÊN"), "{doc}: head: {t}");
        let number = match doc {
            "invitation" => Some("Số: 25-GM/ĐTN"),
            "agenda" => Some("Số: 25-CTr/ĐTN"),
            "minutes" => Some("Số: 25-BB/ĐTN"),
            "plan" => Some("Số: 25-KH/TĐTN"),
            "report" => Some("Số: 25-BC/TĐTN"),
            _ => None,
        };
        if let Some(n) = number {
            assert!(t.contains(n), "{doc}: {n}: {t}");
        }
        match doc {
            "attendance" => assert!(t.contains(&format!("Tổng số triệu tập: {summoned} người")), "{doc}: totals: {t}"),
            "report" => {
                let events = report["events"].as_i64().unwrap();
                assert!(t.contains(&format!("đã tổ chức {} hoạt động", sotay_core_style(events))), "{doc}: totals: {t}");
            }
            _ => {}
        }
        assert!(!t.chars().any(|c| ('\u{300}'..='\u{36f}').contains(&c)), "{doc}: combining marks: not NFC");
        everything.push_str(&t);
    }
    for (tone, letters) in [
        ("huyền", "àằầèềìòồờùừỳ"),
        ("sắc", "áắấéếíóốớúứý"),
        ("hỏi", "ảẳẩẻểỉỏổởủửỷ"),
        ("ngã", "ãẵẫẽễĩõỗỡũữỹ"),
        ("nặng", "ạặậẹệịọộợụựỵ"),
    ] {
        assert!(everything.chars().any(|c| letters.contains(c)), "no letter with the {tone} tone survived");
    }
}

/// Issue 15: the demo's former district of Kiến Xương and its two communes merged on 01/07/2025 into the
/// commune of Kiến Xương. The 2024 report in today's structure counts their work under the new commune;
/// as it was on 31/12/2024 it shows the district; the totals agree; the PDF and the workbook say which.
#[test]
fn the_2024_report_in_todays_structure_and_as_it_was_in_json_pdf_and_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let get = |structure: &str| -> Value {
        let r = ok(sotay(&db, &["report", "--period", "2024", "--structure", structure, "--json"], None));
        serde_json::from_str(&r.stdout).unwrap()
    };
    let (today, then) = (get("today"), get("as-it-was"));
    assert_eq!(today, report_json(&db, "2024"), "today's structure is the default");
    let row = |r: &Value, name: &str| r["rows"].as_array().unwrap().iter().find(|x| x["name"] == name).cloned();
    let new_commune = row(&today, "Đoàn xã Kiến Xương").expect("the new commune's row, today");
    assert_eq!(new_commune["merged"], serde_json::json!(["Đoàn xã Vũ Lễ", "Đoàn xã Vũ Tây", "Huyện đoàn Kiến Xương"]));
    assert!(row(&today, "Huyện đoàn Kiến Xương").is_none());
    let district = row(&then, "Huyện đoàn Kiến Xương").expect("the district's row, as it was");
    assert!(row(&then, "Đoàn xã Kiến Xương").is_none(), "the new commune did not exist at the end of 2024");
    assert!(new_commune["events"].as_i64().unwrap() > 0);
    assert_eq!((new_commune["events"].clone(), new_commune["participants"].clone()), (district["events"].clone(), district["participants"].clone()));
    assert_eq!((today["events"].clone(), today["participants"].clone()), (then["events"].clone(), then["participants"].clone()));
    assert_eq!((today["structure"].as_str(), then["structure"].as_str()), (Some("today"), Some("as-it-was")));

    // On paper and in the workbook, the heading says which tree.
    for (structure, words) in [("today", "Theo cơ cấu tổ chức hiện nay"), ("as-it-was", "Theo cơ cấu tổ chức tại ngày 31/12/2024")] {
        let pdf = dir.path().join(format!("bc-{structure}.pdf"));
        ok(sotay(&db, &["print", "report", "--period", "2024", "--structure", structure, "--out", pdf.to_str().unwrap()], None));
        assert!(pdftotext(&pdf).contains(words), "the {structure} PDF does not say «{words}»");
        let xlsx = dir.path().join(format!("bc-{structure}.xlsx"));
        ok(sotay(&db, &["report", "--period", "2024", "--structure", structure, "--xlsx", xlsx.to_str().unwrap()], None));
        let book = read_xlsx(&xlsx);
        let cells: Vec<String> = book["Báo cáo"].as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap().iter().filter_map(|c| c.as_str().map(str::to_string))).collect();
        assert!(cells.iter().any(|c| c == words), "the {structure} workbook does not say «{words}»");
    }
    let e = fails(sotay(&db, &["report", "--period", "2024", "--structure", "yesterday"], None));
    assert!(e.stderr.contains("yesterday") && e.stderr.contains("as-it-was"), "{}", e.stderr);
}
