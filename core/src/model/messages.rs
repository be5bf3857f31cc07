//! Every validation rule of every kind, broken once each: the problem is found, named on its field, and
//! said in Vietnamese and in English with no internal name and no English inside the Vietnamese.

use serde_json::{json, Value};

use super::testing::world;
use super::{field_paths, prepare, Kind};
use crate::error::Problem;
use crate::i18n::{record_field_label, Lang};

/// Words of the English texts that must never appear in a Vietnamese one.
const ENGLISH: [&str; 22] = [
    "must", "only", " is ", "the ", " and ", " not ", "invalid", "unknown", "expected", "link ", "letters", "digits",
    "characters", "value", "required", "more than", "field", "variant", "type", "one of", "hexadecimal", "choices",
];

fn base(kind: Kind) -> Value {
    match kind {
        Kind::Unit => json!({"code": "XA-A", "name": "Đoàn xã A", "level": "grassroots"}),
        Kind::Plan => json!({"title": "Kế hoạch", "start_on": "2025-07-01"}),
        Kind::Event => json!({"title": "Tuyên truyền", "start_at": "2025-07-01T08:00"}),
        Kind::Practice => json!({"name": "Mô hình"}),
        Kind::Opinion => json!({"topic": "Chủ đề", "content": "Ý kiến", "given_on": "2025-07-01"}),
        Kind::Inspection => json!({"content": "Kiểm tra", "held_on": "2025-07-01"}),
        Kind::Supervision => json!({"subject": "Giám sát", "period_from": "2025-07-01"}),
        Kind::Case => json!({"summary": "Tin sai", "platform": "Facebook", "detected_at": "2025-07-01T08:00"}),
        Kind::Indicator => json!({"code": "X-01", "name": "Chỉ tiêu", "group": "X"}),
    }
}

/// (kind, fields to set on the base record, the field the problem must be named on).
fn broken_rules() -> Vec<(Kind, Value, &'static str)> {
    let two_lines = "dòng 1\ndòng 2";
    let long = "a".repeat(crate::text::MAX_LINE + 1);
    vec![
        (Kind::Unit, json!({"code": ""}), "code"),
        (Kind::Unit, json!({"code": "xã a!"}), "code"),
        (Kind::Unit, json!({"name": ""}), "name"),
        (Kind::Unit, json!({"name": long}), "name"),
        (Kind::Unit, json!({"name": "Đoàn\u{7}"}), "name"),
        (Kind::Unit, json!({"level": "galaxy"}), "level"),
        (Kind::Unit, json!({"upper_body": two_lines}), "upper_body"),
        (Kind::Unit, json!({"place": two_lines}), "place"),
        (Kind::Unit, json!({"parent_id": "nope"}), "parent_id"),
        (Kind::Unit, json!({"successor_id": "nope", "valid_to": "2025-06-30"}), "successor_id"),
        (Kind::Unit, json!({"successor_id": "u1"}), "valid_to"),
        (Kind::Unit, json!({"valid_from": "31/12/2025"}), "valid_from"),
        (Kind::Unit, json!({"valid_from": "2025-07-01", "valid_to": "2025-01-01"}), "valid_to"),
        (Kind::Unit, json!({"member_count": -1}), "member_count"),
        (Kind::Unit, json!({"member_count": "nhiều"}), "member_count"),
        (Kind::Plan, json!({"title": ""}), "title"),
        (Kind::Plan, json!({"number": two_lines}), "number"),
        (Kind::Plan, json!({"signer": two_lines}), "signer"),
        (Kind::Plan, json!({"place": two_lines}), "place"),
        (Kind::Plan, json!({"issued_on": "hôm qua"}), "issued_on"),
        (Kind::Plan, json!({"start_on": "2025-02-31"}), "start_on"),
        (Kind::Plan, json!({"end_on": "2025-01-01"}), "end_on"),
        (Kind::Plan, json!({"targets": [{"indicator": "ZZ-99", "value": 1}]}), "targets[0].indicator"),
        (Kind::Plan, json!({"targets": [{"indicator": "TT-01", "value": 1}, {"indicator": "TT-01", "value": 2}]}), "targets[1].indicator"),
        (Kind::Plan, json!({"targets": [{"indicator": "TT-01", "value": -1}]}), "targets[0].value"),
        (Kind::Plan, json!({"reporting": {"what": ""}}), "reporting.what"),
        (Kind::Plan, json!({"reporting": {"what": "Báo cáo", "due_on": "x"}}), "reporting.due_on"),
        (Kind::Plan, json!({"parent_plan_id": "nope"}), "parent_plan_id"),
        (Kind::Plan, json!({"status": "maybe"}), "status"),
        (Kind::Event, json!({"title": ""}), "title"),
        (Kind::Event, json!({"start_at": "sáng nay"}), "start_at"),
        (Kind::Event, json!({"end_at": "2025-06-30T08:00"}), "end_at"),
        (Kind::Event, json!({"plan_id": "nope"}), "plan_id"),
        (Kind::Event, json!({"unit_id": "nope"}), "unit_id"),
        (Kind::Event, json!({"place": two_lines}), "place"),
        (Kind::Event, json!({"task": two_lines}), "task"),
        (Kind::Event, json!({"organisers": two_lines}), "organisers"),
        (Kind::Event, json!({"audience": two_lines}), "audience"),
        (Kind::Event, json!({"mode": "telepathy"}), "mode"),
        (Kind::Event, json!({"participants": {"members": -1}}), "participants.members"),
        (Kind::Event, json!({"participants": {"members": "ba"}}), "participants.members"),
        (Kind::Event, json!({"participants": {"non_members": -1}}), "participants.non_members"),
        (Kind::Event, json!({"participants": {"others": -1}}), "participants.others"),
        (Kind::Event, json!({"participants": {"male": -1}}), "participants.male"),
        (Kind::Event, json!({"participants": {"female": -1}}), "participants.female"),
        (Kind::Event, json!({"participants": {"members": 70, "male": 60, "female": 40}}), "participants.female"),
        (Kind::Event, json!({"unique_members_reached": -1}), "unique_members_reached"),
        (Kind::Event, json!({"connection_points": -1}), "connection_points"),
        (Kind::Event, json!({"connection_points": 3}), "connection_points"),
        (Kind::Event, json!({"opinions_collected": -1}), "opinions_collected"),
        (Kind::Event, json!({"online_posts": [{"platform": ""}]}), "online_posts[0].platform"),
        (Kind::Event, json!({"online_posts": [{"platform": "Zalo", "link": "ftp://x"}]}), "online_posts[0].link"),
        (Kind::Event, json!({"online_posts": [{"platform": "Zalo", "views": -1}]}), "online_posts[0].views"),
        (Kind::Event, json!({"online_posts": [{"platform": "Zalo", "reactions": -1}]}), "online_posts[0].reactions"),
        (Kind::Event, json!({"online_posts": [{"platform": "Zalo", "comments": -1}]}), "online_posts[0].comments"),
        (Kind::Event, json!({"online_posts": [{"platform": "Zalo", "shares": -1}]}), "online_posts[0].shares"),
        (Kind::Event, json!({"online_posts": [{"platform": "Zalo", "measured_at": "x"}]}), "online_posts[0].measured_at"),
        (Kind::Event, json!({"evidence": [{"kind": "", "reference": "a.jpg"}]}), "evidence[0].kind"),
        (Kind::Event, json!({"evidence": [{"kind": "photo", "reference": ""}]}), "evidence[0].reference"),
        (Kind::Event, json!({"attendees": (0..super::event::MAX_ATTENDEES + 1).map(|i| json!({"name": format!("Người {i}")})).collect::<Vec<_>>()}), "attendees"),
        (Kind::Event, json!({"attendees": [{"name": ""}]}), "attendees[0].name"),
        (Kind::Event, json!({"attendees": [{"name": "A", "position": two_lines}]}), "attendees[0].position"),
        (Kind::Event, json!({"attendees": [{"name": "A", "unit": two_lines}]}), "attendees[0].unit"),
        (Kind::Event, json!({"attendees": [{"name": "A", "phone": two_lines}]}), "attendees[0].phone"),
        (Kind::Event, json!({"attendees": [{"name": "A", "note": two_lines}]}), "attendees[0].note"),
        (Kind::Practice, json!({"name": ""}), "name"),
        (Kind::Practice, json!({"field": two_lines}), "field"),
        (Kind::Practice, json!({"contact": two_lines}), "contact"),
        (Kind::Practice, json!({"started_on": "x"}), "started_on"),
        (Kind::Practice, json!({"recognitions": [{"level": "province", "form": ""}]}), "recognitions[0].form"),
        (Kind::Practice, json!({"recognitions": [{"level": "province", "form": "Bằng khen", "decision_number": two_lines}]}), "recognitions[0].decision_number"),
        (Kind::Practice, json!({"recognitions": [{"level": "province", "form": "Bằng khen", "decided_on": "x"}]}), "recognitions[0].decided_on"),
        (Kind::Practice, json!({"replications": [{"unit_id": "nope"}]}), "replications[0].unit_id"),
        (Kind::Practice, json!({"replications": [{"unit_id": "u1", "adopted_on": "x"}]}), "replications[0].adopted_on"),
        (Kind::Opinion, json!({"topic": ""}), "topic"),
        (Kind::Opinion, json!({"content": ""}), "content"),
        (Kind::Opinion, json!({"given_on": "x"}), "given_on"),
        (Kind::Opinion, json!({"event_id": "nope"}), "event_id"),
        (Kind::Opinion, json!({"contributor": two_lines}), "contributor"),
        (Kind::Opinion, json!({"forwarded_to": two_lines}), "forwarded_to"),
        (Kind::Opinion, json!({"forward_document": two_lines}), "forward_document"),
        (Kind::Opinion, json!({"response": {"status": "accepted", "on": "2025-06-01"}}), "response.on"),
        (Kind::Inspection, json!({"content": ""}), "content"),
        (Kind::Inspection, json!({"held_on": "x"}), "held_on"),
        (Kind::Inspection, json!({"decision_number": two_lines}), "decision_number"),
        (Kind::Inspection, json!({"team": two_lines}), "team"),
        (Kind::Inspection, json!({"inspected_unit_ids": ["nope"]}), "inspected_unit_ids[0]"),
        (Kind::Inspection, json!({"period_from": "x"}), "period_from"),
        (Kind::Inspection, json!({"period_from": "2025-07-01", "period_to": "2025-01-01"}), "period_to"),
        (Kind::Inspection, json!({"deadline": "2025-01-01"}), "deadline"),
        (Kind::Inspection, json!({"findings": [{"item": "", "met": true}]}), "findings[0].item"),
        (Kind::Supervision, json!({"subject": ""}), "subject"),
        (Kind::Supervision, json!({"period_from": "x"}), "period_from"),
        (Kind::Supervision, json!({"period_to": "2025-01-01"}), "period_to"),
        (Kind::Supervision, json!({"partners": two_lines}), "partners"),
        (Kind::Supervision, json!({"recommendations_count": -1}), "recommendations_count"),
        (Kind::Supervision, json!({"recommendations_count": 5, "recommendations_resolved": -1}), "recommendations_resolved"),
        (Kind::Supervision, json!({"recommendations_count": 2, "recommendations_resolved": 3}), "recommendations_resolved"),
        (Kind::Case, json!({"summary": ""}), "summary"),
        (Kind::Case, json!({"platform": ""}), "platform"),
        (Kind::Case, json!({"detected_at": "x"}), "detected_at"),
        (Kind::Case, json!({"detected_by": two_lines}), "detected_by"),
        (Kind::Case, json!({"link": "ftp://x"}), "link"),
        (Kind::Case, json!({"category": two_lines}), "category"),
        (Kind::Case, json!({"screenshot_sha256": "abc"}), "screenshot_sha256"),
        (Kind::Case, json!({"reach_at_detection": -1}), "reach_at_detection"),
        (Kind::Case, json!({"actions": [{"kind": "other", "on": "x"}]}), "actions[0].on"),
        (Kind::Case, json!({"actions": [{"kind": "other", "on": "2025-01-01"}]}), "actions[0].on"),
        (Kind::Case, json!({"actions": [{"kind": "other", "on": "2025-07-02", "link": "ftp://x"}]}), "actions[0].link"),
        (Kind::Indicator, json!({"code": ""}), "code"),
        (Kind::Indicator, json!({"name": ""}), "name"),
        (Kind::Indicator, json!({"group": ""}), "group"),
        (Kind::Indicator, json!({"name_en": two_lines}), "name_en"),
        (Kind::Indicator, json!({"rule": {"source": "weather", "measure": "count"}}), "rule.source"),
        (Kind::Indicator, json!({"rule": {"source": "event", "measure": "salary"}}), "rule.measure"),
    ]
}

/// A text with an internal name in it: a snake_case word, a list position, a dotted path.
fn raw_name(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || ",:;()«»".contains(c))
        .find(|w| {
            let snake = w.contains('_') && w.chars().filter(char::is_ascii_lowercase).count() >= 2
                && w.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
            snake || w.contains('[')
        })
        .map(str::to_string)
}

#[test]
fn every_field_of_every_kind_has_a_name_in_both_languages() {
    let mut fields = 0;
    for kind in Kind::ALL {
        let paths = field_paths(kind);
        assert!(paths.len() >= 3, "{kind:?}: {paths:?}");
        for path in paths {
            let (vi, en) = (record_field_label(kind, &path, Lang::Vi), record_field_label(kind, &path, Lang::En));
            assert!(raw_name(&vi).is_none() && raw_name(&en).is_none() && vi != path && en != path, "{kind:?} {path}: «{vi}» / «{en}»");
            fields += 1;
        }
    }
    assert!(fields > 150, "{fields} fields");
}

#[test]
fn every_rule_of_every_kind_says_what_is_wrong_in_both_languages() {
    let rules = broken_rules();
    for (kind, changes, field) in &rules {
        let mut input = base(*kind);
        for (k, v) in changes.as_object().unwrap() {
            input[k] = v.clone();
        }
        let e = match prepare(*kind, &input, &world()) {
            Err(e) => e,
            Ok(_) => panic!("{kind:?} {field}: {input} was accepted"),
        };
        let problems = e.field_problems();
        assert!(problems.iter().any(|p| p.field == *field), "{kind:?}: {input} named {problems:?}, not {field}");
        let (vi, en) = (e.message(Lang::Vi), e.message(Lang::En));
        assert!(raw_name(&vi).is_none() && raw_name(&en).is_none(), "{kind:?} {field}: an internal name in «{vi}» / «{en}»");
        let lower = vi.to_lowercase();
        assert!(!ENGLISH.iter().any(|w| lower.contains(w)), "{kind:?} {field}: English in «{vi}»");
        assert_ne!(vi, en, "{kind:?} {field}");
    }
    assert!(rules.len() > 100);
    // Not an object at all.
    let e = prepare(Kind::Event, &json!([1, 2]), &world()).err().unwrap();
    assert!(!ENGLISH.iter().any(|w| e.message(Lang::Vi).to_lowercase().contains(w)), "{}", e.message(Lang::Vi));
}

/// Every problem has its words in both languages (a new one fails to compile here until it is listed).
#[test]
fn every_problem_is_worded_in_both_languages() {
    fn listed(p: &Problem) -> bool {
        match p {
            Problem::Required | Problem::TooLong { .. } | Problem::Negative | Problem::TooLarge { .. } | Problem::NotAfter { .. }
            | Problem::UnknownUnit(_) | Problem::UnknownPlan(_) | Problem::UnknownEvent(_) | Problem::UnknownIndicator(_)
            | Problem::BadDate(_) | Problem::BadValue(_) | Problem::Duplicate(_) | Problem::SumExceeds { .. }
            | Problem::MaleFemaleOverTotal { .. } | Problem::NoSuchDay(_) | Problem::ControlCharacter | Problem::OneLineOnly
            | Problem::NotALink | Problem::OnlyOnlineOrHybrid | Problem::CodeCharacters | Problem::NotSha256
            | Problem::UnknownChoice(_) | Problem::NotAWholeNumber | Problem::NotText | Problem::NotAList | Problem::NotYesNo
            | Problem::NotAnObject | Problem::UnknownField(_) | Problem::OneOf { .. } | Problem::NotNextUnit(_)
            | Problem::NotHttps(_) | Problem::RevokeUpper(_) | Problem::RevokedKey(_) | Problem::FileNotHere(_) => true,
        }
    }
    let all = [
        Problem::Required, Problem::TooLong { max: 5 }, Problem::Negative, Problem::TooLarge { max: 5 },
        Problem::NotAfter { other: "start_at".into() }, Problem::UnknownUnit("x".into()), Problem::UnknownPlan("x".into()),
        Problem::UnknownEvent("x".into()), Problem::UnknownIndicator("x".into()), Problem::BadDate("x".into()),
        Problem::Duplicate("x".into()), Problem::SumExceeds { total: "participants".into() },
        Problem::MaleFemaleOverTotal { sum: 100, total: 70 }, Problem::NoSuchDay("31/02/2025".into()), Problem::ControlCharacter,
        Problem::OneLineOnly, Problem::NotALink, Problem::OnlyOnlineOrHybrid, Problem::CodeCharacters, Problem::NotSha256,
        Problem::UnknownChoice("x".into()), Problem::NotAWholeNumber, Problem::NotText, Problem::NotAList, Problem::NotYesNo,
        Problem::NotAnObject, Problem::UnknownField("x".into()),
        Problem::OneOf { value: "x".into(), choices: "a, b".into() }, Problem::NotNextUnit("Đoàn xã B".into()),
        Problem::NotHttps("http://x".into()), Problem::RevokeUpper("Tỉnh đoàn".into()), Problem::RevokedKey("Đoàn xã A".into()),
        Problem::FileNotHere("ab".repeat(32)),
    ];
    for p in &all {
        assert!(listed(p));
        let e = crate::Error::invalid("title", p.clone());
        let (vi, en) = (e.message(Lang::Vi), e.message(Lang::En));
        let lower = vi.to_lowercase();
        assert!(!ENGLISH.iter().any(|w| lower.contains(w)), "{p:?}: English in «{vi}»");
        assert_ne!(vi, en, "{p:?}");
    }
}

#[test]
fn every_problem_of_a_record_is_found_at_once_and_named_as_its_form_names_it() {
    let input = json!({"title": "", "start_at": "2025-07-01T08:00", "end_at": "2025-06-01T08:00", "connection_points": 2,
                       "participants": {"members": 70, "male": 60, "female": 40},
                       "online_posts": [{"platform": "Zalo", "link": "zalo.me/x"}]});
    let e = prepare(Kind::Event, &input, &world()).err().unwrap();
    let fields: Vec<String> = e.field_problems().into_iter().map(|p| p.field).collect();
    assert_eq!(fields, ["title", "end_at", "participants.female", "connection_points", "online_posts[0].link"]);
    assert_eq!(
        e.message(Lang::Vi),
        "Tên hoạt động: bắt buộc phải nhập; Kết thúc: phải sau hoặc bằng Bắt đầu; Trong đó: nữ: nam và nữ cộng lại (100) \
         nhiều hơn tổng số người tham gia (70); Số điểm cầu trực tuyến: chỉ dùng cho hoạt động trực tuyến hoặc kết hợp; \
         Đường dẫn (Tin, bài đăng trên mạng, dòng 1): đường dẫn phải bắt đầu bằng http:// hoặc https://"
    );
    assert_eq!(e.field(), Some("title"), "the first problem is the one a form focuses");
}
