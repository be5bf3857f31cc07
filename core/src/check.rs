//! `sotay check`: the database's integrity and Sotay's own invariants, each problem named.

use rusqlite::params;
use serde_json::Value;

use crate::error::Result;
use crate::model::{self, Kind};
use crate::store::Store;

impl Store {
    /// Returns every problem found; an empty list means the database is whole.
    pub fn check(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let conn = self.conn();

        let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if integrity != "ok" {
            problems.push(format!("SQLite integrity_check: {integrity}"));
        }
        let fk_violations: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
        if fk_violations > 0 {
            problems.push(format!("{fk_violations} foreign key violations"));
        }
        let inst = self.installation()?;
        if inst.is_none() {
            problems.push("no installation (run `sotay init`)".into());
        }

        problems.extend(self.log_gaps()?);
        if let Some(inst) = &inst {
            let (last, max): (i64, Option<i64>) = conn.query_row(
                "SELECT last_seq, max((SELECT max(seq) FROM change_log WHERE origin = ?1),
                                   coalesce((SELECT max(last_seq) FROM absent_changes WHERE origin = ?1), 0))
                 FROM installation",
                [&inst.origin],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if last != max.unwrap_or(0) {
                problems.push(format!("installation sequence {last} does not match its log ({})", max.unwrap_or(0)));
            }
        }

        // Every record re-validates to the same canonical body, has its search rows, and (but the shipped
        // catalogue) a change in the log.
        let mut stmt = conn.prepare("SELECT rowid, kind, id, owner_unit, body FROM records")?;
        let mut rows = stmt.query([])?;
        let known = self.known();
        let mut checked = 0u64;
        while let Some(r) = rows.next()? {
            let (rowid, kind, id, owner, body): (i64, String, String, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
            checked += 1;
            let Ok(kind_enum) = Kind::parse(&kind) else {
                problems.push(format!("record {id}: unknown kind {kind}"));
                continue;
            };
            // Units known from an enrolment file (a peer's, or this installation's own when it joined a
            // unit) carry no change of their own until one arrives.
            let enrolled_unit: bool = conn.query_row(
                "SELECT (SELECT count(*) FROM peers WHERE unit_id = ?1) + (SELECT count(*) FROM installation WHERE unit_id = ?1)",
                [&id],
                |r| r.get::<_, i64>(0),
            )? > 0;
            match serde_json::from_str::<Value>(&body) {
                Err(e) => problems.push(format!("{kind} {id}: body is not JSON: {e}")),
                Ok(v) => match model::prepare(kind_enum, &v, &known) {
                    // A unit from an enrolment file names its own upper unit, which this store may not
                    // hold (a second laptop of a commune knows the commune, not the province above it),
                    // and, once the level above merged it, its successor (a sibling, which does not come
                    // down).
                    Err(e)
                        if enrolled_unit
                            && e.field_problems().iter().all(|p| {
                                matches!(p.field.as_str(), "parent_id" | "successor_id" | "split_into" | "former_parents") && matches!(p.problem, crate::Problem::UnknownUnit(_))
                            }) => {}
                    Err(e) => problems.push(format!("{kind} {id}: {}", e.message(crate::Lang::En))),
                    Ok(p) if p.body != v => problems.push(format!("{kind} {id}: body is not in canonical form")),
                    Ok(_) => {}
                },
            }
            let in_search: i64 = conn.query_row(
                "SELECT (SELECT count(*) FROM search_folded WHERE rowid = ?1) + (SELECT count(*) FROM search_exact WHERE rowid = ?1)",
                params![rowid],
                |r| r.get(0),
            )?;
            if in_search != 2 {
                problems.push(format!("{kind} {id}: missing from the search index"));
            }
            let deleted: bool = conn.query_row("SELECT deleted FROM records WHERE rowid = ?1", [rowid], |r| r.get(0))?;
            if let Ok(v) = serde_json::from_str::<Value>(&body) {
                let mut wanted = if deleted { Vec::new() } else { model::attachment::hashes_in(&v) };
                wanted.sort();
                wanted.dedup();
                let mut refs = conn.prepare_cached("SELECT sha256 FROM file_refs WHERE record_rowid = ?1 ORDER BY sha256")?;
                let refs = refs.query_map([rowid], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
                if refs != wanted {
                    problems.push(format!("{kind} {id}: its file references are not indexed as its body says"));
                }
            }
            if kind == "event" {
                let facts: i64 = conn.query_row("SELECT count(*) FROM event_facts WHERE rowid = ?1", [rowid], |r| r.get(0))?;
                if facts != 1 {
                    problems.push(format!("event {id}: missing its numbers"));
                }
            }
            if owner != crate::store::STANDARD_OWNER && !enrolled_unit {
                let logged: i64 = conn.query_row(
                    "SELECT count(*) FROM change_log WHERE record_id = ?1 AND op = 'create'",
                    [&id],
                    |r| r.get(0),
                )?;
                if logged == 0 {
                    problems.push(format!("{kind} {id}: not in the change log"));
                }
            }
        }
        let _ = checked;
        problems.extend(self.check_files()?);
        Ok(problems)
    }

    /// Every file kept is the bytes its hash names, and every file a live record refers to is here.
    fn check_files(&self) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut problems = Vec::new();
        let mut stmt = conn.prepare("SELECT sha256, size, content FROM files")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (sha, size): (String, i64) = (r.get(0)?, r.get(1)?);
            let content: Vec<u8> = r.get(2)?;
            if crate::evidence::sha256_hex(&content) != sha || content.len() as i64 != size {
                problems.push(format!("file {sha}: its bytes do not match its hash"));
            }
        }
        let mut missing = conn.prepare(
            "SELECT r.sha256, min(rec.kind), min(rec.id) FROM file_refs r JOIN records rec ON rec.rowid = r.record_rowid
             WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = r.sha256) GROUP BY r.sha256 ORDER BY r.sha256",
        )?;
        let mut rows = missing.query([])?;
        while let Some(r) = rows.next()? {
            let (sha, kind, id): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            problems.push(format!("file {sha} of {kind} {id}: not here (not arrived yet, or lost)"));
        }
        Ok(problems)
    }

    /// Each origin's log is whole: every sequence number from 1 to the head held is logged here or was
    /// left out on purpose by the sender (`absent_changes`), none twice. What is missing is named.
    fn log_gaps(&self) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut problems = Vec::new();
        let mut origins = conn.prepare(
            "SELECT origin, (SELECT head FROM origin_heads h WHERE h.origin = o.origin)
             FROM (SELECT origin FROM change_log UNION SELECT origin FROM absent_changes UNION SELECT origin FROM origin_heads) o
             ORDER BY origin",
        )?;
        let origins = origins.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
        // Logged numbers as runs, merged in order with the absent runs.
        let mut runs = conn.prepare(
            "SELECT first, last, logged FROM (
                 SELECT min(seq) AS first, max(seq) AS last, 1 AS logged FROM (
                     SELECT seq, seq - row_number() OVER (ORDER BY seq) AS island FROM change_log WHERE origin = ?1)
                 GROUP BY island
                 UNION ALL SELECT first_seq, last_seq, 0 FROM absent_changes WHERE origin = ?1)
             ORDER BY first, logged",
        )?;
        for (origin, head) in origins {
            let mut next = 1i64;
            let mut missing: Vec<String> = Vec::new();
            let mut doubled: Vec<String> = Vec::new();
            let mut rows = runs.query([&origin])?;
            while let Some(r) = rows.next()? {
                let (first, last): (i64, i64) = (r.get(0)?, r.get(1)?);
                if first > next {
                    missing.push(span(next, first - 1));
                } else if first < next {
                    doubled.push(span(first, last.min(next - 1)));
                }
                next = next.max(last + 1);
            }
            if let Some(head) = head.filter(|h| *h >= next) {
                missing.push(span(next, head));
            }
            if !missing.is_empty() {
                problems.push(format!("change log of origin {origin} is missing seq {}", missing.join(", ")));
            }
            if !doubled.is_empty() {
                problems.push(format!("change log of origin {origin} lists seq {} both as logged and as left out", doubled.join(", ")));
            }
        }
        Ok(problems)
    }
}

fn span(first: i64, last: i64) -> String {
    if first == last { first.to_string() } else { format!("{first}..{last}") }
}
