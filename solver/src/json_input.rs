//! Reading a JSON document sent by a person or a program: every problem is
//! reported at its field path (`sessions[3].end`), with a stable rule and a
//! detail in our own words (never the parser's text). A document must be a
//! JSON object, and no text in it may hold control characters (NUL breaks
//! PostgreSQL, and none has a meaning in a name, a note or an id).

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::field_error::FieldError;

/// Reads `json` as a `T`, or lists what is wrong with it: a syntax error; a
/// document that is not an object; every key given twice in one object
/// (`{"role": "office", "role": "admin"}` must not quietly mean the second);
/// every text with a control character; or the first field whose type or
/// value does not fit. A number with no fraction (`2027.0`) is the whole
/// number it equals, as JSON Schema counts it.
pub fn parse_json<T: DeserializeOwned>(json: &[u8]) -> Result<T, Vec<FieldError>> {
    let mut value: Value = serde_json::from_slice(json).map_err(|e| {
        vec![FieldError::new(
            "",
            "json_syntax",
            format!(
                "the body is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
        )]
    })?;
    let duplicates = duplicate_keys(json);
    if !duplicates.is_empty() {
        return Err(duplicates);
    }
    whole_numbers(&mut value);
    parse_json_value(value)
}

/// Writes every number of `value` that has no fraction as an integer, where
/// one can hold it.
fn whole_numbers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            // Within ±2^53 every integer is exact and fits an i64.
            if x.fract() == 0.0 && x.abs() <= 9_007_199_254_740_992.0 {
                *value = Value::from(x as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// Every key given twice in one object of `json` (valid JSON), at its path.
fn duplicate_keys(json: &[u8]) -> Vec<FieldError> {
    let found = std::cell::RefCell::new(Vec::new());
    let walk = Walk {
        path: String::new(),
        found: &found,
    };
    let mut reader = serde_json::Deserializer::from_slice(json);
    let _ = serde::de::DeserializeSeed::deserialize(walk, &mut reader);
    found.into_inner()
}

/// A walk over any JSON value that notes each key met twice in an object.
struct Walk<'a> {
    path: String,
    found: &'a std::cell::RefCell<Vec<FieldError>>,
}

impl Walk<'_> {
    fn at(&self, path: String) -> Self {
        Self {
            path,
            found: self.found,
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = join(&self.path, &key);
            if !seen.insert(key.clone()) {
                self.found.borrow_mut().push(FieldError::new(
                    path.clone(),
                    "duplicate",
                    format!("the key {key} is given twice; give it once"),
                ));
            }
            map.next_value_seed(self.at(path))?;
        }
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut k = 0;
        while seq
            .next_element_seed(self.at(format!("{}[{k}]", self.path)))?
            .is_some()
        {
            k += 1;
        }
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// [`parse_json`] for a document already read as JSON.
pub fn parse_json_value<T: DeserializeOwned>(value: Value) -> Result<T, Vec<FieldError>> {
    if !value.is_object() {
        return Err(vec![FieldError::new(
            "",
            "object",
            format!("expected a JSON object, got {}", kind_of(&value)),
        )]);
    }
    let mut errors = Vec::new();
    control_characters(&value, &mut String::new(), &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    serde_path_to_error::deserialize(value).map_err(|e| vec![path_error(e)])
}

/// A deserializer's error (a JSON body's, a query string's) as a rule of
/// ours at the field where it arose.
pub fn path_error<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> FieldError {
    let path = e.path().to_string();
    let parent = if path == "." { "" } else { &path };
    deserialize_error(parent, &e.into_inner().to_string())
}

/// Whether `text` holds a character that no text of ours may hold: C0 and C1
/// controls and DEL, except tab and line breaks.
pub fn has_control_character(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// The rule a text with a control character breaks, at `field`.
pub fn control_character_error(field: impl Into<String>) -> FieldError {
    FieldError::new(
        field,
        "control_character",
        "text may not contain control characters (such as NUL)",
    )
}

fn control_characters(value: &Value, path: &mut String, errors: &mut Vec<FieldError>) {
    match value {
        Value::String(text) if has_control_character(text) => {
            errors.push(control_character_error(path.clone()));
        }
        Value::Array(items) => {
            for (k, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{k}]"));
                control_characters(item, path, errors);
                path.truncate(len);
            }
        }
        Value::Object(fields) => {
            for (name, item) in fields {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
                if has_control_character(name) {
                    errors.push(control_character_error(path.clone()));
                } else {
                    control_characters(item, path, errors);
                }
                path.truncate(len);
            }
        }
        _ => {}
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// The first backquoted word of `text`.
fn quoted(text: &str) -> &str {
    text.split('`').nth(1).unwrap_or_default()
}

/// Every backquoted word of `text`, comma-separated.
fn quoted_list(text: &str) -> String {
    text.split('`')
        .skip(1)
        .step_by(2)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A deserializer's error at the field `parent`, as a rule of ours.
fn deserialize_error(parent: &str, message: &str) -> FieldError {
    if let Some(rest) = message.strip_prefix("missing field ") {
        return FieldError::new(
            join(parent, quoted(rest)),
            "required",
            "this field is required",
        );
    }
    if let Some(rest) = message.strip_prefix("duplicate field ") {
        return FieldError::new(
            join(parent, quoted(rest)),
            "duplicate",
            "given more than once",
        );
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        // The path already ends at the unknown field.
        let (_, expected) = rest.split_once(", expected").unwrap_or((rest, ""));
        return FieldError::new(
            parent,
            "unknown_field",
            format!("no such field; the fields are: {}", quoted_list(expected)),
        );
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (given, expected) = rest.split_once(", expected").unwrap_or((rest, ""));
        return FieldError::new(
            parent,
            "one_of",
            format!(
                "`{}` is not one of: {}",
                quoted(given),
                quoted_list(expected)
            ),
        );
    }
    for (prefix, rule) in [("invalid type: ", "type"), ("invalid value: ", "value")] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (got, expected) = rest.rsplit_once(", expected ").unwrap_or((rest, ""));
            return FieldError::new(
                parent,
                rule,
                format!(
                    "expected {}, got {}",
                    expected_noun(expected),
                    got_noun(got)
                ),
            );
        }
    }
    if message.starts_with("invalid length ") {
        return FieldError::new(parent, "length", "the list has the wrong number of items");
    }
    if message.starts_with("input ")
        || message.starts_with("premature end of input")
        || message.starts_with("trailing input")
        || message.starts_with("no possible date and time")
    {
        return FieldError::new(
            parent,
            "date_time",
            "expected a date (2027-03-01) or a date and time with an offset \
             (2027-03-01T09:00:00+08:00)",
        );
    }
    // A number or a yes/no read from text (a query string's parameters).
    if NUMBER_FROM_TEXT.iter().any(|m| message.starts_with(m)) {
        return FieldError::new(parent, "type", "expected a number");
    }
    if message.starts_with("provided string was not `true` or `false`") {
        return FieldError::new(parent, "type", "expected true or false");
    }
    if message.starts_with(crate::time_range::OUT_OF_RANGE) {
        return FieldError::new(parent, "date_range", crate::time_range::rule());
    }
    FieldError::new(parent, "invalid", "this value is not valid here")
}

/// How the standard library says a text is not a number of the type asked.
const NUMBER_FROM_TEXT: [&str; 6] = [
    "invalid digit found in string",
    "cannot parse integer from empty string",
    "number too large to fit in target type",
    "number too small to fit in target type",
    "invalid float literal",
    "cannot parse float from empty string",
];

/// What the deserializer expected, as a person says it.
fn expected_noun(expected: &str) -> String {
    let e = expected.trim_start_matches("a ").trim_start_matches("an ");
    let noun = match e {
        _ if e.starts_with("struct ") || e == "map" => "an object",
        _ if e.starts_with("sequence") || e.starts_with("tuple") => "a list",
        "string" | "borrowed string" | "char" => "a string",
        "boolean" | "bool" => "true or false",
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number of at least 0",
        "i8" | "i16" | "i32" | "i64" | "isize" | "integer" => "a whole number",
        "f32" | "f64" => "a number",
        _ if e.contains("date") || e.contains("time") => {
            "a date (2027-03-01) or a date and time with an offset (2027-03-01T09:00:00+08:00)"
        }
        _ if e.starts_with("enum ") || e.contains("variant") => "one of the listed codes",
        _ => "a value of another type",
    };
    noun.to_owned()
}

/// What the document held instead, as a person says it.
fn got_noun(got: &str) -> String {
    let noun = match got.split_whitespace().next().unwrap_or_default() {
        "string" => "a string",
        "integer" => "a whole number",
        "floating" => "a number",
        "boolean" => "true or false",
        "null" | "unit" => "null",
        "map" => "an object",
        "sequence" => "a list",
        _ => "a value of another type",
    };
    match got.split('`').nth(1) {
        Some(value) if !value.is_empty() && noun != "a string" => format!("{noun} ({value})"),
        _ => noun.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn numbers_without_a_fraction_are_whole_numbers() {
        #[derive(Debug, serde::Deserialize, PartialEq)]
        struct Counts {
            year: i32,
            trainees: Vec<u32>,
            share: f64,
        }
        let read = super::parse_json::<Counts>(
            br#"{"year": 2027.0, "trainees": [30.0, 1e2], "share": 1.0}"#,
        );
        assert_eq!(
            read.unwrap(),
            Counts {
                year: 2027,
                trainees: vec![30, 100],
                share: 1.0
            }
        );
        let fraction =
            super::parse_json::<Counts>(br#"{"year": 2027.5, "trainees": [], "share": 1}"#);
        assert_eq!(fraction.unwrap_err()[0].field, "year");
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Input {
        name: String,
        level: u32,
        #[serde(default)]
        tags: Vec<String>,
        kind: Option<Kind>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Cadre,
        Expert,
    }

    fn errors(json: &str) -> Vec<(String, String, String)> {
        parse_json::<Input>(json.as_bytes())
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.rule, e.detail))
            .collect()
    }

    fn rules(json: &str) -> Vec<(String, String)> {
        errors(json).into_iter().map(|(f, r, _)| (f, r)).collect()
    }

    #[test]
    fn every_problem_is_named_at_its_field_in_our_words() {
        let pair = |f: &str, r: &str| (f.to_owned(), r.to_owned());
        assert_eq!(rules("[]"), [pair("", "object")]);
        assert_eq!(rules("null"), [pair("", "object")]);
        assert_eq!(rules("{\"name\": "), [pair("", "json_syntax")]);
        assert_eq!(rules("{\"level\": 1}"), [pair("name", "required")]);
        assert_eq!(
            rules("{\"name\": \"a\", \"level\": -1}"),
            [pair("level", "value")]
        );
        assert_eq!(rules("{\"name\": 5, \"level\": 1}"), [pair("name", "type")]);
        assert_eq!(
            rules("{\"name\": \"a\", \"level\": 1, \"kind\": \"x\"}"),
            [pair("kind", "one_of")]
        );
        assert_eq!(
            rules("{\"name\": \"a\", \"level\": 1, \"extra\": 1}"),
            [pair("extra", "unknown_field")]
        );
        assert_eq!(
            rules("{\"name\": \"a\\u0000\", \"level\": 1, \"tags\": [\"ok\", \"b\\u0007\"]}"),
            [
                pair("name", "control_character"),
                pair("tags[1]", "control_character")
            ]
        );
        for (_, _, detail) in errors("{\"name\": null, \"level\": 1.5}") {
            assert!(!detail.contains("invalid type"), "{detail}");
            assert!(!detail.contains("struct"), "{detail}");
        }
        let ok: Input =
            parse_json(b"{\"name\": \"a\\tb\\nc\", \"level\": 2, \"kind\": \"expert\"}").unwrap();
        assert_eq!(ok.level, 2);
    }

    #[test]
    fn keys_given_twice_are_named_wherever_they_are() {
        let found = |json: &str| -> Vec<(String, String)> {
            parse_json::<Value>(json.as_bytes())
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.rule))
                .collect()
        };
        let pair = |f: &str| (f.to_owned(), "duplicate".to_owned());
        assert_eq!(
            found(r#"{"role": "office", "role": "admin"}"#),
            [pair("role")]
        );
        assert_eq!(
            found(r#"{"x": {"b": 1, "b": 2}, "l": [1, {"k": 1, "k": {"z": 0}}]}"#),
            [pair("x.b"), pair("l[1].k")]
        );
        assert!(parse_json::<Value>(br#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}"#).is_ok());
    }
}
