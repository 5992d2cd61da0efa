//! A staffing read off the LP: pins, then pairs by their LP value, then by
//! their value on their own, each taken when every row still holds and it
//! is the LP's choice (value above one half) or adds to the objective. The
//! LP is integral on most pairs, so this starts the MIPs close to the
//! optimum, and a time limit that strikes inside the first MIP still
//! returns a staffing near the LP's.

use crate::model::Model;
use crate::row_activity::RowActivity;

/// The assignment columns chosen from the LP's `values`, for sessions of
/// `needed` places.
pub fn round(model: &Model, needed: &[usize], values: &[f64]) -> Vec<bool> {
    // Pins and the LP's pairs by value, then the others by their own value.
    let mut lp: Vec<(bool, f64, f64, usize)> = (0..model.pairs.len())
        .filter(|&k| model.pinned[k] || values[k] > 0.0)
        .map(|k| (model.pinned[k], values[k], model.single_value(k), k))
        .collect();
    lp.sort_unstable_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.total_cmp(&a.1))
            .then(b.2.total_cmp(&a.2))
            .then(a.3.cmp(&b.3))
    });
    let mut rest: Vec<(f64, u32)> = (0..model.pairs.len())
        .filter(|&k| !model.pinned[k] && values[k] <= 0.0)
        .map(|k| (model.single_value(k), k as u32))
        .collect();
    rest.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let order = lp
        .into_iter()
        .map(|(.., k)| k)
        .chain(rest.into_iter().map(|(_, k)| k as usize));
    let mut tally = RowActivity::new(model);
    let mut chosen = vec![false; model.pairs.len()];
    let mut staffed = vec![0; needed.len()];
    let mut teaching = vec![0; model.capacity.len()];
    for k in order {
        let (s, i) = model.pairs[k];
        // Most pairs meet a full session or instructor: skip them cheaply.
        if !model.pinned[k] && (staffed[s] == needed[s] || teaching[i] == model.capacity[i]) {
            continue;
        }
        let gained = model.cost[k] + tally.add(k);
        // The LP's own choices share their trips; other pairs must gain alone.
        if model.pinned[k] || ((values[k] > 0.5 || gained > 0.0) && tally.holds(k)) {
            chosen[k] = true;
            staffed[s] += 1;
            teaching[i] += 1;
        } else {
            tally.remove(k);
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::{Duration, Instant};

    use super::*;
    use crate::candidates::Candidates;
    use crate::greedy::greedy;
    use crate::highs_part::{HighsPart, ModelType, Settings};
    use crate::model::Limit;
    use crate::solve::checked_index;
    use crate::synthetic::test_plans;

    #[test]
    fn the_rounded_lp_keeps_every_row_and_the_lp_choices_and_beats_the_hand_method() {
        for problem in test_plans(240, 31) {
            let index = checked_index(&problem).unwrap();
            let candidates = Candidates::build(&index);
            let model = Model::build(&index, &candidates);
            let all = 0..model.pairs.len();
            let far = Instant::now() + Duration::from_secs(600);
            let (lp, _) = HighsPart::new(&model, ModelType::Lp, all, &Settings::EXACT)
                .unwrap()
                .solve(far, None)
                .unwrap();
            let values = lp.values.unwrap();
            let needed: Vec<usize> = problem.sessions.iter().map(|s| s.needed as usize).collect();
            let chosen = round(&model, &needed, &values);

            let at = model.column_values(&chosen);
            let rows = model.columns.transpose(model.row_count());
            for r in 0..model.row_count() {
                let activity: f64 = rows.list(r).map(|(j, a)| a * at[j]).sum();
                if let Limit::AtMost(u) = model.limits[r] {
                    assert!(activity <= u + 1e-9, "row {r}: {activity} > {u}");
                }
            }
            for k in 0..model.pairs.len() {
                assert!(values[k] < 1.0 - 1e-6 || chosen[k], "LP pair {k} left out");
            }
            let mut hand = vec![false; model.pairs.len()];
            for pair in greedy(&index, &candidates.per_session) {
                hand[model.pairs.binary_search(&pair).unwrap()] = true;
            }
            assert!(model.objective(&chosen) > model.objective(&hand));
        }
    }
}
