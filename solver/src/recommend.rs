//! Ranked recommendations (SPEC 6): how well each instructor fits each
//! session of a problem, with the score's parts and, for instructors who
//! cannot take it, every reason why.
//!
//! The service asks two questions with it: one session against the pool
//! ("who should teach this?") and one instructor against the open sessions
//! ("where else could this expert teach?").

use serde::Serialize;

use crate::index::{Index, Inst, Sess};
use crate::problem::Problem;
use crate::solve::{checked_index, SolveError};

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

/// Every pair of the problem, best first: score descending, then instructor
/// id, then session id. Unless `include_unavailable`, only available pairs.
pub fn recommend(
    problem: &Problem,
    include_unavailable: bool,
) -> Result<Vec<Recommendation>, SolveError> {
    let index = checked_index(problem)?;
    let mut ranked = Vec::new();
    for s in 0..index.session_count() {
        for i in 0..index.instructor_count() {
            let reasons = reasons(&index, i, s);
            if reasons.is_empty() || include_unavailable {
                ranked.push(entry(&index, i, s, reasons));
            }
        }
    }
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.instructor.cmp(&b.instructor))
            .then_with(|| a.session.cmp(&b.session))
    });
    Ok(ranked)
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
