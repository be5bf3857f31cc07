//! A deterministic dump: every record, one canonical JSON object per line (keys sorted, no spaces),
//! ordered by kind and id. The same data gives the same bytes, whichever device or order it came by.

use std::io::Write;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::store::Store;

/// Writes JSON with object keys in byte order, whatever map type serde_json was built with.
pub fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                canonical(&map[*k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

impl Store {
    pub fn dump(&self, out: &mut dyn Write) -> Result<u64> {
        let mut stmt = self.conn().prepare(
            "SELECT kind, id, owner_unit, created_at, updated_at, deleted, body FROM records ORDER BY kind, id",
        )?;
        let mut rows = stmt.query([])?;
        let mut n = 0;
        let mut line = String::new();
        while let Some(r) = rows.next()? {
            let body: Value = serde_json::from_str(&r.get::<_, String>(6)?).map_err(Error::from_json)?;
            let record = crate::store::assemble_record(
                &r.get::<_, String>(0)?,
                &r.get::<_, String>(1)?,
                &r.get::<_, String>(2)?,
                &r.get::<_, String>(3)?,
                &r.get::<_, String>(4)?,
                r.get(5)?,
                body,
            );
            line.clear();
            canonical(&record, &mut line);
            line.push('\n');
            out.write_all(line.as_bytes()).map_err(|e| Error::Io { path: "(output)".into(), source: e })?;
            n += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let v = json!({"b": 1, "a": {"d": [ {"z": 1, "y": 2} ], "c": "Đoàn"}});
        let mut s = String::new();
        canonical(&v, &mut s);
        assert_eq!(s, r#"{"a":{"c":"Đoàn","d":[{"y":2,"z":1}]},"b":1}"#);
    }
}
