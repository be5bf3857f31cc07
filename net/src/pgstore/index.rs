//! The columns reports read beside each record's body (title, dates, type, status, an event's numbers),
//! derived in Rust by the same rules as the SQLite store's index (`sotay_core::model::index_merged`), so
//! that a report over PostgreSQL adds up exactly what the same records add up to in SQLite.

use sotay_core::Kind;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Transaction;

use super::PgError;

/// The index columns, in the order `IndexRow::values` gives them.
pub(super) const COLUMNS: &str = r#"title, start, "end", status, subtype, link_id, has_files, mode, members, non_members, others, male, female,
    unique_reached, connection_points, posts, views, interactions, opinions"#;

/// The index columns' SQL types, for temporary tables.
pub(super) const COLUMN_TYPES: &str = "title text, start text, \"end\" text, status text, subtype text, link_id text, has_files boolean,
    mode text, members bigint, non_members bigint, others bigint, male bigint, female bigint, unique_reached bigint,
    connection_points bigint, posts bigint, views bigint, interactions bigint, opinions bigint";

/// The index columns' types for a binary COPY, in the order of `COLUMNS`.
pub(super) fn copy_types() -> Vec<Type> {
    let mut types = vec![Type::TEXT; 6];
    types.push(Type::BOOL);
    types.push(Type::TEXT);
    types.extend([Type::INT8; 11]);
    types
}

/// One record's index columns.
pub(super) struct IndexRow {
    title: String,
    start: Option<String>,
    end: Option<String>,
    status: Option<String>,
    subtype: Option<String>,
    link_id: Option<String>,
    has_files: bool,
    mode: Option<String>,
    numbers: [Option<i64>; 11],
}

impl IndexRow {
    pub(super) fn of(kind: Kind, body: &serde_json::Value) -> IndexRow {
        let ix = sotay_core::model::index_merged(kind, body);
        let f = ix.facts.unwrap_or_default();
        let event = kind == Kind::Event;
        let n = |v: i64| event.then_some(v);
        IndexRow {
            has_files: !ix.files.is_empty(),
            title: ix.title,
            start: ix.start,
            end: ix.end,
            status: ix.status,
            subtype: ix.subtype,
            link_id: ix.link_id,
            mode: event.then_some(f.mode),
            numbers: [n(f.members), n(f.non_members), n(f.others), n(f.male), n(f.female), n(f.unique_reached), n(f.connection_points), n(f.posts), n(f.views), n(f.interactions), n(f.opinions)],
        }
    }

    /// The values in the order of `COLUMNS`.
    pub(super) fn values(&self) -> Vec<&(dyn ToSql + Sync)> {
        let mut values: Vec<&(dyn ToSql + Sync)> = vec![&self.title, &self.start, &self.end, &self.status, &self.subtype, &self.link_id, &self.has_files, &self.mode];
        values.extend(self.numbers.iter().map(|v| v as &(dyn ToSql + Sync)));
        values
    }
}

/// Recomputes the index columns of the records `ids` (read back after a merge) in one COPY and one UPDATE.
pub(super) async fn reindex(tx: &Transaction<'_>, ids_sql: &str) -> Result<(), PgError> {
    let rows = tx.query(&format!("SELECT id, kind, body FROM records WHERE id IN ({ids_sql})"), &[]).await?;
    if rows.is_empty() {
        return Ok(());
    }
    tx.batch_execute(&format!("CREATE TEMP TABLE IF NOT EXISTS index_staging (id text, {COLUMN_TYPES}) ON COMMIT DELETE ROWS")).await?;
    let sink = tx.copy_in(&format!("COPY index_staging (id, {COLUMNS}) FROM STDIN BINARY")).await?;
    let mut types = vec![Type::TEXT];
    types.extend(copy_types());
    let mut writer = std::pin::pin!(BinaryCopyInWriter::new(sink, &types));
    for r in &rows {
        let (id, kind, body): (String, String, serde_json::Value) = (r.get(0), r.get(1), r.get(2));
        let Ok(kind) = Kind::parse(&kind) else { continue };
        let row = IndexRow::of(kind, &body);
        let mut values: Vec<&(dyn ToSql + Sync)> = vec![&id];
        values.extend(row.values());
        writer.as_mut().write(&values).await?;
    }
    writer.finish().await?;
    let set: Vec<String> = COLUMNS.split(',').map(|c| c.trim()).map(|c| format!("{c} = i.{c}")).collect();
    tx.execute(&format!("UPDATE records r SET {} FROM index_staging i WHERE r.id = i.id", set.join(", ")), &[]).await?;
    Ok(())
}
