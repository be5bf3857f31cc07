//! Org units: a tree of any depth with history, because the 2025 reform merged provinces and removed
//! the district level while old reports still roll up under the old units.

use serde::{Deserialize, Serialize};

use super::validate::*;
use super::{IndexFields, Kind, Known, Record};
use crate::error::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Central,
    Province,
    District,
    Grassroots,
    Bloc,
    Branch,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitChange {
    Merged,
    /// Divided between several successors: `successor_id` carries its history, `split_into` names the others.
    Split,
    Renamed,
    Dissolved,
    /// Hangs under another unit from a date; `former_parents` keeps where it hung before.
    Moved,
}

/// A parent a unit hung under until a day (a school's Union under its commune until it moved to the
/// province's school bloc): reports "as it was" put the unit's records there for periods ending by then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormerParent {
    pub parent_id: String,
    /// The last day under that parent (yyyy-mm-dd).
    pub until: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// Short unique code, e.g. `HY-XA-DONG-HUNG`.
    pub code: String,
    /// Full name as printed, e.g. "Đoàn xã Đông Hưng".
    pub name: String,
    /// Level in the Union's structure; `kind` is taken by the record kind.
    pub level: UnitKind,
    #[serde(default)]
    pub parent_id: Option<String>,
    /// The upper body's name in document headers, e.g. "BCH TỈNH ĐOÀN HƯNG YÊN".
    #[serde(default)]
    pub upper_body: Option<String>,
    /// Place name for the date line of documents, e.g. "Đông Hưng".
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_to: Option<String>,
    #[serde(default)]
    pub successor_id: Option<String>,
    #[serde(default)]
    pub change: Option<UnitChange>,
    /// A split unit's other successors; `successor_id` is the one that carries its records in reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub split_into: Vec<String>,
    /// Where the unit hung before it moved, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub former_parents: Vec<FormerParent>,
    /// Number of Union members, the denominator of unique-reach percentages.
    #[serde(default)]
    pub member_count: Option<i64>,
}

impl Record for Unit {
    const KIND: Kind = Kind::Unit;

    fn validate(&self, known: &dyn Known, c: &mut Checks) {
        c.keep(required_line("name", &self.name));
        if c.keep(required_line("code", &self.code)).is_some()
            && !self.code.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            c.add("code", Problem::CodeCharacters);
        }
        c.keep(opt_line("upper_body", &self.upper_body));
        c.keep(opt_line("place", &self.place));
        c.keep(opt_known_unit(known, "parent_id", &self.parent_id));
        c.keep(opt_known_unit(known, "successor_id", &self.successor_id));
        let from = c.keep(opt_date("valid_from", &self.valid_from)).flatten();
        let to = c.keep(opt_date("valid_to", &self.valid_to)).flatten();
        c.keep(in_order("valid_from", from, "valid_to", to));
        c.keep(opt_count("member_count", self.member_count));
        if self.successor_id.is_some() && self.valid_to.is_none() {
            c.add("valid_to", Problem::Required);
        }
        for other in &self.split_into {
            c.keep(known_unit(known, "split_into", other));
        }
        // The other parts of a split need the one that carries the records.
        if !self.split_into.is_empty() && self.successor_id.is_none() {
            c.add("successor_id", Problem::Required);
        }
        let mut last: Option<chrono::NaiveDate> = None;
        for before in &self.former_parents {
            c.keep(known_unit(known, "former_parents", &before.parent_id));
            if let Some(day) = c.keep(date("former_parents", &before.until)) {
                if last.is_some_and(|l| day <= l) {
                    c.add("former_parents", Problem::NotAfter { other: "former_parents".into() });
                }
                last = Some(day);
            }
        }
    }

    fn index(&self) -> IndexFields {
        IndexFields {
            title: self.name.clone(),
            start: self.valid_from.clone(),
            end: self.valid_to.clone(),
            subtype: Some(serde_plain(&self.level)),
            link_id: self.parent_id.clone(),
            search_text: format!("{} {}", self.code, self.place.clone().unwrap_or_default()),
            ..Default::default()
        }
    }
}

/// The fields of a unit that the level above decides (docs/store.md, "Who decides a unit's
/// structure"): where it hangs, its level, its validity, its successor, the kind of change, and its name
/// when renamed. The other fields (code, place, upper body text, member count) are the unit's own.
pub const STRUCTURAL_FIELDS: [&str; 9] =
    ["name", "level", "parent_id", "valid_from", "valid_to", "successor_id", "change", "split_into", "former_parents"];

/// Whether `field` is one of the fields the level above decides.
pub fn is_structural(field: &str) -> bool {
    STRUCTURAL_FIELDS.contains(&field)
}

/// The snake_case name serde gives an enum value.
pub(crate) fn serde_plain<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::world;
    use super::super::{prepare, Kind};
    use serde_json::json;

    #[test]
    fn a_unit_needs_a_code_and_a_name() {
        let e = prepare(Kind::Unit, &json!({"code": "", "name": "Đoàn xã A", "level": "grassroots"}), &world());
        assert_eq!(e.err().unwrap().field(), Some("code"));
    }

    #[test]
    fn a_successor_must_exist_and_validity_must_be_in_order() {
        let base = json!({"code": "X", "name": "Huyện đoàn X", "level": "district",
                          "valid_from": "2010-01-01", "valid_to": "2025-06-30", "successor_id": "nope"});
        assert_eq!(prepare(Kind::Unit, &base, &world()).err().unwrap().field(), Some("successor_id"));
        let mut backwards = base.clone();
        backwards["successor_id"] = json!("u1");
        backwards["valid_to"] = json!("2009-01-01");
        assert_eq!(prepare(Kind::Unit, &backwards, &world()).err().unwrap().field(), Some("valid_to"));
    }

    #[test]
    fn unknown_kind_values_name_the_field() {
        let e = prepare(Kind::Unit, &json!({"code": "X", "name": "X", "level": "galaxy"}), &world()).err().unwrap();
        assert_eq!(e.field(), Some("level"));
    }
}
