//! A planner puts an instructor into a session by hand. The same rules as a
//! staffing run's (SPEC 5.2, capacity, no two sessions at once) decide, read
//! from the database inside the transaction that writes; the assignment is
//! locked, so the next run keeps it as a pin.

use std::collections::HashSet;

use chrono::{Datelike, Utc};
use solver::problem::Pair;
use solver::FieldError;

use super::class_limit::{self, Warning};
use super::problem::{class_of, session_of};
use super::recommend::{road_distances_to, PoolCache};
use crate::error::AppError;
use crate::routing::{self, RoutingConfig};
use crate::store::assignments::{self, Listed};
use crate::store::plans::Sessions;
use crate::store::pool::{self, Scope};
use crate::store::reach::{self, Access, Kind, Verdict};
use crate::store::{exclusions, instructors, plans, write_touching, Db, DbPool, Touched};
use crate::vocabulary::AssignmentState;

/// Measures the road from the instructor's home to the venue of an
/// in-person session, where no run has, before [`assign`] reads it: a
/// blocking call to the routing provider, made outside any transaction.
/// Nothing is measured for a remote session, an unknown id or a session
/// `office` does not staff ([`assign`] answers those).
pub fn measure_road(
    pool: &DbPool,
    routing: &RoutingConfig,
    office: &str,
    session_id: &str,
    instructor_id: &str,
) -> Result<(), AppError> {
    let ends = {
        let conn = &mut *pool.get()?;
        let staffs = reach::verdict(conn, office, Kind::Session, session_id, Access::Change)?;
        let found = plans::session(conn, session_id);
        let (Verdict::Allowed, Ok((detail, class))) = (staffs, found) else {
            return Ok(());
        };
        let homes = instructors::homes(conn, &[instructor_id])?;
        match homes.get(instructor_id) {
            Some(home) if !detail.row.remote => {
                Some(((home.lat, home.lon), (class.lat, class.lon)))
            }
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
/// Comes back with a warning when the instructor then holds more sessions
/// of the class than the plan's last run allowed.
pub fn assign(
    conn: &mut Db,
    cache: &PoolCache,
    office: &str,
    session_id: &str,
    instructor_id: &str,
    replace: Option<&str>,
) -> Result<(Listed, Vec<Warning>), AppError> {
    // The instructor put in and the one whose place they take: recommendations
    // read only their holdings again.
    let replaced = replace.and_then(|id| assignments::get(conn, id, None).ok());
    let touched = [instructor_id.to_owned()]
        .into_iter()
        .chain(replaced.map(|a| a.instructor_id))
        .collect();
    write_touching(conn, Touched::Instructors(touched), |conn| {
        match reach::verdict(conn, office, Kind::Session, session_id, Access::Change)? {
            Verdict::Allowed => {}
            Verdict::ReadOnly => {
                return Err(AppError::Forbidden(format!(
                    "session {session_id} is of another office's plan: only its own planners \
                     staff it"
                )))
            }
            Verdict::Hidden => {
                return Err(AppError::field(
                    "session",
                    "unknown_reference",
                    "no such session",
                ))
            }
        }
        let (detail, class) = plans::session(conn, session_id)
            .map_err(|_| AppError::field("session", "unknown_reference", "no such session"))?;
        plans::lock_plan(conn, &class.plan_id)?;
        let plan = plans::plan(conn, &class.plan_id)?;
        let year = plan.year;
        reach::instructor_in_pool(conn, &plan.office_id, instructor_id)?;
        instructors::lock(conn, instructor_id).map_err(|_| {
            AppError::field("instructor", "unknown_reference", "no such instructor")
        })?;
        let warnings = class_limit::warnings(conn, &class, session_id, instructor_id)?;
        let on_session = assignments::holdings(conn, Sessions::Ids(&[session_id]))?;
        let existing = on_session
            .iter()
            .find(|a| a.instructor_id == instructor_id && a.state != AssignmentState::Declined);
        if let Some(existing) = existing {
            if existing.is_held() {
                return Err(AppError::Conflict {
                    kind: "/problems/already-assigned",
                    detail: "the instructor holds this session already".to_owned(),
                });
            }
            let id = existing.id.clone();
            let locked = assignments::change(conn, &id, assignments::Change::Lock, None)?;
            return Ok((locked, warnings));
        }
        let mut taking = on_session
            .iter()
            .filter(|a| a.state != AssignmentState::Declined)
            .collect::<Vec<_>>();
        if let Some(replaced) = replace {
            let Some(k) = taking.iter().position(|a| a.id == replaced) else {
                return Err(AppError::field(
                    "replace",
                    "unknown_reference",
                    "not an assignment of this session (declined ones take no place)",
                ));
            };
            taking.remove(k);
            assignments::remove(conn, replaced)?;
        }
        let needed = usize::try_from(detail.row.needed).unwrap_or(0);
        if taking.len() >= needed {
            return Err(AppError::Conflict {
                kind: "/problems/session-full",
                detail: format!(
                    "the session needs {needed} and holds {} already ({}); name the assignment \
                     to give up in `replace`",
                    taking.len(),
                    taking
                        .iter()
                        .map(|a| a.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
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
                "unknown_reference",
                "no such instructor",
            ));
        };
        let own: HashSet<&str> = [session_id].into_iter().collect();
        // Confirmed sessions elsewhere, and proposals of other offices'
        // plans, are busy time and use capacity (the solver's `unavailable`
        // and `capacity`); locked proposals of the office's other plans use
        // capacity too, and overlapping one is a `conflict`.
        let mut view = member.for_office(year, &own, &plan.office_id);
        let mut errors = Vec::new();
        let row = &detail.row;
        for (title, start, end) in assignments::locked_proposals_elsewhere(
            conn,
            &plan.office_id,
            session_id,
            instructor_id,
        )? {
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
        let mut excluded: Vec<Pair> = exclusions::pairs(conn, Sessions::Ids(&[session_id]))?
            .into_iter()
            .chain(
                on_session
                    .iter()
                    .filter(|a| a.state == AssignmentState::Declined)
                    .map(|a| (session_id.to_owned(), a.instructor_id.clone())),
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
        let id = assignments::insert_locked(conn, session_id, instructor_id)?;
        Ok((assignments::get(conn, &id, None)?, warnings))
    })
}
