//! `sotay print` as a person runs it, checked with poppler's tools (pdffonts, pdftotext, pdfinfo,
//! pdftoppm) the way a reader would see the PDF. Page images go to tests/artifacts/docs/ to look at.

use std::path::{Path, PathBuf};
use std::process::Command;

use sotay_tests::network::ok;
use sotay_tests::support::sotay;

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| panic!("{name}: {e} (package poppler-utils)"));
    assert!(out.status.success(), "{name} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn pages(pdf: &Path) -> usize {
    tool("pdfinfo", &[pdf.to_str().unwrap()]).lines().find_map(|l| l.strip_prefix("Pages:")).and_then(|n| n.trim().parse().ok()).unwrap()
}

fn page_text(pdf: &Path, page: usize) -> String {
    let p = page.to_string();
    tool("pdftotext", &["-layout", "-f", &p, "-l", &p, pdf.to_str().unwrap(), "-"])
}

/// A commune with one event; returns (db, event id).
fn commune(dir: &Path, attendees: usize) -> (PathBuf, String) {
    let db = dir.join("xa.db");
    ok(sotay(&db, &["init", "--name", "Đoàn xã Đông Hưng", "--code", "XA-DH", "--upper-body", "BCH TỈNH ĐOÀN HƯNG YÊN", "--place", "Đông Hưng"], None));
    let people: Vec<serde_json::Value> = (0..attendees)
        .map(|i| serde_json::json!({"name": format!("Nguyễn Thị Ánh Tuyết {i:03}"), "position": "Đoàn viên", "unit": format!("Chi đoàn thôn {}", i % 7), "phone": "0912 345 678"}))
        .collect();
    let event = serde_json::json!({
        "title": "Hội nghị học tập, quán triệt Nghị quyết: ủy ban, thiếu nhi, nữ sinh ngỡ ngàng, Đoàn kết",
        "start_at": "2026-11-20T08:00", "place": "Hội trường UBND xã", "audience": "Bí thư các chi đoàn",
        "attendees": people,
    });
    let r = ok(sotay(&db, &["add", "event", "--json", "-"], Some(&event.to_string())));
    let id = r.stdout.split_whitespace().nth(3).unwrap().trim_end_matches(':').to_string();
    (db, id)
}

fn look(pdf: &Path, name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/docs");
    std::fs::create_dir_all(&dir).unwrap();
    let prefix = dir.join(name);
    tool("pdftoppm", &["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf.to_str().unwrap(), prefix.to_str().unwrap()]);
}

#[test]
fn every_meeting_document_has_embedded_fonts_the_header_and_intact_vietnamese() {
    let dir = tempfile::tempdir().unwrap();
    let (db, event) = commune(dir.path(), 12);
    for doc in ["invitation", "agenda", "attendance", "minutes", "outline"] {
        let pdf = dir.path().join(format!("{doc}.pdf"));
        let r = ok(sotay(&db, &["print", doc, "--event", &event, "--out", pdf.to_str().unwrap(), "--number", "25", "--date", "2023-05-05"], None));
        assert!(r.stdout.contains("trang"), "{}", r.stdout);
        let fonts = tool("pdffonts", &[pdf.to_str().unwrap()]);
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{fonts}");
        for row in rows {
            assert!(row.contains("LiberationSerif"), "{doc}: {row}");
            let cols: Vec<&str> = row.split_whitespace().collect();
            assert_eq!(cols[cols.len() - 5], "yes", "{doc}: not embedded: {row}");
        }
        // Words as read, with the layout's line breaks and column gaps as single spaces.
        let text = page_text(&pdf, 1).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains("ĐOÀN TNCS HỒ CHÍ MINH"), "{doc}: {text}");
        assert!(text.contains("BCH TỈNH ĐOÀN HƯNG YÊN") && text.contains("BCH ĐOÀN XÃ ĐÔNG HƯNG"), "{doc}: {text}");
        assert!(text.contains("ủy ban, thiếu nhi, nữ sinh ngỡ ngàng, Đoàn kết"), "{doc}: Vietnamese broken: {text}");
        match doc {
            "invitation" => {
                assert!(text.contains("Số: 25-GM/ĐTN") && text.contains("GIẤY MỜI"), "{text}");
                assert!(text.contains("Đông Hưng, ngày 5 tháng 5 năm 2023"), "{text}");
                assert!(text.contains("8 giờ 00 phút, thứ Sáu, ngày 20/11/2026"), "{text}");
                assert!(text.contains("Nơi nhận:") && text.contains("TM. BAN THƯỜNG VỤ"), "{text}");
            }
            "agenda" => assert!(text.contains("Số: 25-CTr/ĐTN") && text.contains("CHƯƠNG TRÌNH") && text.contains("Chào cờ"), "{text}"),
            "attendance" => assert!(text.contains("DANH SÁCH ĐIỂM DANH") && text.contains("Tổng số triệu tập: 12"), "{text}"),
            "minutes" => assert!(text.contains("Số: 25-BB/ĐTN") && text.contains("BIÊN BẢN") && text.contains("Vào lúc 8 giờ 00 phút"), "{text}"),
            _ => assert!(text.contains("ĐỀ CƯƠNG TUYÊN TRUYỀN"), "{text}"),
        }
        assert!(text.chars().all(|c| !('\u{300}'..='\u{36f}').contains(&c)), "{doc}: combining marks: text is not NFC");
        look(&pdf, doc);
    }
}

#[test]
fn five_hundred_attendees_repeat_the_header_row_on_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let (db, event) = commune(dir.path(), 500);
    let pdf = dir.path().join("attendance.pdf");
    ok(sotay(&db, &["print", "attendance", "--event", &event, "--out", pdf.to_str().unwrap()], None));
    let n = pages(&pdf);
    assert!(n >= 15, "{n} pages");
    for p in 1..=n {
        let text = page_text(&pdf, p);
        assert!(text.contains("Họ và tên") && text.contains("Ký tên"), "page {p} lacks the header row:\n{text}");
        if p > 1 {
            assert!(text.lines().next().is_some_and(|l| l.trim() == p.to_string()), "page {p} is numbered at the top:\n{text}");
        }
    }
    assert!(!page_text(&pdf, 1).lines().next().unwrap_or("").trim().chars().all(|c| c.is_ascii_digit()), "page 1 has no number");
    let last = page_text(&pdf, n);
    assert!(last.contains("Tổng số triệu tập: 500"), "{last}");
    look(&pdf, "attendance-500");
}

#[test]
fn an_unknown_document_or_event_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (db, event) = commune(dir.path(), 0);
    let out = dir.path().join("x.pdf");
    let r = sotay(&db, &["print", "certificate", "--event", &event, "--out", out.to_str().unwrap()], None);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("invitation") && r.stderr.contains("attendance"), "{}", r.stderr);
    let r = sotay(&db, &["print", "invitation", "--event", "khong-co", "--out", out.to_str().unwrap()], None);
    assert_ne!(r.code, 0);
    assert!(!out.exists(), "no file for a failed print");
}

#[test]
fn printing_with_the_register_numbers_documents_in_order_and_shows_them_in_the_register() {
    let dir = tempfile::tempdir().unwrap();
    let (db, event) = commune(dir.path(), 3);
    let out = |n: &str| dir.path().join(format!("{n}.pdf")).display().to_string();
    let numbers: Vec<String> = ["a", "b"]
        .iter()
        .map(|n| {
            let r = ok(sotay(&db, &["print", "invitation", "--event", &event, "--out", &out(n), "--register", "--date", "2026-11-02"], None));
            r.stdout.lines().find_map(|l| l.strip_prefix("số văn bản: ")).unwrap().to_string()
        })
        .collect();
    assert_eq!(numbers, ["1-GM/ĐTN", "2-GM/ĐTN"]);
    let text = page_text(Path::new(&out("b")), 1);
    assert!(text.contains("Số: 2-GM/ĐTN"), "{text}");
    let list = ok(sotay(&db, &["register"], None)).stdout;
    assert!(list.contains("type-year") && list.contains("2-GM/ĐTN") && list.contains("02/11/2026"), "{list}");
    let r = sotay(&db, &["register", "--scope", "per-decade"], None);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("shared-year"), "{}", r.stderr);
    ok(sotay(&db, &["register", "--scope", "shared-year"], None));
    let r = ok(sotay(&db, &["print", "minutes", "--event", &event, "--out", &out("c"), "--register", "--date", "2026-11-03"], None));
    assert!(r.stdout.contains("số văn bản: 3-BB/ĐTN"), "one counter for every type: {}", r.stdout);
}
