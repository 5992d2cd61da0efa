//! The hand method: sessions in time order, each takes the best free
//! instructors. It is the benchmark's baseline, and its result seeds the MIP
//! as a feasible warm start, so a time limit never returns less than it.

use std::collections::HashSet;

use crate::index::{Cls, Index, Inst, Sess};

/// Greedy assignment over the given candidates, pins placed first.
pub fn greedy(index: &Index, candidates: &[Vec<Inst>]) -> Vec<(Sess, Inst)> {
    let unfilled_weight = index.problem.weights.unfilled;
    let mut state = State {
        index,
        teaching: vec![Vec::new(); index.instructor_count()],
        staffed: vec![0; index.session_count()],
        trips: HashSet::new(),
        chosen: Vec::new(),
    };
    for &(s, i) in &index.pins {
        state.assign(s, i);
    }
    let mut order: Vec<Sess> = (0..index.session_count()).collect();
    order.sort_by_key(|&s| (index.session_time[s], s));
    for s in order {
        while state.staffed[s] < index.problem.sessions[s].needed {
            let best = candidates[s]
                .iter()
                .filter(|&&i| state.free(s, i))
                .map(|&i| (state.value(s, i), i))
                .filter(|&(value, _)| value + unfilled_weight > 0.0)
                .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
            match best {
                Some((_, i)) => state.assign(s, i),
                None => break,
            }
        }
    }
    state.chosen
}

struct State<'a> {
    index: &'a Index<'a>,
    teaching: Vec<Vec<Sess>>,
    staffed: Vec<i64>,
    trips: HashSet<(Inst, Cls)>,
    chosen: Vec<(Sess, Inst)>,
}

impl State<'_> {
    fn free(&self, s: Sess, i: Inst) -> bool {
        let taught = &self.teaching[i];
        (taught.len() as i64) < self.index.problem.instructors[i].capacity
            && self.index.class_full(taught, s).is_none()
            && !taught.iter().any(|&t| t == s || self.index.conflict(s, t))
    }

    /// The objective gained by adding (s, i), apart from the unfilled term:
    /// its score less a trip not yet paid and its balance step.
    fn value(&self, s: Sess, i: Inst) -> f64 {
        let c = self.index.session_class[s];
        let travel = if self.index.in_person(s) && !self.trips.contains(&(i, c)) {
            self.index.trip_cost(i, c)
        } else {
            0.0
        };
        let step = self.index.load_step_cost(i, self.teaching[i].len() + 1);
        self.index.assignment_score(i, s) - travel - step
    }

    fn assign(&mut self, s: Sess, i: Inst) {
        if self.index.in_person(s) {
            self.trips.insert((i, self.index.session_class[s]));
        }
        self.teaching[i].push(s);
        self.staffed[s] += 1;
        self.chosen.push((s, i));
    }
}
