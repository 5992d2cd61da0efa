//! Ranked recommendations (SPEC 6): how well each instructor fits each
//! session of a problem, with the score's parts and, for instructors who
//! cannot take it, every reason why.
//!
//! The service asks two questions with it: one session against the pool
//! ("who should teach this?") and one instructor against the open sessions
//! ("where else could this expert teach?").

use std::collections::HashMap;

use serde::Serialize;

use crate::geo::haversine_km;
use crate::index::{Index, Inst, Sess};
use crate::problem::{Class, Distance, Instructor, Pair, Problem, Session, Weights};
use crate::solve::checked_index;
use crate::solve_error::SolveError;

/// One (session, instructor) pair, scored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Recommendation {
    pub session: String,
    pub instructor: String,
    /// `w_expertise · E + w_rating · rating − w_travel · d / 1000` (no travel
    /// term for a remote session).
    pub score: f64,
    /// `E(i, s)`: mean of level / 5 over the session's topics.
    pub expertise: f64,
    pub rating: f64,
    /// `d(i, c)` in km (shown for remote sessions too).
    pub distance_km: f64,
    /// The travel term subtracted from the score.
    pub travel_cost: f64,
    /// Eligible (SPEC 5.2) with capacity left.
    pub available: bool,
    /// Why not, when not available: every rule it fails.
    pub reasons: Vec<Reason>,
}

/// A rule an instructor fails for a session.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reason {
    /// `topic`, `unavailable`, `remote`, `travel`, `exclusion` or `capacity`.
    pub rule: &'static str,
    pub detail: String,
}

/// The best `limit` pairs of the problem: score descending, then instructor
/// id, then session id. Unless `include_unavailable`, only available pairs.
/// Reasons are written out only for the pairs returned.
pub fn recommend(
    problem: &Problem,
    include_unavailable: bool,
    limit: usize,
) -> Result<Vec<Recommendation>, SolveError> {
    let index = checked_index(problem)?;
    let mut ranked: Vec<(f64, Inst, Sess)> = Vec::new();
    for s in 0..index.session_count() {
        for i in 0..index.instructor_count() {
            if include_unavailable || available(&index, i, s) {
                ranked.push((index.recommendation_score(i, s), i, s));
            }
        }
    }
    let ids = |&(_, i, s): &(f64, Inst, Sess)| {
        (
            index.problem.instructors[i].id.as_str(),
            index.problem.sessions[s].id.as_str(),
        )
    };
    let order = |a: &(f64, Inst, Sess), b: &(f64, Inst, Sess)| {
        b.0.total_cmp(&a.0).then_with(|| ids(a).cmp(&ids(b)))
    };
    if ranked.len() > limit {
        ranked.select_nth_unstable_by(limit, order);
        ranked.truncate(limit);
    }
    ranked.sort_by(order);
    Ok(ranked
        .into_iter()
        .map(|(_, i, s)| entry(&index, i, s, reasons(&index, i, s)))
        .collect())
}

/// Eligible (SPEC 5.2) with capacity left.
fn available(index: &Index, i: Inst, s: Sess) -> bool {
    index.problem.instructors[i].capacity >= 1 && index.eligible(i, s)
}

fn reasons(index: &Index, i: Inst, s: Sess) -> Vec<Reason> {
    let mut reasons: Vec<Reason> = index
        .failing_rules(i, s)
        .map(|rule| Reason {
            rule: rule.code(),
            detail: index.explain(rule, i, s),
        })
        .collect();
    if index.problem.instructors[i].capacity < 1 {
        reasons.push(Reason {
            rule: "capacity",
            detail: "no sessions left in the instructor's yearly capacity".to_owned(),
        });
    }
    reasons
}

fn entry(index: &Index, i: Inst, s: Sess, reasons: Vec<Reason>) -> Recommendation {
    let distance_km = index.distance_km(i, index.session_class[s]);
    let travel_cost = if index.in_person(s) {
        index.trip_cost(i, index.session_class[s])
    } else {
        0.0
    };
    Recommendation {
        session: index.problem.sessions[s].id.clone(),
        instructor: index.problem.instructors[i].id.clone(),
        score: index.recommendation_score(i, s),
        expertise: index.expertise(i, s),
        rating: index.problem.instructors[i].rating,
        distance_km,
        travel_cost,
        available: reasons.is_empty(),
        reasons,
    }
}

/// Ranks a large pool for one session of one class. Instead of indexing the
/// whole pool, it orders the instructors by a quick score (the same formula,
/// read straight from the instructors), then runs [`recommend`] on growing
/// prefixes of that order until the best `limit` are settled: until no
/// instructor left out could score as high as the last one returned.
/// `distances` override the great-circle distance to the class as in SPEC 5.1.
#[allow(clippy::too_many_arguments)]
pub fn recommend_for_session<'a>(
    weights: Weights,
    pool: impl IntoIterator<Item = &'a Instructor>,
    class: &Class,
    session: &Session,
    exclusions: &[Pair],
    distances: &[Distance],
    include_unavailable: bool,
    limit: usize,
) -> Result<Vec<Recommendation>, SolveError> {
    let road: HashMap<&str, f64> = distances
        .iter()
        .filter(|d| d.class == class.id)
        .map(|d| (d.instructor.as_str(), d.km))
        .collect();
    let mut order: Vec<(f64, &Instructor)> = pool
        .into_iter()
        .map(|i| {
            let km = road.get(i.id.as_str()).copied();
            (quick_score(&weights, i, class, session, km), i)
        })
        .collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
    let mut take = (2 * limit).max(16);
    loop {
        let prefix = &order[..take.min(order.len())];
        // An exclusion names an instructor of the pool, who need not be in
        // this prefix (or qualify at all): only the prefix's are its rules.
        let members: std::collections::HashSet<&str> =
            prefix.iter().map(|(_, i)| i.id.as_str()).collect();
        let problem = Problem {
            weights,
            options: Default::default(),
            instructors: prefix.iter().map(|(_, i)| (*i).clone()).collect(),
            classes: vec![class.clone()],
            sessions: vec![session.clone()],
            pins: Vec::new(),
            exclusions: exclusions
                .iter()
                .filter(|p| p.session == session.id && members.contains(p.instructor.as_str()))
                .cloned()
                .collect(),
            previous: Vec::new(),
            distances: prefix
                .iter()
                .filter_map(|(_, i)| {
                    Some(Distance {
                        instructor: i.id.clone(),
                        class: class.id.clone(),
                        km: *road.get(i.id.as_str())?,
                    })
                })
                .collect(),
        };
        let ranked = recommend(&problem, include_unavailable, limit)?;
        let settled = match (ranked.last(), order.get(prefix.len())) {
            (_, None) => true,
            // A tie could still be broken by id in favour of one left out.
            (Some(last), Some((next, _))) => ranked.len() == limit && *next < last.score - 1e-9,
            (None, Some(_)) => false,
        };
        if settled {
            return Ok(ranked);
        }
        take *= 4;
    }
}

/// SPEC 6's score computed from the instructor and session directly (with
/// the pair's distance override `km`, if any): the order in which
/// [`recommend_for_session`] considers instructors. Equal to
/// `Index::recommendation_score`.
fn quick_score(
    w: &Weights,
    i: &Instructor,
    class: &Class,
    session: &Session,
    km: Option<f64>,
) -> f64 {
    let levels: f64 = session
        .topics
        .iter()
        .map(|t| i.topics.get(&t.topic).copied().unwrap_or(0) as f64 / 5.0)
        .sum();
    let expertise = levels / session.topics.len().max(1) as f64;
    let travel = if session.remote {
        0.0
    } else {
        let km = km.unwrap_or_else(|| haversine_km(i.lat, i.lon, class.lat, class.lon));
        w.travel_per_1000km * km / 1000.0
    };
    w.expertise * expertise + w.rating * i.rating - travel
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::synthetic::{generate, Shape};

    /// The quick score orders exactly as the indexed one scores, and ranking a
    /// pool by prefixes gives what ranking all of it gives.
    #[test]
    fn quick_ranking_equals_full_ranking() {
        let problem = generate(Shape::new(400, 30, 11));
        for s in 0..problem.sessions.len() {
            let session = &problem.sessions[s];
            let class = problem
                .classes
                .iter()
                .find(|c| c.id == session.class)
                .unwrap();
            let mut single = problem.clone();
            single.sessions = vec![session.clone()];
            single.classes = vec![class.clone()];
            single.pins.clear();
            single.previous.clear();
            single.exclusions.retain(|p| p.session == session.id);
            // Every third instructor has a road distance, longer or shorter
            // than the great circle.
            single.distances = single
                .instructors
                .iter()
                .enumerate()
                .filter(|(k, _)| k % 3 == 0)
                .map(|(k, i)| Distance {
                    instructor: i.id.clone(),
                    class: class.id.clone(),
                    km: haversine_km(i.lat, i.lon, class.lat, class.lon)
                        * (0.8 + (k % 7) as f64 / 10.0),
                })
                .collect();
            let index = Index::new(&single);
            for (k, i) in single.instructors.iter().enumerate() {
                let km = single
                    .distances
                    .iter()
                    .find(|d| d.instructor == i.id)
                    .map(|d| d.km);
                let quick = quick_score(&single.weights, i, class, session, km);
                assert!((quick - index.recommendation_score(k, 0)).abs() < 1e-12);
            }
            for include in [false, true] {
                for limit in [1, 5, 20] {
                    let full = recommend(&single, include, limit).unwrap();
                    let quick = recommend_for_session(
                        single.weights,
                        &single.instructors,
                        class,
                        session,
                        &single.exclusions,
                        &single.distances,
                        include,
                        limit,
                    )
                    .unwrap();
                    assert_eq!(full, quick, "session {s}, include {include}, limit {limit}");
                }
            }
        }
    }
}
