use serde_json::json;
use tempfile::TempDir;

use super::*;

fn commune_with_event(attendees: Vec<Value>) -> (TempDir, Store, String) {
    let dir = TempDir::new().unwrap();
    let mut s = Store::open_test(&dir.path().join("s.db"));
    s.init(&json!({"name": "Đoàn xã Đông Hưng", "code": "XA-DH", "level": "grassroots",
        "upper_body": "BCH TỈNH ĐOÀN HƯNG YÊN", "place": "Đông Hưng"})).unwrap();
    let e = s.create(Kind::Event, &json!({"title": "Hội nghị tuyên truyền Nghị quyết Đại hội Đoàn các cấp",
        "start_at": "2026-11-20T08:00", "place": "Hội trường UBND xã", "audience": "Bí thư các chi đoàn",
        "attendees": attendees})).unwrap();
    let id = e["id"].as_str().unwrap().to_string();
    (dir, s, id)
}

fn person(name: &str, unit: &str) -> Value {
    json!({"name": name, "position": "Bí thư chi đoàn", "unit": unit, "phone": "0912 345 678"})
}

#[test]
fn the_head_carries_issuer_number_and_place_date_as_the_rules_say() {
    let (_d, s, id) = commune_with_event(vec![]);
    let opts = DocOptions { number: Some(25), date: NaiveDate::from_ymd_opt(2023, 5, 5), ..Default::default() };
    let data = s.meeting_data(MeetingDoc::Invitation, &id, &opts).unwrap();
    assert_eq!(data["header"]["upper_body"], "BCH TỈNH ĐOÀN HƯNG YÊN");
    assert_eq!(data["header"]["issuer"], "BCH ĐOÀN XÃ ĐÔNG HƯNG");
    assert_eq!(data["header"]["number"], "25-GM/ĐTN");
    assert_eq!(data["header"]["place_date"], "Đông Hưng, ngày 5 tháng 5 năm 2023");
    assert_eq!(data["event"]["when"], "8 giờ 00 phút, thứ Sáu, ngày 20/11/2026");
    let minutes = s.meeting_data(MeetingDoc::Minutes, &id, &opts).unwrap();
    assert_eq!(minutes["header"]["number"], "25-BB/ĐTN");
    let sheet = s.meeting_data(MeetingDoc::Attendance, &id, &opts).unwrap();
    assert_eq!(sheet["header"]["number"], Value::Null, "an attendance sheet has no number");
}

#[test]
fn attendees_sort_by_given_name_or_group_by_unit_the_vietnamese_way() {
    let people = vec![
        person("Trần Văn Đức", "Chi đoàn thôn Đông"),
        person("Nguyễn Thị Anh", "Chi đoàn thôn Tây"),
        person("Lê Văn Dũng", "Chi đoàn thôn Đông"),
        person("Phạm Thị Ánh", "Chi đoàn Trường THCS"),
    ];
    let (_d, s, id) = commune_with_event(people);
    let names = |rows: &Value| -> Vec<String> {
        rows.as_array().unwrap().iter().map(|r| r["name"].as_str().or(r["group"].as_str()).unwrap().to_string()).collect()
    };
    let by_name = s.meeting_data(MeetingDoc::Attendance, &id, &DocOptions::default()).unwrap();
    // Anh < Ánh < Dũng < Đức: given names, with tones and đ after d.
    assert_eq!(names(&by_name["rows"]), ["Nguyễn Thị Anh", "Phạm Thị Ánh", "Lê Văn Dũng", "Trần Văn Đức"]);
    let grouped = s.meeting_data(MeetingDoc::Attendance, &id, &DocOptions { group_by_unit: true, ..Default::default() }).unwrap();
    assert_eq!(
        names(&grouped["rows"]),
        ["Chi đoàn thôn Đông", "Lê Văn Dũng", "Trần Văn Đức", "Chi đoàn thôn Tây", "Nguyễn Thị Anh", "Chi đoàn Trường THCS", "Phạm Thị Ánh"]
    );
    assert_eq!(grouped["totals"]["summoned"], 4);
}

#[test]
fn every_meeting_document_renders_and_five_hundred_attendees_take_many_pages() {
    let long = "Nguyễn Thị Phương Thảo Ngọc Lan ".repeat(4);
    let mut people: Vec<Value> = (0..500).map(|i| person(&format!("Đoàn viên số {i} Hoàng Văn Ước"), "Chi đoàn thôn Đông")).collect();
    people.push(person(long.trim(), "Chi đoàn có tên rất dài để thử xuống dòng trong ô của bảng"));
    let (_d, s, id) = commune_with_event(people);
    for doc in MeetingDoc::ALL {
        let r = s.meeting_document(doc, &id, &DocOptions::default()).unwrap();
        assert!(r.pdf.starts_with(b"%PDF-"), "{doc:?}");
        assert!(r.pages >= 1, "{doc:?}");
        if doc == MeetingDoc::Attendance {
            assert!(r.pages >= 15, "501 rows with a 9 mm signature cell: {} pages", r.pages);
        }
    }
    // The same data gives the same bytes.
    let opts = DocOptions { date: NaiveDate::from_ymd_opt(2026, 11, 1), ..Default::default() };
    let a = s.meeting_document(MeetingDoc::Invitation, &id, &opts).unwrap().pdf;
    let b = s.meeting_document(MeetingDoc::Invitation, &id, &opts).unwrap().pdf;
    assert_eq!(a, b);
}

/// Printed to pin on a wall or send on, the sheet leaves the phone numbers out: no column, no number.
#[test]
fn the_attendance_sheet_without_phones_has_no_phone_column_and_no_number() {
    let (_d, s, id) = commune_with_event(vec![person("Nguyễn Thị Anh", "Chi đoàn thôn Tây")]);
    let with = s.meeting_data(MeetingDoc::Attendance, &id, &DocOptions::default()).unwrap();
    assert_eq!(with["rows"][0]["phone"], "0912\u{a0}345\u{a0}678");
    let opts = DocOptions { hide_phones: true, ..Default::default() };
    let without = s.meeting_data(MeetingDoc::Attendance, &id, &opts).unwrap();
    assert_eq!(without["rows"][0]["phone"], "");
    assert_eq!(without["hide_phones"], true);
    let pdf = s.meeting_document(MeetingDoc::Attendance, &id, &opts).unwrap();
    assert!(pdf.pdf.starts_with(b"%PDF-"));
}

/// No list of delegates: the sheet has numbered blank rows to write names in and sign — 20, or as many as
/// took part — says so, and leaves the number summoned to write in (not "0"); the invitation's title
/// stands in its sentence in lower case.
#[test]
fn an_event_with_no_attendees_gives_a_sheet_of_blank_rows_and_unknown_documents_are_named() {
    let (_d, mut s, id) = commune_with_event(vec![]);
    let (data, _) = s.document_data(&DocumentRequest::Meeting { doc: MeetingDoc::Attendance, event_id: id.clone() }, &DocOptions::default()).unwrap();
    assert_eq!(data["rows"].as_array().unwrap().len(), 20);
    assert_eq!(data["rows"][19]["no"], 20);
    assert_eq!(data["blank"], true);
    assert!(data["totals"]["summoned"].is_null());
    let with_count = s.create(Kind::Event, &json!({"title": "Tuyên truyền tại thôn Đông", "start_at": "2026-11-21T08:00",
        "participants": {"members": 60, "non_members": 8, "others": 2}})).unwrap();
    let event = with_count["id"].as_str().unwrap().to_string();
    let (data, _) = s.document_data(&DocumentRequest::Meeting { doc: MeetingDoc::Attendance, event_id: event.clone() }, &DocOptions::default()).unwrap();
    assert_eq!(data["rows"].as_array().unwrap().len(), 70, "a row for each who took part");
    let (invitation, _) = s.document_data(&DocumentRequest::Meeting { doc: MeetingDoc::Invitation, event_id: event }, &DocOptions::default()).unwrap();
    assert_eq!(invitation["subject"], "Dự tuyên truyền tại thôn Đông");
    let r = s.meeting_document(MeetingDoc::Attendance, &id, &DocOptions::default()).unwrap();
    assert!(r.pages >= 1);
    let e = MeetingDoc::parse("certificate").unwrap_err();
    assert_eq!(e.field(), Some("document"));
    assert!(e.message(crate::Lang::Vi).contains("invitation"));
}

#[test]
fn user_text_is_shown_as_text_not_read_as_markup() {
    let (_d, mut s, _) = commune_with_event(vec![]);
    let e = s.create(Kind::Event, &json!({"title": "#set page(width: 1cm) *đậm* $x$ <nhãn> #panic(\"x\")", "start_at": "2026-11-20T08:00"})).unwrap();
    let r = s.meeting_document(MeetingDoc::Invitation, e["id"].as_str().unwrap(), &DocOptions::default()).unwrap();
    assert_eq!(r.pages, 1, "the title did not change the page");
}

#[test]
fn the_register_numbers_in_order_never_twice_per_type_or_shared_per_year_or_term() {
    let (_d, mut s, id) = commune_with_event(vec![]);
    let on = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let opts = |date| DocOptions { date: Some(date), ..Default::default() };
    // Per type and year (the default): invitations and minutes count apart, and start again in January.
    let (_, a) = s.issue_meeting_document(MeetingDoc::Invitation, &id, &opts(on(2026, 11, 1))).unwrap();
    let (_, b) = s.issue_meeting_document(MeetingDoc::Invitation, &id, &opts(on(2026, 11, 2))).unwrap();
    let (_, c) = s.issue_meeting_document(MeetingDoc::Minutes, &id, &opts(on(2026, 11, 2))).unwrap();
    let (_, d) = s.issue_meeting_document(MeetingDoc::Invitation, &id, &opts(on(2027, 1, 2))).unwrap();
    let texts: Vec<String> = [a, b, c, d].into_iter().map(|r| r.unwrap().text).collect();
    assert_eq!(texts, ["1-GM/ĐTN", "2-GM/ĐTN", "1-BB/ĐTN", "1-GM/ĐTN"]);
    // An attendance sheet takes no number.
    let (_, none) = s.issue_meeting_document(MeetingDoc::Attendance, &id, &opts(on(2027, 1, 2))).unwrap();
    assert!(none.is_none());
    // One counter for every type across a term (2022–2027).
    s.set_register_scope(RegisterScope::SharedTerm, Some(2022)).unwrap();
    let n: Vec<String> = [on(2026, 12, 1), on(2026, 12, 2), on(2027, 3, 1)]
        .iter()
        .map(|d| s.register_document("KH", "ĐTN", "Kế hoạch", None, *d).unwrap().text)
        .collect();
    // 2026 is in the 2022–2026 term, after GM 1, 2 and BB 1; 2027 starts a term that has GM 1 already.
    assert_eq!(n, ["3-KH/ĐTN", "4-KH/ĐTN", "2-KH/ĐTN"]);
    assert_eq!(s.register().unwrap().len(), 7);
    assert_eq!(RegisterScope::parse("per-decade").unwrap_err().field(), Some("register.scope"));
    // The number printed is the number registered.
    let (rendered, r) = s.issue_meeting_document(MeetingDoc::Agenda, &id, &opts(on(2027, 4, 1))).unwrap();
    assert!(rendered.pdf.starts_with(b"%PDF"));
    assert_eq!(r.unwrap().text, "3-CTr/ĐTN");
}
