//! Schedule cuts: what the LP learns from each instructor's own schedule.
//!
//! Price every session with the LP's multipliers on the rows instructors
//! share (session limits, cadre shares); what is left splits into one
//! problem per instructor: the best schedule (a set of sessions within
//! capacity, without overlaps or buffer conflicts, paying each class's trip
//! once and its load steps) at those prices. With `d` the priced gains,
//! every schedule obeys
//!
//! ```text
//! Σ_k max(0, d_k) · x_k + Σ_trips cost_z · z + Σ_steps cost_u · u ≤ best
//! ```
//!
//! (a schedule's sessions of positive gain, with its own trips and fewer
//! load steps, are a schedule too; trips and steps only cost, so the
//! schedule itself pays at least as much; pinned sessions keep their gain,
//! as every schedule holds them). The LP, though, may split an instructor
//! across classes for a fraction of each trip and so exceed `best`: the
//! row then cuts that point off. Rounds of such cuts move the LP's bound
//! towards the bound of whole schedules (Kelley's cutting planes on the
//! Lagrangian dual).
//!
//! Prices that leave every session of an instructor at zero gain see
//! nothing, though the LP point may still lie outside the hull of the
//! instructor's schedules. So each instructor the LP splits also gets the
//! deepest cut between its point and that hull over the columns the LP
//! takes ([`hull_cut`]: a small LP over every schedule of those columns).

use crate::cuts::Cuts;
use crate::highs_part::{small_lp, AtMostRow};
use crate::model::Model;
use crate::row_activity::RowActivity;

/// Gains below this count as zero; a cut must be violated by more.
const TOLERANCE: f64 = 1e-6;
/// Most assignment columns the LP may take of one instructor for its hull
/// to be searched (every subset is a candidate schedule).
const HULL_SUPPORT: usize = 10;
/// Cut weights below this are dropped.
const WEIGHT_FLOOR: f64 = 1e-9;
/// Search nodes one instructor's schedule may take; an instructor whose
/// search takes more gets no cut this round.
const NODE_LIMIT: usize = 20_000;

/// The cuts the LP point `values` violates at the row multipliers `y` (of
/// the right signs, as [`crate::pricing::Prices`] makes them); adds them to
/// `cuts` and returns how many it added.
pub fn separate(cuts: &mut Cuts, model: &Model, y: &[f64], values: &[f64]) -> usize {
    let gain = gains(model, y);
    let mut tally = RowActivity::new(model);
    let before = cuts.len();
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
        if let Some((entries, rhs)) = hull_cut(model, &mut tally, columns, values) {
            cuts.rows.push(entries);
            cuts.rhs.push(rhs);
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
        entries.extend(model.steps[i].iter().map(|&u| (u, model.cost[u])));
        let lhs: f64 = entries.iter().map(|&(j, a)| a * values[j]).sum();
        if lhs > best + TOLERANCE * best.abs().max(1.0) {
            cuts.rows.push(entries);
            cuts.rhs.push(best);
        }
    }
    cuts.len() - before
}

/// The deepest cut between the LP point and the schedules of one
/// instructor (assignment columns `columns`) over the columns the LP takes,
/// if the point lies outside their hull. Every staffing's part in those
/// columns is such a schedule (capacity, overlaps and buffers only forbid,
/// so a part of a schedule is one), with covers at least as high; the cut
/// has no positive weight on a cover, so it holds for the whole model.
///
/// The LP may have an instructor teach one session in full and half of
/// each of two sessions of a class for half the trip, which no mixture of
/// schedules does within capacity two: the Lagrangian cut above misses it
/// when every session of the instructor prices at zero.
fn hull_cut(
    model: &Model,
    tally: &mut RowActivity,
    columns: &[usize],
    values: &[f64],
) -> Option<AtMostRow> {
    let support: Vec<usize> = columns
        .iter()
        .copied()
        .filter(|&k| values[k] > TOLERANCE)
        .collect();
    if support.len() < 2 || support.len() > HULL_SUPPORT {
        return None;
    }
    let mut covers: Vec<usize> = support.iter().flat_map(|&k| model.covers_of(k)).collect();
    covers.sort_unstable();
    covers.dedup();
    let at: Vec<usize> = support
        .iter()
        .copied()
        .chain(covers.iter().map(|&g| model.covers[g].column))
        .collect();
    // Where in `at` the covers of each support column are.
    let opens: Vec<Vec<usize>> = support
        .iter()
        .map(|&k| {
            model
                .covers_of(k)
                .filter_map(|g| covers.binary_search(&g).ok())
                .map(|c| support.len() + c)
                .collect()
        })
        .collect();
    let schedules = schedules_of(tally, &support, &opens);
    // Columns: the weights of `at`, then the right-hand side; the weights
    // of assignments in [0, 1], of covers in [-1, 0], their sizes at most 1.
    let n = at.len();
    let lp_columns: Vec<(f64, f64, f64)> = at
        .iter()
        .enumerate()
        .map(|(p, &j)| {
            if p < support.len() {
                (values[j], 0.0, 1.0)
            } else {
                (values[j], -1.0, 0.0)
            }
        })
        .chain([(-1.0, 0.0, n as f64)])
        .collect();
    let mut rows: Vec<AtMostRow> = schedules
        .iter()
        .map(|point| {
            let mut terms: Vec<(usize, f64)> = point.iter().map(|&p| (p, 1.0)).collect();
            terms.push((n, -1.0));
            (terms, 0.0)
        })
        .collect();
    rows.push((
        (0..n)
            .map(|p| (p, if p < support.len() { 1.0 } else { -1.0 }))
            .collect(),
        1.0,
    ));
    let solution = small_lp(&lp_columns, &rows)?;
    let weights: Vec<f64> = (0..n)
        .map(|p| {
            let w = solution[p];
            let w = if p < support.len() {
                w.max(0.0)
            } else {
                w.min(0.0)
            };
            if w.abs() < WEIGHT_FLOOR {
                0.0
            } else {
                w
            }
        })
        .collect();
    // The right-hand side recomputed from the schedules themselves, so the
    // cut holds exactly whatever HiGHS's tolerances.
    let rhs = schedules
        .iter()
        .map(|point| point.iter().map(|&p| weights[p]).sum::<f64>())
        .fold(0.0, f64::max);
    let lhs: f64 = at.iter().zip(&weights).map(|(&j, w)| w * values[j]).sum();
    if lhs <= rhs + TOLERANCE {
        return None;
    }
    let entries = at
        .iter()
        .zip(&weights)
        .filter(|(_, &w)| w != 0.0)
        .map(|(&j, &w)| (j, w))
        .collect();
    Some((entries, rhs))
}

/// Every schedule over the `support` assignment columns, as the positions
/// of the columns it sets to 1: its assignments' own (their places in
/// `support`) and the covers they open (`opens` of each).
fn schedules_of(
    tally: &mut RowActivity,
    support: &[usize],
    opens: &[Vec<usize>],
) -> Vec<Vec<usize>> {
    let mut schedules = Vec::new();
    for mask in 0u32..1 << support.len() {
        let chosen: Vec<usize> = (0..support.len()).filter(|b| mask >> b & 1 == 1).collect();
        for &b in &chosen {
            tally.add(support[b]);
        }
        let feasible = chosen.iter().all(|&b| tally.holds(support[b]));
        for &b in &chosen {
            tally.remove(support[b]);
        }
        if !feasible {
            continue;
        }
        let mut opened: Vec<usize> = chosen
            .iter()
            .flat_map(|&b| opens[b].iter().copied())
            .collect();
        opened.sort_unstable();
        opened.dedup();
        let mut point = chosen;
        point.append(&mut opened);
        schedules.push(point);
    }
    schedules
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
    use crate::highs_part::{HighsAnswer, HighsPart, ModelType, Settings};
    use crate::model::Limit;
    use crate::pricing::Prices;
    use crate::solve::checked_index;
    use crate::sparse::Sparse;
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

    /// The whole model's LP or MIP, solved exactly.
    fn whole(model: &Model, kind: ModelType) -> HighsAnswer {
        let far = Instant::now() + Duration::from_secs(600);
        let all = 0..model.pairs.len();
        let (answer, _) = HighsPart::new(model, kind, all, &Settings::EXACT)
            .unwrap()
            .solve(far, None)
            .unwrap();
        answer
    }

    /// The column values of every subset of instructor `i`'s `columns`
    /// that keeps its own rows.
    fn own_schedules(model: &Model, rows: &Sparse, i: usize, columns: &[usize]) -> Vec<Vec<f64>> {
        (0u32..1 << columns.len())
            .filter_map(|mask| {
                let mut chosen = vec![false; model.pairs.len()];
                for (bit, &k) in columns.iter().enumerate() {
                    chosen[k] = mask >> bit & 1 == 1;
                }
                keeps_own_rows(model, rows, i, &chosen).then(|| model.column_values(&chosen))
            })
            .collect()
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
            let slacks: Vec<usize> = model.slack_columns().collect();
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
                    for values in own_schedules(&model, &rows, i, columns) {
                        let value: f64 = values
                            .iter()
                            .enumerate()
                            .filter(|(j, _)| !slacks.contains(j))
                            .map(|(j, v)| v * gain[j])
                            .sum();
                        best = best.max(value);
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
    fn hull_cuts_cut_the_lp_and_keep_every_schedule() {
        let mut made = 0;
        for problem in [23, 29, 37]
            .into_iter()
            .flat_map(|seed| test_plans(240, seed))
        {
            let index = checked_index(&problem).unwrap();
            let model = Model::build(&index, &Candidates::build(&index));
            let rows = model.columns.transpose(model.row_count());
            let values = whole(&model, ModelType::Lp).values.unwrap();
            let mut tally = RowActivity::new(&model);
            for (i, columns) in model.by_instructor.iter().enumerate() {
                let Some((entries, rhs)) = hull_cut(&model, &mut tally, columns, &values) else {
                    continue;
                };
                let at = |values: &[f64]| entries.iter().map(|&(j, a)| a * values[j]).sum::<f64>();
                assert!(at(&values) > rhs + TOLERANCE, "instructor {i}: no cut");
                // Every schedule of the instructor when there are few
                // columns, else every schedule of the columns the LP takes
                // (a part of a schedule is a schedule).
                let checked: Vec<usize> = if columns.len() <= 14 {
                    columns.clone()
                } else {
                    columns
                        .iter()
                        .copied()
                        .filter(|&k| values[k] > 0.0)
                        .collect()
                };
                for staffing in own_schedules(&model, &rows, i, &checked) {
                    assert!(
                        at(&staffing) <= rhs + 1e-9,
                        "instructor {i}: the cut cuts off a schedule"
                    );
                }
                made += 1;
            }
        }
        assert!(made > 5, "only {made} hull cuts checked");
    }

    #[test]
    fn cuts_cut_the_lp_and_keep_every_integral_staffing() {
        let mut made = 0;
        for problem in test_plans(240, 21) {
            let index = checked_index(&problem).unwrap();
            let candidates = Candidates::build(&index);
            let model = Model::build(&index, &candidates);
            let lp = whole(&model, ModelType::Lp);
            let optimum = whole(&model, ModelType::Mip);
            let mut cuts = Cuts::new();
            let prices = Prices::new(&model, &cuts, lp.duals.as_ref().unwrap(), |_| true);
            let lp_values = lp.values.unwrap();
            made += separate(&mut cuts, &model, &prices.multipliers, &lp_values);
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
