//! Evidence files in the real window: on an event's page the officer picks a photo and a "photo" that is
//! really text (the system's dialog answered by `SOTAY_TEST_PICKED_EVIDENCE`): the photo's thumbnail
//! appears with its caption and the bad file is refused by name, the photo still attached. A second photo
//! comes in by its path (`evidence_attach_paths`, what a drop on the window calls); the list of events
//! marks the record with a paperclip and two; saving the form keeps both; one is opened (written into the
//! app's cache), then removed after the page asks, and is gone — from the window and for the CLI. A new
//! record says to save first; a false-information case has the gallery (an article preselected) and no
//! field for a SHA-256; the quick log offers the gallery of the event just saved. Screenshots of the
//! gallery at 1366×768 and 1024×640 go to tests/artifacts/. Last, November's report: ticking the evidence
//! annex lays out more pages, the report is saved, and the saved PDF's last page (rendered to
//! tests/artifacts/evidence-report-annex-page.png) shows the attendance sheet's photo with its caption.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use sotay_tests::driver::{try_invoke, unlock, Driver};
use sotay_tests::support::{added_id, sotay};
use sotay_tests::webdriver::Session;

const LONG: Duration = Duration::from_secs(30);
const CAPTION: &str = "Toàn cảnh buổi tuyên truyền tại thôn Đông";

/// A photo as a camera would give it: a sky, a field and a red banner (a real JPEG, 1200×900).
fn photo(path: &Path, banner: [u8; 3]) {
    let img = image::RgbImage::from_fn(1200, 900, |x, y| {
        if (380..820).contains(&x) && (160..300).contains(&y) {
            image::Rgb(banner)
        } else if y < 520 {
            image::Rgb([(90 + y / 8) as u8, (150 + y / 10) as u8, 230])
        } else {
            image::Rgb([40, (120 + (x % 60)) as u8, 50])
        }
    });
    img.save_with_format(path, image::ImageFormat::Jpeg).expect("the test photo is written");
}

fn ok(args: &[&str], db: &Path, stdin: Option<&str>) -> String {
    let r = sotay(db, args, stdin);
    assert_eq!(r.code, 0, "sotay {args:?}: {}", r.stderr);
    r.stdout
}

/// The window on `db` (its own home and XDG folders); the file dialog answers `picked`, and an opened
/// file is written without starting a viewer.
fn launch(db: &Path, picked: &[PathBuf]) -> (Driver, Session) {
    let picked = std::env::join_paths(picked).expect("paths without separators").into();
    sotay_tests::driver::launch_on(db, &[
        ("SOTAY_TEST_PICKED_EVIDENCE", picked),
        ("SOTAY_TEST_NO_VIEWER", PathBuf::from("1")),
        // The folder the print centre's folder button gives (no system dialog can be driven here).
        ("SOTAY_TEST_PICKED_DIR", saved_pdfs(db)),
    ])
}

/// Where the print centre saves, beside the database.
fn saved_pdfs(db: &Path) -> PathBuf {
    db.with_file_name("pdf")
}

fn shot(s: &Session, name: &str) -> Result<(), String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts").join(name);
    let bytes = s.screenshot(&path)?;
    if bytes < 10_000 {
        return Err(format!("{name} is only {bytes} bytes"));
    }
    Ok(())
}

#[test]
fn attach_see_open_and_remove_evidence_in_the_window() {
    let user = sotay_tests::support::UserFolders::now();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("evidence.db");
    ok(&["init", "--name", "Đoàn xã Đông Hưng", "--code", "XA-DONG-HUNG"], &db, None);
    let event = added_id(&ok(&["add", "event", "--json", "-"], &db, Some(
        r#"{"title": "Tuyên truyền Nghị quyết tại thôn Đông", "start_at": "2026-11-20T08:00", "participants": {"members": 40}}"#,
    )));
    let case = added_id(&ok(&["add", "case", "--json", "-"], &db, Some(
        r#"{"summary": "Bài đăng xuyên tạc về chính sách đất đai", "platform": "Facebook", "detected_at": "2026-11-18T21:00"}"#,
    )));
    let files = dir.path().join("may-anh");
    std::fs::create_dir_all(&files).unwrap();
    let (good, second, bad) = (files.join("IMG_0412.jpg"), files.join("danh-sach-diem-danh.jpg"), files.join("bien-ban.jpg"));
    photo(&good, [200, 30, 30]);
    photo(&second, [250, 250, 250]);
    std::fs::write(&bad, "Biên bản họp chi đoàn — đây là chữ, không phải ảnh").unwrap();

    std::fs::create_dir_all(saved_pdfs(&db)).unwrap();
    let (_driver, s) = launch(&db, &[good.clone(), bad.clone()]);
    let result = drive(&s, &event, &case, &second, &db);
    if result.is_err() {
        let _ = shot(&s, "evidence-failed.png");
    }
    s.end();
    result.unwrap();
    user.assert_untouched();

    // What the window left is what the CLI sees: one file, the attendance sheet, and the photo removed.
    let listed: Value = serde_json::from_str(&ok(&["files", "event", &event, "--json"], &db, None)).expect("files --json");
    let listed = listed.as_array().expect("a list");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!((listed[0]["kind"].as_str(), listed[0]["name"].as_str()), (Some("sheet"), Some("danh-sach-diem-danh.jpg")));
    assert_eq!(sotay(&db, &["check"], None).code, 0);

    // The report saved with its annex: the sheet's photo (sky, field, banner) on its last page, captioned.
    let pdfs: Vec<PathBuf> = std::fs::read_dir(saved_pdfs(&db)).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(pdfs.len(), 1, "{pdfs:?}");
    let text = std::process::Command::new("pdftotext").arg(&pdfs[0]).arg("-").output().expect("pdftotext (poppler-utils)");
    let text = String::from_utf8_lossy(&text.stdout);
    for words in ["PHỤ LỤC", "Tuyên truyền Nghị quyết tại thôn Đông", "Danh sách ký tên"] {
        assert!(text.contains(words), "the saved report lacks «{words}»:\n{text}");
    }
    let info = std::process::Command::new("pdfinfo").arg(&pdfs[0]).output().expect("pdfinfo (poppler-utils)");
    let last = String::from_utf8_lossy(&info.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().to_string()))
        .expect("the PDF's page count");
    let page = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/evidence-report-annex-page");
    let rendered = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-singlefile", "-f", &last, "-l", &last])
        .arg(&pdfs[0])
        .arg(&page)
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(rendered.success());
    let image = image::open(page.with_extension("png")).expect("the annex page as PNG").to_rgb8();
    let field = image.pixels().filter(|p| p[1] > p[0].saturating_add(40) && p[1] > p[2].saturating_add(40)).count();
    assert!(field > 500, "the annex page shows no photo ({field} green pixels)");
}

fn drive(s: &Session, event: &str, case: &str, second: &Path, db: &Path) -> Result<(), String> {
    unlock(s)?;
    s.set_size(1366, 768)?;
    // A new event: nothing to attach to yet.
    s.execute("location.hash = '#/events/new'; return true;", json!([]))?;
    s.wait("#evidence #evidence-save-first", LONG)?;
    if s.execute("return !!document.querySelector('#evidence-pick')", json!([]))? != json!(false) {
        return Err("a record not saved yet offers to attach files".into());
    }
    s.click("#form-back")?;
    s.wait_until("return location.hash === '#/events' ? true : null", LONG)?;

    // The event's page: its gallery, empty, says what happens to photos.
    s.execute("location.hash = arguments[0]; return true;", json!([format!("#/events/{event}")]))?;
    s.wait("#evidence #evidence-pick", LONG)?;
    s.wait_until("return document.querySelector('#evidence-empty') && !document.querySelector('#evidence-empty').hidden ? true : null", LONG)?;
    let said = s.text("#evidence")?;
    for words in ["Minh chứng", "Đính kèm tệp…", "hoặc kéo thả tệp vào đây", "Ảnh được thu nhỏ còn 1.600 điểm ảnh và bỏ thông tin vị trí, máy chụp"] {
        if !said.contains(words) {
            return Err(format!("the gallery does not say «{words}»: {said}"));
        }
    }
    let roles = s.execute("return Array.from(document.querySelectorAll('#evidence-role option')).map(o => o.textContent)", json!([]))?;
    if roles != json!(["Ảnh hoạt động", "Danh sách điểm danh", "Biên bản", "Bài viết, ảnh chụp màn hình", "Khác"]) {
        return Err(format!("the kinds offered: {roles}"));
    }

    // The dialog's two files: the photo goes in with its caption, the text is refused by its name.
    s.type_text("#evidence-caption", CAPTION)?;
    s.click("#evidence-pick")?;
    let thumb = s.wait_until(
        "const img = document.querySelector('#evidence-grid .evidence-item img.evidence-thumb');
         const refused = document.querySelector('#evidence-refused');
         return img && img.complete && img.naturalWidth > 0 && refused && !refused.hidden
           ? { src: img.src.slice(0, 23), w: img.naturalWidth, alt: img.alt, refused: refused.textContent, role: refused.getAttribute('role') } : null",
        LONG,
    )?;
    if thumb["src"] != json!("data:image/jpeg;base64,") || thumb["w"].as_i64().unwrap_or(0) < 100 || thumb["alt"] != json!(CAPTION) {
        return Err(format!("the thumbnail: {thumb}"));
    }
    let refused = thumb["refused"].as_str().unwrap_or_default();
    if !refused.contains("bien-ban.jpg") || !refused.contains("Không nhận tệp") || thumb["role"] != json!("alert") {
        return Err(format!("the bad file's refusal: {thumb}"));
    }
    let items = s.execute(
        "return Array.from(document.querySelectorAll('#evidence-grid .evidence-item')).map(li => ({
           caption: li.querySelector('.evidence-caption').textContent, role: li.querySelector('.evidence-role span').textContent,
           name: li.querySelector('.evidence-name').textContent }))",
        json!([]),
    )?;
    let first = &items[0];
    if items.as_array().map(Vec::len) != Some(1) || first["caption"] != json!(CAPTION) || first["role"] != json!("Ảnh hoạt động")
        || !first["name"].as_str().unwrap_or_default().starts_with("IMG_0412.jpg")
    {
        return Err(format!("the gallery shows: {items}"));
    }
    if s.execute("return document.querySelector('#evidence-caption').value", json!([]))? != json!("") {
        return Err("the caption stays typed after the file took it".into());
    }

    // A second file by its path, as a drop on the window sends it: the attendance sheet.
    let added = try_invoke(s, "evidence_attach_paths", json!({"kind": "event", "id": event, "paths": [second], "role": "sheet",
        "caption": "Danh sách ký tên"}))?;
    if added["ok"]["attached"].as_array().map(Vec::len) != Some(1) {
        return Err(format!("evidence_attach_paths: {added}"));
    }
    // The list marks the event with its two files.
    s.click("#form-back")?;
    let clip = s.wait_until(
        &format!("const row = document.querySelector('.record-row[data-id=\"{event}\"] .clip-count');
                  return row ? {{ text: row.textContent, title: row.title }} : null"),
        LONG,
    )?;
    if clip != json!({"text": "2", "title": "2 tệp minh chứng"}) {
        return Err(format!("the list's paperclip: {clip}"));
    }
    s.click(&format!(".record-row[data-id=\"{event}\"] td.title"))?;
    s.wait_until("return document.querySelectorAll('#evidence-grid .evidence-item img.evidence-thumb').length === 2 ? true : null", LONG)?;

    // Saving the form (a changed place) keeps both files.
    s.set_value("[name=place]", "Nhà văn hóa thôn Đông")?;
    s.click("#form-save")?;
    s.wait_until("const t = document.querySelector('#toast'); return t && t.textContent === 'Đã lưu' ? true : null", LONG)?;
    let kept = try_invoke(s, "get_record", json!({"kind": "event", "id": event}))?;
    if kept["ok"]["attachments"].as_array().map(Vec::len) != Some(2) || kept["ok"]["place"] != json!("Nhà văn hóa thôn Đông") {
        return Err(format!("after saving the form: {kept}"));
    }

    // The gallery on screen at both sizes, nothing wider than the window.
    for (w, h) in [(1366, 768), (1024, 640)] {
        s.set_size(w, h)?;
        let fits = s.wait_until(
            &format!("if (Math.abs(window.innerWidth - {w}) > 40) return null;
                      document.querySelector('#evidence').scrollIntoView({{ block: 'start' }});
                      return {{ wide: document.documentElement.scrollWidth <= window.innerWidth + 1,
                               cols: new Set(Array.from(document.querySelectorAll('#evidence-grid .evidence-item')).map(li => li.offsetTop)).size }}"),
            LONG,
        )?;
        if fits != json!({"wide": true, "cols": 1}) {
            return Err(format!("at {w}×{h} the gallery: {fits}"));
        }
        shot(s, &format!("evidence-gallery-{w}x{h}.png"))?;
    }
    s.set_size(1366, 768)?;

    // Open: the file is written (decrypted) into the app's cache folder, named by its hash.
    let sha = s.execute("return document.querySelector('#evidence-grid .evidence-item').dataset.sha256", json!([]))?;
    let sha = sha.as_str().unwrap_or_default().to_string();
    let opened = try_invoke(s, "evidence_open", json!({"sha256": sha}))?;
    let path = PathBuf::from(opened["ok"].as_str().unwrap_or_default());
    let cache = db.with_extension("profile").join("cache");
    let bytes = std::fs::read(&path).map_err(|e| format!("{opened}: {e}"))?;
    if !path.starts_with(&cache) || path.file_name() != Some(std::ffi::OsStr::new(&format!("{sha}.jpg"))) || !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err(format!("opened as {}", path.display()));
    }
    s.click("#evidence-grid .evidence-item .evidence-open")?;
    if s.execute("return document.querySelector('#evidence-refused').hidden", json!([]))? != json!(true) {
        return Err(format!("opening said: {}", s.text("#evidence-refused")?));
    }

    // Remove the photo: the page asks first; keeping it changes nothing, removing takes it away.
    let remove = format!("#evidence-grid .evidence-item[data-sha256=\"{sha}\"] .evidence-remove");
    s.click(&remove)?;
    s.wait("#evidence-remove-dialog", LONG)?;
    let asked = s.text("#evidence-remove-dialog-text")?;
    if !asked.contains(CAPTION) {
        return Err(format!("the question: {asked}"));
    }
    shot(s, "evidence-remove-dialog.png")?;
    s.click("#evidence-remove-no")?;
    s.wait_until("return !document.querySelector('#evidence-remove-dialog') ? true : null", LONG)?;
    s.click(&remove)?;
    s.wait("#evidence-remove-dialog", LONG)?;
    s.click("#evidence-remove-yes")?;
    s.wait_until(
        &format!("return !document.querySelector('[data-sha256=\"{sha}\"]') && document.querySelectorAll('#evidence-grid .evidence-item').length === 1 ? true : null"),
        LONG,
    )?;
    let left = s.execute("return document.querySelector('#evidence-grid .evidence-caption').textContent", json!([]))?;
    let left = left.as_str().unwrap_or_default();
    if left != "Danh sách ký tên" {
        return Err(format!("left in the gallery: {left}"));
    }

    // A false-information case: the gallery, an article preselected, and no SHA-256 to type.
    s.execute("location.hash = arguments[0]; return true;", json!([format!("#/cases/{case}")]))?;
    s.wait("#evidence #evidence-pick", LONG)?;
    let case_form = s.execute(
        "return { role: document.querySelector('#evidence-role').value, sha: !!document.querySelector('[name=screenshot_sha256]') }",
        json!([]),
    )?;
    if case_form != json!({"role": "article", "sha": false}) {
        return Err(format!("the case form: {case_form}"));
    }

    // The quick log: the event just saved offers its gallery.
    s.click("#log-event")?;
    s.wait("#quick-log", LONG)?;
    s.type_text("#quick-log [name=title]", "Ra quân tình nguyện tại thôn Đoài")?;
    s.set_value("#quick-log [name='participants.members']", "25")?;
    s.click("#quick-save")?;
    s.wait("#quick-status #quick-attach", LONG)?;
    s.click("#quick-attach")?;
    s.wait("#quick-evidence #evidence-pick", LONG)?;
    s.click("#evidence-pick")?;
    s.wait_until("return document.querySelector('#quick-evidence #evidence-grid img.evidence-thumb') ? true : null", LONG)?;
    shot(s, "evidence-quick-log.png")?;
    s.click("#quick-evidence-close")?;
    s.wait_until("return document.querySelector('#quick-evidence').hidden ? true : null", LONG)?;

    // November's report with the evidence annex: ticking it lays out more pages, and saving writes them.
    s.execute("location.hash = '#/print/report/2026M11'; return true;", json!([]))?;
    s.wait("section[data-view=print][data-state=ready]", LONG)?;
    let ready = "const p = document.querySelector('#print-pages'); return p && p.dataset.state === 'ready' && !document.querySelector('#print-save').disabled";
    let without = s.wait_until(&format!("{ready} ? Number(p.dataset.pages) : null"), LONG)?;
    s.click("#print-evidence-annex")?;
    let with_annex = s
        .wait_until(&format!("{ready} && Number(p.dataset.pages) > {without} ? Number(p.dataset.pages) : null"), LONG)
        .map_err(|e| format!("ticking the annex did not add pages to the {without}: {e}"))?;
    s.execute("document.querySelector(`#print-pages img.print-page:last-of-type`).scrollIntoView()", json!([]))?;
    shot(s, "evidence-report-annex.png")?;
    s.click("#print-pick-dir")?;
    s.wait_until("return document.querySelector('#print-dir').value ? true : null", LONG)?;
    s.click("#print-save")?;
    s.wait_until("const l = document.querySelector('#print-saved'); return l && l.dataset.count === '1'", LONG)
        .map_err(|e| format!("the report ({with_annex} pages) was not saved: {e}; {}", s.text("#print-status").unwrap_or_default()))?;
    Ok(())
}

/// The export to the stick copies the evidence files beside the changes and says so; the Sync screen
/// says how many files wait for the upper level's receipt, and once the province has them (its receipt
/// imported in the window) nothing waits any more.
#[test]
fn the_sync_screen_counts_the_evidence_files_waiting_and_the_stick_carries_them() {
    let user = sotay_tests::support::UserFolders::now();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (p, a, stick) = (d.join("province.db"), d.join("commune.db"), d.join("USB"));
    std::fs::create_dir_all(&stick).unwrap();
    ok(&["init", "--name", "Tỉnh đoàn Hưng Yên", "--code", "TINH-HY", "--level", "province"], &p, None);
    ok(&["init", "--name", "Đoàn xã Đông Hưng", "--code", "XA-DH"], &a, None);
    let (up, down) = (d.join("up.json"), d.join("down.json"));
    ok(&["enroll", "export", "--out", up.to_str().unwrap()], &p, None);
    ok(&["enroll", "import", up.to_str().unwrap()], &a, None);
    ok(&["enroll", "export", "--out", down.to_str().unwrap()], &a, None);
    ok(&["enroll", "import", down.to_str().unwrap()], &p, None);
    let event = added_id(&ok(&["add", "event", "--json", "-"], &a, Some(
        r#"{"title": "Tuyên truyền tại thôn Đông", "start_at": "2026-11-20T08:00", "participants": {"members": 30}}"#,
    )));
    let picture = d.join("IMG_0500.jpg");
    photo(&picture, [200, 30, 30]);
    ok(&["attach", "event", &event, picture.to_str().unwrap(), "--caption", "Toàn cảnh"], &a, None);

    let (_driver, s) = launch(&a, &[]);
    let result = sync_in_window(&s, &stick, &p);
    if result.is_err() {
        let _ = shot(&s, "evidence-sync-failed.png");
    }
    s.end();
    result.unwrap();
    user.assert_untouched();
    // The province holds the photo, byte for byte as the commune keeps it.
    let at_province: Value = serde_json::from_str(&ok(&["files", "event", &event, "--json"], &p, None)).unwrap();
    assert_eq!(at_province[0]["held"], true, "{at_province}");
}

fn sync_in_window(s: &Session, stick: &Path, province: &Path) -> Result<(), String> {
    unlock(s)?;
    s.set_size(1366, 768)?;
    s.click("[data-nav=sync]")?;
    s.wait("#sync-export", LONG)?;
    s.set_value("#sync-dir", stick.to_str().unwrap_or_default())?;
    s.click("#sync-export")?;
    let written = s.wait_until("const e = document.querySelector('#sync-evidence-written'); return e ? e.textContent : null", LONG)?;
    if !written.as_str().unwrap_or_default().starts_with("Đã chép 1 tệp minh chứng") {
        return Err(format!("after the export: {written}"));
    }
    // On the stick, not yet acknowledged: the file still waits, as the changes do, until the receipt.
    let waiting = s.wait_until(
        "const e = document.querySelector('#sync-files-waiting'); return e && !e.hidden ? e.textContent : null",
        LONG,
    )?;
    if !waiting.as_str().unwrap_or_default().starts_with("1 tệp minh chứng chờ gửi") {
        return Err(format!("the Sync screen says {waiting}"));
    }
    shot(s, "evidence-sync-waiting.png")?;
    // At the province: the stick imported (its bundles and files), the receipt written back onto it.
    let r = sotay(province, &["import", stick.to_str().unwrap_or_default()], None);
    if r.code != 0 {
        return Err(format!("the province's import: {}", r.stderr));
    }
    s.click("#sync-preview")?;
    s.wait_until("return document.querySelectorAll('#sync-preview-table tr[data-file]').length > 0", LONG)?;
    s.click("#sync-apply")?;
    s.wait_until(
        "const e = document.querySelector('#sync-waiting'), f = document.querySelector('#sync-files-waiting');
         return e && e.textContent.trim() === '0' && f && f.hidden ? true : null",
        LONG,
    )
    .map_err(|e| format!("{e}; the screen says: {}", s.text("section[data-view=sync]").unwrap_or_default()))?;
    Ok(())
}
