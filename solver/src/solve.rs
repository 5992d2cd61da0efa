//! The solve pipeline: validate, index, candidates, warm start, MIP, report.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use good_lp::{highs, SolverModel};
use highs::HighsModelStatus;

use crate::candidates::Candidates;
use crate::deadline::interrupt_at;
use crate::greedy::greedy;
use crate::index::{Index, Inst, Sess};
use crate::model::Model;
use crate::pins::check_pins;
use crate::problem::Problem;
use crate::report::report;
use crate::solution::{Solution, Stats, Status};
use crate::validate::{validate, FieldError};

/// Why a problem could not be solved.
#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    /// The input breaks rules of the contract; every broken rule is listed.
    #[error("the problem is invalid ({} errors)", .0.len())]
    Invalid(Vec<FieldError>),
    /// HiGHS failed in a way a valid problem should never cause.
    #[error("the MIP solver failed: {0}")]
    Solver(String),
}

/// Solves a staffing problem (SPEC 5).
pub fn solve(problem: &Problem) -> Result<Solution, SolveError> {
    let started = Instant::now();
    let index = checked_index(problem)?;
    let candidates = Candidates::build(&index);
    let warm = greedy(&index, &candidates.per_session);
    let model = Model::build(&index, &candidates);
    let mut stats = Stats {
        candidate_pairs: candidates.eligible_pairs,
        pruned_pairs: candidates.pruned_pairs,
        variables: model.vars.len(),
        constraints: model.constraints.len(),
        build_ms: started.elapsed().as_millis() as u64,
        solve_ms: 0,
    };
    let trivial_bound = model.trivial_bound(&index);
    let remaining = problem.options.time_limit_s - started.elapsed().as_secs_f64();
    if remaining <= 0.0 {
        return Ok(report(
            &index,
            warm,
            Status::TimeLimit,
            trivial_bound,
            stats,
        ));
    }
    let solving = Instant::now();
    let mut outcome = run_highs(
        model,
        &index,
        Some(&warm),
        remaining,
        problem.options.mip_gap,
    )?;
    if outcome.stale {
        // HiGHS can report Optimal yet hand back the warm start when presolve
        // solves the whole model (HiGHS issue 907); such models are tiny, so
        // solve again without the seed.
        let remaining = problem.options.time_limit_s - started.elapsed().as_secs_f64();
        let model = Model::build(&index, &candidates);
        outcome = run_highs(
            model,
            &index,
            None,
            remaining.max(0.001),
            problem.options.mip_gap,
        )?;
    }
    stats.solve_ms = solving.elapsed().as_millis() as u64;
    let bound = outcome
        .bound
        .map_or(trivial_bound, |b| b.min(trivial_bound));
    let chosen = outcome.chosen.filter(|_| !outcome.stale).unwrap_or(warm);
    Ok(report(&index, chosen, outcome.status, bound, stats))
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
        return Err(SolveError::Invalid(errors));
    }
    Ok(index)
}

struct Outcome {
    status: Status,
    /// HiGHS's dual bound, when it has a finite one.
    bound: Option<f64>,
    /// The chosen pairs, or `None` when HiGHS stopped without a solution.
    chosen: Option<Vec<(Sess, Inst)>>,
    /// The returned columns do not have the objective HiGHS reports.
    stale: bool,
}

/// Runs HiGHS on the model, seeded with the warm start when one is given,
/// and reads its answer back as pairs.
///
/// HiGHS runs on a thread of its own and the call waits at most
/// `time_limit` (and a second's grace): besides the `time_limit` option and
/// the interrupt callbacks of [`interrupt_at`], which HiGHS honours in its
/// solve loops, some of its setup (the clique table of a large model) checks
/// no clock and can run for minutes. Then the call returns without HiGHS's
/// answer (the caller keeps the warm start) and HiGHS finishes in the
/// background, its answer dropped.
fn run_highs(
    mut model: Model,
    index: &Index,
    warm: Option<&[(Sess, Inst)]>,
    time_limit: f64,
    gap: f64,
) -> Result<Outcome, SolveError> {
    let start = warm.map(|warm| {
        let column: HashMap<(Sess, Inst), usize> = model
            .pairs
            .iter()
            .enumerate()
            .map(|(k, &p)| (p, k))
            .collect();
        let mut chosen = vec![false; model.pairs.len()];
        for pair in warm {
            chosen[column[pair]] = true;
        }
        model.column_values(&chosen)
    });
    let lp = Lp {
        vars: std::mem::take(&mut model.vars),
        objective: std::mem::take(&mut model.objective),
        constraints: std::mem::take(&mut model.constraints),
    };
    let (answer, answered) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("highs".to_owned())
        .spawn(move || {
            let _ = answer.send(solve_lp(lp, start, time_limit, gap));
        })
        .map_err(|e| SolveError::Solver(format!("cannot start HiGHS: {e}")))?;
    let wait = Duration::from_secs_f64(time_limit.max(0.0) + 1.0);
    let raw = match answered.recv_timeout(wait) {
        Ok(raw) => raw?,
        Err(_) => {
            return Ok(Outcome {
                status: Status::TimeLimit,
                bound: None,
                chosen: None,
                stale: false,
            })
        }
    };
    let Some(columns) = raw.columns else {
        return Ok(Outcome {
            status: raw.status,
            bound: raw.bound,
            chosen: None,
            stale: false,
        });
    };
    let on: Vec<bool> = model.x.iter().map(|x| columns[x.at] > 0.5).collect();
    let stale = (model.objective_at(&on, index) - raw.objective).abs()
        > 1e-6 * raw.objective.abs().max(1.0);
    let chosen = model
        .pairs
        .iter()
        .zip(&on)
        .filter(|(_, &on)| on)
        .map(|(&pair, _)| pair)
        .collect();
    Ok(Outcome {
        status: raw.status,
        bound: raw.bound,
        chosen: Some(chosen),
        stale,
    })
}

/// The mathematical program of a [`Model`], as HiGHS's thread takes it.
struct Lp {
    vars: good_lp::ProblemVariables,
    objective: good_lp::Expression,
    constraints: Vec<good_lp::Constraint>,
}

/// What HiGHS answered.
struct RawOutcome {
    status: Status,
    bound: Option<f64>,
    /// Column values of a feasible solution, if it has one.
    columns: Option<Vec<f64>>,
    objective: f64,
}

/// Builds the HiGHS model, sets its options, seeds it with `start` and solves.
fn solve_lp(
    lp: Lp,
    start: Option<Vec<f64>>,
    time_limit: f64,
    gap: f64,
) -> Result<RawOutcome, SolveError> {
    let mut problem = lp.vars.maximise(lp.objective).using(highs);
    for c in lp.constraints {
        problem.add_constraint(c);
    }
    let mut highs_model = problem
        .try_into_inner()
        .map_err(|e| SolveError::Solver(e.to_string()))?;
    // STAFFING_SOLVER_LOG=FILE writes HiGHS's own log there, for tuning.
    let log = std::env::var("STAFFING_SOLVER_LOG").ok();
    set(&mut highs_model, "output_flag", log.is_some())?;
    if let Some(path) = log {
        set(&mut highs_model, "log_to_console", false)?;
        set(&mut highs_model, "log_file", path.as_str())?;
    }
    set(&mut highs_model, "time_limit", time_limit)?;
    set(&mut highs_model, "mip_rel_gap", gap)?;
    set(&mut highs_model, "random_seed", 0)?;
    set(&mut highs_model, "threads", 1)?;
    if let Some(values) = start {
        highs_model.set_solution(Some(&values), None, None, None);
    }
    let deadline = Instant::now() + Duration::from_secs_f64(time_limit.max(0.0));
    let _deadline = interrupt_at(&mut highs_model, deadline);
    let solved = highs_model
        .try_solve()
        .map_err(|e| SolveError::Solver(format!("{e:?}")))?;
    let status = match solved.status() {
        HighsModelStatus::Optimal | HighsModelStatus::ObjectiveBound => Status::Optimal,
        HighsModelStatus::ReachedTimeLimit
        | HighsModelStatus::ReachedIterationLimit
        | HighsModelStatus::ReachedSolutionLimit
        | HighsModelStatus::ReachedInterrupt
        | HighsModelStatus::ReachedMemoryLimit => Status::TimeLimit,
        other => return Err(SolveError::Solver(format!("HiGHS ended with {other:?}"))),
    };
    let bound = solved
        .double_info_value(c"mip_dual_bound")
        .ok()
        .filter(|b| b.is_finite());
    let feasible = solved.primal_solution_status() == highs::HighsSolutionStatus::Feasible;
    Ok(RawOutcome {
        status,
        bound,
        columns: feasible.then(|| solved.get_solution().columns().to_vec()),
        objective: solved.objective_value(),
    })
}

fn set<V: highs::HighsOptionValue>(
    model: &mut highs::Model,
    name: &str,
    value: V,
) -> Result<(), SolveError> {
    model
        .try_set_option(name, value)
        .map_err(|e| SolveError::Solver(format!("setting HiGHS option {name}: {e:?}")))
}
