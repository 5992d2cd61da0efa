//! The model's optimum by price and fix: an LP over a growing part of the
//! model, sharpened by schedule cuts ([`crate::schedules`]), bounds the
//! whole; its rounding ([`crate::rounding`]) and a MIP over its
//! neighbourhood give a first incumbent, MIPs over growing cores of the
//! pairs the LP prices best improve it; reduced costs rule out every pair
//! that cannot beat it, and a last MIP over the pairs left proves the
//! optimum of the whole model.
//!
//! A general MIP solver on the whole model spends minutes on a provincial
//! plan before its first LP (its clique table over ~150 candidates per
//! session); here HiGHS only ever sees the few pairs that can matter.

use std::time::Instant;

use crate::cuts::Cuts;
use crate::highs_part::{HighsAnswer, HighsOutcome, HighsPart, ModelType, Settings};
use crate::index::{Inst, Sess};
use crate::model::Model;
use crate::pricing::Prices;
use crate::rounding::round;
use crate::schedules;
use crate::solution::Status;
use crate::solve_error::SolveError;

/// What the optimisation has learned so far.
#[derive(Debug, Clone)]
pub enum Progress {
    /// A better feasible staffing, and its objective.
    Incumbent {
        pairs: Vec<(Sess, Inst)>,
        objective: f64,
    },
    /// A lower upper bound on the whole model's optimum.
    Bound(f64),
    /// The end: the last incumbent is optimal, or time ran out; with the
    /// pairs the LP took in and the pairs the last MIP kept.
    Done {
        status: Status,
        lp_pairs: usize,
        mip_pairs: usize,
    },
}

/// Assignment columns each session starts the LP with, beyond its needed places.
const FIRST_EXTRA: usize = 10;
/// Assignment columns a session may take into the LP per pricing round,
/// beyond its needed places.
const ENTERING_EXTRA: usize = 6;
/// Rounds of schedule cuts the LP takes at most.
const CUT_ROUNDS: usize = 8;
/// Cuts are sought only while the LP has taken less than this share of
/// its time: each round solves the LP and prices every pair again, time
/// the MIPs need more on a plan whose LP is slow.
const CUT_TIME_SHARE: f64 = 0.25;
/// Pairs per needed place each session brings to the first core, and
/// pairs per needed place of the whole plan the first core takes by their
/// forced bound.
const CORE_FIRST: usize = 1;
/// How much each core is larger than the one before.
const CORE_GROWTH: usize = 2;
/// The share of a core's time its set-up takes at most (HiGHS's presolve
/// takes under a tenth of a provincial core's MIP).
const SETUP_SHARE: f64 = 0.2;
/// The share of `mip_gap` a core short of the whole is solved to.
const CORE_GAP_SHARE: f64 = 0.1;
/// LP values at most this far from 0 or 1 count as 0 or 1.
const LP_ZERO: f64 = 1e-6;

/// Optimises from the feasible `warm` start until `deadline`, telling
/// `progress` each improvement. The stages, each of which ends the
/// optimisation once the optimum is proved within `mip_gap` or time is up:
/// the LP over the whole model by column generation with schedule cuts
/// ([`relax`]), its rounding, a MIP over the LP's neighbourhood, then MIPs
/// over growing cores.
pub fn optimise(
    model: &Model,
    needed: &[usize],
    warm: Vec<bool>,
    deadline: Instant,
    settings: &Settings,
    mut progress: impl FnMut(Progress),
) -> Result<(), SolveError> {
    let mut best = Incumbent::new(model, warm);
    progress(best.report(model));
    let relaxed = relax(
        model,
        needed,
        &best.chosen,
        deadline,
        settings,
        &mut progress,
    )?;
    let Some(lp) = relaxed else {
        progress(Progress::Done {
            status: Status::TimeLimit,
            lp_pairs: 0,
            mip_pairs: 0,
        });
        return Ok(());
    };
    let stages = Stages {
        model,
        needed,
        lp: &lp,
        deadline,
        settings,
        core_settings: settings.with_gap(settings.mip_gap * CORE_GAP_SHARE),
    };
    let (status, mip_pairs) = match stages.rounding(&mut best, &mut progress) {
        Some(ended) => ended,
        None => match stages.neighbourhood(&mut best, &mut progress)? {
            Some(ended) => ended,
            None => stages.cores(&mut best, &mut progress)?,
        },
    };
    progress(Progress::Done {
        status,
        lp_pairs: lp.pairs,
        mip_pairs,
    });
    Ok(())
}

/// How a stage ended the optimisation: the status and the pairs of its MIP.
type Ended = (Status, usize);

/// What the stages after the LP share.
struct Stages<'a> {
    model: &'a Model,
    needed: &'a [usize],
    lp: &'a Relaxed,
    deadline: Instant,
    settings: &'a Settings,
    /// A MIP short of the whole model is solved tighter than `mip_gap`: its
    /// optimum, not the incumbent, is what the next stage should beat.
    core_settings: Settings,
}

impl Stages<'_> {
    fn proved(&self, best: &Incumbent) -> bool {
        within(self.lp.prices.bound, best.objective, self.settings.mip_gap)
    }

    /// The LP rounded into a staffing; ends when that is proved good enough.
    fn rounding(&self, best: &mut Incumbent, progress: &mut impl FnMut(Progress)) -> Option<Ended> {
        if best.offer(self.model, round(self.model, self.needed, &self.lp.values)) {
            progress(best.report(self.model));
        }
        self.proved(best).then_some((Status::Optimal, 0))
    }

    /// The LP's neighbourhood (RINS): the pairs both the LP and the best
    /// staffing take stay fixed, and a MIP chooses among the rest of either.
    /// It is small and solved in moments, whereas the first core's MIP
    /// needs many seconds to its first improvement on a national plan.
    fn neighbourhood(
        &self,
        best: &mut Incumbent,
        progress: &mut impl FnMut(Progress),
    ) -> Result<Option<Ended>, SolveError> {
        let (model, values) = (self.model, &self.lp.values);
        let near: Vec<usize> = (0..model.pairs.len())
            .filter(|&k| best.chosen[k] || values[k] > LP_ZERO)
            .collect();
        let agreed: Vec<usize> = near
            .iter()
            .copied()
            .filter(|&k| best.chosen[k] && values[k] >= 1.0 - LP_ZERO)
            .collect();
        let answer = mip(
            model,
            &near,
            &agreed,
            best,
            self.deadline,
            &self.core_settings,
        )?;
        if best.improve(model, &answer) {
            progress(best.report(model));
        }
        Ok(if self.proved(best) {
            Some((Status::Optimal, near.len()))
        } else if answer.status == HighsOutcome::Stopped {
            Some((Status::TimeLimit, near.len()))
        } else {
            None
        })
    }

    /// Cores of growing size: each session's pairs of best reduced cost in
    /// the LP before cuts (ties broken by the pair's value on its own), which
    /// find good staffings, and the pairs that leave the highest bound when
    /// forced in, which prove: a staffing that takes a pair left out is
    /// bounded by that pair's forced bound. Each core's MIP starts from the
    /// best staffing so far; pairs that cannot beat it are left out
    /// (reduced-cost fixing), and so are, from the proof, pairs whose forced
    /// bound is within `mip_gap` of it: once a core holds every pair above
    /// that, its MIP's answer holds for the whole model within `mip_gap`.
    fn cores(
        &self,
        best: &mut Incumbent,
        progress: &mut impl FnMut(Progress),
    ) -> Result<Ended, SolveError> {
        let (model, needed, lp) = (self.model, self.needed, self.lp);
        let keyed = (0..model.pairs.len()).map(|k| (k, [lp.reduced[k], model.single_value(k)]));
        let ranked = ranked_per_session(model, needed.len(), keyed);
        let forced: Vec<f64> = (0..model.pairs.len())
            .map(|k| lp.prices.forced(model, k))
            .collect();
        let mut levels = forced.clone();
        levels.sort_unstable_by(|a, b| b.total_cmp(a));
        let places: usize = needed.iter().sum();
        let mut per_place = CORE_FIRST;
        loop {
            let scale = best.objective.abs().max(1.0);
            let slack = 1e-6 * scale;
            let beats =
                |k: usize| best.chosen[k] || model.pinned[k] || forced[k] >= best.objective - slack;
            // A pair whose forced bound is within `mip_gap` of the best
            // staffing cannot make it short of the optimum by more than the
            // gap: a proof needs only the pairs above that.
            let tolerated = best.objective + self.settings.mip_gap * scale * (1.0 - 1e-9);
            let level = levels
                .get(places * per_place)
                .copied()
                .unwrap_or(f64::NEG_INFINITY);
            let mut core = Vec::new();
            let mut left_out = Vec::new();
            let mut tolerated_out = Vec::new();
            for (s, list) in ranked.iter().enumerate() {
                for (rank, k) in list.iter().copied().filter(|&k| beats(k)).enumerate() {
                    let first = rank < needed[s] * per_place || forced[k] > level;
                    if first || best.found[k] || model.pinned[k] || lp.values[k] > LP_ZERO {
                        core.push(k);
                    } else if forced[k] > tolerated {
                        left_out.push(k);
                    } else {
                        tolerated_out.push(k);
                    }
                }
            }
            // A core holding most of what a proof needs might as well hold all of it.
            if left_out.len() < core.len() {
                core.append(&mut left_out);
            }
            let whole = left_out.is_empty();
            left_out.append(&mut tolerated_out);
            let size = core.len();
            let started = Instant::now();
            let gap = if whole {
                self.settings
            } else {
                &self.core_settings
            };
            let answer = mip(model, &core, &[], best, self.deadline, gap)?;
            if best.improve(model, &answer) {
                progress(best.report(model));
            }
            // A staffing better than the incumbent takes only the core's pairs
            // (bounded by the core's MIP) or one left out (bounded by the LP
            // with that pair forced in).
            let outside = left_out
                .iter()
                .map(|&k| forced[k])
                .fold(best.objective, f64::max);
            let bound = answer
                .bound
                .map_or(lp.prices.bound, |b| b.max(outside).min(lp.prices.bound));
            if bound < lp.prices.bound {
                progress(Progress::Bound(bound));
            }
            let proved = whole && answer.status == HighsOutcome::Optimal;
            if proved || within(bound, best.objective, self.settings.mip_gap) {
                return Ok((Status::Optimal, size));
            }
            // The next core runs even when it cannot end in time: its MIP
            // starts from the best staffing and hands back any better one it
            // finds by the deadline. Only a core whose set-up (presolve,
            // which checks no clock) might itself pass the deadline is not
            // started.
            let left = self.deadline.saturating_duration_since(Instant::now());
            let setup = started.elapsed().mul_f64(SETUP_SHARE * CORE_GROWTH as f64);
            if answer.status == HighsOutcome::Stopped || left <= setup {
                return Ok((Status::TimeLimit, size));
            }
            per_place *= CORE_GROWTH;
        }
    }
}

/// Whether `objective` is proved within the relative `gap` of `bound`
/// (SPEC 5.5's gap).
fn within(bound: f64, objective: f64, gap: f64) -> bool {
    (bound - objective) / objective.abs().max(1.0) <= gap
}

/// Each session's pairs among `keyed`, best key first (keys compared in
/// order, ties to the lower column).
fn ranked_per_session(
    model: &Model,
    sessions: usize,
    keyed: impl IntoIterator<Item = (usize, [f64; 2])>,
) -> Vec<Vec<usize>> {
    let mut ranked: Vec<Vec<([f64; 2], usize)>> = vec![Vec::new(); sessions];
    for (k, key) in keyed {
        ranked[model.pairs[k].0].push((key, k));
    }
    ranked
        .into_iter()
        .map(|mut list| {
            list.sort_by(|(a, j), (b, k)| {
                b[0].total_cmp(&a[0])
                    .then(b[1].total_cmp(&a[1]))
                    .then(j.cmp(k))
            });
            list.into_iter().map(|(_, k)| k).collect()
        })
        .collect()
}

/// The first `needed + extra` of each session's ranked pairs.
fn best_per_session(
    ranked: Vec<Vec<usize>>,
    needed: &[usize],
    extra: usize,
) -> impl Iterator<Item = usize> + '_ {
    ranked
        .into_iter()
        .zip(needed)
        .flat_map(move |(list, &n)| list.into_iter().take(n + extra))
}

/// The LP of the whole model, solved by column generation and cut.
struct Relaxed {
    /// Pairs the LP took in.
    pairs: usize,
    /// The last round's prices: the bound, and the reduced costs that fix
    /// pairs.
    prices: Prices,
    /// Reduced costs and values of every column in the LP before its first
    /// cut, which rank pairs for the cores: a cut's dual lowers every pair
    /// of its instructor alike, which says little about which of a
    /// session's pairs matter.
    reduced: Vec<f64>,
    values: Vec<f64>,
}

/// The LP of the whole model by column generation, then rounds of
/// schedule cuts, each followed by column generation again; `None` when
/// the deadline struck before the first LP was solved.
fn relax(
    model: &Model,
    needed: &[usize],
    warm: &[bool],
    deadline: Instant,
    settings: &Settings,
    progress: &mut impl FnMut(Progress),
) -> Result<Option<Relaxed>, SolveError> {
    let keyed = (0..model.pairs.len()).map(|k| (k, [model.single_value(k), 0.0]));
    let first = best_per_session(
        ranked_per_session(model, needed.len(), keyed),
        needed,
        FIRST_EXTRA,
    );
    let first: Vec<usize> = first
        .chain((0..model.pairs.len()).filter(|&k| warm[k] || model.pinned[k]))
        .collect();
    let started = Instant::now();
    let mut cuts = Cuts::new();
    let mut lp = HighsPart::new(model, ModelType::Lp, first, settings)?;
    let mut last = None;
    let mut uncut = None;
    let mut rounds = 0;
    while Instant::now() < deadline {
        let (answer, solved) = lp.solve(deadline, None)?;
        lp = solved;
        let (Some(duals), Some(values)) = (answer.duals, answer.values) else {
            break;
        };
        let prices = Prices::new(model, &cuts, &duals, |k| lp.contains(k));
        progress(Progress::Bound(prices.bound));
        let keyed = prices.entering.iter().map(|&(k, gain)| (k, [gain, 0.0]));
        let entering: Vec<usize> = best_per_session(
            ranked_per_session(model, needed.len(), keyed),
            needed,
            ENTERING_EXTRA,
        )
        .collect();
        if !entering.is_empty() {
            lp.extend(entering)?;
        } else {
            uncut.get_or_insert_with(|| (prices.reduced.clone(), values.clone()));
            // The LP of the model and the cuts so far is solved: cut it.
            let affordable = started.elapsed().as_secs_f64()
                < CUT_TIME_SHARE * deadline.saturating_duration_since(started).as_secs_f64();
            if rounds == CUT_ROUNDS
                || !affordable
                || schedules::separate(&mut cuts, model, &prices.multipliers, &values) == 0
            {
                last = Some((prices, values));
                break;
            }
            rounds += 1;
            lp.add_cuts(&cuts)?;
        }
        last = Some((prices, values));
    }
    Ok(last.map(|(prices, values)| {
        let (reduced, values) = uncut.unwrap_or_else(|| (prices.reduced.clone(), values));
        Relaxed {
            pairs: lp.assignment_count(),
            prices,
            reduced,
            values,
        }
    }))
}

/// A MIP over the given assignment columns, those `fixed` held at 1,
/// started from the incumbent (which takes every fixed pair).
fn mip(
    model: &Model,
    columns: &[usize],
    fixed: &[usize],
    best: &Incumbent,
    deadline: Instant,
    settings: &Settings,
) -> Result<HighsAnswer, SolveError> {
    let part = || -> Result<HighsPart, SolveError> {
        let mut part = HighsPart::new(model, ModelType::Mip, columns.iter().copied(), settings)?;
        part.fix(fixed.iter().copied())?;
        Ok(part)
    };
    let start = model.column_values(&best.chosen);
    let (answer, _) = part()?.solve(deadline, Some(&start))?;
    if !stale(model, &answer) {
        return Ok(answer);
    }
    // HiGHS can report Optimal yet hand back the start when its presolve
    // solves the whole model (HiGHS issue 907); such models are tiny, so
    // solve again without the start.
    let (answer, _) = part()?.solve(deadline, None)?;
    Ok(answer)
}

/// Whether HiGHS's columns fall short of the objective it reports.
fn stale(model: &Model, answer: &HighsAnswer) -> bool {
    answer.values.as_ref().is_some_and(|values| {
        let objective = model.objective(&chosen(model, values));
        objective < answer.objective - 1e-6 * objective.abs().max(1.0)
    })
}

/// The assignment columns at 1.
fn chosen(model: &Model, values: &[f64]) -> Vec<bool> {
    values[..model.pairs.len()]
        .iter()
        .map(|&v| v > 0.5)
        .collect()
}

/// The best staffing found.
struct Incumbent {
    chosen: Vec<bool>,
    objective: f64,
    /// The pairs of every staffing offered: the cores keep them.
    found: Vec<bool>,
}

impl Incumbent {
    fn new(model: &Model, chosen: Vec<bool>) -> Self {
        Self {
            objective: model.objective(&chosen),
            found: chosen.clone(),
            chosen,
        }
    }

    /// Takes the answer's staffing when it is better.
    fn improve(&mut self, model: &Model, answer: &HighsAnswer) -> bool {
        answer
            .values
            .as_ref()
            .is_some_and(|values| self.offer(model, chosen(model, values)))
    }

    /// Takes the staffing when it is better.
    fn offer(&mut self, model: &Model, chosen: Vec<bool>) -> bool {
        for (found, &on) in self.found.iter_mut().zip(&chosen) {
            *found |= on;
        }
        let objective = model.objective(&chosen);
        if objective <= self.objective {
            return false;
        }
        self.chosen = chosen;
        self.objective = objective;
        true
    }

    fn report(&self, model: &Model) -> Progress {
        let pairs = model
            .pairs
            .iter()
            .zip(&self.chosen)
            .filter(|(_, &on)| on)
            .map(|(&pair, _)| pair)
            .collect();
        Progress::Incumbent {
            pairs,
            objective: self.objective,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::Duration;

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::candidates::Candidates;
    use crate::greedy::greedy;
    use crate::highs_part::Duals;
    use crate::index::Index;
    use crate::model::Limit;
    use crate::solve::checked_index;
    use crate::synthetic::test_plans;

    fn far() -> Instant {
        Instant::now() + Duration::from_secs(600)
    }

    /// One MIP over every pair of the model, solved to optimality.
    fn whole_mip(model: &Model) -> HighsAnswer {
        let all: Vec<usize> = (0..model.pairs.len()).collect();
        let (answer, _) = HighsPart::new(model, ModelType::Mip, all, &Settings::EXACT)
            .unwrap()
            .solve(far(), None)
            .unwrap();
        assert_eq!(answer.status, HighsOutcome::Optimal);
        answer
    }

    fn whole_optimum(model: &Model) -> f64 {
        whole_mip(model).objective
    }

    fn model_of<'a>(problem: &'a crate::Problem) -> (Index<'a>, Candidates, Model) {
        let index = checked_index(problem).unwrap();
        let candidates = Candidates::build(&index);
        let model = Model::build(&index, &candidates);
        (index, candidates, model)
    }

    /// The greedy hand method's staffing, as assignment columns.
    fn hand_staffing(index: &Index, candidates: &Candidates, model: &Model) -> Vec<bool> {
        let mut chosen = vec![false; model.pairs.len()];
        for pair in greedy(index, &candidates.per_session) {
            chosen[model.pairs.binary_search(&pair).unwrap()] = true;
        }
        chosen
    }

    #[test]
    fn a_mip_keeps_its_fixed_pairs() {
        for problem in test_plans(120, 11) {
            let (index, candidates, model) = model_of(&problem);
            let optimum = whole_optimum(&model);
            let hand = hand_staffing(&index, &candidates, &model);
            // Every other pair of the hand method's staffing.
            let fixed: Vec<usize> = (0..model.pairs.len())
                .filter(|&k| hand[k])
                .step_by(2)
                .collect();
            let all: Vec<usize> = (0..model.pairs.len()).collect();
            let best = Incumbent::new(&model, hand);
            let answer = mip(&model, &all, &fixed, &best, far(), &Settings::EXACT).unwrap();
            let values = answer.values.unwrap();
            assert!(fixed.iter().all(|&k| values[k] > 0.5), "a fixed pair left");
            // At least the start, short of the optimum, which leaves some
            // of the fixed pairs.
            let objective = model.objective(&chosen(&model, &values));
            assert!(objective >= best.objective - 1e-9, "{objective}");
            assert!(objective < optimum - 1e-6, "{objective} vs {optimum}");
        }
    }

    #[test]
    fn a_pair_forced_in_bounds_every_staffing_that_takes_it() {
        for problem in test_plans(120, 11) {
            let (index, candidates, model) = model_of(&problem);
            let hand = hand_staffing(&index, &candidates, &model);
            let needed: Vec<usize> = problem.sessions.iter().map(|s| s.needed as usize).collect();
            let relaxed = relax(&model, &needed, &hand, far(), &Settings::EXACT, &mut |_| {})
                .unwrap()
                .unwrap();
            let prices = relaxed.prices;
            let optimal = chosen(&model, &whole_mip(&model).values.unwrap());
            let rounded = round(&model, &needed, &relaxed.values);
            for staffing in [hand, optimal, rounded] {
                let objective = model.objective(&staffing);
                for k in (0..model.pairs.len()).filter(|&k| staffing[k]) {
                    let forced = prices.forced(&model, k);
                    assert!(
                        forced >= objective - 1e-6,
                        "pair {k}: {forced} < {objective}"
                    );
                }
            }
            // Trips left unpaid by the LP weigh on their pairs.
            let unpaid = (0..model.pairs.len())
                .filter(|&k| {
                    let own = prices.bound - (-prices.reduced[k]).max(0.0);
                    prices.forced(&model, k) < own - 1e-6
                })
                .count();
            assert!(unpaid > 0);
        }
    }

    #[test]
    fn price_and_fix_reach_the_optimum_of_the_whole_model() {
        for problem in test_plans(120, 11) {
            let (index, candidates, model) = model_of(&problem);
            let optimum = whole_optimum(&model);
            let warm = hand_staffing(&index, &candidates, &model);
            let needed: Vec<usize> = problem.sessions.iter().map(|s| s.needed as usize).collect();
            let (mut found, mut bounds, mut done) = (Vec::new(), Vec::new(), None);
            optimise(
                &model,
                &needed,
                warm,
                far(),
                &Settings::EXACT,
                |p| match p {
                    Progress::Incumbent { pairs, .. } => found = pairs,
                    Progress::Bound(b) => bounds.push(b),
                    Progress::Done {
                        status, lp_pairs, ..
                    } => done = Some((status, lp_pairs)),
                },
            )
            .unwrap();
            let mut chosen = vec![false; model.pairs.len()];
            for pair in found {
                chosen[model.pairs.binary_search(&pair).unwrap()] = true;
            }
            let objective = model.objective(&chosen);
            assert!(
                (objective - optimum).abs() < 1e-6,
                "{objective} vs {optimum}"
            );
            assert!(
                bounds.iter().all(|&b| b >= optimum - 1e-6),
                "{bounds:?} < {optimum}"
            );
            let (status, lp_pairs) = done.unwrap();
            assert_eq!(status, Status::Optimal);
            assert!(lp_pairs < model.pairs.len(), "pricing left no pair out");
        }
    }

    #[test]
    fn a_proof_within_the_gap_is_within_the_gap_of_the_optimum() {
        let gap = 2e-3;
        for problem in test_plans(200, 17) {
            let (index, candidates, model) = model_of(&problem);
            let optimum = whole_optimum(&model);
            let warm = hand_staffing(&index, &candidates, &model);
            let needed: Vec<usize> = problem.sessions.iter().map(|s| s.needed as usize).collect();
            let (mut objective, mut bound, mut status) = (f64::NEG_INFINITY, f64::INFINITY, None);
            let settings = Settings::EXACT.with_gap(gap);
            optimise(&model, &needed, warm, far(), &settings, |p| match p {
                Progress::Incumbent { objective: o, .. } => objective = o,
                Progress::Bound(b) => bound = bound.min(b),
                Progress::Done { status: s, .. } => status = Some(s),
            })
            .unwrap();
            assert_eq!(status, Some(Status::Optimal));
            let scale = optimum.abs().max(1.0);
            assert!(
                objective >= optimum - gap * scale,
                "{objective} vs {optimum}"
            );
            assert!(
                objective <= optimum + 1e-6 * scale,
                "{objective} vs {optimum}"
            );
            assert!(bound >= optimum - 1e-6 * scale, "{bound} < {optimum}");
        }
    }

    #[test]
    fn any_duals_of_the_right_signs_bound_the_optimum() {
        let mut rng = StdRng::seed_from_u64(5);
        for problem in test_plans(120, 11) {
            let (_, _, model) = model_of(&problem);
            let optimum = whole_optimum(&model);
            for _ in 0..20 {
                let scale: f64 = rng.random_range(0.0..3.0);
                let duals = Duals {
                    rows: model
                        .limits
                        .iter()
                        .map(|limit| {
                            let y = rng.random_range(0.0..scale);
                            match limit {
                                Limit::AtMost(_) => y,
                                Limit::AtLeast(_) => -y,
                            }
                        })
                        .collect(),
                    links: (0..model.pairs.len())
                        .filter(|k| k % 2 == 0)
                        .flat_map(|k| model.covers_of(k).map(move |g| (k, g)))
                        .map(|(k, g)| (k, g, rng.random_range(0.0..scale)))
                        .collect(),
                    cuts: Vec::new(),
                };
                let prices = Prices::new(&model, &Cuts::new(), &duals, |k| k % 2 == 0);
                assert!(
                    prices.bound >= optimum - 1e-6,
                    "{} < {optimum}",
                    prices.bound
                );
            }
        }
    }
}
