//! The dashboard: for a unit and its subtree in a period, each indicator counted from the records by its
//! rule, against the targets of the unit's plans for that period.

use serde::Serialize;

use crate::error::Result;
use crate::period::Period;
use crate::store::Store;

#[derive(Debug, Clone, Serialize)]
pub struct DashboardRow {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub unit_of_measure: Option<String>,
    /// None when the indicator has no rule: it is entered by hand in reports.
    pub actual: Option<f64>,
    pub target: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub period: Period,
    pub unit_id: String,
    pub unit_name: String,
    pub events: i64,
    pub participants: i64,
    /// Of `events`, those with at least one evidence file; the rest have none yet.
    pub events_with_evidence: i64,
    pub rows: Vec<DashboardRow>,
}

impl Store {
    /// The period report's indicator table, without the per-unit rows: the same numbers by the same rules
    /// (see [`crate::report`]).
    pub fn dashboard(&self, unit_id: Option<&str>, period: &Period) -> Result<Dashboard> {
        let r = self.period_report(unit_id, period)?;
        Ok(Dashboard {
            period: r.period,
            unit_id: r.unit.id,
            unit_name: r.unit.name,
            events: r.events,
            participants: r.participants,
            events_with_evidence: r.events_with_evidence,
            rows: r
                .indicators
                .into_iter()
                .map(|l| DashboardRow {
                    code: l.code,
                    name: l.name,
                    name_en: l.name_en,
                    unit_of_measure: l.unit_of_measure,
                    actual: l.value,
                    target: l.target,
                })
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;
    use serde_json::json;

    #[test]
    fn indicators_count_the_subtree_against_the_plan_targets() {
        let mut s = Store::open_in_memory().unwrap();
        let prov = s.init(&json!({"code": "T", "name": "Tỉnh đoàn", "level": "province"})).unwrap();
        let commune = s
            .create(Kind::Unit, &json!({"code": "X", "name": "Đoàn xã X", "level": "grassroots", "parent_id": prov["id"]}))
            .unwrap();
        let plan = s
            .create(Kind::Plan, &json!({"title": "KH quý 3", "start_on": "2025-07-01", "end_on": "2025-09-30",
                                        "targets": [{"indicator": "TT-01", "value": 4}, {"indicator": "TT-02", "value": 200}]}))
            .unwrap();
        let ev = |title: &str, at: &str, members: i64, mode: &str| {
            json!({"title": title, "start_at": at, "mode": mode, "plan_id": plan["id"],
                   "participants": {"members": members, "non_members": 5, "others": 2}})
        };
        s.create(Kind::Event, &ev("Buổi 1", "2025-07-10T08:00", 30, "in_person")).unwrap();
        s.create(Kind::Event, &ev("Buổi 2", "2025-09-30T19:00", 20, "hybrid")).unwrap();
        s.create(Kind::Event, &ev("Trực tuyến", "2025-08-01T08:00", 7, "online")).unwrap();
        s.create(Kind::Event, &ev("Quý sau", "2025-10-01T08:00", 99, "in_person")).unwrap();
        let owner = commune["id"].as_str().map(str::to_string);
        s.create_at(Kind::Event, &ev("Ở xã", "2025-08-15T08:00", 10, "in_person"), owner.as_deref(), crate::store::WriteCtx::now())
            .unwrap();

        let d = s.dashboard(None, &Period::parse("2025Q3").unwrap()).unwrap();
        let row = |c: &str| d.rows.iter().find(|r| r.code == c).unwrap().clone();
        assert_eq!(d.events, 4);
        // Everyone who took part, guests ("others") included…
        assert_eq!(d.participants, 30 + 20 + 7 + 10 + 4 * 5 + 4 * 2);
        assert_eq!((row("TT-01").actual, row("TT-01").target), (Some(3.0), Some(4.0)));
        // …and TT-02, "đoàn viên, thanh niên": members and non-member youth, not the guests.
        assert_eq!((row("TT-02").actual, row("TT-02").target), (Some((30 + 20 + 7 + 10 + 4 * 5) as f64), Some(200.0)));
        assert_eq!(row("GS-03").actual, None);

        // The commune alone sees only its own event.
        let d = s.dashboard(commune["id"].as_str(), &Period::parse("2025Q3").unwrap()).unwrap();
        assert_eq!(d.events, 1);
    }
}
