use std::io::Cursor;

use serde_json::json;

use super::media::{self, jpeg_is_whole, Sniffed};
use super::*;
use crate::{Kind, Store};

/// A photo as a phone writes it: `w`×`h` pixels of a gradient, JPEG, with an EXIF block that says the
/// camera was turned (orientation 6: the picture must be turned 90° clockwise to stand upright), names
/// the camera and carries a GPS position.
pub(crate) fn phone_photo(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 128]));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&img).unwrap();
    let exif = exif_block();
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    app1.extend_from_slice(&exif);
    // After SOI, before everything else.
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// "Exif\0\0" + a little-endian TIFF with IFD0: Make = "CanonMAKE", Orientation = 6, GPS IFD pointer;
/// the GPS IFD holds GPSLatitudeRef = "N".
fn exif_block() -> Vec<u8> {
    let mut t: Vec<u8> = Vec::new();
    t.extend_from_slice(b"II*\0");
    t.extend_from_slice(&8u32.to_le_bytes());
    // IFD0 at 8: 3 entries (12 bytes each) + next-IFD offset 0.
    let ifd0_len = 2 + 3 * 12 + 4;
    let make_at = 8 + ifd0_len as u32;
    let make = b"CanonMAKE\0";
    let gps_at = make_at + make.len() as u32;
    let entry = |t: &mut Vec<u8>, tag: u16, ty: u16, count: u32, value: [u8; 4]| {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&ty.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        t.extend_from_slice(&value);
    };
    t.extend_from_slice(&3u16.to_le_bytes());
    entry(&mut t, 0x010F, 2, make.len() as u32, make_at.to_le_bytes()); // Make
    entry(&mut t, 0x0112, 3, 1, [6, 0, 0, 0]); // Orientation = 6
    entry(&mut t, 0x8825, 4, 1, gps_at.to_le_bytes()); // GPS IFD
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(make);
    t.extend_from_slice(&1u16.to_le_bytes());
    entry(&mut t, 0x0001, 2, 2, [b'N', 0, 0, 0]); // GPSLatitudeRef
    t.extend_from_slice(&0u32.to_le_bytes());
    let mut block = b"Exif\0\0".to_vec();
    block.extend_from_slice(&t);
    block
}

fn png_bytes(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, _| image::Rgba([200, 10, 10, if x < w / 2 { 0 } else { 255 }]));
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

/// A PNG whose header claims `w`×`h` pixels, with almost no data after it: a decompression bomb.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        out.extend_from_slice(&crc_input);
        out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

pub(crate) fn small_pdf(text: &str, pad_to: usize) -> Vec<u8> {
    let mut pdf = format!("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {text}\n").into_bytes();
    while pdf.len() < pad_to {
        pdf.extend_from_slice(b"% padding padding padding padding padding padding padding padding\n");
    }
    pdf.extend_from_slice(b"trailer << /Root 1 0 R >>\n%%EOF\n");
    pdf
}

fn decoded(bytes: &[u8]) -> image::DynamicImage {
    image::load_from_memory(bytes).unwrap()
}

#[test]
fn a_phone_photo_is_turned_upright_shrunk_to_1600_and_keeps_no_camera_or_place() {
    let original = phone_photo(4000, 3000);
    assert!(original.windows(9).any(|w| w == b"CanonMAKE"), "the fixture carries the camera");
    let done = media::process("IMG_0001.JPG", &original, DEFAULT_PDF_CAP).unwrap();
    assert_eq!(done.media_type, "image/jpeg");
    // Orientation 6 turns 4000×3000 into a portrait picture: 1200 wide, 1600 high.
    assert_eq!((done.width, done.height), (Some(1200), Some(1600)));
    let img = decoded(&done.bytes);
    assert_eq!((img.width(), img.height()), (1200, 1600));
    // The top-left of the upright picture is the bottom-left of the sensor's: dark red, full green.
    let corner = img.to_rgb8().get_pixel(5, 5).0;
    assert!(corner[1] > 200 && corner[0] < 40, "not turned the right way: {corner:?}");
    for marker in [&b"Exif"[..], b"CanonMAKE", b"II*\0"] {
        assert!(!done.bytes.windows(marker.len()).any(|w| w == marker), "{:?} left in the kept photo", String::from_utf8_lossy(marker));
    }
    assert_eq!(done.sha256, sha256_hex(&done.bytes));
    let thumb = decoded(done.thumb.as_ref().unwrap());
    assert_eq!(thumb.width().max(thumb.height()), media::THUMB_LONG_SIDE);
}

#[test]
fn a_small_png_keeps_its_size_and_its_transparent_parts_turn_white() {
    let done = media::process("chup-man-hinh.png", &png_bytes(300, 200), DEFAULT_PDF_CAP).unwrap();
    assert_eq!((done.width, done.height), (Some(300), Some(200)));
    let img = decoded(&done.bytes).to_rgb8();
    let see_through = img.get_pixel(10, 100).0;
    assert!(see_through.iter().all(|c| *c > 240), "transparent turned {see_through:?}, not white");
}

#[test]
fn a_pdf_is_kept_byte_for_byte_up_to_the_cap() {
    let pdf = small_pdf("Biên bản sinh hoạt chi đoàn", 50_000);
    let done = media::process("bien-ban.pdf", &pdf, DEFAULT_PDF_CAP).unwrap();
    assert_eq!(done.bytes, pdf);
    assert_eq!(done.media_type, "application/pdf");
    assert!(done.thumb.is_none());
}

#[test]
fn every_kind_of_bad_file_is_refused_with_its_reason() {
    let photo = phone_photo(800, 600);
    let half = photo[..photo.len() / 2].to_vec();
    let over_cap = small_pdf("x", 2 * 1024 * 1024);
    let mut heic = vec![0, 0, 0, 24];
    heic.extend_from_slice(b"ftypheic");
    heic.extend_from_slice(&[0; 16]);
    let cases: Vec<(&str, Vec<u8>, u64, fn(&FileProblem) -> bool)> = vec![
        ("rong.jpg", Vec::new(), DEFAULT_PDF_CAP, |p| *p == FileProblem::Empty),
        ("anh.jpg", png_bytes(20, 20), DEFAULT_PDF_CAP, |p| matches!(p, FileProblem::NotWhatItSays { actual: "PNG", .. })),
        ("tai-lieu.pdf", photo.clone(), DEFAULT_PDF_CAP, |p| matches!(p, FileProblem::NotWhatItSays { actual: "JPEG", .. })),
        ("bom.png", png_claiming(100_000, 100_000), DEFAULT_PDF_CAP, |p| matches!(p, FileProblem::TooManyPixels { width: 100_000, height: 100_000 })),
        ("lon.pdf", over_cap, 1024 * 1024, |p| matches!(p, FileProblem::TooLarge { cap: 1_048_576, .. })),
        ("cat-cut.jpg", half, DEFAULT_PDF_CAP, |p| *p == FileProblem::Truncated),
        ("cat-cut.pdf", small_pdf("x", 10_000)[..5_000].to_vec(), DEFAULT_PDF_CAP, |p| *p == FileProblem::Truncated),
        ("iphone.heic", heic, DEFAULT_PDF_CAP, |p| *p == FileProblem::Heic),
        ("dong.gif", b"GIF89a....".to_vec(), DEFAULT_PDF_CAP, |p| matches!(p, FileProblem::Unsupported { .. })),
        ("rac.png", b"\x89PNG\r\n\x1a\nnot a png at all".to_vec(), DEFAULT_PDF_CAP, |p| matches!(p, FileProblem::Damaged(_))),
    ];
    for (name, bytes, cap, expected) in cases {
        let got = media::process(name, &bytes, cap);
        match got {
            Err(problem) => {
                assert!(expected(&problem), "{name}: {problem:?}");
                let e = Error::FileRefused { file: name.into(), problem };
                let vi = e.message(crate::Lang::Vi);
                assert!(vi.contains(name), "the message names the file: {vi}");
                assert_ne!(vi, e.message(crate::Lang::En));
            }
            Ok(_) => panic!("{name} was taken"),
        }
    }
}

#[test]
fn a_jpeg_is_whole_only_with_its_end_marker_after_the_scan() {
    let photo = phone_photo(64, 48);
    assert!(jpeg_is_whole(&photo));
    // The embedded EXIF has no end marker, but one inside APP1 would not count either.
    assert!(!jpeg_is_whole(&photo[..photo.len() - 2]));
    assert_eq!(Sniffed::of(&photo), Sniffed::Jpeg);
}

fn commune() -> (Store, String) {
    let mut s = Store::open_in_memory().unwrap();
    s.init(&json!({"code": "XA", "name": "Đoàn xã An Phú", "level": "grassroots"})).unwrap();
    let ev = s.create(Kind::Event, &json!({"title": "Sinh hoạt chi đoàn tháng 7", "start_at": "2025-07-12T08:00"})).unwrap();
    let id = ev["id"].as_str().unwrap().to_string();
    (s, id)
}

fn picked(name: &str, bytes: Vec<u8>) -> Picked {
    Picked { name: name.into(), bytes }
}

fn changes_of(s: &Store, id: &str) -> Vec<serde_json::Value> {
    let mut stmt = s.conn().prepare("SELECT fields FROM change_log WHERE record_id = ?1 ORDER BY seq").unwrap();
    stmt.query_map([id], |r| r.get::<_, String>(0)).unwrap().map(|f| serde_json::from_str(&f.unwrap()).unwrap()).collect()
}

#[test]
fn attaching_keeps_good_files_once_refuses_bad_ones_by_name_and_logs_one_change() {
    let (mut s, id) = commune();
    let photo = phone_photo(2000, 1500);
    let out = s
        .attach(
            Kind::Event,
            &id,
            vec![picked("hop.jpg", photo.clone()), picked("gia.jpg", png_bytes(10, 10)), picked("bien-ban.pdf", small_pdf("x", 1000))],
            FileRole::Photo,
            Some("Toàn cảnh buổi sinh hoạt"),
        )
        .unwrap();
    assert_eq!(out.attached.len(), 2);
    assert_eq!(out.refused.len(), 1);
    assert_eq!(out.refused[0].0, "gia.jpg");
    let list = s.attachments(Kind::Event, &id).unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|a| a.held));
    assert_eq!(list[0].attachment.caption.as_deref(), Some("Toàn cảnh buổi sinh hoạt"));
    assert_eq!(list[0].attachment.name, "hop.jpg");
    // Bytes kept are the bytes hashed.
    let kept = s.file_bytes(&list[0].attachment.sha256).unwrap().unwrap();
    assert_eq!(sha256_hex(&kept), list[0].attachment.sha256);
    let changes = changes_of(&s, &id);
    assert_eq!(changes.len(), 2, "create + one update for the attachment");
    assert_eq!(changes[1]["attachments"].as_array().unwrap().len(), 2);

    // The same photo again: still one file, one entry, no change.
    let again = s.attach(Kind::Event, &id, vec![picked("hop-copy.jpg", photo)], FileRole::Photo, None).unwrap();
    assert!(again.attached.is_empty());
    assert_eq!(s.attachments(Kind::Event, &id).unwrap().len(), 2);
    let files: i64 = s.conn().query_row("SELECT count(*) FROM files", [], |r| r.get(0)).unwrap();
    assert_eq!(files, 2);
    assert_eq!(changes_of(&s, &id).len(), 2);
}

#[test]
fn a_record_written_here_may_not_name_a_file_that_is_not_here_but_keeps_those_it_had() {
    let (mut s, id) = commune();
    let mut body = s.get(Kind::Event, &id).unwrap();
    body["attachments"] = json!([{"sha256": "ab".repeat(32), "name": "x.jpg", "media_type": "image/jpeg", "size": 10}]);
    let e = s.update(Kind::Event, &id, &body).unwrap_err();
    assert_eq!(e.field(), Some("attachments[0].sha256"), "{e:?}");
    // A reference that arrived with the record (its file not here yet) survives an edit of the title.
    s.with_tx(|tx| {
        tx.execute("UPDATE records SET body = json_set(body, '$.attachments', json(?2)) WHERE id = ?1", rusqlite::params![id, body["attachments"].to_string()])?;
        Ok(())
    })
    .unwrap();
    let mut body = s.get(Kind::Event, &id).unwrap();
    body["title"] = json!("Sinh hoạt chi đoàn tháng 7 (sửa)");
    s.update(Kind::Event, &id, &body).unwrap();
}

#[test]
fn a_removed_or_deleted_attachment_is_kept_for_the_grace_period_then_removed() {
    let (mut s, id) = commune();
    let out = s.attach(Kind::Event, &id, vec![picked("a.jpg", phone_photo(300, 200))], FileRole::Photo, None).unwrap();
    let sha = out.attached[0].sha256.clone();
    let now = crate::clock::now_utc();
    assert_eq!(s.prune_files(now, ORPHAN_GRACE_DAYS).unwrap(), 0, "still referred to");
    s.detach(Kind::Event, &id, &sha).unwrap();
    assert!(s.attachments(Kind::Event, &id).unwrap().is_empty());
    assert_eq!(changes_of(&s, &id).last().unwrap()["attachments"], json!(null), "the removal is a change that travels");
    assert_eq!(s.prune_files(now, ORPHAN_GRACE_DAYS).unwrap(), 0, "marked, within the grace period");
    assert!(s.holds_file(&sha).unwrap());
    let later = now + chrono::Duration::days(ORPHAN_GRACE_DAYS + 1);
    assert_eq!(s.prune_files(later, ORPHAN_GRACE_DAYS).unwrap(), 1);
    assert!(!s.holds_file(&sha).unwrap());

    // Deleting the record lets go of its files the same way.
    let out = s.attach(Kind::Event, &id, vec![picked("b.pdf", small_pdf("b", 100))], FileRole::Minutes, None).unwrap();
    let sha = out.attached[0].sha256.clone();
    s.delete(Kind::Event, &id).unwrap();
    s.prune_files(now, ORPHAN_GRACE_DAYS).unwrap();
    assert_eq!(s.prune_files(later, ORPHAN_GRACE_DAYS).unwrap(), 1);
    assert!(!s.holds_file(&sha).unwrap());
}

#[test]
fn a_received_file_is_kept_only_when_its_bytes_are_its_hash() {
    let (mut s, _) = commune();
    let done = media::process("a.jpg", &phone_photo(400, 300), DEFAULT_PDF_CAP).unwrap();
    let ctx = crate::store::WriteCtx::now();
    let mut damaged = done.bytes.clone();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x55;
    let refused = s.with_tx(|tx| Ok(keep_received(tx, &done.sha256, "image/jpeg", &damaged, &ctx))).unwrap();
    assert!(matches!(refused, Err(ReceivedProblem::File(FileProblem::HashMismatch))), "{refused:?}");
    assert!(!s.holds_file(&done.sha256).unwrap());
    s.with_tx(|tx| Ok(keep_received(tx, &done.sha256, "image/jpeg", &done.bytes, &ctx))).unwrap().unwrap();
    assert_eq!(s.file_bytes(&done.sha256).unwrap().unwrap(), done.bytes);
    assert!(s.file_thumb(&done.sha256).unwrap().is_some());
}

#[test]
fn the_report_counts_events_with_and_without_evidence_and_its_annex_shows_each_photo_with_its_caption() {
    let (mut s, id) = commune();
    let mut body = s.get(Kind::Event, &id).unwrap();
    body["status"] = json!("done");
    s.update(Kind::Event, &id, &body).unwrap();
    let other = s.create(Kind::Event, &json!({"title": "Hội nghị không ảnh", "start_at": "2025-07-20T08:00", "status": "done"})).unwrap();
    s.attach(Kind::Event, &id, vec![picked("hop.jpg", phone_photo(800, 600)), picked("bb.pdf", small_pdf("b", 100))], FileRole::Photo, Some("Đoàn viên dự sinh hoạt"))
        .unwrap();
    let period = crate::Period::parse("2025Q3").unwrap();
    let r = s.period_report(None, &period).unwrap();
    assert_eq!((r.events, r.events_with_evidence), (2, 1));
    assert_eq!(r.evidence.len(), 1);
    assert_eq!(r.evidence[0].event_id, id);
    assert_ne!(r.evidence[0].event_id, other["id"].as_str().unwrap());
    assert_eq!(s.dashboard(None, &period).unwrap().events_with_evidence, 1);

    let req = crate::docs::DocumentRequest::Report { unit_id: None, period: period.clone(), structure: Default::default() };
    let plain = s.render_document(&req, &crate::docs::DocOptions::default()).unwrap();
    let annexed = s.render_document(&req, &crate::docs::DocOptions { evidence_annex: true, ..Default::default() }).unwrap();
    assert!(annexed.pages > plain.pages, "the annex adds its page");
    let (data, _) = s.document_data(&req, &crate::docs::DocOptions { evidence_annex: true, ..Default::default() }).unwrap();
    assert!(data["evidence_line"].as_str().unwrap().contains("Có 1/2 hoạt động có minh chứng"), "{}", data["evidence_line"]);
    let photos = &data["annex"][0]["events"][0]["photos"];
    assert_eq!(photos.as_array().unwrap().len(), 1);
    assert_eq!(photos[0]["caption"], "Đoàn viên dự sinh hoạt");
    assert!(data["annex"][0]["events"][0]["others"].as_str().unwrap().contains("bb.pdf"));
}
