//! The years a time or a date given to the service may fall in, checked as
//! it is read: `#[serde(deserialize_with = "solver::time_range::time")]`
//! (or `optional_time`, `date`) on a field. The year is the one the text
//! writes, in its own offset, so that the API document can state the rule
//! as a pattern; taken to UTC it is still 1899–2101, which RFC 3339 writes.
//! Outside them a time would be stored and shown as a year RFC 3339 cannot
//! write (`+10000-01-01`, or year 0 once taken to UTC), and no plan, block
//! or record of ours lies there.
//! The solver's own problem JSON (SPEC 5.1) is not checked: no time of it
//! comes back in a solution, and a run's stored problem must always read
//! back.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::{de::Error, Deserialize, Deserializer};

/// The first year a time may fall in (as written).
pub const FIRST_YEAR: i32 = 1900;
/// The last year a time may fall in (as written).
pub const LAST_YEAR: i32 = 2100;

/// How the error of a time out of range begins, so that
/// `json_input` can name its rule.
pub(crate) const OUT_OF_RANGE: &str = "out of range: ";

/// The rule a time or date outside the years breaks, in our words.
pub fn rule() -> String {
    format!("a date or time in the years {FIRST_YEAR} to {LAST_YEAR}")
}

/// Whether `year` is one a time may fall in.
pub fn in_range(year: i32) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&year)
}

fn checked<E: Error>(year: i32) -> Result<(), E> {
    if in_range(year) {
        Ok(())
    } else {
        Err(E::custom(format!("{OUT_OF_RANGE}{}", rule())))
    }
}

/// A time within the years.
pub fn time<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<FixedOffset>, D::Error> {
    let time = DateTime::<FixedOffset>::deserialize(d)?;
    checked(time.year())?;
    Ok(time)
}

/// A time within the years, or none.
pub fn optional_time<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
    let time = Option::<DateTime<FixedOffset>>::deserialize(d)?;
    if let Some(time) = time {
        checked(time.year())?;
    }
    Ok(time)
}

/// A date within the years.
pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let date = NaiveDate::deserialize(d)?;
    checked(date.year())?;
    Ok(date)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Times {
        #[serde(deserialize_with = "super::time")]
        at: chrono::DateTime<chrono::FixedOffset>,
        #[serde(default, deserialize_with = "super::optional_time")]
        until: Option<chrono::DateTime<chrono::FixedOffset>>,
        #[serde(deserialize_with = "super::date")]
        day: chrono::NaiveDate,
    }

    fn rule_broken(json: &str) -> Result<Times, (String, String)> {
        crate::parse_json::<Times>(json.as_bytes())
            .map_err(|e| (e[0].field.clone(), e[0].rule.clone()))
    }

    #[test]
    fn times_outside_the_years_are_refused_by_field() {
        let ok = r#"{"at": "2027-03-01T09:00:00+08:00", "day": "2027-03-01"}"#;
        let times = rule_broken(ok).unwrap();
        assert_eq!(times.at.to_rfc3339(), "2027-03-01T09:00:00+08:00");
        assert_eq!(
            (times.until, times.day.to_string()),
            (None, "2027-03-01".to_owned())
        );
        let edge = r#"{"at": "1900-01-01T00:00:00Z", "until": "2100-12-31T23:59:59Z", "day": "2100-12-31"}"#;
        assert!(rule_broken(edge).is_ok(), "the first and last years are in");
        let broken = |field: &str| Some((field.to_owned(), "date_range".to_owned()));
        let late = r#"{"at": "9999-12-31T20:00:00-08:00", "day": "2027-03-01"}"#;
        assert_eq!(rule_broken(late).err(), broken("at"));
        // The year as written counts, not the year in UTC.
        let written = r#"{"at": "1900-01-01T00:30:00+01:00", "until": "2100-12-31T23:00:00-08:00", "day": "1900-01-01"}"#;
        assert!(rule_broken(written).is_ok(), "1899 and 2101 in UTC");
        let outside = r#"{"at": "1899-12-31T23:30:00-01:00", "day": "2027-03-01"}"#;
        assert_eq!(rule_broken(outside).err(), broken("at"), "1900 in UTC");
        let early = r#"{"at": "2027-03-01T09:00:00+08:00", "until": "0001-01-01T01:00:00+09:00", "day": "2027-03-01"}"#;
        assert_eq!(rule_broken(early).err(), broken("until"));
        let day = r#"{"at": "2027-03-01T09:00:00+08:00", "day": "2101-01-01"}"#;
        assert_eq!(rule_broken(day).err(), broken("day"));
    }
}
