//! `faculty-pool solve`: the staffing model on a JSON file.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use solver::SolveError;

use crate::commands::report;
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
    // With --summary, the solver's progress goes to standard error as it comes.
    let solved = solver::solve_with_progress(&problem, |p| {
        if summary {
            let gap = (p.bound - p.objective) / p.objective.abs().max(1.0) * 100.0;
            eprintln!(
                "{:>8.2} s  objective {:>14.4}  bound {:>14.4}  gap {gap:.4}%",
                p.elapsed_s, p.objective, p.bound
            );
        }
    });
    match solved {
        Ok(solution) if summary => {
            print!("{}", report::report(&problem, &solution, None));
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
