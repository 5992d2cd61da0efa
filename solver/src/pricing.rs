//! Bounds on the whole model from the duals of a part of it, and what those
//! duals say about the columns outside the part.
//!
//! For row multipliers `y` of the right signs (≥ 0 on ≤ rows, ≤ 0 on ≥
//! rows) the Lagrangian bound
//!
//! ```text
//! offset + Σ_r y_r · rhs_r + Σ_j max over the bounds of column j of d_j · x_j,
//! d_j = cost_j − Σ_r a_rj · y_r
//! ```
//!
//! is at least the optimum of the whole model; the schedule cuts
//! ([`crate::schedules`]) are ≤ rows like the others. The part's LP gives
//! `y` for its rows; rows it lacks get 0, and a link `x ≤ z` it lacks (the
//! assignment `x` is outside the part) gets the multiplier `max(0, d_x)`,
//! which moves `x`'s gain onto its cover. Once no column outside the part
//! gains, the bound is the LP optimum of the whole model (column
//! generation's stopping test); at every step it is a valid bound.
//!
//! Forcing assignment `k` to 1 forces its covers to 1 too, which lowers the
//! bound by `max(0, −d_k)` and each cover's `max(0, −d_z)`: what is left
//! bounds every solution that takes `k`. When that is below an
//! incumbent's value, no better solution uses `k` (reduced-cost fixing),
//! so `k` can be left out of the MIP without losing the optimum.

use crate::cuts::Cuts;
use crate::highs_part::Duals;
use crate::model::{Limit, Model};

/// Reduced costs below this count as zero.
const TOLERANCE: f64 = 1e-7;

/// The prices of one set of duals.
pub struct Prices {
    /// The multiplier of every model row, of the right sign.
    pub multipliers: Vec<f64>,
    /// Reduced cost of every model column, links included.
    pub reduced: Vec<f64>,
    /// The Lagrangian bound on the whole model's optimum.
    pub bound: f64,
    /// Assignment columns outside the part that would raise the LP: each
    /// with its reduced cost before links.
    pub entering: Vec<(usize, f64)>,
}

impl Prices {
    /// Prices the whole model with the duals of a part's LP.
    pub fn new(model: &Model, cuts: &Cuts, duals: &Duals, in_part: impl Fn(usize) -> bool) -> Self {
        let mut y: Vec<f64> = duals
            .rows
            .iter()
            .zip(&model.limits)
            .map(|(&y, limit)| match limit {
                Limit::AtMost(_) => y.max(0.0),
                Limit::AtLeast(_) => y.min(0.0),
            })
            .collect();
        // An unbounded column (a cadre slack) must not gain, or the bound is
        // infinite: scale its rows' multipliers back where round-off let it.
        for j in model.slack_columns() {
            let weight: f64 = model.columns.list(j).map(|(r, a)| a * y[r]).sum();
            if model.cost[j] - weight > 0.0 && weight < 0.0 {
                let scale = model.cost[j] / weight;
                for (r, _) in model.columns.list(j) {
                    y[r] *= scale;
                }
            }
        }
        let mut reduced: Vec<f64> = (0..model.column_count())
            .map(|j| model.cost[j] - model.columns.list(j).map(|(r, a)| a * y[r]).sum::<f64>())
            .collect();
        let mut cut_rows = 0.0;
        for (c, &y) in duals.cuts.iter().enumerate() {
            let y = y.max(0.0);
            for (j, a) in cuts.rows.list(c) {
                reduced[j] -= a * y;
            }
            cut_rows += y * cuts.rhs[c];
        }
        for &(k, g, pi) in &duals.links {
            let pi = pi.max(0.0);
            reduced[k] -= pi;
            reduced[model.covers[g].column] += pi;
        }
        let mut outside = Vec::new();
        for k in 0..model.pairs.len() {
            if in_part(k) || reduced[k] <= 0.0 {
                continue;
            }
            let gain = reduced[k];
            if let Some(g) = model.covers_of(k).next() {
                reduced[k] = 0.0;
                reduced[model.covers[g].column] += gain;
            }
            outside.push((k, gain));
        }
        let entering = outside
            .into_iter()
            .filter(|&(k, gain)| {
                gain > TOLERANCE
                    && model
                        .covers_of(k)
                        .next()
                        .is_none_or(|g| reduced[model.covers[g].column] > TOLERANCE)
            })
            .collect();
        let rows: f64 = y
            .iter()
            .zip(&model.limits)
            .map(|(y, limit)| match *limit {
                Limit::AtMost(rhs) | Limit::AtLeast(rhs) => y * rhs,
            })
            .sum();
        let columns: f64 = reduced
            .iter()
            .enumerate()
            .map(|(j, &d)| {
                if model.is_assignment(j) && model.pinned[j] {
                    d
                } else if model.upper[j].is_finite() {
                    model.upper[j] * d.max(0.0)
                } else {
                    // Scaled above: a slack's gain is at most round-off.
                    0.0
                }
            })
            .sum();
        Self {
            multipliers: y,
            reduced,
            bound: model.offset + rows + cut_rows + columns,
            entering,
        }
    }

    /// The bound on every solution that takes assignment `k`: the bound
    /// less what forcing `k` to 1 costs, its own reduced cost and its
    /// covers' (its trip is paid once it is taken).
    pub fn forced(&self, model: &Model, k: usize) -> f64 {
        if model.pinned[k] {
            return self.bound;
        }
        let covers: f64 = model
            .covers_of(k)
            .map(|g| (-self.reduced[model.covers[g].column]).max(0.0))
            .sum();
        self.bound - (-self.reduced[k]).max(0.0) - covers
    }
}
