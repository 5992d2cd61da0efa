//! Seeded generator of realistic staffing problems, for benchmarks and tests:
//! instructors living in Chinese cities (about 60% cadres, 30% outside
//! experts, 10% model figures), classes of 3–5 days with half-day sessions
//! (15% needing two instructors, 30% two topics, 10% remote), most classes
//! asking for a cadre share of one half. A shorter season packs the classes
//! into fewer weeks, so that more of them run at once and compete for the
//! same instructors.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::problem::{
    Class, Instructor, InstructorKind, Interval, Options, Problem, Session, TopicRequirement,
    Weights,
};

/// Provincial capitals and other large cities: (lat, lon).
const CITIES: [(f64, f64); 32] = [
    (39.90, 116.40),
    (31.23, 121.47),
    (23.13, 113.26),
    (22.54, 114.06),
    (30.59, 114.30),
    (30.57, 104.07),
    (34.34, 108.94),
    (32.06, 118.80),
    (30.27, 120.16),
    (36.65, 117.12),
    (38.04, 114.51),
    (34.75, 113.63),
    (28.23, 112.94),
    (28.68, 115.86),
    (26.08, 119.30),
    (25.04, 102.71),
    (26.65, 106.63),
    (22.82, 108.37),
    (20.04, 110.20),
    (29.56, 106.55),
    (39.13, 117.20),
    (37.87, 112.55),
    (40.84, 111.75),
    (41.81, 123.43),
    (43.82, 125.32),
    (45.80, 126.53),
    (36.06, 103.83),
    (36.62, 101.78),
    (38.49, 106.23),
    (43.83, 87.62),
    (29.65, 91.13),
    (31.82, 117.23),
];

/// Topics of comprehensive classes (综合类).
pub const COMPREHENSIVE: [&str; 5] = [
    "party-spirit",
    "professional-ethics",
    "new-measures",
    "situation-analysis",
    "rule-of-law",
];
/// Topics of specialised business classes (专题业务类).
pub const SPECIALISED: [&str; 6] = [
    "letter-handling",
    "visitor-reception",
    "online-complaints",
    "supervision",
    "publicity",
    "information-systems",
];
/// Outside domains taught by experts.
pub const DOMAINS: [&str; 6] = [
    "land-resources",
    "housing-construction",
    "civil-affairs",
    "human-resources-social-security",
    "environmental-protection",
    "finance",
];

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub instructors: usize,
    pub sessions: usize,
    /// Yearly capacity range, inclusive.
    pub capacity: (i64, i64),
    pub travel_buffer_minutes: f64,
    /// Weeks (from March) in which classes start.
    pub season_weeks: i64,
    /// Sessions per class on average.
    pub sessions_per_class: f64,
    /// `weights.balance` (SPEC 5.4).
    pub balance: f64,
    /// A province's plan: venues within 2° of this centre, four in five
    /// cadres and model figures living there, experts in the national hubs
    /// (Beijing, Shanghai, Guangzhou, Shenzhen, Wuhan). `None` spreads
    /// venues and homes over the country's large cities.
    pub province: Option<(f64, f64)>,
    pub seed: u64,
}

impl Shape {
    /// A shape with the usual capacities (2–12), no travel buffer, classes
    /// of 6.25 sessions on average starting over 40 weeks, no balance.
    pub fn new(instructors: usize, sessions: usize, seed: u64) -> Self {
        Self {
            instructors,
            sessions,
            capacity: (2, 12),
            travel_buffer_minutes: 0.0,
            season_weeks: 40,
            sessions_per_class: 6.25,
            balance: 0.0,
            province: None,
            seed,
        }
    }

    /// Classes of 6.67 sessions (150 to 1,000 sessions) starting within
    /// `season_weeks`: about `150 / season_weeks` new classes a week, most
    /// of them overlapping in time.
    pub fn overlapping(instructors: usize, sessions: usize, season_weeks: i64, seed: u64) -> Self {
        Self {
            season_weeks,
            sessions_per_class: 1000.0 / 150.0,
            ..Self::new(instructors, sessions, seed)
        }
    }
}

/// The four kinds of plan the optimiser's tests exercise, with
/// `instructors` instructors and half as many sessions, seeded `seed` to
/// `seed + 3`: usual, capacity-scarce (1–2 sessions a year), with a
/// 240-minute travel buffer, and with balance weighed 1.
#[cfg(test)]
pub fn test_plans(instructors: usize, seed: u64) -> Vec<Problem> {
    let shape = |seed| Shape::new(instructors, instructors / 2, seed);
    [
        shape(seed),
        Shape {
            capacity: (1, 2),
            ..shape(seed + 1)
        },
        Shape {
            travel_buffer_minutes: 240.0,
            ..shape(seed + 2)
        },
        Shape {
            balance: 1.0,
            ..shape(seed + 3)
        },
    ]
    .into_iter()
    .map(generate)
    .collect()
}

/// Generates a problem of the given shape; the same shape gives the same problem.
pub fn generate(shape: Shape) -> Problem {
    let mut rng = StdRng::seed_from_u64(shape.seed);
    let year_start = year_start();
    let instructors = (0..shape.instructors)
        .map(|k| instructor(&mut rng, k, &shape, year_start))
        .collect();
    let class_count = ((shape.sessions as f64 / shape.sessions_per_class).ceil() as usize).max(1);
    let mut classes = Vec::with_capacity(class_count);
    let mut sessions = Vec::with_capacity(shape.sessions);
    for c in 0..class_count {
        let (lat, lon) = match shape.province {
            Some(centre) => near(&mut rng, centre),
            None => CITIES[skewed(&mut rng, CITIES.len())],
        };
        classes.push(Class {
            id: format!("c{c}"),
            lat,
            lon,
            min_cadre_share: if rng.random_bool(0.8) { 0.5 } else { 0.0 },
        });
        let share = shape.sessions / class_count + usize::from(c < shape.sessions % class_count);
        class_sessions(
            &mut rng,
            c,
            share,
            shape.season_weeks,
            year_start,
            &mut sessions,
        );
    }
    Problem {
        weights: Weights {
            balance: shape.balance,
            ..Weights::default()
        },
        options: Options {
            travel_buffer_minutes: shape.travel_buffer_minutes,
            ..Options::default()
        },
        instructors,
        classes,
        sessions,
        pins: Vec::new(),
        exclusions: Vec::new(),
        previous: Vec::new(),
        distances: Vec::new(),
    }
}

/// The first Monday of 2027, Beijing time.
fn year_start() -> DateTime<FixedOffset> {
    #[allow(clippy::expect_used)] // a constant that parses
    DateTime::parse_from_rfc3339("2027-01-04T00:00:00+08:00").expect("a valid constant")
}

/// An index in `0..n` skewed towards small values (big cities, common topics).
fn skewed(rng: &mut StdRng, n: usize) -> usize {
    let u: f64 = rng.random();
    ((u * u) * n as f64) as usize % n
}

/// A point within 2° of `centre` (a province's extent), to 0.01°.
fn near(rng: &mut StdRng, (lat, lon): (f64, f64)) -> (f64, f64) {
    let at = |v: f64, rng: &mut StdRng| ((v + rng.random_range(-2.0..2.0)) * 100.0).round() / 100.0;
    (at(lat, rng), at(lon, rng))
}

/// Where an instructor of `kind` lives: in a province's plan, an expert in
/// one of the first five cities (the hubs) and most others in the
/// province; otherwise any large city.
fn home(rng: &mut StdRng, kind: InstructorKind, province: Option<(f64, f64)>) -> (f64, f64) {
    match province {
        Some(_) if kind == InstructorKind::Expert => CITIES[rng.random_range(0..5)],
        Some(centre) if rng.random_bool(0.8) => near(rng, centre),
        _ => CITIES[skewed(rng, CITIES.len())],
    }
}

fn instructor(
    rng: &mut StdRng,
    k: usize,
    shape: &Shape,
    year_start: DateTime<FixedOffset>,
) -> Instructor {
    let kind = match rng.random_range(0..10) {
        0..=5 => InstructorKind::Cadre,
        6..=8 => InstructorKind::Expert,
        _ => InstructorKind::ModelFigure,
    };
    let pool: Vec<&str> = match kind {
        InstructorKind::Cadre => COMPREHENSIVE.iter().chain(&SPECIALISED).copied().collect(),
        InstructorKind::Expert => DOMAINS.iter().chain(&COMPREHENSIVE[3..]).copied().collect(),
        InstructorKind::ModelFigure => COMPREHENSIVE[..3]
            .iter()
            .chain(&SPECIALISED[..2])
            .copied()
            .collect(),
    };
    let mut topics = BTreeMap::new();
    for _ in 0..rng.random_range(1..=4) {
        let level = [1, 2, 2, 3, 3, 3, 4, 4, 5][rng.random_range(0..9)];
        topics.insert(pool[skewed(rng, pool.len())].to_owned(), level);
    }
    let (lat, lon) = home(rng, kind, shape.province);
    let unavailable = (0..rng.random_range(0..=3))
        .map(|_| {
            let start = year_start + Duration::days(rng.random_range(0..340));
            Interval {
                start,
                end: start + Duration::days(rng.random_range(1..=10)),
            }
        })
        .collect();
    Instructor {
        id: format!("i{k}"),
        kind,
        lat: lat + rng.random_range(-0.3..0.3),
        lon: lon + rng.random_range(-0.3..0.3),
        capacity: rng.random_range(shape.capacity.0..=shape.capacity.1),
        remote_ok: rng.random_bool(0.3),
        max_travel_km: rng
            .random_bool(0.25)
            .then(|| f64::from(rng.random_range(3..=20u32)) * 100.0),
        rating: 0.4 + 0.55 * rng.random::<f64>(),
        topics,
        unavailable,
    }
}

/// Appends `count` half-day sessions of class `c`, on 3–5 consecutive days.
fn class_sessions(
    rng: &mut StdRng,
    c: usize,
    count: usize,
    season_weeks: i64,
    year_start: DateTime<FixedOffset>,
    out: &mut Vec<Session>,
) {
    let days = rng.random_range(3..=5i64).max((count as i64 + 1) / 2);
    // Classes start on weekdays of the season, from March.
    let first_day = year_start
        + Duration::weeks(rng.random_range(8..8 + season_weeks.max(1)))
        + Duration::days(rng.random_range(0..3));
    let comprehensive = rng.random_bool(0.5);
    let mut slots: Vec<i64> = (0..days * 2).collect();
    for _ in 0..count {
        let slot = slots.swap_remove(rng.random_range(0..slots.len()));
        let day = first_day + Duration::days(slot / 2);
        let start = day + Duration::hours(if slot % 2 == 0 { 9 } else { 14 });
        let topics_from: Vec<&str> = if comprehensive {
            COMPREHENSIVE.to_vec()
        } else {
            SPECIALISED.iter().chain(&DOMAINS).copied().collect()
        };
        let first = topics_from[skewed(rng, topics_from.len())];
        let mut topics = vec![TopicRequirement {
            topic: first.to_owned(),
            min_level: rng.random_range(2..=4),
        }];
        if rng.random_bool(0.3) {
            let others: Vec<&str> = topics_from
                .iter()
                .copied()
                .filter(|&t| t != first)
                .collect();
            topics.push(TopicRequirement {
                topic: others[rng.random_range(0..others.len())].to_owned(),
                min_level: rng.random_range(1..=3),
            });
        }
        out.push(Session {
            id: format!("s{}", out.len()),
            class: format!("c{c}"),
            start,
            end: start + Duration::hours(3),
            remote: rng.random_bool(0.1),
            needed: if rng.random_bool(0.15) { 2 } else { 1 },
            topics,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_problem_and_it_is_valid() {
        let a = generate(Shape::new(120, 60, 3));
        assert_eq!(a, generate(Shape::new(120, 60, 3)));
        assert_ne!(a, generate(Shape::new(120, 60, 4)));
        assert_eq!(crate::validate(&a), vec![]);
        assert_eq!(a.sessions.len(), 60);
    }

    #[test]
    fn a_provinces_plan_stays_in_the_province_and_brings_experts_from_hubs() {
        let centre = (30.59, 114.30);
        let p = generate(Shape {
            province: Some(centre),
            ..Shape::new(400, 200, 3)
        });
        assert_eq!(crate::validate(&p), vec![]);
        let within = |lat: f64, lon: f64, by: f64| {
            (lat - centre.0).abs() <= by && (lon - centre.1).abs() <= by
        };
        assert!(p.classes.iter().all(|c| within(c.lat, c.lon, 2.0)));
        let hub = |lat: f64, lon: f64| {
            CITIES[..5]
                .iter()
                .any(|&(a, b)| (lat - a).abs() <= 0.3 && (lon - b).abs() <= 0.3)
        };
        let (experts, others): (Vec<_>, Vec<_>) = p
            .instructors
            .iter()
            .partition(|i| i.kind == InstructorKind::Expert);
        assert!(experts.iter().all(|i| hub(i.lat, i.lon)));
        let at_home = others.iter().filter(|i| within(i.lat, i.lon, 2.3)).count();
        assert!(
            at_home * 10 > others.len() * 7,
            "{at_home} of {}",
            others.len()
        );
    }
}
