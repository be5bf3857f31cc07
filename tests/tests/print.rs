//! `sotay print` as a person runs it, checked with poppler's tools (pdffonts, pdftotext, pdfinfo,
//! pdftoppm) the way a reader would see the PDF. Page images go to tests/artifacts/docs/ to look at.

use std::path::{Path, PathBuf};
use std::process::Command;

use sotay_tests::network::ok;
use sotay_tests::support::{page_image as look, sotay};

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
    let id = sotay_tests::support::added_id(&r.stdout);
    (db, id)
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
fn the_attendance_sheet_printed_without_phones_shows_no_phone_number_or_column() {
    let dir = tempfile::tempdir().unwrap();
    let (db, event) = commune(dir.path(), 12);
    let (with, without) = (dir.path().join("co-dien-thoai.pdf"), dir.path().join("khong-dien-thoai.pdf"));
    ok(sotay(&db, &["print", "attendance", "--event", &event, "--out", with.to_str().unwrap()], None));
    ok(sotay(&db, &["print", "attendance", "--event", &event, "--no-phones", "--out", without.to_str().unwrap()], None));
    let (a, b) = (page_text(&with, 1), page_text(&without, 1));
    assert!(a.contains("Điện thoại") && a.contains("345"), "{a}");
    assert!(!b.contains("Điện thoại") && !b.contains("0912") && !b.contains("345 678"), "{b}");
    assert!(b.contains("Tuyết 000") && b.contains("Ký tên"), "{b}");
    look(&without, "attendance-no-phones");
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
    // A document that cannot be saved (the folder is gone: a pulled stick) gives its number back.
    let gone = dir.path().join("usb").join("giay-moi.pdf");
    let r = sotay(&db, &["print", "invitation", "--event", &event, "--out", gone.to_str().unwrap(), "--register", "--date", "2026-11-02"], None);
    assert_ne!(r.code, 0);
    assert_eq!(ok(sotay(&db, &["register"], None)).stdout, list, "the register is as it was");
    let r = sotay(&db, &["register", "--scope", "per-decade"], None);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("shared-year"), "{}", r.stderr);
    // A refused term start changes nothing, the scope included.
    let r = sotay(&db, &["register", "--scope", "shared-term", "--term-start", "99999"], None);
    assert_ne!(r.code, 0);
    assert!(ok(sotay(&db, &["register"], None)).stdout.contains("type-year"), "the scope is unchanged");
    ok(sotay(&db, &["register", "--scope", "shared-year"], None));
    let r = ok(sotay(&db, &["print", "minutes", "--event", &event, "--out", &out("c"), "--register", "--date", "2026-11-03"], None));
    assert!(r.stdout.contains("số văn bản: 3-BB/ĐTN"), "one counter for every type: {}", r.stdout);
}

/// A word on a page as pdftotext -bbox places it, in points from the top left.
#[derive(Debug, Clone)]
struct Word {
    page: usize,
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    text: String,
}

fn words(pdf: &Path) -> Vec<Word> {
    let html = tool("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
    let attr = |tag: &str, name: &str| -> f64 {
        let key = format!("{name}=\"");
        let at = tag.find(&key).map(|i| i + key.len()).unwrap();
        tag[at..].split('"').next().unwrap().parse().unwrap()
    };
    let mut out = Vec::new();
    let mut page = 0;
    for line in html.lines().map(str::trim) {
        if line.starts_with("<page ") {
            page += 1;
        } else if let Some(rest) = line.strip_prefix("<word ") {
            let (tag, text) = rest.split_once('>').unwrap();
            let text = text.trim_end_matches("</word>").replace("&amp;", "&").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">");
            out.push(Word { page, x0: attr(tag, "xMin"), y0: attr(tag, "yMin"), x1: attr(tag, "xMax"), y1: attr(tag, "yMax"), text });
        }
    }
    out
}

const MM: f64 = 72.0 / 25.4;
/// pdftotext boxes a word from the font's ascent, which stands about 1 pt above the cap height that
/// typst puts on the margin.
const ASCENT: f64 = 1.5;

/// The first word `w` on page 1 that starts the phrase `phrase` (words in reading order).
fn phrase<'a>(ws: &'a [Word], phrase: &str) -> &'a Word {
    let parts: Vec<&str> = phrase.split_whitespace().collect();
    let page1: Vec<&Word> = ws.iter().filter(|w| w.page == 1).collect();
    (0..page1.len())
        .find(|&i| parts.iter().enumerate().all(|(k, p)| page1.get(i + k).is_some_and(|w| w.text == *p)))
        .map(|i| page1[i])
        .unwrap_or_else(|| panic!("no «{phrase}» on page 1"))
}

/// DOMAIN.md §5 measured on the PDF: A4, text inside the margins (top 20, bottom 20, left 30, right 20 mm)
/// but the page number, which sits at the top centre from page 2; the Union's name top right, the bodies
/// and the number top left, the place-date line right, the title centred, the recipients left and the
/// signature block right.
#[test]
fn every_document_keeps_the_margins_and_the_places_of_the_union_format() {
    let dir = tempfile::tempdir().unwrap();
    let (db, event) = commune(dir.path(), 60);
    let plan = ok(sotay(&db, &["add", "plan", "--json", "-"], Some(r#"{"title": "Kế hoạch tuyên truyền năm 2026", "start_on": "2026-01-01",
        "purpose": "Nâng cao nhận thức", "targets": [{"indicator": "TT-01", "value": 12}], "recipients": ["Ban Thường vụ Tỉnh đoàn (b/c)"]}"#)));
    let plan_id = sotay_tests::support::added_id(&plan.stdout);
    let left_half = 30.0 * MM + 80.0 * MM;
    let title = |doc: &str| match doc {
        "invitation" => "GIẤY MỜI",
        "agenda" => "CHƯƠNG TRÌNH",
        "attendance" => "DANH SÁCH ĐIỂM DANH",
        "minutes" => "BIÊN BẢN",
        "outline" => "ĐỀ CƯƠNG TUYÊN TRUYỀN",
        "plan" => "KẾ HOẠCH",
        _ => "BÁO CÁO",
    };
    for doc in ["invitation", "agenda", "attendance", "minutes", "outline", "plan", "report"] {
        let pdf = dir.path().join(format!("{doc}.pdf"));
        let mut args = vec!["print", doc, "--out", pdf.to_str().unwrap(), "--date", "2026-11-20"];
        match doc {
            "plan" => args.extend(["--plan", plan_id.as_str()]),
            "report" => args.extend(["--period", "2026"]),
            _ => args.extend(["--event", event.as_str()]),
        }
        ok(sotay(&db, &args, None));
        let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
        assert!(info.contains("595.276 x 841.89 pts (A4)") || info.contains("(A4)"), "{doc}: {info}");
        let ws = words(&pdf);
        for w in &ws {
            let page_number = w.page > 1 && w.y0 < 20.0 * MM - ASCENT && w.text == w.page.to_string();
            if page_number {
                let centre = (w.x0 + w.x1) / 2.0;
                assert!((centre - (30.0 + 80.0) * MM).abs() < 3.0 * MM, "{doc}: page number off centre: {w:?}");
                continue;
            }
            assert!(w.x0 >= 30.0 * MM - 0.5, "{doc}: left margin: {w:?}");
            assert!(w.x1 <= 190.0 * MM + 0.5, "{doc}: right margin: {w:?}");
            assert!(w.y0 >= 20.0 * MM - ASCENT, "{doc}: top margin: {w:?}");
            assert!(w.y0 <= 277.0 * MM, "{doc}: bottom margin: {w:?}");
        }
        // Page 2 onwards carries its number; page 1 none.
        let pages = ws.iter().map(|w| w.page).max().unwrap_or(1);
        for p in 2..=pages {
            assert!(ws.iter().any(|w| w.page == p && w.y0 < 20.0 * MM - ASCENT && w.text == p.to_string()), "{doc}: no number on page {p}");
        }
        assert!(!ws.iter().any(|w| w.page == 1 && w.y0 < 20.0 * MM - ASCENT), "{doc}: nothing above the top margin on page 1");

        let union = phrase(&ws, "ĐOÀN TNCS HỒ CHÍ MINH");
        assert!(union.x0 > left_half - 10.0 * MM, "{doc}: the Union's name is top right: {union:?}");
        let issuer = phrase(&ws, "BCH ĐOÀN XÃ ĐÔNG HƯNG");
        assert!(issuer.x0 < left_half && issuer.y0 > union.y0, "{doc}: the issuing body is top left: {issuer:?}");
        if let Some(number) = ws.iter().find(|w| w.page == 1 && w.text == "Số:") {
            assert!(number.x1 < left_half && number.y0 > issuer.y0, "{doc}: the number under the bodies, left: {number:?}");
        }
        let t = phrase(&ws, title(doc));
        let line: Vec<&Word> = ws.iter().filter(|w| w.page == 1 && (w.y0 - t.y0).abs() < 1.0).collect();
        let centre = (line.first().unwrap().x0 + line.last().unwrap().x1) / 2.0;
        assert!((centre - 110.0 * MM).abs() < 2.0 * MM, "{doc}: the title is centred on the text area: {centre} pt");
        if doc != "attendance" {
            let date = phrase(&ws, "Hưng, ngày 20 tháng 11 năm 2026");
            assert!(date.x0 > left_half - 10.0 * MM && date.y0 < t.y0, "{doc}: the place-date line is on the right, above the title: {date:?}");
        }
        if !["attendance", "minutes"].contains(&doc) {
            let last = ws.iter().rfind(|w| w.text == "Nơi").unwrap_or_else(|| panic!("{doc}: Nơi nhận"));
            assert!(last.x0 < left_half, "{doc}: recipients on the left");
            let tm = ws.iter().find(|w| w.text == "TM.").unwrap_or_else(|| panic!("{doc}: signature block"));
            assert!(tm.x0 > left_half - 10.0 * MM && tm.page == last.page, "{doc}: the signature block on the right of the recipients: {tm:?}");
        }
    }
}

/// A name of 120 characters and a title as long: wrapped inside the margins, never clipped or lost.
#[test]
fn names_of_120_characters_wrap_inside_the_margins() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("xa.db");
    ok(sotay(&db, &["init", "--name", "Đoàn xã Đông Hưng", "--code", "XA-DH", "--place", "Đông Hưng"], None));
    let long_name = "Công Tằng Tôn Nữ Thị Phương Thảo Nguyên Hạnh Phúc Ánh Dương Bình Minh Thùy Trang Ngọc Diệp Hoàng Yến Kim Chi Như Ý Tuyết Mai";
    let long_name: String = long_name.chars().take(120).collect();
    assert_eq!(long_name.chars().count(), 120);
    let title = format!("Hội nghị {}", "tuyên truyền, ".repeat(8)).trim_end_matches([',', ' ']).to_string();
    let event = serde_json::json!({"title": title, "start_at": "2026-11-20T08:00",
        "attendees": [{"name": long_name, "position": long_name, "unit": long_name}]});
    let r = ok(sotay(&db, &["add", "event", "--json", "-"], Some(&event.to_string())));
    let id = sotay_tests::support::added_id(&r.stdout);
    for doc in ["invitation", "agenda", "attendance", "minutes", "outline"] {
        let pdf = dir.path().join(format!("{doc}.pdf"));
        ok(sotay(&db, &["print", doc, "--event", &id, "--out", pdf.to_str().unwrap()], None));
        let ws = words(&pdf);
        for w in &ws {
            assert!(w.x0 >= 30.0 * MM - 0.5 && w.x1 <= 190.0 * MM + 0.5, "{doc}: outside the margins: {w:?}");
        }
        let all: String = ws.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
        assert!(all.contains(&title), "{doc}: the whole title");
        if doc == "attendance" {
            assert!(all.contains(&long_name), "the whole name on the sheet: {all}");
        }
    }
}

/// A link or an e-mail longer than its column has no space to break at: it breaks inside its cell
/// instead of running over the next one, and none of it is lost.
#[test]
fn a_long_unbroken_word_breaks_inside_its_cell() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("xa.db");
    ok(sotay(&db, &["init", "--name", "Đoàn xã Đông Hưng", "--code", "XA-DH", "--place", "Đông Hưng"], None));
    let link = "https://www.facebook.com/doanthanhnien.xadonghung.huyendonghung.thaibinh";
    let mail = "bithudoanthanhnienxadonghung2026@gmail.com";
    let event = serde_json::json!({"title": "Hội nghị tuyên truyền", "start_at": "2026-11-20T08:00",
        "place": link,
        "attendees": [{"name": "Nguyễn Văn An", "position": mail, "unit": link, "phone": "0912345678"}]});
    let r = ok(sotay(&db, &["add", "event", "--json", "-"], Some(&event.to_string())));
    let id = sotay_tests::support::added_id(&r.stdout);
    for doc in ["invitation", "attendance", "minutes"] {
        let pdf = dir.path().join(format!("{doc}.pdf"));
        ok(sotay(&db, &["print", doc, "--event", &id, "--out", pdf.to_str().unwrap()], None));
        let ws = words(&pdf);
        for (i, a) in ws.iter().enumerate() {
            assert!(a.x0 >= 30.0 * MM - 0.5 && a.x1 <= 190.0 * MM + 0.5, "{doc}: outside the margins: {a:?}");
            for b in &ws[i + 1..] {
                let overlap = a.page == b.page && a.x0 < b.x1 - 0.5 && b.x0 < a.x1 - 0.5 && a.y0 < b.y1 - 0.5 && b.y0 < a.y1 - 0.5;
                assert!(!overlap, "{doc}: words overlap: {a:?} and {b:?}");
            }
        }
        if doc == "attendance" {
            let cell = down_the_column(&ws, "bithu", 0);
            assert!(cell.starts_with(mail), "the whole e-mail in its cell: {cell}");
            // The link is in the line under the title first, then in the unit's cell.
            let cell = down_the_column(&ws, "https", 1);
            assert!(cell.starts_with(link), "the whole link in its cell: {cell}");
        } else {
            let joined: String = ws.iter().map(|w| w.text.as_str()).collect();
            assert!(joined.contains(link), "{doc}: the whole link: {joined}");
        }
    }
}

/// The text of a table cell broken over lines: the `nth` word that starts with `start`, and the words
/// under it that start at the same x, to the end of the page (cells side by side interleave in reading
/// order).
fn down_the_column(ws: &[Word], start: &str, nth: usize) -> String {
    let first = ws.iter().enumerate().filter(|(_, w)| w.text.starts_with(start)).nth(nth).map(|(i, _)| i);
    let first = first.unwrap_or_else(|| panic!("no «{start}…» number {nth}"));
    let (page, x0) = (ws[first].page, ws[first].x0);
    ws[first..].iter().filter(|w| w.page == page && (w.x0 - x0).abs() < 1.0).map(|w| w.text.as_str()).collect()
}
