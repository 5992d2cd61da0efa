//! The rules every input obeys, written into the OpenAPI document where the
//! derive macros cannot put them:
//!
//! * no text of a JSON body holds a control character but tab and line
//!   breaks ([`solver::has_control_character`]);
//! * no path segment or query parameter holds any control character, nor
//!   more than [`MAX_PARAMETER_CHARS`] characters ([`request_target`]);
//! * a date or time the server keeps lies in the years of
//!   [`solver::time_range`] ([`YEAR`]); the solver's own problem JSON is
//!   not checked, so its times have no such pattern;
//! * names, contacts, topic codes, scores and event types follow the
//!   patterns, bounds and lists of [`FIELDS`];
//! * `If-Match` is an `ETag` of ours ([`IF_MATCH_PATTERN`]).
//!
//! What no schema can state (that `end` follows `start`, that an id names a
//! stored thing, that a password is not easily guessed) each operation
//! lists under `x-rules`: the rule codes a request that follows its schema
//! may still be refused with ([`REFUSALS`]). CI's schemathesis run holds
//! the server to it: a schema-valid request refused for any other reason
//! fails the run.
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

/// The year at the start of a date or time the server keeps:
/// [`solver::time_range::FIRST_YEAR`] to [`solver::time_range::LAST_YEAR`].
pub const YEAR: &str = r"^(19[0-9]{2}|20[0-9]{2}|2100)-";

/// A name or title ([`crate::store::rules::text`]): some character that is
/// neither white space nor a control, and no control but tab and line
/// breaks.
pub const NAME: &str = concat!(
    r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*",
    r"[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]",
    r"[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
);

/// A phone number: 3 to 32 digits, spaces, `+`, `-` or parentheses.
pub const PHONE: &str = r"^[0-9 +()-]{3,32}$";

/// An e-mail address: one `@`, something before it, a dot after it.
pub const EMAIL: &str = concat!(
    r"^[^@\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]+@",
    r"[^@\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*\.",
    r"[^@\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
);

/// A topic code: lower-case words and digits joined by `-`.
pub const TOPIC_CODE: &str = r"^[a-z0-9]+(-[a-z0-9]+)*$";

/// The schemas whose times the server takes in any year: the solver's
/// problem JSON (SPEC 5.1).
const ANY_YEAR: [&str; 2] = ["Interval", "Session"];

/// A rule of one property that the derive macros cannot state.
#[derive(Clone, Copy)]
enum Field {
    /// [`NAME`], at most 200 characters.
    Name,
    /// [`NAME`] with no bound on its length.
    NotBlank,
    /// At most 200 characters.
    Short,
    Phone,
    /// [`EMAIL`], at most 254 characters.
    Email,
    /// [`TOPIC_CODE`], 2 to 64 characters.
    TopicCode,
    /// Trainees' scores: each 1 to 5, at most [`crate::store::teaching::MAX_SCORES`].
    Scores,
    /// One of the listed codes.
    OneOf(fn() -> Vec<&'static str>),
    /// At least one code, each one of the listed.
    SomeOf(fn() -> Vec<&'static str>),
}

/// The single-property rules, by schema and property.
const FIELDS: &[(&str, &str, Field)] = &[
    ("InstructorInput", "name", Field::Name),
    ("InstructorInput", "city", Field::Name),
    ("InstructorInput", "phone", Field::Phone),
    ("InstructorInput", "email", Field::Email),
    ("ContactInput", "phone", Field::Phone),
    ("ContactInput", "email", Field::Email),
    ("OfficeInput", "name", Field::Name),
    ("OfficeInput", "region", Field::Short),
    ("OfficeChange", "name", Field::Name),
    ("OfficeChange", "region", Field::Short),
    ("PlanInput", "name", Field::Name),
    ("ClassInput", "name", Field::Name),
    ("ClassInput", "city", Field::Name),
    ("SessionInput", "title", Field::Name),
    ("RecordInput", "title", Field::Name),
    ("RecordInput", "scores", Field::Scores),
    ("EvaluationInput", "scores", Field::Scores),
    ("TopicView", "code", Field::TopicCode),
    ("TopicView", "name", Field::NotBlank),
    (
        "TopicView",
        "category",
        Field::OneOf(super::topics::categories),
    ),
    ("EndpointInput", "description", Field::Short),
    ("ExclusionInput", "reason", Field::NotBlank),
    ("Decline", "reason", Field::NotBlank),
    (
        "EndpointInput",
        "event_types",
        Field::SomeOf(crate::store::webhooks::EventType::subscribable_codes),
    ),
];

/// The rules no schema states, by operation: the rule codes a request that
/// follows the operation's schema may still be refused with (a 422 whose
/// errors name only these).
const REFUSALS: &[(&str, &str, &[&str])] = &[
    ("get", "/api/v1/instructors", &["requires"]),
    ("get", "/api/v1/pool/export", &["requires"]),
    // Assigning by hand checks the person as the solver would (SPEC 5.2),
    // with their capacity and the sessions they hold.
    (
        "post",
        "/api/v1/assignments",
        &[
            "unknown_reference",
            "topic",
            "unavailable",
            "remote",
            "travel",
            "exclusion",
            "capacity",
            "conflict",
        ],
    ),
    ("post", "/api/v1/plans/{id}/classes", &["after_start"]),
    (
        "put",
        "/api/v1/classes/{id}",
        &["after_start", "covers_sessions"],
    ),
    (
        "post",
        "/api/v1/classes/{id}/sessions",
        &["after_start", "within_class", "unknown_reference", "unique"],
    ),
    (
        "put",
        "/api/v1/sessions/{id}",
        &["after_start", "within_class", "unknown_reference", "unique"],
    ),
    (
        "post",
        "/api/v1/exclusions",
        &["one_of", "unknown_reference"],
    ),
    ("post", "/api/v1/instructors", INSTRUCTOR),
    ("put", "/api/v1/instructors/{id}", INSTRUCTOR),
    (
        "post",
        "/api/v1/instructors/{id}/unavailability",
        &["after_start"],
    ),
    (
        "post",
        "/api/v1/instructors/{id}/teaching-records",
        &["not_future"],
    ),
    (
        "post",
        "/api/v1/instructors/{id}/teaching-records/{record}/evaluations",
        &["not_future", "after_delivery"],
    ),
    ("post", "/api/v1/sessions/{id}/evaluation", EVALUATION_FORM),
    ("put", "/api/v1/sessions/{id}/evaluation", EVALUATION_FORM),
    ("post", "/api/v1/classes/{id}/evaluations", EVALUATION_FORM),
    ("post", "/api/v1/me/unavailability", &["after_start"]),
    ("post", "/api/v1/plans/{id}/import", SHEET),
    ("post", "/api/v1/pool/import", SHEET),
    ("post", "/api/v1/offices/{id}/import", SHEET),
    (
        "post",
        "/api/v1/plans/{id}/staffing-runs",
        &["unknown_reference", "max"],
    ),
    (
        "post",
        "/api/v1/recommendations",
        &["after_start", "unknown_reference", "unique"],
    ),
    // The solver's objects take fields it does not read; a text in them
    // still may not hold a control character.
    (
        "post",
        "/api/v1/solve",
        &[
            "after_start",
            "unknown_reference",
            "unique",
            "level_range",
            "control_character",
        ],
    ),
    ("put", "/api/v1/me/password", &["weak", "matches"]),
    (
        "post",
        "/api/v1/users",
        &[
            "weak",
            "format",
            "unknown_reference",
            "required",
            "not_allowed",
            "inactive",
        ],
    ),
    ("patch", "/api/v1/users/{id}", &["weak", "instructor_link"]),
    ("post", "/api/v1/offices", OFFICE),
    ("patch", "/api/v1/offices/{id}", OFFICE),
    ("post", "/api/v1/webhooks", &["webhook_url"]),
    ("put", "/api/v1/webhooks/{id}", &["webhook_url"]),
];

/// What a sheet's file may break before its rows are read: it is empty,
/// not a sheet, too large, or lacks a column the import needs (a broken
/// cell's rule is named in the import's report).
const SHEET: &[&str] = &[
    "non_empty",
    "required",
    "decodable",
    "encoding",
    "csv",
    "xlsx",
    "control_character",
    "max_rows",
    "max_columns",
    "max_length",
    "max_seconds",
];

/// What an instructor's record may break beyond its schema: an unknown
/// topic, method or office, a topic twice, a deactivated office.
const INSTRUCTOR: &[&str] = &["unknown_reference", "unique", "inactive"];

/// What an evaluation form's window and size may break: it opens before
/// the session starts or closes before it opens; fewer trainees than
/// codes already issued.
const EVALUATION_FORM: &[&str] = &["after_start", "after_opens", "not_fewer"];

/// What placing an office in the tree may break (SPEC 10).
const OFFICE: &[&str] = &[
    "unknown_reference",
    "own_office",
    "new_office",
    "cycle",
    "tier_below_parent",
    "tier_above_children",
    "inactive_parent",
    "inactive",
    "active",
    "ambiguous",
];

/// Writes the rules into every request body's schema and every parameter.
pub struct InputRules;

impl Modify for InputRules {
    fn modify(&self, openapi: &mut Document) {
        let Ok(mut document) = serde_json::to_value(&*openapi) else {
            return;
        };
        let mut bodies = Vec::new();
        if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
            for (path, operations) in paths.iter_mut() {
                let Some(operations) = operations.as_object_mut() else {
                    continue;
                };
                for (method, operation) in operations.iter_mut() {
                    parameters(operation);
                    if let Some(body) = operation.pointer_mut("/requestBody/content") {
                        referenced(body, &mut bodies);
                        body_rules(body, true);
                    }
                    refusals(operation, method, path);
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
                    body_rules(schema, !ANY_YEAR.contains(&name.as_str()));
                }
            }
            for &(name, property, field) in FIELDS {
                if let Some(Value::Object(property)) = schemas
                    .get_mut(name)
                    .and_then(|schema| schema.pointer_mut(&format!("/properties/{property}")))
                {
                    field.write(property);
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
        if is_time(schema) {
            schema.insert("pattern".into(), YEAR.into());
        } else if !schema.contains_key("enum") {
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

/// The rules of every string in a request body's schema; `dated`: its
/// times must fall in the years the server keeps.
fn body_rules(schema: &mut Value, dated: bool) {
    match schema {
        Value::Object(object) => {
            let text = object.get("type").and_then(Value::as_str) == Some("string")
                || object
                    .get("type")
                    .and_then(Value::as_array)
                    .is_some_and(|types| types.iter().any(|t| t == "string"));
            let map = object.get("type").and_then(Value::as_str) == Some("object")
                && object.get("additionalProperties") != Some(&Value::Bool(false));
            if map {
                object.insert(
                    "propertyNames".into(),
                    serde_json::json!({ "type": "string", "pattern": BODY_TEXT }),
                );
            }
            if text && !object.contains_key("enum") && !object.contains_key("pattern") {
                if !is_time(object) {
                    object.insert("pattern".into(), BODY_TEXT.into());
                } else if dated {
                    object.insert("pattern".into(), YEAR.into());
                }
            }
            for value in object.values_mut() {
                body_rules(value, dated);
            }
        }
        Value::Array(items) => {
            for item in items {
                body_rules(item, dated);
            }
        }
        _ => {}
    }
}

impl Field {
    /// Writes the rule into the property's schema.
    fn write(self, property: &mut serde_json::Map<String, Value>) {
        let mut set = |key: &str, value: Value| {
            property.insert(key.to_owned(), value);
        };
        match self {
            Self::Name => {
                set("pattern", NAME.into());
                set("maxLength", 200.into());
            }
            Self::NotBlank => set("pattern", NAME.into()),
            Self::Short => set("maxLength", 200.into()),
            Self::Phone => set("pattern", PHONE.into()),
            Self::Email => {
                set("pattern", EMAIL.into());
                set("maxLength", 254.into());
            }
            Self::TopicCode => {
                set("pattern", TOPIC_CODE.into());
                set("minLength", 2.into());
                set("maxLength", 64.into());
            }
            Self::Scores => {
                set(
                    "items",
                    serde_json::json!({"type": "integer", "minimum": 1, "maximum": 5}),
                );
                set("maxItems", crate::store::teaching::MAX_SCORES.into());
            }
            Self::OneOf(codes) => {
                property.remove("pattern");
                property.insert("enum".into(), codes().into());
            }
            Self::SomeOf(codes) => {
                set(
                    "items",
                    serde_json::json!({"type": "string", "enum": codes()}),
                );
                set("minItems", 1.into());
            }
        }
    }
}

/// Lists under `x-rules` the rules of [`REFUSALS`] for the operation.
fn refusals(operation: &mut Value, method: &str, path: &str) {
    let Some(operation) = operation.as_object_mut() else {
        return;
    };
    if let Some(&(_, _, rules)) = REFUSALS.iter().find(|&&(m, p, _)| m == method && p == path) {
        operation.insert("x-rules".into(), rules.into());
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

    /// Whether `pattern` matches `text` (compiled once per call: tests only).
    fn matches(pattern: &str, text: &str) -> bool {
        regex::Regex::new(pattern).unwrap().is_match(text)
    }

    #[test]
    fn the_year_pattern_is_the_servers_rule() {
        for year in 0..=9999 {
            assert_eq!(
                matches(YEAR, &format!("{year:04}-01-01T00:00:00Z")),
                solver::time_range::in_range(year),
                "{year}"
            );
        }
    }

    #[test]
    fn the_field_patterns_are_the_servers_rules() {
        let texts = [
            "a", " a ", "王芳", "\t", " ", "\u{3000}", "\u{a0}x", "\u{2009}", "a\nb",
        ]
        .into_iter()
        .map(str::to_owned)
        .chain(characters().map(|c| format!("{c}")));
        for text in texts {
            let mut errors = Vec::new();
            crate::store::rules::text(&mut errors, "name", &text);
            assert_eq!(matches(NAME, &text), errors.is_empty(), "{text:?}");
        }
        for phone in [
            "110",
            "+86 (27) 8888-0000",
            "12",
            "1234x",
            "１２３",
            &"1".repeat(33),
        ] {
            let contact = crate::store::instructors::ContactInput {
                phone: Some(phone.to_owned()),
                email: None,
            };
            assert_eq!(
                matches(PHONE, phone),
                contact.errors().is_empty(),
                "{phone}"
            );
        }
        for email in [
            "wang@example.cn",
            "王芳@信访.中国",
            "a@b.",
            "@b.c",
            "a@bc",
            "a@b@c.d",
            "a.b@c",
            "a\u{1}@b.c",
        ] {
            let contact = crate::store::instructors::ContactInput {
                phone: None,
                email: Some(email.to_owned()),
            };
            // A control character is the JSON body's rule, before this one.
            let taken = contact.errors().is_empty() && !solver::has_control_character(email);
            assert_eq!(matches(EMAIL, email), taken, "{email}");
        }
        for code in [
            "rule-of-law",
            "a1",
            "a",
            "A-b",
            "a--b",
            "-ab",
            "ab-",
            "a_b",
            "法治",
        ] {
            let topic = super::super::topics::TopicView {
                code: code.to_owned(),
                name: "法治".to_owned(),
                category: "other".to_owned(),
            };
            let long_enough = (2..=64).contains(&code.len());
            assert_eq!(
                matches(TOPIC_CODE, code) && long_enough,
                topic.errors().is_empty(),
                "{code}"
            );
        }
    }

    #[test]
    fn every_field_rule_and_refusal_is_in_the_document() {
        let document = serde_json::to_value(super::super::document()).unwrap();
        let schemas = &document["components"]["schemas"];
        for &(name, property, _) in FIELDS {
            let written = &schemas[name]["properties"][property];
            assert!(
                ["pattern", "maxLength", "items", "enum"]
                    .iter()
                    .any(|key| written.get(key).is_some()),
                "{name}.{property}: {written}"
            );
        }
        assert_eq!(
            schemas["TopicView"]["properties"]["category"]["enum"],
            serde_json::json!(["comprehensive", "specialised", "outside", "other"])
        );
        assert_eq!(
            schemas["RecordInput"]["properties"]["scores"]["items"]["maximum"],
            5
        );
        for &(method, path, rules) in REFUSALS {
            assert_eq!(
                document["paths"][path][method]["x-rules"],
                serde_json::json!(rules),
                "{method} {path}"
            );
        }
        assert_eq!(
            schemas["Pair"]["propertyNames"]["pattern"], BODY_TEXT,
            "keys of objects that take unknown fields"
        );
    }

    #[test]
    fn every_request_text_and_parameter_has_its_rule() {
        let document = serde_json::to_value(super::super::document()).unwrap();
        let block = &document["components"]["schemas"]["BlockInput"]["properties"];
        assert_eq!(block["note"]["pattern"], BODY_TEXT);
        assert_eq!(block["start"]["pattern"], YEAR, "{block}");
        let interval = &document["components"]["schemas"]["Interval"]["properties"];
        assert!(
            interval["start"].get("pattern").is_none(),
            "the solver takes any year: {interval}"
        );
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
