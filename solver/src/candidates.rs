//! The model's candidate pairs: eligible (session, instructor) pairs only,
//! found through a per-topic index instead of testing every pair, then
//! optionally pruned to the best few per session.

use std::collections::HashSet;

use crate::index::{Index, Inst, Sess};

/// Candidate instructors of every session.
pub struct Candidates {
    /// `per_session[s]`: instructors in the model for session `s`, ascending.
    pub per_session: Vec<Vec<Inst>>,
    /// Eligible pairs before pruning.
    pub eligible_pairs: usize,
    /// Eligible pairs left out by pruning.
    pub pruned_pairs: usize,
}

impl Candidates {
    /// Every eligible pair, pruned to `max_candidates_per_session` (best
    /// single-pair score first) when that option is set. Pins and previous
    /// pairs always stay.
    pub fn build(index: &Index) -> Self {
        // Instructors by topic, so a session only tests those who know its first topic.
        let mut by_topic: Vec<Vec<Inst>> = vec![Vec::new(); index.topic_codes.len()];
        for i in 0..index.instructor_count() {
            for (t, list) in by_topic.iter_mut().enumerate() {
                if index.level(i, t) > 0 {
                    list.push(i);
                }
            }
        }
        let limit = index
            .problem
            .options
            .max_candidates_per_session
            .map(|k| k as usize);
        let keep: HashSet<(Sess, Inst)> = index
            .pins
            .iter()
            .chain(index.previous.iter())
            .copied()
            .collect();
        let mut eligible_pairs = 0;
        let mut pruned_pairs = 0;
        let per_session = (0..index.session_count())
            .map(|s| {
                let (first_topic, _) = index.requirements[s][0];
                let mut list: Vec<Inst> = by_topic[first_topic]
                    .iter()
                    .copied()
                    .filter(|&i| index.eligible(i, s))
                    .collect();
                eligible_pairs += list.len();
                if let Some(limit) = limit.filter(|&l| list.len() > l) {
                    let before = list.len();
                    list = prune(index, s, list, limit, &keep);
                    pruned_pairs += before - list.len();
                }
                list
            })
            .collect();
        Self {
            per_session,
            eligible_pairs,
            pruned_pairs,
        }
    }
}

/// Keeps the `limit` best candidates by score less travel, plus kept pairs.
fn prune(
    index: &Index,
    s: Sess,
    list: Vec<Inst>,
    limit: usize,
    keep: &HashSet<(Sess, Inst)>,
) -> Vec<Inst> {
    let c = index.session_class[s];
    let value = |i: Inst| {
        let travel = if index.in_person(s) {
            index.trip_cost(i, c)
        } else {
            0.0
        };
        index.assignment_score(i, s) - travel
    };
    let mut ranked: Vec<(f64, Inst)> = list.into_iter().map(|i| (value(i), i)).collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut kept: Vec<Inst> = ranked
        .iter()
        .enumerate()
        .filter(|&(rank, &(_, i))| rank < limit || keep.contains(&(s, i)))
        .map(|(_, &(_, i))| i)
        .collect();
    kept.sort_unstable();
    kept
}
