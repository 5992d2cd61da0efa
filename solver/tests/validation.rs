//! Validation reports every broken rule with its exact field path.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};

fn valid() -> Value {
    json!({
        "instructors": [{"id": "a", "kind": "cadre", "lat": 39.9, "lon": 116.4, "capacity": 2, "rating": 0.5,
                         "topics": {"letter-handling": 3},
                         "unavailable": [{"start": "2027-03-01T00:00:00+08:00", "end": "2027-03-02T00:00:00+08:00"}]}],
        "classes": [{"id": "c1", "lat": 30.0, "lon": 114.0, "min_cadre_share": 0.5}],
        "sessions": [{"id": "s1", "class": "c1", "start": "2027-03-03T09:00:00+08:00",
                      "end": "2027-03-03T12:00:00+08:00", "needed": 1,
                      "topics": [{"topic": "letter-handling", "min_level": 2}]}]
    })
}

fn errors(v: &Value) -> Vec<(String, String)> {
    match solver::parse(v.to_string().as_bytes()) {
        Err(e) => e.into_iter().map(|e| (e.field, e.rule)).collect(),
        Ok(p) => solver::validate(&p)
            .into_iter()
            .map(|e| (e.field, e.rule))
            .collect(),
    }
}

fn expect(v: &Value, expected: &[(&str, &str)]) {
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(f, r)| (f.to_string(), r.to_string()))
        .collect();
    assert_eq!(errors(v), expected);
}

#[test]
fn the_base_problem_is_valid() {
    expect(&valid(), &[]);
}

#[test]
fn every_error_is_reported_at_once() {
    let mut p = valid();
    p["instructors"][0]["lat"] = json!(91);
    p["instructors"][0]["lon"] = json!(-181);
    p["instructors"][0]["capacity"] = json!(-1);
    p["instructors"][0]["rating"] = json!(1.5);
    p["instructors"][0]["max_travel_km"] = json!(-3);
    p["instructors"][0]["topics"]["letter-handling"] = json!(6);
    p["instructors"][0]["unavailable"][0]["end"] = json!("2027-03-01T00:00:00+08:00");
    p["classes"][0]["min_cadre_share"] = json!(-0.1);
    p["sessions"][0]["needed"] = json!(0);
    p["sessions"][0]["topics"][0]["min_level"] = json!(0);
    expect(
        &p,
        &[
            ("instructors[0].lat", "latitude"),
            ("instructors[0].lon", "longitude"),
            ("instructors[0].capacity", "non_negative"),
            ("instructors[0].rating", "unit_interval"),
            ("instructors[0].max_travel_km", "non_negative"),
            ("instructors[0].topics.letter-handling", "level_range"),
            ("instructors[0].unavailable[0].end", "after_start"),
            ("classes[0].min_cadre_share", "unit_interval"),
            ("sessions[0].needed", "min_1"),
            ("sessions[0].topics[0].min_level", "level_range"),
        ],
    );
}

#[test]
fn duplicate_ids_and_unknown_references() {
    let mut p = valid();
    for list in ["instructors", "classes", "sessions"] {
        let first = p[list][0].clone();
        p[list].as_array_mut().unwrap().push(first);
    }
    p["sessions"][1]["class"] = json!("nowhere");
    p["pins"] = json!([{"session": "s9", "instructor": "a"}]);
    p["exclusions"] = json!([{"session": "s1", "instructor": "zz"}]);
    p["previous"] =
        json!([{"session": "s1", "instructor": "a"}, {"session": "s1", "instructor": "a"}]);
    p["distances"] = json!([{"instructor": "q", "class": "c9", "km": -1}]);
    expect(
        &p,
        &[
            ("instructors[1].id", "unique"),
            ("classes[1].id", "unique"),
            ("sessions[1].id", "unique"),
            ("sessions[1].class", "unknown_reference"),
            ("pins[0].session", "unknown_reference"),
            ("exclusions[0].instructor", "unknown_reference"),
            ("previous[1]", "unique"),
            ("distances[0].instructor", "unknown_reference"),
            ("distances[0].class", "unknown_reference"),
            ("distances[0].km", "non_negative"),
        ],
    );
}

#[test]
fn sessions_need_distinct_topics_and_a_later_end() {
    let mut p = valid();
    p["sessions"][0]["end"] = p["sessions"][0]["start"].clone();
    p["sessions"][0]["topics"] = json!([]);
    expect(
        &p,
        &[
            ("sessions[0].end", "after_start"),
            ("sessions[0].topics", "non_empty"),
        ],
    );
    p["sessions"][0]["end"] = json!("2027-03-03T12:00:00+08:00");
    p["sessions"][0]["topics"] =
        json!([{"topic": "x", "min_level": 1}, {"topic": "x", "min_level": 2}]);
    expect(&p, &[("sessions[0].topics[1].topic", "unique")]);
}

#[test]
fn weights_and_options_have_sign_rules() {
    let mut p = valid();
    p["weights"] = json!({"expertise": -1, "keep": -0.5});
    p["options"] = json!({"time_limit_s": 0, "mip_gap": -1, "travel_buffer_minutes": -5, "max_candidates_per_session": 0});
    expect(
        &p,
        &[
            ("weights.expertise", "non_negative"),
            ("weights.keep", "non_negative"),
            ("options.time_limit_s", "positive"),
            ("options.mip_gap", "non_negative"),
            ("options.travel_buffer_minutes", "non_negative"),
            ("options.max_candidates_per_session", "min_1"),
        ],
    );
}

#[test]
fn type_errors_name_their_path() {
    let mut p = valid();
    p["sessions"][0]["start"] = json!("tomorrow");
    expect(&p, &[("sessions[0].start", "date_time")]);
    let mut p = valid();
    p["instructors"][0]["kind"] = json!("wizard");
    expect(&p, &[("instructors[0].kind", "one_of")]);
    let mut p = valid();
    p["weights"] = json!({"expertize": 1});
    expect(&p, &[("weights.expertize", "unknown_field")]);
    assert_eq!(errors(&json!("not an object"))[0].1, "object");
}

/// A problem read from JSON is the problem that was written, to the last
/// bit of every number: a coordinate one unit in the last place off gave
/// the solver another path (a proof in 41 s instead of 16 s).
#[test]
fn numbers_read_back_exactly() {
    use solver::synthetic::{generate, Shape};
    let problem = generate(Shape::new(300, 150, 3));
    let written = serde_json::to_vec(&problem).unwrap();
    let read = solver::parse(&written).unwrap();
    let coordinates = |p: &solver::Problem| -> Vec<u64> {
        p.instructors
            .iter()
            .flat_map(|i| [i.lat.to_bits(), i.lon.to_bits(), i.rating.to_bits()])
            .chain(
                p.classes
                    .iter()
                    .flat_map(|c| [c.lat.to_bits(), c.lon.to_bits()]),
            )
            .collect()
    };
    assert_eq!(coordinates(&read), coordinates(&problem));
    assert_eq!(
        serde_json::to_value(&read).unwrap(),
        serde_json::to_value(&problem).unwrap()
    );
}
