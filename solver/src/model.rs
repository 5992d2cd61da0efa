//! The MIP of SPEC 5.3–5.4 over every candidate pair, as plain sparse data.
//!
//! Columns: one binary per candidate pair (an assignment), then the covers
//! (continuous columns at least as large as some assignments: a trip, or a
//! class's presence in a buffer window), then one cadre slack per class
//! that asks for cadres, then each instructor's load steps when balance is
//! weighed (in [0, 1]). With integral assignments the objective drives
//! covers, slacks and steps to exactly the values the formula needs. A trip
//! with a single in-person candidate folds its cost onto that assignment.
//!
//! The model is data, not a solver's object: [`crate::highs_part`] hands
//! HiGHS the columns a stage needs, and [`crate::pricing`] bounds the whole
//! model from the duals of a part of it.

use std::collections::{BTreeMap, HashSet};

use crate::candidates::Candidates;
use crate::conflicts::overlap_cliques;
use crate::index::{Cls, Index, Inst, Sess};
use crate::sparse::Sparse;

/// A column's value must be at least this many assignment columns'.
#[derive(Debug, Clone)]
pub struct Cover {
    pub column: usize,
    pub members: Vec<usize>,
}

/// The side of a row that binds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    AtMost(f64),
    AtLeast(f64),
}

/// The whole model.
pub struct Model {
    /// The (session, instructor) pair of each assignment column; assignment
    /// columns come first, so column `k < pairs.len()` is pair `k`.
    pub pairs: Vec<(Sess, Inst)>,
    /// Whether each assignment is pinned (its column fixed at 1).
    pub pinned: Vec<bool>,
    /// Objective coefficient of each column (maximised).
    pub cost: Vec<f64>,
    /// Upper bound of each column (1, or unbounded for cadre slacks).
    pub upper: Vec<f64>,
    /// Rows of each column: (row, coefficient). Link rows of covers are not
    /// here; they are [`Self::covers`].
    pub columns: Sparse,
    /// The binding side of each row.
    pub limits: Vec<Limit>,
    pub covers: Vec<Cover>,
    /// Covers of each assignment column, trip cover first.
    pub links: Sparse,
    /// Cadre slack of each class that asks for cadres: (slack column,
    /// required cadres, cadre assignment columns).
    slacks: Vec<(usize, f64, Vec<usize>)>,
    /// The objective's constant: −w_unfilled · Σ needed.
    pub offset: f64,
    /// Assignment columns of each instructor.
    pub by_instructor: Vec<Vec<usize>>,
    /// Yearly capacity of each instructor.
    pub capacity: Vec<usize>,
    /// Load step columns of each instructor (balance, SPEC 5.4): step `n`
    /// is 1 when the instructor holds at least `n + 2` sessions.
    pub steps: Vec<Vec<usize>>,
    /// The first load step column.
    first_step: usize,
    /// The instructor whose columns alone make up each row (capacity,
    /// overlaps, buffers, trip rows); `None` for rows shared between
    /// instructors (session limits, cadre shares).
    pub row_owner: Vec<Option<Inst>>,
}

/// Rows and columns while the model is built.
struct Builder<'a> {
    index: &'a Index<'a>,
    pairs: Vec<(Sess, Inst)>,
    cost: Vec<f64>,
    upper: Vec<f64>,
    rows: Sparse,
    limits: Vec<Limit>,
    covers: Vec<Cover>,
    slacks: Vec<(usize, f64, Vec<usize>)>,
    /// Assignment columns of each instructor.
    by_instructor: Vec<Vec<usize>>,
    /// Yearly capacity of each instructor.
    capacity: Vec<usize>,
    steps: Vec<Vec<usize>>,
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
        let mut by_instructor = vec![Vec::new(); index.instructor_count()];
        for (k, &(_, i)) in pairs.iter().enumerate() {
            by_instructor[i].push(k);
        }
        let w = index.problem.weights;
        let cost = pairs
            .iter()
            .map(|&(s, i)| index.assignment_score(i, s) + w.unfilled)
            .collect();
        let mut b = Builder {
            index,
            upper: vec![1.0; pairs.len()],
            pairs,
            cost,
            rows: Sparse::new(),
            limits: Vec::new(),
            covers: Vec::new(),
            slacks: Vec::new(),
            by_instructor,
            capacity: index
                .problem
                .instructors
                .iter()
                .map(|i| i.capacity.max(0) as usize)
                .collect(),
            steps: vec![Vec::new(); index.instructor_count()],
        };
        b.trips();
        b.session_limits();
        b.capacities();
        b.class_limits();
        b.overlaps();
        b.travel_buffers();
        b.cadre_shares();
        let first_step = b.cost.len();
        b.load_steps();
        let pinned_pairs: HashSet<(Sess, Inst)> = index.pins.iter().copied().collect();
        let needed_total: f64 = index.problem.sessions.iter().map(|s| s.needed as f64).sum();
        let mut links = Sparse::new();
        let mut per_column: Vec<Vec<usize>> = vec![Vec::new(); b.pairs.len()];
        for (g, cover) in b.covers.iter().enumerate() {
            for &k in &cover.members {
                per_column[k].push(g);
            }
        }
        for covers in per_column {
            links.push(covers.into_iter().map(|g| (g, 1.0)));
        }
        let row_owner = row_owners(&b);
        Self {
            pinned: b.pairs.iter().map(|p| pinned_pairs.contains(p)).collect(),
            columns: b.rows.transpose(b.cost.len()),
            row_owner,
            by_instructor: b.by_instructor,
            capacity: b.capacity,
            steps: b.steps,
            first_step,
            limits: b.limits,
            covers: b.covers,
            links,
            slacks: b.slacks,
            offset: -w.unfilled * needed_total,
            pairs: b.pairs,
            cost: b.cost,
            upper: b.upper,
        }
    }

    pub fn column_count(&self) -> usize {
        self.cost.len()
    }

    pub fn row_count(&self) -> usize {
        self.limits.len()
    }

    /// The cadre slack columns.
    pub fn slack_columns(&self) -> impl Iterator<Item = usize> + '_ {
        self.slacks.iter().map(|&(column, _, _)| column)
    }

    /// Whether column `j` is a load step (they come last).
    pub fn is_step(&self, j: usize) -> bool {
        j >= self.first_step
    }

    /// Whether column `j` is an assignment.
    pub fn is_assignment(&self, j: usize) -> bool {
        j < self.pairs.len()
    }

    /// The covers of assignment column `k`, trip cover first.
    pub fn covers_of(&self, k: usize) -> impl Iterator<Item = usize> + '_ {
        self.links.list(k).map(|(g, _)| g)
    }

    /// What assignment `k` adds to the objective on its own: its
    /// coefficient less its trip, as if no other session shared the trip.
    pub fn single_value(&self, k: usize) -> f64 {
        let trip = self
            .covers_of(k)
            .next()
            .map_or(0.0, |g| self.cost[self.covers[g].column]);
        self.cost[k] + trip
    }

    /// Column values of the feasible point where exactly the `chosen`
    /// assignment columns are 1.
    pub fn column_values(&self, chosen: &[bool]) -> Vec<f64> {
        let mut values = vec![0.0; self.column_count()];
        for (k, &on) in chosen.iter().enumerate() {
            values[k] = f64::from(u8::from(on));
        }
        for cover in &self.covers {
            values[cover.column] = f64::from(u8::from(cover.members.iter().any(|&k| chosen[k])));
        }
        for (column, required, members) in &self.slacks {
            let cadres = members.iter().filter(|&&k| chosen[k]).count() as f64;
            values[*column] = (required - cadres).max(0.0);
        }
        for (steps, columns) in self.steps.iter().zip(&self.by_instructor) {
            let load = columns.iter().filter(|&&k| chosen[k]).count();
            for &u in steps.iter().take(load.saturating_sub(1)) {
                values[u] = 1.0;
            }
        }
        values
    }

    /// The objective (SPEC 5.4) where exactly the `chosen` assignment
    /// columns are 1.
    pub fn objective(&self, chosen: &[bool]) -> f64 {
        let values = self.column_values(chosen);
        self.offset
            + values
                .iter()
                .zip(&self.cost)
                .map(|(v, c)| v * c)
                .sum::<f64>()
    }

    /// An upper bound that needs no solver: each session's best `needed`
    /// positive assignment coefficients; every other term only subtracts.
    pub fn trivial_bound(&self, index: &Index) -> f64 {
        let mut per_session: Vec<Vec<f64>> = vec![Vec::new(); index.session_count()];
        for (k, &(s, _)) in self.pairs.iter().enumerate() {
            if self.cost[k] > 0.0 {
                per_session[s].push(self.cost[k]);
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
}

impl Builder<'_> {
    fn add_column(&mut self, cost: f64, upper: f64) -> usize {
        self.cost.push(cost);
        self.upper.push(upper);
        self.cost.len() - 1
    }

    fn add_row(&mut self, terms: impl IntoIterator<Item = (usize, f64)>, limit: Limit) {
        self.rows.push(terms);
        self.limits.push(limit);
    }

    /// A continuous column at least as large as each of the given
    /// assignments, costing `cost` in the objective.
    fn cover(&mut self, members: Vec<usize>, cost: f64) -> usize {
        let column = self.add_column(-cost, 1.0);
        self.covers.push(Cover { column, members });
        column
    }

    /// Trips: one per instructor and class with in-person candidates; a
    /// single candidate carries the cost itself. When the instructor could
    /// teach only `m` of the class's candidate sessions (capacity, or
    /// overlaps), also Σ x ≤ m · trip: without it the LP spreads a scarce
    /// instructor thinly over many sessions for a fraction of one trip.
    fn trips(&mut self) {
        let index = self.index;
        for i in 0..self.by_instructor.len() {
            let mut per_class: BTreeMap<Cls, Vec<usize>> = BTreeMap::new();
            for &k in &self.by_instructor[i] {
                let s = self.pairs[k].0;
                if index.in_person(s) {
                    per_class.entry(index.session_class[s]).or_default().push(k);
                }
            }
            for (c, members) in per_class {
                let cost = index.trip_cost(i, c);
                if let [k] = members[..] {
                    self.cost[k] -= cost;
                    continue;
                }
                let most = self.most_sessions(i, &members);
                let z = self.cover(members.clone(), cost);
                if most < members.len() {
                    self.add_row(
                        members
                            .iter()
                            .map(|&k| (k, 1.0))
                            .chain([(z, -(most as f64))]),
                        Limit::AtMost(0.0),
                    );
                }
            }
        }
    }

    /// The most of the given candidate sessions (of one class) instructor
    /// `i` could teach: their capacity, the class limit, or the most
    /// sessions that do not overlap (earliest end first), whichever is
    /// smallest.
    fn most_sessions(&self, i: Inst, members: &[usize]) -> usize {
        let mut times: Vec<(i64, i64)> = members
            .iter()
            .map(|&k| self.index.session_time[self.pairs[k].0])
            .collect();
        times.sort_by_key(|&(start, end)| (end, start));
        let mut free_from = i64::MIN;
        let mut disjoint = 0;
        for (start, end) in times {
            if start >= free_from {
                disjoint += 1;
                free_from = end;
            }
        }
        disjoint
            .min(self.capacity[i])
            .min(self.index.class_limit().unwrap_or(usize::MAX))
    }

    /// At most `limit` of the columns are 1; written only when it can bind.
    fn at_most(&mut self, columns: &[usize], limit: i64) {
        if columns.len() as i64 > limit {
            self.add_row(
                columns.iter().map(|&k| (k, 1.0)),
                Limit::AtMost(limit as f64),
            );
        }
    }

    /// A session gets at most `needed` instructors.
    fn session_limits(&mut self) {
        let mut by_session: Vec<Vec<usize>> = vec![Vec::new(); self.index.session_count()];
        for (k, &(s, _)) in self.pairs.iter().enumerate() {
            by_session[s].push(k);
        }
        for (s, columns) in by_session.iter().enumerate() {
            self.at_most(columns, self.index.problem.sessions[s].needed);
        }
    }

    /// An instructor gets at most `capacity` sessions.
    fn capacities(&mut self) {
        for i in 0..self.by_instructor.len() {
            let columns = std::mem::take(&mut self.by_instructor[i]);
            self.at_most(&columns, self.capacity[i] as i64);
            self.by_instructor[i] = columns;
        }
    }

    /// An instructor holds at most `max_sessions_per_class` sessions of one
    /// class, in person or remote.
    fn class_limits(&mut self) {
        let Some(limit) = self.index.class_limit() else {
            return;
        };
        for i in 0..self.by_instructor.len() {
            let mut per_class: BTreeMap<Cls, Vec<usize>> = BTreeMap::new();
            for &k in &self.by_instructor[i] {
                per_class
                    .entry(self.index.session_class[self.pairs[k].0])
                    .or_default()
                    .push(k);
            }
            for columns in per_class.into_values() {
                self.at_most(&columns, limit as i64);
            }
        }
    }

    /// The instructor's assignment columns as `(start, end + extend, k)`,
    /// in person only when asked.
    fn intervals(&self, i: Inst, extend: i64, in_person_only: bool) -> Vec<(i64, i64, usize)> {
        self.by_instructor[i]
            .iter()
            .filter(|&&k| !in_person_only || self.index.in_person(self.pairs[k].0))
            .map(|&k| {
                let (start, end) = self.index.session_time[self.pairs[k].0];
                (start, end + extend, k)
            })
            .collect()
    }

    /// No instructor teaches two overlapping sessions: one row per maximal
    /// clique of the instructor's overlapping candidates.
    fn overlaps(&mut self) {
        for i in 0..self.by_instructor.len() {
            for clique in overlap_cliques(self.intervals(i, 0, false)) {
                self.at_most(&clique, 1);
            }
        }
    }

    /// In-person sessions of different classes closer than the buffer
    /// conflict. Within one maximal clique of buffer-extended intervals, at
    /// most one class may be taught; sessions of that one class may share the
    /// window (their own overlaps are [`Self::overlaps`]' business).
    fn travel_buffers(&mut self) {
        let buffer = self.index.buffer_seconds();
        if buffer <= 0 {
            return;
        }
        for i in 0..self.by_instructor.len() {
            for clique in overlap_cliques(self.intervals(i, buffer, true)) {
                let mut per_class: BTreeMap<Cls, Vec<usize>> = BTreeMap::new();
                for k in clique {
                    per_class
                        .entry(self.index.session_class[self.pairs[k].0])
                        .or_default()
                        .push(k);
                }
                if per_class.len() < 2 {
                    continue;
                }
                let presence: Vec<usize> = per_class
                    .into_values()
                    .map(|members| match members[..] {
                        [k] => k,
                        _ => self.cover(members, 0.0),
                    })
                    .collect();
                self.add_row(presence.into_iter().map(|j| (j, 1.0)), Limit::AtMost(1.0));
            }
        }
    }

    /// Cadre shortfall of a class: slack ≥ r − k for the k cadre
    /// assignments and the r = share · N_c cadres asked for. When r is
    /// fractional, also slack ≥ f · (⌈r⌉ − k) with f = r − ⌊r⌋ (the
    /// rounding cut, valid for every integral k and exact on the hull), which
    /// the LP would otherwise miss by up to f per class.
    fn cadre_shares(&mut self) {
        let index = self.index;
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
            let slack = self.add_column(-w, f64::INFINITY);
            let terms = |factor: f64| {
                columns
                    .iter()
                    .map(move |&k| (k, factor))
                    .chain([(slack, 1.0)])
            };
            self.add_row(terms(1.0), Limit::AtLeast(required));
            let fraction = required - required.floor();
            if fraction > 1e-9 && columns.len() as f64 >= required.ceil() {
                self.add_row(terms(fraction), Limit::AtLeast(fraction * required.ceil()));
            }
            self.slacks.push((slack, required, columns));
        }
    }

    /// Balance: a step column per further session an instructor could
    /// hold, the `k`-th costing `w_balance · (k − 1) / capacity`, and
    /// Σ x − Σ steps ≤ 1. Later steps cost more, so the LP takes them in
    /// order and pays exactly the convex term `w · L (L − 1) / (2 capacity)`.
    fn load_steps(&mut self) {
        if self.index.problem.weights.balance == 0.0 {
            return;
        }
        for i in 0..self.by_instructor.len() {
            let most = self.capacity[i].min(self.by_instructor[i].len());
            let mut steps = Vec::new();
            for k in 2..=most {
                steps.push(self.add_column(-self.index.load_step_cost(i, k), 1.0));
            }
            if steps.is_empty() {
                continue;
            }
            let terms: Vec<(usize, f64)> = self.by_instructor[i]
                .iter()
                .map(|&k| (k, 1.0))
                .chain(steps.iter().map(|&u| (u, -1.0)))
                .collect();
            self.add_row(terms, Limit::AtMost(1.0));
            self.steps[i] = steps;
        }
    }
}

/// The one instructor whose columns make up each row, if there is one.
fn row_owners(b: &Builder) -> Vec<Option<Inst>> {
    let mut column_owner: Vec<Option<Inst>> = vec![None; b.cost.len()];
    for (k, &(_, i)) in b.pairs.iter().enumerate() {
        column_owner[k] = Some(i);
    }
    for cover in &b.covers {
        column_owner[cover.column] = cover.members.first().map(|&k| b.pairs[k].1);
    }
    for (i, steps) in b.steps.iter().enumerate() {
        for &u in steps {
            column_owner[u] = Some(i);
        }
    }
    (0..b.rows.len())
        .map(|r| {
            let mut owners = b.rows.list(r).map(|(j, _)| column_owner[j]);
            let first = owners.next().flatten()?;
            owners.all(|o| o == Some(first)).then_some(first)
        })
        .collect()
}

/// `min_cadre_share · N_c`: the cadre assignments class `c` asks for.
pub fn required_cadres(index: &Index, c: Cls) -> f64 {
    let n: i64 = index.class_sessions[c]
        .iter()
        .map(|&s| index.problem.sessions[s].needed)
        .sum();
    cadres_required(index.problem.classes[c].min_cadre_share, n)
}

/// The cadre assignments a class with `min_cadre_share` and `places`
/// (`N_c`, the sum of its sessions' `needed`) asks for (SPEC 5.4): fewer
/// held by cadres is a shortfall.
pub fn cadres_required(min_cadre_share: f64, places: i64) -> f64 {
    min_cadre_share * places as f64
}
