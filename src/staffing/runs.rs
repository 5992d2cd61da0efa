//! Staffing runs (SPEC 7): requested over the API, queued in the database
//! ([`crate::store::runs`]), executed by background workers, stored with
//! their solution. Workers sleep on the [`QueueSignal`] between polls, so a
//! run queued by this process starts at once.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use super::inputs;
use super::problem::{self, RunRequest};
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::routing::{self, RoutingConfig};
use crate::store::plans::Sessions;
use crate::store::runs::{self, Outcome, Run, Solved};
use crate::store::{assignments, plans, write_bookkeeping, Db, DbKind, DbPool};
use crate::vocabulary::RunState;
use solver::ProgressPoint;

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
    /// Runs of one office executing at once while another office's run
    /// waits (SPEC 10).
    pub max_running_per_office: usize,
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
    let (_, options) = request.parameters(f64::INFINITY)?;
    if options.time_limit_s > max_time_limit_s {
        return Err(AppError::field(
            "options.time_limit_s",
            "max",
            format!("at most {max_time_limit_s} s on this server (MAX_TIME_LIMIT_S)"),
        ));
    }
    let json = serde_json::to_string(request).map_err(|e| AppError::Internal(e.into()))?;
    // Queueing changes nothing a cache of pool data holds: during a
    // national burst, counting it as a write made every replica read its
    // 100,000-instructor snapshot again whole for the next recommendation.
    write_bookkeeping(conn, |conn| {
        let plan = plans::plan(conn, plan_id)?;
        // Refuse unknown classes now rather than fail in the background.
        problem::check_classes(conn, &plan, request)?;
        runs::insert(conn, &plan.id, &plan.office_id, requested_by, json)
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
    let run = runs::get(&mut conn, id)?;
    let request: RunRequest = run.request()?;
    let plan = plans::plan(&mut conn, &run.plan_id)?;
    let only = request.only_classes();
    // A request the solver refuses fails the run with the rules it breaks.
    let refused = |conn: &mut Db, error: AppError| match error {
        AppError::Validation(errors) => {
            let detail = serde_json::to_string(&errors).unwrap_or_default();
            metrics.run_finished(RunState::Failed, started.elapsed().as_secs_f64(), None);
            runs::finish(conn, id, worker, Outcome::Failed(detail), &[])
        }
        e => Err(e),
    };
    let parameters = match request.parameters(config.max_time_limit_s) {
        Ok(parameters) => parameters,
        Err(e) => return refused(&mut conn, e),
    };
    let holdings = assignments::holdings(&mut conn, Sessions::OfPlan(&plan.id, only))?;
    // The inputs first: a change made while the problem is read shows.
    let inputs = inputs::read(&mut conn, &plan, only, &parameters, &holdings)?;
    let built = problem::for_run(&mut conn, &plan, &request, parameters, run.as_of);
    let mut built = match built {
        Ok(built) => built,
        Err(e) => return refused(&mut conn, e),
    };
    drop(conn);
    if let Some(routing) = &config.routing {
        let report = routing::fill(pool, routing, &mut built.problem)?;
        let report = serde_json::to_string(&report).map_err(|e| AppError::Internal(e.into()))?;
        runs::record_distances(&mut *pool.get()?, id, worker, &report)?;
    }
    let problem_json =
        serde_json::to_string(&built.problem).map_err(|e| AppError::Internal(e.into()))?;
    let dropped_pins =
        serde_json::to_string(&built.dropped_pins).map_err(|e| AppError::Internal(e.into()))?;
    // Asked to stop while the problem was built or its roads measured.
    if runs::cancel_requested(&mut *pool.get()?, id)? {
        metrics.run_finished(RunState::Cancelled, started.elapsed().as_secs_f64(), None);
        return runs::finish(&mut *pool.get()?, id, worker, Outcome::Cancelled(None), &[]);
    }
    let shared = (Mutex::new(Shared::default()), Condvar::new());
    let cancel = solver::Cancel::default();
    let solution = std::thread::scope(|scope| {
        scope.spawn(|| heartbeat(pool, id, worker, config, &shared, &cancel));
        let solution = solve_caught(&built.problem, |problem| {
            let progress = |point| {
                if let Ok(mut state) = shared.0.lock() {
                    state.progress.push(point);
                }
                shared.1.notify_all();
            };
            solver::solve_cancellable(problem, progress, &cancel)
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
    let status = solution.as_ref().ok().map(|s| match s.status {
        solver::Status::Optimal => "optimal",
        solver::Status::TimeLimit => "time_limit",
    });
    let ended = match (&solution, cancel.is_cancelled()) {
        (Err(_), _) => RunState::Failed,
        (Ok(_), true) => RunState::Cancelled,
        (Ok(_), false) => RunState::Done,
    };
    metrics.run_finished(
        ended,
        started.elapsed().as_secs_f64(),
        status.zip(solution.as_ref().ok().map(|s| s.gap)),
    );
    let solved = solution.and_then(|solution| {
        let summary = serde_json::json!({
            "status": status, "objective": solution.objective, "gap": solution.gap,
            "assignments": solution.assignments.len(), "unfilled": solution.unfilled.len(),
        });
        let digest = inputs.digest(&solution).map_err(|e| e.to_string())?;
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
    let outcome = match (solved, ended) {
        (Ok(solved), RunState::Cancelled) => Outcome::Cancelled(Some(solved)),
        (Ok(solved), _) => Outcome::Solved(solved),
        (Err(error), _) => Outcome::Failed(error),
    };
    runs::finish(&mut *pool.get()?, id, worker, outcome, &progress)
}

/// How often a solving worker looks whether its run was asked to stop.
const CANCEL_POLL: Duration = Duration::from_millis(250);

/// What a solving worker shares with its heartbeat.
#[derive(Default)]
struct Shared {
    finished: bool,
    progress: Vec<ProgressPoint>,
}

/// While the run solves: renews the worker's lease every third of it,
/// publishes the solver's progress as soon as it improves, and stops the
/// solver (`cancel`) once someone asked the run to stop, from any server.
fn heartbeat(
    pool: &DbPool,
    id: &str,
    worker: &str,
    config: &WorkerConfig,
    (lock, wake): &(Mutex<Shared>, Condvar),
    cancel: &solver::Cancel,
) {
    let mut published = 0;
    let mut renewed_at = std::time::Instant::now();
    loop {
        let fresh = {
            let Ok(state) = lock.lock() else { return };
            let pause = (config.lease / 3).min(CANCEL_POLL);
            let waited = wake.wait_timeout_while(state, pause, |s| {
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
                runs::publish(&mut conn, id, worker, points)?;
                published = points.len();
            }
            if renewed_at.elapsed() >= config.lease / 3 {
                renewed_at = std::time::Instant::now();
                runs::renew(&mut conn, id, worker, config.lease)?;
            }
            if !cancel.is_cancelled() && runs::cancel_requested(&mut conn, id)? {
                tracing::info!(run = id, "stopping the solver: the run was cancelled");
                cancel.cancel();
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

/// Wakes this process's idle workers when it queues a run, so the run
/// starts without waiting for their next poll.
#[derive(Default)]
pub struct QueueSignal {
    queued: Mutex<bool>,
    wake: Condvar,
}

impl QueueSignal {
    /// Says that a run was queued.
    pub fn notify(&self) {
        if let Ok(mut queued) = self.queued.lock() {
            *queued = true;
        }
        self.wake.notify_all();
    }

    /// Waits until a run is queued, or `timeout` passes.
    fn wait(&self, timeout: Duration) {
        if let Ok(queued) = self.queued.lock() {
            if let Ok((mut queued, _)) = self.wake.wait_timeout_while(queued, timeout, |q| !*q) {
                *queued = false;
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
    signal: Arc<QueueSignal>,
    metrics: Arc<Metrics>,
) -> anyhow::Result<()> {
    runs::recover(&mut *pool.get()?, kind == DbKind::Sqlite)?;
    // The process id, for whoever reads a run's `worker`; a random part
    // keeps it unique across hosts and restarts.
    let process = format!(
        "{}-{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    for n in 0..config.concurrency {
        let (pool, config, signal, metrics) = (
            pool.clone(),
            config.clone(),
            signal.clone(),
            metrics.clone(),
        );
        let worker = format!("{process}-{n}");
        std::thread::Builder::new()
            .name(format!("staffing-worker-{n}"))
            .spawn(move || loop {
                let next = pool.get().map_err(AppError::from).and_then(|mut conn| {
                    runs::recover(&mut conn, false)?;
                    runs::claim(
                        &mut conn,
                        &worker,
                        config.lease,
                        config.max_running_per_office,
                    )
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
                    Ok(None) => signal.wait(config.poll),
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
            max_running_per_office: 1,
            routing: None,
        };
        let claimed = runs::claim(&mut pool.get().unwrap(), "w", config.lease, 1).unwrap();
        assert_eq!(claimed.as_deref(), Some("r"));
        let stored = || {
            runs::get(&mut pool.get().unwrap(), "r")
                .unwrap()
                .progress()
                .unwrap()
        };
        let shared = (Mutex::new(Shared::default()), Condvar::new());
        let cancel = solver::Cancel::default();
        std::thread::scope(|scope| {
            let beating = scope.spawn(|| heartbeat(&pool, "r", "w", &config, &shared, &cancel));
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
