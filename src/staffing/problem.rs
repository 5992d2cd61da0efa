//! Building a staffing problem (SPEC 5.1) from the database, as SPEC 7 says:
//! the plan's sessions, the active instructors its office reaches (SPEC 10)
//! with ratings, remaining yearly capacity and busy time (confirmed sessions
//! anywhere, proposals of other offices' plans), locked or confirmed
//! assignments as pins, declined ones as exclusions, current proposals as
//! `previous`.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use solver::problem::{Class, Options, Pair, Problem, Session, TopicRequirement, Weights};
use solver::FieldError;
use utoipa::ToSchema;

use crate::error::AppError;
use crate::store::names::{self, Names};
use crate::store::plans::{self, ClassRow, PlanRow, SessionDetail, Sessions};
use crate::store::pool::{self, interval};
use crate::store::{self, assignments, Db};
use crate::vocabulary::AssignmentState;

/// The keep weight of a staffing run unless the request sets one: high
/// enough that a re-run moves nobody it does not have to.
pub const RUN_KEEP_WEIGHT: f64 = 10.0;

/// What a planner asks a staffing run to do.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// Classes to staff; all classes of the plan when empty.
    #[serde(default)]
    pub classes: Vec<String>,
    /// SPEC 5.1 weights; omitted ones take the contract's defaults, except
    /// `keep`, which defaults to 10 for staffing runs.
    #[serde(default)]
    #[schema(value_type = solver::problem::Weights)]
    pub weights: serde_json::Map<String, serde_json::Value>,
    /// SPEC 5.1 options; `time_limit_s` is capped by the server's maximum.
    #[serde(default)]
    #[schema(value_type = solver::problem::Options)]
    pub options: serde_json::Map<String, serde_json::Value>,
}

impl RunRequest {
    /// The classes the run staffs, or `None` for every class of the plan.
    pub fn only_classes(&self) -> Option<&[String]> {
        (!self.classes.is_empty()).then_some(self.classes.as_slice())
    }

    /// The weights and options, or every rule they break (the solver's own
    /// rules: no negative weight, a positive time limit…).
    pub fn parameters(&self, max_time_limit_s: f64) -> Result<(Weights, Options), AppError> {
        let weights = overlay(
            Weights {
                keep: RUN_KEEP_WEIGHT,
                ..Weights::default()
            },
            &self.weights,
            "weights",
        );
        let options = overlay(Options::default(), &self.options, "options");
        let (weights, mut options) = match (weights, options) {
            (Ok(w), Ok(o)) => (w, o),
            (w, o) => {
                let errors = [w.err(), o.err()].into_iter().flatten().flatten();
                return Err(AppError::Validation(errors.collect()));
            }
        };
        AppError::check(solver::validate_parameters(&weights, &options))?;
        options.time_limit_s = options.time_limit_s.min(max_time_limit_s);
        Ok((weights, options))
    }
}

/// `base` with the fields of `given` replaced, or the broken rules, each at
/// `field.…`.
fn overlay<T: Serialize + serde::de::DeserializeOwned>(
    base: T,
    given: &serde_json::Map<String, serde_json::Value>,
    field: &str,
) -> Result<T, Vec<FieldError>> {
    let mut value = serde_json::to_value(base).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.extend(given.clone());
    }
    solver::parse_json_value(value).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| FieldError {
                field: if e.field.is_empty() {
                    field.to_owned()
                } else {
                    format!("{field}.{}", e.field)
                },
                ..e
            })
            .collect()
    })
}

/// A problem and the names of what it mentions.
pub struct Built {
    pub problem: Problem,
    pub names: Names,
    /// Confirmed or locked assignments the problem could not keep as pins.
    pub dropped_pins: Vec<DroppedPin>,
}

/// A confirmed or locked assignment that a run could not keep as a pin
/// (its instructor became unavailable, lost the expertise, ran out of
/// capacity…): the run treats it as a current proposal instead, kept if it
/// still can be, and says so, rather than fail.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DroppedPin {
    pub session: String,
    pub instructor: String,
    /// The pin rule it broke, e.g. `pin_unavailable`.
    pub rule: String,
    pub detail: String,
}

/// Moves every pin that breaks a pin rule to `previous`, and returns them.
/// Each round drops at least one pin, so it ends.
fn drop_broken_pins(problem: &mut Problem) -> Vec<DroppedPin> {
    let mut dropped = Vec::new();
    loop {
        let broken = solver::broken_pins(problem);
        if broken.is_empty() {
            break;
        }
        for (k, error) in broken.iter().rev() {
            let pin = problem.pins.remove(*k);
            dropped.push(DroppedPin {
                session: pin.session.clone(),
                instructor: pin.instructor.clone(),
                rule: error.rule.clone(),
                detail: error.detail.clone(),
            });
            problem.previous.push(pin);
        }
    }
    if !dropped.is_empty() {
        problem
            .previous
            .sort_by(|a, b| (&a.session, &a.instructor).cmp(&(&b.session, &b.instructor)));
    }
    dropped
}

/// The problem of a staffing run of `plan`, with ratings as of `as_of`.
/// Every list is sorted, so the same data gives the same problem.
pub fn for_run(
    conn: &mut Db,
    plan: &PlanRow,
    request: &RunRequest,
    (weights, options): (Weights, Options),
    as_of: NaiveDateTime,
) -> Result<Built, AppError> {
    check_classes(conn, plan, request)?;
    let only = request.only_classes();
    let classes = plans::classes_of(conn, &plan.id, only)?;
    let mut names = Names::default();
    let mut problem_classes = Vec::new();
    let mut problem_sessions = Vec::new();
    for class in &classes {
        names
            .classes
            .insert(class.row.id.clone(), class.row.name.clone());
        problem_classes.push(class_of(&class.row));
        for s in &class.sessions {
            names.sessions.insert(s.row.id.clone(), s.row.title.clone());
            problem_sessions.push(session_of(s));
        }
    }
    problem_classes.sort_by(|a, b| a.id.cmp(&b.id));
    problem_sessions.sort_by(|a, b| a.id.cmp(&b.id));
    let own: HashSet<&str> = problem_sessions.iter().map(|s| s.id.as_str()).collect();
    let (mut pins, mut exclusions, mut previous) = (Vec::new(), Vec::new(), Vec::new());
    let of_run = Sessions::OfPlan(&plan.id, only);
    for holding in assignments::holdings(conn, of_run)? {
        let pair = Pair {
            session: holding.session_id.clone(),
            instructor: holding.instructor_id.clone(),
        };
        if holding.state == AssignmentState::Declined {
            exclusions.push(pair);
        } else if holding.is_held() {
            pins.push(pair);
        } else {
            previous.push(pair);
        }
    }
    // Planners' exclusions join the declines, each pair once.
    let mut excluded: HashSet<(String, String)> = exclusions
        .iter()
        .map(|p| (p.session.clone(), p.instructor.clone()))
        .collect();
    for (session, instructor) in store::exclusions::pairs(conn, of_run)? {
        if excluded.insert((session.clone(), instructor.clone())) {
            exclusions.push(Pair {
                session,
                instructor,
            });
        }
    }
    let pinned: HashSet<String> = pins.iter().map(|p| p.instructor.clone()).collect();
    let scope = pool::Scope::PoolOfAnd(&plan.office_id, &pinned);
    let members = pool::load(conn, as_of, scope)?;
    let office_names = names::offices(conn, members.iter().map(|(_, m)| m.owner_office.as_str()))?;
    let instructors = members
        .iter()
        .map(|(id, member)| {
            names.instructors.insert(id.clone(), member.name.clone());
            if let Some(office) = office_names.get(&member.owner_office) {
                names.pools.insert(id.clone(), office.clone());
            }
            member.for_office(plan.year, &own, &plan.office_id)
        })
        .collect();
    for list in [&mut pins, &mut exclusions, &mut previous] {
        list.sort_by(|a, b| (&a.session, &a.instructor).cmp(&(&b.session, &b.instructor)));
    }
    let mut problem = Problem {
        weights,
        options,
        instructors,
        classes: problem_classes,
        sessions: problem_sessions,
        pins,
        exclusions,
        previous,
        distances: Vec::new(),
    };
    let mut dropped_pins = drop_broken_pins(&mut problem);
    dropped_pins.sort_by(|a, b| (&a.session, &a.instructor).cmp(&(&b.session, &b.instructor)));
    Ok(Built {
        problem,
        names,
        dropped_pins,
    })
}

/// Every class the request names belongs to the plan (422 at `classes[k]`).
pub fn check_classes(conn: &mut Db, plan: &PlanRow, request: &RunRequest) -> Result<(), AppError> {
    let known: HashSet<String> = plans::class_ids(conn, &plan.id)?.into_iter().collect();
    let unknown: Vec<FieldError> = request
        .classes
        .iter()
        .enumerate()
        .filter(|(_, id)| !known.contains(*id))
        .map(|(k, id)| {
            FieldError::new(
                format!("classes[{k}]"),
                "unknown_reference",
                format!("plan {} has no class {id}", plan.id),
            )
        })
        .collect();
    AppError::check(unknown)
}

/// A stored session as the solver sees it.
pub fn session_of(detail: &SessionDetail) -> Session {
    let time = interval(detail.row.start_at, detail.row.end_at);
    Session {
        id: detail.row.id.clone(),
        class: detail.row.class_id.clone(),
        start: time.start,
        end: time.end,
        remote: detail.row.remote,
        needed: i64::from(detail.row.needed),
        topics: detail
            .topics
            .iter()
            .map(|(topic, _, level)| TopicRequirement {
                topic: topic.clone(),
                min_level: i64::from(*level),
            })
            .collect(),
    }
}

/// A stored class as the solver sees it.
pub fn class_of(row: &ClassRow) -> Class {
    Class {
        id: row.id.clone(),
        lat: row.lat,
        lon: row.lon,
        min_cadre_share: row.min_cadre_share,
    }
}
