//! Reports over the national hub's PostgreSQL (`sotay report --store`): the same report as over SQLite
//! (`sotay_core::report::period_report_from` — the roll-up, merges, unique reach never summed), read from
//! the columns `index` keeps beside each record. The events are added up by PostgreSQL (GROUP BY), so a
//! national year is one pass over the year's index entries.

use serde_json::Value;
use sotay_core::model::{Indicator, EVENT_MEASURES_COLUMNS};
use sotay_core::report::{EventGroup, EvidenceEvent, OtherGroup, ReportSource};
use sotay_core::{Error, Result};

use super::{PgError, PgStore};

/// A connection to the national database for the report's reads (which are synchronous).
pub struct PgReport {
    rt: tokio::runtime::Runtime,
    client: deadpool_postgres::Object,
}

fn db(e: impl Into<PgError>) -> Error {
    let e: PgError = e.into();
    e.into()
}

impl PgReport {
    /// Opens `url` for reports (a read replica will do: nothing is written).
    pub fn open(url: &str) -> std::result::Result<PgReport, PgError> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| PgError::Database(e.to_string()))?;
        let client = rt.block_on(async {
            let store = PgStore::open_read_only(url).await?;
            store.client().await
        })?;
        Ok(PgReport { rt, client })
    }

    /// The national hub's own unit (the report's default root).
    pub fn hub_unit(&self) -> std::result::Result<String, PgError> {
        let row = self.rt.block_on(self.client.query_opt("SELECT unit_id FROM installation", &[]))?.ok_or(PgError::NotAdopted)?;
        Ok(row.get(0))
    }

    fn query(&self, sql: &str, params: &[&(dyn tokio_postgres::types::ToSql + Sync)]) -> Result<Vec<tokio_postgres::Row>> {
        self.rt.block_on(self.client.query(sql, params)).map_err(db)
    }
}

impl ReportSource for PgReport {
    fn units(&self) -> Result<Vec<(String, Value)>> {
        let rows = self.query("SELECT id, body FROM records WHERE kind = 'unit' AND NOT deleted", &[])?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn event_groups(&self, owners: &[String], _all_units: usize, start: &str, end_excl: &str) -> Result<Vec<EventGroup>> {
        let sums: Vec<String> = EVENT_MEASURES_COLUMNS.iter().map(|c| format!("coalesce(sum({c}), 0)::bigint")).collect();
        let maxes: Vec<String> = EVENT_MEASURES_COLUMNS.iter().map(|c| format!("coalesce(max({c}), 0)::bigint")).collect();
        let sql = format!(
            "SELECT owner_unit, coalesce(subtype, ''), coalesce(mode, ''), coalesce(status, ''), count(*), {}, {}
             FROM records WHERE kind = 'event' AND complete AND NOT deleted AND start >= $1 AND start < $2 AND owner_unit = ANY($3)
             GROUP BY 1, 2, 3, 4",
            sums.join(", "),
            maxes.join(", ")
        );
        let rows = self.query(&sql, &[&start, &end_excl, &owners])?;
        let n = EVENT_MEASURES_COLUMNS.len();
        Ok(rows
            .iter()
            .map(|r| EventGroup {
                owner: r.get(0),
                subtype: r.get(1),
                mode: r.get(2),
                status: r.get(3),
                count: r.get(4),
                sums: std::array::from_fn(|i| r.get(5 + i)),
                maxes: std::array::from_fn(|i| r.get(5 + n + i)),
            })
            .collect())
    }

    fn other_groups(&self, owners: &[String], start: &str, end_excl: &str) -> Result<Vec<OtherGroup>> {
        let rows = self.query(
            "SELECT owner_unit, kind, coalesce(subtype, ''), coalesce(status, ''), count(*) FROM records
             WHERE kind IN ('opinion', 'practice', 'inspection', 'supervision', 'case') AND complete AND NOT deleted
               AND start >= $1 AND start < $2 AND owner_unit = ANY($3)
             GROUP BY 1, 2, 3, 4",
            &[&start, &end_excl, &owners],
        )?;
        Ok(rows.iter().map(|r| OtherGroup { owner: r.get(0), kind: r.get(1), subtype: r.get(2), status: r.get(3), count: r.get(4) }).collect())
    }

    fn evidence(&self, start: &str, end_excl: &str) -> Result<Vec<EvidenceEvent>> {
        let rows = self.query(
            "SELECT owner_unit, id, coalesce(title, ''), start, body->'attachments' FROM records
             WHERE has_files AND kind = 'event' AND complete AND NOT deleted AND status = 'done' AND start >= $1 AND start < $2
             ORDER BY start, id COLLATE \"C\"",
            &[&start, &end_excl],
        )?;
        rows.iter()
            .map(|r| {
                let files: Option<Value> = r.get(4);
                let files = files.map(serde_json::from_value).transpose().map_err(Error::from_json)?.unwrap_or_default();
                Ok(EvidenceEvent { row_id: r.get(0), event_id: r.get(1), title: r.get(2), start: r.get(3), files })
            })
            .collect()
    }

    fn plans(&self, unit_id: &str, start: &str, end: &str) -> Result<Vec<(Value, bool)>> {
        let rows = self.query(
            r#"SELECT body, coalesce("end", '9999') >= $3 FROM records WHERE kind = 'plan' AND complete AND NOT deleted
               AND owner_unit = $1 AND start <= $3 AND coalesce("end", '9999') >= $2"#,
            &[&unit_id, &start, &end],
        )?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn catalogue(&self) -> Result<Vec<Indicator>> {
        let rows = self.query("SELECT body FROM records WHERE kind = 'indicator' AND NOT deleted ORDER BY ord", &[])?;
        rows.iter().map(|r| serde_json::from_value(r.get(0)).map_err(Error::from_json)).collect()
    }
}
