//! The whole staffing model of SPEC 5 written directly in good_lp on its
//! HiGHS backend, every eligible pair a column: the oracle that price and
//! fix is checked against, and the full-model column of the benchmark. It
//! shares no code with the solver's model: eligibility, conflicts, scores
//! and distances come from the independent checker's [`View`].
//!
//! good_lp reports a solution's status but not HiGHS's MIP dual bound, so a
//! run stopped by its time limit says only that it was stopped; its
//! objective is recomputed from its pairs by the checker's formula. HiGHS
//! starts from the all-unfilled staffing. Its time limit bounds HiGHS's own
//! loops, not building the model nor every setup step, so a full-model run
//! can take far longer than its limit.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use good_lp::solvers::highs::highs;
use good_lp::{
    variable, variables, Constraint, Expression, ProblemVariables, Solution, SolutionStatus,
    SolverModel, Variable, WithInitialSolution,
};
use solver::problem::{InstructorKind, Problem};

use crate::common::View;

/// The x variable of each eligible (session, instructor) pair.
type Assignments = BTreeMap<(usize, usize), Variable>;
/// The z variable of each possible trip (instructor, class).
type Trips = BTreeMap<(usize, usize), Variable>;
/// With balance weighed: one binary per instructor and number of sessions
/// `(instructor, load)` it may hold, exactly one of them 1 (a formulation
/// unlike the solver's load steps).
type Loads = BTreeMap<(usize, usize), Variable>;

/// What the full model answered.
pub struct Answer {
    pub status: SolutionStatus,
    /// The (session, instructor) pairs of the staffing, by index.
    pub pairs: Vec<(usize, usize)>,
    /// SPEC 5.4's objective of `pairs`, recomputed by the checker.
    pub objective: f64,
}

/// Solves `p`'s whole model with HiGHS through good_lp, within `time_limit_s`
/// (of HiGHS's own time: building the model comes first) and to the
/// relative `mip_gap`, on one thread with a fixed seed; an error when HiGHS
/// ends without a feasible staffing.
pub fn solve(p: &Problem, time_limit_s: f64, mip_gap: f32) -> Result<Answer, String> {
    let view = View::new(p);
    let class_of = class_index(p);
    let mut vars = variables!();
    let x = assignment_variables(&view, &mut vars);
    let z = trip_variables(p, &class_of, &x, &mut vars);
    let shortfall: Vec<Variable> = p
        .classes
        .iter()
        .map(|_| vars.add(variable().min(0)))
        .collect();
    let y = load_variables(&view, &x, &mut vars);
    let objective = objective(&view, &x, &z, &shortfall, &y);
    // Leaving every place open is feasible: HiGHS starts from it, so a
    // time limit never leaves the full model without a staffing.
    let start: Vec<(Variable, f64)> = x
        .values()
        .chain(z.values())
        .map(|&v| (v, 0.0))
        .chain(
            shortfall
                .iter()
                .enumerate()
                .map(|(c, &u)| (u, required_cadres(p, &class_of, c))),
        )
        .chain(y.iter().map(|(&(_, load), &v)| (v, f64::from(load == 0))))
        .collect();
    let mut model = vars
        .maximise(objective)
        .using(highs)
        .with_initial_solution(start)
        .set_time_limit(time_limit_s)
        .set_threads(1)
        .set_option("random_seed", 7)
        .set_mip_rel_gap(mip_gap)
        .unwrap();
    for family in [
        session_needs(p, &x),
        instructor_capacities(p, &x),
        class_limits(p, &class_of, &x),
        no_conflicts(&view, &x),
        trips_are_paid(p, &class_of, &x, &z),
        cadre_shares(p, &class_of, &x, &shortfall),
        pins_are_kept(&view, &x),
        loads_are_counted(&x, &y),
    ] {
        for constraint in family {
            model.add_constraint(constraint);
        }
    }
    let solution = model.solve().map_err(|e| e.to_string())?;
    let pairs: Vec<(usize, usize)> = x
        .iter()
        .filter(|(_, &v)| solution.value(v) > 0.5)
        .map(|(&pair, _)| pair)
        .collect();
    Ok(Answer {
        status: solution.status(),
        objective: view.objective(&pairs),
        pairs,
    })
}

fn class_index(p: &Problem) -> Vec<usize> {
    p.sessions
        .iter()
        .map(|s| p.classes.iter().position(|c| c.id == s.class).unwrap())
        .collect()
}

/// One binary per pair that passes every rule of SPEC 5.2.
fn assignment_variables(view: &View, vars: &mut ProblemVariables) -> Assignments {
    let p = view.p;
    let mut x = Assignments::new();
    for s in 0..p.sessions.len() {
        for i in 0..p.instructors.len() {
            if view.failures(i, s).is_empty() {
                x.insert((s, i), vars.add(variable().binary()));
            }
        }
    }
    x
}

/// One binary per (instructor, class) that an in-person pair could need.
fn trip_variables(
    p: &Problem,
    class_of: &[usize],
    x: &Assignments,
    vars: &mut ProblemVariables,
) -> Trips {
    let mut z = Trips::new();
    for &(s, i) in x.keys() {
        if !p.sessions[s].remote {
            z.entry((i, class_of[s]))
                .or_insert_with(|| vars.add(variable().binary()));
        }
    }
    z
}

/// Load variables of every instructor with a candidate pair, from 0 to
/// the most sessions it may hold; none when balance is not weighed.
fn load_variables(view: &View, x: &Assignments, vars: &mut ProblemVariables) -> Loads {
    let p = view.p;
    let mut y = Loads::new();
    if p.weights.balance == 0.0 {
        return y;
    }
    for (i, instructor) in p.instructors.iter().enumerate() {
        let pairs = x.keys().filter(|&&(_, j)| j == i).count();
        let most = pairs.min(instructor.capacity.max(0) as usize);
        if most >= 2 {
            for load in 0..=most {
                y.insert((i, load), vars.add(variable().binary()));
            }
        }
    }
    y
}

/// SPEC 5.4: scores of the pairs, less trips, unfilled places, cadre
/// shortfalls and balance.
fn objective(
    view: &View,
    x: &Assignments,
    z: &Trips,
    shortfall: &[Variable],
    y: &Loads,
) -> Expression {
    let p = view.p;
    let w = &p.weights;
    let mut objective = Expression::with_capacity(x.len() + z.len() + shortfall.len());
    for (&(s, i), &v) in x {
        objective.add_mul(view.score(i, s) + w.unfilled, v);
    }
    for (&(i, c), &v) in z {
        objective.add_mul(-w.travel_per_1000km * view.distance(i, c) / 1000.0, v);
    }
    for &u in shortfall {
        objective.add_mul(-w.cadre_shortfall, u);
    }
    for (&(i, load), &v) in y {
        objective.add_mul(-view.balance(i, load), v);
    }
    let places: i64 = p.sessions.iter().map(|s| s.needed).sum();
    objective - w.unfilled * places as f64
}

/// A session gets at most `needed` instructors.
fn session_needs(p: &Problem, x: &Assignments) -> Vec<Constraint> {
    (0..p.sessions.len())
        .map(|s| {
            let taken: Expression = x.range((s, 0)..(s + 1, 0)).map(|(_, &v)| v).sum();
            taken.leq(p.sessions[s].needed as f64)
        })
        .collect()
}

/// An instructor teaches at most `capacity` sessions.
fn instructor_capacities(p: &Problem, x: &Assignments) -> Vec<Constraint> {
    (0..p.instructors.len())
        .map(|i| {
            let taught: Expression = x
                .iter()
                .filter(|((_, j), _)| *j == i)
                .map(|(_, &v)| v)
                .sum();
            taught.leq(p.instructors[i].capacity as f64)
        })
        .collect()
}

/// An instructor teaches at most `max_sessions_per_class` sessions of one
/// class.
fn class_limits(p: &Problem, class_of: &[usize], x: &Assignments) -> Vec<Constraint> {
    let Some(limit) = p.options.max_sessions_per_class else {
        return Vec::new();
    };
    let mut held: BTreeMap<(usize, usize), Expression> = BTreeMap::new();
    for (&(s, i), &v) in x {
        *held.entry((i, class_of[s])).or_default() += v;
    }
    held.into_values().map(|e| e.leq(limit as f64)).collect()
}

/// No instructor teaches two conflicting sessions (pairwise).
fn no_conflicts(view: &View, x: &Assignments) -> Vec<Constraint> {
    let mut by_instructor: BTreeMap<usize, Vec<(usize, Variable)>> = BTreeMap::new();
    for (&(s, i), &v) in x {
        by_instructor.entry(i).or_default().push((s, v));
    }
    let mut rows = Vec::new();
    for sessions in by_instructor.values() {
        for (k, &(a, va)) in sessions.iter().enumerate() {
            for &(b, vb) in &sessions[k + 1..] {
                if view.conflict(a, b) {
                    rows.push((va + vb).leq(1));
                }
            }
        }
    }
    rows
}

/// An in-person session taught pays its instructor's trip to its class.
fn trips_are_paid(p: &Problem, class_of: &[usize], x: &Assignments, z: &Trips) -> Vec<Constraint> {
    x.iter()
        .filter(|((s, _), _)| !p.sessions[*s].remote)
        .map(|(&(s, i), &v)| (v - z[&(i, class_of[s])]).leq(0))
        .collect()
}

/// The cadre places class `c` asks for: `min_cadre_share` of its places.
fn required_cadres(p: &Problem, class_of: &[usize], c: usize) -> f64 {
    let places: i64 = (0..p.sessions.len())
        .filter(|&s| class_of[s] == c)
        .map(|s| p.sessions[s].needed)
        .sum();
    p.classes[c].min_cadre_share * places as f64
}

/// Cadres take at least `min_cadre_share` of a class's places, or the
/// shortfall is paid for.
fn cadre_shares(
    p: &Problem,
    class_of: &[usize],
    x: &Assignments,
    shortfall: &[Variable],
) -> Vec<Constraint> {
    (0..p.classes.len())
        .map(|c| {
            let cadres: Expression = x
                .iter()
                .filter(|((s, i), _)| {
                    class_of[*s] == c && p.instructors[*i].kind == InstructorKind::Cadre
                })
                .map(|(_, &v)| v)
                .sum();
            (cadres + shortfall[c]).geq(required_cadres(p, class_of, c))
        })
        .collect()
}

/// Each instructor with load variables holds exactly one load, the number
/// of its pairs taken.
fn loads_are_counted(x: &Assignments, y: &Loads) -> Vec<Constraint> {
    let mut per_instructor: BTreeMap<usize, Vec<(usize, Variable)>> = BTreeMap::new();
    for (&(i, load), &v) in y {
        per_instructor.entry(i).or_default().push((load, v));
    }
    let mut rows = Vec::new();
    for (i, loads) in per_instructor {
        let one: Expression = loads.iter().map(|&(_, v)| v).sum();
        rows.push(one.eq(1));
        let counted: Expression = loads.iter().map(|&(load, v)| load as f64 * v).sum();
        let taken: Expression = x
            .iter()
            .filter(|((_, j), _)| *j == i)
            .map(|(_, &v)| v)
            .sum();
        rows.push((counted - taken).eq(0));
    }
    rows
}

/// Every pin is taught.
fn pins_are_kept(view: &View, x: &Assignments) -> Vec<Constraint> {
    let p = view.p;
    p.pins
        .iter()
        .map(|pin| {
            let s = p.sessions.iter().position(|s| s.id == pin.session).unwrap();
            let i = p
                .instructors
                .iter()
                .position(|i| i.id == pin.instructor)
                .unwrap();
            Expression::from(x[&(s, i)]).eq(1)
        })
        .collect()
}
