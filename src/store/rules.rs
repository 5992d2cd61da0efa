//! Validation rules shared by several inputs: names, coordinates, topic
//! lists with levels, references to the vocabulary.

use diesel::prelude::*;
use solver::FieldError;

use super::schema::{teaching_methods, topics};
use super::Db;

/// A name or title: not blank, at most 200 characters, no control
/// characters (whatever path it came by).
pub fn text(errors: &mut Vec<FieldError>, field: &str, value: &str) {
    if solver::has_control_character(value) {
        errors.push(solver::control_character_error(field));
    } else if value.trim().is_empty() {
        errors.push(FieldError::new(field, "non_empty", "must not be empty"));
    } else if value.chars().count() > 200 {
        errors.push(FieldError::new(
            field,
            "max_length",
            "at most 200 characters",
        ));
    }
}

/// Latitude and longitude in degrees.
pub fn coordinates(errors: &mut Vec<FieldError>, lat: f64, lon: f64) {
    if !(-90.0..=90.0).contains(&lat) {
        errors.push(FieldError::new(
            "lat",
            "latitude",
            "a latitude in [-90, 90]",
        ));
    }
    if !(-180.0..=180.0).contains(&lon) {
        errors.push(FieldError::new(
            "lon",
            "longitude",
            "a longitude in [-180, 180]",
        ));
    }
}

/// A list `list[k]` of topics with levels 1–5 (`level` names the level
/// field), each topic once.
pub fn topic_levels<'a>(
    errors: &mut Vec<FieldError>,
    list: &str,
    level: &str,
    items: impl IntoIterator<Item = (&'a str, i32)>,
) {
    let items: Vec<(&str, i32)> = items.into_iter().collect();
    for (k, &(topic, value)) in items.iter().enumerate() {
        if !(1..=5).contains(&value) {
            errors.push(FieldError::new(
                format!("{list}[{k}].{level}"),
                "level_range",
                "a level from 1 to 5",
            ));
        }
        if items[..k].iter().any(|&(other, _)| other == topic) {
            errors.push(FieldError::new(
                format!("{list}[{k}].topic"),
                "unique",
                format!("{topic} is listed twice"),
            ));
        }
    }
}

/// `list[k].topic` for every topic code that is not in the vocabulary.
pub fn known_topics<'a>(
    conn: &mut Db,
    errors: &mut Vec<FieldError>,
    list: &str,
    codes: impl IntoIterator<Item = &'a str>,
) -> QueryResult<()> {
    let known: Vec<String> = topics::table.select(topics::code).load(conn)?;
    for (k, code) in codes.into_iter().enumerate() {
        if !known.iter().any(|c| c == code) {
            errors.push(FieldError::new(
                format!("{list}[{k}].topic"),
                "unknown_reference",
                format!("no topic {code}"),
            ));
        }
    }
    Ok(())
}

/// `field` for every teaching method code that is not in the vocabulary
/// (`field` gets `[k]` when the codes are a list).
pub fn known_methods<'a>(
    conn: &mut Db,
    errors: &mut Vec<FieldError>,
    field: impl Fn(usize) -> String,
    codes: impl IntoIterator<Item = &'a str>,
) -> QueryResult<()> {
    let known: Vec<String> = teaching_methods::table
        .select(teaching_methods::code)
        .load(conn)?;
    for (k, code) in codes.into_iter().enumerate() {
        if !known.iter().any(|c| c == code) {
            errors.push(FieldError::new(
                field(k),
                "unknown_reference",
                format!("no teaching method {code}"),
            ));
        }
    }
    Ok(())
}
