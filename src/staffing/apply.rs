//! Applying a staffing run: the plan's sessions get exactly the run's
//! staffing, as its changes (`GET …/changes`) showed it, in one
//! transaction, only if nothing the run depended on changed since it
//! started; the `assignments.proposed` event lists the new proposals and
//! the assignments removed.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDateTime, SubsecRound, Utc};

use super::inputs;
use super::problem::RunRequest;
use crate::china_time;
use crate::error::AppError;
use crate::store::plans::Sessions;
use crate::store::runs::{self, Run};
use crate::store::webhooks::{self, EventType};
use crate::store::{assignments, calendar, instructors, plans, write_learning, Db, Touched};
use crate::vocabulary::RunState;

/// Writes run `id`'s staffing ([`assignments::write_staffing`]): new
/// pairs become proposals, held ones the run keeps stay as they are,
/// declined ones stay, and everything else of its sessions goes, the pins
/// it had to drop included. 409 if the run is not done, was applied
/// already, or its inputs changed; a cancelled run's best staffing so far is
/// applied only when `confirmed`. The run as applied, and the ids of the
/// assignments it removed.
pub fn apply(
    conn: &mut Db,
    id: &str,
    max_time_limit_s: f64,
    confirmed: bool,
) -> Result<(Run, Vec<String>), AppError> {
    write_learning(conn, |conn| {
        let run = runs::get(conn, id)?;
        plans::lock_plan(conn, &run.plan_id)?;
        let conflict = |kind: &'static str, detail: String| AppError::Conflict { kind, detail };
        if run.applied_at.is_some() {
            return Err(conflict(
                "/problems/already-applied",
                format!("run {id} was applied already"),
            ));
        }
        if run.state == RunState::Cancelled && run.result.is_some() && !confirmed {
            return Err(conflict(
                "/problems/run-cancelled",
                format!(
                    "run {id} was cancelled before it finished: its staffing may be far from the \
                     best; apply it with ?confirm=true"
                ),
            ));
        }
        let (Some(digest), Some(solution)) = (&run.inputs_digest, run.solution()?) else {
            return Err(conflict(
                "/problems/run-not-done",
                format!("run {id} is {}; only a done run can be applied", run.state),
            ));
        };
        let plan = plans::plan(conn, &run.plan_id)?;
        let request: RunRequest = run.request()?;
        let parameters = request.parameters(max_time_limit_s)?;
        let only = request.only_classes();
        let times = plans::session_times(conn, &plan.id, only)?;
        check_calendars(conn, &plan, &times, &solution.assignments)?;
        let holdings = assignments::holdings(conn, Sessions::OfPlan(&plan.id, only))?;
        if &inputs::read(conn, &plan, only, &parameters, &holdings)?.digest(&solution)? != digest {
            return Err(conflict(
                "/problems/inputs-changed",
                format!(
                    "the plan, its assignments or an instructor the run chose changed after run \
                     {id} started; start a new run"
                ),
            ));
        }
        let pairs: Vec<(String, String)> = solution
            .assignments
            .iter()
            .map(|a| (a.session.clone(), a.instructor.clone()))
            .collect();
        let written = assignments::write_staffing(conn, id, holdings, &pairs)?;
        let listed = |pairs: Vec<(String, String, String)>| -> Vec<serde_json::Value> {
            pairs
                .into_iter()
                .map(|(assignment, session, instructor)| {
                    serde_json::json!({
                        "assignment": assignment, "session": session, "instructor": instructor,
                    })
                })
                .collect()
        };
        let removed_ids = written
            .removed
            .iter()
            .map(|(id, _, _)| id.clone())
            .collect();
        // Only these instructors' holdings changed (and the run itself).
        let touched: BTreeSet<String> = (written.made.iter().chain(&written.removed))
            .map(|(_, _, instructor)| instructor.clone())
            .collect();
        let (proposed, removed) = (listed(written.made), listed(written.removed));
        // As the database keeps it (microseconds), so the answer and later
        // reads agree.
        let applied_at = Utc::now().naive_utc().trunc_subsecs(6);
        runs::mark_applied(conn, id, applied_at)?;
        webhooks::emit(
            conn,
            &plan.office_id,
            EventType::AssignmentsProposed,
            serde_json::json!({
                "run": id, "plan": run.plan_id, "proposed": proposed, "removed": removed,
            }),
        )?;
        let run = Run {
            applied_at: Some(applied_at),
            ..run
        };
        Ok((
            (run, removed_ids),
            Touched::Instructors(touched.into_iter().collect()),
        ))
    })
}

/// Re-checks, with the instructors locked, that the run's staffing of
/// `plan` collides with nothing held elsewhere now (SPEC 10, one calendar
/// per person): another office may have applied a run, or a planner
/// assigned by hand, since this run read the calendars. 409 naming every
/// collision and every capacity it would break.
fn check_calendars(
    conn: &mut Db,
    plan: &plans::PlanRow,
    times: &HashMap<String, (NaiveDateTime, NaiveDateTime)>,
    staffing: &[solver::solution::Assignment],
) -> Result<(), AppError> {
    let mut staffed: BTreeMap<&str, Vec<(&str, NaiveDateTime, NaiveDateTime)>> = BTreeMap::new();
    for assignment in staffing {
        if let Some((start, end)) = times.get(&assignment.session) {
            staffed
                .entry(assignment.instructor.as_str())
                .or_default()
                .push((assignment.session.as_str(), *start, *end));
        }
    }
    let ids: Vec<&str> = staffed.keys().copied().collect();
    instructors::lock_all(conn, &ids)?;
    let capacities = instructors::capacities(conn, &ids)?;
    let mut collisions = Vec::new();
    let mut held: BTreeMap<String, Vec<calendar::HeldElsewhere>> = BTreeMap::new();
    for h in calendar::held_elsewhere(conn, &plan.id, &plan.office_id, &ids)? {
        held.entry(h.instructor.clone()).or_default().push(h);
    }
    for (instructor, sessions) in &staffed {
        let elsewhere = held.get(*instructor).map(Vec::as_slice).unwrap_or_default();
        let (name, capacity) = capacities
            .get(*instructor)
            .cloned()
            .unwrap_or_else(|| ((*instructor).to_owned(), 0));
        for &(session, start, end) in sessions {
            for h in elsewhere.iter().filter(|h| h.start < end && start < h.end) {
                collisions.push(format!(
                    "{name} is held by {} for {} at {}, which overlaps session {}",
                    h.office,
                    h.session_title,
                    china_time::format(h.start, "%Y-%m-%d %H:%M"),
                    session
                ));
            }
        }
        let in_year = |start: chrono::NaiveDateTime| start.year() == plan.year;
        let used = elsewhere.iter().filter(|h| in_year(h.start)).count()
            + sessions
                .iter()
                .filter(|(_, start, _)| in_year(*start))
                .count();
        if used > usize::try_from(capacity).unwrap_or(0) {
            collisions.push(format!(
                "{name} may teach {capacity} sessions in {}: this staffing would make it {used}",
                plan.year
            ));
        }
    }
    if collisions.is_empty() {
        return Ok(());
    }
    Err(AppError::Conflict {
        kind: "/problems/calendar-collision",
        detail: format!(
            "another office's plan or a planner took these instructors' time after the run \
             started; nothing was applied, start a new run: {}",
            collisions.join("; ")
        ),
    })
}
