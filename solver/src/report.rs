//! Turns chosen (session, instructor) pairs into the solution of SPEC 5.5:
//! score parts, trips, unfilled places with reasons and near misses, cadre
//! shortfalls, balance loads, and the objective recomputed by the formula
//! of SPEC 5.4.

use std::collections::BTreeSet;

use crate::eligibility::Rule;
use crate::index::{Index, Inst, Sess};
use crate::model::required_cadres;
use crate::solution::{
    Assignment, CadreShortfall, ExcludedBy, Load, NearMiss, Solution, Stats, Status, Trip, Unfilled,
};

/// Near misses listed per unfilled session.
const NEAR_MISSES: usize = 3;

/// The full solution for the chosen pairs, with `bound` clamped to be no
/// lower than the objective and the gap derived from both.
pub fn report(
    index: &Index,
    mut chosen: Vec<(Sess, Inst)>,
    status: Status,
    bound: f64,
    stats: Stats,
) -> Solution {
    chosen.sort_unstable();
    let p = index.problem;
    let w = p.weights;
    let assignments: Vec<Assignment> = chosen
        .iter()
        .map(|&(s, i)| Assignment {
            session: p.sessions[s].id.clone(),
            instructor: p.instructors[i].id.clone(),
            expertise: index.expertise(i, s),
            rating: p.instructors[i].rating,
            kept: index.previous.contains(&(s, i)),
            score: index.assignment_score(i, s),
        })
        .collect();
    let trip_pairs: BTreeSet<(Inst, usize)> = chosen
        .iter()
        .filter(|&&(s, _)| index.in_person(s))
        .map(|&(s, i)| (i, index.session_class[s]))
        .collect();
    let trips: Vec<Trip> = trip_pairs
        .into_iter()
        .map(|(i, c)| Trip {
            instructor: p.instructors[i].id.clone(),
            class: p.classes[c].id.clone(),
            distance_km: index.distance_km(i, c),
            cost: index.trip_cost(i, c),
        })
        .collect();

    let solution_view = Chosen::new(index, &chosen);
    let unfilled: Vec<Unfilled> = (0..index.session_count())
        .filter_map(|s| {
            let missing = p.sessions[s].needed - solution_view.staffed[s];
            (missing > 0).then(|| solution_view.unfilled(s, missing))
        })
        .collect();
    let cadre_shortfalls: Vec<CadreShortfall> = (0..p.classes.len())
        .filter_map(|c| {
            let required = required_cadres(index, c);
            let assigned = solution_view.cadres[c];
            let shortfall = required - assigned as f64;
            (shortfall > 0.0).then(|| CadreShortfall {
                class: p.classes[c].id.clone(),
                required,
                assigned,
                shortfall,
            })
        })
        .collect();

    let loads: Vec<Load> = solution_view
        .teaching
        .iter()
        .enumerate()
        .filter(|(_, taught)| w.balance > 0.0 && taught.len() >= 2)
        .map(|(i, taught)| Load {
            instructor: p.instructors[i].id.clone(),
            sessions: taught.len(),
            capacity: p.instructors[i].capacity,
            cost: index.balance_cost(i, taught.len()),
        })
        .collect();

    let objective = assignments.iter().map(|a| a.score).sum::<f64>()
        - trips.iter().map(|t| t.cost).sum::<f64>()
        - w.unfilled * unfilled.iter().map(|u| u.missing as f64).sum::<f64>()
        - w.cadre_shortfall * cadre_shortfalls.iter().map(|c| c.shortfall).sum::<f64>()
        - loads.iter().map(|l| l.cost).sum::<f64>();
    let bound = bound.max(objective);
    Solution {
        status,
        objective,
        bound,
        gap: (bound - objective) / objective.abs().max(1.0),
        assignments,
        trips,
        unfilled,
        cadre_shortfalls,
        loads,
        stats,
    }
}

/// The chosen pairs seen per session, instructor and class.
struct Chosen<'a> {
    index: &'a Index<'a>,
    staffed: Vec<i64>,
    teaching: Vec<Vec<Sess>>,
    cadres: Vec<usize>,
}

impl<'a> Chosen<'a> {
    fn new(index: &'a Index<'a>, chosen: &[(Sess, Inst)]) -> Self {
        let mut view = Self {
            index,
            staffed: vec![0; index.session_count()],
            teaching: vec![Vec::new(); index.instructor_count()],
            cadres: vec![0; index.problem.classes.len()],
        };
        for &(s, i) in chosen {
            view.staffed[s] += 1;
            view.teaching[i].push(s);
            if index.is_cadre[i] {
                view.cadres[index.session_class[s]] += 1;
            }
        }
        view
    }

    /// Why session `s` lacks `missing` instructors.
    fn unfilled(&self, s: Sess, missing: i64) -> Unfilled {
        let index = self.index;
        let mut eligible = 0;
        let mut excluded_by = ExcludedBy::default();
        let mut near: Vec<(f64, Inst, &'static str, String)> = Vec::new();
        for i in 0..index.instructor_count() {
            let mut failing = index.failing_rules(i, s);
            match (failing.next(), failing.next()) {
                (None, _) => {
                    eligible += 1;
                    if let Some((blocked_by, detail)) = self.blocked(s, i) {
                        near.push((index.recommendation_score(i, s), i, blocked_by, detail));
                    }
                }
                (Some(rule), second) => {
                    *match rule {
                        Rule::Topic => &mut excluded_by.topic,
                        Rule::Unavailable => &mut excluded_by.unavailable,
                        Rule::Remote => &mut excluded_by.remote,
                        Rule::Travel => &mut excluded_by.travel,
                        Rule::Exclusion => &mut excluded_by.exclusion,
                    } += 1;
                    if second.is_none() {
                        near.push((
                            index.recommendation_score(i, s),
                            i,
                            rule.code(),
                            index.explain(rule, i, s),
                        ));
                    }
                }
            }
        }
        near.sort_by(|a, b| {
            b.0.total_cmp(&a.0).then_with(|| {
                index.problem.instructors[a.1]
                    .id
                    .cmp(&index.problem.instructors[b.1].id)
            })
        });
        Unfilled {
            session: index.problem.sessions[s].id.clone(),
            missing,
            eligible,
            excluded_by,
            near_misses: near
                .into_iter()
                .take(NEAR_MISSES)
                .map(|(_, i, blocked_by, detail)| NearMiss {
                    instructor: index.problem.instructors[i].id.clone(),
                    blocked_by: blocked_by.to_owned(),
                    detail,
                })
                .collect(),
        }
    }

    /// What keeps an eligible instructor from session `s` in this solution.
    fn blocked(&self, s: Sess, i: Inst) -> Option<(&'static str, String)> {
        let taught = &self.teaching[i];
        if taught.contains(&s) {
            return None;
        }
        let sessions = &self.index.problem.sessions;
        let capacity = self.index.problem.instructors[i].capacity;
        if taught.len() as i64 >= capacity {
            return Some((
                "capacity",
                format!("all {capacity} sessions of the yearly cap are assigned"),
            ));
        }
        if let Some(held) = self.index.class_full(taught, s) {
            let class = self.index.session_class[s];
            return Some((
                "max_sessions_per_class",
                format!(
                    "already teaches {held} sessions of class {}",
                    self.index.problem.classes[class].id
                ),
            ));
        }
        taught
            .iter()
            .find(|&&t| self.index.conflict(s, t))
            .map(|&t| {
                let other = &sessions[t];
                (
                    "conflict",
                    format!(
                        "teaches {} ({} – {}) at a conflicting time",
                        other.id,
                        other.start.to_rfc3339(),
                        other.end.to_rfc3339()
                    ),
                )
            })
    }
}
