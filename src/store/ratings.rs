//! Instructors' ratings (SPEC 4) from their trainees' evaluations: summed
//! by the database for many instructors at once, or one instructor's
//! evaluations read whole for a history.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, sum};
use diesel::helper_types::InnerJoinQuerySource;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Double, Text, Timestamp};
use diesel::SqliteConnection;

use super::schema::{evaluations, teaching_records};
use super::{Backend, Db};
use crate::rating::{self, Sums};

diesel::allow_columns_to_appear_in_same_group_by_clause!(
    teaching_records::instructor_id,
    evaluations::score,
);

diesel::define_sql_function! {
    /// Seconds since 1970 (UTC), with their fraction when `modifier` is
    /// `subsec`: SQLite's own function, and PostgreSQL's from the migration
    /// `rating_sums`.
    fn unixepoch(t: Timestamp, modifier: Text) -> Double;
}

diesel::define_sql_function! {
    /// `x ^ y`: PostgreSQL's own, and SQLite's from [`register_sqlite_functions`].
    fn power(x: Double, y: Double) -> Double;
}

/// Gives an SQLite connection the functions PostgreSQL has and the
/// rating sums use (the bundled SQLite has no math functions).
pub fn register_sqlite_functions(conn: &mut SqliteConnection) -> QueryResult<()> {
    power_utils::register_impl(conn, |x: f64, y: f64| x.powf(y))
}

/// The rating sums at `at` of the instructors `ids` (every instructor when
/// `None`) that have evaluations given by then. The database weighs each
/// evaluation as [`rating::weight`] does and sums them per instructor and
/// score, so at most five rows per instructor cross the connection.
pub fn of(
    conn: &mut Db,
    ids: Option<&[&str]>,
    at: NaiveDateTime,
) -> QueryResult<HashMap<String, Sums>> {
    let age_s = unixepoch(at, "subsec") - unixepoch(evaluations::evaluated_at, "subsec");
    let weight = power(
        0.5,
        age_s / (rating::SECONDS_PER_DAY * rating::HALF_LIFE_DAYS),
    );
    // Filtered only when asked, so that the database reads the few
    // instructors' records by index.
    type Joined = InnerJoinQuerySource<evaluations::table, teaching_records::table>;
    let whose: Box<dyn BoxableExpression<Joined, Backend, SqlType = Bool>> = match ids {
        Some(ids) => Box::new(teaching_records::instructor_id.eq_any(ids.to_vec())),
        None => Box::new(true.into_sql::<Bool>()),
    };
    let query = evaluations::table
        .inner_join(teaching_records::table)
        .filter(evaluations::evaluated_at.le(at))
        .filter(whose);
    let query = query
        .group_by((teaching_records::instructor_id, evaluations::score))
        .select((
            teaching_records::instructor_id,
            evaluations::score,
            count_star(),
            sum(weight),
        ));
    let mut sums: HashMap<String, Sums> = HashMap::new();
    for (instructor, score, count, weight_sum) in
        query.load::<(String, i32, i64, Option<f64>)>(conn)?
    {
        sums.entry(instructor)
            .or_default()
            .add(score, count, weight_sum.unwrap_or_default());
    }
    Ok(sums)
}

/// The `(score, evaluated_at)` evaluations of instructor `id`.
pub fn scores(conn: &mut Db, id: &str) -> QueryResult<Vec<(i32, NaiveDateTime)>> {
    evaluations::table
        .inner_join(teaching_records::table)
        .filter(teaching_records::instructor_id.eq(id))
        .select((evaluations::score, evaluations::evaluated_at))
        .load(conn)
}
