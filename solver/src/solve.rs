//! The solve pipeline: validate, index, candidates, warm start, MIP, report.

use std::collections::HashMap;
use std::time::Instant;

use good_lp::{highs, SolverModel};
use highs::HighsModelStatus;

use crate::candidates::Candidates;
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

/// Runs HiGHS on the model, seeded with the warm start when one is given.
fn run_highs(
    mut model: Model,
    index: &Index,
    warm: Option<&[(Sess, Inst)]>,
    time_limit: f64,
    gap: f64,
) -> Result<Outcome, SolveError> {
    let vars = std::mem::take(&mut model.vars);
    let objective = std::mem::take(&mut model.objective);
    let mut problem = vars.maximise(objective).using(highs);
    for c in std::mem::take(&mut model.constraints) {
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
    if let Some(warm) = warm {
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
        highs_model.set_solution(Some(&model.column_values(&chosen)), None, None, None);
    }
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
    if solved.primal_solution_status() != highs::HighsSolutionStatus::Feasible {
        return Ok(Outcome {
            status,
            bound,
            chosen: None,
            stale: false,
        });
    }
    let solution = solved.get_solution();
    let columns = solution.columns();
    let on: Vec<bool> = model.x.iter().map(|x| columns[x.at] > 0.5).collect();
    let stale = (model.objective_at(&on, index) - solved.objective_value()).abs()
        > 1e-6 * solved.objective_value().abs().max(1.0);
    let chosen = model
        .pairs
        .iter()
        .zip(&on)
        .filter(|(_, &on)| on)
        .map(|(&pair, _)| pair)
        .collect();
    Ok(Outcome {
        status,
        bound,
        chosen: Some(chosen),
        stale,
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
