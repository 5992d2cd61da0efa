//! A part of the [`Model`] in HiGHS: the assignment columns a stage takes,
//! the covers, slacks and load steps they need, the rows they touch, and
//! the links `assignment ≤ cover` between them, and the LP's schedule cuts
//! ([`crate::schedules`]). The LP stage grows one part batch by batch of
//! columns and cuts (HiGHS keeps its basis between solves); each MIP stage
//! builds one.
//!
//! Rows with entries reach HiGHS a batch at a time: HiGHS stores its matrix
//! by column, so appending a row with entries moves every entry it holds,
//! and links added one by one took 5 s of a national LP's set-up.

use std::collections::HashMap;
use std::os::raw::c_int;
use std::time::Instant;

use highs::{HighsModelStatus, HighsSolutionStatus, Sense};
use highs_sys::{
    kHighsVarTypeInteger, Highs_addCol, Highs_addRow, Highs_addRows, Highs_changeColBounds,
    Highs_changeColIntegrality, Highs_changeObjectiveOffset,
};

use crate::cuts::Cuts;
use crate::deadline::{Cancel, Deadline};
use crate::model::{Limit, Model};
use crate::solve_error::SolveError;

/// Whether a part's assignment columns are binary or relaxed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelType {
    Lp,
    Mip,
}

/// A row of the HiGHS model: a model row, or the link between an assignment
/// column and one of its covers.
#[derive(Debug, Clone, Copy)]
enum RowOf {
    Model(usize),
    Link { assignment: usize, cover: usize },
    Cut(usize),
}

/// A part of the model as a HiGHS model.
pub struct HighsPart<'m> {
    model: &'m Model,
    kind: ModelType,
    highs: highs::Model,
    /// HiGHS column of each model column in the part.
    col_of: Vec<Option<c_int>>,
    /// Model column of each HiGHS column.
    columns: Vec<usize>,
    /// HiGHS row of each model row in the part.
    row_of: Vec<Option<c_int>>,
    /// What each HiGHS row is.
    rows: Vec<RowOf>,
    /// Links of the columns added since the last batch: HiGHS column of the
    /// assignment, of the cover, and what the row is.
    links: Vec<(c_int, c_int, RowOf)>,
    /// Cuts in the part.
    cuts: usize,
    /// Entries of the part's cuts in columns it does not hold yet.
    pending: HashMap<usize, Vec<(c_int, f64)>>,
    /// Stops the part's solves from another thread.
    cancel: Cancel,
    /// What HiGHS's interrupt callbacks read: declared after `highs`, so it
    /// outlives it.
    deadline: Deadline,
}

/// What HiGHS answered for a part.
pub struct HighsAnswer {
    pub status: HighsOutcome,
    /// Value of every model column (0 outside the part), when HiGHS has a
    /// feasible point.
    pub values: Option<Vec<f64>>,
    /// HiGHS's objective.
    pub objective: f64,
    /// The MIP's dual bound, when finite.
    pub bound: Option<f64>,
    /// Row duals (LP only): per model row, 0 outside the part, and per link
    /// `(assignment, cover, dual)`.
    pub duals: Option<Duals>,
}

/// How HiGHS ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HighsOutcome {
    Optimal,
    /// Stopped by the time limit or the deadline.
    Stopped,
}

/// Row duals of an LP, as HiGHS reports them: a column's reduced cost is
/// its cost less the sum of its rows' duals times its coefficients.
pub struct Duals {
    pub rows: Vec<f64>,
    pub links: Vec<(usize, usize, f64)>,
    /// Per cut of the part.
    pub cuts: Vec<f64>,
}

/// HiGHS options every part shares.
#[derive(Debug, Clone)]
pub struct Settings {
    pub mip_gap: f64,
    /// `STAFFING_SOLVER_LOG=FILE` writes HiGHS's own log there, for tuning.
    pub log: Option<String>,
    /// Stops every solve of the optimisation when cancelled.
    pub cancel: Option<Cancel>,
}

impl Settings {
    /// Solved to the last unit, without a log: what the tests compare, and
    /// the small LPs of [`small_lp`].
    pub const EXACT: Settings = Settings {
        mip_gap: 0.0,
        log: None,
        cancel: None,
    };

    /// The same settings with another relative MIP gap.
    pub fn with_gap(&self, mip_gap: f64) -> Self {
        Self {
            mip_gap,
            ..self.clone()
        }
    }
}

impl<'m> HighsPart<'m> {
    /// A part holding the given assignment columns and every cadre slack.
    pub fn new(
        model: &'m Model,
        kind: ModelType,
        assignments: impl IntoIterator<Item = usize>,
        settings: &Settings,
    ) -> Result<Self, SolveError> {
        let mut highs = highs::RowProblem::default()
            .try_optimise(Sense::Maximise)
            .map_err(|e| SolveError::Solver(format!("cannot create a HiGHS model: {e:?}")))?;
        configure(&mut highs, kind, settings)?;
        // HiGHS measures its gap against its own objective, so it must carry
        // the model's constant (−w_unfilled · Σ needed) too.
        // SAFETY: the pointer is the live HiGHS instance `highs` owns.
        let status = unsafe { Highs_changeObjectiveOffset(highs.as_mut_ptr(), model.offset) };
        SolveError::unless_highs_ok(status, "take the objective offset")?;
        let mut part = Self {
            model,
            kind,
            highs,
            col_of: vec![None; model.column_count()],
            columns: Vec::new(),
            row_of: vec![None; model.row_count()],
            rows: Vec::new(),
            links: Vec::new(),
            cuts: 0,
            pending: HashMap::new(),
            cancel: settings.cancel.clone().unwrap_or_default(),
            deadline: Deadline::default(),
        };
        for j in model.slack_columns() {
            part.column(j)?;
        }
        part.extend(assignments)?;
        Ok(part)
    }

    /// Adds assignment columns (and what they need) to the part.
    pub fn extend(
        &mut self,
        assignments: impl IntoIterator<Item = usize>,
    ) -> Result<(), SolveError> {
        for k in assignments {
            self.column(k)?;
        }
        self.add_links()
    }

    /// Adds the links of the columns added since the last call.
    fn add_links(&mut self) -> Result<(), SolveError> {
        let mut batch = RowBatch::default();
        for (assignment, cover, row) in self.links.drain(..) {
            batch.push(f64::NEG_INFINITY, 0.0, [(assignment, 1.0), (cover, -1.0)]);
            self.rows.push(row);
        }
        batch.add_to(&mut self.highs)
    }

    /// Adds the cuts the part lacks: their entries in the part's columns
    /// now, the others as the columns come.
    pub fn add_cuts(&mut self, cuts: &Cuts) -> Result<(), SolveError> {
        self.add_links()?;
        let mut batch = RowBatch::default();
        for c in self.cuts..cuts.len() {
            let row = c_int_of(self.rows.len());
            let mut factors = Vec::new();
            for (j, a) in cuts.rows.list(c) {
                match self.col_of[j] {
                    Some(col) => factors.push((col, a)),
                    None => self.pending.entry(j).or_default().push((row, a)),
                }
            }
            batch.push(f64::NEG_INFINITY, cuts.rhs[c], factors);
            self.rows.push(RowOf::Cut(c));
        }
        self.cuts = cuts.len();
        batch.add_to(&mut self.highs)
    }

    /// Holds the part's assignment columns `fixed` at 1 (a MIP over the
    /// rest of the part).
    pub fn fix(&mut self, fixed: impl IntoIterator<Item = usize>) -> Result<(), SolveError> {
        for k in fixed {
            let col = self.column(k)?;
            // SAFETY: the pointer is the live HiGHS instance the part owns.
            let status = unsafe { Highs_changeColBounds(self.highs.as_mut_ptr(), col, 1.0, 1.0) };
            SolveError::unless_highs_ok(status, "fix a column")?;
        }
        self.add_links()
    }

    /// Whether model column `j` is in the part.
    pub fn contains(&self, j: usize) -> bool {
        self.col_of[j].is_some()
    }

    /// Number of assignment columns in the part.
    pub fn assignment_count(&self) -> usize {
        self.columns
            .iter()
            .filter(|&&j| self.model.is_assignment(j))
            .count()
    }

    /// The HiGHS column of model column `j`, added with what it needs when
    /// the part lacks it (its links wait for [`Self::extend`]'s batch).
    fn column(&mut self, j: usize) -> Result<c_int, SolveError> {
        if let Some(col) = self.col_of[j] {
            return Ok(col);
        }
        let model = self.model;
        let mut factors = Vec::new();
        for (r, v) in model.columns.list(j) {
            factors.push((self.row(r)?, v));
        }
        factors.extend(self.pending.remove(&j).unwrap_or_default());
        let (index, value): (Vec<c_int>, Vec<f64>) = factors.into_iter().unzip();
        let assignment = model.is_assignment(j);
        let lower = if assignment && model.pinned[j] {
            1.0
        } else {
            0.0
        };
        let col = c_int_of(self.columns.len());
        let highs = self.highs.as_mut_ptr();
        // SAFETY: the pointer is the live HiGHS instance the part owns; the
        // entries are `index.len()` long and name rows it holds.
        let status = unsafe {
            Highs_addCol(
                highs,
                model.cost[j],
                lower,
                model.upper[j],
                c_int_of(index.len()),
                index.as_ptr(),
                value.as_ptr(),
            )
        };
        SolveError::unless_highs_ok(status, "add a column")?;
        // Load steps are integral at every optimum; saying so lets HiGHS
        // branch on them (docs/model.md: what it gained).
        if (assignment || model.is_step(j)) && self.kind == ModelType::Mip {
            // SAFETY: as above; `col` is the column just added.
            let status = unsafe { Highs_changeColIntegrality(highs, col, kHighsVarTypeInteger) };
            SolveError::unless_highs_ok(status, "make a column integral")?;
        }
        self.col_of[j] = Some(col);
        self.columns.push(j);
        if assignment {
            // The instructor's load row holds its steps from the first
            // assignment on, or it would cap the part at one session.
            for &u in &model.steps[model.pairs[j].1] {
                self.column(u)?;
            }
            for g in model.covers_of(j) {
                let z = self.column(model.covers[g].column)?;
                let row = RowOf::Link {
                    assignment: j,
                    cover: g,
                };
                self.links.push((col, z, row));
            }
        }
        Ok(col)
    }

    /// The HiGHS row of model row `r`, added (empty, which HiGHS appends
    /// without moving its matrix) when the part lacks it.
    fn row(&mut self, r: usize) -> Result<c_int, SolveError> {
        if let Some(row) = self.row_of[r] {
            return Ok(row);
        }
        let (lower, upper) = match self.model.limits[r] {
            Limit::AtMost(u) => (f64::NEG_INFINITY, u),
            Limit::AtLeast(l) => (l, f64::INFINITY),
        };
        let row = c_int_of(self.rows.len());
        // SAFETY: the pointer is the live HiGHS instance the part owns; the
        // row has no entries.
        let status = unsafe {
            Highs_addRow(
                self.highs.as_mut_ptr(),
                lower,
                upper,
                0,
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        SolveError::unless_highs_ok(status, "add a row")?;
        self.row_of[r] = Some(row);
        self.rows.push(RowOf::Model(r));
        Ok(row)
    }

    /// Solves the part until `deadline`, starting a MIP from `start` (values
    /// of every model column) when given; returns the answer and the part,
    /// which HiGHS keeps solved for the next [`Self::extend`].
    pub fn solve(
        mut self,
        deadline: Instant,
        start: Option<&[f64]>,
    ) -> Result<(HighsAnswer, Self), SolveError> {
        let model = self.model;
        if self.columns.is_empty() {
            // HiGHS calls a model without columns empty rather than solved.
            let answer = HighsAnswer {
                status: HighsOutcome::Optimal,
                values: Some(vec![0.0; model.column_count()]),
                objective: model.offset,
                bound: Some(model.offset),
                duals: Some(Duals {
                    rows: vec![0.0; model.row_count()],
                    links: Vec::new(),
                    cuts: vec![0.0; self.cuts],
                }),
            };
            return Ok((answer, self));
        }
        let mut highs = self.highs;
        let remaining = deadline.saturating_duration_since(Instant::now());
        set(&mut highs, "time_limit", remaining.as_secs_f64())?;
        if let Some(start) = start {
            let values: Vec<f64> = self.columns.iter().map(|&j| start[j]).collect();
            highs.set_solution(Some(&values), None, None, None);
        }
        self.deadline.arm(&mut highs, deadline, &self.cancel)?;
        let solved = highs
            .try_solve()
            .map_err(|e| SolveError::Solver(format!("{e:?}")))?;
        let status = match solved.status() {
            HighsModelStatus::Optimal | HighsModelStatus::ObjectiveBound => HighsOutcome::Optimal,
            HighsModelStatus::ReachedTimeLimit
            | HighsModelStatus::ReachedIterationLimit
            | HighsModelStatus::ReachedSolutionLimit
            | HighsModelStatus::ReachedInterrupt
            | HighsModelStatus::ReachedMemoryLimit => HighsOutcome::Stopped,
            other => return Err(SolveError::Solver(format!("HiGHS ended with {other:?}"))),
        };
        let solution = solved.get_solution();
        let feasible = solved.primal_solution_status() == HighsSolutionStatus::Feasible;
        let values = feasible.then(|| {
            let mut values = vec![0.0; model.column_count()];
            for (&j, &v) in self.columns.iter().zip(solution.columns()) {
                values[j] = v;
            }
            values
        });
        let duals = (self.kind == ModelType::Lp && status == HighsOutcome::Optimal).then(|| {
            let mut duals = Duals {
                rows: vec![0.0; model.row_count()],
                links: Vec::new(),
                cuts: vec![0.0; self.cuts],
            };
            for (&row, &y) in self.rows.iter().zip(solution.dual_rows()) {
                match row {
                    RowOf::Model(r) => duals.rows[r] = y,
                    RowOf::Link { assignment, cover } => duals.links.push((assignment, cover, y)),
                    RowOf::Cut(c) => duals.cuts[c] = y,
                }
            }
            duals
        });
        let bound = match self.kind {
            ModelType::Mip => solved
                .double_info_value(c"mip_dual_bound")
                .ok()
                .filter(|b| b.is_finite()),
            ModelType::Lp => None,
        };
        let answer = HighsAnswer {
            status,
            values,
            objective: solved.objective_value(),
            bound,
            duals,
        };
        self.highs = solved.into();
        Ok((answer, self))
    }
}

/// A row `Σ a_j · x_j ≤ rhs` over some columns: its terms `(j, a_j)` and
/// `rhs`.
pub type AtMostRow = (Vec<(usize, f64)>, f64);

/// A small LP outside the model, maximised: columns `(cost, lower,
/// upper)` and rows `Σ a_j · x_j ≤ rhs`. Returns its optimal columns, or
/// `None` when HiGHS finds no optimum (or fails: a caller that only looks
/// for a cut does without it).
pub fn small_lp(columns: &[(f64, f64, f64)], rows: &[AtMostRow]) -> Option<Vec<f64>> {
    let mut highs = highs::RowProblem::default()
        .try_optimise(Sense::Maximise)
        .ok()?;
    configure(&mut highs, ModelType::Lp, &Settings::EXACT).ok()?;
    let cols: Vec<highs::Col> = columns
        .iter()
        .map(|&(cost, lower, upper)| highs.add_col(cost, lower..=upper, []))
        .collect();
    for (terms, rhs) in rows {
        highs.add_row(..=*rhs, terms.iter().map(|&(j, a)| (cols[j], a)));
    }
    let solved = highs.try_solve().ok()?;
    (solved.status() == HighsModelStatus::Optimal).then(|| solved.get_solution().columns().to_vec())
}

/// Rows waiting to be handed to HiGHS in one call.
#[derive(Default)]
struct RowBatch {
    lower: Vec<f64>,
    upper: Vec<f64>,
    starts: Vec<c_int>,
    index: Vec<c_int>,
    value: Vec<f64>,
}

impl RowBatch {
    fn push(&mut self, lower: f64, upper: f64, entries: impl IntoIterator<Item = (c_int, f64)>) {
        self.starts.push(c_int_of(self.index.len()));
        self.lower.push(lower);
        self.upper.push(upper);
        for (col, a) in entries {
            self.index.push(col);
            self.value.push(a);
        }
    }

    /// Appends the rows to `highs` after its last row.
    fn add_to(self, highs: &mut highs::Model) -> Result<(), SolveError> {
        if self.lower.is_empty() {
            return Ok(());
        }
        // SAFETY: the pointer is the live HiGHS instance `highs` owns; the
        // arrays are as long as the counts say, and name columns it holds.
        let status = unsafe {
            Highs_addRows(
                highs.as_mut_ptr(),
                c_int_of(self.lower.len()),
                self.lower.as_ptr(),
                self.upper.as_ptr(),
                c_int_of(self.index.len()),
                self.starts.as_ptr(),
                self.index.as_ptr(),
                self.value.as_ptr(),
            )
        };
        SolveError::unless_highs_ok(status, "add rows")
    }
}

/// An index or count as HiGHS takes it (a part holds far fewer than 2³¹
/// columns and entries).
fn c_int_of(n: usize) -> c_int {
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

fn configure(
    highs: &mut highs::Model,
    kind: ModelType,
    settings: &Settings,
) -> Result<(), SolveError> {
    set(highs, "output_flag", settings.log.is_some())?;
    if let Some(path) = &settings.log {
        set(highs, "log_to_console", false)?;
        set(highs, "log_file", path.as_str())?;
    }
    set(highs, "random_seed", 0)?;
    set(highs, "threads", 1)?;
    match kind {
        ModelType::Lp => set(highs, "solver", "simplex"),
        ModelType::Mip => set(highs, "mip_rel_gap", settings.mip_gap),
    }
}

fn set<V: highs::HighsOptionValue>(
    model: &mut highs::Model,
    name: &str,
    value: V,
) -> Result<(), SolveError> {
    model
        .try_set_option(name, value)
        .map_err(|e| SolveError::Solver(format!("setting HiGHS option {name}: {e:?}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::{Duration, Instant};

    use super::*;
    use crate::candidates::Candidates;
    use crate::pricing::Prices;
    use crate::solve::checked_index;
    use crate::synthetic::test_plans;

    fn solved(part: HighsPart) -> HighsAnswer {
        let far = Instant::now() + Duration::from_secs(600);
        part.solve(far, None).unwrap().0
    }

    /// A part grown in batches, its cuts added before some of their
    /// columns, is the same LP as one built with every column first, and
    /// its duals land on their own rows: priced with them, the whole model's
    /// bound is the LP's optimum.
    #[test]
    fn a_part_grown_in_batches_is_the_part_built_at_once() {
        let (mut held_back, mut cut) = (0, 0);
        for problem in test_plans(240, 21) {
            let index = checked_index(&problem).unwrap();
            let model = Model::build(&index, &Candidates::build(&index));
            let all = || 0..model.pairs.len();
            let settings = &Settings::EXACT;
            let lp = solved(HighsPart::new(&model, ModelType::Lp, all(), settings).unwrap());
            let mut cuts = Cuts::new();
            let prices = Prices::new(&model, &cuts, lp.duals.as_ref().unwrap(), |_| true);
            crate::schedules::separate(&mut cuts, &model, &prices.multipliers, &lp.values.unwrap());

            let mut at_once = HighsPart::new(&model, ModelType::Lp, all(), settings).unwrap();
            at_once.add_cuts(&cuts).unwrap();
            let half = model.pairs.len() / 2;
            let mut grown = HighsPart::new(&model, ModelType::Lp, 0..half, settings).unwrap();
            grown.add_cuts(&cuts).unwrap();
            held_back += grown.pending.len();
            grown.extend(half..model.pairs.len()).unwrap();
            assert!(grown.pending.is_empty());
            assert_eq!(grown.rows.len(), at_once.rows.len());

            let expected = solved(at_once).objective;
            let tolerance = 1e-6 * expected.abs().max(1.0);
            let answer = solved(grown);
            assert!((answer.objective - expected).abs() <= tolerance);
            let priced = Prices::new(&model, &cuts, answer.duals.as_ref().unwrap(), |_| true);
            assert!((priced.bound - expected).abs() <= tolerance);
            cut += usize::from(expected < lp.objective - 1e-6);
        }
        assert!(cut > 0, "no plan's cuts cut its LP");
        assert!(held_back > 0, "no cut had an entry in a column added later");
    }
}
