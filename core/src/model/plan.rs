//! Propaganda plans (kế hoạch): what a level will do, with targets per indicator and the upper plan it serves.

use serde::{Deserialize, Serialize};

use super::event::Mode;
use super::unit::serde_plain;
use super::validate::*;
use super::{join_present, IndexFields, Kind, Known, Record};
use crate::error::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    #[default]
    Draft,
    Issued,
    InProgress,
    Closed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub indicator: String,
    pub value: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reporting {
    pub what: String,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub due_on: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub title: String,
    /// Number and symbol, e.g. `12-KH/ĐTN`.
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub issued_on: Option<String>,
    #[serde(default)]
    pub signer: Option<String>,
    /// The documents the plan rests on (căn cứ).
    #[serde(default)]
    pub bases: Vec<String>,
    #[serde(default)]
    pub purpose: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub forms: Option<Mode>,
    #[serde(default)]
    pub audience: Option<String>,
    pub start_on: String,
    #[serde(default)]
    pub end_on: Option<String>,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub assignments: Option<String>,
    #[serde(default)]
    pub targets: Vec<Target>,
    #[serde(default)]
    pub reporting: Option<Reporting>,
    #[serde(default)]
    pub recipients: Vec<String>,
    #[serde(default)]
    pub status: PlanStatus,
    #[serde(default)]
    pub parent_plan_id: Option<String>,
}

impl Record for Plan {
    const KIND: Kind = Kind::Plan;

    fn validate(&self, known: &dyn Known, c: &mut Checks) {
        c.keep(required_line("title", &self.title));
        c.keep(opt_line("number", &self.number));
        c.keep(opt_line("signer", &self.signer));
        c.keep(opt_line("place", &self.place));
        c.keep(opt_date("issued_on", &self.issued_on));
        let start = c.keep(date("start_on", &self.start_on));
        let end = c.keep(opt_date("end_on", &self.end_on)).flatten();
        c.keep(in_order("start_on", start, "end_on", end));
        for (i, t) in self.targets.iter().enumerate() {
            let field = format!("targets[{i}].indicator");
            match c.keep(known.indicator_exists(&t.indicator)) {
                Some(false) => c.add(field.clone(), Problem::UnknownIndicator(t.indicator.clone())),
                _ if self.targets[..i].iter().any(|o| o.indicator == t.indicator) => c.add(field, Problem::Duplicate(t.indicator.clone())),
                _ => {}
            }
            if !(t.value.is_finite() && t.value >= 0.0) {
                c.add(format!("targets[{i}].value"), Problem::Negative);
            }
        }
        if let Some(r) = &self.reporting {
            c.keep(required("reporting.what", &r.what));
            c.keep(opt_date("reporting.due_on", &r.due_on));
        }
        c.keep(opt_known_plan(known, "parent_plan_id", &self.parent_plan_id));
    }

    fn index(&self) -> IndexFields {
        IndexFields {
            title: self.title.clone(),
            start: Some(self.start_on.clone()),
            end: self.end_on.clone(),
            status: Some(serde_plain(&self.status)),
            link_id: self.parent_plan_id.clone(),
            search_text: join_present(&[&self.number, &self.purpose, &self.content]),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::world;
    use super::super::{prepare, Kind};
    use serde_json::json;

    #[test]
    fn targets_must_name_known_indicators_once() {
        let plan = json!({"title": "Kế hoạch tuyên truyền", "start_on": "2025-07-01",
                          "targets": [{"indicator": "TT-01", "value": 10}, {"indicator": "ZZ-99", "value": 1}]});
        assert_eq!(prepare(Kind::Plan, &plan, &world()).err().unwrap().field(), Some("targets[1].indicator"));
    }

    #[test]
    fn the_end_may_not_come_before_the_start() {
        let plan = json!({"title": "KH", "start_on": "2025-07-01", "end_on": "2025-06-01"});
        assert_eq!(prepare(Kind::Plan, &plan, &world()).err().unwrap().field(), Some("end_on"));
    }
}
