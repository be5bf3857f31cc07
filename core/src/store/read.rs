//! Reading records: one by id, and pages of a list with filters, sort and accent-insensitive search.

use chrono::Duration;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, ToSql};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Store;
use crate::error::{Error, Result};
use crate::model::Kind;
use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// By the record's date (an event's start), newest first by default.
    #[default]
    Date,
    /// By title in the Vietnamese collation.
    Title,
    Updated,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub kind: Kind,
    #[serde(default)]
    pub search: Option<String>,
    /// Only records owned by this unit or a unit below it.
    #[serde(default)]
    pub unit_id: Option<String>,
    /// Inclusive dates (`2025-07-01`), compared with the record's date.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub event_type: Option<String>,
    #[serde(default)]
    pub sort: Sort,
    /// Newest or last first; `None` means the natural order of the sort (dates descending, titles ascending).
    #[serde(default)]
    pub desc: Option<bool>,
    #[serde(default)]
    pub page: u32,
    #[serde(default = "default_page_size")]
    pub page_size: u32,
}

/// How far a search counts its matches before it says "at least".
pub const SEARCH_COUNT_CAP: u64 = 1_000;

/// How many of the newest records that have a search's words are looked at for the words side by side
/// (docs/store.md): all of a commune's records; at a province with 100,000 events, the last months'.
pub const PHRASE_WINDOW: u64 = 2_000;

fn default_page_size() -> u32 {
    50
}

impl ListQuery {
    pub fn new(kind: Kind) -> ListQuery {
        ListQuery {
            kind,
            search: None,
            unit_id: None,
            from: None,
            to: None,
            status: None,
            event_type: None,
            sort: Sort::Date,
            desc: None,
            page: 0,
            page_size: 50,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub rows: Vec<Value>,
    pub total: u64,
    /// True when a search stopped counting at [`SEARCH_COUNT_CAP`]: there are at least `total` matches.
    pub total_capped: bool,
    pub page: u32,
    pub page_size: u32,
}

/// A record as it crosses to the CLI and the window: metadata and body fields side by side.
pub fn assemble(kind: &str, id: &str, owner: &str, created: &str, updated: &str, deleted: bool, body: Value) -> Value {
    let mut map = Map::new();
    map.insert("id".into(), Value::from(id));
    map.insert("kind".into(), Value::from(kind));
    map.insert("owner_unit".into(), Value::from(owner));
    map.insert("created_at".into(), Value::from(created));
    map.insert("updated_at".into(), Value::from(updated));
    map.insert("deleted".into(), Value::from(deleted));
    if let Value::Object(fields) = body {
        for (k, v) in fields {
            map.insert(k, v);
        }
    }
    Value::Object(map)
}

const COLUMNS: &str = "r.kind, r.id, r.owner_unit, r.created_at, r.updated_at, r.deleted, r.body";

fn row_to_value(r: &rusqlite::Row) -> rusqlite::Result<(String, String, String, String, String, bool, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
}

fn to_record(t: (String, String, String, String, String, bool, String)) -> Result<Value> {
    let body: Value = serde_json::from_str(&t.6).map_err(Error::from_json)?;
    Ok(assemble(&t.0, &t.1, &t.2, &t.3, &t.4, t.5, body))
}

pub(crate) fn get_tx(conn: &Connection, kind: Kind, id: &str) -> Result<Value> {
    let row = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM records r WHERE r.id = ?1 AND r.kind = ?2"),
            params![id, kind.as_str()],
            row_to_value,
        )
        .optional()?
        .ok_or_else(|| Error::NotFound { kind: kind.as_str().into(), id: id.into() })?;
    to_record(row)
}

impl Store {
    pub fn get(&self, kind: Kind, id: &str) -> Result<Value> {
        get_tx(self.conn(), kind, id)
    }

    /// Ids of a unit and every unit below it, at any depth.
    pub fn subtree(&self, unit_id: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare_cached(
            "WITH RECURSIVE tree(id) AS (
                 SELECT ?1
                 UNION SELECT r.id FROM records r JOIN tree t ON r.link_id = t.id
                 WHERE r.kind = 'unit' AND r.deleted = 0)
             SELECT id FROM tree",
        )?;
        let ids = stmt.query_map([unit_id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(ids)
    }

    /// One page of a list. With a search, records whose words match as typed (tones included) come
    /// first, then those that match only without accents; within each, the most recently recorded first.
    pub fn list(&self, q: &ListQuery) -> Result<Page> {
        let page_size = q.page_size.clamp(1, 500);
        let offset = u64::from(q.page) * u64::from(page_size);
        let filters = Filters::build(self, q)?;
        let (rows, total, total_capped) = match q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(search) => self.search_page(search, &filters, offset, page_size)?,
            None => {
                let (rows, total) = self.plain_page(q, &filters, offset, page_size)?;
                (rows, total, false)
            }
        };
        Ok(Page { rows, total, total_capped, page: q.page, page_size })
    }

    fn plain_page(&self, q: &ListQuery, f: &Filters, offset: u64, limit: u32) -> Result<(Vec<Value>, u64)> {
        let (col, natural_desc) = match q.sort {
            Sort::Date => ("r.start", true),
            Sort::Title => ("r.title COLLATE vi", false),
            Sort::Updated => ("r.updated_at", true),
        };
        let dir = if q.desc.unwrap_or(natural_desc) { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT {COLUMNS} FROM records r WHERE {} ORDER BY {col} {dir}, r.id {dir} LIMIT {limit} OFFSET {offset}",
            f.sql
        );
        let rows = self.query_records(&sql, &f.params)?;
        let total: i64 = self.conn().query_row(
            &format!("SELECT count(*) FROM records r WHERE {}", f.sql),
            params_from_iter(f.params.iter()),
            |r| r.get(0),
        )?;
        Ok((rows, total as u64))
    }

    /// Search results come in tiers, each newest first: with several words, (1) the words side by side as
    /// typed, tones included ("hội nghị" before "Nghị quyết Đại hội"), (2) side by side without accents;
    /// then (3) the words anywhere as typed, (4) anywhere without accents; last (5) the last word as the
    /// start of a longer word ("tuyen tru"). Each tier leaves out what an earlier one gave. A tier is an FTS
    /// walk in rowid order that stops after one page, so a page costs about the same at 1,000 or 1,000,000
    /// matches; the prefix tier, whose doclist SQLite must merge in full, runs only when the whole-word
    /// tiers cannot fill the page.
    fn search_page(&self, search: &str, f: &Filters, offset: u64, limit: u32) -> Result<(Vec<Value>, u64, bool)> {
        let Some(q) = fts_queries(search) else {
            return Ok((Vec::new(), 0, false));
        };
        let n = f.params.len();
        // Phrases are looked for among the newest PHRASE_WINDOW records that have the words, never further.
        // FTS5 checks a phrase's positions record by record, and walking backwards it cannot skip to a
        // rowid: words that are common but never side by side sent the phrase tiers through every record
        // that has them (112 ms at 1,000,000 events). So a phrase is matched forwards from a floor, into a
        // set of at most PHRASE_WINDOW rowids, and the newest-first order comes from the records table.
        let floor: i64 = if q.several_words { self.phrase_floor(&q.folded_words)? } else { 0 };
        // Each phrase set is its own materialised table: left to itself the planner either walks the
        // phrase backwards (the slow way) or walks every record of the kind testing membership.
        let phrase_set = |name: &str, t: &str, param: usize| {
            format!("{name}(rid) AS MATERIALIZED (SELECT rowid FROM {t} WHERE {t} MATCH ?{param} AND rowid >= {floor})")
        };
        // A tier: the table and query it matches, whether that query is a phrase, and what it leaves out
        // (table, query, phrase).
        let tier_sql = |table: &str, match_q: &str, phrase: bool, without: &[(&str, &str, bool)]| -> (String, Vec<String>) {
            let (m, w) = (n + 1, &f.sql);
            let mut sets = Vec::new();
            if phrase {
                sets.push(phrase_set("hit", table, m));
            }
            let mut exclude = String::new();
            for (i, (t, _, p)) in without.iter().enumerate() {
                let e = n + 2 + i;
                if *p {
                    sets.push(phrase_set(&format!("left{i}"), t, e));
                    exclude += &format!(" AND r.rowid NOT IN left{i}");
                } else {
                    exclude += &format!(" AND NOT EXISTS (SELECT 1 FROM {t} x WHERE {t} MATCH ?{e} AND x.rowid = r.rowid)");
                }
            }
            let with = if sets.is_empty() { String::new() } else { format!("WITH {} ", sets.join(", ")) };
            let sql = if phrase {
                format!("{with}SELECT {COLUMNS} FROM hit CROSS JOIN records r ON r.rowid = hit.rid WHERE {w}{exclude} ORDER BY hit.rid DESC")
            } else {
                format!(
                    "{with}SELECT {COLUMNS} FROM {table} s JOIN records r ON r.rowid = s.rowid
                     WHERE {table} MATCH ?{m} AND {w}{exclude} ORDER BY s.rowid DESC"
                )
            };
            let mut args = vec![match_q.to_string()];
            args.extend(without.iter().map(|(_, q, _)| q.to_string()));
            (sql, args)
        };
        let (ep, fp, ew, fw, pre) = (&q.exact_phrase, &q.folded_phrase, &q.exact_words, &q.folded_words, &q.folded_prefix);
        let mut tiers = Vec::new();
        if q.several_words {
            tiers.push(tier_sql("search_exact", ep, true, &[]));
            tiers.push(tier_sql("search_folded", fp, true, &[("search_exact", ep, true)]));
            tiers.push(tier_sql("search_exact", ew, false, &[("search_folded", fp, true)]));
            tiers.push(tier_sql("search_folded", fw, false, &[("search_exact", ew, false), ("search_folded", fp, true)]));
        } else {
            tiers.push(tier_sql("search_exact", ew, false, &[]));
            tiers.push(tier_sql("search_folded", fw, false, &[("search_exact", ew, false)]));
        }
        tiers.push(tier_sql("search_folded", pre, false, &[("search_folded", fw, false)]));
        let tiers: Vec<(String, Vec<&str>)> = tiers.iter().map(|(sql, args)| (sql.clone(), args.iter().map(String::as_str).collect())).collect();
        let mut rows = Vec::new();
        let mut before = 0u64; // how many matches the tiers already passed hold
        for (sql, args) in &tiers {
            let wanted = u64::from(limit) - rows.len() as u64;
            if wanted == 0 {
                break;
            }
            let start = offset.saturating_sub(before);
            let got = self.query_records_with(&format!("{sql} LIMIT {wanted} OFFSET {start}"), &f.params, args)?;
            let full = got.len() as u64 == wanted;
            let got_len = got.len() as u64;
            rows.extend(got);
            if full {
                break;
            }
            // This tier ran out: its size is known from this page, or counted (up to `start`).
            before += if got_len > 0 || start == 0 { start + got_len } else { self.count_capped(sql, &f.params, args, start)? };
        }
        // The total counts whole-word matches, and prefix matches only when there are few of those.
        // Counting stops at a cap: past it the list says "1,000+" rather than walk every match.
        let cap = SEARCH_COUNT_CAP.max(offset + u64::from(limit));
        let count_sql = format!(
            "SELECT r.rowid FROM search_folded s JOIN records r ON r.rowid = s.rowid WHERE search_folded MATCH ?{m} AND {w}",
            m = n + 1,
            w = f.sql
        );
        let mut total = self.count_capped(&count_sql, &f.params, &[&q.folded_words], cap + 1)?;
        if total <= cap {
            total = self.count_capped(&count_sql, &f.params, &[&q.folded_prefix], cap + 1)?;
        }
        Ok((rows, total.min(cap), total > cap))
    }

    /// The rowid of the PHRASE_WINDOW-th newest record that has the folded words, filters aside (0 when
    /// fewer do): the phrase tiers look at records from there up. Filters are left out so that the window
    /// never widens: a filter that few of the matches pass would otherwise push the floor back to the start.
    fn phrase_floor(&self, folded_words: &str) -> Result<i64> {
        let sql = format!(
            "SELECT rowid FROM search_folded WHERE search_folded MATCH ?1 ORDER BY rowid DESC LIMIT 1 OFFSET {}",
            PHRASE_WINDOW - 1
        );
        Ok(self.conn().query_row(&sql, [folded_words], |r| r.get(0)).optional()?.unwrap_or(0))
    }

    /// `count(*)` of a query, counting no further than `cap`.
    fn count_capped(&self, sql: &str, p: &[Box<dyn ToSql>], extra: &[&str], cap: u64) -> Result<u64> {
        let mut all: Vec<&dyn ToSql> = p.iter().map(|b| b.as_ref() as &dyn ToSql).collect();
        for e in extra {
            all.push(e);
        }
        let n: i64 =
            self.conn().query_row(&format!("SELECT count(*) FROM ({sql} LIMIT {cap})"), all.as_slice(), |r| r.get(0))?;
        Ok(n as u64)
    }

    fn query_records(&self, sql: &str, p: &[Box<dyn ToSql>]) -> Result<Vec<Value>> {
        self.query_records_with(sql, p, &[])
    }

    fn query_records_with(&self, sql: &str, p: &[Box<dyn ToSql>], extra: &[&str]) -> Result<Vec<Value>> {
        let mut all: Vec<&dyn ToSql> = p.iter().map(|b| b.as_ref() as &dyn ToSql).collect();
        for e in extra {
            all.push(e);
        }
        let mut stmt = self.conn().prepare_cached(sql)?;
        let raw = stmt.query_map(all.as_slice(), row_to_value)?.collect::<rusqlite::Result<Vec<_>>>()?;
        raw.into_iter().map(to_record).collect()
    }
}

/// The WHERE clause and its parameters shared by listing and searching.
struct Filters {
    sql: String,
    params: Vec<Box<dyn ToSql>>,
}

impl Filters {
    fn build(store: &Store, q: &ListQuery) -> Result<Filters> {
        let mut sql = vec!["r.kind = ?1".to_string(), "r.deleted = 0".to_string()];
        let mut params: Vec<Box<dyn ToSql>> = vec![Box::new(q.kind.as_str().to_string())];
        fn push(sql: &mut Vec<String>, params: &mut Vec<Box<dyn ToSql>>, clause: &str, p: Box<dyn ToSql>) {
            params.push(p);
            sql.push(clause.replace('?', &format!("?{}", params.len())));
        }
        if let Some(unit) = &q.unit_id {
            let ids = store.subtree(unit)?;
            if ids.len() <= 1 {
                push(&mut sql, &mut params, "r.owner_unit = ?", Box::new(unit.clone()));
            } else {
                // Ids are UUIDs read from our own table; still bound as parameters, one each.
                let start = params.len() + 1;
                let marks: Vec<String> = (0..ids.len()).map(|i| format!("?{}", start + i)).collect();
                for id in ids {
                    params.push(Box::new(id));
                }
                sql.push(format!("r.owner_unit IN ({})", marks.join(", ")));
            }
        }
        if let Some(from) = &q.from {
            crate::clock::parse_date("from", from)?;
            push(&mut sql, &mut params, "r.start >= ?", Box::new(from.clone()));
        }
        if let Some(to) = &q.to {
            let day = crate::clock::parse_date("to", to)?;
            let next = (day + Duration::days(1)).format("%Y-%m-%d").to_string();
            push(&mut sql, &mut params, "r.start < ?", Box::new(next));
        }
        if let Some(s) = &q.status {
            push(&mut sql, &mut params, "r.status = ?", Box::new(s.clone()));
        }
        if let Some(t) = &q.event_type {
            push(&mut sql, &mut params, "r.subtype = ?", Box::new(t.clone()));
        }
        Ok(Filters { sql: sql.join(" AND "), params })
    }
}

/// The FTS5 queries for what was typed. Every word is quoted, so no FTS syntax from the user gets
/// through.
struct FtsQueries {
    /// More than one word: the phrase tiers come first.
    several_words: bool,
    /// The words side by side, as typed / folded: an FTS5 phrase.
    exact_phrase: String,
    folded_phrase: String,
    /// The words as typed (lower case, tones kept).
    exact_words: String,
    /// The words folded (no marks, đ→d).
    folded_words: String,
    /// The words folded, the last one as a prefix: results while typing.
    folded_prefix: String,
}

fn fts_queries(search: &str) -> Option<FtsQueries> {
    let words = text::words(&text::nfc(search));
    if words.is_empty() {
        return None;
    }
    let build = |f: &dyn Fn(&str) -> String, prefix: bool| {
        let last = words.len() - 1;
        words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let w = f(w).replace('"', "");
                if prefix && i == last { format!("\"{w}\"*") } else { format!("\"{w}\"") }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let phrase = |f: &dyn Fn(&str) -> String| {
        format!("\"{}\"", words.iter().map(|w| f(w).replace('"', "")).collect::<Vec<_>>().join(" "))
    };
    Some(FtsQueries {
        several_words: words.len() > 1,
        exact_phrase: phrase(&text::exact),
        folded_phrase: phrase(&text::fold),
        exact_words: build(&text::exact, false),
        folded_words: build(&text::fold, false),
        folded_prefix: build(&text::fold, true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn store_with_events(titles: &[&str]) -> Store {
        let mut s = Store::open_in_memory().unwrap();
        s.init(&json!({"code": "XA-A", "name": "Đoàn xã An Bình", "level": "grassroots"})).unwrap();
        for (i, t) in titles.iter().enumerate() {
            s.create(Kind::Event, &json!({"title": t, "start_at": format!("2025-07-{:02}T08:00", i + 1)})).unwrap();
        }
        s
    }

    fn titles(p: &Page) -> Vec<String> {
        p.rows.iter().map(|r| r["title"].as_str().unwrap().to_string()).collect()
    }

    fn search(s: &Store, q: &str) -> Vec<String> {
        let mut lq = ListQuery::new(Kind::Event);
        lq.search = Some(q.into());
        titles(&s.list(&lq).unwrap())
    }

    /// "hoi nghi": the records where the words stand together come first, as typed before without accents,
    /// each newest first; then those where they stand apart — whatever their dates.
    #[test]
    fn words_side_by_side_come_before_words_apart() {
        let s = store_with_events(&[
            "Hội nghị học tập Nghị quyết",         // 07-01: side by side, as typed
            "Tuyên truyền Nghị quyết Đại hội",      // 07-02: apart
            "Hoi nghi cán bộ chủ chốt",             // 07-03: side by side, typed without accents
            "Tập huấn nghị quyết",                  // 07-04: one word only
            "Đại hội đoàn viên, nghị sự",           // 07-05: apart
            "Hội nghị tổng kết năm",                // 07-06: side by side, as typed
        ]);
        assert_eq!(
            search(&s, "hội nghị"),
            vec![
                "Hội nghị tổng kết năm",
                "Hội nghị học tập Nghị quyết",
                "Hoi nghi cán bộ chủ chốt",
                "Đại hội đoàn viên, nghị sự",
                "Tuyên truyền Nghị quyết Đại hội"
            ]
        );
        assert_eq!(
            search(&s, "hoi nghi"),
            vec![
                "Hoi nghi cán bộ chủ chốt",
                "Hội nghị tổng kết năm",
                "Hội nghị học tập Nghị quyết",
                "Đại hội đoàn viên, nghị sự",
                "Tuyên truyền Nghị quyết Đại hội"
            ]
        );
        // Paging walks the tiers in the same order.
        let mut lq = ListQuery::new(Kind::Event);
        lq.search = Some("hoi nghi".into());
        lq.page_size = 2;
        lq.page = 1;
        let page = s.list(&lq).unwrap();
        assert_eq!(titles(&page), vec!["Hội nghị học tập Nghị quyết", "Đại hội đoàn viên, nghị sự"]);
        assert_eq!(page.total, 5);
    }

    /// Past PHRASE_WINDOW newer records with the words, a record with them side by side is no longer
    /// lifted to the top, but it is still found, counted and paged to, among the words-apart ones by date.
    #[test]
    fn a_phrase_older_than_the_window_is_still_found_in_date_order() {
        let mut titles_in: Vec<String> = vec!["Hội nghị cũ nhất".to_string()];
        titles_in.extend((0..PHRASE_WINDOW).map(|i| format!("Đại hội số {i}, nghị sự")));
        titles_in.push("Hội nghị mới nhất".to_string());
        let refs: Vec<&str> = titles_in.iter().map(String::as_str).collect();
        let mut s = Store::open_in_memory().unwrap();
        s.init(&json!({"code": "XA-A", "name": "Đoàn xã An Bình", "level": "grassroots"})).unwrap();
        for t in &refs {
            s.create(Kind::Event, &json!({"title": t, "start_at": "2025-07-01T08:00"})).unwrap();
        }
        let first = search(&s, "hội nghị");
        assert_eq!(first[0], "Hội nghị mới nhất", "a phrase inside the window still comes first");
        assert_eq!(first[1], format!("Đại hội số {}, nghị sự", PHRASE_WINDOW - 1));
        let mut lq = ListQuery::new(Kind::Event);
        lq.search = Some("hội nghị".into());
        lq.page_size = 500;
        let mut all = Vec::new();
        for page in 0.. {
            lq.page = page;
            let p = s.list(&lq).unwrap();
            if p.rows.is_empty() {
                break;
            }
            all.extend(titles(&p));
        }
        assert_eq!(all.len() as u64, PHRASE_WINDOW + 2, "every match is listed once");
        assert_eq!(all.last().map(String::as_str), Some("Hội nghị cũ nhất"), "the oldest, past the window, comes last by date");
    }

    #[test]
    fn search_without_accents_finds_accented_text_and_d_finds_đ() {
        let s = store_with_events(&["Tuyên truyền Nghị quyết", "Sinh hoạt chi đoàn", "Hội thao"]);
        assert_eq!(search(&s, "tuyen truyen"), vec!["Tuyên truyền Nghị quyết"]);
        assert_eq!(search(&s, "doan"), vec!["Sinh hoạt chi đoàn"]);
        assert_eq!(search(&s, "ĐOÀN"), vec!["Sinh hoạt chi đoàn"]);
        assert!(search(&s, "bóng đá").is_empty());
    }

    #[test]
    fn exact_tone_matches_rank_first() {
        // Recorded in this order, so without tone ranking the newest ("mà") would come first.
        let s = store_with_events(&["Thăm má Tư", "Trồng cây ma", "Vì sao mà"]);
        assert_eq!(search(&s, "má")[0], "Thăm má Tư");
        assert_eq!(search(&s, "ma")[0], "Trồng cây ma");
        assert_eq!(search(&s, "mà")[0], "Vì sao mà");
        assert_eq!(search(&s, "ma").len(), 3);
    }

    #[test]
    fn the_last_word_matches_as_a_prefix_and_fts_syntax_is_inert() {
        let s = store_with_events(&["Tuyên truyền Nghị quyết", "Hội thao"]);
        assert_eq!(search(&s, "tuyen tru"), vec!["Tuyên truyền Nghị quyết"]);
        assert!(search(&s, "\" OR * NEAR(").is_empty());
    }

    #[test]
    fn whole_words_rank_before_longer_words_that_start_with_them() {
        // "Doanh nghiệp" is newer, but "doan" is a whole word of the older title.
        let s = store_with_events(&["Sinh hoạt Đoàn", "Doanh nghiệp trẻ"]);
        assert_eq!(search(&s, "doan"), vec!["Sinh hoạt Đoàn", "Doanh nghiệp trẻ"]);
    }

    #[test]
    fn nfd_queries_find_nfc_text() {
        let s = store_with_events(&["Tuyên truyền"]);
        assert_eq!(search(&s, "Tuye\u{302}n"), vec!["Tuyên truyền"]);
    }

    #[test]
    fn pages_are_sorted_by_date_and_counted() {
        let s = store_with_events(&["A", "B", "C", "D", "E"]);
        let mut q = ListQuery::new(Kind::Event);
        q.page_size = 2;
        let p = s.list(&q).unwrap();
        assert_eq!(p.total, 5);
        assert_eq!(titles(&p), vec!["E", "D"]);
        q.page = 2;
        assert_eq!(titles(&s.list(&q).unwrap()), vec!["A"]);
        q.page = 0;
        q.from = Some("2025-07-02".into());
        q.to = Some("2025-07-03".into());
        assert_eq!(titles(&s.list(&q).unwrap()), vec!["C", "B"]);
    }

    #[test]
    fn titles_sort_the_vietnamese_way() {
        let s = store_with_events(&["Đêm văn nghệ", "Dọn vệ sinh", "Ăn tết", "An toàn giao thông"]);
        let mut q = ListQuery::new(Kind::Event);
        q.sort = Sort::Title;
        assert_eq!(titles(&s.list(&q).unwrap()), vec!["An toàn giao thông", "Ăn tết", "Dọn vệ sinh", "Đêm văn nghệ"]);
    }

    #[test]
    fn search_counts_stop_at_the_cap() {
        let titles: Vec<String> = (0..(SEARCH_COUNT_CAP + 5)).map(|i| format!("Đoàn {i}")).collect();
        let mut s = Store::open_in_memory().unwrap();
        s.init(&json!({"code": "XA-A", "name": "Xã A", "level": "grassroots"})).unwrap();
        let items: Vec<_> = titles
            .iter()
            .map(|t| (Kind::Event, json!({"title": t, "start_at": "2025-07-01T08:00"}), None))
            .collect();
        s.create_many(&items, crate::store::WriteCtx::now()).unwrap();
        let mut q = ListQuery::new(Kind::Event);
        q.search = Some("doan".into());
        let p = s.list(&q).unwrap();
        assert_eq!((p.total, p.total_capped, p.rows.len()), (SEARCH_COUNT_CAP, true, 50));
        q.search = Some("đoàn 7".into());
        let p = s.list(&q).unwrap();
        // "7" is the last word, so a prefix: 7, 70–79, 700–799.
        assert_eq!((p.total, p.total_capped), (111, false));
    }

    #[test]
    fn search_paging_continues_from_exact_into_folded_matches() {
        let s = store_with_events(&["má 1", "ma 2", "má 3", "ma 4", "má 5"]);
        let mut q = ListQuery::new(Kind::Event);
        q.search = Some("má".into());
        q.page_size = 2;
        let mut seen = Vec::new();
        for page in 0..3 {
            q.page = page;
            let p = s.list(&q).unwrap();
            assert_eq!(p.total, 5);
            seen.extend(titles(&p));
        }
        assert_eq!(seen, vec!["má 5", "má 3", "má 1", "ma 4", "ma 2"]);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Any Vietnamese title is found by its words typed without accents, and by its words as written.
        #[test]
        fn every_title_is_found_with_and_without_accents(
            words in proptest::collection::vec("[a-zđ]{0,2}[àáảãạăắằẳẵặâấầẩẫậèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵđ][a-z]{0,3}", 1..5)
        ) {
            let title = words.join(" ");
            let mut s = Store::open_in_memory().unwrap();
            s.init(&json!({"code": "XA-A", "name": "Xã A", "level": "grassroots"})).unwrap();
            s.create(Kind::Event, &json!({"title": title, "start_at": "2025-07-01T08:00"})).unwrap();
            s.create(Kind::Event, &json!({"title": "zzz khác", "start_at": "2025-07-01T08:00"})).unwrap();
            for q in [crate::text::fold(&title), title.clone(), title.to_uppercase()] {
                let mut lq = ListQuery::new(Kind::Event);
                lq.search = Some(q.clone());
                let p = s.list(&lq).unwrap();
                prop_assert_eq!(p.rows.len(), 1, "query {:?} for title {:?}", q, title);
                prop_assert_eq!(p.rows[0]["title"].as_str().unwrap(), title.as_str());
            }
        }
    }
}
