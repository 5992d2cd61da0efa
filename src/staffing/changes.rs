//! What applying a run would change: the run's proposal against today's
//! assignments of its sessions, as who is added, who moves and who is
//! dropped.

use std::collections::{BTreeMap, HashSet};

/// A (session, instructor) pair.
pub type Pair = (String, String);

/// The difference between today's assignments and a run's.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Pairs the run adds whose instructor does not also leave a session.
    pub added: Vec<Pair>,
    /// (instructor, from session, to session): an instructor the run takes
    /// off one session and puts on another.
    pub moved: Vec<(String, String, String)>,
    /// Pairs the run drops whose instructor does not also join a session.
    pub dropped: Vec<Pair>,
    /// Pairs both have.
    pub unchanged: usize,
}

/// Compares `today` (the non-declined assignments of the run's sessions)
/// with `proposed` (the run's). `order` sorts sessions (by time); an
/// instructor's dropped and added sessions are paired into moves in that
/// order.
pub fn between<K: Ord>(today: &[Pair], proposed: &[Pair], order: impl Fn(&str) -> K) -> Changes {
    let now: HashSet<&Pair> = today.iter().collect();
    let then: HashSet<&Pair> = proposed.iter().collect();
    let mut per_instructor: BTreeMap<&str, (Vec<&str>, Vec<&str>)> = BTreeMap::new();
    for (session, instructor) in proposed.iter().filter(|p| !now.contains(p)) {
        per_instructor
            .entry(instructor)
            .or_default()
            .1
            .push(session);
    }
    for (session, instructor) in today.iter().filter(|p| !then.contains(p)) {
        per_instructor
            .entry(instructor)
            .or_default()
            .0
            .push(session);
    }
    let mut changes = Changes {
        unchanged: proposed.iter().filter(|p| now.contains(p)).count(),
        ..Changes::default()
    };
    for (instructor, (mut gone, mut new)) in per_instructor {
        gone.sort_by_key(|s| (order(s), s.to_string()));
        new.sort_by_key(|s| (order(s), s.to_string()));
        let moves = gone.len().min(new.len());
        for (from, to) in gone.iter().zip(&new) {
            changes
                .moved
                .push((instructor.to_owned(), from.to_string(), to.to_string()));
        }
        for s in &gone[moves..] {
            changes.dropped.push((s.to_string(), instructor.to_owned()));
        }
        for s in &new[moves..] {
            changes.added.push((s.to_string(), instructor.to_owned()));
        }
    }
    for list in [&mut changes.added, &mut changes.dropped] {
        list.sort_by_key(|(s, i)| (order(s), s.clone(), i.clone()));
    }
    changes
        .moved
        .sort_by_key(|(i, from, _)| (order(from), from.clone(), i.clone()));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<Pair> {
        list.iter()
            .map(|(s, i)| (s.to_string(), i.to_string()))
            .collect()
    }

    #[test]
    fn adds_moves_and_drops() {
        let today = pairs(&[("s1", "a"), ("s2", "b"), ("s3", "c")]);
        let proposed = pairs(&[("s1", "a"), ("s4", "b"), ("s2", "d"), ("s5", "b")]);
        let changes = between(&today, &proposed, |s| s.to_owned());
        assert_eq!(changes.unchanged, 1);
        assert_eq!(
            changes.moved,
            vec![("b".to_owned(), "s2".to_owned(), "s4".to_owned())]
        );
        assert_eq!(changes.added, pairs(&[("s2", "d"), ("s5", "b")]));
        assert_eq!(changes.dropped, pairs(&[("s3", "c")]));
    }

    #[test]
    fn the_same_staffing_changes_nothing() {
        let today = pairs(&[("s1", "a"), ("s2", "b")]);
        let changes = between(&today, &today, |s| s.to_owned());
        assert_eq!(
            changes,
            Changes {
                unchanged: 2,
                ..Changes::default()
            }
        );
    }
}
