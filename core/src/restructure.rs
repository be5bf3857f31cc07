//! The level above changes the structure under it in one step (the merge wizard, `sotay restructure`):
//! units merged into one, a unit split between several, renamed, dissolved, or moved under another
//! parent, from a date. Applied as one transaction of unit changes (the same change log, signatures and
//! downward rules as any edit from above, docs/store.md "Who decides a unit's structure"); previewed
//! first as the reports will show it; undone while none of it has left this computer.

use chrono::NaiveDate;
use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{Error, Problem, Result};
use crate::model::{Kind, UnitChange};
use crate::period::Period;
use crate::report::Structure;
use crate::store::{Installation, Store, WriteCtx};

/// One decision of the level above.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Restructure {
    pub change: UnitChange,
    /// The units it concerns: those merged, the one split, renamed or moved, those dissolved.
    pub units: Vec<String>,
    /// Merged: the unit they go into; split: the part that carries the old unit's records; moved: the
    /// new parent. Not needed when `new_unit` is given.
    #[serde(default)]
    pub into: Option<String>,
    /// The unit they go into, created here (merged or split): its record (name, code, level, parent).
    #[serde(default)]
    pub new_unit: Option<Value>,
    /// Split: the other parts.
    #[serde(default)]
    pub others: Vec<String>,
    /// Renamed: the new name.
    #[serde(default)]
    pub new_name: Option<String>,
    /// The first day of the new structure (yyyy-mm-dd): the old units' last day is the day before.
    pub date: String,
}

/// The last restructure applied here, while it can be undone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LastRestructure {
    pub change: UnitChange,
    pub date: String,
    pub applied_at: String,
    /// Names of the units it changed, for the screen.
    pub names: Vec<String>,
    /// This installation's change numbers it took (first, last).
    pub seqs: (i64, i64),
    /// Each changed unit as it was before.
    before: Vec<(String, Value)>,
    /// Units it created.
    created: Vec<String>,
    /// Whether any of it has been put in a bundle (a stick or the hub): then it cannot be undone here.
    #[serde(default)]
    pub sent: bool,
}

/// One row of a report as the preview shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewRow {
    pub name: String,
    pub events: i64,
    pub participants: i64,
}

/// The report of this installation's unit for the year of the change, before and after it.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub period: Period,
    pub before: Vec<PreviewRow>,
    pub after: Vec<PreviewRow>,
}

const LAST_KEY: &str = "restructure.last";
/// The highest of this installation's own change numbers ever put into a bundle.
pub(crate) const SENT_KEY: &str = "own.sent_seq";

fn field_err(field: &str, problem: Problem) -> Error {
    Error::invalid(field, problem)
}

impl Store {
    /// What the reports of this installation's unit for the year of `r.date` show before and after `r`;
    /// nothing is kept.
    pub fn restructure_preview(&mut self, r: &Restructure) -> Result<Preview> {
        let day = crate::clock::parse_date("date", &r.date)?;
        let period = Period::parse(&chrono::Datelike::year(&day).to_string())?;
        let rows = |s: &Store| -> Result<Vec<PreviewRow>> {
            Ok(s.period_report_in(None, &period, Structure::Today)?
                .rows
                .into_iter()
                .map(|row| PreviewRow { name: row.title(), events: row.events, participants: row.participants })
                .collect())
        };
        let before = rows(self)?;
        let inst = self.require_installation()?;
        let ctx = WriteCtx::now();
        // The change is made inside a savepoint that is rolled back; the report reads through it.
        self.conn().execute_batch("SAVEPOINT restructure_preview")?;
        let after = apply_in(self.conn(), &inst, ctx, r).and_then(|_| rows(self));
        self.conn().execute_batch("ROLLBACK TO restructure_preview; RELEASE restructure_preview")?;
        Ok(Preview { period, before, after: after? })
    }

    /// Applies `r` as one transaction; it can be undone until any of it is sent.
    pub fn restructure(&mut self, r: &Restructure) -> Result<LastRestructure> {
        let inst = self.require_installation()?;
        let ctx = WriteCtx::now();
        let last = self.with_tx(|tx| {
            let first: i64 = tx.query_row("SELECT last_seq + 1 FROM installation WHERE singleton = 1", [], |row| row.get(0))?;
            let (before, created) = apply_in(tx, &inst, ctx, r)?;
            let end: i64 = tx.query_row("SELECT last_seq FROM installation WHERE singleton = 1", [], |row| row.get(0))?;
            let names = before.iter().map(|(_, b)| b["name"].as_str().unwrap_or_default().to_string()).collect();
            let last = LastRestructure {
                change: r.change,
                date: r.date.clone(),
                applied_at: ctx.rfc3339(),
                names,
                seqs: (first, end),
                before,
                created,
                sent: false,
            };
            let text = serde_json::to_string(&last).map_err(Error::from_json)?;
            tx.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?1, ?2)", params![LAST_KEY, text])?;
            Ok(last)
        })?;
        Ok(last)
    }

    /// The last restructure, and whether it has been sent since.
    pub fn last_restructure(&self) -> Result<Option<LastRestructure>> {
        let Some(text) = self.setting(LAST_KEY)? else { return Ok(None) };
        let mut last: LastRestructure = serde_json::from_str(&text).map_err(Error::from_json)?;
        let sent: i64 = self.setting(SENT_KEY)?.and_then(|s| s.parse().ok()).unwrap_or(0);
        last.sent = sent >= last.seqs.0;
        Ok(Some(last))
    }

    /// Puts the units of the last restructure back as they were, while none of it has been sent (after
    /// that, a new restructure is the way back: the units below may have it already).
    pub fn undo_restructure(&mut self) -> Result<LastRestructure> {
        let last = self.last_restructure()?.ok_or(Error::NothingToUndo)?;
        if last.sent {
            return Err(Error::AlreadySent);
        }
        let inst = self.require_installation()?;
        let ctx = WriteCtx::now();
        self.with_tx(|tx| {
            for (id, body) in &last.before {
                crate::store::update_in(tx, &inst, ctx, Kind::Unit, id, body)?;
            }
            for id in &last.created {
                crate::store::delete_in(tx, &inst, ctx, Kind::Unit, id)?;
            }
            tx.execute("DELETE FROM settings WHERE key = ?1", [LAST_KEY])?;
            Ok(())
        })?;
        Ok(last)
    }

    /// A bundle carrying this installation's own changes up to `seq` was made: they count as sent.
    pub(crate) fn note_own_sent(&self, seq: i64) -> Result<()> {
        self.conn().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))",
            params![SENT_KEY, seq.to_string()],
        )?;
        Ok(())
    }
}

/// Applies `r` inside `tx`: returns each changed unit as it was, and the units created.
fn apply_in(tx: &rusqlite::Connection, inst: &Installation, ctx: WriteCtx, r: &Restructure) -> Result<(Vec<(String, Value)>, Vec<String>)> {
    let day: NaiveDate = crate::clock::parse_date("date", &r.date)?;
    let last_day = day.pred_opt().ok_or_else(|| field_err("date", Problem::BadDate(r.date.clone())))?.format("%Y-%m-%d").to_string();
    if r.units.is_empty() {
        return Err(field_err("units", Problem::Required));
    }
    let one = matches!(r.change, UnitChange::Split | UnitChange::Renamed);
    if one && r.units.len() != 1 {
        return Err(field_err("units", Problem::BadValue(format!("{}", r.units.len()))));
    }
    let mut created = Vec::new();
    let into = match (&r.new_unit, r.change) {
        (Some(body), UnitChange::Merged | UnitChange::Split) => {
            let mut body = body.clone();
            if body.get("valid_from").is_none_or(Value::is_null) {
                body["valid_from"] = json!(r.date);
            }
            // Where the first old unit hangs, unless said otherwise.
            if body.get("parent_id").is_none_or(Value::is_null) {
                body["parent_id"] = crate::store::get_tx(tx, Kind::Unit, &r.units[0])?["parent_id"].clone();
            }
            let made = crate::store::insert(tx, inst, ctx, Kind::Unit, &body, None, None)?;
            let id = made["id"].as_str().unwrap_or_default().to_string();
            created.push(id.clone());
            Some(id)
        }
        _ => r.into.clone(),
    };
    let needs_into = matches!(r.change, UnitChange::Merged | UnitChange::Split | UnitChange::Moved);
    if needs_into && into.is_none() {
        return Err(field_err("into", Problem::Required));
    }
    if r.change == UnitChange::Split && r.others.is_empty() {
        return Err(field_err("others", Problem::Required));
    }
    let mut before = Vec::new();
    for id in &r.units {
        if into.as_deref() == Some(id.as_str()) || r.others.contains(id) {
            return Err(field_err("units", Problem::BadValue(id.clone())));
        }
        let old = crate::store::get_tx(tx, Kind::Unit, id)?;
        let mut new = old.clone();
        new["change"] = json!(r.change);
        match r.change {
            UnitChange::Merged => {
                new["valid_to"] = json!(last_day);
                new["successor_id"] = json!(into);
            }
            UnitChange::Split => {
                new["valid_to"] = json!(last_day);
                new["successor_id"] = json!(into);
                new["split_into"] = json!(r.others);
            }
            UnitChange::Dissolved => new["valid_to"] = json!(last_day),
            UnitChange::Renamed => {
                let name = r.new_name.as_deref().map(str::trim).filter(|n| !n.is_empty()).ok_or_else(|| field_err("new_name", Problem::Required))?;
                new["name"] = json!(name);
            }
            UnitChange::Moved => {
                let mut former = old["former_parents"].as_array().cloned().unwrap_or_default();
                if let Some(parent) = old["parent_id"].as_str() {
                    former.push(json!({"parent_id": parent, "until": last_day}));
                }
                new["former_parents"] = json!(former);
                new["parent_id"] = json!(into);
            }
        }
        crate::store::update_in(tx, inst, ctx, Kind::Unit, id, &new)?;
        before.push((id.clone(), old));
    }
    Ok((before, created))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(v: &Value) -> String {
        v["id"].as_str().unwrap_or_default().to_string()
    }

    /// A province with two communes that each did one session in the first half of 2025, and a school.
    fn province() -> (Store, [String; 3]) {
        let mut s = Store::open_in_memory().unwrap();
        let p = id(&s.init(&json!({"code": "P", "name": "Tỉnh đoàn P", "level": "province"})).unwrap());
        let mut unit = |code: &str, name: &str| id(&s.create(Kind::Unit, &json!({"code": code, "name": name, "level": "grassroots", "parent_id": p})).unwrap());
        let (a, b, school) = (unit("A", "Đoàn xã A"), unit("B", "Đoàn xã B"), unit("K", "Đoàn trường K"));
        for (owner, members) in [(&a, 10), (&b, 20)] {
            let ev = json!({"title": "Tuyên truyền", "event_type": "propaganda_session", "start_at": "2025-03-01T08:00", "status": "done",
                            "participants": {"members": members}});
            s.create_at(Kind::Event, &ev, Some(owner), WriteCtx::now()).unwrap();
        }
        (s, [a, b, school])
    }

    fn own_seq(s: &Store) -> i64 {
        s.conn().query_row("SELECT last_seq FROM installation", [], |r| r.get(0)).unwrap()
    }

    fn merge(a: &str, b: &str) -> Restructure {
        Restructure {
            change: UnitChange::Merged,
            units: vec![a.into(), b.into()],
            into: None,
            new_unit: Some(json!({"code": "AB", "name": "Đoàn xã AB", "level": "grassroots"})),
            others: Vec::new(),
            new_name: None,
            date: "2025-07-01".into(),
        }
    }

    #[test]
    fn a_merge_is_previewed_applied_as_one_and_undone_until_sent() {
        let (mut s, [a, b, _]) = province();
        let r = merge(&a, &b);
        let p = s.restructure_preview(&r).unwrap();
        let names = |rows: &[PreviewRow]| rows.iter().map(|r| (r.name.clone(), r.events)).collect::<Vec<_>>();
        assert_eq!(names(&p.before), [("Đoàn trường K".to_string(), 0), ("Đoàn xã A".to_string(), 1), ("Đoàn xã B".to_string(), 1)]);
        assert!(names(&p.after).contains(&("Đoàn xã AB (gồm Đoàn xã A, Đoàn xã B)".to_string(), 2)), "{:?}", names(&p.after));
        // The preview kept nothing.
        assert!(s.unit_id_by_code("AB").is_err());
        assert!(s.get(Kind::Unit, &a).unwrap()["valid_to"].is_null());

        let seq_before = own_seq(&s);
        let done = s.restructure(&r).unwrap();
        assert_eq!(done.seqs.0, seq_before + 1);
        let ab = s.unit_id_by_code("AB").unwrap();
        for old in [&a, &b] {
            let u = s.get(Kind::Unit, old).unwrap();
            assert_eq!((u["valid_to"].as_str(), u["successor_id"].as_str(), u["change"].as_str()), (Some("2025-06-30"), Some(ab.as_str()), Some("merged")));
        }
        assert!(!s.last_restructure().unwrap().unwrap().sent);
        let undone = s.undo_restructure().unwrap();
        assert_eq!(undone.names, ["Đoàn xã A", "Đoàn xã B"]);
        assert!(s.unit_id_by_code("AB").is_err(), "the unit it created is gone");
        assert!(s.get(Kind::Unit, &a).unwrap()["valid_to"].is_null() && s.get(Kind::Unit, &b).unwrap()["successor_id"].is_null());
        assert!(s.last_restructure().unwrap().is_none());
        assert_eq!(s.undo_restructure().unwrap_err().message(crate::Lang::Vi), "Không có thay đổi tổ chức nào để hoàn tác");

        // Once a bundle carried it, it stays.
        s.restructure(&r).unwrap();
        s.note_own_sent(own_seq(&s)).unwrap();
        assert!(s.last_restructure().unwrap().unwrap().sent);
        assert!(matches!(s.undo_restructure(), Err(Error::AlreadySent)));
        assert_eq!(s.check().unwrap(), Vec::<String>::new());
    }

    #[test]
    fn a_move_keeps_where_the_unit_hung_and_bad_decisions_name_their_field() {
        let (mut s, [a, b, school]) = province();
        let mv = Restructure { change: UnitChange::Moved, units: vec![school.clone()], into: Some(a.clone()), new_unit: None, others: Vec::new(), new_name: None, date: "2025-09-01".into() };
        s.restructure(&mv).unwrap();
        let k = s.get(Kind::Unit, &school).unwrap();
        assert_eq!(k["parent_id"].as_str(), Some(a.as_str()));
        assert_eq!(k["former_parents"][0]["until"], "2025-08-31");
        let mut bad = |r: Restructure| s.restructure(&r).unwrap_err().field().map(str::to_string);
        let base = Restructure { change: UnitChange::Split, units: vec![b.clone()], into: Some(a.clone()), new_unit: None, others: Vec::new(), new_name: None, date: "2025-07-01".into() };
        let mut s2 = base.clone();
        assert_eq!(bad(s2.clone()), Some("others".into()));
        s2.others = vec![school.clone()];
        s2.date = "1/7/2025".into();
        assert_eq!(bad(s2), Some("date".into()));
        assert_eq!(bad(Restructure { change: UnitChange::Renamed, ..base.clone() }), Some("new_name".into()));
        assert_eq!(bad(Restructure { change: UnitChange::Merged, into: None, ..base.clone() }), Some("into".into()));
        assert_eq!(bad(Restructure { units: Vec::new(), ..base }), Some("units".into()));
    }
}
