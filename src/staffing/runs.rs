//! Staffing runs (SPEC 7): requested over the API, queued in the database,
//! executed by background workers, stored with their solution.
//!
//! A worker claims the oldest queued run in one statement (with `FOR UPDATE
//! SKIP LOCKED` on PostgreSQL, so replicas sharing the database never claim
//! the same run) and holds a lease on it that it renews while it solves. A
//! run whose lease ran out (its process died) is queued again, up to
//! [`MAX_ATTEMPTS`] times, then marked failed.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

use super::problem::{self, DroppedPin, RunRequest};
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::routing::{self, DistanceReport, RoutingConfig};
use crate::store::plans;
use crate::store::schema::staffing_runs;
use crate::store::{webhooks, write, write_bookkeeping, Db, DbKind, DbPool};
use solver::ProgressPoint;

/// Executions of one run before it is given up.
pub const MAX_ATTEMPTS: i32 = 3;

/// A stored run.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staffing_runs)]
pub struct Run {
    pub id: String,
    pub plan_id: String,
    pub requested_by: String,
    pub state: String,
    pub request: String,
    pub as_of: NaiveDateTime,
    pub inputs_digest: Option<String>,
    pub problem: Option<String>,
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
}

impl Run {
    pub fn request(&self) -> Result<RunRequest, AppError> {
        serde_json::from_str(&self.request).map_err(|e| AppError::Internal(e.into()))
    }

    /// The solver's progress so far, one point per improvement.
    pub fn progress(&self) -> Result<Vec<ProgressPoint>, AppError> {
        json_list(self.progress.as_deref())
    }

    /// The pins the run could not keep.
    pub fn dropped_pins(&self) -> Result<Vec<DroppedPin>, AppError> {
        json_list(self.dropped_pins.as_deref())
    }

    /// How its distances were measured, when a routing provider is set.
    pub fn distances(&self) -> Result<Option<DistanceReport>, AppError> {
        self.distances
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| AppError::Internal(e.into()))
    }
}

/// A stored JSON list; none stored is an empty one.
fn json_list<T: serde::de::DeserializeOwned>(column: Option<&str>) -> Result<Vec<T>, AppError> {
    column
        .map_or(Ok(Vec::new()), serde_json::from_str)
        .map_err(|e| AppError::Internal(e.into()))
}

/// How the workers run.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Runs solved at once by this process (0: this process only serves the API).
    pub concurrency: usize,
    /// How long a claim lasts without renewal.
    pub lease: Duration,
    /// How often an idle worker looks for queued runs.
    pub poll: Duration,
    /// Cap on a run's `time_limit_s`.
    pub max_time_limit_s: f64,
    /// Where road distances come from (great-circle distances without one).
    pub routing: Option<RoutingConfig>,
}

/// Queues a run of `plan_id` (404 if the plan is unknown, 422 if the
/// request's parameters or classes are wrong).
pub fn create(
    conn: &mut Db,
    plan_id: &str,
    requested_by: &str,
    request: &RunRequest,
    max_time_limit_s: f64,
) -> Result<Run, AppError> {
    request.parameters(max_time_limit_s)?;
    write(conn, |conn| {
        let plan = plans::plan(conn, plan_id)?;
        let now = Utc::now().naive_utc();
        // Refuse unknown classes now rather than fail in the background.
        problem::check_classes(conn, &plan, request)?;
        let run = Run {
            id: uuid::Uuid::new_v4().to_string(),
            plan_id: plan.id,
            requested_by: requested_by.to_owned(),
            state: "queued".to_owned(),
            request: serde_json::to_string(request).map_err(|e| AppError::Internal(e.into()))?,
            as_of: now,
            inputs_digest: None,
            problem: None,
            result: None,
            error: None,
            attempts: 0,
            worker: None,
            lease_until: None,
            created_at: now,
            started_at: None,
            finished_at: None,
            applied_at: None,
            dropped_pins: None,
            progress: None,
            distances: None,
        };
        diesel::insert_into(staffing_runs::table)
            .values((
                staffing_runs::id.eq(&run.id),
                staffing_runs::plan_id.eq(&run.plan_id),
                staffing_runs::requested_by.eq(&run.requested_by),
                staffing_runs::state.eq(&run.state),
                staffing_runs::request.eq(&run.request),
                staffing_runs::as_of.eq(run.as_of),
                staffing_runs::attempts.eq(0),
                staffing_runs::created_at.eq(run.created_at),
            ))
            .execute(conn)?;
        Ok(run)
    })
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

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Claims the oldest queued run for `worker`, if there is one.
fn claim(conn: &mut Db, worker: &str, lease: Duration) -> Result<Option<String>, AppError> {
    let now = Utc::now().naive_utc();
    let lease_until = now + chrono::Duration::from_std(lease).unwrap_or_default();
    let skip_locked = match conn {
        Db::Postgresql(_) => " FOR UPDATE SKIP LOCKED",
        Db::Sqlite(_) => "",
    };
    let sql = format!(
        "UPDATE staffing_runs SET state = 'running', worker = $1, attempts = attempts + 1, \
         started_at = $2, lease_until = $3 \
         WHERE id = (SELECT id FROM staffing_runs WHERE state = 'queued' \
                     ORDER BY created_at, id LIMIT 1{skip_locked}) \
         RETURNING id"
    );
    let claimed = write_bookkeeping(conn, |conn| {
        diesel::sql_query(&sql)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(now)
            .bind::<Timestamp, _>(lease_until)
            .load::<Claimed>(conn)
    })?;
    Ok(claimed.into_iter().next().map(|c| c.id))
}

/// Renews `worker`'s lease on a run; false if the run is no longer its own.
fn renew(conn: &mut Db, id: &str, worker: &str, lease: Duration) -> Result<bool, AppError> {
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
            .filter(staffing_runs::state.eq("running"))
            .filter(staffing_runs::lease_until.lt(cutoff));
        let failed = diesel::update(abandoned.filter(staffing_runs::attempts.ge(MAX_ATTEMPTS)))
            .set((
                staffing_runs::state.eq("failed"),
                staffing_runs::error.eq(format!(
                    "the run was interrupted {MAX_ATTEMPTS} times (its server stopped while solving)"
                )),
                staffing_runs::finished_at.eq(now),
                staffing_runs::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        let requeued = diesel::update(abandoned)
            .set((
                staffing_runs::state.eq("queued"),
                staffing_runs::worker.eq(None::<String>),
                staffing_runs::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        if failed + requeued > 0 {
            tracing::warn!(requeued, failed, "recovered abandoned staffing runs");
        }
        Ok(requeued + failed)
    })
}

/// What a solved run stores: the digest and JSON of its problem, and its
/// solution's JSON.
struct Solved {
    digest: String,
    problem: String,
    solution: String,
    dropped_pins: String,
    summary: Summary,
}

/// What the `staffing_run.done` event says of a solution.
struct Summary {
    status: &'static str,
    objective: f64,
    gap: f64,
    assignments: usize,
    unfilled: usize,
}

/// The query of one run held by one worker.
type HeldRun<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Find<staffing_runs::table, &'a str>,
        diesel::dsl::Eq<staffing_runs::worker, &'a str>,
    >,
    diesel::dsl::Eq<staffing_runs::state, &'static str>,
>;

/// `worker`'s run, while it is running.
fn mine<'a>(id: &'a str, worker: &'a str) -> HeldRun<'a> {
    staffing_runs::table
        .find(id)
        .filter(staffing_runs::worker.eq(worker))
        .filter(staffing_runs::state.eq("running"))
}

/// The solver's progress as stored.
fn progress_json(progress: &[ProgressPoint]) -> Result<String, AppError> {
    serde_json::to_string(progress).map_err(|e| AppError::Internal(e.into()))
}

/// Publishes the progress of `worker`'s run.
fn publish(
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

/// Finishes `worker`'s run with a result or an error, and the solver's
/// whole progress; the `staffing_run.done` or `.failed` event goes to the
/// outbox in the same transaction.
fn finish(
    conn: &mut Db,
    id: &str,
    worker: &str,
    outcome: Result<Solved, String>,
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
        let event = match outcome {
            Ok(solved) => {
                diesel::update(mine(id, worker))
                    .set((
                        staffing_runs::state.eq("done"),
                        staffing_runs::inputs_digest.eq(&solved.digest),
                        staffing_runs::problem.eq(&solved.problem),
                        staffing_runs::result.eq(&solved.solution),
                        staffing_runs::dropped_pins.eq(&solved.dropped_pins),
                        staffing_runs::progress.eq(&progress),
                        staffing_runs::finished_at.eq(now),
                        staffing_runs::lease_until.eq(None::<NaiveDateTime>),
                    ))
                    .execute(conn)?;
                let s = &solved.summary;
                let data = serde_json::json!({
                    "run": id, "plan": plan_id, "status": s.status, "objective": s.objective,
                    "gap": s.gap, "assignments": s.assignments, "unfilled": s.unfilled,
                });
                (webhooks::EventType::RunDone, data)
            }
            Err(error) => {
                diesel::update(mine(id, worker))
                    .set((
                        staffing_runs::state.eq("failed"),
                        staffing_runs::error.eq(&error),
                        staffing_runs::progress.eq(&progress),
                        staffing_runs::finished_at.eq(now),
                        staffing_runs::lease_until.eq(None::<NaiveDateTime>),
                    ))
                    .execute(conn)?;
                let data = serde_json::json!({ "run": id, "plan": plan_id, "error": error });
                (webhooks::EventType::RunFailed, data)
            }
        };
        webhooks::emit(conn, event.0, event.1)
    })
}

/// Builds the run's problem, solves it and stores the outcome, renewing the
/// lease meanwhile.
fn execute(
    pool: &DbPool,
    id: &str,
    worker: &str,
    config: &WorkerConfig,
    metrics: &Metrics,
) -> Result<(), AppError> {
    let started = std::time::Instant::now();
    let mut conn = pool.get()?;
    let run = get(&mut conn, id)?;
    let request = run.request()?;
    let plan = plans::plan(&mut conn, &run.plan_id)?;
    let built = request
        .parameters(config.max_time_limit_s)
        .and_then(|parameters| problem::for_run(&mut conn, &plan, &request, parameters, run.as_of));
    let mut built = match built {
        Ok(built) => built,
        Err(AppError::Validation(errors)) => {
            let detail = serde_json::to_string(&errors).unwrap_or_default();
            metrics.run_finished("failed", started.elapsed().as_secs_f64(), None);
            return finish(&mut conn, id, worker, Err(detail), &[]);
        }
        Err(e) => return Err(e),
    };
    drop(conn);
    if let Some(routing) = &config.routing {
        let report = routing::fill(pool, routing, &mut built.problem)?;
        let report = serde_json::to_string(&report).map_err(|e| AppError::Internal(e.into()))?;
        diesel::update(mine(id, worker))
            .set(staffing_runs::distances.eq(report))
            .execute(&mut *pool.get()?)?;
    }
    let problem_json =
        serde_json::to_string(&built.problem).map_err(|e| AppError::Internal(e.into()))?;
    let digest = problem::digest(&built.problem)?;
    let dropped_pins =
        serde_json::to_string(&built.dropped_pins).map_err(|e| AppError::Internal(e.into()))?;
    let shared = (Mutex::new(Shared::default()), Condvar::new());
    let solution = std::thread::scope(|scope| {
        scope.spawn(|| heartbeat(pool, id, worker, config, &shared));
        let solution = solve_caught(&built.problem, |problem| {
            solver::solve_with_progress(problem, |point| {
                if let Ok(mut state) = shared.0.lock() {
                    state.progress.push(point);
                }
                shared.1.notify_all();
            })
        });
        if let Ok(mut state) = shared.0.lock() {
            state.finished = true;
        }
        shared.1.notify_all();
        solution
    });
    let progress = shared
        .0
        .lock()
        .map(|s| s.progress.clone())
        .unwrap_or_default();
    let summary = solution.as_ref().ok().map(|s| Summary {
        status: match s.status {
            solver::Status::Optimal => "optimal",
            solver::Status::TimeLimit => "time_limit",
        },
        objective: s.objective,
        gap: s.gap,
        assignments: s.assignments.len(),
        unfilled: s.unfilled.len(),
    });
    let outcome_name = if summary.is_some() { "done" } else { "failed" };
    metrics.run_finished(
        outcome_name,
        started.elapsed().as_secs_f64(),
        summary.as_ref().map(|s| (s.status, s.gap)),
    );
    let outcome = solution.and_then(|solution| {
        let summary = summary.ok_or_else(String::new)?;
        serde_json::to_string(&solution)
            .map(|json| Solved {
                digest,
                problem: problem_json,
                solution: json,
                dropped_pins,
                summary,
            })
            .map_err(|e| e.to_string())
    });
    finish(&mut *pool.get()?, id, worker, outcome, &progress)
}

/// What a solving worker shares with its heartbeat.
#[derive(Default)]
struct Shared {
    finished: bool,
    progress: Vec<ProgressPoint>,
}

/// While the run solves: renews the worker's lease every third of it, and
/// publishes the solver's progress as soon as it improves.
fn heartbeat(
    pool: &DbPool,
    id: &str,
    worker: &str,
    config: &WorkerConfig,
    (lock, wake): &(Mutex<Shared>, Condvar),
) {
    let mut published = 0;
    let mut renewed_at = std::time::Instant::now();
    loop {
        let fresh = {
            let Ok(state) = lock.lock() else { return };
            let waited = wake.wait_timeout_while(state, config.lease / 3, |s| {
                !s.finished && s.progress.len() == published
            });
            let Ok((state, _)) = waited else { return };
            if state.finished {
                return;
            }
            (state.progress.len() > published).then(|| state.progress.clone())
        };
        let written = pool.get().map_err(AppError::from).and_then(|mut conn| {
            if let Some(points) = &fresh {
                publish(&mut conn, id, worker, points)?;
                published = points.len();
            }
            if renewed_at.elapsed() >= config.lease / 3 {
                renewed_at = std::time::Instant::now();
                renew(&mut conn, id, worker, config.lease)?;
            }
            Ok(())
        });
        if let Err(e) = written {
            tracing::warn!(run = id, error = %e, "could not renew the lease or publish progress");
        }
    }
}

/// Runs `solve` on `problem`; a failure, or a panic (a bug), becomes the
/// reason the run failed, and the worker lives on.
fn solve_caught(
    problem: &solver::Problem,
    solve: impl FnOnce(&solver::Problem) -> Result<solver::Solution, solver::SolveError>,
) -> Result<solver::Solution, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| solve(problem))) {
        Ok(Ok(solution)) => Ok(solution),
        Ok(Err(solver::SolveError::Invalid(errors))) => {
            Err(serde_json::to_string(&errors).unwrap_or_default())
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %message, "the solver panicked");
            Err(format!(
                "the solver stopped on an internal error ({message}); the run can be started again"
            ))
        }
    }
}

/// Wakes idle workers when a run is queued by this process.
#[derive(Default)]
pub struct Doorbell {
    rung: Mutex<bool>,
    wake: Condvar,
}

impl Doorbell {
    pub fn ring(&self) {
        if let Ok(mut rung) = self.rung.lock() {
            *rung = true;
        }
        self.wake.notify_all();
    }

    fn wait(&self, timeout: Duration) {
        if let Ok(rung) = self.rung.lock() {
            if let Ok((mut rung, _)) = self.wake.wait_timeout_while(rung, timeout, |r| !*r) {
                *rung = false;
            }
        }
    }
}

/// Starts the background workers: first recovers abandoned runs, then each
/// worker claims and executes runs until the process ends.
pub fn start_workers(
    pool: DbPool,
    kind: DbKind,
    config: WorkerConfig,
    doorbell: Arc<Doorbell>,
    metrics: Arc<Metrics>,
) -> anyhow::Result<()> {
    recover(&mut *pool.get()?, kind == DbKind::Sqlite)?;
    let process = uuid::Uuid::new_v4().simple().to_string();
    for n in 0..config.concurrency {
        let (pool, config, doorbell, metrics) = (
            pool.clone(),
            config.clone(),
            doorbell.clone(),
            metrics.clone(),
        );
        let worker = format!("{}-{n}", &process[..12]);
        std::thread::Builder::new()
            .name(format!("staffing-worker-{n}"))
            .spawn(move || loop {
                let next = pool.get().map_err(AppError::from).and_then(|mut conn| {
                    recover(&mut conn, false)?;
                    claim(&mut conn, &worker, config.lease)
                });
                match next {
                    Ok(Some(id)) => {
                        tracing::info!(run = %id, %worker, "staffing run started");
                        let executed =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                execute(&pool, &id, &worker, &config, &metrics)
                            }));
                        match executed {
                            Ok(Ok(())) => tracing::info!(run = %id, "staffing run finished"),
                            Ok(Err(e)) => {
                                tracing::error!(run = %id, error = %e, "staffing run failed")
                            }
                            // Left to its lease: the next attempt, or the
                            // attempt limit, ends it.
                            Err(_) => tracing::error!(run = %id, "staffing run panicked"),
                        }
                    }
                    Ok(None) => doorbell.wait(config.poll),
                    Err(e) => {
                        tracing::error!(error = %e, "cannot claim staffing runs");
                        std::thread::sleep(config.poll);
                    }
                }
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_solver_panic_fails_the_run_with_a_reason() {
        let problem: solver::Problem =
            solver::parse(br#"{"instructors": [], "classes": [], "sessions": []}"#).unwrap();
        let failed = solve_caught(&problem, |_| panic!("index out of bounds")).unwrap_err();
        assert!(
            failed.contains("internal error (index out of bounds)"),
            "{failed}"
        );
        let solved = solve_caught(&problem, solver::solve).unwrap();
        assert!(solved.assignments.is_empty());
    }

    /// While a run solves, each improvement is in the database within a
    /// moment, for `GET /staffing-runs/{id}` to show.
    #[test]
    fn progress_is_published_while_the_run_solves() {
        use diesel::connection::SimpleConnection;
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::store::open(&dir.path().join("db").to_string_lossy(), 2).unwrap();
        pool.get()
            .unwrap()
            .batch_execute(
                "INSERT INTO users (id, username, password_hash, role, created_at) \
                 VALUES ('u', 'planner', 'x', 'planner', '2026-01-01 00:00:00');
                 INSERT INTO plans (id, name, year, tier, owner_id, created_at) \
                 VALUES ('p', 'plan', 2027, 'county', 'u', '2026-01-01 00:00:00');
                 INSERT INTO staffing_runs (id, plan_id, requested_by, state, request, as_of, \
                 attempts, created_at) VALUES ('r', 'p', 'u', 'queued', '{}', \
                 '2026-01-01 00:00:00', 0, '2026-01-01 00:00:00');",
            )
            .unwrap();
        let config = WorkerConfig {
            concurrency: 1,
            lease: Duration::from_secs(30),
            poll: Duration::from_secs(1),
            max_time_limit_s: 60.0,
            routing: None,
        };
        let claimed = claim(&mut pool.get().unwrap(), "w", config.lease).unwrap();
        assert_eq!(claimed.as_deref(), Some("r"));
        let stored = || {
            get(&mut pool.get().unwrap(), "r")
                .unwrap()
                .progress()
                .unwrap()
        };
        let shared = (Mutex::new(Shared::default()), Condvar::new());
        std::thread::scope(|scope| {
            let beating = scope.spawn(|| heartbeat(&pool, "r", "w", &config, &shared));
            for k in 1..=2 {
                let point = ProgressPoint {
                    elapsed_s: f64::from(k),
                    objective: -10.0 / f64::from(k),
                    bound: -1.0,
                };
                shared.0.lock().unwrap().progress.push(point);
                shared.1.notify_all();
                let deadline = std::time::Instant::now() + Duration::from_secs(5);
                while stored().len() < k as usize {
                    assert!(std::time::Instant::now() < deadline, "not published: {k}");
                    std::thread::sleep(Duration::from_millis(10));
                }
                assert_eq!(stored().last(), Some(&point));
            }
            shared.0.lock().unwrap().finished = true;
            shared.1.notify_all();
            beating.join().unwrap();
        });
    }
}
