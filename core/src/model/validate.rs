//! Small checks shared by every kind; each error names its field. [`Checks`] runs them all over a
//! record and keeps every problem, so that a form can show each beside its field at once.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;

use crate::clock;
use super::Kind;
use crate::error::{Error, FieldProblem, Problem, Result};
use crate::text::{self, MAX_LINE, MAX_TEXT};

/// The problems of one record, gathered check after check: a check that fails does not stop the next.
pub struct Checks {
    kind: Kind,
    problems: Vec<FieldProblem>,
    /// Not a problem of the record (the database failed while looking something up): ends validation.
    failure: Option<Error>,
}

impl Checks {
    pub fn new(kind: Kind) -> Checks {
        Checks { kind, problems: Vec::new(), failure: None }
    }

    /// Keeps the problem of a check, if any; gives back its value when it passed.
    pub fn keep<T>(&mut self, result: Result<T>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) if matches!(e, Error::Invalid { .. } | Error::InvalidRecord { .. }) => {
                self.problems.extend(e.field_problems());
                None
            }
            Err(e) => {
                self.failure.get_or_insert(e);
                None
            }
        }
    }

    pub fn add(&mut self, field: impl Into<String>, problem: Problem) {
        self.problems.push(FieldProblem { field: field.into(), problem });
    }

    /// Whether `field` has a problem already (a later check on it would only repeat it).
    pub fn has(&self, field: &str) -> bool {
        self.problems.iter().any(|p| p.field == field)
    }

    /// Ok when every check passed; otherwise every problem, in the order the checks ran.
    pub fn finish(self) -> Result<()> {
        if let Some(e) = self.failure {
            return Err(e);
        }
        if self.problems.is_empty() {
            return Ok(());
        }
        Err(Error::InvalidRecord { kind: self.kind, problems: self.problems })
    }
}

/// NFC-normalises every string in place and notes any longer than the general limit, or with control
/// characters other than line breaks and tabs.
pub fn normalise_texts(v: &mut Value, path: &str, c: &mut Checks) {
    match v {
        Value::String(s) => {
            let n = text::nfc(s);
            if n.chars().count() > MAX_TEXT {
                c.add(path, Problem::TooLong { max: MAX_TEXT });
            } else if n.chars().any(|ch| ch.is_control() && ch != '\n' && ch != '\t' && ch != '\r') {
                c.add(path, Problem::ControlCharacter);
            }
            *s = n;
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                normalise_texts(item, &format!("{path}[{i}]"), c);
            }
        }
        Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                normalise_texts(item, &p, c);
            }
        }
        _ => {}
    }
}

pub fn required(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, Problem::Required));
    }
    Ok(())
}

/// A one-line field: required or not, at most MAX_LINE characters.
pub fn line(field: &str, value: &str) -> Result<()> {
    if value.chars().count() > MAX_LINE {
        return Err(Error::invalid(field, Problem::TooLong { max: MAX_LINE }));
    }
    if value.contains('\n') {
        return Err(Error::invalid(field, Problem::OneLineOnly));
    }
    Ok(())
}

pub fn required_line(field: &str, value: &str) -> Result<()> {
    required(field, value)?;
    line(field, value)
}

pub fn opt_line(field: &str, value: &Option<String>) -> Result<()> {
    match value {
        Some(v) => line(field, v),
        None => Ok(()),
    }
}

/// The most a count may be: more than the people on Earth, and small enough that adding up every
/// record of a store never overflows.
pub const MAX_COUNT: i64 = 10_000_000_000;

/// A count of people, posts, views…: from 0 to [`MAX_COUNT`].
pub fn count(field: &str, n: i64) -> Result<()> {
    if n < 0 {
        return Err(Error::invalid(field, Problem::Negative));
    }
    if n > MAX_COUNT {
        return Err(Error::invalid(field, Problem::TooLarge { max: MAX_COUNT }));
    }
    Ok(())
}

pub fn opt_count(field: &str, n: Option<i64>) -> Result<()> {
    n.map_or(Ok(()), |n| count(field, n))
}

pub fn date(field: &str, s: &str) -> Result<NaiveDate> {
    clock::parse_date(field, s)
}

pub fn opt_date(field: &str, s: &Option<String>) -> Result<Option<NaiveDate>> {
    s.as_deref().map(|s| date(field, s)).transpose()
}

pub fn local(field: &str, s: &str) -> Result<NaiveDateTime> {
    clock::parse_local(field, s)
}

pub fn opt_local(field: &str, s: &Option<String>) -> Result<Option<NaiveDateTime>> {
    s.as_deref().map(|s| local(field, s)).transpose()
}

/// `later` must not be before `earlier`; the error sits on the later field.
pub fn in_order<T: PartialOrd>(earlier_field: &str, earlier: Option<T>, later_field: &str, later: Option<T>) -> Result<()> {
    if let (Some(a), Some(b)) = (earlier, later) {
        if b < a {
            return Err(Error::invalid(later_field, Problem::NotAfter { other: earlier_field.into() }));
        }
    }
    Ok(())
}

pub fn known_unit(known: &dyn super::Known, field: &str, id: &str) -> Result<()> {
    if !known.unit_exists(id)? {
        return Err(Error::invalid(field, Problem::UnknownUnit(id.into())));
    }
    Ok(())
}

pub fn opt_known_unit(known: &dyn super::Known, field: &str, id: &Option<String>) -> Result<()> {
    id.as_deref().map_or(Ok(()), |id| known_unit(known, field, id))
}

pub fn opt_known_plan(known: &dyn super::Known, field: &str, id: &Option<String>) -> Result<()> {
    if let Some(id) = id.as_deref() {
        if !known.plan_exists(id)? {
            return Err(Error::invalid(field, Problem::UnknownPlan(id.into())));
        }
    }
    Ok(())
}

pub fn opt_known_event(known: &dyn super::Known, field: &str, id: &Option<String>) -> Result<()> {
    if let Some(id) = id.as_deref() {
        if !known.event_exists(id)? {
            return Err(Error::invalid(field, Problem::UnknownEvent(id.into())));
        }
    }
    Ok(())
}

/// A web link, if given, must be http(s).
pub fn opt_link(field: &str, s: &Option<String>) -> Result<()> {
    if let Some(s) = s {
        line(field, s)?;
        if !(s.starts_with("http://") || s.starts_with("https://")) {
            return Err(Error::invalid(field, Problem::NotALink));
        }
    }
    Ok(())
}
