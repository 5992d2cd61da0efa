//! A staffing run's inputs digest: what the run depends on, read at its
//! start and again when it is applied; equal digests, nothing it depends on
//! changed. It covers revisions, not contents: the database raises an
//! instructor's or a class's revision on every change of what a run reads
//! of it (migration `inputs_revisions`), so applying a province's run reads
//! a few thousand numbers instead of building its problem again.
//!
//! Of the pool, the digest covers the instructors the run's staffing names
//! (its assignments, pins included), not every member: a change to someone
//! the run did not choose (a block, a new expert) leaves its staffing as
//! valid as it was, and on a national deployment some member of a
//! province's pool changes every few seconds, so a digest of them all would
//! make nearly every large run stale before it could be applied.

use std::collections::HashSet;

use serde::Serialize;
use sha2::{Digest, Sha256};
use solver::problem::{Options, Weights};

use crate::error::AppError;
use crate::store::assignments::Holding;
use crate::store::plans::{self, PlanRow, Sessions};
use crate::store::pool::{self, Scope};
use crate::store::{exclusions, Db};
use crate::vocabulary::AssignmentState;

/// What a run depends on, read when it starts (and again at apply), each
/// list sorted.
#[derive(Serialize)]
pub struct Inputs<'a> {
    weights: &'a Weights,
    options: &'a Options,
    /// The run's classes with their revisions (the class, its sessions and
    /// their topics).
    classes: Vec<(String, i32)>,
    /// What its sessions hold: (session, instructor, state, locked).
    holdings: Vec<(&'a str, &'a str, AssignmentState, bool)>,
    /// The pairs planners' exclusions keep apart.
    exclusions: Vec<(String, String)>,
    /// The instructors the plan's office reaches (SPEC 10), and those its
    /// sessions pin, with their revisions.
    instructors: Vec<(String, i32)>,
}

/// The inputs of a run of `plan`'s classes (all, or those in `only`) with
/// `parameters`, whose sessions hold `holdings`. Not covered: ratings and
/// road distances, the run's own measurements at its start (an evaluation
/// entered later changes no rule the staffing must keep), and what
/// instructors hold outside the plan, which apply re-checks against the
/// calendars itself, so that another office's apply that collides with
/// nothing does not make the run stale. Read before the problem is, so that
/// a change made while the problem is built makes the digests differ.
pub fn read<'a>(
    conn: &mut Db,
    plan: &PlanRow,
    only: Option<&[String]>,
    (weights, options): &'a (Weights, Options),
    holdings: &'a [Holding],
) -> Result<Inputs<'a>, AppError> {
    let classes = plans::class_revisions(conn, &plan.id, only)?;
    let mut held: Vec<_> = holdings
        .iter()
        .map(|h| {
            let (session, instructor) = (h.session_id.as_str(), h.instructor_id.as_str());
            (session, instructor, h.state, h.locked)
        })
        .collect();
    held.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut exclusions = exclusions::pairs(conn, Sessions::OfPlan(&plan.id, only))?;
    exclusions.sort();
    exclusions.dedup();
    let pinned: HashSet<String> = holdings
        .iter()
        .filter(|h| h.is_held())
        .map(|h| h.instructor_id.clone())
        .collect();
    let instructors = pool::revisions(conn, Scope::PoolOfAnd(&plan.office_id, &pinned))?;
    Ok(Inputs {
        weights,
        options,
        classes,
        holdings: held,
        exclusions,
        instructors,
    })
}

impl Inputs<'_> {
    /// The digest of these inputs, of the pool the instructors `staffing`
    /// names only (and whether they are still in it).
    pub fn digest(mut self, staffing: &solver::Solution) -> Result<String, AppError> {
        let named: HashSet<&str> = staffing
            .assignments
            .iter()
            .map(|a| a.instructor.as_str())
            .collect();
        self.instructors
            .retain(|(id, _)| named.contains(id.as_str()));
        let mut hash = Sha256::new();
        serde_json::to_writer(&mut hash, &self).map_err(|e| AppError::Internal(e.into()))?;
        Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}
