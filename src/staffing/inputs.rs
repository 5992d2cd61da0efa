//! A staffing run's inputs digest: what the run depends on, taken at its
//! start and again when it is applied; equal digests, nothing it read
//! changed. It covers revisions, not contents: the database raises an
//! instructor's or a class's revision on every change of what a run reads
//! of it (migration `inputs_revisions`), so applying a province's run reads
//! a few thousand numbers instead of building its problem again.

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

/// What the digest is taken of, each list sorted.
#[derive(Serialize)]
struct Inputs<'a> {
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

/// The digest of the inputs of a run of `plan`'s classes (all, or those in
/// `only`) with `parameters`, whose sessions hold `holdings`. Not covered: ratings and road distances, the run's own
/// measurements at its start (an evaluation entered later changes no rule
/// the staffing must keep), and what instructors hold outside the plan,
/// which apply re-checks against the calendars itself, so that another
/// office's apply that collides with nothing does not make the run stale.
/// Taken before the problem is read, so that a change made while the
/// problem is built makes the digests differ.
pub fn digest(
    conn: &mut Db,
    plan: &PlanRow,
    only: Option<&[String]>,
    (weights, options): &(Weights, Options),
    holdings: &[Holding],
) -> Result<String, AppError> {
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
    let inputs = Inputs {
        weights,
        options,
        classes,
        holdings: held,
        exclusions,
        instructors,
    };
    let mut hash = Sha256::new();
    serde_json::to_writer(&mut hash, &inputs).map_err(|e| AppError::Internal(e.into()))?;
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
