//! Scale benchmark of the staffing solver (issue: the optimisation core).
//!
//! `cargo bench -p staffing-solver --bench scale` runs every case, each in a
//! child process of its own so that peak memory is the case's own, and prints
//! one table. `cargo bench -p staffing-solver --bench scale -- CASE` runs one;
//! `--time-limit=S`, `--mip-gap=G` and `--seed=N` after it override the
//! case's options and generator seed (a long run with gap 0 gives a
//! reference optimum to compare against). Each case also solves the whole
//! model written in good_lp (`tests/common/full_model.rs`, every eligible
//! pair, HiGHS) at the same time limit and gap, for comparison in the same
//! run; `--no-full-model` leaves it out.

use std::process::Command;
use std::time::Instant;

use solver::synthetic::{generate, Shape};

/// One benchmark case.
struct Case {
    name: &'static str,
    shape: Shape,
    /// `options.max_candidates_per_session`.
    prune: Option<i64>,
    time_limit_s: f64,
}

fn cases() -> Vec<Case> {
    let case = |name, shape, prune, time_limit_s| Case {
        name,
        shape,
        prune,
        time_limit_s,
    };
    vec![
        case("small-200x120", Shape::new(200, 120, 1), None, 60.0),
        // The target: within 0.01% of the unpruned optimum in 5 s.
        case("province-2000x1000", Shape::new(2000, 1000, 2), None, 5.0),
        // The same province until it is proved within `mip_gap` (0.01%).
        case("province-proof", Shape::new(2000, 1000, 2), None, 600.0),
        // What pruning to 40 candidates per session costs against the above.
        case(
            "province-pruned-40",
            Shape::new(2000, 1000, 2),
            Some(40),
            5.0,
        ),
        case(
            "scarce-2000x1000",
            Shape {
                capacity: (1, 2),
                ..Shape::new(2000, 1000, 3)
            },
            None,
            30.0,
        ),
        case(
            "buffer240-2000x1000",
            Shape {
                travel_buffer_minutes: 240.0,
                ..Shape::new(2000, 1000, 4)
            },
            None,
            30.0,
        ),
        case(
            "national-10000x5000",
            Shape::new(10000, 5000, 5),
            None,
            60.0,
        ),
    ]
}

/// The independent checker of `tests/common`, written apart from the model.
#[path = "../tests/common/mod.rs"]
mod common;
/// The whole model in good_lp, the oracle of the tests.
#[path = "../tests/common/full_model.rs"]
mod full_model;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| {
        args.iter()
            .find_map(|a| a.strip_prefix(name)?.strip_prefix('=')?.parse::<f64>().ok())
    };
    let cases = cases();
    if let Some(name) = args.iter().find(|a| !a.starts_with("--")) {
        match cases.iter().find(|c| c.name == name) {
            Some(case) => run(
                case,
                flag("--time-limit"),
                flag("--mip-gap"),
                flag("--seed"),
                !args.iter().any(|a| a == "--no-full-model"),
            ),
            None => eprintln!("unknown case {name}"),
        }
        return;
    }
    println!(
        "{:<22} {:>9} {:>8} {:>7} {:>7} {:>9} {:>9} {:>8} {:>8} {:>10} {:>13} {:>13} {:>9} {:>13} {:>8} {:>7} {:>8} {:>11} {:>14} {:>11}",
        "case",
        "pairs",
        "pruned",
        "lp",
        "mip",
        "vars",
        "rows",
        "build_ms",
        "solve_ms",
        "status",
        "objective",
        "bound",
        "gap_%",
        "greedy",
        "peak_MiB",
        "wall_s",
        "checker",
        "full_status",
        "full_objective",
        "full_wall_s"
    );
    let exe = std::env::current_exe().unwrap_or_default();
    let passed: Vec<&String> = args.iter().filter(|a| a.starts_with("--")).collect();
    for case in &cases {
        let status = Command::new(&exe).arg(case.name).args(&passed).status();
        if !status.as_ref().is_ok_and(|s| s.success()) {
            println!("{:<22} failed: {status:?}", case.name);
        }
    }
}

fn run(
    case: &Case,
    time_limit_s: Option<f64>,
    mip_gap: Option<f64>,
    seed: Option<f64>,
    with_full_model: bool,
) {
    let mut problem = generate(Shape {
        seed: seed.map_or(case.shape.seed, |s| s as u64),
        ..case.shape
    });
    problem.options.max_candidates_per_session = case.prune;
    problem.options.time_limit_s = time_limit_s.unwrap_or(case.time_limit_s);
    if let Some(gap) = mip_gap {
        problem.options.mip_gap = gap;
    }
    let greedy = solver::greedy_objective(&problem);
    let started = Instant::now();
    match solver::solve(&problem) {
        Ok(s) => {
            let wall = started.elapsed().as_secs_f64();
            // The independent checker of the tests, on every benchmark solution.
            let broken = common::check(&problem, &s);
            for rule in &broken {
                eprintln!("{}: {rule}", case.name);
            }
            let peak = peak_mib();
            let (full_status, full_objective, full_wall) = if with_full_model {
                full_model_column(&problem)
            } else {
                ("-".to_owned(), f64::NAN, f64::NAN)
            };
            println!(
                "{:<22} {:>9} {:>8} {:>7} {:>7} {:>9} {:>9} {:>8} {:>8} {:>10} {:>13.3} {:>13.3} {:>9.4} {:>13.3} {:>8} {:>7.1} {:>8} {:>11} {:>14.3} {:>11.1}",
                case.name,
                s.stats.candidate_pairs,
                s.stats.pruned_pairs,
                s.stats.lp_pairs,
                s.stats.mip_pairs,
                s.stats.variables,
                s.stats.constraints,
                s.stats.build_ms,
                s.stats.solve_ms,
                format!("{:?}", s.status),
                s.objective,
                s.bound,
                s.gap * 100.0,
                greedy.as_ref().map_or(f64::NAN, |g| *g),
                peak,
                wall,
                if broken.is_empty() { "ok" } else { "BROKEN" },
                full_status,
                full_objective,
                full_wall
            );
        }
        Err(e) => println!("{:<22} error: {e}", case.name),
    }
}

/// The full model at the problem's own time limit and gap: its status, the
/// checker's objective of its staffing, and its wall time (building the
/// model included, which good_lp's time limit does not bound).
fn full_model_column(problem: &solver::Problem) -> (String, f64, f64) {
    let started = Instant::now();
    let answer = full_model::solve(
        problem,
        problem.options.time_limit_s,
        problem.options.mip_gap as f32,
    );
    let wall = started.elapsed().as_secs_f64();
    match answer {
        Ok(a) => {
            let view = common::View::new(problem);
            let status = if view.violations(&a.pairs).is_empty() {
                format!("{:?}", a.status)
            } else {
                "BROKEN".to_owned()
            };
            (status, a.objective, wall)
        }
        Err(e) => (format!("none ({e})"), f64::NAN, wall),
    }
}

/// Peak resident memory of this process (VmHWM), in MiB.
fn peak_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
