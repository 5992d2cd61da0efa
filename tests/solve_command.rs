//! The `faculty-pool solve` command, run as a user would.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_faculty-pool");

fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn solves_the_spec_example_to_json() {
    let (code, stdout, _) = run(&["solve", "examples/spec-5.1.json"], "");
    assert_eq!(code, 0);
    let solution: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(solution["status"], "optimal");
    assert_eq!(solution["assignments"][0]["instructor"], "i1");
    // 0.8 + 0.82 − 1180 km × 1.0 / 1000
    assert!((solution["objective"].as_f64().unwrap() - 0.44).abs() < 1e-9);
}

#[test]
fn summary_is_a_readable_report() {
    let (code, stdout, stderr) = run(&["solve", "examples/spec-5.1.json", "--summary"], "");
    assert_eq!(code, 0);
    assert!(stdout.contains("Places filled: 1 of 1"), "{stdout}");
    // The progress as it came: the last line is the optimum.
    let last = stderr
        .lines()
        .rfind(|l| l.contains("objective"))
        .unwrap_or_default();
    assert!(
        last.contains("objective         0.4400  bound         0.4400"),
        "{stderr}"
    );
    assert!(
        stdout.contains("Every session is fully staffed."),
        "{stdout}"
    );
}

/// With balance weighed, the report gives its term: one instructor holding
/// both sessions of capacity 4 costs 2 · 1 / (2 · 4) = 0.25.
#[test]
fn summary_reports_the_balance_term() {
    let mut problem: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("examples/spec-5.1.json").unwrap()).unwrap();
    problem["weights"]["balance"] = 1.0.into();
    let mut second = problem["sessions"][0].clone();
    second["id"] = "s2".into();
    second["start"] = "2027-03-01T14:00:00+08:00".into();
    second["end"] = "2027-03-01T17:00:00+08:00".into();
    problem["sessions"].as_array_mut().unwrap().push(second);
    let (code, stdout, _) = run(&["solve", "-", "--summary"], &problem.to_string());
    assert_eq!(code, 0);
    assert!(
        stdout.contains(
            "Instructors holding two sessions or more: 1, balance term 0.250; the most loaded, i1, holds 2 of 4"
        ),
        "{stdout}"
    );
}

#[test]
fn reads_stdin_and_applies_overrides() {
    let problem = std::fs::read_to_string("examples/spec-5.1.json").unwrap();
    let (code, stdout, _) = run(
        &["solve", "-", "--time-limit", "5", "--mip-gap", "0"],
        &problem,
    );
    assert_eq!(code, 0);
    assert!(stdout.contains("\"status\": \"optimal\""));
}

#[test]
fn invalid_input_exits_2_with_problem_json() {
    let (code, stdout, stderr) = run(
        &["solve", "-", "--time-limit=-1"],
        &std::fs::read_to_string("examples/spec-5.1.json").unwrap(),
    );
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    let body: serde_json::Value = serde_json::from_str(&stderr).unwrap();
    assert_eq!(body["status"], 422);
    assert_eq!(body["errors"][0]["field"], "options.time_limit_s");
    assert_eq!(body["errors"][0]["rule"], "positive");

    let (code, _, stderr) = run(&["solve", "-"], "{\"instructors\": 3}");
    assert_eq!(code, 2);
    assert!(stderr.contains("\"field\": \"instructors\""), "{stderr}");
}
