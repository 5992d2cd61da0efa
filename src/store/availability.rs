//! Unavailability blocks: half-open `[start, end)` periods in which an
//! instructor cannot teach. Blocks of one instructor never overlap: a block
//! that would is refused with the block it collides with.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;
use solver::FieldError;
use utoipa::ToSchema;

use super::schema::unavailability;
use super::{instructors, write, Db};
use crate::error::AppError;

/// A new block as its author writes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockInput {
    /// RFC 3339 with an offset, e.g. `2027-03-02T00:00:00+08:00`.
    pub start: DateTime<FixedOffset>,
    /// Exclusive end.
    pub end: DateTime<FixedOffset>,
    #[serde(default)]
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

/// Adds a block; one overlapping an existing block is a 409 that names it.
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
    write(conn, |conn| {
        instructors::lock(conn, instructor)?;
        let overlapping = unavailability::table
            .filter(unavailability::instructor_id.eq(instructor))
            .filter(unavailability::start_at.lt(block.end_at))
            .filter(unavailability::end_at.gt(block.start_at))
            .select(Block::as_select())
            .first(conn)
            .optional()?;
        if let Some(other) = overlapping {
            return Err(AppError::Conflict {
                kind: "/problems/overlapping-block",
                detail: format!(
                    "overlaps block {} [{}Z, {}Z); change or remove it first",
                    other.id, other.start_at, other.end_at
                ),
            });
        }
        diesel::insert_into(unavailability::table)
            .values(&block)
            .execute(conn)?;
        Ok(block)
    })
}

/// Removes one block of one instructor (404 if it is not theirs).
pub fn remove(conn: &mut Db, instructor: &str, block: &str) -> Result<(), AppError> {
    write(conn, |conn| {
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
    })
}
