//! The staffing-run queue (SPEC 7): queued runs, the worker that holds each
//! running one under a lease, the outcome and its solution.
//!
//! A worker claims the oldest queued run in one statement (with `FOR UPDATE
//! SKIP LOCKED` on PostgreSQL, so replicas sharing the database never claim
//! the same run) and holds a lease on it that it renews while it solves. A
//! run whose lease ran out (its process died) is queued again, up to
//! [`MAX_ATTEMPTS`] times, then marked failed.

use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use serde::de::DeserializeOwned;
use solver::ProgressPoint;

use super::schema::{staffing_run_problems, staffing_runs};
use super::webhooks::{self, EventType};
use super::{plans, serialize_on, write_bookkeeping, Db, Serial};
use crate::error::AppError;
use crate::vocabulary::{Named, RunState};

/// Executions of one run before it is given up.
pub const MAX_ATTEMPTS: i32 = 3;

/// A stored run.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staffing_runs)]
pub struct Run {
    pub id: String,
    pub plan_id: String,
    pub requested_by: String,
    pub state: RunState,
    pub request: String,
    pub as_of: NaiveDateTime,
    pub inputs_digest: Option<String>,
    pub result: Option<String>,
    pub error: Option<String>,
    pub attempts: i32,
    pub worker: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
    pub applied_at: Option<NaiveDateTime>,
    pub dropped_pins: Option<String>,
    pub progress: Option<String>,
    pub distances: Option<String>,
    /// When someone asked the run to stop.
    pub cancel_requested_at: Option<NaiveDateTime>,
    /// The office of its plan.
    pub office_id: String,
}

impl Run {
    /// The request the planner sent.
    pub fn request<T: DeserializeOwned>(&self) -> Result<T, AppError> {
        serde_json::from_str(&self.request).map_err(|e| AppError::Internal(e.into()))
    }

    /// The solver's progress so far, one point per improvement.
    pub fn progress(&self) -> Result<Vec<ProgressPoint>, AppError> {
        json_list(self.progress.as_deref())
    }

    /// The pins the run could not keep.
    pub fn dropped_pins<T: DeserializeOwned>(&self) -> Result<Vec<T>, AppError> {
        json_list(self.dropped_pins.as_deref())
    }

    /// How its distances were measured, when a routing provider is set.
    pub fn distances<T: DeserializeOwned>(&self) -> Result<Option<T>, AppError> {
        self.distances
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| AppError::Internal(e.into()))
    }

    /// The stored solution (`None` until the run is done).
    pub fn solution(&self) -> Result<Option<solver::Solution>, AppError> {
        self.result
            .as_deref()
            .map(|json| serde_json::from_str(json).map_err(|e| AppError::Internal(e.into())))
            .transpose()
    }
}

/// A stored JSON list; none stored is an empty one.
fn json_list<T: DeserializeOwned>(column: Option<&str>) -> Result<Vec<T>, AppError> {
    column
        .map_or(Ok(Vec::new()), serde_json::from_str)
        .map_err(|e| AppError::Internal(e.into()))
}

/// Queues a run of `plan_id` for `requested_by` with the request's JSON.
/// Called inside the transaction that checked the request against the plan.
pub fn insert(
    conn: &mut Db,
    plan_id: &str,
    office_id: &str,
    requested_by: &str,
    request: String,
) -> Result<Run, AppError> {
    let now = Utc::now().naive_utc();
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(staffing_runs::table)
        .values((
            staffing_runs::id.eq(&id),
            staffing_runs::plan_id.eq(plan_id),
            staffing_runs::office_id.eq(office_id),
            staffing_runs::requested_by.eq(requested_by),
            staffing_runs::state.eq(RunState::Queued),
            staffing_runs::request.eq(request),
            staffing_runs::as_of.eq(now),
            staffing_runs::attempts.eq(0),
            staffing_runs::created_at.eq(now),
        ))
        .execute(conn)?;
    get(conn, &id)
}

/// One run (404 if unknown).
pub fn get(conn: &mut Db, id: &str) -> Result<Run, AppError> {
    staffing_runs::table
        .find(id)
        .select(Run::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no staffing run {id}")))
}

/// The runs of a plan, newest first.
pub fn of_plan(conn: &mut Db, plan_id: &str) -> Result<Vec<Run>, AppError> {
    plans::plan(conn, plan_id)?;
    Ok(staffing_runs::table
        .filter(staffing_runs::plan_id.eq(plan_id))
        .order((staffing_runs::created_at.desc(), staffing_runs::id))
        .select(Run::as_select())
        .load(conn)?)
}

/// The request of the plan's newest run, if it has one.
pub fn latest_request(conn: &mut Db, plan_id: &str) -> QueryResult<Option<String>> {
    staffing_runs::table
        .filter(staffing_runs::plan_id.eq(plan_id))
        .order((staffing_runs::created_at.desc(), staffing_runs::id))
        .select(staffing_runs::request)
        .first(conn)
        .optional()
}

/// How many runs are in each state, every state listed.
pub fn counts(conn: &mut Db) -> Result<Vec<(RunState, i64)>, AppError> {
    let stored: Vec<(RunState, i64)> = staffing_runs::table
        .group_by(staffing_runs::state)
        .select((staffing_runs::state, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(RunState::ALL
        .iter()
        .map(|&state| {
            let n = stored.iter().find(|(s, _)| *s == state).map_or(0, |c| c.1);
            (state, n)
        })
        .collect())
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Claims a queued run for `worker`, office by office in turn (SPEC 10):
/// of the offices with queued runs, the one with the fewest runs executing
/// goes first, then the oldest queued run. An office with
/// `max_running_per_office` runs executing gets no more while another
/// office's run waits. Claims are serialised (on PostgreSQL across
/// replicas), so two replicas cannot both count an office as idle.
pub fn claim(
    conn: &mut Db,
    worker: &str,
    lease: Duration,
    max_running_per_office: usize,
) -> Result<Option<String>, AppError> {
    let now = Utc::now().naive_utc();
    let lease_until = now + chrono::Duration::from_std(lease).unwrap_or_default();
    let skip_locked = match conn {
        Db::Postgresql(_) => " FOR UPDATE SKIP LOCKED",
        Db::Sqlite(_) => "",
    };
    let executing = "(SELECT COUNT(*) FROM staffing_runs r \
                     WHERE r.state = $5 AND r.office_id = q.office_id)";
    let sql = format!(
        "UPDATE staffing_runs SET state = $1, worker = $2, attempts = attempts + 1, \
         started_at = $3, lease_until = $4 \
         WHERE id = (SELECT q.id FROM staffing_runs q \
                     WHERE ({executing} < $6 OR NOT EXISTS (SELECT 1 FROM staffing_runs w \
                            WHERE w.state = $7 AND w.office_id <> q.office_id)) \
                     AND q.state = $7 \
                     ORDER BY {executing}, q.created_at, q.id LIMIT 1{skip_locked}) \
         RETURNING id"
    );
    let cap = i64::try_from(max_running_per_office.max(1)).unwrap_or(i64::MAX);
    let claimed = write_bookkeeping(conn, |conn| {
        serialize_on(conn, Serial::Queue)?;
        // Placeholders in the order they first appear: SQLite numbers them so.
        diesel::sql_query(&sql)
            .bind::<Text, _>(RunState::Running)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Text, _>(RunState::Running)
            .bind::<BigInt, _>(cap)
            .bind::<Text, _>(RunState::Queued)
            .load::<Claimed>(conn)
    })?;
    Ok(claimed.into_iter().next().map(|c| c.id))
}

/// Renews `worker`'s lease on a run; false if the run is no longer its own.
pub fn renew(conn: &mut Db, id: &str, worker: &str, lease: Duration) -> Result<bool, AppError> {
    let until = Utc::now().naive_utc() + chrono::Duration::from_std(lease).unwrap_or_default();
    let renewed = diesel::update(mine(id, worker))
        .set(staffing_runs::lease_until.eq(until))
        .execute(conn)?;
    Ok(renewed == 1)
}

/// Queues again the runs whose lease ran out (their process died), or fails
/// them after [`MAX_ATTEMPTS`]. With `all_running`, every running run counts
/// as abandoned: an SQLite database has one server process, so at its start
/// nobody else can be running them.
pub fn recover(conn: &mut Db, all_running: bool) -> Result<usize, AppError> {
    let now = Utc::now().naive_utc();
    // Beyond any lease, as a four-digit year: SQLite compares timestamps as
    // text, and `NaiveDateTime::MAX` would print as "+262142-…".
    let end_of_time = chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .unwrap_or(now);
    let cutoff = if all_running { end_of_time } else { now };
    write_bookkeeping(conn, |conn| {
        let abandoned = staffing_runs::table
            .filter(staffing_runs::state.eq(RunState::Running))
            .filter(staffing_runs::lease_until.lt(cutoff));
        // One asked to stop ends there instead of running again.
        let cancelled =
            diesel::update(abandoned.filter(staffing_runs::cancel_requested_at.is_not_null()))
                .set((
                    staffing_runs::state.eq(RunState::Cancelled),
                    staffing_runs::error.eq("cancelled; its server stopped before the solver did"),
                    staffing_runs::finished_at.eq(now),
                    staffing_runs::lease_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
        let failed = diesel::update(abandoned.filter(staffing_runs::attempts.ge(MAX_ATTEMPTS)))
            .set((
                staffing_runs::state.eq(RunState::Failed),
                staffing_runs::error.eq(format!(
                    "the run was interrupted {MAX_ATTEMPTS} times (its server stopped while solving)"
                )),
                staffing_runs::finished_at.eq(now),
                staffing_runs::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        let requeued = diesel::update(abandoned)
            .set((
                staffing_runs::state.eq(RunState::Queued),
                staffing_runs::worker.eq(None::<String>),
                staffing_runs::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        if cancelled + failed + requeued > 0 {
            tracing::warn!(
                requeued,
                failed,
                cancelled,
                "recovered abandoned staffing runs"
            );
        }
        Ok(requeued + failed + cancelled)
    })
}

/// The query of one run held by one worker.
type HeldRun<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Find<staffing_runs::table, &'a str>,
        diesel::dsl::Eq<staffing_runs::worker, &'a str>,
    >,
    diesel::dsl::Eq<staffing_runs::state, RunState>,
>;

/// `worker`'s run, while it is running.
fn mine<'a>(id: &'a str, worker: &'a str) -> HeldRun<'a> {
    staffing_runs::table
        .find(id)
        .filter(staffing_runs::worker.eq(worker))
        .filter(staffing_runs::state.eq(RunState::Running))
}

/// The solver's progress as stored.
fn progress_json(progress: &[ProgressPoint]) -> Result<String, AppError> {
    serde_json::to_string(progress).map_err(|e| AppError::Internal(e.into()))
}

/// Publishes the progress of `worker`'s run.
pub fn publish(
    conn: &mut Db,
    id: &str,
    worker: &str,
    progress: &[ProgressPoint],
) -> Result<(), AppError> {
    diesel::update(mine(id, worker))
        .set(staffing_runs::progress.eq(progress_json(progress)?))
        .execute(conn)?;
    Ok(())
}

/// Stores how `worker`'s run measured its distances.
pub fn record_distances(
    conn: &mut Db,
    id: &str,
    worker: &str,
    report: &str,
) -> Result<(), AppError> {
    diesel::update(mine(id, worker))
        .set(staffing_runs::distances.eq(report))
        .execute(conn)?;
    Ok(())
}

/// What a solved run stores: the digest and JSON of its problem, its
/// solution's JSON and the pins it dropped, and what the
/// `staffing_run.done` event says of it.
pub struct Solved {
    pub digest: String,
    pub problem: String,
    pub solution: String,
    pub dropped_pins: String,
    pub summary: serde_json::Value,
}

/// How a run's execution ended.
pub enum Outcome {
    /// Solved: `done`.
    Solved(Solved),
    /// Stopped on request: `cancelled`, with the best staffing found by
    /// then when the solver had started.
    Cancelled(Option<Solved>),
    /// `failed`, with why.
    Failed(String),
}

/// Asks a run to stop: a queued one is cancelled at once (it never
/// starts); a running one is marked, and the worker that runs it, on
/// whichever server, stops its solver and ends it `cancelled`. 409 for a
/// run that has ended already.
pub fn request_cancel(conn: &mut Db, id: &str) -> Result<Run, AppError> {
    let now = Utc::now().naive_utc();
    write_bookkeeping(conn, |conn| {
        let run = get(conn, id)?;
        let asked = match run.state {
            RunState::Queued => {
                diesel::update(
                    staffing_runs::table
                        .find(id)
                        .filter(staffing_runs::state.eq(RunState::Queued)),
                )
                .set((
                    staffing_runs::state.eq(RunState::Cancelled),
                    staffing_runs::cancel_requested_at.eq(now),
                    staffing_runs::finished_at.eq(now),
                    staffing_runs::error.eq("cancelled before it started"),
                ))
                .execute(conn)?;
                let data = serde_json::json!({ "run": id, "plan": run.plan_id, "started": false });
                webhooks::emit(conn, &run.office_id, EventType::RunCancelled, data)?;
                1
            }
            RunState::Running => diesel::update(
                staffing_runs::table
                    .find(id)
                    .filter(staffing_runs::state.eq(RunState::Running)),
            )
            .set(staffing_runs::cancel_requested_at.eq(now))
            .execute(conn)?,
            RunState::Done | RunState::Failed | RunState::Cancelled => 0,
        };
        if asked == 0 {
            return Err(AppError::Conflict {
                kind: "/problems/run-ended",
                detail: format!("run {id} is {}; there is nothing to stop", run.state),
            });
        }
        get(conn, id)
    })
}

/// Whether someone asked the run to stop.
pub fn cancel_requested(conn: &mut Db, id: &str) -> Result<bool, AppError> {
    Ok(staffing_runs::table
        .find(id)
        .select(staffing_runs::cancel_requested_at.is_not_null())
        .first::<bool>(conn)
        .optional()?
        .unwrap_or(false))
}

/// Finishes `worker`'s run with its outcome and the solver's whole
/// progress; the `staffing_run.done`, `.cancelled` or `.failed` event goes
/// to the outbox in the same transaction.
pub fn finish(
    conn: &mut Db,
    id: &str,
    worker: &str,
    outcome: Outcome,
    progress: &[ProgressPoint],
) -> Result<(), AppError> {
    let now = Utc::now().naive_utc();
    let progress = progress_json(progress)?;
    write_bookkeeping(conn, |conn| {
        let plan_id: Option<String> = mine(id, worker)
            .select(staffing_runs::plan_id)
            .first(conn)
            .optional()?;
        let Some(plan_id) = plan_id else {
            tracing::warn!(
                run = id,
                "the run was taken over before it finished; result dropped"
            );
            return Ok(());
        };
        let event = match &outcome {
            Outcome::Solved(solved) => {
                diesel::update(mine(id, worker))
                    .set((
                        staffing_runs::state.eq(RunState::Done),
                        staffing_runs::inputs_digest.eq(&solved.digest),
                        staffing_runs::result.eq(&solved.solution),
                        staffing_runs::dropped_pins.eq(&solved.dropped_pins),
                        staffing_runs::progress.eq(&progress),
                        staffing_runs::finished_at.eq(now),
                        staffing_runs::lease_until.eq(None::<NaiveDateTime>),
                    ))
                    .execute(conn)?;
                let mut data = serde_json::json!({ "run": id, "plan": plan_id });
                if let (Some(data), Some(summary)) =
                    (data.as_object_mut(), solved.summary.as_object())
                {
                    data.extend(summary.clone());
                }
                (EventType::RunDone, data)
            }
            Outcome::Cancelled(solved) => {
                diesel::update(mine(id, worker))
                    .set((
                        staffing_runs::state.eq(RunState::Cancelled),
                        staffing_runs::inputs_digest.eq(solved.as_ref().map(|s| &s.digest)),
                        staffing_runs::result.eq(solved.as_ref().map(|s| &s.solution)),
                        staffing_runs::dropped_pins.eq(solved.as_ref().map(|s| &s.dropped_pins)),
                        staffing_runs::progress.eq(&progress),
                        staffing_runs::finished_at.eq(now),
                        staffing_runs::lease_until.eq(None::<NaiveDateTime>),
                    ))
                    .execute(conn)?;
                let mut data = serde_json::json!({ "run": id, "plan": plan_id, "started": true });
                if let (Some(data), Some(summary)) = (
                    data.as_object_mut(),
                    solved.as_ref().and_then(|s| s.summary.as_object()),
                ) {
                    data.extend(summary.clone());
                }
                (EventType::RunCancelled, data)
            }
            Outcome::Failed(error) => {
                diesel::update(mine(id, worker))
                    .set((
                        staffing_runs::state.eq(RunState::Failed),
                        staffing_runs::error.eq(&error),
                        staffing_runs::progress.eq(&progress),
                        staffing_runs::finished_at.eq(now),
                        staffing_runs::lease_until.eq(None::<NaiveDateTime>),
                    ))
                    .execute(conn)?;
                let data = serde_json::json!({ "run": id, "plan": plan_id, "error": error });
                (EventType::RunFailed, data)
            }
        };
        if let Outcome::Solved(solved) | Outcome::Cancelled(Some(solved)) = &outcome {
            diesel::insert_into(staffing_run_problems::table)
                .values((
                    staffing_run_problems::run_id.eq(id),
                    staffing_run_problems::problem.eq(&solved.problem),
                ))
                .execute(conn)?;
        }
        let office = get(conn, id)?.office_id;
        webhooks::emit(conn, &office, event.0, event.1)
    })
}

/// The problem run `id` solved (SPEC 5.1 JSON), once it ended with one.
pub fn problem(conn: &mut Db, id: &str) -> QueryResult<Option<String>> {
    staffing_run_problems::table
        .find(id)
        .select(staffing_run_problems::problem)
        .first(conn)
        .optional()
}

/// Marks a run applied, inside the transaction that applies it.
pub fn mark_applied(conn: &mut Db, id: &str, at: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(staffing_runs::table.find(id))
        .set(staffing_runs::applied_at.eq(at))
        .execute(conn)?;
    Ok(())
}
