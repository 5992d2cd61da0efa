//! Teaching records (one per delivered session) and the trainees'
//! evaluation scores (1–5) attached to them, from which ratings are computed.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;
use solver::FieldError;
use utoipa::ToSchema;

use super::schema::{assignments, classes, evaluations, sessions, teaching_records};
use super::{instructors, rules, write, Db};
use crate::error::AppError;
use crate::vocabulary::AssignmentState;

/// Most scores one batch may carry (one class of trainees).
pub const MAX_SCORES: usize = 500;

/// A delivered session and its trainees' scores.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordInput {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// When the session was delivered (RFC 3339 with an offset).
    #[serde(deserialize_with = "solver::time_range::time")]
    pub delivered_at: DateTime<FixedOffset>,
    /// Trainees' scores, each 1–5; may be empty and added later.
    #[serde(default)]
    pub scores: Vec<i32>,
}

/// More scores for a record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationInput {
    /// Each 1–5; at least one.
    #[schema(min_items = 1)]
    pub scores: Vec<i32>,
    /// When they were given; defaults to the session's delivery time.
    #[serde(default, deserialize_with = "solver::time_range::optional_time")]
    pub evaluated_at: Option<DateTime<FixedOffset>>,
}

/// A stored record.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = teaching_records)]
pub struct Record {
    pub id: String,
    pub instructor_id: String,
    pub title: String,
    pub delivered_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    /// The delivered session it was made from, if it was.
    pub session_id: Option<String>,
}

/// A record with its scores.
#[derive(Debug, Clone)]
pub struct EvaluatedRecord {
    pub record: Record,
    pub scores: Vec<i32>,
    /// The class and plan of the record's session, if it was made from one.
    pub class_and_plan: Option<(String, String)>,
}

impl EvaluatedRecord {
    fn load(conn: &mut Db, record: Record) -> QueryResult<Self> {
        let scores = scores_of(conn, &record.id)?;
        let class_and_plan = match &record.session_id {
            Some(session) => sessions::table
                .inner_join(classes::table)
                .filter(sessions::id.eq(session))
                .select((classes::id, classes::plan_id))
                .first(conn)
                .optional()?,
            None => None,
        };
        Ok(Self {
            record,
            scores,
            class_and_plan,
        })
    }
}

fn score_errors(scores: &[i32], at_least_one: bool) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if at_least_one && scores.is_empty() {
        errors.push(FieldError::new("scores", "non_empty", "at least one score"));
    }
    if scores.len() > MAX_SCORES {
        errors.push(FieldError::new(
            "scores",
            "max_items",
            format!("at most {MAX_SCORES} scores per batch"),
        ));
    }
    for (k, s) in scores.iter().enumerate() {
        if !(1..=5).contains(s) {
            errors.push(FieldError::new(
                format!("scores[{k}]"),
                "score_range",
                "a score from 1 to 5",
            ));
        }
    }
    errors
}

/// Records a delivered session with its scores (evaluated at delivery).
pub fn create(
    conn: &mut Db,
    instructor: &str,
    input: &RecordInput,
) -> Result<EvaluatedRecord, AppError> {
    let now = chrono::Utc::now().naive_utc();
    let mut errors = score_errors(&input.scores, false);
    rules::text(&mut errors, "title", &input.title);
    if input.delivered_at.naive_utc() > now {
        errors.push(FieldError::new(
            "delivered_at",
            "not_future",
            "a record is of a session already delivered",
        ));
    }
    AppError::check(errors)?;
    write(conn, |conn| {
        instructors::lock(conn, instructor)?;
        let record = Record {
            id: uuid::Uuid::new_v4().to_string(),
            instructor_id: instructor.to_owned(),
            title: input.title.trim().to_owned(),
            delivered_at: input.delivered_at.naive_utc(),
            created_at: now,
            session_id: None,
        };
        diesel::insert_into(teaching_records::table)
            .values((
                teaching_records::id.eq(&record.id),
                teaching_records::instructor_id.eq(&record.instructor_id),
                teaching_records::title.eq(&record.title),
                teaching_records::delivered_at.eq(record.delivered_at),
                teaching_records::created_at.eq(record.created_at),
            ))
            .execute(conn)?;
        insert_scores(conn, &record.id, &input.scores, record.delivered_at)?;
        Ok(EvaluatedRecord {
            record,
            scores: input.scores.clone(),
            class_and_plan: None,
        })
    })
}

/// Adds a batch of scores to a record of `instructor`.
pub fn evaluate(
    conn: &mut Db,
    instructor: &str,
    record_id: &str,
    input: &EvaluationInput,
) -> Result<EvaluatedRecord, AppError> {
    let now = chrono::Utc::now().naive_utc();
    let mut errors = score_errors(&input.scores, true);
    if input.evaluated_at.is_some_and(|t| t.naive_utc() > now) {
        errors.push(FieldError::new(
            "evaluated_at",
            "not_future",
            "evaluations are of the past",
        ));
    }
    AppError::check(errors)?;
    write(conn, |conn| {
        instructors::lock(conn, instructor)?;
        let record = teaching_records::table
            .find(record_id)
            .filter(teaching_records::instructor_id.eq(instructor))
            .select(Record::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| {
                AppError::NotFound(format!("instructor {instructor} has no record {record_id}"))
            })?;
        let at = input
            .evaluated_at
            .map_or(record.delivered_at, |t| t.naive_utc());
        if at < record.delivered_at {
            return Err(AppError::field(
                "evaluated_at",
                "after_delivery",
                "a session is evaluated after it is delivered",
            ));
        }
        insert_scores(conn, &record.id, &input.scores, at)?;
        Ok(EvaluatedRecord::load(conn, record)?)
    })
}

/// Makes, once, a teaching record of every confirmed assignment (of
/// `instructor`, or of everyone) whose session has ended by `now`,
/// delivered at the session's start and titled after it; returns how many
/// were made. Replicas racing on it make each record once (a unique index).
pub fn record_delivered(
    conn: &mut Db,
    instructor: Option<&str>,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    // Mostly nothing is due: a plain read first keeps the write lock (and,
    // on SQLite, every other writer) out of the common case; the list is
    // read again under the lock, where it counts.
    if undelivered(conn, instructor, now)?.is_empty() {
        return Ok(0);
    }
    write(conn, |conn| {
        let mut made = 0;
        for (instructor, session, title, start) in undelivered(conn, instructor, now)? {
            let (_, new) = session_record(conn, &instructor, &session, &title, start, now)?;
            made += usize::from(new);
        }
        Ok(made)
    })
}

/// The id of `instructor`'s record of `session`, made (delivered at the
/// session's `start`, titled after it) when there is none yet, and whether
/// it was made now. Replicas racing on it make one (a unique index).
pub fn session_record(
    conn: &mut Db,
    instructor: &str,
    session: &str,
    title: &str,
    start: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<(String, bool)> {
    let existing = || {
        teaching_records::table
            .filter(teaching_records::session_id.eq(session))
            .filter(teaching_records::instructor_id.eq(instructor))
            .select(teaching_records::id)
    };
    if let Some(id) = existing().first::<String>(conn).optional()? {
        return Ok((id, false));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let inserted = conn.transaction(|conn| {
        diesel::insert_into(teaching_records::table)
            .values((
                teaching_records::id.eq(&id),
                teaching_records::instructor_id.eq(instructor),
                teaching_records::title.eq(title),
                teaching_records::delivered_at.eq(start),
                teaching_records::created_at.eq(now),
                teaching_records::session_id.eq(Some(session)),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok((id, true)),
        // Another replica recorded it first.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok((existing().first(conn)?, false)),
        Err(e) => Err(e),
    }
}

/// Confirmed assignments of sessions ended by `now` that have no record yet:
/// instructor, session, its title and start.
fn undelivered(
    conn: &mut Db,
    instructor: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<Vec<(String, String, String, NaiveDateTime)>> {
    let mut due = assignments::table
        .inner_join(sessions::table)
        .filter(assignments::state.eq(AssignmentState::Confirmed))
        .filter(sessions::end_at.le(now))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            teaching_records::table
                .filter(teaching_records::session_id.eq(assignments::session_id.nullable()))
                .filter(teaching_records::instructor_id.eq(assignments::instructor_id)),
        )))
        .select((
            assignments::instructor_id,
            assignments::session_id,
            sessions::title,
            sessions::start_at,
        ))
        .into_boxed();
    if let Some(instructor) = instructor {
        due = due.filter(assignments::instructor_id.eq(instructor.to_owned()));
    }
    due.load(conn)
}

/// An instructor's records, newest first, with their scores; their
/// delivered sessions are recorded first.
pub fn list(conn: &mut Db, instructor: &str) -> Result<Vec<EvaluatedRecord>, AppError> {
    instructors::exists(conn, instructor)?;
    record_delivered(conn, Some(instructor), chrono::Utc::now().naive_utc())?;
    let records = teaching_records::table
        .filter(teaching_records::instructor_id.eq(instructor))
        .order((teaching_records::delivered_at.desc(), teaching_records::id))
        .select(Record::as_select())
        .load(conn)?;
    records
        .into_iter()
        .map(|record| Ok(EvaluatedRecord::load(conn, record)?))
        .collect()
}

/// A record's scores, lowest first: never in the order they were given.
fn scores_of(conn: &mut Db, record: &str) -> QueryResult<Vec<i32>> {
    evaluations::table
        .filter(evaluations::record_id.eq(record))
        .order(evaluations::score)
        .select(evaluations::score)
        .load(conn)
}

/// Writes a record's evaluations again, in a random order with new random
/// ids, so that neither their physical order nor their ids (nor, on
/// PostgreSQL, the transaction that wrote each) follow the order they were
/// given in. Ratings read only the scores and their times, which stay.
pub fn reshuffle(conn: &mut Db, record: &str) -> QueryResult<()> {
    use rand::seq::SliceRandom;
    let mut rows: Vec<(i32, NaiveDateTime)> = evaluations::table
        .filter(evaluations::record_id.eq(record))
        .select((evaluations::score, evaluations::evaluated_at))
        .load(conn)?;
    rows.shuffle(&mut rand::rng());
    diesel::delete(evaluations::table.filter(evaluations::record_id.eq(record))).execute(conn)?;
    for (score, at) in rows {
        diesel::insert_into(evaluations::table)
            .values((
                evaluations::id.eq(uuid::Uuid::new_v4().to_string()),
                evaluations::record_id.eq(record),
                evaluations::score.eq(score),
                evaluations::evaluated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Adds `scores`, each given at `at`, to a record.
pub fn insert_scores(
    conn: &mut Db,
    record: &str,
    scores: &[i32],
    at: NaiveDateTime,
) -> QueryResult<()> {
    for score in scores {
        diesel::insert_into(evaluations::table)
            .values((
                evaluations::id.eq(uuid::Uuid::new_v4().to_string()),
                evaluations::record_id.eq(record),
                evaluations::score.eq(score),
                evaluations::evaluated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}
