//! The records an officer keeps (DOMAIN.md §3), one module per kind. Each kind is a typed struct that
//! rejects unknown fields, validates itself and says how it is indexed; the store keeps the rest generic.

pub mod attachment;
mod case;
mod event;
mod indicator;
mod opinion;
mod oversight;
mod plan;
mod practice;
mod unit;
pub mod labels;
#[cfg(test)]
mod messages;
pub mod validate;

pub use attachment::{Attachment, FileRole};
pub use case::{Case, CaseAction};
pub use event::{Event, EventType, Evidence, Mode, OnlinePost, Participants};
pub use indicator::{Aggregation, standard_catalogue, Indicator, Rule, EVENT_MEASURES, EVENT_MEASURES_COLUMNS, TT02_MEASURE};
pub use opinion::{Opinion, OpinionResponse};
pub use oversight::{Finding, Inspection, Supervision};
pub use plan::{Plan, Reporting, Target};
pub use practice::{Practice, Recognition, Replication};
pub use unit::{is_structural, FormerParent, Unit, UnitChange, UnitKind, STRUCTURAL_FIELDS};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{Error, Problem, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Unit,
    Plan,
    Event,
    Practice,
    Opinion,
    Inspection,
    Supervision,
    Case,
    Indicator,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Unit,
        Kind::Indicator,
        Kind::Plan,
        Kind::Event,
        Kind::Practice,
        Kind::Opinion,
        Kind::Inspection,
        Kind::Supervision,
        Kind::Case,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Unit => "unit",
            Kind::Plan => "plan",
            Kind::Event => "event",
            Kind::Practice => "practice",
            Kind::Opinion => "opinion",
            Kind::Inspection => "inspection",
            Kind::Supervision => "supervision",
            Kind::Case => "case",
            Kind::Indicator => "indicator",
        }
    }

    /// Accepts the singular and the plural (`event`, `events`), as people type them at a terminal.
    pub fn parse(s: &str) -> Result<Kind> {
        let s = s.trim().to_ascii_lowercase();
        let singular = s.strip_suffix('s').unwrap_or(&s);
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.as_str() == singular)
            .ok_or_else(|| Error::invalid("kind", Problem::UnknownChoice(s.clone())))
    }
}

/// What the store must be able to answer for validation to check references.
pub trait Known {
    fn unit_exists(&self, id: &str) -> Result<bool>;
    fn plan_exists(&self, id: &str) -> Result<bool>;
    fn event_exists(&self, id: &str) -> Result<bool>;
    fn indicator_exists(&self, code: &str) -> Result<bool>;
}

/// Numbers of an event that reports and the dashboard add up; kept in columns for speed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFacts {
    pub mode: String,
    pub members: i64,
    pub non_members: i64,
    pub others: i64,
    pub male: i64,
    pub female: i64,
    pub unique_reached: i64,
    pub connection_points: i64,
    pub posts: i64,
    pub views: i64,
    pub interactions: i64,
    pub opinions: i64,
}

/// How a record is found: the columns the store indexes beside the JSON body.
#[derive(Debug, Clone, Default)]
pub struct IndexFields {
    pub title: String,
    pub start: Option<String>,
    pub end: Option<String>,
    pub status: Option<String>,
    pub subtype: Option<String>,
    /// The record this one hangs from: the plan of an event, the parent of a unit, the event of an opinion.
    pub link_id: Option<String>,
    pub facts: Option<EventFacts>,
    /// Extra text for search besides the title.
    pub search_text: String,
    /// The SHA-256 of each attached file: `file_refs` rows, so that housekeeping and sync know which
    /// files are still wanted without reading bodies.
    pub files: Vec<String>,
}

/// The given texts that are present, joined by spaces: the extra words a record is found by.
pub(crate) fn join_present(parts: &[&Option<String>]) -> String {
    parts.iter().filter_map(|p| p.as_deref()).collect::<Vec<_>>().join(" ")
}

pub trait Record: Serialize + DeserializeOwned {
    const KIND: Kind;
    /// Runs every check of the kind, keeping each problem in `c` (one failing check does not stop the next).
    fn validate(&self, known: &dyn Known, c: &mut validate::Checks);
    fn index(&self) -> IndexFields;
}

/// Fields every record carries that are not part of its body: the store owns them.
pub const META_FIELDS: [&str; 6] = ["id", "kind", "owner_unit", "created_at", "updated_at", "deleted"];

/// A body checked and put in canonical form, with its index fields.
pub struct Prepared {
    pub body: Value,
    pub index: IndexFields,
}

/// Reads a body of the given kind from JSON (meta fields ignored), normalises every text to NFC,
/// checks types (naming the field on error), validates, and returns its canonical form.
pub fn prepare(kind: Kind, input: &Value, known: &dyn Known) -> Result<Prepared> {
    let mut body = match input {
        Value::Object(map) => {
            let mut m = map.clone();
            for f in META_FIELDS {
                m.remove(f);
            }
            Value::Object(m)
        }
        _ => return Err(Error::invalid("(record)", Problem::NotAnObject)),
    };
    let mut checks = validate::Checks::new(kind);
    validate::normalise_texts(&mut body, "", &mut checks);
    match kind {
        Kind::Unit => typed::<Unit>(body, known, checks),
        Kind::Plan => typed::<Plan>(body, known, checks),
        Kind::Event => typed::<Event>(body, known, checks),
        Kind::Practice => typed::<Practice>(body, known, checks),
        Kind::Opinion => typed::<Opinion>(body, known, checks),
        Kind::Inspection => typed::<Inspection>(body, known, checks),
        Kind::Supervision => typed::<Supervision>(body, known, checks),
        Kind::Case => typed::<Case>(body, known, checks),
        Kind::Indicator => typed::<Indicator>(body, known, checks),
    }
}

/// The index of a body already checked elsewhere (a merged record): read as its type, not validated.
/// `None` when it does not read as that type.
pub fn index_only(kind: Kind, body: &Value) -> Option<IndexFields> {
    fn read<R: Record>(body: &Value) -> Option<IndexFields> {
        R::deserialize(body).ok().map(|r| r.index())
    }
    match kind {
        Kind::Unit => read::<Unit>(body),
        Kind::Plan => read::<Plan>(body),
        Kind::Event => read::<Event>(body),
        Kind::Practice => read::<Practice>(body),
        Kind::Opinion => read::<Opinion>(body),
        Kind::Inspection => read::<Inspection>(body),
        Kind::Supervision => read::<Supervision>(body),
        Kind::Case => read::<Case>(body),
        Kind::Indicator => read::<Indicator>(body),
    }
}

/// The index of a merged body. A merge of two valid edits can break a rule across fields (an end moved
/// before a start moved by someone else); the record is kept as merged — refusing it would make the
/// outcome depend on arrival order — and indexed by what can be read from it.
pub fn index_merged(kind: Kind, body: &Value) -> IndexFields {
    match index_only(kind, body) {
        Some(index) => index,
        None => {
            let text = |f: &str| body.get(f).and_then(Value::as_str).map(str::to_string);
            IndexFields {
                title: ["title", "name", "topic", "subject", "summary", "content"]
                    .iter()
                    .find_map(|f| text(f))
                    .unwrap_or_default(),
                start: ["start_at", "start_on", "given_on", "held_on", "period_from", "detected_at"].iter().find_map(|f| text(f)),
                ..Default::default()
            }
        }
    }
}

fn typed<R: Record>(body: Value, known: &dyn Known, mut checks: validate::Checks) -> Result<Prepared> {
    let record: R = match serde_path_to_error::deserialize(body) {
        Ok(r) => r,
        Err(e) => {
            // The body does not read as the kind: its checks cannot run, so this is the last problem.
            let path = e.path().to_string();
            let (field, problem) = type_problem(&path, &e.into_inner().to_string());
            checks.add(field, problem);
            checks.finish()?;
            return Err(Error::invalid("(record)", Problem::NotAnObject));
        }
    };
    record.validate(known, &mut checks);
    checks.finish()?;
    let index = record.index();
    let body = serde_json::to_value(&record).map_err(Error::from_json)?;
    Ok(Prepared { body: strip_empty(body), index })
}

/// The field and problem of a body that serde could not read as its kind, worded from serde's message:
/// a missing field (named itself, as required), a choice not on the list, a value of the wrong type.
fn type_problem(path: &str, message: &str) -> (String, Problem) {
    let quoted = |prefix: &str| message.strip_prefix(prefix).and_then(|r| r.split('`').next()).map(str::to_string);
    let at = |name: &str| if path == "." { name.to_string() } else { format!("{path}.{name}") };
    let field = if path == "." { "(record)".to_string() } else { path.to_string() };
    if let Some(name) = quoted("missing field `") {
        return (at(&name), Problem::Required);
    }
    if let Some(name) = quoted("unknown field `") {
        // serde_path_to_error's path already ends with the unknown field.
        return (if path.ends_with(name.as_str()) { path.to_string() } else { at(&name) }, Problem::UnknownField(name));
    }
    if let Some(value) = quoted("unknown variant `") {
        return (field, Problem::UnknownChoice(value));
    }
    let expected = message.rsplit("expected ").next().unwrap_or_default();
    let problem = if ["i64", "integer", "u32", "usize", "f64", "number"].iter().any(|t| expected.contains(t)) {
        Problem::NotAWholeNumber
    } else if expected.contains("a string") {
        Problem::NotText
    } else if expected.contains("a sequence") {
        Problem::NotAList
    } else if expected.contains("a boolean") {
        Problem::NotYesNo
    } else if expected.contains("struct") || expected.contains("a map") {
        Problem::NotAnObject
    } else {
        Problem::BadValue(message.to_string())
    };
    (field, problem)
}

/// Drops nulls and empty arrays so that the canonical form of a record does not depend on whether an
/// absent optional field was sent as null, [] or left out.
fn strip_empty(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let v = strip_empty(v);
                let empty = matches!(&v, Value::Null) || matches!(&v, Value::Array(a) if a.is_empty());
                if !empty {
                    out.insert(k, v);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(strip_empty).collect()),
        other => other,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A world where the named units, plans and events exist.
    pub struct World {
        pub units: Vec<&'static str>,
        pub plans: Vec<&'static str>,
        pub events: Vec<&'static str>,
    }

    impl Known for World {
        fn unit_exists(&self, id: &str) -> Result<bool> {
            Ok(self.units.contains(&id))
        }
        fn plan_exists(&self, id: &str) -> Result<bool> {
            Ok(self.plans.contains(&id))
        }
        fn event_exists(&self, id: &str) -> Result<bool> {
            Ok(self.events.contains(&id))
        }
        fn indicator_exists(&self, code: &str) -> Result<bool> {
            Ok(standard_catalogue().iter().any(|i| i.code == code))
        }
    }

    pub fn world() -> World {
        World { units: vec!["u1", "u2"], plans: vec!["p1"], events: vec!["e1"] }
    }
}

/// Every field path of a kind, as validation names them (`participants.members`, `online_posts[0].link`),
/// found by asking serde: a body with one unknown field is refused with the list of the fields it takes,
/// at every depth. The translation test walks it, so a field added to a kind without a label fails it.
#[cfg(test)]
pub(crate) fn field_paths(kind: Kind) -> Vec<String> {
    use std::rc::Rc;
    type Wrap = Rc<dyn Fn(Value) -> Value>;
    /// Where serde found the unknown field, and the fields it takes there.
    fn fields_at(kind: Kind, wrap: &Wrap) -> Option<(String, Vec<String>)> {
        let probe = wrap(serde_json::json!({"__probe": 1}));
        let err = match kind {
            Kind::Unit => serde_path_to_error::deserialize::<_, Unit>(probe).err(),
            Kind::Plan => serde_path_to_error::deserialize::<_, Plan>(probe).err(),
            Kind::Event => serde_path_to_error::deserialize::<_, Event>(probe).err(),
            Kind::Practice => serde_path_to_error::deserialize::<_, Practice>(probe).err(),
            Kind::Opinion => serde_path_to_error::deserialize::<_, Opinion>(probe).err(),
            Kind::Inspection => serde_path_to_error::deserialize::<_, Inspection>(probe).err(),
            Kind::Supervision => serde_path_to_error::deserialize::<_, Supervision>(probe).err(),
            Kind::Case => serde_path_to_error::deserialize::<_, Case>(probe).err(),
            Kind::Indicator => serde_path_to_error::deserialize::<_, Indicator>(probe).err(),
        }?;
        let path = err.path().to_string();
        let container = path.strip_suffix("__probe")?.trim_end_matches('.').to_string();
        // "unknown field `__probe`, expected one of …" (an enum says "unknown variant": no fields).
        let message = err.into_inner().to_string();
        // serde says "expected `a`", "expected `a` or `b`" or "expected one of `a`, `b`, …".
        let list = message.strip_prefix("unknown field `__probe`, expected ")?;
        let list = list.strip_prefix("one of ").unwrap_or(list);
        Some((container, list.split(", ").flat_map(|f| f.split(" or ")).map(|f| f.trim_matches('`').to_string()).collect()))
    }
    fn walk(kind: Kind, at: &str, wrap: Wrap, out: &mut Vec<String>) {
        let Some((_, fields)) = fields_at(kind, &wrap) else { return };
        for field in fields {
            let path = if at.is_empty() { field.clone() } else { format!("{at}.{field}") };
            out.push(path.clone());
            let (w, f) = (wrap.clone(), field.clone());
            let as_record: Wrap = Rc::new(move |v| w(serde_json::json!({ f.clone(): v })));
            if fields_at(kind, &as_record).is_some_and(|(c, _)| c == path) {
                walk(kind, &path, as_record, out);
                continue;
            }
            let (w, f) = (wrap.clone(), field.clone());
            let as_list: Wrap = Rc::new(move |v| w(serde_json::json!({ f.clone(): [v] })));
            let item = format!("{path}[0]");
            if fields_at(kind, &as_list).is_some_and(|(c, _)| c == item) {
                walk(kind, &item, as_list, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(kind, "", Rc::new(|v| v), &mut out);
    out
}
