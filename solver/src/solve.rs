//! The solve pipeline: validate, index, candidates, warm start, price and
//! fix (on a thread of its own, bounded by the time limit), report.

use std::sync::mpsc::{channel, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::candidates::Candidates;
use crate::deadline::Cancel;
use crate::greedy::greedy;
use crate::highs_part::Settings;
use crate::index::Index;
use crate::model::Model;
use crate::optimise::{optimise, Progress};
use crate::pins::check_pins;
use crate::problem::Problem;
use crate::report::report;
use crate::solution::{Solution, Stats, Status};
use crate::solve_error::SolveError;
use crate::validate::validate;

/// The time kept back from the optimisation for the report and for HiGHS
/// to stop: twice the model's build time (the report walks the same data)
/// and a little more, within these shares of the time limit; the call
/// stops waiting for the optimisation halfway through it.
const RESERVE_SHARES: (f64, f64) = (0.05, 0.15);
const RESERVE_EXTRA_S: f64 = 0.1;

/// Solves a staffing problem (SPEC 5).
pub fn solve(problem: &Problem) -> Result<Solution, SolveError> {
    solve_with_progress(problem, |_| {})
}

/// How often a waiting solve looks at its [`Cancel`].
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// How far a solve has got: called each time the best staffing or the bound
/// improves.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgressPoint {
    /// Seconds since the solve started.
    pub elapsed_s: f64,
    /// SPEC 5.4's objective of the best staffing found so far.
    pub objective: f64,
    /// The best upper bound on the optimum proved so far.
    pub bound: f64,
}

/// [`solve`], calling `on_progress` from the calling thread each time the
/// best staffing or the bound improves (the first call is the hand method's
/// staffing with the trivial bound).
///
/// The optimisation runs on a thread of its own and reports each better
/// staffing and bound as it finds them; the call returns the last of them
/// when the optimisation ends or the time limit has passed. HiGHS honours the deadline in its solve loops, but some of its
/// setup checks no clock; an optimisation still running then finishes in
/// the background, its answer dropped.
pub fn solve_with_progress(
    problem: &Problem,
    on_progress: impl FnMut(ProgressPoint),
) -> Result<Solution, SolveError> {
    solve_cancellable(problem, on_progress, &Cancel::default())
}

/// [`solve_with_progress`] that stops when `cancel` is cancelled: HiGHS is
/// interrupted and the best staffing found so far comes back with status
/// `time_limit`, its bound and gap, as at the time limit.
pub fn solve_cancellable(
    problem: &Problem,
    mut on_progress: impl FnMut(ProgressPoint),
    cancel: &Cancel,
) -> Result<Solution, SolveError> {
    let started = Instant::now();
    let seconds = problem.options.time_limit_s.max(0.0);
    let index = checked_index(problem)?;
    let candidates = Candidates::build(&index);
    let warm = greedy(&index, &candidates.per_session);
    let model = Model::build(&index, &candidates);
    let built = started.elapsed().as_secs_f64();
    let reserve = (2.0 * built + RESERVE_EXTRA_S)
        .clamp(seconds * RESERVE_SHARES.0, seconds * RESERVE_SHARES.1);
    let deadline = after(started, seconds - reserve);
    let end = after(started, seconds - reserve / 2.0);
    let mut stats = Stats {
        candidate_pairs: candidates.eligible_pairs,
        pruned_pairs: candidates.pruned_pairs,
        variables: model.column_count(),
        constraints: model.row_count() + model.links.entries(),
        build_ms: started.elapsed().as_millis() as u64,
        ..Stats::default()
    };
    let mut bound = model.trivial_bound(&index);
    let mut warm_columns = vec![false; model.pairs.len()];
    // The greedy staffing takes candidate pairs only: each has a column.
    for k in warm
        .iter()
        .filter_map(|p| model.pairs.binary_search(p).ok())
    {
        warm_columns[k] = true;
    }
    let mut chosen = warm;
    let mut status = Status::TimeLimit;
    let mut objective = model.objective(&warm_columns);
    let mut point = |objective: f64, bound: f64| {
        on_progress(ProgressPoint {
            elapsed_s: started.elapsed().as_secs_f64(),
            objective,
            bound,
        })
    };
    point(objective, bound);
    let solving = Instant::now();
    if Instant::now() < deadline {
        let needed: Vec<usize> = problem.sessions.iter().map(|s| s.needed as usize).collect();
        let settings = Settings {
            mip_gap: problem.options.mip_gap,
            log: std::env::var("STAFFING_SOLVER_LOG").ok(),
            cancel: Some(cancel.clone()),
        };
        let (send, progress) = channel();
        let failed = send.clone();
        std::thread::Builder::new()
            .name("optimise".to_owned())
            .spawn(move || {
                let sent = optimise(&model, &needed, warm_columns, deadline, &settings, |p| {
                    let _ = send.send(Ok(p));
                });
                if let Err(e) = sent {
                    let _ = failed.send(Err(e));
                }
            })
            .map_err(|e| SolveError::Solver(format!("cannot start the optimisation: {e}")))?;
        loop {
            if cancel.is_cancelled() {
                break;
            }
            let wait = end
                .saturating_duration_since(Instant::now())
                .min(CANCEL_POLL);
            if wait.is_zero() {
                break;
            }
            match progress.recv_timeout(wait) {
                Ok(Ok(Progress::Incumbent {
                    pairs,
                    objective: better,
                })) => {
                    chosen = pairs;
                    if better > objective {
                        objective = better;
                        point(objective, bound);
                    }
                }
                Ok(Ok(Progress::Bound(b))) if b < bound => {
                    bound = b;
                    point(objective, bound);
                }
                Ok(Ok(Progress::Bound(_))) => {}
                Ok(Ok(Progress::Done {
                    status: ended,
                    lp_pairs,
                    mip_pairs,
                })) => {
                    status = ended;
                    stats.lp_pairs = lp_pairs;
                    stats.mip_pairs = mip_pairs;
                    break;
                }
                Ok(Err(e)) => return Err(e),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
    }
    stats.solve_ms = solving.elapsed().as_millis() as u64;
    Ok(report(&index, chosen, status, bound, stats))
}

/// The instant `seconds` after `start`, or a year on for a limit beyond that.
fn after(start: Instant, seconds: f64) -> Instant {
    const YEAR: f64 = 365.0 * 86_400.0;
    start + Duration::from_secs_f64(seconds.min(YEAR))
}

/// The objective of the greedy hand method on the full candidate set, for
/// comparison in benchmarks.
pub fn greedy_objective(problem: &Problem) -> Result<f64, SolveError> {
    let index = checked_index(problem)?;
    let candidates = Candidates::build(&index);
    let chosen = greedy(&index, &candidates.per_session);
    Ok(report(
        &index,
        chosen,
        Status::Optimal,
        f64::NEG_INFINITY,
        Stats::default(),
    )
    .objective)
}

pub(crate) fn checked_index(problem: &Problem) -> Result<Index<'_>, SolveError> {
    let errors = validate(problem);
    if !errors.is_empty() {
        return Err(SolveError::Invalid(errors));
    }
    let index = Index::new(problem);
    let errors = check_pins(&index);
    if !errors.is_empty() {
        return Err(SolveError::Invalid(
            errors.into_iter().map(|(_, e)| e).collect(),
        ));
    }
    Ok(index)
}
