//! The dashboard: for a unit and its subtree in a period, each indicator counted from the records by its
//! rule, against the targets of the unit's plans for that period.

use std::collections::HashMap;

use rusqlite::{params_from_iter, ToSql};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{Indicator, Kind};
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
    pub rows: Vec<DashboardRow>,
}

/// Event numbers added up per (type, mode, status): few groups, so every rule is then evaluated in Rust
/// from one pass over the period's events.
#[derive(Default)]
struct EventGroup {
    subtype: String,
    mode: String,
    status: String,
    count: i64,
    sums: HashMap<&'static str, i64>,
}

impl Store {
    pub fn dashboard(&self, unit_id: Option<&str>, period: &Period) -> Result<Dashboard> {
        let inst = self.require_installation()?;
        let unit_id = unit_id.unwrap_or(&inst.unit_id).to_string();
        let unit = self.get(Kind::Unit, &unit_id)?;
        let units = self.subtree(&unit_id)?;
        let start = period.start.format("%Y-%m-%d").to_string();
        let end_excl = (period.end + chrono::Duration::days(1)).format("%Y-%m-%d").to_string();

        let groups = self.event_groups(&units, &start, &end_excl)?;
        let others = self.other_counts(&units, &start, &end_excl)?;
        let targets = self.plan_targets(&unit_id, &start, &period.end.format("%Y-%m-%d").to_string())?;

        let mut rows = Vec::new();
        for ind in self.indicators()? {
            let actual = ind.rule.as_ref().map(|rule| {
                let wanted = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
                if rule.source == "event" {
                    groups
                        .iter()
                        .filter(|g| wanted(&rule.subtype, &g.subtype) && wanted(&rule.mode, &g.mode) && wanted(&rule.status, &g.status))
                        .map(|g| if rule.measure == "count" { g.count } else { g.sums.get(rule.measure.as_str()).copied().unwrap_or(0) })
                        .sum::<i64>() as f64
                } else {
                    others
                        .iter()
                        .filter(|(k, st, s, _)| k == &rule.source && wanted(&rule.subtype, st) && wanted(&rule.status, s))
                        .map(|(_, _, _, n)| *n)
                        .sum::<i64>() as f64
                }
            });
            rows.push(DashboardRow {
                target: targets.get(&ind.code).copied(),
                code: ind.code,
                name: ind.name,
                name_en: ind.name_en,
                unit_of_measure: ind.unit_of_measure,
                actual,
            });
        }
        let events = groups.iter().filter(|g| g.status == "done").map(|g| g.count).sum();
        let participants = groups
            .iter()
            .filter(|g| g.status == "done")
            .map(|g| g.sums["members"] + g.sums["non_members"] + g.sums["others"])
            .sum();
        Ok(Dashboard {
            period: period.clone(),
            unit_name: unit["name"].as_str().unwrap_or_default().to_string(),
            unit_id,
            events,
            participants,
            rows,
        })
    }

    /// The catalogue, in code order.
    pub fn indicators(&self) -> Result<Vec<Indicator>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT body FROM records WHERE kind = 'indicator' AND deleted = 0 ORDER BY rowid")?;
        let bodies = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        bodies.iter().map(|b| serde_json::from_str(b).map_err(Error::from_json)).collect()
    }

    fn event_groups(&self, units: &[String], start: &str, end_excl: &str) -> Result<Vec<EventGroup>> {
        const COLS: [&str; 11] = crate::model::EVENT_MEASURES_COLUMNS;
        let sums: Vec<String> = COLS.iter().map(|c| format!("sum(f.{c})")).collect();
        let sql = format!(
            "SELECT r.subtype, f.mode, r.status, count(*), {}
             FROM records r JOIN event_facts f ON f.rowid = r.rowid
             WHERE r.kind = 'event' AND r.deleted = 0 AND r.start >= ?1 AND r.start < ?2 AND r.owner_unit IN ({})
             GROUP BY r.subtype, f.mode, r.status",
            sums.join(", "),
            marks(units.len(), 3)
        );
        let mut p: Vec<&dyn ToSql> = vec![&start, &end_excl];
        p.extend(units.iter().map(|u| u as &dyn ToSql));
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(p), |r| {
            let mut g = EventGroup {
                subtype: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                mode: r.get(1)?,
                status: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                count: r.get(3)?,
                sums: HashMap::new(),
            };
            for (i, c) in COLS.iter().enumerate() {
                g.sums.insert(c, r.get::<_, Option<i64>>(4 + i)?.unwrap_or(0));
            }
            Ok(g)
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn other_counts(&self, units: &[String], start: &str, end_excl: &str) -> Result<Vec<(String, String, String, i64)>> {
        let sql = format!(
            "SELECT kind, coalesce(subtype, ''), coalesce(status, ''), count(*) FROM records
             WHERE kind IN ('opinion', 'practice', 'inspection', 'supervision', 'case') AND deleted = 0
               AND start >= ?1 AND start < ?2 AND owner_unit IN ({})
             GROUP BY kind, subtype, status",
            marks(units.len(), 3)
        );
        let mut p: Vec<&dyn ToSql> = vec![&start, &end_excl];
        p.extend(units.iter().map(|u| u as &dyn ToSql));
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(p), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Targets of the unit's own plans that overlap the period, added up per indicator.
    fn plan_targets(&self, unit_id: &str, start: &str, end: &str) -> Result<HashMap<String, f64>> {
        let mut stmt = self.conn().prepare_cached(
            r#"SELECT body FROM records WHERE kind = 'plan' AND deleted = 0 AND owner_unit = ?1
               AND start <= ?3 AND coalesce("end", '9999') >= ?2"#,
        )?;
        let bodies = stmt.query_map([unit_id, start, end], |r| r.get::<_, String>(0))?;
        let mut out = HashMap::new();
        for body in bodies {
            let plan: crate::model::Plan = serde_json::from_str(&body?).map_err(Error::from_json)?;
            for t in plan.targets {
                *out.entry(t.indicator).or_insert(0.0) += t.value;
            }
        }
        Ok(out)
    }
}

fn marks(n: usize, first: usize) -> String {
    (0..n).map(|i| format!("?{}", first + i)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
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
                   "participants": {"members": members, "non_members": 5}})
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
        assert_eq!(d.participants, 30 + 20 + 7 + 10 + 4 * 5);
        assert_eq!((row("TT-01").actual, row("TT-01").target), (Some(3.0), Some(4.0)));
        assert_eq!((row("TT-02").actual, row("TT-02").target), (Some(67.0), Some(200.0)));
        assert_eq!(row("GS-03").actual, None);

        // The commune alone sees only its own event.
        let d = s.dashboard(commune["id"].as_str(), &Period::parse("2025Q3").unwrap()).unwrap();
        assert_eq!(d.events, 1);
    }
}
