//! China Standard Time (UTC+8, no daylight saving), in which sessions,
//! sheets and trainees' pages are shown; times are stored as naive UTC.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime};

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

/// The start (00:00 in China) of the day in China of a stored (UTC) time,
/// as a stored (UTC) time.
pub fn start_of_day(utc: NaiveDateTime) -> NaiveDateTime {
    date(utc).and_time(chrono::NaiveTime::MIN) - OFFSET
}

/// China Standard Time as a time zone offset (checked when compiled).
const CHINA: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// A time on the clocks of China, with its offset.
pub fn local(at: NaiveDateTime) -> DateTime<FixedOffset> {
    DateTime::from_naive_utc_and_offset(at - OFFSET, CHINA)
}
