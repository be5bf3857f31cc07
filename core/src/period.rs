//! Reporting periods in DHIS2 style: `2025M07` (month), `2025Q3` (quarter), `2025S1` (half year),
//! `2025N9` (the first nine months), `2025` (year), or explicit dates `2025-06-15..2025-09-14`; each with
//! its inclusive start and end and the words a Vietnamese report puts in its title.
//!
//! Upper levels often close the figures mid-month ("số liệu tính đến ngày 14"): [`Period::with_cut_off`]
//! moves both ends to that day, so the third quarter with a cut-off on the 14th runs 15/06 to 14/09.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use crate::error::{Error, Problem, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    pub code: String,
    pub start: NaiveDate,
    /// Inclusive.
    pub end: NaiveDate,
    /// "quý III năm 2025", "6 tháng đầu năm 2025", "từ ngày 15/06/2025 đến ngày 14/09/2025".
    pub label: String,
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn last_day(y: i32, m: u32) -> Option<NaiveDate> {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    ymd(ny, nm, 1)?.pred_opt()
}

const ROMAN: [&str; 4] = ["I", "II", "III", "IV"];

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn range_label(start: NaiveDate, end: NaiveDate) -> String {
    format!("từ ngày {} đến ngày {}", dmy(start), dmy(end))
}

impl Period {
    pub fn parse(code: &str) -> Result<Period> {
        let bad = || Error::invalid("period", Problem::BadValue(code.to_string()));
        if let Some((from, to)) = code.trim().split_once("..") {
            return Period::custom(from.trim(), to.trim());
        }
        let c = code.trim().to_ascii_uppercase();
        let year: i32 = c.get(..4).and_then(|y| y.parse().ok()).filter(|y| (1900..=2200).contains(y)).ok_or_else(bad)?;
        let rest = &c[4..];
        let (start, end, label) = if rest.is_empty() {
            (ymd(year, 1, 1), ymd(year, 12, 31), format!("năm {year}"))
        } else {
            // By characters, not bytes: "2025ê1" is refused, not a panic.
            let tag = rest.chars().next().map(String::from).unwrap_or_default();
            let n: u32 = rest[tag.len()..].parse().map_err(|_| bad())?;
            let tag = tag.as_str();
            match (tag, n) {
                ("M", 1..=12) => (ymd(year, n, 1), last_day(year, n), format!("tháng {n} năm {year}")),
                ("Q", 1..=4) => (ymd(year, 3 * n - 2, 1), last_day(year, 3 * n), format!("quý {} năm {year}", ROMAN[n as usize - 1])),
                ("S", 1..=2) => (
                    ymd(year, 6 * n - 5, 1),
                    last_day(year, 6 * n),
                    format!("6 tháng {} năm {year}", if n == 1 { "đầu" } else { "cuối" }),
                ),
                ("N", 9) => (ymd(year, 1, 1), last_day(year, 9), format!("9 tháng đầu năm {year}")),
                _ => return Err(bad()),
            }
        };
        Ok(Period { code: c, start: start.ok_or_else(bad)?, end: end.ok_or_else(bad)?, label })
    }

    /// Explicit dates, `YYYY-MM-DD` both, start not after end.
    pub fn custom(from: &str, to: &str) -> Result<Period> {
        let start = crate::clock::parse_date("from", from)?;
        let end = crate::clock::parse_date("to", to)?;
        if end < start {
            return Err(Error::invalid("to", Problem::NotAfter { other: "from".into() }));
        }
        Ok(Period { code: format!("{start}..{end}"), start, end, label: range_label(start, end) })
    }

    /// The same period with the figures closed on day `day` of the month: it ends on that day of its last
    /// month and starts the day after it in the month before its first.
    /// Explicit dates take no cut-off: they already say where the figures start and stop.
    pub fn with_cut_off(&self, day: u32) -> Result<Period> {
        let bad = || Error::invalid("cut_off", Problem::BadValue(day.to_string()));
        if !(1..=28).contains(&day) || self.code.contains("..") {
            return Err(bad());
        }
        let end = ymd(self.end.year(), self.end.month(), day).ok_or_else(bad)?;
        let before = self.start.checked_sub_months(Months::new(1)).ok_or_else(bad)?;
        let start = ymd(before.year(), before.month(), day + 1).ok_or_else(bad)?;
        Ok(Period {
            code: format!("{}/{day}", self.code),
            start,
            end,
            label: format!("{} (số liệu {})", self.label, range_label(start, end)),
        })
    }

    /// Explicit dates (`2025-06-15..2025-09-14`): their label is already the dates.
    pub fn is_custom(&self) -> bool {
        self.code.contains("..")
    }

    /// Closed on a day of the month: the label already gives the dates.
    pub fn has_cut_off(&self) -> bool {
        self.code.contains('/')
    }

    /// How a report's first sentence opens: "Trong quý III năm 2025 (từ ngày 01/07/2025 đến ngày
    /// 30/09/2025)", or the label alone where it already gives its dates.
    pub fn opening(&self) -> String {
        if self.is_custom() {
            // "từ ngày …" opens the sentence: its first letter in capitals.
            let mut letters = self.label.chars();
            letters.next().map(|first| first.to_uppercase().chain(letters).collect()).unwrap_or_default()
        } else if self.has_cut_off() {
            format!("Trong {}", self.label)
        } else {
            format!("Trong {} ({})", self.label, range_label(self.start, self.end))
        }
    }

    /// The quarter of today's date (the clock must read a year between 1900 and 2200).
    pub fn this_quarter() -> Result<Period> {
        let d = crate::clock::checked_today_vn()?;
        Period::parse(&format!("{}Q{}", d.year(), (d.month() - 1) / 3 + 1))
    }

    /// `YYYY-MM-DD` of the start, and of the day after the end: the half-open range records are matched in.
    pub fn bounds(&self) -> (String, String) {
        // Every period ends by 2200 (parse and custom refuse later years), so the day after exists.
        let after = self.end.succ_opt().unwrap_or(self.end);
        (self.start.format("%Y-%m-%d").to_string(), after.format("%Y-%m-%d").to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_codes_give_their_dates() {
        let p = Period::parse("2025Q3").unwrap();
        assert_eq!((p.start.to_string(), p.end.to_string()), ("2025-07-01".into(), "2025-09-30".into()));
        assert_eq!(p.label, "quý III năm 2025");
        assert_eq!(Period::parse("2024M02").unwrap().end.to_string(), "2024-02-29");
        assert_eq!(Period::parse("2025S2").unwrap().start.to_string(), "2025-07-01");
        assert_eq!(Period::parse("2025S1").unwrap().label, "6 tháng đầu năm 2025");
        assert_eq!(Period::parse("2025").unwrap().end.to_string(), "2025-12-31");
        let nine = Period::parse("2025n9").unwrap();
        assert_eq!((nine.start.to_string(), nine.end.to_string(), nine.label.as_str()), ("2025-01-01".into(), "2025-09-30".into(), "9 tháng đầu năm 2025"));
    }

    #[test]
    fn custom_dates_and_cut_offs() {
        let p = Period::parse("2025-06-15..2025-09-14").unwrap();
        assert_eq!(p.label, "từ ngày 15/06/2025 đến ngày 14/09/2025");
        let q = Period::parse("2025Q3").unwrap().with_cut_off(14).unwrap();
        assert_eq!((q.start.to_string(), q.end.to_string()), ("2025-06-15".into(), "2025-09-14".into()));
        let y = Period::parse("2025").unwrap().with_cut_off(20).unwrap();
        assert_eq!((y.start.to_string(), y.end.to_string()), ("2024-12-21".into(), "2025-12-20".into()));
        assert_eq!(Period::parse("2025Q3").unwrap().with_cut_off(31).unwrap_err().field(), Some("cut_off"));
        assert_eq!(Period::parse("2025-09-14..2025-06-15").unwrap_err().field(), Some("to"));
        assert_eq!(Period::parse("2025-13-01..2025-12-31").unwrap_err().field(), Some("from"));
        assert_eq!(Period::parse("2025-01-01..").unwrap_err().field(), Some("to"));
        assert_eq!(Period::parse("..2025-01-01").unwrap_err().field(), Some("from"));
        // Years chrono takes but no report has: refused, not a panic or a range that sorts wrongly.
        assert_eq!(Period::parse("2025-01-01..+262142-12-31").unwrap_err().field(), Some("to"));
        assert_eq!(Period::parse("2025-01-01..+10000-01-01").unwrap_err().field(), Some("to"));
        assert_eq!(Period::parse("-0001-01-01..2025-01-01").unwrap_err().field(), Some("from"));
        // A cut-off moves the ends of a coded period; explicit dates already have theirs.
        assert_eq!(Period::parse("2025-01-01..2025-01-31").unwrap().with_cut_off(14).unwrap_err().field(), Some("cut_off"));
        assert_eq!(Period::parse("2200").unwrap().bounds().1, "2201-01-01");
    }

    #[test]
    fn a_report_opens_with_the_period_and_its_dates_once() {
        assert_eq!(Period::parse("2025Q3").unwrap().opening(), "Trong quý III năm 2025 (từ ngày 01/07/2025 đến ngày 30/09/2025)");
        assert_eq!(
            Period::parse("2025Q3").unwrap().with_cut_off(14).unwrap().opening(),
            "Trong quý III năm 2025 (số liệu từ ngày 15/06/2025 đến ngày 14/09/2025)"
        );
        assert_eq!(Period::parse("2025-06-15..2025-09-14").unwrap().opening(), "Từ ngày 15/06/2025 đến ngày 14/09/2025");
    }

    #[test]
    fn bad_codes_are_refused_naming_the_period() {
        for bad in ["2025Q5", "2025M13", "25Q1", "2025X1", "", "2025Q", "2025N6", "2025ê1", "2025Ê", "quý 3"] {
            assert_eq!(Period::parse(bad).unwrap_err().field(), Some("period"), "{bad}");
        }
    }
}
