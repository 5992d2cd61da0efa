//! The solver reports its progress: each report improves the best staffing
//! or the bound, the staffing never passes the bound, and the last report
//! is the solution's objective.
#![allow(clippy::unwrap_used)]

use solver::synthetic::{generate, Shape};

#[test]
fn progress_improves_and_ends_at_the_solution() {
    for seed in [21, 22] {
        let mut problem = generate(Shape::new(300, 150, seed));
        problem.options.mip_gap = 1e-6;
        let mut points = Vec::new();
        let solution = solver::solve_with_progress(&problem, |p| points.push(p)).unwrap();
        assert!(points.len() >= 2, "{points:?}");
        for pair in points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            assert!(b.elapsed_s >= a.elapsed_s);
            assert!(b.objective >= a.objective - 1e-9, "{points:?}");
            assert!(b.bound <= a.bound + 1e-9, "{points:?}");
            assert!(
                b.objective > a.objective + 1e-12 || b.bound < a.bound - 1e-12,
                "no improvement: {points:?}"
            );
        }
        for p in &points {
            assert!(
                p.objective <= p.bound + 1e-6 * p.bound.abs().max(1.0),
                "{p:?}"
            );
        }
        let last = points.last().unwrap();
        assert!(
            (last.objective - solution.objective).abs() < 1e-6,
            "{last:?} vs {}",
            solution.objective
        );
        assert!(
            (last.bound - solution.bound).abs() < 1e-6,
            "{last:?} vs {}",
            solution.bound
        );
        // The same answer without a callback.
        assert_eq!(
            solver::solve(&problem).unwrap().objective,
            solution.objective
        );
    }
}
