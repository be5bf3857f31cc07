//! The records an officer keeps (DOMAIN.md §3), one module per kind. Each kind is a typed struct that
//! rejects unknown fields, validates itself and says how it is indexed; the store keeps the rest generic.

mod case;
mod event;
mod indicator;
mod opinion;
mod oversight;
mod plan;
mod practice;
mod unit;
pub mod validate;

pub use case::{Case, CaseAction};
pub use event::{Event, EventType, Evidence, Mode, OnlinePost, Participants};
pub use indicator::{Aggregation, standard_catalogue, Indicator, Rule, EVENT_MEASURES, EVENT_MEASURES_COLUMNS};
pub use opinion::{Opinion, OpinionResponse};
pub use oversight::{Finding, Inspection, Supervision};
pub use plan::{Plan, Reporting, Target};
pub use practice::{Practice, Recognition, Replication};
pub use unit::{Unit, UnitKind};

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
            .ok_or_else(|| Error::invalid("kind", Problem::BadValue(s.clone())))
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
}

/// The given texts that are present, joined by spaces: the extra words a record is found by.
pub(crate) fn join_present(parts: &[&Option<String>]) -> String {
    parts.iter().filter_map(|p| p.as_deref()).collect::<Vec<_>>().join(" ")
}

pub trait Record: Serialize + DeserializeOwned {
    const KIND: Kind;
    fn validate(&self, known: &dyn Known) -> Result<()>;
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
        _ => return Err(Error::invalid("(record)", Problem::BadValue("expected a JSON object".into()))),
    };
    validate::normalise_texts(&mut body, "")?;
    match kind {
        Kind::Unit => typed::<Unit>(body, known),
        Kind::Plan => typed::<Plan>(body, known),
        Kind::Event => typed::<Event>(body, known),
        Kind::Practice => typed::<Practice>(body, known),
        Kind::Opinion => typed::<Opinion>(body, known),
        Kind::Inspection => typed::<Inspection>(body, known),
        Kind::Supervision => typed::<Supervision>(body, known),
        Kind::Case => typed::<Case>(body, known),
        Kind::Indicator => typed::<Indicator>(body, known),
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

fn typed<R: Record>(body: Value, known: &dyn Known) -> Result<Prepared> {
    let record: R = serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // serde reports a missing field at its parent; name the field itself, as a required one.
        if let Some(name) = inner.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
            let field = if path == "." { name.to_string() } else { format!("{path}.{name}") };
            return Error::invalid(field, Problem::Required);
        }
        let field = if path == "." { "(record)".to_string() } else { path };
        Error::invalid(field, Problem::BadValue(inner))
    })?;
    record.validate(known)?;
    let index = record.index();
    let body = serde_json::to_value(&record).map_err(Error::from_json)?;
    Ok(Prepared { body: strip_empty(body), index })
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
