//! A planner puts an instructor into a session by hand. The same rules as a
//! staffing run's (SPEC 5.2, capacity, no two sessions at once) decide, read
//! from the database inside the transaction that writes; the assignment is
//! locked, so the next run keeps it as a pin.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDateTime, Utc};
use diesel::prelude::*;
use solver::problem::Pair;
use solver::FieldError;

use super::pool::{self, Scope};
use super::problem::{class_of, session_of};
use super::recommend::{road_distances_to, PoolCache};
use crate::error::AppError;
use crate::routing::{self, RoutingConfig};
use crate::store::assignments::{self, Listed};
use crate::store::schema::{assignments as table, sessions};
use crate::store::{exclusions, instructors, plans, write, Db, DbPool};

/// Measures the road from the instructor's home to the venue of an
/// in-person session, where no run has, before [`assign`] reads it: a
/// blocking call to the routing provider, made outside any transaction.
/// Nothing is measured for a remote session or an unknown id ([`assign`]
/// answers those).
pub fn measure_road(
    pool: &DbPool,
    routing: &RoutingConfig,
    session_id: &str,
    instructor_id: &str,
) -> Result<(), AppError> {
    let ends = {
        let conn = &mut *pool.get()?;
        let Ok((detail, class)) = plans::session(conn, session_id) else {
            return Ok(());
        };
        let homes = instructors::homes(conn, &[instructor_id])?;
        match homes.get(instructor_id) {
            Some(&home) if !detail.row.remote => Some((home, (class.lat, class.lon))),
            _ => None,
        }
    };
    match ends {
        Some((home, venue)) => routing::measure(pool, routing, home, venue),
        None => Ok(()),
    }
}

/// Assigns `instructor` to `session`, locked. An existing proposal of the
/// pair is locked instead. 422 at `instructor` naming every rule the
/// instructor fails: `topic`, `unavailable` (a block, or a confirmed session
/// at that time), `remote`, `travel`, `exclusion` (declined, or excluded by a
/// planner), `capacity` (confirmed and locked sessions of the year) and
/// `conflict` (a locked session at that time); 409 when the pair is held
/// already or the session has all it needs confirmed or locked. The
/// distance to the class is the cached road distance, as a run's and a
/// recommendation's, where one is cached ([`measure_road`] caches it).
pub fn assign(
    conn: &mut Db,
    cache: &PoolCache,
    session_id: &str,
    instructor_id: &str,
) -> Result<Listed, AppError> {
    write(conn, |conn| {
        let (detail, class) = plans::session(conn, session_id)
            .map_err(|_| AppError::field("session", "exists", "no such session"))?;
        plans::lock_plan(conn, &class.plan_id)?;
        let year = plans::plan(conn, &class.plan_id)?.year;
        instructors::lock(conn, instructor_id)
            .map_err(|_| AppError::field("instructor", "exists", "no such instructor"))?;
        let on_session = table::table
            .filter(table::session_id.eq(session_id))
            .select((table::id, table::instructor_id, table::state, table::locked))
            .load::<(String, String, String, bool)>(conn)?;
        let existing = on_session
            .iter()
            .find(|(_, who, state, _)| who == instructor_id && state != "declined");
        if let Some((id, _, state, locked)) = existing {
            if state == "confirmed" || *locked {
                return Err(AppError::Conflict {
                    kind: "/problems/already-assigned",
                    detail: "the instructor holds this session already".to_owned(),
                });
            }
            let id = id.clone();
            return assignments::change(conn, &id, assignments::Change::Lock, None);
        }
        let held = on_session
            .iter()
            .filter(|(_, _, state, locked)| state == "confirmed" || *locked)
            .count();
        if held >= usize::try_from(detail.row.needed).unwrap_or(0) {
            return Err(AppError::Conflict {
                kind: "/problems/session-full",
                detail: format!(
                    "the session needs {} and has {held} confirmed or locked; unlock one first",
                    detail.row.needed
                ),
            });
        }
        let Some((_, member)) =
            pool::load(conn, Utc::now().naive_utc(), Scope::One(instructor_id))?
                .into_iter()
                .next()
        else {
            return Err(AppError::field(
                "instructor",
                "exists",
                "no such instructor",
            ));
        };
        let own: HashSet<&str> = [session_id].into_iter().collect();
        // Confirmed sessions elsewhere are busy time and use capacity (the
        // solver's `unavailable` and `capacity`); locked proposals elsewhere
        // use capacity too, and overlapping one is a `conflict`.
        let mut view = member.for_problem(year, &own);
        let mut errors = Vec::new();
        let row = &detail.row;
        for (title, start, end) in held_proposals(conn, session_id, instructor_id)? {
            if start.year() == year {
                view.capacity = (view.capacity - 1).max(0);
            }
            if start < row.end_at && row.start_at < end {
                errors.push(FieldError::new(
                    "instructor",
                    "conflict",
                    format!("holds {title} at the same time"),
                ));
            }
        }
        let mut excluded: Vec<Pair> = exclusions::pairs(conn, &[session_id.to_owned()])?
            .into_iter()
            .chain(
                on_session
                    .iter()
                    .filter(|(_, _, state, _)| state == "declined")
                    .map(|(_, who, _, _)| (session_id.to_owned(), who.clone())),
            )
            .filter(|(_, who)| who == instructor_id)
            .map(|(session, instructor)| Pair {
                session,
                instructor,
            })
            .collect();
        // A decline and a planner's exclusion may both name the pair; the
        // solver takes each pair once, and once is enough.
        excluded.truncate(1);
        let venue = class_of(&class);
        let road = cache.road_km(conn, &[(venue.lat, venue.lon)])?;
        let ranked = solver::recommend_for_session(
            Default::default(),
            [&view],
            &venue,
            &session_of(&detail),
            &excluded,
            &road_distances_to(&venue, &[&view], &road),
            true,
            1,
        )
        .map_err(|e| AppError::Internal(e.into()))?;
        for reason in ranked.into_iter().flat_map(|r| r.reasons) {
            errors.push(FieldError::new("instructor", reason.rule, reason.detail));
        }
        AppError::check(errors)?;
        let now = Utc::now().naive_utc();
        let id = uuid::Uuid::new_v4().to_string();
        diesel::insert_into(table::table)
            .values((
                table::id.eq(&id),
                table::session_id.eq(session_id),
                table::instructor_id.eq(instructor_id),
                table::state.eq("proposed"),
                table::locked.eq(true),
                table::created_at.eq(now),
                table::updated_at.eq(now),
            ))
            .execute(conn)?;
        assignments::get(conn, &id, None)
    })
}

/// The title, start and end of the instructor's locked, unconfirmed
/// assignments of other sessions.
fn held_proposals(
    conn: &mut Db,
    session_id: &str,
    instructor_id: &str,
) -> QueryResult<Vec<(String, NaiveDateTime, NaiveDateTime)>> {
    table::table
        .inner_join(sessions::table)
        .filter(table::instructor_id.eq(instructor_id))
        .filter(table::session_id.ne(session_id))
        .filter(table::state.eq("proposed"))
        .filter(table::locked.eq(true))
        .select((sessions::title, sessions::start_at, sessions::end_at))
        .load(conn)
}
