//! Applying a staffing run: its assignments become the plan's proposals, in
//! one transaction, only if nothing the run depended on changed since it
//! started; the `assignments.proposed` event lists the new proposals.

use std::collections::HashSet;

use chrono::Utc;
use diesel::prelude::*;
use solver::Solution;

use super::problem;
use super::runs::{self, Run};
use crate::error::AppError;
use crate::store::plans;
use crate::store::schema::{assignments, staffing_runs};
use crate::store::webhooks::{self, EventType};
use crate::store::{write, Db};

/// Writes run `id`'s assignments as proposals: unlocked proposals of the
/// run's sessions are replaced, locked, confirmed and declined ones stay.
/// 409 if the run is not done, was applied already, or its inputs changed.
pub fn apply(conn: &mut Db, id: &str, max_time_limit_s: f64) -> Result<Run, AppError> {
    write(conn, |conn| {
        let run = runs::get(conn, id)?;
        plans::lock_plan(conn, &run.plan_id)?;
        let conflict = |kind: &'static str, detail: String| AppError::Conflict { kind, detail };
        if run.applied_at.is_some() {
            return Err(conflict(
                "/problems/already-applied",
                format!("run {id} was applied already"),
            ));
        }
        let (Some(digest), Some(result)) = (&run.inputs_digest, &run.result) else {
            return Err(conflict(
                "/problems/run-not-done",
                format!("run {id} is {}; only a done run can be applied", run.state),
            ));
        };
        let plan = plans::plan(conn, &run.plan_id)?;
        let request = run.request()?;
        let parameters = request.parameters(max_time_limit_s)?;
        let mut built = problem::for_run(conn, &plan, &request, parameters, run.as_of)?;
        // The road distances are the run's own measurement, not an input
        // that can change: they are taken as the run stored them.
        if let Some(stored) = &run.problem {
            let stored: solver::Problem =
                serde_json::from_str(stored).map_err(|e| AppError::Internal(e.into()))?;
            built.problem.distances = stored.distances;
        }
        if &problem::digest(&built.problem)? != digest {
            return Err(conflict(
                "/problems/inputs-changed",
                format!(
                    "the pool, the plan or its assignments changed after run {id} started; \
                     start a new run"
                ),
            ));
        }
        let solution: Solution =
            serde_json::from_str(result).map_err(|e| AppError::Internal(e.into()))?;
        let sessions: Vec<&str> = built
            .problem
            .sessions
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        let now = Utc::now().naive_utc();
        let mut kept: HashSet<(String, String)> = HashSet::new();
        for chunk in sessions.chunks(500) {
            diesel::delete(
                assignments::table
                    .filter(assignments::session_id.eq_any(chunk))
                    .filter(assignments::state.eq("proposed"))
                    .filter(assignments::locked.eq(false)),
            )
            .execute(conn)?;
            kept.extend(
                assignments::table
                    .filter(assignments::session_id.eq_any(chunk))
                    .select((assignments::session_id, assignments::instructor_id))
                    .load::<(String, String)>(conn)?,
            );
        }
        let mut proposed = Vec::new();
        for a in &solution.assignments {
            if kept.contains(&(a.session.clone(), a.instructor.clone())) {
                continue;
            }
            let assignment = uuid::Uuid::new_v4().to_string();
            proposed.push(serde_json::json!({
                "assignment": assignment, "session": a.session, "instructor": a.instructor,
            }));
            diesel::insert_into(assignments::table)
                .values((
                    assignments::id.eq(&assignment),
                    assignments::session_id.eq(&a.session),
                    assignments::instructor_id.eq(&a.instructor),
                    assignments::state.eq("proposed"),
                    assignments::locked.eq(false),
                    assignments::run_id.eq(id),
                    assignments::created_at.eq(now),
                    assignments::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        diesel::update(staffing_runs::table.find(id))
            .set(staffing_runs::applied_at.eq(now))
            .execute(conn)?;
        webhooks::emit(
            conn,
            EventType::AssignmentsProposed,
            serde_json::json!({ "run": id, "plan": run.plan_id, "proposed": proposed }),
        )?;
        runs::get(conn, id)
    })
}
