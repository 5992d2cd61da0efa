//! One hand-made case per rule of SPEC 5.2–5.4, each solution also passed
//! through the independent checker.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::{json, Value};
use solver::{Solution, SolveError};

/// Two cadres in Beijing, one class in Beijing with one morning session.
fn base() -> Value {
    json!({
        "options": {"mip_gap": 0.0},
        "instructors": [
            {"id": "a", "kind": "cadre", "lat": 39.9, "lon": 116.4, "capacity": 5, "rating": 0.9,
             "topics": {"letter-handling": 4}},
            {"id": "b", "kind": "cadre", "lat": 39.9, "lon": 116.4, "capacity": 5, "rating": 0.5,
             "topics": {"letter-handling": 3}}
        ],
        "classes": [{"id": "c1", "lat": 39.9, "lon": 116.4}],
        "sessions": [session("s1", "c1", "2027-03-01T09:00:00+08:00", "2027-03-01T12:00:00+08:00")]
    })
}

fn session(id: &str, class: &str, start: &str, end: &str) -> Value {
    json!({"id": id, "class": class, "start": start, "end": end, "needed": 1,
           "topics": [{"topic": "letter-handling", "min_level": 3}]})
}

/// A session from 9 to 12 on 1–31 March 2027.
fn morning(id: &str, class: &str, day: u32) -> Value {
    let at = |hour: u32| format!("2027-03-{day:02}T{hour:02}:00:00+08:00");
    session(id, class, &at(9), &at(12))
}

fn solve(v: &Value) -> Solution {
    let problem = solver::parse(v.to_string().as_bytes()).unwrap();
    let solution = solver::solve(&problem).unwrap();
    let violations = common::check(&problem, &solution);
    assert!(violations.is_empty(), "{violations:#?}");
    solution
}

fn assigned(sol: &Solution) -> Vec<(String, String)> {
    let mut v: Vec<_> = sol
        .assignments
        .iter()
        .map(|a| (a.session.clone(), a.instructor.clone()))
        .collect();
    v.sort();
    v
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = list
        .iter()
        .map(|(s, i)| (s.to_string(), i.to_string()))
        .collect();
    v.sort();
    v
}

fn rules(err: SolveError) -> Vec<(String, String)> {
    match err {
        SolveError::Invalid(errors) => errors.into_iter().map(|e| (e.field, e.rule)).collect(),
        other => panic!("{other}"),
    }
}

fn solve_err(v: &Value) -> Vec<(String, String)> {
    let problem = solver::parse(v.to_string().as_bytes()).unwrap();
    rules(solver::solve(&problem).unwrap_err())
}

#[test]
fn the_better_instructor_wins() {
    let sol = solve(&base());
    assert_eq!(assigned(&sol), pairs(&[("s1", "a")]));
    assert_eq!(sol.status, solver::Status::Optimal);
}

#[test]
fn topic_level_below_minimum_is_ineligible() {
    let mut p = base();
    p["instructors"][0]["topics"]["letter-handling"] = json!(2);
    let sol = solve(&p);
    assert_eq!(assigned(&sol), pairs(&[("s1", "b")]));
}

#[test]
fn unavailability_is_half_open() {
    let mut p = base();
    // Ends exactly when the session starts: no overlap, still eligible.
    p["instructors"][0]["unavailable"] =
        json!([{"start": "2027-03-01T00:00:00+08:00", "end": "2027-03-01T09:00:00+08:00"}]);
    assert_eq!(assigned(&solve(&p)), pairs(&[("s1", "a")]));
    // Starts exactly when the session ends: no overlap either.
    p["instructors"][0]["unavailable"] =
        json!([{"start": "2027-03-01T12:00:00+08:00", "end": "2027-03-02T00:00:00+08:00"}]);
    assert_eq!(assigned(&solve(&p)), pairs(&[("s1", "a")]));
    // One second into the session: blocked.
    p["instructors"][0]["unavailable"] =
        json!([{"start": "2027-03-01T11:59:59+08:00", "end": "2027-03-02T00:00:00+08:00"}]);
    assert_eq!(assigned(&solve(&p)), pairs(&[("s1", "b")]));
}

#[test]
fn travel_radius_limits_in_person_sessions_only() {
    let mut p = base();
    // Class in Wuhan, about 1,050 km from Beijing.
    p["classes"][0] = json!({"id": "c1", "lat": 30.59, "lon": 114.30});
    p["instructors"][0]["max_travel_km"] = json!(1000.0);
    assert_eq!(assigned(&solve(&p)), pairs(&[("s1", "b")]));
    p["instructors"][0]["max_travel_km"] = json!(1100.0);
    assert_eq!(assigned(&solve(&p)), pairs(&[("s1", "a")]));
    // Remote sessions ignore the radius.
    p["instructors"][0]["max_travel_km"] = json!(10.0);
    p["instructors"][0]["remote_ok"] = json!(true);
    p["instructors"][1]["remote_ok"] = json!(true);
    p["sessions"][0]["remote"] = json!(true);
    let sol = solve(&p);
    assert_eq!(assigned(&sol), pairs(&[("s1", "a")]));
    assert!(sol.trips.is_empty(), "remote sessions cost no travel");
}

#[test]
fn remote_session_needs_remote_ok() {
    let mut p = base();
    p["sessions"][0]["remote"] = json!(true);
    p["instructors"][1]["remote_ok"] = json!(true);
    assert_eq!(assigned(&solve(&p)), pairs(&[("s1", "b")]));
}

#[test]
fn exclusion_removes_the_pair() {
    let mut p = base();
    p["exclusions"] = json!([{"session": "s1", "instructor": "a"}]);
    let sol = solve(&p);
    assert_eq!(assigned(&sol), pairs(&[("s1", "b")]));
}

#[test]
fn capacity_caps_sessions_per_instructor() {
    let mut p = base();
    p["instructors"] = json!([p["instructors"][0].clone()]);
    p["instructors"][0]["capacity"] = json!(1);
    p["sessions"] = json!([morning("s1", "c1", 1), morning("s2", "c1", 2)]);
    let sol = solve(&p);
    assert_eq!(sol.assignments.len(), 1);
    let unfilled = &sol.unfilled[0];
    assert_eq!(unfilled.near_misses[0].blocked_by, "capacity");
}

/// Three sessions of one class on three days, and one of a second class.
fn three_days_of_one_class() -> Value {
    let mut p = base();
    p["classes"] =
        json!([{"id": "c1", "lat": 39.9, "lon": 116.4}, {"id": "c2", "lat": 39.9, "lon": 116.4}]);
    p["sessions"] = json!([
        morning("s1", "c1", 1),
        morning("s2", "c1", 2),
        morning("s3", "c1", 3),
        morning("s4", "c2", 4)
    ]);
    p
}

#[test]
fn the_class_limit_spreads_a_class_over_several_voices() {
    let mut p = three_days_of_one_class();
    let free = solve(&p);
    assert_eq!(
        assigned(&free),
        pairs(&[("s1", "a"), ("s2", "a"), ("s3", "a"), ("s4", "a")]),
        "without a limit the better instructor takes everything"
    );
    p["options"]["max_sessions_per_class"] = json!(2);
    let limited = solve(&p);
    let held_by_a = |c: &[&str]| {
        assigned(&limited)
            .iter()
            .filter(|(s, i)| i == "a" && c.contains(&s.as_str()))
            .count()
    };
    assert_eq!(held_by_a(&["s1", "s2", "s3"]), 2, "{limited:?}");
    assert_eq!(held_by_a(&["s4"]), 1, "the limit is per class");
    assert_eq!(limited.assignments.len(), 4, "b takes the third");
    p["options"]["max_sessions_per_class"] = json!(1);
    p["instructors"] = json!([p["instructors"][0].clone()]);
    let alone = solve(&p);
    assert_eq!(alone.assignments.len(), 2);
    assert_eq!(alone.unfilled.len(), 2);
    for unfilled in &alone.unfilled {
        assert_eq!(unfilled.near_misses[0].blocked_by, "max_sessions_per_class");
    }
}

/// a (score 1.7 a session) and b (1.1) at the class's own city, balance
/// 1.5 and capacity 5 each: a's k-th session costs 0.3 · (k − 1). All four
/// to a gives 6.8 − 1.8, three to a and one to b 6.2 − 0.9, two each
/// 5.6 − 0.6: three and one it is, and `loads` lists a's term alone.
#[test]
fn balance_makes_each_further_session_of_a_person_cost_more() {
    let mut p = three_days_of_one_class();
    p["weights"] = json!({"balance": 1.5});
    let sol = solve(&p);
    let held = |who: &str| {
        sol.assignments
            .iter()
            .filter(|a| a.instructor == who)
            .count()
    };
    assert_eq!((held("a"), held("b")), (3, 1), "{sol:?}");
    assert!((sol.objective - 5.3).abs() < 1e-9, "{}", sol.objective);
    assert_eq!(sol.loads.len(), 1);
    let load = &sol.loads[0];
    assert_eq!(
        (load.instructor.as_str(), load.sessions, load.capacity),
        ("a", 3, 5)
    );
    assert!((load.cost - 0.9).abs() < 1e-12, "{load:?}");
    p["weights"]["balance"] = json!(0.0);
    let unweighed = solve(&p);
    assert!(unweighed.loads.is_empty(), "no loads without balance");
    let listed = serde_json::to_value(&unweighed).unwrap();
    assert!(listed.get("loads").is_none(), "{listed}");
    p["weights"]["balance"] = json!(-1.0);
    assert!(solve_err(&p)
        .iter()
        .any(|(field, _)| field == "weights.balance"));
}

#[test]
fn pins_beyond_the_class_limit_are_refused() {
    let mut p = three_days_of_one_class();
    p["options"]["max_sessions_per_class"] = json!(1);
    p["pins"] = json!([
        {"session": "s1", "instructor": "a"},
        {"session": "s4", "instructor": "a"},
        {"session": "s2", "instructor": "a"}
    ]);
    assert_eq!(
        solve_err(&p),
        [(
            "pins[2]".to_owned(),
            "pin_max_sessions_per_class".to_owned()
        )]
    );
    p["options"]["max_sessions_per_class"] = json!(0);
    assert!(solve_err(&p).contains(&(
        "options.max_sessions_per_class".to_owned(),
        "min_1".to_owned()
    )));
}

#[test]
fn overlapping_sessions_conflict() {
    let mut p = base();
    p["instructors"] = json!([p["instructors"][0].clone()]);
    p["classes"] =
        json!([{"id": "c1", "lat": 39.9, "lon": 116.4}, {"id": "c2", "lat": 39.9, "lon": 116.4}]);
    p["sessions"] = json!([
        session(
            "s1",
            "c1",
            "2027-03-01T09:00:00+08:00",
            "2027-03-01T12:00:00+08:00"
        ),
        session(
            "s2",
            "c2",
            "2027-03-01T11:00:00+08:00",
            "2027-03-01T13:00:00+08:00"
        )
    ]);
    let sol = solve(&p);
    assert_eq!(sol.assignments.len(), 1);
    assert_eq!(sol.unfilled[0].near_misses[0].blocked_by, "conflict");
}

#[test]
fn travel_buffer_applies_across_classes_not_within_one() {
    let mut p = base();
    p["instructors"] = json!([p["instructors"][0].clone()]);
    p["options"]["travel_buffer_minutes"] = json!(120);
    p["classes"] =
        json!([{"id": "c1", "lat": 39.9, "lon": 116.4}, {"id": "c2", "lat": 39.9, "lon": 116.4}]);
    // Back to back within one class: both taught.
    p["sessions"] = json!([
        session(
            "s1",
            "c1",
            "2027-03-01T09:00:00+08:00",
            "2027-03-01T12:00:00+08:00"
        ),
        session(
            "s2",
            "c1",
            "2027-03-01T12:00:00+08:00",
            "2027-03-01T15:00:00+08:00"
        )
    ]);
    assert_eq!(solve(&p).assignments.len(), 2);
    // Back to back across classes, gap 0 < 120 minutes: one only.
    p["sessions"][1]["class"] = json!("c2");
    assert_eq!(solve(&p).assignments.len(), 1);
    // Gap of 119 minutes: still a conflict; 120 minutes: none.
    p["sessions"][1]["start"] = json!("2027-03-01T13:59:00+08:00");
    assert_eq!(solve(&p).assignments.len(), 1);
    p["sessions"][1]["start"] = json!("2027-03-01T14:00:00+08:00");
    p["sessions"][1]["end"] = json!("2027-03-01T16:00:00+08:00");
    assert_eq!(solve(&p).assignments.len(), 2);
    // A remote session needs no buffer.
    p["instructors"][0]["remote_ok"] = json!(true);
    p["sessions"][1]["start"] = json!("2027-03-01T12:00:00+08:00");
    p["sessions"][1]["remote"] = json!(true);
    assert_eq!(solve(&p).assignments.len(), 2);
}

#[test]
fn buffer_window_with_two_sessions_of_one_class_and_one_of_another() {
    // a could teach s1 and s2 (same class c1), or s3 (class c2) between them;
    // the buffer forbids mixing. Two sessions beat one.
    let mut p = base();
    p["instructors"] = json!([p["instructors"][0].clone()]);
    p["options"]["travel_buffer_minutes"] = json!(60);
    p["classes"] =
        json!([{"id": "c1", "lat": 39.9, "lon": 116.4}, {"id": "c2", "lat": 39.9, "lon": 116.4}]);
    p["sessions"] = json!([
        session(
            "s1",
            "c1",
            "2027-03-01T09:00:00+08:00",
            "2027-03-01T10:00:00+08:00"
        ),
        session(
            "s3",
            "c2",
            "2027-03-01T10:30:00+08:00",
            "2027-03-01T11:00:00+08:00"
        ),
        session(
            "s2",
            "c1",
            "2027-03-01T11:30:00+08:00",
            "2027-03-01T12:00:00+08:00"
        )
    ]);
    assert_eq!(assigned(&solve(&p)), pairs(&[("s1", "a"), ("s2", "a")]));
}

#[test]
fn cadre_share_prefers_cadres() {
    let mut p = base();
    // An expert slightly better than the cadre b; a is excluded.
    p["instructors"][0]["kind"] = json!("expert");
    p["classes"][0]["min_cadre_share"] = json!(1.0);
    let sol = solve(&p);
    assert_eq!(
        assigned(&sol),
        pairs(&[("s1", "b")]),
        "the shortfall penalty outweighs the score"
    );
    assert!(sol.cadre_shortfalls.is_empty());
    // Without the share the expert wins, and no shortfall is reported.
    p["classes"][0]["min_cadre_share"] = json!(0.0);
    assert_eq!(assigned(&solve(&p)), pairs(&[("s1", "a")]));
    // With only the expert, the shortfall is reported.
    p["classes"][0]["min_cadre_share"] = json!(1.0);
    p["instructors"] = json!([p["instructors"][0].clone()]);
    let sol = solve(&p);
    assert_eq!(sol.cadre_shortfalls.len(), 1);
    assert_eq!(sol.cadre_shortfalls[0].shortfall, 1.0);
}

#[test]
fn pins_are_kept_even_when_worse() {
    let mut p = base();
    p["pins"] = json!([{"session": "s1", "instructor": "b"}]);
    assert_eq!(assigned(&solve(&p)), pairs(&[("s1", "b")]));
}

#[test]
fn keep_bonus_keeps_the_previous_assignment() {
    let mut p = base();
    p["previous"] = json!([{"session": "s1", "instructor": "b"}]);
    assert_eq!(
        assigned(&solve(&p)),
        pairs(&[("s1", "a")]),
        "keep weight 0 by default"
    );
    p["weights"] = json!({"keep": 1.0});
    let sol = solve(&p);
    assert_eq!(assigned(&sol), pairs(&[("s1", "b")]));
    assert!(sol.assignments[0].kept);
}

#[test]
fn one_trip_cost_for_several_sessions_of_a_class() {
    let mut p = base();
    p["instructors"] = json!([p["instructors"][0].clone()]);
    p["classes"][0] = json!({"id": "c1", "lat": 30.59, "lon": 114.30});
    p["sessions"] = json!([
        session(
            "s1",
            "c1",
            "2027-03-01T09:00:00+08:00",
            "2027-03-01T12:00:00+08:00"
        ),
        session(
            "s2",
            "c1",
            "2027-03-01T14:00:00+08:00",
            "2027-03-01T17:00:00+08:00"
        )
    ]);
    let sol = solve(&p);
    assert_eq!(sol.assignments.len(), 2);
    assert_eq!(sol.trips.len(), 1);
    let expected = 2.0 * (0.8 + 0.9) - sol.trips[0].cost;
    assert!((sol.objective - expected).abs() < 1e-9);
}

#[test]
fn distances_override_great_circle() {
    let mut p = base();
    p["distances"] = json!([{"instructor": "a", "class": "c1", "km": 2000.0}]);
    let sol = solve(&p);
    // a: 1.7 − 2.0 < b: 1.1 − 0.0
    assert_eq!(assigned(&sol), pairs(&[("s1", "b")]));
    p["instructors"] = json!([p["instructors"][0].clone()]);
    let sol = solve(&p);
    assert_eq!(sol.trips[0].distance_km, 2000.0);
    assert_eq!(sol.trips[0].cost, 2.0);
}

#[test]
fn travel_dearer_than_filling_leaves_the_place_open() {
    let mut p = base();
    p["instructors"] = json!([p["instructors"][0].clone()]);
    p["weights"] = json!({"unfilled": 1.0, "travel_per_1000km": 10.0});
    p["distances"] = json!([{"instructor": "a", "class": "c1", "km": 1000.0}]);
    let sol = solve(&p);
    assert!(sol.assignments.is_empty());
    assert_eq!(sol.unfilled[0].eligible, 1);
}

#[test]
fn unfilled_sessions_say_why() {
    let mut p = base();
    p["instructors"][0]["topics"]["letter-handling"] = json!(2);
    p["instructors"][1]["unavailable"] =
        json!([{"start": "2027-03-01T00:00:00+08:00", "end": "2027-03-02T00:00:00+08:00"}]);
    let sol = solve(&p);
    let u = &sol.unfilled[0];
    assert_eq!(
        (
            u.missing,
            u.eligible,
            u.excluded_by.topic,
            u.excluded_by.unavailable
        ),
        (1, 0, 1, 1)
    );
    assert_eq!(u.near_misses.len(), 2);
    assert_eq!(u.near_misses[0].instructor, "a", "a scores higher");
    assert_eq!(u.near_misses[0].detail, "letter-handling level 2 < 3");
    assert_eq!(u.near_misses[1].blocked_by, "unavailable");
}

#[test]
fn pin_rules_are_422_errors_naming_the_pin() {
    let mut p = base();
    p["instructors"][0]["topics"]["letter-handling"] = json!(1);
    p["pins"] = json!([{"session": "s1", "instructor": "a"}]);
    assert_eq!(
        solve_err(&p),
        vec![("pins[0]".to_owned(), "pin_topic".to_owned())]
    );

    let mut p = base();
    p["sessions"] = json!([
        session(
            "s1",
            "c1",
            "2027-03-01T09:00:00+08:00",
            "2027-03-01T12:00:00+08:00"
        ),
        session(
            "s2",
            "c1",
            "2027-03-01T10:00:00+08:00",
            "2027-03-01T11:00:00+08:00"
        )
    ]);
    p["pins"] = json!([{"session": "s1", "instructor": "a"}, {"session": "s2", "instructor": "a"}]);
    assert_eq!(
        solve_err(&p),
        vec![("pins[1]".to_owned(), "pin_conflict".to_owned())]
    );

    p["sessions"][1]["start"] = json!("2027-03-02T10:00:00+08:00");
    p["sessions"][1]["end"] = json!("2027-03-02T11:00:00+08:00");
    p["instructors"][0]["capacity"] = json!(1);
    assert_eq!(
        solve_err(&p),
        vec![("pins[1]".to_owned(), "pin_capacity".to_owned())]
    );

    let mut p = base();
    p["pins"] = json!([{"session": "s1", "instructor": "a"}, {"session": "s1", "instructor": "b"}]);
    assert_eq!(
        solve_err(&p),
        vec![("pins[1]".to_owned(), "pin_needed".to_owned())]
    );

    let mut p = base();
    p["exclusions"] = json!([{"session": "s1", "instructor": "a"}]);
    p["pins"] = json!([{"session": "s1", "instructor": "a"}]);
    assert_eq!(
        solve_err(&p),
        vec![("pins[0]".to_owned(), "pin_exclusion".to_owned())]
    );
}

#[test]
fn a_time_limit_returns_the_best_solution_found_not_an_error() {
    let mut problem = solver::synthetic::generate(solver::synthetic::Shape::new(400, 200, 11));
    problem.options.time_limit_s = 0.05;
    let sol = solver::solve(&problem).unwrap();
    assert!(common::check(&problem, &sol).is_empty());
    assert!(
        !sol.assignments.is_empty(),
        "the warm start is there at least"
    );
    if sol.status == solver::Status::TimeLimit {
        assert!(sol.bound >= sol.objective);
    }
}

#[test]
fn same_input_same_objective() {
    let mut problem = solver::synthetic::generate(solver::synthetic::Shape::new(150, 80, 12));
    problem.options.travel_buffer_minutes = 240.0;
    let a = solver::solve(&problem).unwrap();
    let b = solver::solve(&problem).unwrap();
    assert_eq!(a.status, solver::Status::Optimal);
    assert_eq!(a.objective, b.objective);
    assert_eq!(a.assignments, b.assignments);
    assert!(
        common::check(&problem, &a).is_empty(),
        "{:#?}",
        common::check(&problem, &a)
    );
}

/// A cancelled solve stops well before its time limit and hands back the
/// best staffing found so far, valid, with its bound.
#[test]
fn a_cancelled_solve_returns_its_best_so_far() {
    let mut shape = solver::synthetic::Shape::overlapping(2000, 1000, 10, 4);
    shape.capacity = (1, 2);
    let mut problem = solver::synthetic::generate(shape);
    problem.options.time_limit_s = 120.0;
    problem.options.mip_gap = 0.0;
    let cancel = solver::Cancel::default();
    let started = std::time::Instant::now();
    let mut points = 0;
    let sol = std::thread::scope(|scope| {
        let stopper = cancel.clone();
        scope.spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(2));
            stopper.cancel();
        });
        solver::solve_cancellable(&problem, |_| points += 1, &cancel).unwrap()
    });
    let took = started.elapsed().as_secs_f64();
    // Far under the 120-second limit: the solve stopped because it was told to.
    assert!(took < 30.0, "the cancelled solve took {took:.1} s");
    assert_eq!(sol.status, solver::Status::TimeLimit);
    assert!(sol.bound >= sol.objective);
    assert!(points >= 1);
    assert!(common::check(&problem, &sol).is_empty());
}
