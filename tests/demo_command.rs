//! `faculty-pool demo`, run as a user would: it seeds a fresh SQLite
//! database, staffs the plan through a staffing run and prints the report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn demo_staffs_a_provincial_plan() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let out = Command::new(env!("CARGO_BIN_EXE_faculty-pool"))
        .args([
            "demo",
            "--instructors",
            "120",
            "--time-limit",
            "20",
            "--log-level",
            "warn",
            "--database",
        ])
        .arg(&db)
        .output()
        .unwrap();
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "湖北省信访系统2027年度教育培训计划",
        "Places filled:",
        "Who teaches what",
        "全省信访局长综合轮训班",
    ] {
        assert!(
            report.contains(expected),
            "the report lacks {expected}:\n{report}"
        );
    }
    assert!(
        report.contains("Every session is fully staffed.") || report.contains("Unfilled sessions:")
    );
    // The database stays, with the run applied: a second demo refuses to overwrite it.
    let again = Command::new(env!("CARGO_BIN_EXE_faculty-pool"))
        .args(["demo", "--database"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(!again.status.success());
}
