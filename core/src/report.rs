//! Period reports (báo cáo định kỳ): for a unit and everything under it in a period, each indicator of
//! the catalogue counted from the records by its rule, against the targets of the unit's plans, with a
//! row per unit directly under it.
//!
//! How values combine (DOMAIN.md §4):
//! - counts add up the tree;
//! - unique reach (aggregation `ratio`) never adds across the events of one unit — the same members come
//!   back session after session — so a unit's figure is the largest its events record in the period; it
//!   adds across units, whose members are different people; its percentage of all members is recomputed
//!   at each level from the two numbers, never added or averaged;
//! - the percentage of the plan target is likewise recomputed at each level;
//! - two views of the structure ([`Structure`]): **in today's structure** (the default) every record counts
//!   under the unit that carries it on today — a merged or split unit's under its successor (the one named
//!   to carry its history), a moved unit's under its present parent — whatever the period; **as it was**
//!   takes the tree in force on the period's last day: units not yet merged keep their rows, moved units
//!   hang where they hung then.

pub mod export;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use rusqlite::{params_from_iter, ToSql};
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::model::{Aggregation, Indicator, Rule, EVENT_MEASURES_COLUMNS};
use crate::period::Period;
use crate::store::Store;

/// Which tree a report is laid out in (docs/store.md, "Reports and the structure").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Structure {
    /// Every record under the unit that carries it on today.
    #[default]
    Today,
    /// The tree in force on the period's last day.
    AsItWas,
}

impl Structure {
    pub fn parse(s: &str) -> Option<Structure> {
        match s {
            "today" => Some(Structure::Today),
            "as-it-was" => Some(Structure::AsItWas),
            _ => None,
        }
    }

    /// The words documents and spreadsheets put under the report's title.
    pub fn heading(self, period_end: chrono::NaiveDate, lang: crate::Lang) -> String {
        let day = crate::clock::format_date_vn(period_end);
        match (self, lang) {
            (Structure::Today, crate::Lang::Vi) => "Theo cơ cấu tổ chức hiện nay".to_string(),
            (Structure::Today, crate::Lang::En) => "In today's structure".to_string(),
            (Structure::AsItWas, crate::Lang::Vi) => format!("Theo cơ cấu tổ chức tại ngày {day}"),
            (Structure::AsItWas, crate::Lang::En) => format!("In the structure as it was on {day}"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportUnit {
    pub id: String,
    pub code: String,
    pub name: String,
    pub level: String,
    /// "BCH TỈNH ĐOÀN HƯNG YÊN": the body above, for the document's head.
    pub upper_body: Option<String>,
    pub place: Option<String>,
}

/// One indicator of the report, for the whole subtree.
#[derive(Debug, Clone, Serialize)]
pub struct ReportLine {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub group: String,
    pub unit_of_measure: Option<String>,
    pub aggregation: Aggregation,
    /// None when the indicator has no rule: it is written in by hand.
    pub value: Option<f64>,
    pub target: Option<f64>,
    /// value / target × 100, one decimal; recomputed here, never added from below.
    pub percent_of_target: Option<f64>,
    /// For unique reach: the members it is a share of, and that share in %, one decimal.
    pub members: Option<i64>,
    pub percent_of_members: Option<f64>,
}

/// A unit directly under the reported one (or the reported unit's own records), with its subtree and
/// the units merged into it.
#[derive(Debug, Clone, Serialize)]
pub struct ReportRow {
    pub id: String,
    pub code: String,
    pub name: String,
    /// True for the row of the reported unit's own activities.
    pub own: bool,
    /// Names of the units whose records this row takes over (merged in 2025, renamed …).
    pub merged: Vec<String>,
    pub events: i64,
    pub participants: i64,
    /// Counted indicators by code; indicators written in by hand are absent.
    pub values: BTreeMap<String, f64>,
    pub members: Option<i64>,
    /// Events done in the period that have at least one evidence file.
    pub with_evidence: i64,
}

impl ReportRow {
    /// The row's name as documents and spreadsheets title it: with the units merged into it.
    pub fn title(&self) -> String {
        if self.merged.is_empty() {
            self.name.clone()
        } else {
            format!("{} (gồm {})", self.name, self.merged.join(", "))
        }
    }
}

/// One period of a series: events done and every counted indicator.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesPoint {
    pub period: Period,
    pub events: i64,
    pub values: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub unit: ReportUnit,
    pub period: Period,
    pub structure: Structure,
    /// Events done in the period, and their participants (members, others and non-members).
    pub events: i64,
    pub participants: i64,
    pub indicators: Vec<ReportLine>,
    pub rows: Vec<ReportRow>,
    /// Of `events`, those with at least one evidence file (minh chứng).
    pub events_with_evidence: i64,
    /// The events done with evidence, each under the row that counts it, in date order: the annex.
    pub evidence: Vec<EvidenceEvent>,
}

/// An event done in the period and its evidence files, for the report's annex.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceEvent {
    pub row_id: String,
    pub event_id: String,
    pub title: String,
    pub start: String,
    pub files: Vec<crate::model::Attachment>,
}

/// A unit as the roll-up needs it.
#[derive(Debug, Clone)]
struct UnitNode {
    id: String,
    code: String,
    name: String,
    parent: Option<String>,
    successor: Option<String>,
    valid_from: Option<String>,
    valid_to: Option<String>,
    member_count: Option<i64>,
    /// Where it hung before it moved: (parent, last day there), oldest first.
    former_parents: Vec<(String, String)>,
    body: Value,
}

impl UnitNode {
    fn valid_on(&self, day: &str) -> bool {
        self.valid_from.as_deref().is_none_or(|f| f <= day) && self.valid_to.as_deref().is_none_or(|t| t >= day)
    }

    /// The parent it hung under on `day`.
    fn parent_on(&self, day: &str) -> Option<String> {
        self.former_parents.iter().find(|(_, until)| until.as_str() >= day).map(|(p, _)| p.clone()).or_else(|| self.parent.clone())
    }
}

/// The units laid out in the tree the report asks for: today's (as held), or the one in force on `day` —
/// each unit under the parent it had then, and a successor only for units that had ended by then.
fn tree_in(units: HashMap<String, UnitNode>, structure: Structure, day: &str) -> HashMap<String, UnitNode> {
    match structure {
        Structure::Today => units,
        Structure::AsItWas => units
            .into_iter()
            .map(|(id, mut u)| {
                u.parent = u.parent_on(day);
                if u.valid_to.as_deref().is_none_or(|t| t >= day) {
                    u.successor = None;
                }
                (id, u)
            })
            .collect(),
    }
}

/// The events of one owner in one (type, mode, status): their count, and per event number its sum and
/// its largest value.
pub struct EventGroup {
    pub owner: String,
    pub subtype: String,
    pub mode: String,
    pub status: String,
    pub count: i64,
    /// Per column of [`EVENT_MEASURES_COLUMNS`].
    pub sums: [i64; 11],
    pub maxes: [i64; 11],
}

impl EventGroup {
    /// The sum of a measure over the group; `a+b` adds two numbers of each event.
    fn sum(&self, measure: &str) -> i64 {
        measure.split('+').map(|m| EVENT_MEASURES_COLUMNS.iter().position(|c| *c == m).map_or(0, |i| self.sums[i])).sum()
    }

    /// The largest value of a measure in the group (unique reach); for `a+b`, the sum of the largest of each
    /// (at most the largest of the sum would be: the figure stays an upper bound, never added across events).
    fn max(&self, measure: &str) -> i64 {
        measure.split('+').map(|m| EVENT_MEASURES_COLUMNS.iter().position(|c| *c == m).map_or(0, |i| self.maxes[i])).sum()
    }
}

/// The opinions, practices, inspections, supervisions or cases of one owner in one (type, status).
pub struct OtherGroup {
    pub owner: String,
    pub kind: String,
    pub subtype: String,
    pub status: String,
    pub count: i64,
}

/// What a report reads from a store: this crate's SQLite store, or the national hub's PostgreSQL
/// (crate sotay-net). The roll-up, the rules and the layout are the same whichever it is.
pub trait ReportSource {
    /// Every unit not deleted: (id, body).
    fn units(&self) -> Result<Vec<(String, Value)>>;
    /// The events in [start, end_excl) of `owners` (of `all_units` in all), added up per (owner, type,
    /// mode, status).
    fn event_groups(&self, owners: &[String], all_units: usize, start: &str, end_excl: &str) -> Result<Vec<EventGroup>>;
    /// The other records in [start, end_excl) of `owners`, counted per (owner, kind, type, status).
    fn other_groups(&self, owners: &[String], start: &str, end_excl: &str) -> Result<Vec<OtherGroup>>;
    /// Events done in [start, end_excl) that have evidence files, their owner in `row_id`, in date order.
    fn evidence(&self, start: &str, end_excl: &str) -> Result<Vec<EvidenceEvent>>;
    /// The plans of `unit_id` overlapping [start, end]: (body, whether it is in force on `end`).
    fn plans(&self, unit_id: &str, start: &str, end: &str) -> Result<Vec<(Value, bool)>>;
    /// The indicator catalogue, in code order.
    fn catalogue(&self) -> Result<Vec<Indicator>>;
}

fn wanted(list: &[String], v: &str) -> bool {
    list.is_empty() || list.iter().any(|x| x == v)
}

fn percent(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| (part / whole * 1000.0).round() / 10.0)
}

impl Store {
    /// The report of `unit_id` (the installation's unit by default) for `period`, in today's structure.
    pub fn period_report(&self, unit_id: Option<&str>, period: &Period) -> Result<Report> {
        self.period_report_in(unit_id, period, Structure::Today)
    }

    /// The report of `unit_id` for `period`, laid out in the given structure.
    pub fn period_report_in(&self, unit_id: Option<&str>, period: &Period, structure: Structure) -> Result<Report> {
        let inst = self.require_installation()?;
        period_report_from(self, unit_id.unwrap_or(&inst.unit_id), period, structure)
    }

    /// Events done in [start, end) that have evidence files, with their owner in `row_id` (the caller
    /// maps it to its row), in date order.
    fn store_evidence(&self, start: &str, end_excl: &str) -> Result<Vec<EvidenceEvent>> {
        let mut stmt = self.conn().prepare(
            "SELECT r.owner_unit, r.id, r.title, r.start, r.body FROM records r
             WHERE r.rowid IN (SELECT record_rowid FROM file_refs)
               AND r.kind = 'event' AND r.deleted = 0 AND r.status = 'done' AND r.start >= ?1 AND r.start < ?2
             ORDER BY r.start, r.id",
        )?;
        let rows = stmt.query_map([start, end_excl], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (owner, id, title, start, body) = row?;
            let body: Value = serde_json::from_str(&body).map_err(Error::from_json)?;
            let files: Vec<crate::model::Attachment> = body.get("attachments").cloned().map(serde_json::from_value).transpose().map_err(Error::from_json)?.unwrap_or_default();
            out.push(EvidenceEvent { row_id: owner, event_id: id, title, start, files });
        }
        Ok(out)
    }

    /// Each month of `year`: the counted indicators of the unit and its subtree, for charts over time.
    pub fn monthly_series(&self, unit_id: Option<&str>, year: i32) -> Result<Vec<SeriesPoint>> {
        let inst = self.require_installation()?;
        monthly_series_from(self, unit_id.unwrap_or(&inst.unit_id), year)
    }

    /// The unit whose code is `code` (or whose id is `code`).
    pub fn unit_id_by_code(&self, code: &str) -> Result<String> {
        unit_id_by_code(self, code)
    }

    /// The period's events added up per (owner, type, mode, status). The rows are streamed and added up
    /// here rather than by SQL's GROUP BY, whose sort costs three times the scan (docs/benchmarks.md); when
    /// the report covers most units the owner is filtered here too, so that the scan stays on the
    /// covering index of migration 6.
    fn store_event_groups(&self, owners: &[String], all_units: usize, start: &str, end_excl: &str) -> Result<Vec<EventGroup>> {
        const COLS: [&str; 11] = EVENT_MEASURES_COLUMNS;
        let by_owner = owners.len() * 4 < all_units;
        let sql = format!(
            "SELECT r.owner_unit, coalesce(r.subtype, ''), f.mode, coalesce(r.status, ''), {}
             FROM records r JOIN event_facts f ON f.rowid = r.rowid
             WHERE r.kind = 'event' AND r.deleted = 0 AND r.start >= ?1 AND r.start < ?2 {}",
            COLS.iter().map(|c| format!("f.{c}")).collect::<Vec<_>>().join(", "),
            if by_owner { format!("AND r.owner_unit IN ({})", marks(owners.len(), 3)) } else { String::new() }
        );
        let mut p: Vec<&dyn ToSql> = vec![&start, &end_excl];
        if by_owner {
            p.extend(owners.iter().map(|u| u as &dyn ToSql));
        }
        let wanted_owner: HashSet<&str> = owners.iter().map(String::as_str).collect();
        let mut at: HashMap<(String, String, String, String), usize> = HashMap::new();
        let mut groups: Vec<EventGroup> = Vec::new();
        let mut stmt = self.conn().prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(p))?;
        while let Some(r) = rows.next()? {
            let owner = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
            if !wanted_owner.contains(owner) {
                continue;
            }
            let subtype = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            let mode = r.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?;
            let status = r.get_ref(3)?.as_str().map_err(rusqlite::Error::from)?;
            // Few distinct keys (units × types × modes × statuses): one allocation per key, not per row.
            let key = (owner.to_string(), subtype.to_string(), mode.to_string(), status.to_string());
            let i = match at.get(&key) {
                Some(i) => *i,
                None => {
                    groups.push(EventGroup {
                        owner: key.0.clone(),
                        subtype: key.1.clone(),
                        mode: key.2.clone(),
                        status: key.3.clone(),
                        count: 0,
                        sums: [0; 11],
                        maxes: [0; 11],
                    });
                    at.insert(key, groups.len() - 1);
                    groups.len() - 1
                }
            };
            let g = &mut groups[i];
            g.count += 1;
            for c in 0..COLS.len() {
                let v: i64 = r.get(4 + c)?;
                g.sums[c] += v;
                g.maxes[c] = g.maxes[c].max(v);
            }
        }
        Ok(groups)
    }

    fn store_other_groups(&self, owners: &[String], start: &str, end_excl: &str) -> Result<Vec<OtherGroup>> {
        let sql = format!(
            "SELECT owner_unit, kind, coalesce(subtype, ''), coalesce(status, ''), count(*) FROM records
             WHERE kind IN ('opinion', 'practice', 'inspection', 'supervision', 'case') AND deleted = 0
               AND start >= ?1 AND start < ?2 AND owner_unit IN ({})
             GROUP BY owner_unit, kind, subtype, status",
            marks(owners.len(), 3)
        );
        let mut p: Vec<&dyn ToSql> = vec![&start, &end_excl];
        p.extend(owners.iter().map(|u| u as &dyn ToSql));
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(p), |r| {
            Ok(OtherGroup { owner: r.get(0)?, kind: r.get(1)?, subtype: r.get(2)?, status: r.get(3)?, count: r.get(4)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn store_plans(&self, unit_id: &str, start: &str, end: &str) -> Result<Vec<(Value, bool)>> {
        let mut stmt = self.conn().prepare_cached(
            r#"SELECT body, coalesce("end", '9999') >= ?3 FROM records WHERE kind = 'plan' AND deleted = 0
               AND owner_unit = ?1 AND start <= ?3 AND coalesce("end", '9999') >= ?2"#,
        )?;
        let plans = stmt
            .query_map([unit_id, start, end], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        plans.into_iter().map(|(body, at_end)| Ok((serde_json::from_str(&body).map_err(Error::from_json)?, at_end))).collect()
    }

    /// The catalogue, in code order.
    pub fn indicators(&self) -> Result<Vec<Indicator>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT body FROM records WHERE kind = 'indicator' AND deleted = 0 ORDER BY rowid")?;
        let bodies = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        bodies.iter().map(|b| serde_json::from_str(b).map_err(Error::from_json)).collect()
    }
}

impl ReportSource for Store {
    fn units(&self) -> Result<Vec<(String, Value)>> {
        let mut stmt = self.conn().prepare_cached("SELECT id, body FROM records WHERE kind = 'unit' AND deleted = 0")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(|(id, body)| Ok((id, serde_json::from_str(&body).map_err(Error::from_json)?))).collect()
    }
    fn event_groups(&self, owners: &[String], all_units: usize, start: &str, end_excl: &str) -> Result<Vec<EventGroup>> {
        self.store_event_groups(owners, all_units, start, end_excl)
    }
    fn other_groups(&self, owners: &[String], start: &str, end_excl: &str) -> Result<Vec<OtherGroup>> {
        self.store_other_groups(owners, start, end_excl)
    }
    fn evidence(&self, start: &str, end_excl: &str) -> Result<Vec<EvidenceEvent>> {
        self.store_evidence(start, end_excl)
    }
    fn plans(&self, unit_id: &str, start: &str, end: &str) -> Result<Vec<(Value, bool)>> {
        self.store_plans(unit_id, start, end)
    }
    fn catalogue(&self) -> Result<Vec<Indicator>> {
        self.indicators()
    }
}

/// The unit whose code is `code` (or whose id is `code`), in any store.
pub fn unit_id_by_code(src: &dyn ReportSource, code: &str) -> Result<String> {
    src.units()?
        .into_iter()
        .find(|(id, body)| id == code || body.get("code").and_then(Value::as_str) == Some(code))
        .map(|(id, _)| id)
        .ok_or_else(|| Error::NotFound { kind: "unit".into(), id: code.to_string() })
}

/// The units as the roll-up needs them.
fn unit_nodes(src: &dyn ReportSource) -> Result<HashMap<String, UnitNode>> {
    let mut out = HashMap::new();
    for (id, body) in src.units()? {
        let s = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        out.insert(
            id.clone(),
            UnitNode {
                code: s("code").unwrap_or_default(),
                name: s("name").unwrap_or_default(),
                parent: s("parent_id"),
                successor: s("successor_id"),
                valid_from: s("valid_from"),
                valid_to: s("valid_to"),
                member_count: body.get("member_count").and_then(Value::as_i64),
                former_parents: body
                    .get("former_parents")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|f| Some((f.get("parent_id")?.as_str()?.to_string(), f.get("until")?.as_str()?.to_string())))
                            .collect()
                    })
                    .unwrap_or_default(),
                id,
                body,
            },
        );
    }
    Ok(out)
}

/// The targets a period's figures are measured against: those of the unit's own plans in force on the
/// period's last day (a plan's targets are for its whole span, a year as a rule). A quarter closed on
/// the 14th starts in December of the year before; it is measured against this year's plan only, not
/// both years' added. Several plans in force that day (a year's plan and a campaign's) add up; if
/// none is, the plans overlapping the period do.
fn plan_targets(src: &dyn ReportSource, unit_id: &str, start: &str, end: &str) -> Result<HashMap<String, f64>> {
    let plans = src.plans(unit_id, start, end)?;
    let in_force_at_end = plans.iter().any(|(_, at_end)| *at_end);
    let mut out = HashMap::new();
    for (body, at_end) in plans {
        if in_force_at_end && !at_end {
            continue;
        }
        let plan: crate::model::Plan = serde_json::from_value(body).map_err(Error::from_json)?;
        for t in plan.targets {
            *out.entry(t.indicator).or_insert(0.0) += t.value;
        }
    }
    Ok(out)
}

/// Each month of `year` for `root_id`, in today's structure: twelve reports over one reading of the units
/// and the catalogue (a national database holds thousands of units).
pub fn monthly_series_from(src: &dyn ReportSource, root_id: &str, year: i32) -> Result<Vec<SeriesPoint>> {
    let once = ReadOnce { src, units: src.units()?, catalogue: src.catalogue()? };
    (1..=12)
        .map(|m| {
            let period = Period::parse(&format!("{year}M{m:02}"))?;
            let r = period_report_from(&once, root_id, &period, Structure::Today)?;
            let values = r.indicators.iter().filter_map(|l| l.value.map(|v| (l.code.clone(), v))).collect();
            Ok(SeriesPoint { period, events: r.events, values })
        })
        .collect()
}

/// A source whose units and catalogue were read once, for reports made one after another.
struct ReadOnce<'a> {
    src: &'a dyn ReportSource,
    units: Vec<(String, Value)>,
    catalogue: Vec<Indicator>,
}

impl ReportSource for ReadOnce<'_> {
    fn units(&self) -> Result<Vec<(String, Value)>> {
        Ok(self.units.clone())
    }
    fn event_groups(&self, owners: &[String], all_units: usize, start: &str, end_excl: &str) -> Result<Vec<EventGroup>> {
        self.src.event_groups(owners, all_units, start, end_excl)
    }
    fn other_groups(&self, owners: &[String], start: &str, end_excl: &str) -> Result<Vec<OtherGroup>> {
        self.src.other_groups(owners, start, end_excl)
    }
    fn evidence(&self, start: &str, end_excl: &str) -> Result<Vec<EvidenceEvent>> {
        self.src.evidence(start, end_excl)
    }
    fn plans(&self, unit_id: &str, start: &str, end: &str) -> Result<Vec<(Value, bool)>> {
        self.src.plans(unit_id, start, end)
    }
    fn catalogue(&self) -> Result<Vec<Indicator>> {
        Ok(self.catalogue.clone())
    }
}

/// The report of `root_id` for `period`, laid out in the given structure, from any store.
pub fn period_report_from(src: &dyn ReportSource, root_id: &str, period: &Period, structure: Structure) -> Result<Report> {
    let root_id = root_id.to_string();
    let period_end = period.end.format("%Y-%m-%d").to_string();
    let units = tree_in(unit_nodes(src)?, structure, &period_end);
    let root = units.get(&root_id).ok_or_else(|| Error::NotFound { kind: "unit".into(), id: root_id.clone() })?;

    let closure = roll_up_closure(&units, &root_id);
    let row_of: HashMap<&str, String> = closure.iter().map(|u| (u.as_str(), row_for(&units, &root_id, u))).collect();

    let (start, end_excl) = period.bounds();
    let owners: Vec<String> = closure.to_vec();
    let events = src.event_groups(&owners, units.len(), &start, &end_excl)?;
    let others = src.other_groups(&owners, &start, &end_excl)?;
    let catalogue = src.catalogue()?;

    // Each indicator per owner unit, then per row: per-owner values add for every aggregation (a
    // unit's unique reach is already its largest figure, and units have different members).
    let mut per_row: HashMap<String, HashMap<String, f64>> = HashMap::new();
    let mut activity: HashMap<String, (i64, i64)> = HashMap::new();
    let mut events_of: HashMap<&str, Vec<&EventGroup>> = HashMap::new();
    for g in &events {
        events_of.entry(g.owner.as_str()).or_default().push(g);
    }
    let mut others_of: HashMap<&str, Vec<&OtherGroup>> = HashMap::new();
    for g in &others {
        others_of.entry(g.owner.as_str()).or_default().push(g);
    }
    for owner in &owners {
        let row = per_row.entry(row_of[owner.as_str()].clone()).or_default();
        let mine: &[&EventGroup] = events_of.get(owner.as_str()).map(Vec::as_slice).unwrap_or_default();
        let theirs: &[&OtherGroup] = others_of.get(owner.as_str()).map(Vec::as_slice).unwrap_or_default();
        for ind in &catalogue {
            if let Some(rule) = &ind.rule {
                *row.entry(ind.code.clone()).or_insert(0.0) += owner_value(rule, ind.aggregation, mine, theirs);
            }
        }
        let done = mine.iter().filter(|g| g.status == "done");
        let a = activity.entry(row_of[owner.as_str()].clone()).or_default();
        for g in done {
            a.0 += g.count;
            a.1 += g.sum("members") + g.sum("non_members") + g.sum("others");
        }
    }

    // A unit with nothing in the period has a row when it is part of the tree shown: today's units
    // (not ended before today) in today's structure, the units in force on the period's last day in
    // the structure as it was.
    let today = crate::clock::today_vn().format("%Y-%m-%d").to_string();
    let shown_empty = |node: &UnitNode| match structure {
        Structure::Today => node.valid_to.as_deref().is_none_or(|t| t >= today.as_str()) && node.valid_from.as_deref().is_none_or(|f| f <= today.as_str()),
        Structure::AsItWas => node.valid_on(&period_end),
    };
    let mut rows: Vec<ReportRow> = Vec::new();
    let mut row_ids: Vec<&String> = per_row.keys().collect();
    row_ids.sort_by(|a, b| {
        // The unit's own row first, then the units under it in Vietnamese order of their names.
        (*a != &root_id).cmp(&(*b != &root_id)).then_with(|| crate::text::compare_vi(&units[*a].name, &units[*b].name))
    });
    for id in row_ids {
        let node = &units[id];
        let own = id == &root_id;
        // A unit that did not exist in the period and has nothing in it has no row.
        let values: BTreeMap<String, f64> = per_row[id].iter().map(|(k, v)| (k.clone(), *v)).collect();
        let (ev, people) = activity.get(id).copied().unwrap_or_default();
        let has_data = values.values().any(|v| *v != 0.0);
        if !own && !has_data && !shown_empty(node) {
            continue;
        }
        let mut merged: Vec<String> = closure
            .iter()
            .filter(|u| *u != id && &row_of[u.as_str()] == id && is_predecessor_of(&units, u, id))
            .map(|u| units[u].name.clone())
            .collect();
        merged.sort_by(|a, b| crate::text::compare_vi(a, b));
        rows.push(ReportRow {
            id: id.clone(),
            code: node.code.clone(),
            name: if own { format!("{} (trực tiếp tổ chức)", node.name) } else { node.name.clone() },
            own,
            merged,
            events: ev,
            participants: people,
            members: if own { None } else { members_of(&units, id, &period_end) },
            values,
            with_evidence: 0,
        });
    }
    // The own row only when the unit itself did something (an event of a type no indicator counts is
    // still in the summary's count of events, so it keeps its row).
    rows.retain(|r| !r.own || r.events > 0 || r.values.values().any(|v| *v != 0.0));

    // Evidence: read from the file references (few), not from every event of the period.
    let mut evidence = src.evidence(&start, &end_excl)?;
    evidence.retain_mut(|e| match row_of.get(e.row_id.as_str()) {
        Some(row) => {
            e.row_id = row.clone();
            true
        }
        None => false,
    });
    for r in &mut rows {
        r.with_evidence = evidence.iter().filter(|e| e.row_id == r.id).count() as i64;
    }

    let targets = plan_targets(src, &root_id, &start, &period_end)?;
    let members = members_of(&units, &root_id, &period_end);
    let indicators = catalogue
        .into_iter()
        .map(|ind| {
            let value = ind.rule.as_ref().map(|_| per_row.values().map(|r| r.get(&ind.code).copied().unwrap_or(0.0)).sum::<f64>());
            let target = targets.get(&ind.code).copied();
            let ratio = ind.aggregation == Aggregation::Ratio;
            ReportLine {
                percent_of_target: value.zip(target).and_then(|(v, t)| percent(v, t)),
                members: if ratio { members } else { None },
                percent_of_members: if ratio { value.zip(members).and_then(|(v, m)| percent(v, m as f64)) } else { None },
                code: ind.code,
                name: ind.name,
                name_en: ind.name_en,
                group: ind.group,
                unit_of_measure: ind.unit_of_measure,
                aggregation: ind.aggregation,
                value,
                target,
            }
        })
        .collect();
    let text = |k: &str| root.body.get(k).and_then(Value::as_str).map(str::to_string);
    Ok(Report {
        unit: ReportUnit {
            id: root_id.clone(),
            code: root.code.clone(),
            name: root.name.clone(),
            level: text("level").unwrap_or_default(),
            upper_body: text("upper_body"),
            place: text("place"),
        },
        period: period.clone(),
        structure,
        events: activity.values().map(|a| a.0).sum(),
        participants: activity.values().map(|a| a.1).sum(),
        indicators,
        rows,
        events_with_evidence: evidence.len() as i64,
        evidence,
    })
}

/// One owner unit's value of one rule: a count or a sum, or for unique reach the largest figure.
fn owner_value(rule: &Rule, aggregation: Aggregation, events: &[&EventGroup], others: &[&OtherGroup]) -> f64 {
    if rule.source == "event" {
        let matching = events
            .iter()
            .filter(|g| wanted(&rule.subtype, &g.subtype) && wanted(&rule.mode, &g.mode) && wanted(&rule.status, &g.status));
        let n = if rule.measure == "count" {
            matching.map(|g| g.count).sum::<i64>()
        } else if aggregation == Aggregation::Ratio {
            matching.map(|g| g.max(&rule.measure)).max().unwrap_or(0)
        } else {
            matching.map(|g| g.sum(&rule.measure)).sum::<i64>()
        };
        n as f64
    } else {
        others
            .iter()
            .filter(|g| g.kind == rule.source && wanted(&rule.subtype, &g.subtype) && wanted(&rule.status, &g.status))
            .map(|g| g.count)
            .sum::<i64>() as f64
    }
}

/// The unit, every unit under it, and every unit merged into any of these (transitively) — in today's
/// structure: a unit merged into one outside the report is left out (with whatever hangs under it), for
/// its records count where its successor is. Otherwise a commune merged into a commune of another district
/// would count in both districts' reports.
fn roll_up_closure(units: &HashMap<String, UnitNode>, root: &str) -> Vec<String> {
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    for u in units.values() {
        for up in [&u.parent, &u.successor].into_iter().flatten() {
            children.entry(up.as_str()).or_default().push(u.id.as_str());
        }
    }
    let mut left_out: HashSet<&str> = HashSet::new();
    // Leaving a unit out can leave out a successor further down, so until nothing changes (each round
    // leaves out at least one more unit, so this ends).
    loop {
        let mut seen: HashSet<&str> = HashSet::from([root]);
        let mut order = vec![root];
        let mut queue = VecDeque::from([root]);
        while let Some(u) = queue.pop_front() {
            for c in children.get(u).into_iter().flatten() {
                if !left_out.contains(c) && seen.insert(c) {
                    order.push(c);
                    queue.push_back(c);
                }
            }
        }
        let gone_elsewhere: Vec<&str> = order
            .iter()
            .copied()
            .filter(|u| *u != root && !seen.contains(final_successor(units, u)))
            .collect();
        if gone_elsewhere.is_empty() {
            return order.into_iter().map(str::to_string).collect();
        }
        left_out.extend(gone_elsewhere);
    }
}

/// The last unit in the chain of successors from `id` (a merged unit's records belong to it now).
fn final_successor<'a>(units: &'a HashMap<String, UnitNode>, id: &'a str) -> &'a str {
    let mut at = id;
    for _ in 0..64 {
        match units.get(at).and_then(|u| u.successor.as_deref()).filter(|s| units.contains_key(*s)) {
            Some(next) => at = next,
            None => break,
        }
    }
    at
}

/// The unit directly under `root` that `from` sits in by parent links, or `root` itself.
fn climb_to<'a>(units: &'a HashMap<String, UnitNode>, root: &str, from: &'a str) -> Option<&'a str> {
    let mut at = from;
    for _ in 0..64 {
        if at == root {
            return Some(at);
        }
        let parent = units.get(at)?.parent.as_deref()?;
        if parent == root {
            return Some(at);
        }
        at = parent;
    }
    None
}

/// The row of the report a unit's records are counted in: the row of its successor where it has one
/// inside the report (merged units roll up under their successors), else the row above it.
fn row_for(units: &HashMap<String, UnitNode>, root: &str, unit: &str) -> String {
    let successor = final_successor(units, unit);
    climb_to(units, root, successor)
        .or_else(|| climb_to(units, root, unit))
        .unwrap_or(root)
        .to_string()
}

fn is_predecessor_of(units: &HashMap<String, UnitNode>, unit: &str, of: &str) -> bool {
    let mut at = unit;
    for _ in 0..64 {
        match units.get(at).and_then(|u| u.successor.as_deref()) {
            Some(next) if next == of => return true,
            Some(next) => at = next,
            None => return false,
        }
    }
    false
}

/// Members of a unit on `day`: its own count, or else the sum over the units under it that exist on that
/// day. A unit that did not exist yet (a commune formed by the 2025 merger, in a report of the quarter
/// before) has the members of the units merged into it that did.
fn members_of(units: &HashMap<String, UnitNode>, id: &str, day: &str) -> Option<i64> {
    fn go(units: &HashMap<String, UnitNode>, id: &str, day: &str, depth: usize) -> Option<i64> {
        let unit = units.get(id)?;
        if depth > 32 {
            return None;
        }
        let sum = |parts: Vec<i64>| (!parts.is_empty()).then(|| parts.iter().sum());
        if unit.valid_from.as_deref().is_some_and(|f| f > day) {
            let predecessors = units
                .values()
                .filter(|p| p.successor.as_deref() == Some(id))
                .filter_map(|p| go(units, &p.id, day, depth + 1))
                .collect();
            if let Some(n) = sum(predecessors) {
                return Some(n);
            }
        }
        if let Some(n) = unit.member_count {
            return Some(n);
        }
        sum(units
            .values()
            .filter(|c| c.parent.as_deref() == Some(id) && c.valid_on(day))
            .filter_map(|c| go(units, &c.id, day, depth + 1))
            .collect())
    }
    go(units, id, day, 0)
}

pub(crate) fn marks(n: usize, first: usize) -> String {
    (0..n).map(|i| format!("?{}", first + i)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests;
