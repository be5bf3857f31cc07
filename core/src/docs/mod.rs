//! Meeting materials in the Union's format (DOMAIN.md §5), rendered to PDF by typst with embedded fonts:
//! invitation, agenda, attendance sheet, minutes and propaganda outline for an event. Core gathers the
//! data (names, dates in words, the sorted attendee list) and the templates in `templates/` lay it out;
//! the data reaches them as JSON, so a user's text is always text, never markup.

mod plan_report;
mod register;
mod world;

pub use register::{RegisterScope, Registered};
pub use world::forget_layout_cache;

use std::cmp::Ordering;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use serde_json::{json, Value};

use crate::error::{Error, Problem, Result};
use crate::model::Kind;
use crate::store::Store;

/// The documents of a meeting pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingDoc {
    Invitation,
    Agenda,
    Attendance,
    Minutes,
    Outline,
}

impl MeetingDoc {
    pub const ALL: [MeetingDoc; 5] = [MeetingDoc::Invitation, MeetingDoc::Agenda, MeetingDoc::Attendance, MeetingDoc::Minutes, MeetingDoc::Outline];

    pub fn as_str(self) -> &'static str {
        match self {
            MeetingDoc::Invitation => "invitation",
            MeetingDoc::Agenda => "agenda",
            MeetingDoc::Attendance => "attendance",
            MeetingDoc::Minutes => "minutes",
            MeetingDoc::Outline => "outline",
        }
    }

    pub fn parse(s: &str) -> Result<MeetingDoc> {
        MeetingDoc::ALL.into_iter().find(|d| d.as_str() == s).ok_or_else(|| {
            let known: Vec<&str> = MeetingDoc::ALL.iter().map(|d| d.as_str()).collect();
            Error::invalid("document", Problem::OneOf { value: s.to_string(), choices: known.join(", ") })
        })
    }

    /// The type code in a document number (`25-GM/ĐTN`); the attendance sheet and the outline carry none.
    fn code(self) -> Option<&'static str> {
        match self {
            MeetingDoc::Invitation => Some("GM"),
            MeetingDoc::Agenda => Some("CTr"),
            MeetingDoc::Minutes => Some("BB"),
            MeetingDoc::Attendance | MeetingDoc::Outline => None,
        }
    }
}

/// What the person printing may add.
#[derive(Debug, Clone, Default)]
pub struct DocOptions {
    /// The number from the register of outgoing documents; left blank to write by hand when absent.
    pub number: Option<i64>,
    /// The attendance sheet grouped by unit instead of sorted by given name.
    pub group_by_unit: bool,
    pub signer_name: Option<String>,
    /// BÍ THƯ (default) or PHÓ BÍ THƯ.
    pub signer_title: Option<String>,
    /// The date on the place-date line; today in Vietnam by default.
    pub date: Option<NaiveDate>,
    /// The attendance sheet without its phone column: a list to pin on a wall or send on (personal data
    /// left out on purpose, docs/security.md).
    pub hide_phones: bool,
    /// The period report with its evidence annex: per unit, per event, the thumbnails of its photos with
    /// their captions.
    pub evidence_annex: bool,
}

/// A rendered document.
pub struct Rendered {
    pub pdf: Vec<u8>,
    pub pages: usize,
}

const WEEKDAYS: [&str; 7] = ["thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"];

fn weekday(d: NaiveDate) -> &'static str {
    WEEKDAYS[d.weekday().num_days_from_monday() as usize]
}

/// "Đông Hưng, ngày 5 tháng 5 năm 2023"
fn place_date(place: &str, d: NaiveDate) -> String {
    format!("{place}, ngày {} tháng {} năm {}", d.day(), d.month(), d.year())
}

fn local_time(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").ok()
}

/// The issuer's code in numbers: TWĐTN, TĐTN, HĐTN (districts, before 2025) or ĐTN.
fn issuer_code(level: &str) -> &'static str {
    match level {
        "central" => "TWĐTN",
        "province" => "TĐTN",
        "district" => "HĐTN",
        _ => "ĐTN",
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// A number's place: the number, or blanks wide enough to write one by hand.
fn number_line(number: Option<i64>, code: &str, issuer: &str) -> String {
    let n = number.map(|n| n.to_string()).unwrap_or_else(|| "\u{a0}".repeat(8));
    format!("{n}-{code}/{issuer}")
}

/// The place in a unit's name when it has none of its own: "Đoàn xã Đông Hưng" → "Đông Hưng".
fn place_of(unit_name: &str) -> String {
    const PREFIXES: [&str; 9] = ["Đoàn xã ", "Đoàn phường ", "Đoàn thị trấn ", "Đoàn đặc khu ", "Huyện đoàn ", "Quận đoàn ", "Thị đoàn ", "Thành đoàn ", "Tỉnh đoàn "];
    PREFIXES.iter().find_map(|p| unit_name.strip_prefix(p)).unwrap_or(unit_name).trim().to_string()
}

/// Who issues a document: the unit and the body above it, as the head prints them.
pub(crate) struct Issuer {
    pub unit_name: String,
    pub level: String,
    pub place: String,
    pub upper_body: String,
    pub parent_name: Option<String>,
}

impl Issuer {
    /// The head of the document: upper and issuing body, the number line (if any) and the place-date line.
    pub(crate) fn header(&self, number: Option<String>, place_date: Option<String>) -> Value {
        json!({
            // The head prints the upper body in capitals however it was typed at set-up.
            "upper_body": self.upper_body.to_uppercase(),
            "issuer": format!("BCH {}", self.unit_name.to_uppercase()),
            "number": number,
            "place_date": place_date,
        })
    }
}

/// The signature block: on behalf of the standing committee, the title, the name (or room to write it).
fn signer(opts: &DocOptions, default_name: Option<String>) -> Value {
    json!({
        "on_behalf": "TM. BAN THƯỜNG VỤ",
        "title": opts.signer_title.clone().unwrap_or_else(|| "BÍ THƯ".into()),
        "name": opts.signer_name.clone().or(default_name),
    })
}

impl Store {
    pub(crate) fn issuer(&self, unit_id: &str) -> Result<Issuer> {
        let unit = self.get(Kind::Unit, unit_id)?;
        let unit_name = text(&unit, "name").unwrap_or_default();
        let parent_name = match text(&unit, "parent_id") {
            Some(p) => self.get(Kind::Unit, &p).ok().and_then(|p| text(&p, "name")),
            None => None,
        };
        let level = text(&unit, "level").unwrap_or_default();
        // Set at setup, else the parent's name; a province answers to the Central Committee; anyone else
        // whose upper body is unknown gets a dotted line to write it in (never a wrong name).
        let upper_body = text(&unit, "upper_body")
            .or_else(|| parent_name.as_ref().map(|n| format!("BCH {}", n.to_uppercase())))
            .unwrap_or_else(|| match level.as_str() {
                "province" => "BCH TRUNG ƯƠNG ĐOÀN".into(),
                "central" => String::new(),
                _ => ".".repeat(32),
            });
        Ok(Issuer {
            level,
            place: text(&unit, "place").unwrap_or_else(|| place_of(&unit_name)),
            unit_name,
            upper_body,
            parent_name,
        })
    }
}

/// A document to print: a meeting document for an event, a plan, or the report of a unit for a period.
#[derive(Debug, Clone)]
pub enum DocumentRequest {
    Meeting { doc: MeetingDoc, event_id: String },
    Plan { plan_id: String },
    Report { unit_id: Option<String>, period: crate::period::Period, structure: crate::report::Structure },
}

impl DocumentRequest {
    /// invitation, agenda, attendance, minutes, outline, plan or report.
    pub fn name(&self) -> &'static str {
        match self {
            DocumentRequest::Meeting { doc, .. } => doc.as_str(),
            DocumentRequest::Plan { .. } => "plan",
            DocumentRequest::Report { .. } => "report",
        }
    }

    fn code(&self) -> Option<&'static str> {
        match self {
            DocumentRequest::Meeting { doc, .. } => doc.code(),
            DocumentRequest::Plan { .. } => Some("KH"),
            DocumentRequest::Report { .. } => Some("BC"),
        }
    }
}

/// Every kind of document `sotay print` knows, for messages.
pub const DOCUMENT_NAMES: [&str; 7] = ["invitation", "agenda", "attendance", "minutes", "outline", "plan", "report"];

impl Store {
    /// The data a document's template reads, and the template's name.
    pub fn document_data(&self, req: &DocumentRequest, opts: &DocOptions) -> Result<(Value, String)> {
        Ok(match req {
            DocumentRequest::Meeting { doc, event_id } => (self.meeting_data(*doc, event_id, opts)?, format!("{}.typ", doc.as_str())),
            DocumentRequest::Plan { plan_id } => (self.plan_data(plan_id, opts)?, "plan.typ".into()),
            DocumentRequest::Report { unit_id, period, structure } => {
                let report = self.period_report_in(unit_id.as_deref(), period, *structure)?;
                (self.report_data(&report, opts)?, "report.typ".into())
            }
        })
    }

    /// Renders a document to PDF.
    pub fn render_document(&self, req: &DocumentRequest, opts: &DocOptions) -> Result<Rendered> {
        let (data, template) = self.document_data(req, opts)?;
        let (pdf, pages) = world::render(&template, &data, &self.annex_images(&data)?)?;
        Ok(Rendered { pdf, pages })
    }

    /// Renders a document to PDF and each page to SVG, for a preview that is the printed page.
    pub fn render_document_pages(&self, req: &DocumentRequest, opts: &DocOptions) -> Result<(Rendered, Vec<String>)> {
        let (data, template) = self.document_data(req, opts)?;
        let (pdf, svgs) = world::render_with_pages(&template, &data, &self.annex_images(&data)?)?;
        Ok((Rendered { pdf, pages: svgs.len() }, svgs))
    }

    /// Takes the next number from the register of outgoing documents for a document that carries one
    /// (all but the attendance sheet and the outline) and returns the options with that number.
    pub fn register_for(&mut self, req: &DocumentRequest, opts: &DocOptions) -> Result<(DocOptions, Option<Registered>)> {
        let mut opts = opts.clone();
        let Some(code) = req.code() else { return Ok((opts, None)) };
        let (unit_id, subject, about) = match req {
            DocumentRequest::Meeting { doc, event_id } => {
                let event = self.get(Kind::Event, event_id)?;
                let owner = event["owner_unit"].as_str().unwrap_or_default().to_string();
                (owner, format!("{}: {}", doc.as_str(), text(&event, "title").unwrap_or_default()), Some(event_id.clone()))
            }
            DocumentRequest::Plan { plan_id } => {
                let plan = self.get(Kind::Plan, plan_id)?;
                let owner = plan["owner_unit"].as_str().unwrap_or_default().to_string();
                (owner, format!("plan: {}", text(&plan, "title").unwrap_or_default()), Some(plan_id.clone()))
            }
            DocumentRequest::Report { unit_id, period, .. } => {
                let unit = match unit_id {
                    Some(u) => u.clone(),
                    None => self.require_installation()?.unit_id,
                };
                (unit, format!("report: {}", period.label), None)
            }
        };
        let level = text(&self.get(Kind::Unit, &unit_id)?, "level").unwrap_or_default();
        let on = opts.date.unwrap_or_else(crate::clock::today_vn);
        let r = self.register_document(code, issuer_code(&level), &subject, about.as_deref(), on)?;
        opts.number = Some(r.number);
        Ok((opts, Some(r)))
    }

    /// Issues a document: its number from the register, then the PDF with that number.
    pub fn issue_document(&mut self, req: &DocumentRequest, opts: &DocOptions) -> Result<(Rendered, Option<Registered>)> {
        let (opts, registered) = self.register_for(req, opts)?;
        Ok((self.render_document(req, &opts)?, registered))
    }

    /// Issues a document into the file `out` (written whole, core/src/files.rs). If it cannot be laid out
    /// or written (no such folder, a full disk, a pulled stick), its number goes back to the register, so
    /// that the next document takes it and the register has no number that never went out.
    pub fn issue_document_to(&mut self, req: &DocumentRequest, opts: &DocOptions, out: &std::path::Path) -> Result<(Rendered, Option<Registered>)> {
        let (opts, registered) = self.register_for(req, opts)?;
        let written = self.render_document(req, &opts).and_then(|r| crate::files::write_whole(out, &r.pdf).map(|()| r));
        match written {
            Ok(rendered) => Ok((rendered, registered)),
            Err(e) => {
                if let Some(r) = &registered {
                    // The error that stopped the document is the one to report; if the number cannot be
                    // given back either, it stays in the register as a gap, never given twice.
                    let _ = self.withdraw_number(r);
                }
                Err(e)
            }
        }
    }

    /// Issues a meeting document: takes the next number from the register of outgoing documents (for the
    /// documents that carry one), then renders it with that number.
    pub fn issue_meeting_document(&mut self, doc: MeetingDoc, event_id: &str, opts: &DocOptions) -> Result<(Rendered, Option<Registered>)> {
        self.issue_document(&DocumentRequest::Meeting { doc, event_id: event_id.to_string() }, opts)
    }

    /// Renders one meeting document for the event `event_id`.
    pub fn meeting_document(&self, doc: MeetingDoc, event_id: &str, opts: &DocOptions) -> Result<Rendered> {
        let data = self.meeting_data(doc, event_id, opts)?;
        let template = format!("{}.typ", doc.as_str());
        let (pdf, pages) = world::render(&template, &data, &[])?;
        Ok(Rendered { pdf, pages })
    }

    /// The thumbnails the evidence annex of `data` names (`img/<sha256>.jpg`), from the store.
    fn annex_images(&self, data: &Value) -> Result<Vec<(String, Vec<u8>)>> {
        let mut out = Vec::new();
        let units = data.get("annex").and_then(Value::as_array).cloned().unwrap_or_default();
        for unit in &units {
            for event in unit["events"].as_array().into_iter().flatten() {
                for photo in event["photos"].as_array().into_iter().flatten() {
                    let (Some(path), Some(sha)) = (photo["path"].as_str(), photo["sha256"].as_str()) else { continue };
                    if let Some(thumb) = self.file_thumb(sha)? {
                        out.push((path.to_string(), thumb));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The data a meeting document's template reads (data.json).
    pub fn meeting_data(&self, doc: MeetingDoc, event_id: &str, opts: &DocOptions) -> Result<Value> {
        let event = self.get(Kind::Event, event_id)?;
        let owner = event["owner_unit"].as_str().unwrap_or_default().to_string();
        let who = self.issuer(&owner)?;
        let unit_name = who.unit_name.clone();
        let start = text(&event, "start_at").and_then(|s| local_time(&s));
        let date = opts.date.unwrap_or_else(crate::clock::today_vn);
        let place_line = match doc {
            MeetingDoc::Attendance => None,
            _ => Some(place_date(&who.place, date)),
        };
        let title = text(&event, "title").unwrap_or_default();
        let when = start.map(|t| format!("{} giờ {:02} phút, {}, ngày {:02}/{:02}/{}", t.hour(), t.minute(), weekday(t.date()), t.day(), t.month(), t.year()));
        let event_place = text(&event, "place");
        let when_place = match (&when, &event_place) {
            (Some(w), Some(p)) => format!("{w}, tại {p}"),
            (Some(w), None) => w.clone(),
            (None, Some(p)) => format!("Tại {p}"),
            (None, None) => String::new(),
        };
        let header = who.header(doc.code().map(|c| number_line(opts.number, c, issuer_code(&who.level))), place_line);
        let signer = signer(opts, None);
        let recipients = json!(["Như kính gửi;", "Lưu VP."]);
        let attendees = event.get("attendees").and_then(Value::as_array).cloned().unwrap_or_default();
        let summoned = attendees.len();
        let event_json = json!({
            "title": title,
            "when": when,
            "when_place": when_place,
            "place": event_place,
            "audience": text(&event, "audience"),
            "task": text(&event, "task"),
            "clock": start.map(|t| format!("{} giờ {:02} phút", t.hour(), t.minute())).unwrap_or_else(|| "… giờ … phút".into()),
            "date_words": start.map(|t| format!("{}, ngày {} tháng {} năm {}", weekday(t.date()), t.day(), t.month(), t.year())).unwrap_or_default(),
        });
        let data = match doc {
            MeetingDoc::Invitation => json!({
                "header": header, "subject": format!("Dự {}", mid_sentence(&title)), "event": event_json, "signer": signer,
                "recipients": recipients,
                "addressee": if summoned > 0 { "Các đồng chí có tên trong danh sách kèm theo".to_string() }
                             else { text(&event, "audience").unwrap_or_else(|| "Đồng chí …".into()) },
                "inviter": format!("Ban Thường vụ {unit_name}"),
                "invitee": "đồng chí",
                "prepare": Value::Null,
                "contact": text(&event, "organisers"),
            }),
            MeetingDoc::Agenda => json!({
                "header": header, "subject": title, "event": event_json, "signer": signer, "recipients": recipients,
                "items": agenda_items(start, &unit_name, who.parent_name.clone()),
            }),
            MeetingDoc::Attendance => json!({
                "header": header,
                "kind_title": if opts.group_by_unit { "DANH SÁCH ĐẠI BIỂU" } else { "DANH SÁCH ĐIỂM DANH" },
                "subject": title, "event": event_json,
                "rows": if attendees.is_empty() { blank_rows(&event) } else { attendance_rows(&attendees, opts.group_by_unit, opts.hide_phones) },
                "hide_phones": opts.hide_phones,
                // No list: nobody was summoned by name, so the count is left to write, not "0".
                "blank": attendees.is_empty(),
                "totals": {"summoned": if summoned > 0 { Value::from(summoned) } else { Value::Null },
                           "present": Value::Null, "absent_excused": Value::Null, "absent_unexcused": Value::Null},
                "prepared_by": Value::Null,
            }),
            MeetingDoc::Minutes => json!({
                "header": header, "subject": title, "event": event_json, "issuer_name": unit_name,
                "chair": Value::Null, "secretary": Value::Null,
                "totals": {"summoned": if summoned > 0 { summoned.to_string() } else { "……".into() }, "present": Value::Null},
            }),
            MeetingDoc::Outline => json!({
                "header": header, "subject": title, "signer": signer, "recipients": recipients,
                "background": Value::Null, "content": text(&event, "task"), "local": text(&event, "notes"),
                "duties": Value::Null, "slogans": Value::Null,
            }),
        };
        Ok(data)
    }
}

/// The standard order of a Union meeting, the first line at the event's start time.
fn agenda_items(start: Option<NaiveDateTime>, unit: &str, upper: Option<String>) -> Vec<Value> {
    let first = start.map(|t| format!("{}h{:02}", t.hour(), t.minute())).unwrap_or_default();
    let upper = upper.unwrap_or_else(|| "Đại diện cấp trên".into());
    let items = [
        (first.as_str(), "Đón tiếp đại biểu; điểm danh", "Ban tổ chức"),
        ("", "Chào cờ (Quốc ca, Đoàn ca)", "Ban tổ chức"),
        ("", "Tuyên bố lý do, giới thiệu đại biểu", "Ban tổ chức"),
        ("", "Phát biểu khai mạc", "Chủ trì"),
        ("", "Báo cáo", unit),
        ("", "Tham luận", "Các chi đoàn"),
        ("", "Thảo luận", "Đại biểu"),
        ("", "Phát biểu chỉ đạo", upper.as_str()),
        ("", "Khen thưởng (nếu có)", "Ban Thường vụ"),
        ("", "Kết luận, bế mạc", "Chủ trì"),
    ];
    items.iter().map(|(time, content, by)| json!({"time": time, "content": content, "by": by})).collect()
}

/// A title set inside a sentence ("Dự tuyên truyền…"): its first letter in lower case, unless the first
/// word is an abbreviation or a name in capitals ("HĐND", "Đại hội XII" keeps "Đại" — only a word whose
/// second letter is lower case is a common word that opened the title).
fn mid_sentence(title: &str) -> String {
    let mut chars = title.chars();
    match (chars.next(), title.chars().nth(1)) {
        (Some(first), Some(second)) if first.is_uppercase() && second.is_lowercase() => first.to_lowercase().chain(chars).collect(),
        _ => title.to_string(),
    }
}

/// Numbered blank rows for a sheet with no list of delegates: as many as took part (or 20 when no count
/// was given, at most 500), to write the names in and sign on the day.
fn blank_rows(event: &Value) -> Vec<Value> {
    let p = event.get("participants");
    let n = |k: &str| p.and_then(|p| p.get(k)).and_then(Value::as_i64).unwrap_or(0);
    let total = n("members") + n("non_members") + n("others");
    let rows = if total > 0 { total.clamp(1, 500) } else { 20 };
    (1..=rows)
        .map(|i| json!({"group": Value::Null, "no": i, "name": "", "position": "", "unit": "", "phone": "", "note": ""}))
        .collect()
}

/// Rows of the attendance sheet: sorted by given name the Vietnamese way, or grouped by unit (units in
/// Vietnamese order) with a heading row for each group. Numbers run on across groups.
fn attendance_rows(attendees: &[Value], group_by_unit: bool, hide_phones: bool) -> Vec<Value> {
    let field = |a: &Value, k: &str| a.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut people: Vec<&Value> = attendees.iter().collect();
    let by_name = |a: &&Value, b: &&Value| crate::text::compare_person_names(&field(a, "name"), &field(b, "name"));
    if group_by_unit {
        people.sort_by(|a, b| match crate::text::compare_vi(&field(a, "unit"), &field(b, "unit")) {
            Ordering::Equal => by_name(a, b),
            other => other,
        });
    } else {
        people.sort_by(by_name);
    }
    let mut rows = Vec::new();
    let mut group: Option<String> = None;
    for (i, a) in people.iter().enumerate() {
        let unit = field(a, "unit");
        if group_by_unit && group.as_deref() != Some(unit.as_str()) {
            rows.push(json!({"group": if unit.is_empty() { "(Chưa ghi đơn vị)".to_string() } else { unit.clone() }}));
            group = Some(unit.clone());
        }
        rows.push(json!({
            "group": Value::Null, "no": i + 1, "name": field(a, "name"), "position": field(a, "position"),
            "unit": if group_by_unit { String::new() } else { unit }, "phone": if hide_phones { String::new() } else { field(a, "phone").replace(' ', "\u{a0}") }, "note": field(a, "note"),
        }));
    }
    rows
}

#[cfg(test)]
mod tests;
