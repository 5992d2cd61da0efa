//! The readable report of a staffing solution, for `solve --summary` and
//! the demo.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use solver::{Problem, Solution};

use crate::store::names::Names;
use crate::vocabulary::{kind_short_zh, InstructorKind};

/// The readable report of a staffing solution: totals, then per class the
/// places filled, cadre share and travel, the balance term when it is
/// weighed, then unfilled sessions with their reasons and near misses. With `names`, ids are shown as names and every
/// session is listed with who teaches it.
pub fn report(problem: &Problem, solution: &Solution, names: Option<&Names>) -> String {
    let empty = Names::default();
    let names = names.unwrap_or(&empty);
    let mut out = String::new();
    let needed: i64 = problem.sessions.iter().map(|s| s.needed).sum();
    let missing: i64 = solution.unfilled.iter().map(|u| u.missing).sum();
    let _ = writeln!(
        out,
        "Status {:?}: objective {:.4}, bound {:.4}, gap {:.4}%",
        solution.status,
        solution.objective,
        solution.bound,
        solution.gap * 100.0
    );
    let _ = writeln!(
        out,
        "Places filled: {} of {} in {} sessions; {} candidate pairs ({} pruned); build {} ms, solve {} ms",
        needed - missing,
        needed,
        problem.sessions.len(),
        solution.stats.candidate_pairs,
        solution.stats.pruned_pairs,
        solution.stats.build_ms,
        solution.stats.solve_ms
    );

    let cadre: std::collections::HashSet<&str> = problem
        .instructors
        .iter()
        .filter(|i| i.kind == InstructorKind::Cadre)
        .map(|i| i.id.as_str())
        .collect();
    let class_of: BTreeMap<&str, &str> = problem
        .sessions
        .iter()
        .map(|s| (s.id.as_str(), s.class.as_str()))
        .collect();
    let _ = writeln!(
        out,
        "\nassigned  cadres  share  trips  travel km    cost  class"
    );
    for class in &problem.classes {
        let assigned: Vec<_> = solution
            .assignments
            .iter()
            .filter(|a| class_of.get(a.session.as_str()) == Some(&class.id.as_str()))
            .collect();
        let cadres = assigned
            .iter()
            .filter(|a| cadre.contains(a.instructor.as_str()))
            .count();
        let trips: Vec<_> = solution
            .trips
            .iter()
            .filter(|t| t.class == class.id)
            .collect();
        let share = if assigned.is_empty() {
            0.0
        } else {
            cadres as f64 / assigned.len() as f64
        };
        let _ = writeln!(
            out,
            "{:>8}  {:>6}  {:>4.0}%  {:>5}  {:>9.0}  {:>6.3}  {}{}",
            assigned.len(),
            cadres,
            share * 100.0,
            trips.len(),
            trips.iter().map(|t| t.distance_km).sum::<f64>(),
            trips.iter().map(|t| t.cost).sum::<f64>(),
            names.class(&class.id),
            if share < class.min_cadre_share {
                format!("  (below {:.0}%)", class.min_cadre_share * 100.0)
            } else {
                String::new()
            }
        );
    }

    if let Some(most) = solution.loads.iter().max_by_key(|l| l.sessions) {
        let _ = writeln!(
            out,
            "\nInstructors holding two sessions or more: {}, balance term {:.3}; the most loaded, {}, holds {} of {}",
            solution.loads.len(),
            solution.loads.iter().map(|l| l.cost).sum::<f64>(),
            names.instructor(&most.instructor),
            most.sessions,
            most.capacity
        );
    }
    if !names.pools.is_empty() {
        pools(&mut out, solution, names);
    }
    if !names.sessions.is_empty() {
        who_teaches(&mut out, problem, solution, names);
    }

    if solution.unfilled.is_empty() {
        let _ = writeln!(out, "\nEvery session is fully staffed.");
    } else {
        let _ = writeln!(out, "\nUnfilled sessions:");
        for u in &solution.unfilled {
            let e = u.excluded_by;
            let _ = writeln!(
                out,
                "  {}: {} missing, {} eligible; excluded by topic {}, unavailable {}, remote {}, travel {}, exclusion {}",
                names.session(&u.session), u.missing, u.eligible, e.topic, e.unavailable, e.remote, e.travel, e.exclusion
            );
            for m in &u.near_misses {
                let _ = writeln!(
                    out,
                    "    near miss {} ({}): {}",
                    names.instructor(&m.instructor),
                    m.blocked_by,
                    m.detail
                );
            }
        }
    }
    out
}

/// Whose pools the instructors come from: per owner office, the people
/// used and the places they fill, most places first.
fn pools(out: &mut String, solution: &Solution, names: &Names) {
    let mut by_pool: BTreeMap<&str, (std::collections::BTreeSet<&str>, usize)> = BTreeMap::new();
    for a in &solution.assignments {
        let pool = names.pool(&a.instructor).unwrap_or("?");
        let entry = by_pool.entry(pool).or_default();
        entry.0.insert(a.instructor.as_str());
        entry.1 += 1;
    }
    let mut rows: Vec<_> = by_pool.into_iter().collect();
    rows.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then(a.0.cmp(b.0)));
    let _ = writeln!(
        out,
        "
Whose pool (owner office):
  people  places  office"
    );
    for (pool, (people, places)) in rows {
        let _ = writeln!(out, "  {:>6}  {:>6}  {pool}", people.len(), places);
    }
}

/// Every session of every class, in time order, with its instructors.
fn who_teaches(out: &mut String, problem: &Problem, solution: &Solution, names: &Names) {
    let mut teachers: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for a in &solution.assignments {
        let kind = problem
            .instructors
            .iter()
            .find(|i| i.id == a.instructor)
            .map_or("", |i| kind_short_zh(i.kind));
        let from = names
            .pool(&a.instructor)
            .map_or_else(String::new, |pool| format!("·{pool}"));
        teachers
            .entry(a.session.as_str())
            .or_default()
            .push(format!(
                "{}（{kind}{from}）",
                names.instructor(&a.instructor)
            ));
    }
    // The training offices' own time: China Standard Time.
    let Some(china) = chrono::FixedOffset::east_opt(8 * 3600) else {
        return;
    };
    let _ = writeln!(out, "\nWho teaches what (times in UTC+8):");
    for class in &problem.classes {
        let _ = writeln!(out, "\n{}", names.class(&class.id));
        let mut sessions: Vec<_> = problem
            .sessions
            .iter()
            .filter(|s| s.class == class.id)
            .collect();
        sessions.sort_by_key(|s| s.start);
        for s in sessions {
            let who = teachers
                .get(s.id.as_str())
                .map_or_else(|| "— unfilled —".to_owned(), |t| t.join("、"));
            let _ = writeln!(
                out,
                "  {}  {}{}: {}",
                s.start.with_timezone(&china).format("%m-%d %H:%M"),
                names.session(&s.id),
                if s.remote { " [remote]" } else { "" },
                who
            );
        }
    }
}
