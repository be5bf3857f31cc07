//! Reporting periods in DHIS2 style: `2025M07` (month), `2025Q3` (quarter), `2025S1` (half year),
//! `2025` (year), each with explicit start and end dates.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::error::{Error, Problem, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    pub code: String,
    pub start: NaiveDate,
    /// Inclusive.
    pub end: NaiveDate,
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn last_day(y: i32, m: u32) -> Option<NaiveDate> {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    ymd(ny, nm, 1)?.pred_opt()
}

impl Period {
    pub fn parse(code: &str) -> Result<Period> {
        let bad = || Error::invalid("period", Problem::BadValue(code.to_string()));
        let c = code.trim().to_ascii_uppercase();
        let year: i32 = c.get(..4).and_then(|y| y.parse().ok()).filter(|y| (1900..=2200).contains(y)).ok_or_else(bad)?;
        let rest = &c[4..];
        let (start, end) = if rest.is_empty() {
            (ymd(year, 1, 1), ymd(year, 12, 31))
        } else {
            let (tag, n) = rest.split_at(1);
            let n: u32 = n.parse().map_err(|_| bad())?;
            match (tag, n) {
                ("M", 1..=12) => (ymd(year, n, 1), last_day(year, n)),
                ("Q", 1..=4) => (ymd(year, 3 * n - 2, 1), last_day(year, 3 * n)),
                ("S", 1..=2) => (ymd(year, 6 * n - 5, 1), last_day(year, 6 * n)),
                _ => return Err(bad()),
            }
        };
        Ok(Period { code: c, start: start.ok_or_else(bad)?, end: end.ok_or_else(bad)? })
    }

    pub fn quarter_of(d: NaiveDate) -> Period {
        let q = (d.month() - 1) / 3 + 1;
        Period::parse(&format!("{}Q{q}", d.year())).expect("a quarter built from a real date parses")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_codes_give_their_dates() {
        let p = Period::parse("2025Q3").unwrap();
        assert_eq!((p.start.to_string(), p.end.to_string()), ("2025-07-01".into(), "2025-09-30".into()));
        assert_eq!(Period::parse("2024M02").unwrap().end.to_string(), "2024-02-29");
        assert_eq!(Period::parse("2025S2").unwrap().start.to_string(), "2025-07-01");
        assert_eq!(Period::parse("2025").unwrap().end.to_string(), "2025-12-31");
    }

    #[test]
    fn bad_codes_are_refused_naming_the_period() {
        for bad in ["2025Q5", "2025M13", "25Q1", "2025X1", "", "2025Q"] {
            assert_eq!(Period::parse(bad).unwrap_err().field(), Some("period"), "{bad}");
        }
    }
}
