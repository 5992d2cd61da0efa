//! One calendar per person: what makes an instructor busy at a time. Their
//! own unavailability blocks, and the assignments they hold: confirmed, or
//! locked by a planner (a pin of the next run, which nothing removes or
//! blocks as a side effect).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{assignments, classes, offices, plans, sessions, unavailability};
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

/// An assignment held outside a plan that the plan's staffing must leave
/// room for (SPEC 10, one calendar per person).
#[derive(Debug, Clone, Queryable)]
pub struct HeldElsewhere {
    pub instructor: String,
    pub session_title: String,
    /// The name of the office whose plan holds it.
    pub office: String,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

/// What `instructors` hold outside plan `plan` of `office`: confirmed
/// sessions anywhere and proposals of other offices' plans, which a run of
/// the plan sees as busy time that uses capacity.
pub fn held_elsewhere(
    conn: &mut Db,
    plan: &str,
    office: &str,
    instructors: &[&str],
) -> QueryResult<Vec<HeldElsewhere>> {
    assignments::table
        .inner_join(sessions::table.inner_join(classes::table.inner_join(
            plans::table.inner_join(offices::table.on(offices::id.eq(plans::office_id))),
        )))
        .filter(assignments::instructor_id.eq_any(instructors))
        .filter(assignments::state.ne(AssignmentState::Declined))
        .filter(plans::id.ne(plan))
        .filter(
            assignments::state
                .eq(AssignmentState::Confirmed)
                .or(plans::office_id.ne(office)),
        )
        .order((assignments::instructor_id, sessions::start_at))
        .select((
            assignments::instructor_id,
            sessions::title,
            offices::name,
            sessions::start_at,
            sessions::end_at,
        ))
        .load(conn)
}
