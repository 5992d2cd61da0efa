//! Conflicting sessions (SPEC 5.3): overlapping intervals, and in-person
//! sessions of different classes closer than the travel buffer.
//!
//! The model forbids conflicts with one constraint per maximal clique rather
//! than per pair; for intervals the maximal cliques come from one sweep.

use crate::index::{Index, Sess};

impl Index<'_> {
    /// The travel buffer in whole seconds. Session times are whole seconds,
    /// so "gap < b minutes" is exactly "gap < ceil(60 b) seconds".
    pub fn buffer_seconds(&self) -> i64 {
        (self.problem.options.travel_buffer_minutes * 60.0).ceil() as i64
    }

    /// Whether one instructor could not teach both `a` and `b`.
    pub fn conflict(&self, a: Sess, b: Sess) -> bool {
        let ((a0, a1), (b0, b1)) = (self.session_time[a], self.session_time[b]);
        if a0 < b1 && b0 < a1 {
            return true;
        }
        let buffer = self.buffer_seconds();
        buffer > 0
            && self.in_person(a)
            && self.in_person(b)
            && self.session_class[a] != self.session_class[b]
            && a0 < b1 + buffer
            && b0 < a1 + buffer
    }
}

/// The maximal cliques of size two or more of the overlap graph of half-open
/// intervals `(start, end, item)`, found by one sweep in start order: the
/// active set is a maximal clique whenever an interval is about to leave it
/// right after one joined.
pub fn overlap_cliques<T: Copy>(mut intervals: Vec<(i64, i64, T)>) -> Vec<Vec<T>> {
    intervals.sort_by_key(|&(start, end, _)| (start, end));
    let mut cliques = Vec::new();
    let mut active: Vec<(i64, T)> = Vec::new();
    let mut grew = false;
    for (start, end, item) in intervals {
        if active.iter().any(|&(e, _)| e <= start) {
            if grew && active.len() > 1 {
                cliques.push(active.iter().map(|&(_, t)| t).collect());
            }
            active.retain(|&(e, _)| e > start);
        }
        active.push((end, item));
        grew = true;
    }
    if grew && active.len() > 1 {
        cliques.push(active.into_iter().map(|(_, t)| t).collect());
    }
    cliques
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut cliques: Vec<Vec<u32>>) -> Vec<Vec<u32>> {
        for c in &mut cliques {
            c.sort();
        }
        cliques.sort();
        cliques
    }

    #[test]
    fn touching_intervals_do_not_overlap() {
        assert!(overlap_cliques(vec![(0, 10, 1u32), (10, 20, 2)]).is_empty());
    }

    #[test]
    fn finds_every_maximal_clique_once() {
        // 1:[0,10) 2:[5,15) 3:[8,20) 4:[12,30) 5:[25,26)
        let cliques = overlap_cliques(vec![
            (0, 10, 1u32),
            (5, 15, 2),
            (8, 20, 3),
            (12, 30, 4),
            (25, 26, 5),
        ]);
        assert_eq!(
            sorted(cliques),
            vec![vec![1, 2, 3], vec![2, 3, 4], vec![4, 5]]
        );
    }

    #[test]
    fn cliques_cover_exactly_the_overlapping_pairs() {
        // A deterministic pseudo-random family checked against all pairs.
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as i64
        };
        let intervals: Vec<(i64, i64, u32)> = (0..60)
            .map(|k| {
                let start = next() % 500;
                (start, start + 1 + next() % 40, k)
            })
            .collect();
        let cliques = overlap_cliques(intervals.clone());
        for (a, &(a0, a1, ka)) in intervals.iter().enumerate() {
            for &(b0, b1, kb) in &intervals[a + 1..] {
                let overlap = a0 < b1 && b0 < a1;
                let covered = cliques.iter().any(|c| c.contains(&ka) && c.contains(&kb));
                assert_eq!(overlap, covered, "{ka} {kb}");
            }
        }
    }
}
