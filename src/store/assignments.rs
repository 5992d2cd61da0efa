//! Assignments of instructors to sessions: proposed by staffing runs,
//! locked and confirmed by planners, declined by instructors.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;

use super::calendar;
use super::plans::Sessions;
use super::reach::{self, Kind};
use super::schema::{assignments, classes, instructors, offices, plans, sessions};
use super::webhooks::{self, EventType};
use super::{write_touching, Backend, Db, Touched};
use crate::error::AppError;
use crate::vocabulary::{AssignmentState, InstructorKind, StoredKind};

/// An assignment with what a reader needs to know about its session.
#[derive(Debug, Clone, Queryable)]
pub struct Listed {
    pub id: String,
    pub session_id: String,
    pub instructor_id: String,
    pub state: AssignmentState,
    pub locked: bool,
    pub run_id: Option<String>,
    pub decline_reason: Option<String>,
    pub updated_at: NaiveDateTime,
    pub instructor_name: String,
    #[diesel(deserialize_as = StoredKind)]
    pub instructor_kind: InstructorKind,
    /// The office that keeps the instructor (whose pool they come from).
    pub instructor_office: String,
    pub instructor_office_name: String,
    pub session_title: String,
    pub start_at: NaiveDateTime,
    pub end_at: NaiveDateTime,
    pub remote: bool,
    pub class_id: String,
    pub class_name: String,
    pub city: String,
    pub plan_id: String,
}

/// Filters of the assignment list.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignmentFilter {
    pub plan: Option<String>,
    pub class: Option<String>,
    pub session: Option<String>,
    pub instructor: Option<String>,
    pub state: Option<AssignmentState>,
    /// The proposals a staffing run made when it was applied (those it kept
    /// from before carry the run that made them).
    pub run: Option<String>,
}

/// Assignments matching `filter`, in session time order, of any office
/// (for a plan or an instructor the caller reached already).
pub fn list(conn: &mut Db, filter: &AssignmentFilter) -> Result<Vec<Listed>, AppError> {
    select(conn, filter, None, None)
}

/// Assignments matching `filter` of the plans `office` reads.
pub fn list_within(
    conn: &mut Db,
    office: &str,
    filter: &AssignmentFilter,
) -> Result<Vec<Listed>, AppError> {
    select(conn, filter, None, Some(office))
}

fn select(
    conn: &mut Db,
    filter: &AssignmentFilter,
    id: Option<&str>,
    within: Option<&str>,
) -> Result<Vec<Listed>, AppError> {
    let mut query = assignments::table
        .inner_join(
            instructors::table
                .inner_join(offices::table.on(offices::id.eq(instructors::owner_office_id))),
        )
        .inner_join(sessions::table.inner_join(classes::table))
        .into_boxed::<Backend>();
    if let Some(office) = within {
        query = query.filter(classes::plan_id.eq_any(super::reach::plan_ids_of(office)));
    }
    if let Some(plan) = &filter.plan {
        query = query.filter(classes::plan_id.eq(plan));
    }
    if let Some(class) = &filter.class {
        query = query.filter(classes::id.eq(class));
    }
    if let Some(session) = &filter.session {
        query = query.filter(sessions::id.eq(session));
    }
    if let Some(instructor) = &filter.instructor {
        query = query.filter(assignments::instructor_id.eq(instructor));
    }
    if let Some(state) = filter.state {
        query = query.filter(assignments::state.eq(state));
    }
    if let Some(run) = &filter.run {
        query = query.filter(assignments::run_id.eq(run));
    }
    if let Some(id) = id {
        query = query.filter(assignments::id.eq(id));
    }
    Ok(query
        .order((sessions::start_at, sessions::id, instructors::name))
        .select((
            assignments::id,
            assignments::session_id,
            assignments::instructor_id,
            assignments::state,
            assignments::locked,
            assignments::run_id,
            assignments::decline_reason,
            assignments::updated_at,
            instructors::name,
            instructors::kind,
            instructors::owner_office_id,
            offices::name,
            sessions::title,
            sessions::start_at,
            sessions::end_at,
            sessions::remote,
            classes::id,
            classes::name,
            classes::city,
            classes::plan_id,
        ))
        .load(conn)?)
}

/// One assignment (404 if unknown, or not `instructor`'s when given).
pub fn get(conn: &mut Db, id: &str, instructor: Option<&str>) -> Result<Listed, AppError> {
    let filter = AssignmentFilter {
        instructor: instructor.map(str::to_owned),
        ..AssignmentFilter::default()
    };
    select(conn, &filter, Some(id), None)?
        .pop()
        .ok_or_else(|| AppError::NotFound(format!("no assignment {id}")))
}

/// A planner's change of an assignment.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    Lock,
    Unlock,
    Confirm,
}

/// Locks, unlocks or confirms an assignment (only `instructor`'s own when
/// given: an instructor accepting a proposal confirms it); declined ones
/// cannot be, nor can one be locked or confirmed while its instructor is
/// unavailable at the session (it would be a pin no run could keep).
pub fn change(
    conn: &mut Db,
    id: &str,
    change: Change,
    instructor: Option<&str>,
) -> Result<Listed, AppError> {
    let touched = Touched::Instructors(vec![get(conn, id, instructor)?.instructor_id]);
    write_touching(conn, touched, |conn| {
        let current = get(conn, id, instructor)?;
        if current.state == AssignmentState::Declined {
            return Err(AppError::Conflict {
                kind: "/problems/declined",
                detail: format!("assignment {id} was declined by the instructor"),
            });
        }
        if matches!(change, Change::Lock | Change::Confirm) {
            super::instructors::lock(conn, &current.instructor_id)?;
            let (start, end) = (current.start_at, current.end_at);
            if let Some(block) = calendar::block_at(conn, &current.instructor_id, start, end)? {
                return Err(AppError::Conflict {
                    kind: "/problems/instructor-unavailable",
                    detail: format!(
                        "the instructor is unavailable at this session (block {} [{}Z, {}Z))",
                        block.id, block.start, block.end
                    ),
                });
            }
        }
        let now = chrono::Utc::now().naive_utc();
        let target = assignments::table.find(id);
        match change {
            Change::Lock => diesel::update(target)
                .set((
                    assignments::locked.eq(true),
                    assignments::updated_at.eq(now),
                ))
                .execute(conn)?,
            Change::Unlock => diesel::update(target)
                .set((
                    assignments::locked.eq(false),
                    assignments::updated_at.eq(now),
                ))
                .execute(conn)?,
            Change::Confirm => diesel::update(target)
                .set((
                    assignments::state.eq(AssignmentState::Confirmed),
                    assignments::updated_at.eq(now),
                ))
                .execute(conn)?,
        };
        let changed = get(conn, id, None)?;
        if matches!(change, Change::Confirm) && current.state != AssignmentState::Confirmed {
            let office = reach::office_of(conn, Kind::Assignment, id)?;
            webhooks::emit(
                conn,
                &office,
                EventType::AssignmentConfirmed,
                event_data(&changed),
            )?;
        }
        Ok(changed)
    })
}

/// An instructor declines one of their own assignments, with a reason;
/// 409 once its session has started.
pub fn decline(
    conn: &mut Db,
    id: &str,
    instructor: &str,
    reason: &str,
) -> Result<Listed, AppError> {
    if reason.trim().is_empty() || reason.chars().count() > 500 {
        return Err(AppError::field(
            "reason",
            "length",
            "a reason of 1 to 500 characters",
        ));
    }
    let touched = Touched::Instructors(vec![instructor.to_owned()]);
    write_touching(conn, touched, |conn| {
        let current = get(conn, id, Some(instructor))?;
        if current.state == AssignmentState::Declined {
            return Err(AppError::Conflict {
                kind: "/problems/declined",
                detail: format!("assignment {id} is already declined"),
            });
        }
        if current.start_at <= chrono::Utc::now().naive_utc() {
            return Err(AppError::Conflict {
                kind: "/problems/session-started",
                detail: format!(
                    "the session of assignment {id} has started; a session under way or held \
                     cannot be declined"
                ),
            });
        }
        diesel::update(assignments::table.find(id))
            .set((
                assignments::state.eq(AssignmentState::Declined),
                assignments::locked.eq(false),
                assignments::decline_reason.eq(reason.trim()),
                assignments::updated_at.eq(chrono::Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        let declined = get(conn, id, Some(instructor))?;
        let mut data = event_data(&declined);
        data["reason"] = reason.trim().into();
        let office = reach::office_of(conn, Kind::Assignment, id)?;
        webhooks::emit(conn, &office, EventType::AssignmentDeclined, data)?;
        Ok(declined)
    })
}

/// What an assignment's events say of it.
fn event_data(a: &Listed) -> serde_json::Value {
    serde_json::json!({
        "assignment": a.id, "plan": a.plan_id, "class": a.class_id, "session": a.session_id,
        "instructor": a.instructor_id, "instructor_name": a.instructor_name,
        "session_title": a.session_title, "class_name": a.class_name,
        "start_at": a.start_at.and_utc(), "end_at": a.end_at.and_utc(),
    })
}

/// An assignment of a session as the staffing rules read it.
#[derive(Debug, Clone, Queryable)]
pub struct Holding {
    pub id: String,
    pub session_id: String,
    pub instructor_id: String,
    pub state: AssignmentState,
    pub locked: bool,
}

impl Holding {
    /// Confirmed, or locked by a planner: a pin of the next run.
    pub fn is_held(&self) -> bool {
        self.state == AssignmentState::Confirmed || self.locked
    }
}

/// Every assignment of `sessions`.
pub fn holdings(conn: &mut Db, of: Sessions) -> QueryResult<Vec<Holding>> {
    let query = || {
        assignments::table
            .select((
                assignments::id,
                assignments::session_id,
                assignments::instructor_id,
                assignments::state,
                assignments::locked,
            ))
            .into_boxed::<Backend>()
    };
    match of {
        Sessions::All => query().load(conn),
        Sessions::Ids(ids) => super::chunked(ids, |chunk| {
            query()
                .filter(assignments::session_id.eq_any(chunk))
                .load(conn)
        }),
        Sessions::OfPlan(..) => {
            let classes = of.classes(conn)?;
            let classes: Vec<&str> = classes.iter().map(String::as_str).collect();
            super::chunked(&classes, |chunk| {
                query()
                    .filter(
                        assignments::session_id.eq_any(
                            sessions::table
                                .filter(sessions::class_id.eq_any(chunk))
                                .select(sessions::id),
                        ),
                    )
                    .load(conn)
            })
        }
    }
}

/// The title, start and end of `instructor`'s locked, unconfirmed
/// assignments of sessions other than `session_id` in plans of `office`
/// (other offices' proposals are busy time already, SPEC 10).
pub fn locked_proposals_elsewhere(
    conn: &mut Db,
    office: &str,
    session_id: &str,
    instructor: &str,
) -> QueryResult<Vec<(String, NaiveDateTime, NaiveDateTime)>> {
    assignments::table
        .inner_join(sessions::table.inner_join(classes::table.inner_join(plans::table)))
        .filter(plans::office_id.eq(office))
        .filter(assignments::instructor_id.eq(instructor))
        .filter(assignments::session_id.ne(session_id))
        .filter(assignments::state.eq(AssignmentState::Proposed))
        .filter(assignments::locked.eq(true))
        .select((sessions::title, sessions::start_at, sessions::end_at))
        .load(conn)
}

/// Removes one assignment (a planner's replacement by hand).
pub fn remove(conn: &mut Db, id: &str) -> QueryResult<()> {
    diesel::delete(assignments::table.find(id)).execute(conn)?;
    Ok(())
}

/// Puts `instructor` into `session` as a locked proposal (a planner's own
/// choice); returns its id.
pub fn insert_locked(conn: &mut Db, session: &str, instructor: &str) -> QueryResult<String> {
    let now = chrono::Utc::now().naive_utc();
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(assignments::table)
        .values((
            assignments::id.eq(&id),
            assignments::session_id.eq(session),
            assignments::instructor_id.eq(instructor),
            assignments::state.eq(AssignmentState::Proposed),
            assignments::locked.eq(true),
            assignments::created_at.eq(now),
            assignments::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// What writing a run's staffing changed: the assignments it made and
/// those it removed, each (assignment, session, instructor).
#[derive(Debug, Default)]
pub struct Written {
    pub made: Vec<(String, String, String)>,
    pub removed: Vec<(String, String, String)>,
}

/// How many rows [`write_staffing`] deletes or inserts in one statement:
/// 8 bound values a row stays within SQLite's limit of 32,766.
const ROWS_PER_STATEMENT: usize = 1000;

/// A run's staffing written over its sessions, which hold `holdings` (read
/// in the same transaction), exactly as the run's changes show it: every
/// one of those assignments that is not declined
/// and not in `staffing` is removed (unlocked proposals, and the confirmed
/// or locked ones the run had to drop as pins: their instructor became
/// unavailable, say), declined ones stay, and each pair of `staffing` not
/// held already becomes a proposal of `run`.
pub fn write_staffing(
    conn: &mut Db,
    run: &str,
    holdings: Vec<Holding>,
    staffing: &[(String, String)],
) -> QueryResult<Written> {
    let now = chrono::Utc::now().naive_utc();
    let wanted: std::collections::HashSet<(&str, &str)> = staffing
        .iter()
        .map(|(s, i)| (s.as_str(), i.as_str()))
        .collect();
    let mut written = Written::default();
    let mut kept = std::collections::HashSet::new();
    for holding in holdings {
        let pair = (holding.session_id, holding.instructor_id);
        let stays = holding.state == AssignmentState::Declined
            || wanted.contains(&(pair.0.as_str(), pair.1.as_str()));
        if stays {
            kept.insert(pair);
        } else {
            written.removed.push((holding.id, pair.0, pair.1));
        }
    }
    let removed: Vec<&str> = written
        .removed
        .iter()
        .map(|(id, _, _)| id.as_str())
        .collect();
    for chunk in removed.chunks(ROWS_PER_STATEMENT) {
        diesel::delete(assignments::table.filter(assignments::id.eq_any(chunk))).execute(conn)?;
    }
    written.made = staffing
        .iter()
        .filter(|pair| !kept.contains(*pair))
        .map(|(session, instructor)| {
            let id = uuid::Uuid::new_v4().to_string();
            (id, session.clone(), instructor.clone())
        })
        .collect();
    for chunk in written.made.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(id, session, instructor)| {
                (
                    assignments::id.eq(id),
                    assignments::session_id.eq(session),
                    assignments::instructor_id.eq(instructor),
                    assignments::state.eq(AssignmentState::Proposed),
                    assignments::locked.eq(false),
                    assignments::run_id.eq(run),
                    assignments::created_at.eq(now),
                    assignments::updated_at.eq(now),
                )
            })
            .collect();
        on_backend!(conn, |c| diesel::insert_into(assignments::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(written)
}
