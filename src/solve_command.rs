//! `faculty-pool solve`: the staffing model on a JSON file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use solver::{Problem, Solution, SolveError};

use crate::problem_details::ProblemDetails;

/// Reads, solves and prints; exit status 2 for invalid input, 1 for a failure.
pub fn run(path: &Path, time_limit: Option<f64>, mip_gap: Option<f64>, summary: bool) -> ExitCode {
    let bytes = match read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("cannot read {}: {e}", path.display());
            return ExitCode::from(1);
        }
    };
    let mut problem = match solver::parse(&bytes) {
        Ok(problem) => problem,
        Err(errors) => return invalid(errors),
    };
    if let Some(t) = time_limit {
        problem.options.time_limit_s = t;
    }
    if let Some(g) = mip_gap {
        problem.options.mip_gap = g;
    }
    match solver::solve(&problem) {
        Ok(solution) if summary => {
            print!("{}", report(&problem, &solution));
            ExitCode::SUCCESS
        }
        Ok(solution) => match serde_json::to_string_pretty(&solution) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cannot write the solution: {e}");
                ExitCode::from(1)
            }
        },
        Err(SolveError::Invalid(errors)) => invalid(errors),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

fn read(path: &Path) -> std::io::Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        Ok(bytes)
    } else {
        std::fs::read(path)
    }
}

fn invalid(errors: Vec<solver::FieldError>) -> ExitCode {
    let body = ProblemDetails::validation(errors);
    eprintln!(
        "{}",
        serde_json::to_string_pretty(&body).unwrap_or_else(|_| body.detail.clone())
    );
    ExitCode::from(2)
}

/// The readable report of `--summary`.
pub fn report(problem: &Problem, solution: &Solution) -> String {
    let mut out = String::new();
    let needed: i64 = problem.sessions.iter().map(|s| s.needed).sum();
    let missing: i64 = solution.unfilled.iter().map(|u| u.missing).sum();
    let _ = writeln!(
        out,
        "Status {:?}: objective {:.4}, bound {:.4}, gap {:.4}%",
        solution.status,
        solution.objective,
        solution.bound,
        solution.gap * 100.0
    );
    let _ = writeln!(
        out,
        "Places filled: {} of {} in {} sessions; {} candidate pairs ({} pruned); build {} ms, solve {} ms",
        needed - missing,
        needed,
        problem.sessions.len(),
        solution.stats.candidate_pairs,
        solution.stats.pruned_pairs,
        solution.stats.build_ms,
        solution.stats.solve_ms
    );

    let cadre: std::collections::HashSet<&str> = problem
        .instructors
        .iter()
        .filter(|i| i.kind == solver::problem::InstructorKind::Cadre)
        .map(|i| i.id.as_str())
        .collect();
    let class_of: BTreeMap<&str, &str> = problem
        .sessions
        .iter()
        .map(|s| (s.id.as_str(), s.class.as_str()))
        .collect();
    let _ = writeln!(
        out,
        "\nClass        assigned  cadres  share   trips  travel km   cost"
    );
    for class in &problem.classes {
        let assigned: Vec<_> = solution
            .assignments
            .iter()
            .filter(|a| class_of.get(a.session.as_str()) == Some(&class.id.as_str()))
            .collect();
        let cadres = assigned
            .iter()
            .filter(|a| cadre.contains(a.instructor.as_str()))
            .count();
        let trips: Vec<_> = solution
            .trips
            .iter()
            .filter(|t| t.class == class.id)
            .collect();
        let share = if assigned.is_empty() {
            0.0
        } else {
            cadres as f64 / assigned.len() as f64
        };
        let _ = writeln!(
            out,
            "{:<12} {:>8}  {:>6}  {:>4.0}%  {:>5}  {:>9.0}  {:>6.3}{}",
            class.id,
            assigned.len(),
            cadres,
            share * 100.0,
            trips.len(),
            trips.iter().map(|t| t.distance_km).sum::<f64>(),
            trips.iter().map(|t| t.cost).sum::<f64>(),
            if share < class.min_cadre_share {
                format!("  (below {:.0}%)", class.min_cadre_share * 100.0)
            } else {
                String::new()
            }
        );
    }

    if solution.unfilled.is_empty() {
        let _ = writeln!(out, "\nEvery session is fully staffed.");
    } else {
        let _ = writeln!(out, "\nUnfilled sessions:");
        for u in &solution.unfilled {
            let e = u.excluded_by;
            let _ = writeln!(
                out,
                "  {}: {} missing, {} eligible; excluded by topic {}, unavailable {}, remote {}, travel {}, exclusion {}",
                u.session, u.missing, u.eligible, e.topic, e.unavailable, e.remote, e.travel, e.exclusion
            );
            for m in &u.near_misses {
                let _ = writeln!(
                    out,
                    "    near miss {} ({}): {}",
                    m.instructor, m.blocked_by, m.detail
                );
            }
        }
    }
    out
}
