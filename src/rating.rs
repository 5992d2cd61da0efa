//! An instructor's rating, exactly as SPEC section 4 defines it: a Bayesian
//! average of trainee scores (1–5) with recency weights halving every 365
//! days, mapped to [0, 1].

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

/// The prior's weight, in evaluations.
const PRIOR_WEIGHT: f64 = 5.0;
/// The prior's mean score.
const PRIOR_MEAN: f64 = 3.5;
/// Days for an evaluation's weight to halve.
pub const HALF_LIFE_DAYS: f64 = 365.0;
/// Seconds in a day, for ages measured in fractional days.
pub const SECONDS_PER_DAY: f64 = 86_400.0;

/// The rating and the plain figures beside it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Rating {
    /// `(R − 1) / 4` with `R` the weighted Bayesian mean; 0.625 with no evaluations.
    pub rating: f64,
    /// Evaluations counted (those given at or before the time of computation).
    pub evaluation_count: i64,
    /// The plain mean of their scores, if there are any.
    pub mean_score: Option<f64>,
}

/// The weight of an evaluation `age_days` old: `0.5 ^ (age / 365)`.
pub fn weight(age_days: f64) -> f64 {
    0.5f64.powf(age_days / HALF_LIFE_DAYS)
}

/// The sums a rating is made of, added one evaluation (or one group of
/// evaluations of the same score) at a time.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sums {
    pub count: i64,
    pub score_sum: i64,
    /// `Σ w_k`.
    pub weight_sum: f64,
    /// `Σ w_k r_k`.
    pub weighted_score_sum: f64,
}

impl Sums {
    /// Adds `count` evaluations of `score` whose weights sum to `weight_sum`.
    pub fn add(&mut self, score: i32, count: i64, weight_sum: f64) {
        self.count += count;
        self.score_sum += i64::from(score) * count;
        self.weight_sum += weight_sum;
        self.weighted_score_sum += weight_sum * f64::from(score);
    }

    /// The rating these sums make.
    pub fn rating(&self) -> Rating {
        let r = (PRIOR_WEIGHT * PRIOR_MEAN + self.weighted_score_sum)
            / (PRIOR_WEIGHT + self.weight_sum);
        Rating {
            rating: (r - 1.0) / 4.0,
            evaluation_count: self.count,
            mean_score: (self.count > 0).then(|| self.score_sum as f64 / self.count as f64),
        }
    }
}

/// The rating at `at` from `(score, evaluated_at)` pairs. Evaluations given
/// after `at` do not count; an evaluation's age is measured in fractional days.
pub fn rate(
    evaluations: impl IntoIterator<Item = (i32, NaiveDateTime)>,
    at: NaiveDateTime,
) -> Rating {
    let mut sums = Sums::default();
    for (score, evaluated_at) in evaluations {
        if evaluated_at > at {
            continue;
        }
        let age_days = (at - evaluated_at).num_milliseconds() as f64 / 1000.0 / SECONDS_PER_DAY;
        sums.add(score, 1, weight(age_days));
    }
    sums.rating()
}

/// The ends of the `months` calendar months (UTC) up to the one holding
/// `until`, oldest first, each with its `YYYY-MM` label: a month ends at
/// 00:00 on the first of the next, and the last one at `until`.
pub fn month_ends(until: NaiveDateTime, months: u32) -> Vec<(String, NaiveDateTime)> {
    let Some(first) = NaiveDate::from_ymd_opt(until.year(), until.month(), 1) else {
        return Vec::new();
    };
    (0..months)
        .rev()
        .filter_map(|back| {
            let start = first.checked_sub_months(Months::new(back))?;
            let end = start
                .checked_add_months(Months::new(1))?
                .and_hms_opt(0, 0, 0)?;
            Some((start.format("%Y-%m").to_string(), end.min(until)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn day(d: &str) -> NaiveDateTime {
        chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    }

    #[test]
    fn no_evaluations_is_the_prior() {
        let r = rate([], day("2027-01-01"));
        assert_eq!(r.rating, 0.625);
        assert_eq!(r.evaluation_count, 0);
        assert_eq!(r.mean_score, None);
    }

    #[test]
    fn fresh_and_year_old_scores() {
        // Weights 1 and 0.5: R = (17.5 + 5 + 0.5 * 3) / (5 + 1.5) = 24 / 6.5.
        let r = rate(
            [(5, day("2027-01-01")), (3, day("2026-01-01"))],
            day("2027-01-01"),
        );
        let expected = (24.0 / 6.5 - 1.0) / 4.0;
        assert!(
            (r.rating - expected).abs() < 1e-12,
            "{} vs {expected}",
            r.rating
        );
        assert_eq!(r.mean_score, Some(4.0));
    }

    #[test]
    fn later_evaluations_do_not_count() {
        let r = rate([(1, day("2027-06-01"))], day("2027-01-01"));
        assert_eq!(r.evaluation_count, 0);
        assert_eq!(r.rating, 0.625);
    }

    #[test]
    fn month_ends_run_up_to_the_given_time() {
        let ends = month_ends(day("2027-02-10"), 3);
        let labels: Vec<_> = ends.iter().map(|(m, _)| m.as_str()).collect();
        assert_eq!(labels, ["2026-12", "2027-01", "2027-02"]);
        assert_eq!(ends[0].1, day("2027-01-01"));
        assert_eq!(ends[1].1, day("2027-02-01"));
        assert_eq!(ends[2].1, day("2027-02-10"));
    }
}
