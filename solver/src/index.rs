//! A validated problem turned into dense indices: topics interned, levels in a
//! flat table, times as seconds, pairs in hash sets. Everything after
//! validation works on this view.

use std::collections::{HashMap, HashSet};

use crate::geo::haversine_km;
use crate::problem::{InstructorKind, Problem};

/// Index of an instructor in `Problem::instructors`.
pub type Inst = usize;
/// Index of a session in `Problem::sessions`.
pub type Sess = usize;
/// Index of a class in `Problem::classes`.
pub type Cls = usize;

/// The indexed view of a valid problem.
pub struct Index<'a> {
    pub problem: &'a Problem,
    /// Topic code of each interned topic index.
    pub topic_codes: Vec<&'a str>,
    /// `levels[i * topic_count + t]`: instructor `i`'s level in topic `t`, 0 if none.
    levels: Vec<u8>,
    /// Required (topic, minimum level) of each session.
    pub requirements: Vec<Vec<(usize, u8)>>,
    pub session_class: Vec<Cls>,
    /// `[start, end)` of each session in seconds since the epoch.
    pub session_time: Vec<(i64, i64)>,
    /// Unavailability of each instructor in seconds since the epoch.
    pub unavailable: Vec<Vec<(i64, i64)>>,
    /// Sessions of each class.
    pub class_sessions: Vec<Vec<Sess>>,
    pub is_cadre: Vec<bool>,
    distance_overrides: HashMap<(Inst, Cls), f64>,
    pub exclusions: HashSet<(Sess, Inst)>,
    pub previous: HashSet<(Sess, Inst)>,
    pub pins: Vec<(Sess, Inst)>,
}

impl<'a> Index<'a> {
    /// Builds the view. The problem must have passed [`crate::validate`].
    pub fn new(problem: &'a Problem) -> Self {
        let mut topic_ids: HashMap<&str, usize> = HashMap::new();
        let mut topic_codes = Vec::new();
        let mut intern = |code: &'a str| {
            *topic_ids.entry(code).or_insert_with(|| {
                topic_codes.push(code);
                topic_codes.len() - 1
            })
        };
        let requirements: Vec<Vec<(usize, u8)>> = problem
            .sessions
            .iter()
            .map(|s| {
                s.topics
                    .iter()
                    .map(|t| (intern(&t.topic), t.min_level as u8))
                    .collect()
            })
            .collect();
        // Only topics some session requires matter; others are never read.
        let topic_count = topic_codes.len();
        let mut levels = vec![0u8; problem.instructors.len() * topic_count];
        for (i, instructor) in problem.instructors.iter().enumerate() {
            for (code, &level) in &instructor.topics {
                if let Some(&t) = topic_ids.get(code.as_str()) {
                    levels[i * topic_count + t] = level as u8;
                }
            }
        }

        let instructor_ids: HashMap<&str, Inst> =
            ids(problem.instructors.iter().map(|i| i.id.as_str()));
        let class_ids: HashMap<&str, Cls> = ids(problem.classes.iter().map(|c| c.id.as_str()));
        let session_ids: HashMap<&str, Sess> = ids(problem.sessions.iter().map(|s| s.id.as_str()));
        let session_class: Vec<Cls> = problem
            .sessions
            .iter()
            .map(|s| class_ids[s.class.as_str()])
            .collect();
        let mut class_sessions = vec![Vec::new(); problem.classes.len()];
        for (s, &c) in session_class.iter().enumerate() {
            class_sessions[c].push(s);
        }
        let pairs = |list: &[crate::problem::Pair]| -> Vec<(Sess, Inst)> {
            list.iter()
                .map(|p| {
                    (
                        session_ids[p.session.as_str()],
                        instructor_ids[p.instructor.as_str()],
                    )
                })
                .collect()
        };

        Self {
            problem,
            topic_codes,
            levels,
            requirements,
            session_class,
            session_time: problem
                .sessions
                .iter()
                .map(|s| (s.start.timestamp(), s.end.timestamp()))
                .collect(),
            unavailable: problem
                .instructors
                .iter()
                .map(|i| {
                    i.unavailable
                        .iter()
                        .map(|u| (u.start.timestamp(), u.end.timestamp()))
                        .collect()
                })
                .collect(),
            class_sessions,
            is_cadre: problem
                .instructors
                .iter()
                .map(|i| i.kind == InstructorKind::Cadre)
                .collect(),
            distance_overrides: problem
                .distances
                .iter()
                .map(|d| {
                    (
                        (
                            instructor_ids[d.instructor.as_str()],
                            class_ids[d.class.as_str()],
                        ),
                        d.km,
                    )
                })
                .collect(),
            exclusions: pairs(&problem.exclusions).into_iter().collect(),
            previous: pairs(&problem.previous).into_iter().collect(),
            pins: pairs(&problem.pins),
        }
    }

    pub fn instructor_count(&self) -> usize {
        self.problem.instructors.len()
    }

    pub fn session_count(&self) -> usize {
        self.problem.sessions.len()
    }

    /// Instructor `i`'s level in interned topic `t` (0 when none).
    pub fn level(&self, i: Inst, t: usize) -> u8 {
        self.levels[i * self.topic_codes.len() + t]
    }

    /// `d(i, c)` of SPEC 5.2: the override when given, else great-circle km.
    pub fn distance_km(&self, i: Inst, c: Cls) -> f64 {
        if let Some(&km) = self.distance_overrides.get(&(i, c)) {
            return km;
        }
        let (inst, class) = (&self.problem.instructors[i], &self.problem.classes[c]);
        haversine_km(inst.lat, inst.lon, class.lat, class.lon)
    }

    /// `E(i, s)`: mean over the session's topics of the instructor's level / 5.
    pub fn expertise(&self, i: Inst, s: Sess) -> f64 {
        let req = &self.requirements[s];
        let sum: f64 = req
            .iter()
            .map(|&(t, _)| f64::from(self.level(i, t)) / 5.0)
            .sum();
        sum / req.len() as f64
    }

    /// The assignment score of SPEC 5.4: expertise, rating and keep terms.
    pub fn assignment_score(&self, i: Inst, s: Sess) -> f64 {
        let w = &self.problem.weights;
        let kept = if self.previous.contains(&(s, i)) {
            w.keep
        } else {
            0.0
        };
        w.expertise * self.expertise(i, s) + w.rating * self.problem.instructors[i].rating + kept
    }

    /// The weighted travel cost of instructor `i` reaching class `c`.
    pub fn trip_cost(&self, i: Inst, c: Cls) -> f64 {
        self.problem.weights.travel_per_1000km * self.distance_km(i, c) / 1000.0
    }

    /// The balance cost of instructor `i`'s `k`-th session (SPEC 5.4):
    /// `w_balance · (k − 1) / capacity`, nothing for the first.
    pub fn load_step_cost(&self, i: Inst, k: usize) -> f64 {
        self.balance_per_session(i) * k.saturating_sub(1) as f64
    }

    /// The balance term of instructor `i` holding `load` sessions:
    /// `w_balance · L · (L − 1) / (2 · capacity)`, the sum of its steps.
    pub fn balance_cost(&self, i: Inst, load: usize) -> f64 {
        self.balance_per_session(i) * (load * load.saturating_sub(1)) as f64 / 2.0
    }

    /// `w_balance / capacity` of instructor `i`; 0 without balance or
    /// capacity.
    fn balance_per_session(&self, i: Inst) -> f64 {
        let capacity = self.problem.instructors[i].capacity;
        if capacity <= 0 {
            return 0.0;
        }
        self.problem.weights.balance / capacity as f64
    }

    /// The recommendation score of SPEC 6: expertise and rating, less
    /// travel for an in-person session.
    pub fn recommendation_score(&self, i: Inst, s: Sess) -> f64 {
        let w = &self.problem.weights;
        let travel = if self.in_person(s) {
            self.trip_cost(i, self.session_class[s])
        } else {
            0.0
        };
        w.expertise * self.expertise(i, s) + w.rating * self.problem.instructors[i].rating - travel
    }

    /// Whether session `s` is taught in person.
    pub fn in_person(&self, s: Sess) -> bool {
        !self.problem.sessions[s].remote
    }

    /// The most sessions of one class an instructor may hold, when
    /// `max_sessions_per_class` sets a limit (SPEC 5.3).
    pub fn class_limit(&self) -> Option<usize> {
        self.problem
            .options
            .max_sessions_per_class
            .map(|m| m.max(0) as usize)
    }

    /// How many sessions of `s`'s class an instructor teaching `taught`
    /// holds, when that many reach the class limit (so `s` is out of reach).
    pub fn class_full(&self, taught: &[Sess], s: Sess) -> Option<usize> {
        let limit = self.class_limit()?;
        let class = self.session_class[s];
        let held = taught
            .iter()
            .filter(|&&t| self.session_class[t] == class)
            .count();
        (held >= limit).then_some(held)
    }
}

fn ids<'a>(items: impl Iterator<Item = &'a str>) -> HashMap<&'a str, usize> {
    items.enumerate().map(|(k, id)| (id, k)).collect()
}
