//! Structural validation of a problem: every error, each with its field path
//! and the rule it breaks. Pin rules, which need the model's view of
//! eligibility and conflicts, live in [`crate::pins`].

use std::collections::{HashMap, HashSet};

use crate::field_error::FieldError;
use crate::problem::{Interval, Options, Pair, Problem, Weights};

/// Reads a problem from JSON; a syntax or type error names its path.
pub fn parse(json: &[u8]) -> Result<Problem, Vec<FieldError>> {
    crate::json_input::parse_json(json)
}

/// The broken rules of weights and options alone (what a staffing run's
/// request sets); empty means valid.
pub fn validate_parameters(weights: &Weights, options: &Options) -> Vec<FieldError> {
    let mut v = Validator::default();
    v.weights_and_options(weights, options);
    v.errors
}

/// Collects the structural errors of a problem; empty means valid.
pub fn validate(p: &Problem) -> Vec<FieldError> {
    let mut v = Validator::default();
    v.weights_and_options(&p.weights, &p.options);
    let instructors = v.unique_ids("instructors", p.instructors.iter().map(|i| &i.id));
    let classes = v.unique_ids("classes", p.classes.iter().map(|c| &c.id));
    let sessions = v.unique_ids("sessions", p.sessions.iter().map(|s| &s.id));

    for (k, i) in p.instructors.iter().enumerate() {
        let at = format!("instructors[{k}]");
        v.coordinates(&at, i.lat, i.lon);
        v.non_negative(&format!("{at}.capacity"), i.capacity as f64);
        v.unit_interval(&format!("{at}.rating"), i.rating);
        if let Some(km) = i.max_travel_km {
            v.non_negative(&format!("{at}.max_travel_km"), km);
        }
        for (topic, &level) in &i.topics {
            v.level(&format!("{at}.topics.{topic}"), level);
        }
        for (j, u) in i.unavailable.iter().enumerate() {
            v.interval(&format!("{at}.unavailable[{j}]"), u);
        }
    }
    for (k, c) in p.classes.iter().enumerate() {
        let at = format!("classes[{k}]");
        v.coordinates(&at, c.lat, c.lon);
        v.unit_interval(&format!("{at}.min_cadre_share"), c.min_cadre_share);
    }
    for (k, s) in p.sessions.iter().enumerate() {
        let at = format!("sessions[{k}]");
        v.reference(&format!("{at}.class"), &s.class, &classes, "class");
        v.interval(
            &at,
            &Interval {
                start: s.start,
                end: s.end,
            },
        );
        if s.needed < 1 {
            v.push(
                format!("{at}.needed"),
                "min_1",
                format!("needed is {}, must be at least 1", s.needed),
            );
        }
        if s.topics.is_empty() {
            v.push(
                format!("{at}.topics"),
                "non_empty",
                "a session lists at least one required topic",
            );
        }
        let mut seen = HashSet::new();
        for (j, t) in s.topics.iter().enumerate() {
            if !seen.insert(&t.topic) {
                v.push(
                    format!("{at}.topics[{j}].topic"),
                    "unique",
                    format!("topic {} is listed twice", t.topic),
                );
            }
            v.level(&format!("{at}.topics[{j}].min_level"), t.min_level);
        }
    }
    for (list, pairs) in [
        ("pins", &p.pins),
        ("exclusions", &p.exclusions),
        ("previous", &p.previous),
    ] {
        v.pairs(list, pairs, &sessions, &instructors);
    }
    for (k, d) in p.distances.iter().enumerate() {
        let at = format!("distances[{k}]");
        v.reference(
            &format!("{at}.instructor"),
            &d.instructor,
            &instructors,
            "instructor",
        );
        v.reference(&format!("{at}.class"), &d.class, &classes, "class");
        v.non_negative(&format!("{at}.km"), d.km);
    }
    v.errors
}

#[derive(Default)]
struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    fn push(&mut self, field: String, rule: &str, detail: impl Into<String>) {
        self.errors.push(FieldError::new(field, rule, detail));
    }

    fn weights_and_options(&mut self, w: &Weights, o: &Options) {
        for (name, value) in [
            ("expertise", w.expertise),
            ("rating", w.rating),
            ("travel_per_1000km", w.travel_per_1000km),
            ("unfilled", w.unfilled),
            ("cadre_shortfall", w.cadre_shortfall),
            ("keep", w.keep),
            ("balance", w.balance),
        ] {
            self.non_negative(&format!("weights.{name}"), value);
        }
        if o.time_limit_s <= 0.0 {
            self.push(
                "options.time_limit_s".into(),
                "positive",
                format!("time_limit_s is {}, must be above 0", o.time_limit_s),
            );
        }
        self.non_negative("options.mip_gap", o.mip_gap);
        self.non_negative("options.travel_buffer_minutes", o.travel_buffer_minutes);
        for (name, value) in [
            ("max_candidates_per_session", o.max_candidates_per_session),
            ("max_sessions_per_class", o.max_sessions_per_class),
        ] {
            if let Some(k) = value.filter(|&k| k < 1) {
                self.push(
                    format!("options.{name}"),
                    "min_1",
                    format!("{name} is {k}, must be at least 1"),
                );
            }
        }
    }

    /// Reports duplicates and returns the set of ids of one list.
    fn unique_ids<'a>(
        &mut self,
        list: &str,
        ids: impl Iterator<Item = &'a String>,
    ) -> HashSet<&'a str> {
        let mut seen = HashSet::new();
        for (k, id) in ids.enumerate() {
            if !seen.insert(id.as_str()) {
                self.push(
                    format!("{list}[{k}].id"),
                    "unique",
                    format!("id {id} is used twice"),
                );
            }
        }
        seen
    }

    fn reference(&mut self, field: &str, id: &str, known: &HashSet<&str>, what: &str) {
        if !known.contains(id) {
            self.push(
                field.into(),
                "unknown_reference",
                format!("there is no {what} with id {id}"),
            );
        }
    }

    fn pairs(
        &mut self,
        list: &str,
        pairs: &[Pair],
        sessions: &HashSet<&str>,
        instructors: &HashSet<&str>,
    ) {
        let mut seen = HashMap::new();
        for (k, pair) in pairs.iter().enumerate() {
            self.reference(
                &format!("{list}[{k}].session"),
                &pair.session,
                sessions,
                "session",
            );
            self.reference(
                &format!("{list}[{k}].instructor"),
                &pair.instructor,
                instructors,
                "instructor",
            );
            if let Some(first) = seen.insert(pair, k) {
                self.push(
                    format!("{list}[{k}]"),
                    "unique",
                    format!("the same pair as {list}[{first}]"),
                );
            }
        }
    }

    fn coordinates(&mut self, at: &str, lat: f64, lon: f64) {
        if !(-90.0..=90.0).contains(&lat) {
            self.push(
                format!("{at}.lat"),
                "latitude",
                format!("latitude {lat} is outside [-90, 90]"),
            );
        }
        if !(-180.0..=180.0).contains(&lon) {
            self.push(
                format!("{at}.lon"),
                "longitude",
                format!("longitude {lon} is outside [-180, 180]"),
            );
        }
    }

    fn non_negative(&mut self, field: &str, value: f64) {
        if value < 0.0 {
            self.push(field.into(), "non_negative", format!("{value} is negative"));
        }
    }

    fn unit_interval(&mut self, field: &str, value: f64) {
        if !(0.0..=1.0).contains(&value) {
            self.push(
                field.into(),
                "unit_interval",
                format!("{value} is outside [0, 1]"),
            );
        }
    }

    fn level(&mut self, field: &str, level: i64) {
        if !(1..=5).contains(&level) {
            self.push(
                field.into(),
                "level_range",
                format!("level {level} is outside 1–5"),
            );
        }
    }

    fn interval(&mut self, at: &str, i: &Interval) {
        if i.start >= i.end {
            self.push(
                format!("{at}.end"),
                "after_start",
                format!(
                    "end {} is not after start {}",
                    i.end.to_rfc3339(),
                    i.start.to_rfc3339()
                ),
            );
        }
    }
}
