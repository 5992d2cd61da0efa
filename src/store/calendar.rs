//! One calendar per person: what makes an instructor busy at a time. Their
//! own unavailability blocks, and the assignments they hold: confirmed, or
//! locked by a planner (a pin of the next run, which nothing removes or
//! blocks as a side effect).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{assignments, sessions, unavailability};
use super::Db;
use crate::vocabulary::AssignmentState;

/// Something in an instructor's calendar: a block or a held assignment.
#[derive(Debug, Clone, Queryable)]
pub struct Busy {
    /// The block's or the assignment's id.
    pub id: String,
    /// The block's note, or the session's title.
    pub what: String,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

/// An assignment someone committed to: confirmed, or locked by a planner
/// (declining unlocks).
pub fn held() -> diesel::dsl::Or<
    diesel::dsl::Eq<assignments::state, AssignmentState>,
    diesel::dsl::Eq<assignments::locked, bool>,
> {
    assignments::state
        .eq(AssignmentState::Confirmed)
        .or(assignments::locked.eq(true))
}

/// The first block of `instructor` that overlaps `[start, end)`, if any.
pub fn block_at(
    conn: &mut Db,
    instructor: &str,
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> QueryResult<Option<Busy>> {
    unavailability::table
        .filter(unavailability::instructor_id.eq(instructor))
        .filter(unavailability::start_at.lt(end))
        .filter(unavailability::end_at.gt(start))
        .order(unavailability::start_at)
        .select((
            unavailability::id,
            unavailability::note,
            unavailability::start_at,
            unavailability::end_at,
        ))
        .first(conn)
        .optional()
}

/// The first assignment `instructor` holds whose session overlaps
/// `[start, end)`, if any.
pub fn held_at(
    conn: &mut Db,
    instructor: &str,
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> QueryResult<Option<Busy>> {
    assignments::table
        .inner_join(sessions::table)
        .filter(assignments::instructor_id.eq(instructor))
        .filter(held())
        .filter(assignments::state.ne(AssignmentState::Declined))
        .filter(sessions::start_at.lt(end))
        .filter(sessions::end_at.gt(start))
        .order(sessions::start_at)
        .select((
            assignments::id,
            sessions::title,
            sessions::start_at,
            sessions::end_at,
        ))
        .first(conn)
        .optional()
}
