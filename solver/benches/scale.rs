//! Scale benchmark of the staffing solver (issue: the optimisation core).
//!
//! `cargo bench -p staffing-solver --bench scale` runs every case, each in a
//! child process of its own so that peak memory is the case's own, and prints
//! one table. `cargo bench -p staffing-solver --bench scale -- CASE` runs one;
//! `--time-limit=S`, `--mip-gap=G` and `--seed=N` after it override the
//! case's options and generator seed (a long run with gap 0 gives a
//! reference optimum to compare against).

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
mod checker;

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
            ),
            None => eprintln!("unknown case {name}"),
        }
        return;
    }
    println!(
        "{:<22} {:>9} {:>8} {:>7} {:>7} {:>9} {:>9} {:>8} {:>8} {:>10} {:>13} {:>13} {:>9} {:>13} {:>8} {:>7} {:>8}",
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
        "checker"
    );
    let exe = std::env::current_exe().unwrap_or_default();
    for case in &cases {
        let status = Command::new(&exe).arg(case.name).status();
        if !status.as_ref().is_ok_and(|s| s.success()) {
            println!("{:<22} failed: {status:?}", case.name);
        }
    }
}

fn run(case: &Case, time_limit_s: Option<f64>, mip_gap: Option<f64>, seed: Option<f64>) {
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
            let broken = checker::check(&problem, &s);
            for rule in &broken {
                eprintln!("{}: {rule}", case.name);
            }
            println!(
                "{:<22} {:>9} {:>8} {:>7} {:>7} {:>9} {:>9} {:>8} {:>8} {:>10} {:>13.3} {:>13.3} {:>9.4} {:>13.3} {:>8} {:>7.1} {:>8}",
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
                peak_mib(),
                wall,
                if broken.is_empty() { "ok" } else { "BROKEN" }
            );
        }
        Err(e) => println!("{:<22} error: {e}", case.name),
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
