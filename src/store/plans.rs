//! Yearly training plans (年度教育培训计划), their classes (班次) and the
//! sessions (课程) to staff, with the topics each session requires.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;
use solver::FieldError;
use utoipa::ToSchema;

use super::schema::{assignments, classes, plans, session_topics, sessions, topics};
use super::{import_rows, rules, write, Db, RowError};
use crate::error::AppError;
use crate::vocabulary::{ClassKind, Named, Tier};

/// A plan, as created or changed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    pub tier: Tier,
}

/// A class of a plan, as created or changed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassInput {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: ClassKind,
    /// Venue city and coordinates.
    #[schema(min_length = 1, max_length = 200)]
    pub city: String,
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    #[schema(minimum = -180, maximum = 180)]
    pub lon: f64,
    #[serde(deserialize_with = "solver::time_range::date")]
    pub start_date: NaiveDate,
    #[serde(deserialize_with = "solver::time_range::date")]
    pub end_date: NaiveDate,
    /// Least share of the class's places taught by cadres (default 0.5).
    #[serde(default = "default_cadre_share")]
    #[schema(minimum = 0, maximum = 1)]
    pub min_cadre_share: f64,
}

fn default_cadre_share() -> f64 {
    0.5
}

/// A session of a class, as created or changed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionInput {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// RFC 3339 with an offset; the session's local dates lie within the class's.
    #[serde(deserialize_with = "solver::time_range::time")]
    pub start: DateTime<FixedOffset>,
    #[serde(deserialize_with = "solver::time_range::time")]
    pub end: DateTime<FixedOffset>,
    /// Taught over video.
    #[serde(default)]
    pub remote: bool,
    /// Teaching method code (`lecture`, `case`, …).
    #[serde(default)]
    pub method: Option<String>,
    /// Instructors the session needs (default 1).
    #[serde(default = "one")]
    #[schema(minimum = 1)]
    pub needed: i32,
    /// Required topics with minimum levels 1–5; at least one.
    #[schema(min_items = 1)]
    pub topics: Vec<TopicRequirementInput>,
}

fn one() -> i32 {
    1
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicRequirementInput {
    pub topic: String,
    #[schema(minimum = 1, maximum = 5)]
    pub min_level: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plans)]
pub struct PlanRow {
    pub id: String,
    pub name: String,
    pub year: i32,
    pub tier: String,
    pub owner_id: String,
    pub created_at: NaiveDateTime,
    /// The office whose plan it is.
    pub office_id: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = classes)]
pub struct ClassRow {
    pub id: String,
    pub plan_id: String,
    pub name: String,
    pub kind: ClassKind,
    pub city: String,
    pub lat: f64,
    pub lon: f64,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub min_cadre_share: f64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: String,
    pub class_id: String,
    pub title: String,
    pub start_at: NaiveDateTime,
    pub end_at: NaiveDateTime,
    pub remote: bool,
    pub method: Option<String>,
    pub needed: i32,
    pub created_at: NaiveDateTime,
}

/// A session with its required topics (code, Chinese name, minimum level).
#[derive(Debug, Clone)]
pub struct SessionDetail {
    pub row: SessionRow,
    pub topics: Vec<(String, String, i32)>,
}

/// A class with its sessions in time order.
#[derive(Debug, Clone)]
pub struct ClassDetail {
    pub row: ClassRow,
    pub sessions: Vec<SessionDetail>,
}

/// Creates a plan of `office`, made by user `owner`.
pub fn create_plan(
    conn: &mut Db,
    owner: &str,
    office: &str,
    input: &PlanInput,
) -> Result<PlanRow, AppError> {
    check_plan(input)?;
    let row = PlanRow {
        id: uuid::Uuid::new_v4().to_string(),
        name: input.name.trim().to_owned(),
        year: input.year,
        tier: input.tier.code().to_owned(),
        owner_id: owner.to_owned(),
        created_at: chrono::Utc::now().naive_utc(),
        office_id: office.to_owned(),
    };
    write(conn, |conn| {
        diesel::insert_into(plans::table)
            .values((
                plans::id.eq(&row.id),
                plans::name.eq(&row.name),
                plans::year.eq(row.year),
                plans::tier.eq(&row.tier),
                plans::owner_id.eq(&row.owner_id),
                plans::created_at.eq(row.created_at),
                plans::office_id.eq(&row.office_id),
            ))
            .execute(conn)?;
        Ok(row)
    })
}

fn check_plan(input: &PlanInput) -> Result<(), AppError> {
    let mut errors = Vec::new();
    rules::text(&mut errors, "name", &input.name);
    if !(2000..=2100).contains(&input.year) {
        errors.push(FieldError::new("year", "range", "a year from 2000 to 2100"));
    }
    AppError::check(errors)
}

/// Renames a plan or changes its year or tier.
pub fn update_plan(conn: &mut Db, id: &str, input: &PlanInput) -> Result<PlanRow, AppError> {
    check_plan(input)?;
    write(conn, |conn| {
        lock_plan(conn, id)?;
        diesel::update(plans::table.find(id))
            .set((
                plans::name.eq(input.name.trim()),
                plans::year.eq(input.year),
                plans::tier.eq(input.tier.code()),
            ))
            .execute(conn)?;
        plan(conn, id)
    })
}

/// Removes a plan with its classes, sessions, runs and assignments; 409 while
/// any of its assignments is confirmed or locked.
pub fn delete_plan(conn: &mut Db, id: &str) -> Result<(), AppError> {
    write(conn, |conn| {
        lock_plan(conn, id)?;
        let of_plan = classes::table
            .filter(classes::plan_id.eq(id))
            .select(classes::id);
        let sessions_of_plan = sessions::table
            .filter(sessions::class_id.eq_any(of_plan))
            .select(sessions::id)
            .load::<String>(conn)?;
        refuse_if_held(conn, &sessions_of_plan, &format!("plan {id}"))?;
        diesel::delete(plans::table.find(id)).execute(conn)?;
        Ok(())
    })
}

/// 409 `/problems/has-held-assignments` when any of `sessions` has a
/// confirmed or locked assignment: a planner's or an instructor's commitment
/// is never removed as a side effect of deleting the plan around it.
fn refuse_if_held(conn: &mut Db, sessions: &[String], what: &str) -> Result<(), AppError> {
    let mut held = 0;
    for chunk in sessions.chunks(500) {
        held += assignments::table
            .filter(assignments::session_id.eq_any(chunk))
            .filter(super::calendar::held())
            .count()
            .get_result::<i64>(conn)?;
    }
    if held == 0 {
        Ok(())
    } else {
        Err(AppError::Conflict {
            kind: "/problems/has-held-assignments",
            detail: format!(
                "{what} has {held} confirmed or locked assignment(s); unlock them or let \
                 the instructors decline before deleting it"
            ),
        })
    }
}

/// The plans of `within`'s subtree, newest year first.
pub fn list_plans(conn: &mut Db, within: &str) -> QueryResult<Vec<PlanRow>> {
    plans::table
        .filter(super::reach::plans_of(within))
        .order((plans::year.desc(), plans::name, plans::id))
        .select(PlanRow::as_select())
        .load(conn)
}

/// The plans `within` reads, each with its office: plan id → office id.
pub fn offices_of_plans(
    conn: &mut Db,
    within: &str,
) -> QueryResult<std::collections::HashMap<String, String>> {
    Ok(plans::table
        .filter(super::reach::plans_of(within))
        .select((plans::id, plans::office_id))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// One plan (404 if unknown).
pub fn plan(conn: &mut Db, id: &str) -> Result<PlanRow, AppError> {
    plans::table
        .find(id)
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no plan {id}")))
}

/// Adds a class to a plan.
pub fn create_class(
    conn: &mut Db,
    plan_id: &str,
    input: &ClassInput,
) -> Result<ClassRow, AppError> {
    check_class(input)?;
    write(conn, |conn| {
        lock_plan(conn, plan_id)?;
        let row = ClassRow {
            id: uuid::Uuid::new_v4().to_string(),
            plan_id: plan_id.to_owned(),
            name: input.name.trim().to_owned(),
            kind: input.kind,
            city: input.city.trim().to_owned(),
            lat: input.lat,
            lon: input.lon,
            start_date: input.start_date,
            end_date: input.end_date,
            min_cadre_share: input.min_cadre_share,
            created_at: chrono::Utc::now().naive_utc(),
        };
        diesel::insert_into(classes::table)
            .values(&row)
            .execute(conn)?;
        Ok(row)
    })
}

fn check_class(input: &ClassInput) -> Result<(), AppError> {
    let mut errors = Vec::new();
    rules::text(&mut errors, "name", &input.name);
    rules::text(&mut errors, "city", &input.city);
    rules::coordinates(&mut errors, input.lat, input.lon);
    if input.end_date < input.start_date {
        errors.push(FieldError::new(
            "end_date",
            "after_start",
            "the class ends before it starts",
        ));
    }
    if !(0.0..=1.0).contains(&input.min_cadre_share) {
        errors.push(FieldError::new(
            "min_cadre_share",
            "unit_interval",
            "a share in [0, 1]",
        ));
    }
    AppError::check(errors)
}

/// Changes a class; its sessions must still lie within its dates.
pub fn update_class(conn: &mut Db, id: &str, input: &ClassInput) -> Result<ClassDetail, AppError> {
    check_class(input)?;
    write(conn, |conn| {
        let current = class_row(conn, id)?;
        lock_plan(conn, &current.plan_id)?;
        let outside = sessions::table
            .filter(sessions::class_id.eq(id))
            .select((sessions::title, sessions::start_at, sessions::end_at))
            .load::<(String, NaiveDateTime, NaiveDateTime)>(conn)?
            .into_iter()
            .find(|(_, start, end)| start.date() < input.start_date || end.date() > input.end_date);
        if let Some((title, start, _)) = outside {
            return Err(AppError::field(
                "start_date",
                "covers_sessions",
                format!(
                    "session {title} on {} would lie outside the class's dates",
                    start.date()
                ),
            ));
        }
        diesel::update(classes::table.find(id))
            .set((
                classes::name.eq(input.name.trim()),
                classes::kind.eq(input.kind),
                classes::city.eq(input.city.trim()),
                classes::lat.eq(input.lat),
                classes::lon.eq(input.lon),
                classes::start_date.eq(input.start_date),
                classes::end_date.eq(input.end_date),
                classes::min_cadre_share.eq(input.min_cadre_share),
            ))
            .execute(conn)?;
        class(conn, id)
    })
}

/// Removes a class with its sessions and their assignments; 409 while any
/// of them is confirmed or locked.
pub fn delete_class(conn: &mut Db, id: &str) -> Result<(), AppError> {
    write(conn, |conn| {
        let current = class_row(conn, id)?;
        lock_plan(conn, &current.plan_id)?;
        let of_class = session_ids(conn, id)?;
        refuse_if_held(conn, &of_class, &format!("class {}", current.name))?;
        diesel::delete(classes::table.find(id)).execute(conn)?;
        Ok(())
    })
}

/// The ids of the sessions of class `id`.
pub fn session_ids(conn: &mut Db, id: &str) -> QueryResult<Vec<String>> {
    sessions::table
        .filter(sessions::class_id.eq(id))
        .select(sessions::id)
        .load(conn)
}

fn class_row(conn: &mut Db, id: &str) -> Result<ClassRow, AppError> {
    classes::table
        .find(id)
        .select(ClassRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no class {id}")))
}

/// Adds a session to a class.
pub fn create_session(
    conn: &mut Db,
    class_id: &str,
    input: &SessionInput,
) -> Result<SessionDetail, AppError> {
    check_session(input)?;
    write(conn, |conn| {
        let class = class_row(conn, class_id)?;
        lock_plan(conn, &class.plan_id)?;
        check_session_in(conn, &class, input)?;
        let row = SessionRow {
            id: uuid::Uuid::new_v4().to_string(),
            class_id: class_id.to_owned(),
            title: input.title.trim().to_owned(),
            start_at: input.start.naive_utc(),
            end_at: input.end.naive_utc(),
            remote: input.remote,
            method: input.method.clone(),
            needed: input.needed,
            created_at: chrono::Utc::now().naive_utc(),
        };
        diesel::insert_into(sessions::table)
            .values(&row)
            .execute(conn)?;
        insert_topics(conn, &row.id, input)?;
        Ok(session_details(conn, vec![row])?.remove(0))
    })
}

/// Changes a session: its time, topics, method, remote flag or the number
/// of instructors it needs. Its assignments stay; one that no longer fits
/// is left for the next run to drop (SPEC 7).
pub fn update_session(
    conn: &mut Db,
    id: &str,
    input: &SessionInput,
) -> Result<SessionDetail, AppError> {
    check_session(input)?;
    write(conn, |conn| {
        let (stored, class) = session(conn, id)?;
        lock_plan(conn, &class.plan_id)?;
        check_session_in(conn, &class, input)?;
        diesel::update(sessions::table.find(id))
            .set((
                sessions::title.eq(input.title.trim()),
                sessions::start_at.eq(input.start.naive_utc()),
                sessions::end_at.eq(input.end.naive_utc()),
                sessions::remote.eq(input.remote),
                sessions::method.eq(&input.method),
                sessions::needed.eq(input.needed),
            ))
            .execute(conn)?;
        // Written only if they differ: each write of them raises the
        // class's inputs revision, which makes the runs that read it stale.
        let had: BTreeSet<(&str, i32)> = (stored.topics.iter())
            .map(|(code, _, level)| (code.as_str(), *level))
            .collect();
        let given: BTreeSet<(&str, i32)> = (input.topics.iter())
            .map(|t| (t.topic.as_str(), t.min_level))
            .collect();
        if had != given {
            diesel::delete(session_topics::table.filter(session_topics::session_id.eq(id)))
                .execute(conn)?;
            insert_topics(conn, id, input)?;
        }
        Ok(session(conn, id)?.0)
    })
}

/// The rules a session input obeys on its own.
fn check_session(input: &SessionInput) -> Result<(), AppError> {
    let mut errors = Vec::new();
    rules::text(&mut errors, "title", &input.title);
    if input.start >= input.end {
        errors.push(FieldError::new(
            "end",
            "after_start",
            "end must be after start",
        ));
    }
    if input.needed < 1 {
        errors.push(FieldError::new(
            "needed",
            "min_1",
            "a session needs at least one instructor",
        ));
    }
    if input.topics.is_empty() {
        errors.push(FieldError::new(
            "topics",
            "non_empty",
            "a session requires at least one topic",
        ));
    }
    rules::topic_levels(
        &mut errors,
        "topics",
        "min_level",
        input.topics.iter().map(|t| (t.topic.as_str(), t.min_level)),
    );
    AppError::check(errors)
}

/// The rules a session input obeys against its class and the vocabulary.
fn check_session_in(conn: &mut Db, class: &ClassRow, input: &SessionInput) -> Result<(), AppError> {
    let mut errors = Vec::new();
    // The session's own local dates must lie within the class's dates.
    let (first, last) = (input.start.date_naive(), input.end.date_naive());
    if first < class.start_date || last > class.end_date {
        errors.push(FieldError::new(
            "start",
            "within_class",
            format!(
                "the class runs from {} to {}",
                class.start_date, class.end_date
            ),
        ));
    }
    rules::known_topics(
        conn,
        &mut errors,
        "topics",
        input.topics.iter().map(|t| t.topic.as_str()),
    )?;
    rules::known_methods(
        conn,
        &mut errors,
        |_| "method".to_owned(),
        input.method.as_deref(),
    )?;
    AppError::check(errors)
}

fn insert_topics(conn: &mut Db, session_id: &str, input: &SessionInput) -> QueryResult<()> {
    for t in &input.topics {
        diesel::insert_into(session_topics::table)
            .values((
                session_topics::session_id.eq(session_id),
                session_topics::topic.eq(&t.topic),
                session_topics::min_level.eq(t.min_level),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Removes a session with its proposed and declined assignments; 409 while
/// one is confirmed or locked.
pub fn delete_session(conn: &mut Db, id: &str) -> Result<(), AppError> {
    write(conn, |conn| {
        let (detail, class) = session(conn, id)?;
        lock_plan(conn, &class.plan_id)?;
        refuse_if_held(
            conn,
            &[id.to_owned()],
            &format!("session {}", detail.row.title),
        )?;
        diesel::delete(sessions::table.find(id)).execute(conn)?;
        Ok(())
    })
}

/// The classes of plan `plan_id` (all, or those in `only`), with sessions.
pub fn classes_of(
    conn: &mut Db,
    plan_id: &str,
    only: Option<&[String]>,
) -> Result<Vec<ClassDetail>, AppError> {
    let mut query = classes::table
        .filter(classes::plan_id.eq(plan_id))
        .order((classes::start_date, classes::name, classes::id))
        .select(ClassRow::as_select())
        .into_boxed();
    if let Some(ids) = only {
        query = query.filter(classes::id.eq_any(ids));
    }
    let rows = query.load(conn)?;
    class_details(conn, rows)
}

/// One class with its sessions (404 if unknown).
pub fn class(conn: &mut Db, id: &str) -> Result<ClassDetail, AppError> {
    let row = class_row(conn, id)?;
    Ok(class_details(conn, vec![row])?.remove(0))
}

/// One session with its class (404 if unknown).
pub fn session(conn: &mut Db, id: &str) -> Result<(SessionDetail, ClassRow), AppError> {
    let (row, class) = sessions::table
        .inner_join(classes::table)
        .filter(sessions::id.eq(id))
        .select((SessionRow::as_select(), ClassRow::as_select()))
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no session {id}")))?;
    Ok((session_details(conn, vec![row])?.remove(0), class))
}

fn class_details(conn: &mut Db, rows: Vec<ClassRow>) -> Result<Vec<ClassDetail>, AppError> {
    let ids: Vec<&str> = rows.iter().map(|c| c.id.as_str()).collect();
    let session_rows = sessions::table
        .filter(sessions::class_id.eq_any(&ids))
        .order((sessions::start_at, sessions::id))
        .select(SessionRow::as_select())
        .load(conn)?;
    let mut by_class: HashMap<String, Vec<SessionDetail>> = HashMap::new();
    for detail in session_details(conn, session_rows)? {
        by_class
            .entry(detail.row.class_id.clone())
            .or_default()
            .push(detail);
    }
    Ok(rows
        .into_iter()
        .map(|row| ClassDetail {
            sessions: by_class.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// Attaches required topics to session rows, keeping their order.
pub fn session_details(conn: &mut Db, rows: Vec<SessionRow>) -> QueryResult<Vec<SessionDetail>> {
    let ids: Vec<&str> = rows.iter().map(|s| s.id.as_str()).collect();
    let mut topics_of: HashMap<String, Vec<(String, String, i32)>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for (session, code, name, level) in session_topics::table
            .inner_join(topics::table)
            .filter(session_topics::session_id.eq_any(chunk))
            .order((session_topics::session_id, session_topics::topic))
            .select((
                session_topics::session_id,
                session_topics::topic,
                topics::name,
                session_topics::min_level,
            ))
            .load::<(String, String, String, i32)>(conn)?
        {
            topics_of
                .entry(session)
                .or_default()
                .push((code, name, level));
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| SessionDetail {
            topics: topics_of.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// The start of each of these sessions (unknown ones are left out).
pub fn session_starts<'a>(
    conn: &mut Db,
    ids: impl IntoIterator<Item = &'a str>,
) -> QueryResult<HashMap<String, NaiveDateTime>> {
    let ids: Vec<&str> = ids.into_iter().collect();
    let mut starts = HashMap::new();
    for chunk in ids.chunks(500) {
        starts.extend(
            sessions::table
                .filter(sessions::id.eq_any(chunk))
                .select((sessions::id, sessions::start_at))
                .load::<(String, NaiveDateTime)>(conn)?,
        );
    }
    Ok(starts)
}

/// The title and class name of each of these sessions (unknown ones are
/// left out).
pub fn session_names(
    conn: &mut Db,
    ids: &[&str],
) -> QueryResult<HashMap<String, (String, String)>> {
    let names = super::chunked(ids, |chunk| {
        sessions::table
            .inner_join(classes::table)
            .filter(sessions::id.eq_any(chunk))
            .select((sessions::id, (sessions::title, classes::name)))
            .load::<(String, (String, String))>(conn)
    })?;
    Ok(names.into_iter().collect())
}

/// The sessions of current plans (of this year or later) that start after
/// `now`, with their classes, in time order.
pub fn sessions_starting_after(
    conn: &mut Db,
    now: NaiveDateTime,
) -> QueryResult<Vec<(SessionRow, ClassRow)>> {
    use chrono::Datelike;
    sessions::table
        .inner_join(classes::table.inner_join(plans::table))
        .filter(sessions::start_at.gt(now))
        .filter(plans::year.ge(now.year()))
        .order((sessions::start_at, sessions::id))
        .select((SessionRow::as_select(), ClassRow::as_select()))
        .load(conn)
}

/// The venue (latitude, longitude) of each class of plan `plan_id`, by class id.
pub fn venues(conn: &mut Db, plan_id: &str) -> QueryResult<HashMap<String, (f64, f64)>> {
    let rows = classes::table
        .filter(classes::plan_id.eq(plan_id))
        .select((classes::id, (classes::lat, classes::lon)))
        .load::<(String, (f64, f64))>(conn)?;
    Ok(rows.into_iter().collect())
}

/// Which sessions a read of what they hold (assignments, exclusions) covers.
#[derive(Debug, Clone, Copy)]
pub enum Sessions<'a> {
    /// Every session.
    All,
    /// These sessions.
    Ids(&'a [&'a str]),
    /// A plan's sessions, or those of these of its classes: read by class
    /// (a query per 500 classes), however many sessions they have.
    OfPlan(&'a str, Option<&'a [String]>),
}

impl Sessions<'_> {
    /// For [`Sessions::OfPlan`], the ids of its classes.
    pub fn classes(&self, conn: &mut Db) -> QueryResult<Vec<String>> {
        let Sessions::OfPlan(plan, only) = self else {
            return Ok(Vec::new());
        };
        let mut ids = class_ids(conn, plan)?;
        if let Some(only) = only {
            ids.retain(|id| only.contains(id));
        }
        Ok(ids)
    }
}

/// The classes of plan `plan_id` (all, or those in `only`), each with the
/// revision of what a staffing run reads of it (raised by the database on
/// every change of the class, its sessions or their topics).
pub fn class_revisions(
    conn: &mut Db,
    plan_id: &str,
    only: Option<&[String]>,
) -> QueryResult<Vec<(String, i32)>> {
    let mut query = classes::table
        .filter(classes::plan_id.eq(plan_id))
        .select((classes::id, classes::inputs_revision))
        .into_boxed();
    if let Some(ids) = only {
        query = query.filter(classes::id.eq_any(ids));
    }
    query.order(classes::id).load(conn)
}

/// The start and end of each session of plan `plan_id`'s classes (all, or
/// those in `only`).
pub fn session_times(
    conn: &mut Db,
    plan_id: &str,
    only: Option<&[String]>,
) -> QueryResult<HashMap<String, (NaiveDateTime, NaiveDateTime)>> {
    let mut query = sessions::table
        .inner_join(classes::table)
        .filter(classes::plan_id.eq(plan_id))
        .select((sessions::id, sessions::start_at, sessions::end_at))
        .into_boxed();
    if let Some(ids) = only {
        query = query.filter(classes::id.eq_any(ids));
    }
    Ok(query
        .load::<(String, NaiveDateTime, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(id, start, end)| (id, (start, end)))
        .collect())
}

/// The ids of a plan's classes.
pub fn class_ids(conn: &mut Db, plan_id: &str) -> QueryResult<Vec<String>> {
    classes::table
        .filter(classes::plan_id.eq(plan_id))
        .select(classes::id)
        .load(conn)
}

/// Locks a plan's row for the rest of the transaction, or 404.
pub fn lock_plan(conn: &mut Db, id: &str) -> Result<(), AppError> {
    let found = diesel::update(plans::table.find(id))
        .set(plans::year.eq(plans::year))
        .execute(conn)?;
    if found == 0 {
        Err(AppError::NotFound(format!("no plan {id}")))
    } else {
        Ok(())
    }
}

/// A class of an imported sheet with its sessions, each with the row number
/// the spreadsheet shows.
#[derive(Debug)]
pub struct ClassRows {
    pub row: usize,
    pub input: ClassInput,
    pub sessions: Vec<(usize, SessionInput)>,
}

/// What an import made (or with `dry_run` would make): each class's id
/// and its sessions' ids with their rows.
pub type Imported = Vec<(String, Vec<(usize, String)>)>;

/// Adds a sheet's classes and their sessions to a plan by the rules of
/// `POST …/classes` and `POST …/sessions`, in one transaction: all rows or,
/// if any breaks a rule (every one is listed) or `dry_run`, none. A class
/// the plan has already (same name and start date) is refused, so that a
/// sheet imported twice does not double the plan.
pub fn import(
    conn: &mut Db,
    plan_id: &str,
    sheet: &[ClassRows],
    dry_run: bool,
) -> Result<Result<Imported, Vec<RowError>>, AppError> {
    import_rows(conn, dry_run, |conn, errors| {
        lock_plan(conn, plan_id)?;
        let existing: Vec<(String, NaiveDate)> = classes::table
            .filter(classes::plan_id.eq(plan_id))
            .select((classes::name, classes::start_date))
            .load(conn)?;
        let mut made = Vec::new();
        let mut refuse =
            |row: usize, column: &str, e: FieldError| errors.push(RowError::new(row, column, e));
        for class in sheet {
            let key = (class.input.name.trim().to_owned(), class.input.start_date);
            if existing.contains(&key) {
                let detail = "the plan has this class (same name and start date) already";
                refuse(
                    class.row,
                    "class",
                    FieldError::new("class", "new_class", detail),
                );
                continue;
            }
            let row = match create_class(conn, plan_id, &class.input) {
                Ok(row) => row,
                Err(AppError::Validation(found)) => {
                    for e in found {
                        let column = match e.field.as_str() {
                            "name" => "class",
                            "kind" => "class_kind",
                            other => other,
                        }
                        .to_owned();
                        refuse(class.row, &column, e);
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut sessions = Vec::new();
            for (at, input) in &class.sessions {
                match create_session(conn, &row.id, input) {
                    Ok(detail) => sessions.push((*at, detail.row.id)),
                    Err(AppError::Validation(found)) => {
                        for e in found {
                            let column = match e.field.split(['[', '.']).next() {
                                Some("start") => "date",
                                Some("end") => "time",
                                Some(other) => other,
                                None => "title",
                            }
                            .to_owned();
                            refuse(*at, &column, e);
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            made.push((row.id, sessions));
        }
        Ok(made)
    })
}
