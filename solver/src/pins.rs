//! The pin rules of SPEC 5.3: a pin must be eligible, must not conflict with
//! another pin of the same instructor, and must fit the instructor's
//! capacity, the session's `needed` and `max_sessions_per_class`.

use std::collections::HashMap;

use crate::field_error::FieldError;
use crate::index::Index;

/// Every pin rule broken, each with the index of the pin it names.
pub fn check_pins(index: &Index) -> Vec<(usize, FieldError)> {
    let p = index.problem;
    let mut errors = Vec::new();
    for (k, &(s, i)) in index.pins.iter().enumerate() {
        for rule in index.failing_rules(i, s) {
            errors.push((
                k,
                FieldError::new(
                    format!("pins[{k}]"),
                    &format!("pin_{}", rule.code()),
                    format!(
                        "pinned instructor {} is not eligible for session {}: {}",
                        p.instructors[i].id,
                        p.sessions[s].id,
                        index.explain(rule, i, s)
                    ),
                ),
            ));
        }
        for (l, &(s2, i2)) in index.pins.iter().enumerate().take(k) {
            if i2 == i && s2 != s && index.conflict(s, s2) {
                errors.push((
                    k,
                    FieldError::new(
                        format!("pins[{k}]"),
                        "pin_conflict",
                        format!(
                        "instructor {} is pinned to sessions {} and {} (pins[{l}]), which conflict",
                        p.instructors[i].id, p.sessions[s].id, p.sessions[s2].id
                    ),
                    ),
                ));
            }
        }
    }
    let mut per_instructor: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut per_session: HashMap<usize, Vec<usize>> = HashMap::new();
    for (k, &(s, i)) in index.pins.iter().enumerate() {
        per_instructor.entry(i).or_default().push(k);
        per_session.entry(s).or_default().push(k);
    }
    for (i, pins) in sorted(per_instructor) {
        let capacity = p.instructors[i].capacity;
        if pins.len() as i64 > capacity {
            let k = pins[capacity.max(0) as usize];
            errors.push((
                k,
                FieldError::new(
                    format!("pins[{k}]"),
                    "pin_capacity",
                    format!(
                        "instructor {} has {} pins but capacity {}",
                        p.instructors[i].id,
                        pins.len(),
                        capacity
                    ),
                ),
            ));
        }
    }
    if let Some(limit) = index.class_limit() {
        let mut per_class: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
        for (k, &(s, i)) in index.pins.iter().enumerate() {
            per_class
                .entry((i, index.session_class[s]))
                .or_default()
                .push(k);
        }
        for ((i, c), pins) in sorted(per_class) {
            if pins.len() > limit {
                let k = pins[limit];
                errors.push((
                    k,
                    FieldError::new(
                        format!("pins[{k}]"),
                        "pin_max_sessions_per_class",
                        format!(
                            "instructor {} has {} pins in class {} but max_sessions_per_class is {limit}",
                            p.instructors[i].id,
                            pins.len(),
                            p.classes[c].id
                        ),
                    ),
                ));
            }
        }
    }
    for (s, pins) in sorted(per_session) {
        let needed = p.sessions[s].needed;
        if pins.len() as i64 > needed {
            let k = pins[needed as usize];
            errors.push((
                k,
                FieldError::new(
                    format!("pins[{k}]"),
                    "pin_needed",
                    format!(
                        "session {} has {} pins but needs {}",
                        p.sessions[s].id,
                        pins.len(),
                        needed
                    ),
                ),
            ));
        }
    }
    errors
}

fn sorted<K: Ord>(map: HashMap<K, Vec<usize>>) -> Vec<(K, Vec<usize>)> {
    let mut v: Vec<_> = map.into_iter().collect();
    v.sort();
    v
}

/// The pins of a structurally valid `problem` that break a pin rule, each
/// with its index in `problem.pins` and the first rule it breaks (empty for
/// a problem that is not structurally valid: [`crate::solve`] reports that).
/// A service that builds pins from stored data drops these rather than fail.
pub fn broken_pins(problem: &crate::Problem) -> Vec<(usize, FieldError)> {
    if !crate::validate(problem).is_empty() {
        return Vec::new();
    }
    let mut broken = check_pins(&Index::new(problem));
    broken.sort_by_key(|(k, _)| *k);
    broken.dedup_by_key(|(k, _)| *k);
    broken
}
