//! Small checks shared by every kind; each error names its field.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;

use crate::clock;
use crate::error::{Error, Problem, Result};
use crate::text::{self, MAX_LINE, MAX_TEXT};

/// NFC-normalises every string in place and refuses any longer than the general limit, or with
/// control characters other than line breaks and tabs.
pub fn normalise_texts(v: &mut Value, path: &str) -> Result<()> {
    match v {
        Value::String(s) => {
            let n = text::nfc(s);
            if n.chars().count() > MAX_TEXT {
                return Err(Error::invalid(path, Problem::TooLong { max: MAX_TEXT }));
            }
            if n.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
                return Err(Error::invalid(path, Problem::BadValue("control character".into())));
            }
            *s = n;
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                normalise_texts(item, &format!("{path}[{i}]"))?;
            }
        }
        Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                normalise_texts(item, &p)?;
            }
        }
        _ => {}
    }
    Ok(())
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
        return Err(Error::invalid(field, Problem::BadValue("one line only".into())));
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
            return Err(Error::invalid(field, Problem::BadValue("link must start with http:// or https://".into())));
        }
    }
    Ok(())
}
