//! The rules every input obeys, written into the OpenAPI document where the
//! derive macros cannot put them (the rules it does not state yet are in the
//! README's Known limits):
//!
//! * no text of a JSON body holds a control character but tab and line
//!   breaks ([`solver::has_control_character`]);
//! * no path segment or query parameter holds any control character, nor
//!   more than [`MAX_PARAMETER_CHARS`] characters ([`request_target`]);
//! * `If-Match` is an `ETag` of ours ([`IF_MATCH_PATTERN`]).
//!
//! The years a date or time may fall in ([`solver::time_range`]) are not
//! written: a pattern beside `format: date-time` leaves schemathesis unable
//! to generate times.
//!
//! [`request_target`]: super::request_target

use serde_json::Value;
use utoipa::openapi::OpenApi as Document;
use utoipa::Modify;

use super::request_target::MAX_PARAMETER_CHARS;
use super::versioning::IF_MATCH_PATTERN;

/// A JSON body's text: no C0 or C1 control, DEL, but tab, LF and CR.
pub const BODY_TEXT: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";

/// A path segment's or query parameter's text: no control at all.
pub const PARAMETER_TEXT: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";

/// Writes the rules into every request body's schema and every parameter.
pub struct InputRules;

impl Modify for InputRules {
    fn modify(&self, openapi: &mut Document) {
        let Ok(mut document) = serde_json::to_value(&*openapi) else {
            return;
        };
        let mut bodies = Vec::new();
        if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
            for operation in paths.values_mut().filter_map(Value::as_object_mut) {
                for operation in operation.values_mut() {
                    parameters(operation);
                    if let Some(body) = operation.pointer_mut("/requestBody/content") {
                        referenced(body, &mut bodies);
                        body_rules(body);
                    }
                }
            }
        }
        if let Some(schemas) = document
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
        {
            let mut reached = Vec::new();
            while let Some(name) = bodies.pop() {
                if reached.contains(&name) {
                    continue;
                }
                if let Some(schema) = schemas.get(&name) {
                    referenced(schema, &mut bodies);
                }
                reached.push(name);
            }
            for name in reached {
                if let Some(schema) = schemas.get_mut(&name) {
                    body_rules(schema);
                }
            }
        }
        match serde_json::from_value(document) {
            Ok(ruled) => *openapi = ruled,
            Err(e) => tracing::error!(error = %e, "the API document's input rules were not added"),
        }
    }
}

/// The path and query parameters' rules.
fn parameters(operation: &mut Value) {
    let Some(parameters) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for parameter in parameters {
        let place = parameter.get("in").and_then(Value::as_str);
        if place == Some("header")
            && parameter.get("name").and_then(Value::as_str) == Some("If-Match")
        {
            if let Some(schema) = parameter.get_mut("schema").and_then(Value::as_object_mut) {
                schema.insert("pattern".into(), IF_MATCH_PATTERN.into());
            }
            continue;
        }
        if !matches!(place, Some("path" | "query")) {
            continue;
        }
        let Some(schema) = parameter.get_mut("schema").and_then(Value::as_object_mut) else {
            continue;
        };
        if schema.get("type").and_then(Value::as_str) != Some("string") {
            continue;
        }
        if !is_time(schema) && !schema.contains_key("enum") {
            schema.insert("pattern".into(), PARAMETER_TEXT.into());
        }
        let longest = schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .map_or(MAX_PARAMETER_CHARS as u64, |n| {
                n.min(MAX_PARAMETER_CHARS as u64)
            });
        schema.insert("maxLength".into(), longest.into());
    }
}

/// The rules of every string in a request body's schema.
fn body_rules(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            let text = object.get("type").and_then(Value::as_str) == Some("string")
                || object
                    .get("type")
                    .and_then(Value::as_array)
                    .is_some_and(|types| types.iter().any(|t| t == "string"));
            if text
                && !is_time(object)
                && !object.contains_key("enum")
                && !object.contains_key("pattern")
            {
                object.insert("pattern".into(), BODY_TEXT.into());
            }
            for value in object.values_mut() {
                body_rules(value);
            }
        }
        Value::Array(items) => {
            for item in items {
                body_rules(item);
            }
        }
        _ => {}
    }
}

fn is_time(schema: &serde_json::Map<String, Value>) -> bool {
    matches!(
        schema.get("format").and_then(Value::as_str),
        Some("date-time" | "date")
    )
}

/// Adds the names of the component schemas `schema` refers to.
fn referenced(schema: &Value, names: &mut Vec<String>) {
    match schema {
        Value::Object(object) => {
            for (key, value) in object {
                match (key.as_str(), value.as_str()) {
                    ("$ref", Some(target)) => {
                        if let Some(name) = target.strip_prefix("#/components/schemas/") {
                            names.push(name.to_owned());
                        }
                    }
                    _ => referenced(value, names),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| referenced(item, names)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn characters() -> impl Iterator<Item = char> {
        (0..0x3000u32)
            .chain([0xFEFF, 0x1F600])
            .filter_map(char::from_u32)
    }

    #[test]
    fn the_text_patterns_are_the_servers_rules() {
        let body = regex::Regex::new(BODY_TEXT).unwrap();
        let parameter = regex::Regex::new(PARAMETER_TEXT).unwrap();
        for c in characters() {
            let text = format!("a{c}b");
            assert_eq!(
                body.is_match(&text),
                !solver::has_control_character(&text),
                "{:#x}",
                c as u32
            );
            assert_eq!(
                parameter.is_match(&text),
                !text.chars().any(char::is_control),
                "{:#x}",
                c as u32
            );
        }
    }

    #[test]
    fn every_request_text_and_parameter_has_its_rule() {
        let document = serde_json::to_value(super::super::document()).unwrap();
        let block = &document["components"]["schemas"]["BlockInput"]["properties"];
        assert_eq!(block["note"]["pattern"], BODY_TEXT);
        assert!(block["start"].get("pattern").is_none(), "{block}");
        let search = &document["paths"]["/api/v1/instructors"]["get"]["parameters"];
        let q = search
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "q")
            .unwrap();
        assert_eq!(q["schema"]["pattern"], PARAMETER_TEXT);
        assert_eq!(q["schema"]["maxLength"], MAX_PARAMETER_CHARS);
    }

    #[test]
    fn the_if_match_pattern_is_the_servers_rule() {
        let pattern = regex::Regex::new(IF_MATCH_PATTERN).unwrap();
        for value in [
            "\"3\"",
            "W/\"12\"",
            "\"0\"",
            "3",
            "\"+3\"",
            "\"3",
            "\"\"",
            "\"1234567890\"",
            " \"3\"",
        ] {
            let req = actix_web::test::TestRequest::default()
                .insert_header(("If-Match", value))
                .to_http_request();
            assert_eq!(
                pattern.is_match(value),
                super::super::versioning::if_match(&req).is_ok(),
                "{value}"
            );
        }
    }
}
