//! The solver's optimum equals brute force on many random tiny instances
//! (with travel buffers, cadre shares, a pin, a class limit), and every
//! solution passes the independent checker.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset};
use proptest::prelude::*;
use solver::problem::{
    Class, Instructor, InstructorKind, Interval, Options, Pair, Problem, Session, TopicRequirement,
    Weights,
};

const TOPICS: [&str; 2] = ["letter-handling", "rule-of-law"];

fn t0() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2027-03-01T08:00:00+08:00").unwrap()
}

prop_compose! {
    fn instructor(k: usize)(
        cadre in any::<bool>(),
        lat in 22.0..40.0f64, lon in 104.0..121.0f64,
        capacity in 0i64..4, remote_ok in any::<bool>(),
        max_travel in proptest::option::of(300.0..3000.0f64),
        rating in 0.0..=1.0f64,
        levels in proptest::collection::vec(prop_oneof![1 => Just(0i64), 5 => 1i64..=5], 2),
        blocked in proptest::option::of((0i64..10, 1i64..4)),
    ) -> Instructor {
        let topics: BTreeMap<String, i64> = TOPICS.iter().zip(&levels)
            .filter(|(_, &l)| l > 0).map(|(t, &l)| (t.to_string(), l)).collect();
        Instructor {
            id: format!("i{k}"),
            kind: if cadre { InstructorKind::Cadre } else { InstructorKind::Expert },
            lat, lon, capacity, remote_ok, max_travel_km: max_travel, rating, topics,
            unavailable: blocked.map(|(at, len)| Interval {
                start: t0() + Duration::hours(at), end: t0() + Duration::hours(at + len) }).into_iter().collect(),
        }
    }
}

prop_compose! {
    fn session(k: usize, classes: usize)(
        class in 0..classes, at in 0i64..10, len in 1i64..4, remote in proptest::bool::weighted(0.2),
        needed in 1i64..3, topic in 0usize..2, min_level in 1i64..=3,
    ) -> Session {
        Session {
            id: format!("s{k}"), class: format!("c{class}"),
            start: t0() + Duration::hours(at), end: t0() + Duration::hours(at + len),
            remote, needed,
            topics: vec![TopicRequirement { topic: TOPICS[topic].to_string(), min_level }],
        }
    }
}

fn sessions_and_classes() -> impl Strategy<Value = (Vec<Session>, Vec<Class>)> {
    (1usize..3, 2usize..5).prop_flat_map(|(classes, sessions)| {
        let class = (
            22.0..40.0f64,
            104.0..121.0f64,
            prop_oneof![Just(0.0), Just(0.5), Just(1.0)],
        );
        (
            (0..sessions)
                .map(|k| session(k, classes))
                .collect::<Vec<_>>(),
            proptest::collection::vec(class, classes).prop_map(|cs| {
                cs.into_iter()
                    .enumerate()
                    .map(|(k, (lat, lon, share))| Class {
                        id: format!("c{k}"),
                        lat,
                        lon,
                        min_cadre_share: share,
                    })
                    .collect()
            }),
        )
    })
}

prop_compose! {
    fn tiny()(
        instructors in (2usize..5).prop_flat_map(|n| (0..n).map(instructor).collect::<Vec<_>>()),
        (sessions, classes) in sessions_and_classes(),
        buffer in prop_oneof![Just(0.0), Just(90.0), Just(240.0)],
        weights in (0.0..2.0f64, 0.0..2.0f64, 0.0..3.0f64, 0.5..5.0f64, 0.0..3.0f64, 0.0..2.0f64),
        exclusion in proptest::option::of((0usize..4, 0usize..4)),
        previous in proptest::option::of((0usize..4, 0usize..4)),
        class_limit in proptest::option::of(1i64..3),
        balance in prop_oneof![Just(0.0), 0.0..3.0f64],
        pin in proptest::option::of((0usize..4, 0usize..4)),
    ) -> Problem {
        let (session_count, instructor_count) = (sessions.len(), instructors.len());
        let pair = move |(s, i): (usize, usize)| Pair {
            session: format!("s{}", s % session_count), instructor: format!("i{}", i % instructor_count) };
        Problem {
            weights: Weights { expertise: weights.0, rating: weights.1, travel_per_1000km: weights.2,
                unfilled: weights.3, cadre_shortfall: weights.4, keep: weights.5, balance },
            options: Options { mip_gap: 0.0, travel_buffer_minutes: buffer,
                max_sessions_per_class: class_limit, ..Options::default() },
            exclusions: exclusion.map(pair).into_iter().collect(),
            previous: previous.map(pair).into_iter().collect(),
            classes,
            instructors,
            sessions,
            pins: pin.map(pair).into_iter().collect(),
            distances: Vec::new(),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn optimum_equals_brute_force(problem in tiny()) {
        let view = common::View::new(&problem);
        // A pin that breaks a rule is refused, naming the rule.
        let broken = solver::broken_pins(&problem);
        let solved = solver::solve(&problem);
        prop_assert_eq!(broken.is_empty(), solved.is_ok(), "{:?}", broken);
        prop_assume!(broken.is_empty());
        let solution = solved.unwrap();
        let violations = common::check(&problem, &solution);
        prop_assert!(violations.is_empty(), "{:#?}", violations);
        prop_assert_eq!(solution.status, solver::Status::Optimal);
        let best = view.brute_force();
        prop_assume!(best.is_some(), "too many eligible pairs to enumerate");
        let best = best.unwrap_or_default();
        prop_assert!((solution.objective - best).abs() < 1e-6, "solver {} brute force {}", solution.objective, best);
    }
}
