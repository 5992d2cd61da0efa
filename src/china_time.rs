//! China Standard Time (UTC+8, no daylight saving), in which sessions,
//! sheets and trainees' pages are shown; times are stored as naive UTC.

use chrono::{Duration, NaiveDate, NaiveDateTime};

/// The offset of China Standard Time from UTC.
const OFFSET: Duration = Duration::hours(8);

/// A stored (UTC) time on the clocks of China, formatted.
pub fn format(utc: NaiveDateTime, format: &str) -> String {
    (utc + OFFSET).format(format).to_string()
}

/// The day in China of a stored (UTC) time.
pub fn date(utc: NaiveDateTime) -> NaiveDate {
    (utc + OFFSET).date()
}
