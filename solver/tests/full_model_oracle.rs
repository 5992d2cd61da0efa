//! Price and fix against an independent oracle: the whole SPEC 5 model
//! written in good_lp (`common/full_model.rs`), solved by HiGHS with every
//! eligible pair, on random plans of 100 to 400 instructors (usual,
//! capacity-scarce, with a travel buffer, with classes overlapping in time,
//! with pins and previous pairs, with a class limit, with balance).
//! Both must prove the same optimum to the MIP gap, and both staffings pass
//! the independent checker.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/full_model.rs"]
mod full_model;

use good_lp::SolutionStatus;
use solver::problem::{Pair, Problem};
use solver::synthetic::{generate, Shape};
use solver::{Solution, Status};

const GAP: f64 = 1e-6;

/// The plans: (instructors, sessions, seed), shaped four ways.
fn plans() -> Vec<(String, Problem)> {
    let mut plans = Vec::new();
    for (instructors, sessions, seed) in [(100, 50, 11), (200, 100, 12), (400, 160, 13)] {
        let usual = Shape::new(instructors, sessions, seed);
        plans.push((format!("usual {instructors}x{sessions}"), generate(usual)));
        let scarce = Shape {
            capacity: (1, 2),
            ..usual
        };
        plans.push((format!("scarce {instructors}x{sessions}"), generate(scarce)));
        let buffer = Shape {
            travel_buffer_minutes: 240.0,
            ..usual
        };
        plans.push((format!("buffer {instructors}x{sessions}"), generate(buffer)));
        // Every class starting within three weeks: most overlap in time.
        let overlap = Shape::overlapping(instructors, sessions, 3, seed);
        plans.push((
            format!("overlap {instructors}x{sessions}"),
            generate(overlap),
        ));
    }
    plans
}

fn exact(mut p: Problem) -> Problem {
    p.options.mip_gap = GAP;
    p.options.time_limit_s = 300.0;
    p
}

/// The same optimum to the gap; both staffings are valid. Returns ours.
fn agree(name: &str, p: &Problem) -> Solution {
    let ours = solver::solve(p).unwrap();
    assert_eq!(
        ours.status,
        Status::Optimal,
        "{name}: price and fix did not prove its optimum"
    );
    let errors = common::check(p, &ours);
    assert!(errors.is_empty(), "{name}: {errors:#?}");
    let oracle = full_model::solve(p, 300.0, GAP as f32).unwrap();
    assert!(
        matches!(
            oracle.status,
            SolutionStatus::Optimal | SolutionStatus::GapLimit
        ),
        "{name}: the full model did not prove its optimum"
    );
    let view = common::View::new(p);
    assert!(
        view.violations(&oracle.pairs).is_empty(),
        "{name}: {:?}",
        view.violations(&oracle.pairs)
    );
    let tolerance = 2.0 * GAP * oracle.objective.abs().max(1.0) + 1e-6;
    assert!(
        (ours.objective - oracle.objective).abs() <= tolerance,
        "{name}: price and fix {} but the full model {}",
        ours.objective,
        oracle.objective
    );
    ours
}

#[test]
fn price_and_fix_proves_the_full_models_optimum() {
    for (name, p) in plans() {
        agree(&name, &exact(p));
    }
}

/// With pins and previous pairs (a re-run after some proposals and
/// confirmations), the keep bonus in play: the same agreement.
#[test]
fn with_pins_and_previous_pairs_too() {
    for (name, p) in plans().into_iter().step_by(3) {
        let mut p = exact(p);
        let first = solver::solve(&p).unwrap();
        let pairs: Vec<Pair> = first
            .assignments
            .iter()
            .map(|a| Pair {
                session: a.session.clone(),
                instructor: a.instructor.clone(),
            })
            .collect();
        p.pins = pairs.iter().step_by(7).cloned().collect();
        p.previous = pairs.iter().skip(1).step_by(3).cloned().collect();
        p.weights.keep = 0.5;
        assert!(!p.pins.is_empty() && !p.previous.is_empty());
        agree(&format!("{name} re-run"), &p);
    }
}

/// With `max_sessions_per_class = 2` on every plan: the same agreement, and
/// the limit binds (without it, someone teaches more than 2 sessions of a
/// class) on most plans.
#[test]
fn with_a_class_limit_too() {
    let mut bound = 0;
    let all = plans();
    for (name, p) in &all {
        let mut p = exact(p.clone());
        let free = solver::solve(&p).unwrap();
        p.options.max_sessions_per_class = Some(2);
        let view = common::View::new(&p);
        bound += usize::from(!view.violations(&view.pairs(&free)).is_empty());
        agree(&format!("{name} at most 2 per class"), &p);
    }
    assert!(
        bound * 2 > all.len(),
        "the limit binds on only {bound} plans"
    );
}

/// With `weights.balance = 1` on every plan (every other one with the class
/// limit 2 as well): the same agreement, and the balance term moves the
/// optimum (the balanced optimum's most loaded instructor holds fewer
/// sessions, or it spreads them over more people) on most plans.
#[test]
fn with_balance_too() {
    let mut moved = 0;
    let all = plans();
    for (n, (name, p)) in all.iter().enumerate() {
        let mut p = exact(p.clone());
        if n % 2 == 1 {
            p.options.max_sessions_per_class = Some(2);
        }
        let free = solver::solve(&p).unwrap();
        p.weights.balance = 1.0;
        let balanced = agree(&format!("{name} balanced"), &p);
        let spread = |s: &Solution| {
            let mut load: std::collections::HashMap<&str, usize> = Default::default();
            for a in &s.assignments {
                *load.entry(a.instructor.as_str()).or_default() += 1;
            }
            (load.values().max().copied().unwrap_or(0), load.len())
        };
        let (before, after) = (spread(&free), spread(&balanced));
        moved += usize::from(after.0 < before.0 || after.1 > before.1);
        assert!(!balanced.loads.is_empty(), "{name}: no load listed");
    }
    assert!(
        moved * 2 > all.len(),
        "balance moves the optimum on only {moved} plans"
    );
}
