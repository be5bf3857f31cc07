//! Events (hoạt động): what happened in the field, against the plan it serves, with who came and what
//! it reached online.

use serde::{Deserialize, Serialize};

use super::unit::serde_plain;
use super::validate::*;
use super::{join_present, EventFacts, IndexFields, Kind, Known, Record};
use crate::error::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    #[default]
    PropagandaSession,
    StudyConference,
    Forum,
    Supervision,
    SocialCriticism,
    Inspection,
    Commendation,
    RebuttalCampaign,
    OnlineContest,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    InPerson,
    Online,
    Hybrid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    Planned,
    #[default]
    Done,
    Cancelled,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Participants {
    #[serde(default)]
    pub members: i64,
    #[serde(default)]
    pub non_members: i64,
    #[serde(default)]
    pub others: i64,
    #[serde(default)]
    pub male: Option<i64>,
    #[serde(default)]
    pub female: Option<i64>,
}

impl Participants {
    pub fn total(&self) -> i64 {
        self.members + self.non_members + self.others
    }
}

/// An online post: its metrics are a snapshot taken at `measured_at`; the latest value counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnlinePost {
    pub platform: String,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub views: i64,
    #[serde(default)]
    pub reactions: i64,
    #[serde(default)]
    pub comments: i64,
    #[serde(default)]
    pub shares: i64,
    #[serde(default)]
    pub measured_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// photo, sign_in_sheet, minutes, article, other
    pub kind: String,
    /// A file name, a hash or a link.
    pub reference: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub title: String,
    #[serde(default)]
    pub event_type: EventType,
    #[serde(default)]
    pub mode: Mode,
    /// Local time in Vietnam: `2025-07-12T08:00`.
    pub start_at: String,
    #[serde(default)]
    pub end_at: Option<String>,
    #[serde(default)]
    pub plan_id: Option<String>,
    #[serde(default)]
    pub task: Option<String>,
    #[serde(default)]
    pub connection_points: Option<i64>,
    #[serde(default)]
    pub place: Option<String>,
    /// The unit where it took place, when not the owner.
    #[serde(default)]
    pub unit_id: Option<String>,
    #[serde(default)]
    pub organisers: Option<String>,
    #[serde(default)]
    pub audience: Option<String>,
    #[serde(default)]
    pub participants: Participants,
    #[serde(default)]
    pub unique_members_reached: Option<i64>,
    #[serde(default)]
    pub online_posts: Vec<OnlinePost>,
    #[serde(default)]
    pub opinions_collected: Option<i64>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    #[serde(default)]
    pub status: EventStatus,
    #[serde(default)]
    pub notes: Option<String>,
    /// People invited, for the invitation and the attendance sheet. Left out of the body when empty, so
    /// that events written before it have the same bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attendees: Vec<Attendee>,
    /// Evidence files, by hash (`crate::evidence` keeps the bytes). Left out of the body when empty, so
    /// that records written before it have the same bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<super::attachment::Attachment>,
}

/// One person on the attendance sheet.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attendee {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// The unit they come from (a name as printed, not necessarily a unit in the store).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// More than this and the list belongs in its own file.
pub const MAX_ATTENDEES: usize = 2_000;

impl Record for Event {
    const KIND: Kind = Kind::Event;

    fn validate(&self, known: &dyn Known, c: &mut Checks) {
        super::attachment::validate_all(&self.attachments, c);
        c.keep(required_line("title", &self.title));
        let start = c.keep(local("start_at", &self.start_at));
        let end = c.keep(opt_local("end_at", &self.end_at)).flatten();
        c.keep(in_order("start_at", start, "end_at", end));
        c.keep(opt_known_plan(known, "plan_id", &self.plan_id));
        c.keep(opt_known_unit(known, "unit_id", &self.unit_id));
        c.keep(opt_line("place", &self.place));
        c.keep(opt_line("task", &self.task));
        c.keep(opt_line("organisers", &self.organisers));
        c.keep(opt_line("audience", &self.audience));
        let p = &self.participants;
        let counts = [
            c.keep(count("participants.members", p.members)),
            c.keep(count("participants.non_members", p.non_members)),
            c.keep(count("participants.others", p.others)),
            c.keep(opt_count("participants.male", p.male)),
            c.keep(opt_count("participants.female", p.female)),
        ];
        let sum = p.male.unwrap_or(0) + p.female.unwrap_or(0);
        if counts.iter().all(Option::is_some) && sum > p.total() {
            c.add("participants.female", Problem::MaleFemaleOverTotal { sum, total: p.total() });
        }
        c.keep(opt_count("unique_members_reached", self.unique_members_reached));
        c.keep(opt_count("connection_points", self.connection_points));
        c.keep(opt_count("opinions_collected", self.opinions_collected));
        if self.mode == Mode::InPerson && self.connection_points.unwrap_or(0) > 0 {
            c.add("connection_points", Problem::OnlyOnlineOrHybrid);
        }
        for (i, post) in self.online_posts.iter().enumerate() {
            let f = |name: &str| format!("online_posts[{i}].{name}");
            c.keep(required_line(&f("platform"), &post.platform));
            c.keep(opt_link(&f("link"), &post.link));
            c.keep(count(&f("views"), post.views));
            c.keep(count(&f("reactions"), post.reactions));
            c.keep(count(&f("comments"), post.comments));
            c.keep(count(&f("shares"), post.shares));
            c.keep(opt_local(&f("measured_at"), &post.measured_at));
        }
        for (i, ev) in self.evidence.iter().enumerate() {
            c.keep(required_line(&format!("evidence[{i}].kind"), &ev.kind));
            c.keep(required_line(&format!("evidence[{i}].reference"), &ev.reference));
        }
        if self.attendees.len() > MAX_ATTENDEES {
            c.add("attendees", Problem::TooLong { max: MAX_ATTENDEES });
        }
        for (i, a) in self.attendees.iter().enumerate() {
            let f = |name: &str| format!("attendees[{i}].{name}");
            c.keep(required_line(&f("name"), &a.name));
            c.keep(opt_line(&f("position"), &a.position));
            c.keep(opt_line(&f("unit"), &a.unit));
            c.keep(opt_line(&f("phone"), &a.phone));
            c.keep(opt_line(&f("note"), &a.note));
        }
    }

    fn index(&self) -> IndexFields {
        let p = &self.participants;
        let facts = EventFacts {
            mode: serde_plain(&self.mode),
            members: p.members,
            non_members: p.non_members,
            others: p.others,
            male: p.male.unwrap_or(0),
            female: p.female.unwrap_or(0),
            unique_reached: self.unique_members_reached.unwrap_or(0),
            connection_points: self.connection_points.unwrap_or(0),
            posts: self.online_posts.len() as i64,
            views: self.online_posts.iter().map(|p| p.views).sum(),
            interactions: self.online_posts.iter().map(|p| p.reactions + p.comments + p.shares).sum(),
            opinions: self.opinions_collected.unwrap_or(0),
        };
        IndexFields {
            files: self.attachments.iter().map(|a| a.sha256.clone()).collect(),
            title: self.title.clone(),
            start: Some(normalise_local(&self.start_at)),
            end: self.end_at.as_deref().map(normalise_local),
            status: Some(serde_plain(&self.status)),
            subtype: Some(serde_plain(&self.event_type)),
            link_id: self.plan_id.clone(),
            facts: Some(facts),
            search_text: join_present(&[&self.place, &self.task, &self.organisers, &self.notes]),
        }
    }
}

/// `2025-07-12T08:00` whatever form was entered, so that text order is time order in the index.
fn normalise_local(s: &str) -> String {
    match crate::clock::parse_local("start_at", s) {
        Ok(t) => t.format("%Y-%m-%dT%H:%M").to_string(),
        Err(_) => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::world;
    use super::super::{prepare, Kind};
    use serde_json::json;

    fn event() -> serde_json::Value {
        json!({"title": "Tuyên truyền Nghị quyết tại thôn Đông", "start_at": "2025-07-12T08:00",
               "participants": {"members": 40, "non_members": 12}})
    }

    #[test]
    fn a_minimal_event_is_accepted_and_indexed() {
        let p = prepare(Kind::Event, &event(), &world()).unwrap();
        let facts = p.index.facts.unwrap();
        assert_eq!(facts.members, 40);
        assert_eq!(p.index.start.as_deref(), Some("2025-07-12T08:00"));
        assert_eq!(p.body["event_type"], "propaganda_session");
    }

    #[test]
    fn negative_counts_name_the_nested_field() {
        let mut e = event();
        e["participants"]["members"] = json!(-3);
        assert_eq!(prepare(Kind::Event, &e, &world()).err().unwrap().field(), Some("participants.members"));
    }

    #[test]
    fn wrong_types_and_unknown_fields_name_the_field() {
        let mut e = event();
        e["participants"]["members"] = json!("forty");
        assert_eq!(prepare(Kind::Event, &e, &world()).err().unwrap().field(), Some("participants.members"));
        let mut e = event();
        e["colour"] = json!("red");
        let err = prepare(Kind::Event, &e, &world()).err().unwrap();
        assert_eq!(err.field(), Some("colour"));
        assert!(err.message(crate::Lang::Vi).contains("«colour»"), "{err}");
    }

    #[test]
    fn end_before_start_and_unknown_plan_are_refused() {
        let mut e = event();
        e["end_at"] = json!("2025-07-12T07:00");
        assert_eq!(prepare(Kind::Event, &e, &world()).err().unwrap().field(), Some("end_at"));
        let mut e = event();
        e["plan_id"] = json!("no-such-plan");
        assert_eq!(prepare(Kind::Event, &e, &world()).err().unwrap().field(), Some("plan_id"));
    }

    #[test]
    fn non_nfc_text_is_stored_as_nfc() {
        let mut e = event();
        e["title"] = json!("Tuye\u{302}n truye\u{302}\u{300}n");
        let p = prepare(Kind::Event, &e, &world()).unwrap();
        assert_eq!(p.body["title"], "Tuyên truyền");
    }

    #[test]
    fn over_long_titles_are_refused() {
        let mut e = event();
        e["title"] = json!("a".repeat(301));
        assert_eq!(prepare(Kind::Event, &e, &world()).err().unwrap().field(), Some("title"));
    }
}

#[cfg(test)]
mod properties {
    use super::super::testing::world;
    use super::super::{prepare, Kind};
    use proptest::prelude::*;
    use serde_json::json;

    fn text() -> impl Strategy<Value = String> {
        // Vietnamese letters in NFC and NFD, spaces and a few symbols.
        proptest::string::string_regex("[a-zA-Z àáảãạăắằẳẵặâấầẩẫậđĐèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ\u{300}\u{301}\u{303}\u{309}\u{323}0-9,.-]{1,80}")
            .expect("valid regex")
    }

    proptest! {
        /// Whatever a form sends, the store either refuses it naming a field, or keeps a canonical form
        /// that reads back to itself (so `dump` is stable and `check` passes).
        #[test]
        fn prepare_refuses_with_a_field_or_is_idempotent(
            title in text(),
            members in -5i64..500,
            non_members in -5i64..500,
            day in 1u32..31,
            end_hour in proptest::option::of(0u32..24),
            mode in prop_oneof![Just("in_person"), Just("online"), Just("hybrid"), Just("by_pigeon")],
            points in proptest::option::of(-1i64..20),
        ) {
            let mut e = json!({"title": title, "start_at": format!("2025-07-{day:02}T08:00"), "mode": mode,
                               "participants": {"members": members, "non_members": non_members}});
            if let Some(h) = end_hour { e["end_at"] = json!(format!("2025-07-{day:02}T{h:02}:00")); }
            if let Some(p) = points { e["connection_points"] = json!(p); }
            match prepare(Kind::Event, &e, &world()) {
                Err(err) => prop_assert!(err.field().is_some(), "{err:?}"),
                Ok(p) => {
                    let again = prepare(Kind::Event, &p.body, &world()).unwrap();
                    prop_assert_eq!(&again.body, &p.body);
                    let t = p.body["title"].as_str().unwrap();
                    prop_assert_eq!(crate::text::nfc(t), t.to_string());
                }
            }
        }
    }
}
