//! Time: UTC timestamps for metadata, Vietnam local dates for what people type, and the hybrid logical
//! clock that orders changes without trusting any device's wall clock.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, Utc};

use crate::error::{Error, Problem, Result};

/// Asia/Ho_Chi_Minh: UTC+7 with no daylight saving since 1975, so a fixed offset is exact.
pub fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset")
}

/// The installation's wall clock: the system's, moved by `SOTAY_TEST_CLOCK_SHIFT_DAYS` days when that
/// is set — the sync tests shift whole installations by years to show that nothing depends on it.
pub fn now_utc() -> DateTime<Utc> {
    static SHIFT: std::sync::OnceLock<chrono::Duration> = std::sync::OnceLock::new();
    let shift = *SHIFT.get_or_init(|| {
        std::env::var("SOTAY_TEST_CLOCK_SHIFT_DAYS")
            .ok()
            .and_then(|d| d.trim().parse::<i64>().ok())
            .and_then(chrono::Duration::try_days)
            .unwrap_or_default()
    });
    let now = Utc::now();
    now.checked_add_signed(shift).unwrap_or(now)
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Today's date in Vietnam.
pub fn today_vn() -> NaiveDate {
    now_utc().with_timezone(&vietnam()).date_naive()
}

/// Today, when the clock reads a year a record can carry (1900–2200); else the error that says so.
pub fn checked_today_vn() -> Result<NaiveDate> {
    let today = today_vn();
    if YEARS.contains(&today.year()) { Ok(today) } else { Err(Error::BadClock { year: today.year() }) }
}

/// Years a record of the Union can carry. chrono's `%Y` also takes "+10000" or "-0001": such a date
/// would sort wrongly among the stored `YYYY-MM-DD` texts (and overflow chrono at its limits).
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

fn plausible(t: &str, year: i32) -> bool {
    YEARS.contains(&year) && t.as_bytes().first().is_some_and(u8::is_ascii_digit)
}

pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate> {
    let t = s.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .filter(|d| plausible(t, d.year()))
        .ok_or_else(|| Error::invalid(field, Problem::BadDate(s.to_string())))
}

/// A local date-time as people enter it: `2025-07-12T08:00` (seconds optional), or a bare date.
pub fn parse_local(field: &str, s: &str) -> Result<NaiveDateTime> {
    let t = s.trim();
    for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(v) = NaiveDateTime::parse_from_str(t, fmt) {
            if plausible(t, v.year()) {
                return Ok(v);
            }
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        if plausible(t, d.year()) {
            return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists"));
        }
    }
    Err(Error::invalid(field, Problem::BadDate(s.to_string())))
}

/// dd/mm/yyyy, as Vietnamese read dates.
pub fn format_date_vn(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A hybrid logical clock reading: wall milliseconds as last seen, and a counter for ties.
/// Only its order matters; it never moves backwards even if the wall clock does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Hlc {
    pub millis: i64,
    pub counter: u32,
}

impl Hlc {
    /// The next reading for a local change, given the last one and the wall clock now.
    pub fn tick(self, wall_millis: i64) -> Hlc {
        if wall_millis > self.millis {
            Hlc { millis: wall_millis, counter: 0 }
        } else {
            Hlc { millis: self.millis, counter: self.counter + 1 }
        }
    }

    /// Fixed-width text so that text order equals clock order.
    pub fn encode(self) -> String {
        format!("{:015}-{:06}", self.millis.max(0), self.counter)
    }

    pub fn decode(s: &str) -> Option<Hlc> {
        let (m, c) = s.split_once('-')?;
        Some(Hlc { millis: m.parse().ok()?, counter: c.parse().ok()? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn local_times_parse_with_or_without_seconds() {
        assert_eq!(parse_local("start_at", "2025-07-12T08:00").unwrap().to_string(), "2025-07-12 08:00:00");
        assert_eq!(parse_local("start_at", "2025-07-12").unwrap().to_string(), "2025-07-12 00:00:00");
        let e = parse_local("start_at", "12/07/2025").unwrap_err();
        assert_eq!(e.field(), Some("start_at"));
    }

    #[test]
    fn dates_read_day_month_year() {
        assert_eq!(format_date_vn(NaiveDate::from_ymd_opt(2023, 5, 5).unwrap()), "05/05/2023");
    }

    proptest! {
        #[test]
        fn hlc_never_goes_back_whatever_the_wall_clock(walls in proptest::collection::vec(-10_000_000i64..10_000_000_000, 1..50)) {
            let mut h = Hlc::default();
            for w in walls {
                let next = h.tick(w);
                prop_assert!(next > h);
                prop_assert!(next.encode() > h.encode());
                prop_assert_eq!(Hlc::decode(&next.encode()), Some(next));
                h = next;
            }
        }
    }
}
