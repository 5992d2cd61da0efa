//! A set of assignments being built or searched: the activity of every row,
//! how many chosen assignments each cover column covers and how many each
//! instructor holds (its load steps), so that adding, removing and checking
//! an assignment costs only its own entries.

use crate::model::{Limit, Model};

pub struct RowActivity<'m> {
    model: &'m Model,
    activity: Vec<f64>,
    covered: Vec<u32>,
    load: Vec<usize>,
}

impl<'m> RowActivity<'m> {
    /// No assignment chosen.
    pub fn new(model: &'m Model) -> Self {
        Self {
            model,
            activity: vec![0.0; model.row_count()],
            covered: vec![0; model.column_count()],
            load: vec![0; model.by_instructor.len()],
        }
    }

    /// Adds assignment `k` and opens the covers and the load step it needs;
    /// returns their cost (the trips it starts paying, its balance term).
    pub fn add(&mut self, k: usize) -> f64 {
        let model = self.model;
        let mut opened = 0.0;
        self.shift(k, 1.0);
        let i = model.pairs[k].1;
        self.load[i] += 1;
        if let Some(u) = self.step(i) {
            opened += model.cost[u];
            self.shift(u, 1.0);
        }
        for g in model.covers_of(k) {
            let z = model.covers[g].column;
            self.covered[z] += 1;
            if self.covered[z] == 1 {
                opened += model.cost[z];
                self.shift(z, 1.0);
            }
        }
        opened
    }

    /// Removes assignment `k`, as [`Self::add`] added it.
    pub fn remove(&mut self, k: usize) {
        let model = self.model;
        self.shift(k, -1.0);
        let i = model.pairs[k].1;
        if let Some(u) = self.step(i) {
            self.shift(u, -1.0);
        }
        self.load[i] -= 1;
        for g in model.covers_of(k) {
            let z = model.covers[g].column;
            self.covered[z] -= 1;
            if self.covered[z] == 0 {
                self.shift(z, -1.0);
            }
        }
    }

    /// Whether every ≤ row that assignment `k` or its covers touch holds.
    pub fn holds(&self, k: usize) -> bool {
        let model = self.model;
        let covers = model
            .covers_of(k)
            .flat_map(|g| model.columns.list(model.covers[g].column));
        model
            .columns
            .list(k)
            .chain(covers)
            .all(|(r, _)| match model.limits[r] {
                Limit::AtMost(u) => self.activity[r] <= u + 1e-9,
                Limit::AtLeast(_) => true,
            })
    }

    /// The load step column instructor `i`'s present load opens, if any.
    fn step(&self, i: usize) -> Option<usize> {
        let n = self.load[i].checked_sub(2)?;
        self.model.steps[i].get(n).copied()
    }

    fn shift(&mut self, j: usize, by: f64) {
        for (r, a) in self.model.columns.list(j) {
            self.activity[r] += a * by;
        }
    }
}
