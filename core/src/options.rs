//! What forms need to offer choices: units, plans and indicators, and the last event's settings.

use serde::Serialize;
use serde_json::Value;

use crate::error::Result;
use crate::model::Kind;
use crate::store::{ListQuery, Sort, Store};

#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub id: String,
    pub label: String,
    pub code: Option<String>,
    /// A unit's last day when the level above closed it (merged, split, dissolved): the merge wizard
    /// offers only units that still stand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_on: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Options {
    pub units: Vec<Choice>,
    pub plans: Vec<Choice>,
    pub indicators: Vec<Choice>,
}

impl Store {
    pub fn options(&self) -> Result<Options> {
        let all = |kind: Kind, sort: Sort| -> Result<Vec<Value>> {
            let mut q = ListQuery::new(kind);
            q.sort = sort;
            q.page_size = 500;
            Ok(self.list(&q)?.rows)
        };
        let units = all(Kind::Unit, Sort::Title)?
            .into_iter()
            .map(|u| Choice { id: s(&u, "id"), label: s(&u, "name"), code: Some(s(&u, "code")), ended_on: u["valid_to"].as_str().map(str::to_string) })
            .collect();
        let plans = all(Kind::Plan, Sort::Date)?
            .into_iter()
            .map(|p| Choice { id: s(&p, "id"), label: s(&p, "title"), code: p["number"].as_str().map(str::to_string), ended_on: None })
            .collect();
        let indicators = self
            .indicators()?
            .into_iter()
            .map(|i| Choice { id: i.code.clone(), label: i.name, code: Some(i.code), ended_on: None })
            .collect();
        Ok(Options { units, plans, indicators })
    }

    /// The settings of the last event logged here, for the quick form's defaults (not its title or counts).
    pub fn event_defaults(&self) -> Result<Value> {
        let mut q = ListQuery::new(Kind::Event);
        q.sort = Sort::Updated;
        q.page_size = 1;
        let Some(last) = self.list(&q)?.rows.into_iter().next() else {
            return Ok(serde_json::json!({}));
        };
        let mut out = serde_json::Map::new();
        for f in ["event_type", "mode", "plan_id", "place", "unit_id", "organisers", "audience"] {
            if let Some(v) = last.get(f) {
                out.insert(f.into(), v.clone());
            }
        }
        Ok(Value::Object(out))
    }
}

fn s(v: &Value, f: &str) -> String {
    v[f].as_str().unwrap_or_default().to_string()
}
