//! The MIP of SPEC 5.3–5.4, built sparse from the candidate pairs.
//!
//! Only assignments are binary. Trip, class-in-window and cadre-slack
//! variables are continuous: with integral assignments the objective drives
//! them to exactly the values the formula needs. Where an instructor has a
//! single in-person candidate in a class, the trip cost goes straight onto
//! that assignment and no trip variable is made.

use std::collections::BTreeMap;

use good_lp::{constraint, variable, Expression, ProblemVariables, Variable, VariableDefinition};

use crate::candidates::Candidates;
use crate::conflicts::overlap_cliques;
use crate::index::{Cls, Index, Inst, Sess};

/// A model variable and its position among the solver's columns (good_lp
/// numbers variables in creation order but keeps the number private).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub var: Variable,
    pub at: usize,
}

/// A built model: variables, constraints, objective, and how to read and
/// seed its columns.
pub struct Model {
    pub vars: ProblemVariables,
    pub objective: Expression,
    pub constraints: Vec<good_lp::Constraint>,
    /// The (session, instructor) pair of each assignment column.
    pub pairs: Vec<(Sess, Inst)>,
    pub x: Vec<Column>,
    /// Objective coefficient of each assignment column.
    coefficients: Vec<f64>,
    /// The objective's constant: −w_unfilled · Σ needed.
    offset: f64,
    /// Continuous columns that must be at least the largest of some
    /// assignments (trips, class presence in a buffer window), with their
    /// objective cost.
    covers: Vec<(Column, f64, Vec<usize>)>,
    /// Cadre slack of each class: (slack, required cadres, cadre assignments).
    cadre_slacks: Vec<(Column, f64, Vec<usize>)>,
    /// The column fixed at 1 that carries the objective's constant.
    constant: Column,
    /// Number of columns, which stays when `vars` is handed to the solver.
    column_count: usize,
}

fn add_column(vars: &mut ProblemVariables, definition: VariableDefinition) -> Column {
    let at = vars.len();
    Column {
        var: vars.add(definition),
        at,
    }
}

impl Model {
    /// Builds the model over the candidate pairs.
    pub fn build(index: &Index, candidates: &Candidates) -> Self {
        let pairs: Vec<(Sess, Inst)> = candidates
            .per_session
            .iter()
            .enumerate()
            .flat_map(|(s, list)| list.iter().map(move |&i| (s, i)))
            .collect();
        let mut vars = ProblemVariables::new();
        let pinned: std::collections::HashSet<_> = index.pins.iter().copied().collect();
        let x: Vec<Column> = pairs
            .iter()
            .map(|pair| {
                let definition = variable().binary();
                add_column(
                    &mut vars,
                    if pinned.contains(pair) {
                        definition.min(1)
                    } else {
                        definition
                    },
                )
            })
            .collect();
        let w = index.problem.weights;
        let needed_total: f64 = index.problem.sessions.iter().map(|s| s.needed as f64).sum();
        let constant = add_column(&mut vars, variable().min(1).max(1));
        let offset = -w.unfilled * needed_total;
        let mut model = Self {
            vars,
            objective: Expression::with_capacity(pairs.len() * 2),
            constraints: Vec::new(),
            pairs,
            x,
            coefficients: Vec::new(),
            offset,
            covers: Vec::new(),
            cadre_slacks: Vec::new(),
            constant,
            column_count: 0,
        };
        model.objective.add_mul(offset, constant.var);
        let by_instructor = model.columns_by_instructor(index);
        let trip_costs = model.trips(index, &by_instructor);
        model.coefficients = model
            .pairs
            .iter()
            .zip(&trip_costs)
            .map(|(&(s, i), trip)| index.assignment_score(i, s) + w.unfilled - trip)
            .collect();
        for (x, &coefficient) in model.x.iter().zip(&model.coefficients) {
            model.objective.add_mul(coefficient, x.var);
        }
        model.session_limits(index);
        model.capacities(index, &by_instructor);
        model.overlaps(index, &by_instructor);
        model.travel_buffers(index, &by_instructor);
        model.cadre_shares(index);
        model.column_count = model.vars.len();
        model
    }

    /// Assignment columns of each instructor.
    fn columns_by_instructor(&self, index: &Index) -> Vec<Vec<usize>> {
        let mut by_instructor = vec![Vec::new(); index.instructor_count()];
        for (k, &(_, i)) in self.pairs.iter().enumerate() {
            by_instructor[i].push(k);
        }
        by_instructor
    }

    /// Trips: one per instructor and class with in-person candidates. Returns
    /// the travel cost folded onto each assignment column (non-zero only for
    /// single-session trips).
    fn trips(&mut self, index: &Index, by_instructor: &[Vec<usize>]) -> Vec<f64> {
        let mut folded = vec![0.0; self.pairs.len()];
        for (i, columns) in by_instructor.iter().enumerate() {
            let mut per_class: BTreeMap<Cls, Vec<usize>> = BTreeMap::new();
            for &k in columns {
                let s = self.pairs[k].0;
                if index.in_person(s) {
                    per_class.entry(index.session_class[s]).or_default().push(k);
                }
            }
            for (c, ks) in per_class {
                let cost = index.trip_cost(i, c);
                if let [k] = ks[..] {
                    folded[k] = cost;
                } else {
                    self.cover(ks, cost);
                }
            }
        }
        folded
    }

    /// A continuous column at least as large as each of the given
    /// assignments, costing `cost` in the objective.
    fn cover(&mut self, columns: Vec<usize>, cost: f64) -> Column {
        let v = add_column(&mut self.vars, variable().min(0).max(1));
        if cost != 0.0 {
            self.objective.add_mul(-cost, v.var);
        }
        for &k in &columns {
            self.constraints.push(constraint!(self.x[k].var <= v.var));
        }
        self.covers.push((v, cost, columns));
        v
    }

    /// A session gets at most `needed` instructors.
    fn session_limits(&mut self, index: &Index) {
        let mut by_session: Vec<Vec<usize>> = vec![Vec::new(); index.session_count()];
        for (k, &(s, _)) in self.pairs.iter().enumerate() {
            by_session[s].push(k);
        }
        for (s, columns) in by_session.iter().enumerate() {
            self.at_most(columns, index.problem.sessions[s].needed);
        }
    }

    /// An instructor gets at most `capacity` sessions.
    fn capacities(&mut self, index: &Index, by_instructor: &[Vec<usize>]) {
        for (i, columns) in by_instructor.iter().enumerate() {
            self.at_most(columns, index.problem.instructors[i].capacity);
        }
    }

    /// At most `limit` of the columns are 1; written only when it can bind.
    fn at_most(&mut self, columns: &[usize], limit: i64) {
        if columns.len() as i64 > limit {
            let sum = self.sum(columns);
            self.constraints.push(constraint!(sum <= limit as f64));
        }
    }

    /// No instructor teaches two overlapping sessions: one row per maximal
    /// clique of the instructor's overlapping candidates.
    fn overlaps(&mut self, index: &Index, by_instructor: &[Vec<usize>]) {
        for columns in by_instructor {
            let intervals = columns
                .iter()
                .map(|&k| {
                    let (start, end) = index.session_time[self.pairs[k].0];
                    (start, end, k)
                })
                .collect();
            for clique in overlap_cliques(intervals) {
                self.at_most(&clique, 1);
            }
        }
    }

    /// In-person sessions of different classes closer than the buffer
    /// conflict. Within one maximal clique of buffer-extended intervals, at
    /// most one class may be taught; sessions of that one class may share the
    /// window (their own overlaps are [`Self::overlaps`]' business).
    fn travel_buffers(&mut self, index: &Index, by_instructor: &[Vec<usize>]) {
        let buffer = index.buffer_seconds();
        if buffer <= 0 {
            return;
        }
        for columns in by_instructor {
            let intervals = columns
                .iter()
                .filter(|&&k| index.in_person(self.pairs[k].0))
                .map(|&k| {
                    let (start, end) = index.session_time[self.pairs[k].0];
                    (start, end + buffer, k)
                })
                .collect();
            for clique in overlap_cliques(intervals) {
                let mut per_class: BTreeMap<Cls, Vec<usize>> = BTreeMap::new();
                for k in clique {
                    per_class
                        .entry(index.session_class[self.pairs[k].0])
                        .or_default()
                        .push(k);
                }
                if per_class.len() < 2 {
                    continue;
                }
                let mut sum = Expression::with_capacity(per_class.len());
                for (_, ks) in per_class {
                    let presence = if let [k] = ks[..] {
                        self.x[k]
                    } else {
                        self.cover(ks, 0.0)
                    };
                    sum.add_mul(1.0, presence.var);
                }
                self.constraints.push(constraint!(sum <= 1));
            }
        }
    }

    /// Cadre shortfall of a class: slack ≥ share · N_c − cadre assignments.
    fn cadre_shares(&mut self, index: &Index) {
        let w = index.problem.weights.cadre_shortfall;
        let mut cadre_columns: Vec<Vec<usize>> = vec![Vec::new(); index.problem.classes.len()];
        for (k, &(s, i)) in self.pairs.iter().enumerate() {
            if index.is_cadre[i] {
                cadre_columns[index.session_class[s]].push(k);
            }
        }
        for (c, columns) in cadre_columns.into_iter().enumerate() {
            let required = required_cadres(index, c);
            if required <= 0.0 {
                continue;
            }
            let slack = add_column(&mut self.vars, variable().min(0));
            self.objective.add_mul(-w, slack.var);
            let mut row = self.sum(&columns);
            row.add_mul(1.0, slack.var);
            self.constraints.push(constraint!(row >= required));
            self.cadre_slacks.push((slack, required, columns));
        }
    }

    fn sum(&self, columns: &[usize]) -> Expression {
        let mut e = Expression::with_capacity(columns.len());
        for &k in columns {
            e.add_mul(1.0, self.x[k].var);
        }
        e
    }

    /// An upper bound that needs no solver: each session's best `needed`
    /// positive assignment coefficients; every other term only subtracts.
    pub fn trivial_bound(&self, index: &Index) -> f64 {
        let mut per_session: Vec<Vec<f64>> = vec![Vec::new(); index.session_count()];
        for (&(s, _), &c) in self.pairs.iter().zip(&self.coefficients) {
            if c > 0.0 {
                per_session[s].push(c);
            }
        }
        let best: f64 = per_session
            .iter_mut()
            .enumerate()
            .map(|(s, cs)| {
                cs.sort_by(|a, b| b.total_cmp(a));
                cs.iter()
                    .take(index.problem.sessions[s].needed as usize)
                    .sum::<f64>()
            })
            .sum();
        self.offset + best
    }

    /// Column values of the feasible point where exactly the `chosen`
    /// assignment columns are 1: the warm start.
    pub fn column_values(&self, chosen: &[bool]) -> Vec<f64> {
        let on = |k: &usize| chosen[*k];
        let mut values = vec![0.0; self.column_count];
        for (column, &c) in self.x.iter().zip(chosen) {
            values[column.at] = f64::from(u8::from(c));
        }
        for (column, _, ks) in &self.covers {
            values[column.at] = f64::from(u8::from(ks.iter().any(on)));
        }
        for (column, required, ks) in &self.cadre_slacks {
            values[column.at] = (required - ks.iter().filter(|k| on(k)).count() as f64).max(0.0);
        }
        values[self.constant.at] = 1.0;
        values
    }

    /// The model's objective at the point [`Self::column_values`] gives.
    pub fn objective_at(&self, chosen: &[bool], index: &Index) -> f64 {
        let values = self.column_values(chosen);
        let assignments: f64 = self
            .x
            .iter()
            .zip(&self.coefficients)
            .map(|(x, c)| c * values[x.at])
            .sum();
        let covers: f64 = self
            .covers
            .iter()
            .map(|(v, cost, _)| cost * values[v.at])
            .sum();
        let slacks: f64 = self.cadre_slacks.iter().map(|(v, _, _)| values[v.at]).sum();
        self.offset + assignments - covers - index.problem.weights.cadre_shortfall * slacks
    }
}

/// `min_cadre_share · N_c`: the cadre assignments class `c` asks for.
pub fn required_cadres(index: &Index, c: Cls) -> f64 {
    let n: i64 = index.class_sessions[c]
        .iter()
        .map(|&s| index.problem.sessions[s].needed)
        .sum();
    index.problem.classes[c].min_cadre_share * n as f64
}
