//! An independent checker of staffing solutions, written from SPEC section 5
//! alone: it shares no code with the model, recomputes every rule and the
//! objective from the problem and the solution, and brute-forces tiny
//! instances.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashMap, HashSet};

use solver::problem::{InstructorKind, Problem};
use solver::Solution;

const R: f64 = 6371.0088;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// Plain lookups over a problem.
pub struct View<'a> {
    pub p: &'a Problem,
    inst: HashMap<&'a str, usize>,
    sess: HashMap<&'a str, usize>,
    class: HashMap<&'a str, usize>,
}

impl<'a> View<'a> {
    pub fn new(p: &'a Problem) -> Self {
        Self {
            p,
            inst: p
                .instructors
                .iter()
                .enumerate()
                .map(|(k, i)| (i.id.as_str(), k))
                .collect(),
            sess: p
                .sessions
                .iter()
                .enumerate()
                .map(|(k, s)| (s.id.as_str(), k))
                .collect(),
            class: p
                .classes
                .iter()
                .enumerate()
                .map(|(k, c)| (c.id.as_str(), k))
                .collect(),
        }
    }

    pub fn class_of(&self, s: usize) -> usize {
        self.class[self.p.sessions[s].class.as_str()]
    }

    pub fn distance(&self, i: usize, c: usize) -> f64 {
        let (inst, class) = (&self.p.instructors[i], &self.p.classes[c]);
        if let Some(d) = self
            .p
            .distances
            .iter()
            .find(|d| d.instructor == inst.id && d.class == class.id)
        {
            return d.km;
        }
        let (la1, la2) = (inst.lat.to_radians(), class.lat.to_radians());
        let h = ((la2 - la1) / 2.0).sin().powi(2)
            + la1.cos() * la2.cos() * ((class.lon - inst.lon).to_radians() / 2.0).sin().powi(2);
        2.0 * R * h.sqrt().asin()
    }

    /// Every rule of 5.2 that `i` fails for `s`, by name, in contract order.
    pub fn failures(&self, i: usize, s: usize) -> Vec<&'static str> {
        let (inst, sess) = (&self.p.instructors[i], &self.p.sessions[s]);
        let mut out = Vec::new();
        if sess
            .topics
            .iter()
            .any(|t| inst.topics.get(&t.topic).copied().unwrap_or(0) < t.min_level)
        {
            out.push("topic");
        }
        if inst
            .unavailable
            .iter()
            .any(|u| sess.start < u.end && u.start < sess.end)
        {
            out.push("unavailable");
        }
        if sess.remote && !inst.remote_ok {
            out.push("remote");
        }
        if !sess.remote {
            if let Some(max) = inst.max_travel_km {
                if self.distance(i, self.class_of(s)) > max {
                    out.push("travel");
                }
            }
        }
        if self
            .p
            .exclusions
            .iter()
            .any(|e| e.session == sess.id && e.instructor == inst.id)
        {
            out.push("exclusion");
        }
        out
    }

    pub fn conflict(&self, a: usize, b: usize) -> bool {
        let (x, y) = (&self.p.sessions[a], &self.p.sessions[b]);
        if x.start < y.end && y.start < x.end {
            return true;
        }
        let buffer = self.p.options.travel_buffer_minutes;
        if buffer <= 0.0 || x.remote || y.remote || x.class == y.class {
            return false;
        }
        let (first, second) = if x.end <= y.start { (x, y) } else { (y, x) };
        ((second.start - first.end).num_seconds() as f64) < buffer * 60.0
    }

    fn expertise(&self, i: usize, s: usize) -> f64 {
        let (inst, sess) = (&self.p.instructors[i], &self.p.sessions[s]);
        sess.topics
            .iter()
            .map(|t| inst.topics.get(&t.topic).copied().unwrap_or(0) as f64 / 5.0)
            .sum::<f64>()
            / sess.topics.len() as f64
    }

    fn previous(&self, s: usize, i: usize) -> bool {
        let (sess, inst) = (&self.p.sessions[s], &self.p.instructors[i]);
        self.p
            .previous
            .iter()
            .any(|q| q.session == sess.id && q.instructor == inst.id)
    }

    pub fn score(&self, i: usize, s: usize) -> f64 {
        let w = &self.p.weights;
        w.expertise * self.expertise(i, s)
            + w.rating * self.p.instructors[i].rating
            + if self.previous(s, i) { w.keep } else { 0.0 }
    }

    fn required_cadres(&self, c: usize) -> f64 {
        let n: i64 = (0..self.p.sessions.len())
            .filter(|&s| self.class_of(s) == c)
            .map(|s| self.p.sessions[s].needed)
            .sum();
        self.p.classes[c].min_cadre_share * n as f64
    }

    /// The (session, instructor) indices of a solution's assignments.
    pub fn pairs(&self, sol: &Solution) -> Vec<(usize, usize)> {
        sol.assignments
            .iter()
            .map(|a| {
                (
                    self.sess[a.session.as_str()],
                    self.inst[a.instructor.as_str()],
                )
            })
            .collect()
    }

    /// Violations of 5.2/5.3 by a set of (session, instructor) pairs.
    pub fn violations(&self, pairs: &[(usize, usize)]) -> Vec<String> {
        let mut v = Vec::new();
        let set: HashSet<_> = pairs.iter().copied().collect();
        if set.len() != pairs.len() {
            v.push("a pair is assigned twice".to_owned());
        }
        for &(s, i) in pairs {
            let f = self.failures(i, s);
            if !f.is_empty() {
                v.push(format!(
                    "{} -> {} ineligible: {f:?}",
                    self.p.instructors[i].id, self.p.sessions[s].id
                ));
            }
        }
        for (s, sess) in self.p.sessions.iter().enumerate() {
            let n = pairs.iter().filter(|p| p.0 == s).count() as i64;
            if n > sess.needed {
                v.push(format!("{} over-staffed: {n} > {}", sess.id, sess.needed));
            }
        }
        for (i, inst) in self.p.instructors.iter().enumerate() {
            let mine: Vec<usize> = pairs.iter().filter(|p| p.1 == i).map(|p| p.0).collect();
            if mine.len() as i64 > inst.capacity {
                v.push(format!("{} over capacity", inst.id));
            }
            for c in 0..self.p.classes.len() {
                let held = mine.iter().filter(|&&s| self.class_of(s) == c).count() as i64;
                if self
                    .p
                    .options
                    .max_sessions_per_class
                    .is_some_and(|m| held > m)
                {
                    v.push(format!(
                        "{} holds {held} sessions of {}",
                        inst.id, self.p.classes[c].id
                    ));
                }
            }
            for (k, &a) in mine.iter().enumerate() {
                for &b in &mine[k + 1..] {
                    if self.conflict(a, b) {
                        v.push(format!(
                            "{} teaches conflicting {} and {}",
                            inst.id, self.p.sessions[a].id, self.p.sessions[b].id
                        ));
                    }
                }
            }
        }
        for pin in &self.p.pins {
            if !set.contains(&(
                self.sess[pin.session.as_str()],
                self.inst[pin.instructor.as_str()],
            )) {
                v.push(format!("pin {pin:?} not assigned"));
            }
        }
        v
    }

    /// The objective of 5.4 for a set of pairs.
    pub fn objective(&self, pairs: &[(usize, usize)]) -> f64 {
        let w = &self.p.weights;
        let assignments: f64 = pairs.iter().map(|&(s, i)| self.score(i, s)).sum();
        let trips: BTreeSet<(usize, usize)> = pairs
            .iter()
            .filter(|p| !self.p.sessions[p.0].remote)
            .map(|&(s, i)| (i, self.class_of(s)))
            .collect();
        let travel: f64 = trips
            .iter()
            .map(|&(i, c)| w.travel_per_1000km * self.distance(i, c) / 1000.0)
            .sum();
        let missing: i64 = (0..self.p.sessions.len())
            .map(|s| self.p.sessions[s].needed - pairs.iter().filter(|p| p.0 == s).count() as i64)
            .sum();
        let shortfall: f64 = (0..self.p.classes.len())
            .map(|c| {
                let cadres = pairs
                    .iter()
                    .filter(|p| {
                        self.class_of(p.0) == c
                            && self.p.instructors[p.1].kind == InstructorKind::Cadre
                    })
                    .count();
                (self.required_cadres(c) - cadres as f64).max(0.0)
            })
            .sum();
        let balance: f64 = self
            .loads(pairs)
            .iter()
            .map(|&(i, load)| self.balance(i, load))
            .sum();
        assignments - travel - w.unfilled * missing as f64 - w.cadre_shortfall * shortfall - balance
    }

    /// Sessions held by every instructor holding at least two.
    pub fn loads(&self, pairs: &[(usize, usize)]) -> Vec<(usize, usize)> {
        (0..self.p.instructors.len())
            .map(|i| (i, pairs.iter().filter(|q| q.1 == i).count()))
            .filter(|&(_, load)| load >= 2)
            .collect()
    }

    /// `w_balance · L · (L − 1) / (2 · capacity)` of SPEC 5.4.
    pub fn balance(&self, i: usize, load: usize) -> f64 {
        let l = load as f64;
        self.p.weights.balance * l * (l - 1.0) / (2.0 * self.p.instructors[i].capacity as f64)
    }

    /// The best objective over every feasible set of eligible pairs; `None`
    /// when there are too many pairs to enumerate.
    pub fn brute_force(&self) -> Option<f64> {
        let eligible: Vec<(usize, usize)> = (0..self.p.sessions.len())
            .flat_map(|s| (0..self.p.instructors.len()).map(move |i| (s, i)))
            .filter(|&(s, i)| self.failures(i, s).is_empty())
            .collect();
        if eligible.len() > 16 {
            return None;
        }
        let mut best = f64::NEG_INFINITY;
        for mask in 0u32..(1 << eligible.len()) {
            let pairs: Vec<_> = (0..eligible.len())
                .filter(|k| mask >> k & 1 == 1)
                .map(|k| eligible[k])
                .collect();
            if self.violations(&pairs).is_empty() {
                best = best.max(self.objective(&pairs));
            }
        }
        Some(best)
    }
}

/// Every way the solution breaks the contract; empty when it is right.
pub fn check(p: &Problem, sol: &Solution) -> Vec<String> {
    let view = View::new(p);
    let mut v = Vec::new();
    let pairs = view.pairs(sol);
    v.extend(view.violations(&pairs));
    let w = &p.weights;
    for (a, &(s, i)) in sol.assignments.iter().zip(&pairs) {
        let e = view.expertise(i, s);
        let kept = view.previous(s, i);
        if !close(a.expertise, e) || !close(a.rating, p.instructors[i].rating) || a.kept != kept {
            v.push(format!("score parts of {a:?}"));
        }
        if !close(a.score, view.score(i, s)) {
            v.push(format!("score of {a:?} should be {}", view.score(i, s)));
        }
        let _ = w;
    }
    let trips: BTreeSet<(usize, usize)> = pairs
        .iter()
        .filter(|q| !p.sessions[q.0].remote)
        .map(|&(s, i)| (i, view.class_of(s)))
        .collect();
    let listed: BTreeSet<(usize, usize)> = sol
        .trips
        .iter()
        .map(|t| {
            (
                view.inst[t.instructor.as_str()],
                view.class[t.class.as_str()],
            )
        })
        .collect();
    if trips != listed || sol.trips.len() != listed.len() {
        v.push("trips are not exactly the in-person (instructor, class) pairs".to_owned());
    }
    for t in &sol.trips {
        let d = view.distance(
            view.inst[t.instructor.as_str()],
            view.class[t.class.as_str()],
        );
        if !close(t.distance_km, d) || !close(t.cost, w.travel_per_1000km * d / 1000.0) {
            v.push(format!("trip {t:?} should be {d} km"));
        }
    }
    for (s, sess) in p.sessions.iter().enumerate() {
        let missing = sess.needed - pairs.iter().filter(|q| q.0 == s).count() as i64;
        let listed = sol.unfilled.iter().find(|u| u.session == sess.id);
        match (missing > 0, listed) {
            (false, None) => {}
            (true, Some(u)) => check_unfilled(&view, s, missing, &pairs, u, &mut v),
            _ => v.push(format!(
                "{} missing {missing} but unfilled lists {listed:?}",
                sess.id
            )),
        }
    }
    for (c, class) in p.classes.iter().enumerate() {
        let required = view.required_cadres(c);
        let cadres = pairs
            .iter()
            .filter(|q| view.class_of(q.0) == c && p.instructors[q.1].kind == InstructorKind::Cadre)
            .count();
        let listed = sol.cadre_shortfalls.iter().find(|x| x.class == class.id);
        match (required - cadres as f64 > 1e-9, listed) {
            (false, None) => {}
            (true, Some(x))
                if x.assigned == cadres
                    && close(x.required, required)
                    && close(x.shortfall, required - cadres as f64) => {}
            _ => v.push(format!("cadre shortfall of {} wrong: {listed:?}", class.id)),
        }
    }
    let loads: Vec<(usize, usize)> = if w.balance > 0.0 {
        view.loads(&pairs)
    } else {
        Vec::new()
    };
    let listed: Vec<(usize, usize)> = sol
        .loads
        .iter()
        .map(|l| (view.inst[l.instructor.as_str()], l.sessions))
        .collect();
    if listed != loads {
        v.push(format!("loads list {listed:?}, the pairs give {loads:?}"));
    }
    for l in &sol.loads {
        let i = view.inst[l.instructor.as_str()];
        if l.capacity != p.instructors[i].capacity || !close(l.cost, view.balance(i, l.sessions)) {
            v.push(format!(
                "load {l:?} should cost {}",
                view.balance(i, l.sessions)
            ));
        }
    }
    let objective = view.objective(&pairs);
    if !close(sol.objective, objective) {
        v.push(format!(
            "objective {} but the formula gives {objective}",
            sol.objective
        ));
    }
    if sol.bound < sol.objective - 1e-6
        || !close(
            sol.gap,
            (sol.bound - sol.objective) / sol.objective.abs().max(1.0),
        )
    {
        v.push(format!(
            "bound {} / gap {} inconsistent",
            sol.bound, sol.gap
        ));
    }
    v
}

fn check_unfilled(
    view: &View,
    s: usize,
    missing: i64,
    pairs: &[(usize, usize)],
    u: &solver::solution::Unfilled,
    v: &mut Vec<String>,
) {
    let p = view.p;
    if u.missing != missing {
        v.push(format!(
            "{}: missing {} should be {missing}",
            u.session, u.missing
        ));
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut eligible = 0;
    for i in 0..p.instructors.len() {
        match view.failures(i, s).first() {
            None => eligible += 1,
            Some(rule) => *counts.entry(rule).or_default() += 1,
        }
    }
    let e = u.excluded_by;
    let got = [
        ("topic", e.topic),
        ("unavailable", e.unavailable),
        ("remote", e.remote),
        ("travel", e.travel),
        ("exclusion", e.exclusion),
    ];
    if u.eligible != eligible
        || got
            .iter()
            .any(|(r, n)| counts.get(r).copied().unwrap_or(0) != *n)
    {
        v.push(format!(
            "{}: eligible/excluded_by {} {:?} should be {eligible} {counts:?}",
            u.session, u.eligible, e
        ));
    }
    if u.near_misses.len() > 3 {
        v.push(format!("{}: more than 3 near misses", u.session));
    }
    for m in &u.near_misses {
        let i = view.inst[m.instructor.as_str()];
        let failures = view.failures(i, s);
        let ok = match failures.as_slice() {
            [rule] => *rule == m.blocked_by,
            [] => {
                let mine: Vec<usize> = pairs.iter().filter(|q| q.1 == i).map(|q| q.0).collect();
                !mine.contains(&s)
                    && match m.blocked_by.as_str() {
                        "capacity" => mine.len() as i64 >= p.instructors[i].capacity,
                        "conflict" => mine.iter().any(|&t| view.conflict(s, t)),
                        "max_sessions_per_class" => {
                            p.options.max_sessions_per_class.is_some_and(|m| {
                                let c = view.class_of(s);
                                mine.iter().filter(|&&t| view.class_of(t) == c).count() as i64 >= m
                            })
                        }
                        _ => false,
                    }
            }
            _ => false,
        };
        if !ok {
            v.push(format!(
                "{}: near miss {m:?} is not one (fails {failures:?})",
                u.session
            ));
        }
    }
}
