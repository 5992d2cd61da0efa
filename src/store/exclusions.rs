//! Planners' exclusions: an instructor kept out of one session or of every
//! session of a class (conflict of interest, a planner's judgement). The next
//! staffing run and the recommendations treat them like declines.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::ToSchema;

use super::plans::{self, Sessions};
use super::reach::{self, Access, Kind, Verdict};
use super::schema::{assignments, classes, exclusions, instructors, sessions};
use super::{write, Backend, Db};
use crate::error::AppError;
use crate::vocabulary::AssignmentState;

/// A new exclusion: exactly one of `session` and `class`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExclusionInput {
    pub instructor: String,
    #[serde(default)]
    pub session: Option<String>,
    #[serde(default)]
    pub class: Option<String>,
    /// Why (shown to planners, never to the instructor), 1–500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// A stored exclusion with the names a reader needs.
#[derive(Debug, Clone, Queryable)]
pub struct Listed {
    pub id: String,
    pub instructor_id: String,
    pub session_id: Option<String>,
    pub class_id: Option<String>,
    pub reason: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub instructor_name: String,
}

/// What an exclusion applies to, resolved to its class and sessions.
struct Target {
    plan_id: String,
    sessions: Vec<String>,
}

/// The session or class `input` names, if `office` staffs its plan: one of
/// another office is a 403 when `office` reads it, else as unknown as one
/// that does not exist.
fn target(conn: &mut Db, office: &str, input: &ExclusionInput) -> Result<Target, AppError> {
    let named = match (&input.session, &input.class) {
        (Some(session), None) => Some((Kind::Session, session)),
        (None, Some(class)) => Some((Kind::Class, class)),
        _ => None,
    };
    if let Some((kind, id)) = named {
        match reach::verdict(conn, office, kind, id, Access::Change)? {
            Verdict::Allowed => {}
            Verdict::ReadOnly => {
                return Err(AppError::Forbidden(format!(
                    "{} {id} is of another office's plan: only its own planners change it",
                    kind.noun()
                )))
            }
            Verdict::Hidden => return Err(AppError::NotFound(format!("no {} {id}", kind.noun()))),
        }
    }
    match (&input.session, &input.class) {
        (Some(session), None) => {
            let (_, class) = plans::session(conn, session)?;
            Ok(Target {
                plan_id: class.plan_id,
                sessions: vec![session.clone()],
            })
        }
        (None, Some(class)) => {
            let detail = plans::class(conn, class)?;
            Ok(Target {
                plan_id: detail.row.plan_id,
                sessions: detail.sessions.into_iter().map(|s| s.row.id).collect(),
            })
        }
        _ => Err(AppError::field(
            "session",
            "one_of",
            "name exactly one of session and class",
        )),
    }
}

/// Records an exclusion and removes the instructor's unlocked proposals in
/// what it covers; 409 when the instructor holds a confirmed or locked
/// assignment there, or is excluded there already. Returns the exclusion and
/// how many proposals it removed.
pub fn create(
    conn: &mut Db,
    office: &str,
    input: &ExclusionInput,
    by: &str,
) -> Result<(Listed, usize), AppError> {
    let reason = input.reason.trim();
    if reason.is_empty() || input.reason.chars().count() > 500 {
        return Err(AppError::field(
            "reason",
            "length",
            "a reason of 1 to 500 characters",
        ));
    }
    write(conn, |conn| {
        let target = target(conn, office, input)?;
        reach::instructor_in_pool(conn, office, &input.instructor)?;
        plans::lock_plan(conn, &target.plan_id)?;
        let mine = assignments::table
            .filter(assignments::instructor_id.eq(&input.instructor))
            .filter(assignments::session_id.eq_any(&target.sessions));
        let held = mine
            .clone()
            .filter(super::calendar::held())
            .count()
            .get_result::<i64>(conn)?;
        if held > 0 {
            return Err(AppError::Conflict {
                kind: "/problems/exclusion-over-assignment",
                detail: "the instructor holds a confirmed or locked assignment there; \
                         unlock it first"
                    .to_owned(),
            });
        }
        let removed = diesel::delete(mine.filter(assignments::state.eq(AssignmentState::Proposed)))
            .execute(conn)?;
        let id = uuid::Uuid::new_v4().to_string();
        diesel::insert_into(exclusions::table)
            .values((
                exclusions::id.eq(&id),
                exclusions::instructor_id.eq(&input.instructor),
                exclusions::session_id.eq(&input.session),
                exclusions::class_id.eq(&input.class),
                exclusions::reason.eq(reason),
                exclusions::created_by.eq(by),
                exclusions::created_at.eq(chrono::Utc::now().naive_utc()),
            ))
            .execute(conn)
            .map_err(|e| {
                super::conflict_if_duplicate(e, "the instructor is excluded there already".into())
            })?;
        Ok((get(conn, &id)?, removed))
    })
}

#[diesel::dsl::auto_type(no_type_alias)]
fn listed() -> _ {
    exclusions::table.inner_join(instructors::table).select((
        exclusions::id,
        exclusions::instructor_id,
        exclusions::session_id,
        exclusions::class_id,
        exclusions::reason,
        exclusions::created_by,
        exclusions::created_at,
        instructors::name,
    ))
}

fn get(conn: &mut Db, id: &str) -> Result<Listed, AppError> {
    listed()
        .filter(exclusions::id.eq(id))
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no exclusion {id}")))
}

/// The exclusions of a plan's sessions and classes.
pub fn of_plan(conn: &mut Db, plan_id: &str) -> Result<Vec<Listed>, AppError> {
    plans::plan(conn, plan_id)?;
    let class_ids = classes::table
        .filter(classes::plan_id.eq(plan_id))
        .select(classes::id)
        .load::<String>(conn)?;
    let session_ids = sessions::table
        .filter(sessions::class_id.eq_any(&class_ids))
        .select(sessions::id)
        .load::<String>(conn)?;
    let mut found: Vec<Listed> = Vec::new();
    for chunk in class_ids.chunks(500) {
        found.extend(
            listed()
                .filter(exclusions::class_id.eq_any(chunk))
                .load::<Listed>(conn)?,
        );
    }
    for chunk in session_ids.chunks(500) {
        found.extend(
            listed()
                .filter(exclusions::session_id.eq_any(chunk))
                .load::<Listed>(conn)?,
        );
    }
    found.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    Ok(found)
}

/// The (session, instructor) pairs the exclusions of `sessions` (and of
/// their classes) keep apart.
pub fn pairs(conn: &mut Db, of: Sessions) -> QueryResult<Vec<(String, String)>> {
    let one_by_one = || {
        exclusions::table
            .filter(exclusions::session_id.is_not_null())
            .select((
                exclusions::session_id.assume_not_null(),
                exclusions::instructor_id,
            ))
            .into_boxed::<Backend>()
    };
    let by_class = || {
        exclusions::table
            .inner_join(sessions::table.on(sessions::class_id.nullable().eq(exclusions::class_id)))
            .select((sessions::id, exclusions::instructor_id))
            .into_boxed::<Backend>()
    };
    let mut pairs = Vec::new();
    match of {
        Sessions::All => {
            pairs.extend(one_by_one().load::<(String, String)>(conn)?);
            pairs.extend(by_class().load::<(String, String)>(conn)?);
        }
        Sessions::Ids(ids) => {
            for chunk in ids.chunks(500) {
                pairs.extend(
                    one_by_one()
                        .filter(exclusions::session_id.eq_any(chunk))
                        .load::<(String, String)>(conn)?,
                );
                pairs.extend(
                    by_class()
                        .filter(sessions::id.eq_any(chunk))
                        .load::<(String, String)>(conn)?,
                );
            }
        }
        Sessions::OfPlan(..) => {
            for chunk in of.classes(conn)?.chunks(500) {
                pairs.extend(
                    one_by_one()
                        .filter(
                            exclusions::session_id.eq_any(
                                sessions::table
                                    .filter(sessions::class_id.eq_any(chunk))
                                    .select(sessions::id.nullable()),
                            ),
                        )
                        .load::<(String, String)>(conn)?,
                );
                pairs.extend(
                    by_class()
                        .filter(sessions::class_id.eq_any(chunk))
                        .load::<(String, String)>(conn)?,
                );
            }
        }
    }
    Ok(pairs)
}

/// The sessions `instructor` is excluded from, one by one or by class.
pub fn sessions_of(conn: &mut Db, instructor: &str) -> QueryResult<HashSet<String>> {
    let mut found: HashSet<String> = exclusions::table
        .filter(exclusions::instructor_id.eq(instructor))
        .filter(exclusions::session_id.is_not_null())
        .select(exclusions::session_id.assume_not_null())
        .load::<String>(conn)?
        .into_iter()
        .collect();
    found.extend(
        exclusions::table
            .inner_join(sessions::table.on(sessions::class_id.nullable().eq(exclusions::class_id)))
            .filter(exclusions::instructor_id.eq(instructor))
            .select(sessions::id)
            .load::<String>(conn)?,
    );
    Ok(found)
}

/// Removes an exclusion (404 if unknown).
pub fn delete(conn: &mut Db, id: &str) -> Result<(), AppError> {
    write(conn, |conn| {
        let removed = diesel::delete(exclusions::table.find(id)).execute(conn)?;
        if removed == 0 {
            Err(AppError::NotFound(format!("no exclusion {id}")))
        } else {
            Ok(())
        }
    })
}
