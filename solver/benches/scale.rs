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
//!
//! `cargo bench -p staffing-solver --bench scale -- spread` solves each
//! provincial case with `weights.balance` 0 and 1 (15 s each,
//! `--time-limit=S`) and prints what balance buys and costs: instructors
//! used, their largest and median share of their capacity, the share of
//! classes where one person teaches more than a third of the sessions, and
//! the objective's parts.
//!
//! `cargo bench -p staffing-solver --bench scale -- seeds` runs each
//! provincial case on seeds 1–5 (`--seeds=N` for more): at 5 s, at 5 s
//! beside two busy loops, and until proved within the default gap (0.01%,
//! at most `--proof-limit=S`, 60 s by default), and prints each seed and the
//! worst and median over the seeds; `--case=NAME` runs one case, and
//! `--balance=B` and `--class-limit=M` (here and on one case) set the
//! planner's rules of SPEC 5.3–5.4. A 5-second staffing's distance to the
//! optimum lies between its shortfall from the best staffing any of the
//! three runs found and its gap to the lowest bound any of them proved;
//! both are printed.

use std::process::{Child, Command, Stdio};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use solver::synthetic::{generate, Shape};

/// One benchmark case.
struct Case {
    name: &'static str,
    shape: Shape,
    /// `options.max_candidates_per_session`.
    prune: Option<i64>,
    time_limit_s: f64,
    /// Whether the seed sweep runs it.
    swept: bool,
}

fn cases() -> Vec<Case> {
    let case = |name, shape, prune, time_limit_s| Case {
        name,
        shape,
        prune,
        time_limit_s,
        swept: false,
    };
    // The provinces of the seed sweep, each at 5 s: unpruned, the target is
    // within 0.01% of the optimum.
    let swept = |name, shape| Case {
        swept: true,
        ..case(name, shape, None, 5.0)
    };
    // 150 classes starting within ten weeks (three for the conflict-heavy
    // one), as offices plan them.
    let overlapping = |seed| Shape::overlapping(2000, 1000, 10, seed);
    vec![
        case("small-200x120", Shape::new(200, 120, 1), None, 60.0),
        swept("province-2000x1000", Shape::new(2000, 1000, 2)),
        // The same province until it is proved within `mip_gap` (0.01%).
        case("province-proof", Shape::new(2000, 1000, 2), None, 600.0),
        // What pruning to 40 candidates per session costs against the above.
        case(
            "province-pruned-40",
            Shape::new(2000, 1000, 2),
            Some(40),
            5.0,
        ),
        swept("overlap-2000x1000", overlapping(6)),
        swept("conflict-2000x1000", Shape::overlapping(2000, 1000, 3, 7)),
        swept(
            "scarce-2000x1000",
            Shape {
                capacity: (1, 2),
                ..overlapping(3)
            },
        ),
        swept(
            "buffer240-2000x1000",
            Shape {
                travel_buffer_minutes: 240.0,
                ..overlapping(4)
            },
        ),
        // One province's plan: venues within 2° of Wuhan, most cadres at
        // home there, experts in the national hubs.
        swept(
            "hub-2000x1000",
            Shape {
                province: Some((30.59, 114.30)),
                ..Shape::new(2000, 1000, 8)
            },
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
    let has = |name: &str| args.iter().any(|a| a == name);
    // `--balance=B` and `--class-limit=M` set the planner's rules on every
    // solve; `--case=NAME` keeps the seed sweep to one case.
    let rules: Vec<String> = args
        .iter()
        .filter(|a| a.starts_with("--balance=") || a.starts_with("--class-limit="))
        .cloned()
        .collect();
    let only = args.iter().find_map(|a| a.strip_prefix("--case="));
    let cases: Vec<Case> = cases()
        .into_iter()
        .filter(|c| only.is_none_or(|name| c.name == name))
        .collect();
    match args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(String::as_str)
    {
        Some("busy-loop") => busy_loop(),
        Some("spread") => spread(&cases, flag("--time-limit").unwrap_or(15.0)),
        Some("seeds") => sweep(
            &cases,
            flag("--seeds").map_or(5, |n| n as u64),
            flag("--proof-limit").unwrap_or(60.0),
            &rules,
        ),
        Some(name) => match cases.iter().find(|c| c.name == name) {
            Some(case) => run(
                case,
                Overrides {
                    time_limit_s: flag("--time-limit"),
                    mip_gap: flag("--mip-gap"),
                    seed: flag("--seed"),
                    balance: flag("--balance"),
                    class_limit: flag("--class-limit"),
                },
                !has("--no-full-model"),
                has("--json"),
            ),
            None => eprintln!("unknown case {name}"),
        },
        None => table(&cases, &args),
    }
}

/// Every case once, one row each, with the full model beside it.
fn table(cases: &[Case], args: &[String]) {
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
    let passed: Vec<&String> = args.iter().filter(|a| a.starts_with("--")).collect();
    for case in cases {
        let status = Command::new(exe()).arg(case.name).args(&passed).status();
        if !status.as_ref().is_ok_and(|s| s.success()) {
            println!("{:<22} failed: {status:?}", case.name);
        }
    }
}

/// What the command line changes in a case.
struct Overrides {
    time_limit_s: Option<f64>,
    mip_gap: Option<f64>,
    seed: Option<f64>,
    balance: Option<f64>,
    class_limit: Option<f64>,
}

fn run(case: &Case, set: Overrides, with_full_model: bool, json: bool) {
    let mut problem = generate(Shape {
        seed: set.seed.map_or(case.shape.seed, |s| s as u64),
        balance: set.balance.unwrap_or(case.shape.balance),
        ..case.shape
    });
    problem.options.max_candidates_per_session = case.prune;
    problem.options.time_limit_s = set.time_limit_s.unwrap_or(case.time_limit_s);
    problem.options.max_sessions_per_class = set.class_limit.map(|m| m as i64);
    if let Some(gap) = set.mip_gap {
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
            if json {
                let outcome = Outcome {
                    status: format!("{:?}", s.status),
                    objective: s.objective,
                    bound: s.bound,
                    wall_s: wall,
                    checked: broken.is_empty(),
                };
                println!("{}", serde_json::to_string(&outcome).unwrap_or_default());
                return;
            }
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

/// Each swept case at balance 0 and 1: the staffing's spread and the
/// objective's parts (SPEC 5.4).
fn spread(cases: &[Case], time_limit_s: f64) {
    println!(
        "{:<22} {:>7} {:>10} {:>7} {:>6} {:>9} {:>9} {:>10} {:>10} {:>9} {:>8} {:>10} {:>9} {:>11} {:>8}",
        "case",
        "balance",
        "status",
        "gap_%",
        "used",
        "max_load",
        "med_load",
        "one>1/3_%",
        "scores",
        "travel",
        "unfilled",
        "shortfall",
        "balance",
        "objective",
        "checker"
    );
    for case in cases.iter().filter(|c| c.swept) {
        for balance in [0.0, 1.0] {
            let mut problem = generate(Shape {
                balance,
                ..case.shape
            });
            problem.options.time_limit_s = time_limit_s;
            let s = match solver::solve(&problem) {
                Ok(s) => s,
                Err(e) => {
                    println!("{:<22} error: {e}", case.name);
                    continue;
                }
            };
            let checked = common::check(&problem, &s).is_empty();
            let capacity: std::collections::HashMap<&str, i64> = problem
                .instructors
                .iter()
                .map(|i| (i.id.as_str(), i.capacity))
                .collect();
            let class_of: std::collections::HashMap<&str, &str> = problem
                .sessions
                .iter()
                .map(|x| (x.id.as_str(), x.class.as_str()))
                .collect();
            let mut load: std::collections::HashMap<&str, usize> = Default::default();
            let mut in_class: std::collections::HashMap<(&str, &str), usize> = Default::default();
            for a in &s.assignments {
                *load.entry(a.instructor.as_str()).or_default() += 1;
                *in_class
                    .entry((class_of[a.session.as_str()], a.instructor.as_str()))
                    .or_default() += 1;
            }
            let mut shares: Vec<f64> = load
                .iter()
                .map(|(i, &l)| l as f64 / capacity[i] as f64)
                .collect();
            shares.sort_by(f64::total_cmp);
            let sessions_of = |c: &str| problem.sessions.iter().filter(|x| x.class == c).count();
            let heavy = problem
                .classes
                .iter()
                .filter(|c| {
                    let most = in_class
                        .iter()
                        .filter(|((class, _), _)| *class == c.id)
                        .map(|(_, &n)| n)
                        .max()
                        .unwrap_or(0);
                    most * 3 > sessions_of(&c.id)
                })
                .count();
            let w = problem.weights;
            println!(
                "{:<22} {:>7.1} {:>10} {:>7.4} {:>6} {:>9.3} {:>9.3} {:>10.1} {:>10.2} {:>9.2} {:>8.1} {:>10.2} {:>9.2} {:>11.2} {:>8}",
                case.name,
                balance,
                format!("{:?}", s.status),
                s.gap * 100.0,
                load.len(),
                shares.last().copied().unwrap_or(0.0),
                shares.get(shares.len() / 2).copied().unwrap_or(0.0),
                100.0 * heavy as f64 / problem.classes.len() as f64,
                s.assignments.iter().map(|a| a.score).sum::<f64>(),
                s.trips.iter().map(|t| t.cost).sum::<f64>(),
                w.unfilled * s.unfilled.iter().map(|u| u.missing as f64).sum::<f64>(),
                w.cadre_shortfall * s.cadre_shortfalls.iter().map(|c| c.shortfall).sum::<f64>(),
                s.loads.iter().fold(0.0, |sum, l| sum + l.cost),
                s.objective,
                if checked { "ok" } else { "BROKEN" }
            );
        }
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

/// One solve of the seed sweep, as its child process reports it.
#[derive(Debug, Serialize, Deserialize)]
struct Outcome {
    status: String,
    objective: f64,
    bound: f64,
    wall_s: f64,
    /// Whether the independent checker found the staffing valid.
    checked: bool,
}

fn exe() -> std::path::PathBuf {
    std::env::current_exe().unwrap_or_default()
}

/// Solves one case and seed in a child process of its own, with the
/// planner's `rules` (`--balance=…`, `--class-limit=…`).
fn solve_in_child(case: &str, seed: u64, time_limit_s: f64, rules: &[String]) -> Option<Outcome> {
    let output = Command::new(exe())
        .args([
            case,
            &format!("--seed={seed}"),
            &format!("--time-limit={time_limit_s}"),
            "--no-full-model",
            "--json",
        ])
        .args(rules)
        .stderr(Stdio::inherit())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(text.lines().last()?).ok()
}

/// Spins until killed: load beside a solve.
fn busy_loop() {
    let mut x: u64 = 1;
    loop {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
}

/// Two busy loops, killed when dropped.
struct Load(Vec<Child>);

impl Load {
    fn start() -> Self {
        Self(
            (0..2)
                .filter_map(|_| Command::new(exe()).arg("busy-loop").spawn().ok())
                .collect(),
        )
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Each swept case on `seeds` seeds: 5 s, 5 s under load, and the proof;
/// a row per seed, then the worst and the median of each case. `short` is
/// how far a 5-second staffing is below the best staffing any of the three
/// runs found, `gap` how far below the lowest bound any of them proved: the
/// distance to the optimum lies between the two.
fn sweep(cases: &[Case], seeds: u64, proof_limit_s: f64, rules: &[String]) {
    println!(
        "{:<22} {:>6} {:>13} {:>13} {:>8} {:>8} {:>8} {:>8} {:>7} {:>10} {:>8} {:>8}",
        "case",
        "seed",
        "best",
        "bound",
        "short5%",
        "gap5%",
        "shortL%",
        "gapL%",
        "wall5_s",
        "proof",
        "proof_s",
        "checker"
    );
    for case in cases.iter().filter(|c| c.swept) {
        let mut rows = Vec::new();
        for seed in 1..=seeds {
            let quick = solve_in_child(case.name, seed, 5.0, rules);
            let loaded = {
                let _load = Load::start();
                solve_in_child(case.name, seed, 5.0, rules)
            };
            let proof = solve_in_child(case.name, seed, proof_limit_s, rules);
            let (Some(quick), Some(loaded), Some(proof)) = (quick, loaded, proof) else {
                println!("{:<22} {seed:>6} failed", case.name);
                continue;
            };
            let runs = [&quick, &loaded, &proof];
            let bound = runs.iter().map(|o| o.bound).fold(f64::INFINITY, f64::min);
            let best = runs
                .iter()
                .map(|o| o.objective)
                .fold(f64::NEG_INFINITY, f64::max);
            let below =
                |to: f64, o: &Outcome| 100.0 * (to - o.objective) / o.objective.abs().max(1.0);
            let proved = proof.status == "Optimal";
            let row = [
                below(best, &quick),
                below(bound, &quick),
                below(best, &loaded),
                below(bound, &loaded),
                quick.wall_s,
                if proved { proof.wall_s } else { f64::INFINITY },
            ];
            let checked = runs.iter().all(|o| o.checked);
            println!(
                "{:<22} {seed:>6} {best:>13.3} {bound:>13.3} {:>8.4} {:>8.4} {:>8.4} {:>8.4} {:>7.2} {:>10} {:>8.1} {:>8}",
                case.name,
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                proof.status,
                row[5],
                if checked { "ok" } else { "BROKEN" }
            );
            rows.push(row);
        }
        for (label, pick) in [("worst", worst as fn(Vec<f64>) -> f64), ("median", median)] {
            let column = |c: usize| pick(rows.iter().map(|r| r[c]).collect());
            println!(
                "{:<22} {label:>6} {:>13} {:>13} {:>8.4} {:>8.4} {:>8.4} {:>8.4} {:>7.2} {:>10} {:>8.1}",
                case.name,
                "",
                "",
                column(0),
                column(1),
                column(2),
                column(3),
                column(4),
                "",
                column(5)
            );
        }
    }
}

fn worst(values: Vec<f64>) -> f64 {
    values.into_iter().fold(f64::NEG_INFINITY, f64::max)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}
