//! Unavailability blocks: half-open `[start, end)` periods in which an
//! instructor cannot teach. Blocks of one instructor never overlap: a block
//! that would is refused with the block it collides with.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;
use solver::FieldError;
use utoipa::ToSchema;

use super::schema::unavailability;
use super::{calendar, instructors, write_touching, Db, Touched};
use crate::error::AppError;

/// A new block as its author writes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockInput {
    /// RFC 3339 with an offset, e.g. `2027-03-02T00:00:00+08:00`.
    #[serde(deserialize_with = "solver::time_range::time")]
    pub start: DateTime<FixedOffset>,
    /// Exclusive end.
    #[serde(deserialize_with = "solver::time_range::time")]
    pub end: DateTime<FixedOffset>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

/// A stored block (times in UTC).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = unavailability)]
pub struct Block {
    pub id: String,
    pub instructor_id: String,
    pub start_at: NaiveDateTime,
    pub end_at: NaiveDateTime,
    pub note: String,
}

/// The blocks of one instructor, by start (404 for an unknown instructor).
pub fn list(conn: &mut Db, instructor: &str) -> Result<Vec<Block>, AppError> {
    instructors::exists(conn, instructor)?;
    Ok(unavailability::table
        .filter(unavailability::instructor_id.eq(instructor))
        .order(unavailability::start_at)
        .select(Block::as_select())
        .load(conn)?)
}

/// Adds a block; one overlapping an existing block, or the session of one of
/// the instructor's confirmed or locked assignments, is a 409 that names it:
/// such an assignment is declined (by the instructor) or unlocked (by a
/// planner) first, so a block never turns a planner's pin into a run that
/// cannot be solved.
pub fn add(conn: &mut Db, instructor: &str, input: &BlockInput) -> Result<Block, AppError> {
    if input.start >= input.end {
        return Err(AppError::field(
            "end",
            "after_start",
            "end must be after start",
        ));
    }
    if input.note.chars().count() > 500 {
        return Err(AppError::Validation(vec![FieldError::new(
            "note",
            "max_length",
            "at most 500 characters",
        )]));
    }
    let block = Block {
        id: uuid::Uuid::new_v4().to_string(),
        instructor_id: instructor.to_owned(),
        start_at: input.start.naive_utc(),
        end_at: input.end.naive_utc(),
        note: input.note.trim().to_owned(),
    };
    write_touching(
        conn,
        Touched::Instructors(vec![instructor.to_owned()]),
        |conn| {
            instructors::lock(conn, instructor)?;
            let (start, end) = (block.start_at, block.end_at);
            if let Some(other) = calendar::block_at(conn, instructor, start, end)? {
                return Err(AppError::Conflict {
                    kind: "/problems/overlapping-block",
                    detail: format!(
                        "overlaps block {} [{}Z, {}Z); change or remove it first",
                        other.id, other.start, other.end
                    ),
                });
            }
            if let Some(held) = calendar::held_at(conn, instructor, start, end)? {
                return Err(AppError::Conflict {
                    kind: "/problems/block-over-assignment",
                    detail: format!(
                        "overlaps assignment {} to session {} at {}Z, which is confirmed or \
                     locked; decline it (or have the planner unlock it) first",
                        held.id, held.what, held.start
                    ),
                });
            }
            diesel::insert_into(unavailability::table)
                .values(&block)
                .execute(conn)?;
            Ok(block)
        },
    )
}

/// Removes one block of one instructor (404 if it is not theirs).
pub fn remove(conn: &mut Db, instructor: &str, block: &str) -> Result<(), AppError> {
    write_touching(
        conn,
        Touched::Instructors(vec![instructor.to_owned()]),
        |conn| {
            let removed = diesel::delete(
                unavailability::table
                    .find(block)
                    .filter(unavailability::instructor_id.eq(instructor)),
            )
            .execute(conn)?;
            if removed == 0 {
                Err(AppError::NotFound(format!(
                    "instructor {instructor} has no block {block}"
                )))
            } else {
                Ok(())
            }
        },
    )
}
