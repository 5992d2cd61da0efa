//! Slows down password guessing. Failed logins are counted per (username,
//! client address) in the database, so every replica sees them and a
//! stranger's guesses from one address never lock the account's owner out
//! from another. After [`FREE_FAILURES`] consecutive failures, that pair's
//! attempts are refused (429) for a delay that doubles with every further
//! failure, up to five minutes. A success clears the pair's record.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};

use crate::error::AppError;
use crate::store::schema::login_failures;
use crate::store::{write_bookkeeping, Db};

/// Failures allowed before the delay starts.
const FREE_FAILURES: i32 = 3;
const MAX_DELAY_S: i64 = 300;
/// Records untouched for this long are swept.
const FORGET_AFTER_S: i64 = 86_400;

/// Refuses an attempt of `username` from `client` while its delay runs.
pub fn check(conn: &mut Db, username: &str, client: &str) -> Result<(), AppError> {
    let now = Utc::now().naive_utc();
    let blocked_until = login_failures::table
        .find((username, client))
        .select(login_failures::blocked_until)
        .first::<NaiveDateTime>(conn)
        .optional()?;
    match blocked_until {
        Some(until) if until > now => Err(AppError::TooManyAttempts {
            retry_after_s: (until - now).num_seconds().max(1) as u64,
        }),
        _ => Ok(()),
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = Integer)]
    failures: i32,
}

/// Records a failed attempt of `username` from `client`.
pub fn failed(conn: &mut Db, username: &str, client: &str) -> Result<(), AppError> {
    let now = Utc::now().naive_utc();
    write_bookkeeping(conn, |conn| {
        diesel::delete(login_failures::table.filter(
            login_failures::updated_at.lt(now - chrono::Duration::seconds(FORGET_AFTER_S)),
        ))
        .execute(conn)?;
        // One statement, the same on both backends, so that two replicas
        // counting at once never lose a failure.
        let counted = diesel::sql_query(
            "INSERT INTO login_failures (username, client, failures, blocked_until, updated_at) \
             VALUES ($1, $2, 1, $3, $3) \
             ON CONFLICT (username, client) DO UPDATE \
             SET failures = login_failures.failures + 1, updated_at = $3 \
             RETURNING failures",
        )
        .bind::<Text, _>(username)
        .bind::<Text, _>(client)
        .bind::<Timestamp, _>(now)
        .get_result::<Count>(conn)?;
        if counted.failures >= FREE_FAILURES {
            let doublings = (counted.failures - FREE_FAILURES).min(16);
            let delay = (1_i64 << doublings).min(MAX_DELAY_S);
            diesel::update(login_failures::table.find((username, client)))
                .set(login_failures::blocked_until.eq(now + chrono::Duration::seconds(delay)))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Clears the record of `username` from `client` after a successful login.
pub fn succeeded(conn: &mut Db, username: &str, client: &str) -> Result<(), AppError> {
    diesel::delete(login_failures::table.find((username, client))).execute(conn)?;
    Ok(())
}
