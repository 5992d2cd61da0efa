//! Schedule cuts: what the LP learns from each instructor's own schedule.
//!
//! Price every session with the LP's multipliers on the rows instructors
//! share (session limits, cadre shares); what is left splits into one
//! problem per instructor: the best schedule (a set of sessions within
//! capacity, without overlaps or buffer conflicts, paying each class's trip
//! once) at those prices. With `d` the priced gains, every schedule obeys
//!
//! ```text
//! Σ_k max(0, d_k) · x_k + Σ_trips cost_z · z ≤ best
//! ```
//!
//! (a schedule's sessions of positive gain, with its own trips, are a
//! schedule too; pinned sessions keep their gain, as every schedule holds
//! them). The LP, though, may split an instructor across classes for a
//! fraction of each trip and so exceed `best`: the row then cuts that point
//! off. Rounds of such cuts move the LP's bound towards the bound of whole
//! schedules (Kelley's cutting planes on the Lagrangian dual).

use crate::model::Model;
use crate::row_activity::RowActivity;
use crate::sparse::Sparse;

/// Gains below this count as zero; a cut must be violated by more.
const TOLERANCE: f64 = 1e-6;
/// Search nodes one instructor's schedule may take; an instructor whose
/// search takes more gets no cut this round.
const NODE_LIMIT: usize = 20_000;

/// Rows valid for every integral staffing, learnt from schedules: each
/// `Σ a_j · x_j ≤ rhs` over model columns.
#[derive(Debug, Clone)]
pub struct Cuts {
    pub rows: Sparse,
    pub rhs: Vec<f64>,
}

impl Cuts {
    pub fn new() -> Self {
        Self {
            rows: Sparse::new(),
            rhs: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.rhs.len()
    }

    /// The cuts the LP point `values` violates at the row multipliers `y`
    /// (of the right signs, as [`crate::pricing::Prices`] makes them); adds
    /// them and returns how many it added.
    pub fn separate(&mut self, model: &Model, y: &[f64], values: &[f64]) -> usize {
        let gain = gains(model, y);
        let mut tally = RowActivity::new(model);
        let before = self.len();
        for (i, columns) in model.by_instructor.iter().enumerate() {
            let fractional = columns.iter().any(|&k| {
                let split = |v: f64| v > TOLERANCE && v < 1.0 - TOLERANCE;
                split(values[k])
                    || model
                        .covers_of(k)
                        .any(|g| split(values[model.covers[g].column]))
            });
            if !fractional {
                continue;
            }
            let Some(best) = best_schedule(model, &mut tally, i, &gain) else {
                continue;
            };
            let mut entries: Vec<(usize, f64)> = columns
                .iter()
                .filter(|&&k| model.pinned[k] || gain[k] > TOLERANCE)
                .map(|&k| (k, gain[k]))
                .collect();
            let mut trips: Vec<usize> = columns
                .iter()
                .filter_map(|&k| model.covers_of(k).next())
                .map(|g| model.covers[g].column)
                .filter(|&z| model.cost[z] != 0.0)
                .collect();
            trips.sort_unstable();
            trips.dedup();
            entries.extend(trips.into_iter().map(|z| (z, model.cost[z])));
            let lhs: f64 = entries.iter().map(|&(j, a)| a * values[j]).sum();
            if lhs > best + TOLERANCE * best.abs().max(1.0) {
                self.rows.push(entries);
                self.rhs.push(best);
            }
        }
        self.len() - before
    }
}

/// Each assignment's gain at the multipliers of the shared rows; covers
/// keep their cost.
fn gains(model: &Model, y: &[f64]) -> Vec<f64> {
    (0..model.column_count())
        .map(|j| {
            let priced: f64 = model
                .columns
                .list(j)
                .filter(|&(r, _)| model.row_owner[r].is_none())
                .map(|(r, a)| a * y[r])
                .sum();
            model.cost[j] - priced
        })
        .collect()
}

/// The value of instructor `i`'s best schedule at the given gains (pinned
/// sessions always in it), or `None` when the search exceeds its limit.
/// `tally` holds no assignment before and after.
fn best_schedule(model: &Model, tally: &mut RowActivity, i: usize, gain: &[f64]) -> Option<f64> {
    let columns = &model.by_instructor[i];
    let mut free: Vec<usize> = columns
        .iter()
        .copied()
        .filter(|&k| !model.pinned[k] && gain[k] > TOLERANCE)
        .collect();
    free.sort_by(|&a, &b| gain[b].total_cmp(&gain[a]).then(a.cmp(&b)));
    let mut search = Search {
        gain,
        free,
        room: model.capacity[i],
        tally,
        nodes: 0,
        best: f64::NEG_INFINITY,
    };
    let pinned: Vec<usize> = columns
        .iter()
        .copied()
        .filter(|&k| model.pinned[k])
        .collect();
    let mut value = 0.0;
    for &k in &pinned {
        value += gain[k] + search.tally.add(k);
        search.room = search.room.saturating_sub(1);
    }
    search.branch(0, value);
    for &k in &pinned {
        search.tally.remove(k);
    }
    (search.nodes <= NODE_LIMIT).then_some(search.best)
}

/// Depth-first search over one instructor's sessions of positive gain,
/// best gain first.
struct Search<'a, 'm> {
    gain: &'a [f64],
    free: Vec<usize>,
    /// Sessions the instructor may still take.
    room: usize,
    tally: &'a mut RowActivity<'m>,
    nodes: usize,
    best: f64,
}

impl Search<'_, '_> {
    fn branch(&mut self, at: usize, value: f64) {
        self.nodes += 1;
        self.best = self.best.max(value);
        if at == self.free.len() || self.room == 0 || self.nodes > NODE_LIMIT {
            return;
        }
        // No schedule gains more than the best gains that still fit.
        let optimistic: f64 = value
            + self.free[at..]
                .iter()
                .take(self.room)
                .map(|&k| self.gain[k])
                .sum::<f64>();
        if optimistic <= self.best + TOLERANCE {
            return;
        }
        let k = self.free[at];
        let gained = self.gain[k] + self.tally.add(k);
        if self.tally.holds(k) {
            self.room -= 1;
            self.branch(at + 1, value + gained);
            self.room += 1;
        }
        self.tally.remove(k);
        self.branch(at + 1, value);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::{Duration, Instant};

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::candidates::Candidates;
    use crate::greedy::greedy;
    use crate::highs_part::{HighsPart, ModelType, Settings};
    use crate::model::Limit;
    use crate::pricing::Prices;
    use crate::solve::checked_index;
    use crate::synthetic::test_plans;

    /// Whether the chosen columns of instructor `i` keep every row of
    /// its own, covers on when any of their members is.
    fn keeps_own_rows(model: &Model, rows: &Sparse, i: usize, chosen: &[bool]) -> bool {
        let values = model.column_values(chosen);
        (0..model.row_count())
            .filter(|&r| model.row_owner[r] == Some(i))
            .all(|r| {
                let activity: f64 = rows.list(r).map(|(j, a)| a * values[j]).sum();
                match model.limits[r] {
                    Limit::AtMost(u) => activity <= u + 1e-9,
                    Limit::AtLeast(l) => activity >= l - 1e-9,
                }
            })
    }

    #[test]
    fn the_search_finds_the_best_subset_of_sessions() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut compared = 0;
        for problem in test_plans(60, 21) {
            let index = checked_index(&problem).unwrap();
            let model = Model::build(&index, &Candidates::build(&index));
            let rows = model.columns.transpose(model.row_count());
            let mut tally = RowActivity::new(&model);
            for _ in 0..5 {
                let mut gain = model.cost.clone();
                for g in gain.iter_mut().take(model.pairs.len()) {
                    *g = rng.random_range(-0.5..1.0);
                }
                for (i, columns) in model.by_instructor.iter().enumerate() {
                    if columns.len() > 14 {
                        continue;
                    }
                    let mut best = 0.0_f64;
                    for mask in 0u32..1 << columns.len() {
                        let mut chosen = vec![false; model.pairs.len()];
                        for (bit, &k) in columns.iter().enumerate() {
                            chosen[k] = mask >> bit & 1 == 1;
                        }
                        if keeps_own_rows(&model, &rows, i, &chosen) {
                            let values = model.column_values(&chosen);
                            let value: f64 = values
                                .iter()
                                .enumerate()
                                .filter(|&(j, _)| {
                                    model.is_assignment(j)
                                        || model.covers.iter().any(|c| c.column == j)
                                })
                                .map(|(j, v)| v * gain[j])
                                .sum();
                            best = best.max(value);
                        }
                    }
                    let found = best_schedule(&model, &mut tally, i, &gain).unwrap();
                    assert!(
                        (found - best).abs() < 1e-9,
                        "instructor {i}: {found} vs {best}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 100, "only {compared} schedules compared");
    }

    #[test]
    fn cuts_cut_the_lp_and_keep_every_integral_staffing() {
        let mut made = 0;
        for problem in test_plans(240, 21) {
            let index = checked_index(&problem).unwrap();
            let candidates = Candidates::build(&index);
            let model = Model::build(&index, &candidates);
            let far = Instant::now() + Duration::from_secs(600);
            let all: Vec<usize> = (0..model.pairs.len()).collect();
            let (lp, _) =
                HighsPart::new(&model, ModelType::Lp, all.iter().copied(), &Settings::EXACT)
                    .unwrap()
                    .solve(far, None)
                    .unwrap();
            let (optimum, _) = HighsPart::new(&model, ModelType::Mip, all, &Settings::EXACT)
                .unwrap()
                .solve(far, None)
                .unwrap();
            let mut cuts = Cuts::new();
            let prices = Prices::new(&model, &cuts, lp.duals.as_ref().unwrap(), |_| true);
            let lp_values = lp.values.unwrap();
            made += cuts.separate(&model, &prices.multipliers, &lp_values);
            let mut greedy_chosen = vec![false; model.pairs.len()];
            for pair in greedy(&index, &candidates.per_session) {
                greedy_chosen[model.pairs.binary_search(&pair).unwrap()] = true;
            }
            let staffings = [optimum.values.unwrap(), model.column_values(&greedy_chosen)];
            for c in 0..cuts.len() {
                let at =
                    |values: &[f64]| cuts.rows.list(c).map(|(j, a)| a * values[j]).sum::<f64>();
                assert!(at(&lp_values) > cuts.rhs[c], "cut {c} does not cut the LP");
                for values in &staffings {
                    assert!(
                        at(values) <= cuts.rhs[c] + 1e-6,
                        "cut {c} cuts off a staffing"
                    );
                }
            }
        }
        assert!(made > 0, "no plan gave a cut");
    }
}
