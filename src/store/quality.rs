//! Teaching-quality tracking (跟踪评价): what trainees' evaluations say of a
//! plan's sessions and instructors, and of one instructor over time.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::names::Names;
use super::plans::SessionRow;
use super::schema::{
    classes, evaluation_codes, evaluation_forms, evaluation_responses, evaluations, sessions,
    teaching_records,
};
use super::{chunked, instructors, plans, teaching, Db};
use crate::error::AppError;
use crate::rating::{self, Rating};

/// A rating change over the window smaller than this is `steady`.
const STEADY_WITHIN: f64 = 0.01;

/// The fewest answers a result is shown for (SPEC 11): with fewer, whoever
/// knows who answered could read their scores. A session's or an
/// instructor-in-session's mean, scores and comments wait until then; the
/// count of answers is always shown.
pub const MIN_TO_SHOW: usize = 3;

/// Evaluations of one instructor, and their plain mean.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstructorScores {
    pub instructor: String,
    pub name: String,
    /// Sessions of theirs with at least one evaluation.
    pub sessions: usize,
    pub evaluation_count: usize,
    /// None until at least 3 evaluations are in (`shown`).
    pub mean_score: Option<f64>,
    /// Whether enough evaluations are in for the mean to be shown.
    pub shown: bool,
}

/// What trainees said of one session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionQuality {
    pub session: String,
    pub title: String,
    pub class: String,
    pub class_name: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Codes issued (none without an evaluation form).
    pub trainees: Option<i64>,
    /// Forms submitted.
    pub responses: i64,
    /// `responses / trainees`, in [0, 1].
    pub response_rate: Option<f64>,
    /// Each instructor's scores in this session.
    pub instructors: Vec<InstructorScores>,
    /// Whether the session's results are shown: at least 3 responses (and
    /// 3 evaluations of each instructor) are in. Until then only the counts
    /// are, and every mean below is none.
    pub shown: bool,
    /// The plain mean of every instructor score in this session.
    pub mean_score: Option<f64>,
    /// Means of the optional aspects: content, method, usefulness.
    pub content: Option<f64>,
    pub method: Option<f64>,
    pub usefulness: Option<f64>,
    /// Whether `mean_score` is below the threshold asked for.
    pub below_threshold: bool,
}

/// A trainee's comment, anonymous: listed by session and text, never in
/// the order given, and only once the session shows its results.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Comment {
    pub session: String,
    pub session_title: String,
    /// The day it was given (China Standard Time).
    pub date: NaiveDate,
    pub text: String,
}

/// A plan's (or one class's) teaching quality.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanQuality {
    pub plan: String,
    pub plan_name: String,
    pub threshold: f64,
    /// Sessions with an evaluation form or evaluations, in time order.
    pub sessions: Vec<SessionQuality>,
    /// Every instructor evaluated in the sessions shown, best mean first.
    pub instructors: Vec<InstructorScores>,
    pub comments: Vec<Comment>,
}

/// Which way an instructor's rating went over the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Rising,
    Steady,
    Falling,
}

/// The rating's change from the first month's end to the last.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Trend {
    /// Last rating minus first, on the 0–1 scale.
    pub change: f64,
    /// `steady` within ±0.01.
    pub direction: Direction,
}

/// The rating as of one month's end.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatingPoint {
    /// `YYYY-MM`.
    pub month: String,
    /// The month's end (00:00 UTC on the first of the next), or `until` for the last.
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub rating: Rating,
}

/// One evaluated session of an instructor.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvaluatedSession {
    pub session: String,
    pub title: String,
    pub class: String,
    pub class_name: String,
    pub plan: String,
    pub delivered_at: DateTime<Utc>,
    pub evaluation_count: usize,
    /// None until at least 3 evaluations are in.
    pub mean_score: Option<f64>,
}

/// One instructor's teaching quality over time.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstructorQuality {
    pub instructor: String,
    pub name: String,
    /// The rating now (or at `until`).
    pub rating: Rating,
    pub trend: Trend,
    /// The rating at each month's end, oldest first.
    pub months: Vec<RatingPoint>,
    /// Their delivered sessions with evaluations, newest first.
    pub sessions: Vec<EvaluatedSession>,
    /// Trainees' comments on those sessions (shown ones), newest session
    /// first.
    pub comments: Vec<Comment>,
}

/// The rating at each of `months` month ends up to `until`.
pub fn rating_history(
    conn: &mut Db,
    id: &str,
    months: u32,
    until: NaiveDateTime,
) -> Result<Vec<RatingPoint>, AppError> {
    instructors::exists(conn, id)?;
    let scores = super::ratings::scores(conn, id)?;
    Ok(rating::month_ends(until, months)
        .into_iter()
        .map(|(month, end)| RatingPoint {
            month,
            at: end.and_utc(),
            rating: rating::rate(scores.iter().copied(), end),
        })
        .collect())
}

/// One instructor's quality over `months` months up to `until`.
pub fn of_instructor(
    conn: &mut Db,
    id: &str,
    months: u32,
    until: NaiveDateTime,
) -> Result<InstructorQuality, AppError> {
    let points = rating_history(conn, id, months, until)?;
    let records = teaching::list(conn, id)?;
    let of_sessions: Vec<_> = records
        .iter()
        .filter(|r| r.record.delivered_at <= until && !r.scores.is_empty())
        .filter_map(|r| Some((r.record.session_id.clone()?, r)))
        .collect();
    let session_ids: Vec<String> = of_sessions.iter().map(|(s, _)| s.clone()).collect();
    let class_ids: Vec<&str> = of_sessions
        .iter()
        .filter_map(|(_, r)| r.class_and_plan.as_ref().map(|(c, _)| c.as_str()))
        .collect();
    let names = Names::load(conn, [id], [], class_ids)?;
    let sessions = of_sessions
        .iter()
        .filter_map(|(session, r)| {
            let (class, plan) = r.class_and_plan.clone()?;
            Some(EvaluatedSession {
                session: session.clone(),
                title: r.record.title.clone(),
                class_name: names.class(&class).to_owned(),
                class,
                plan,
                delivered_at: r.record.delivered_at.and_utc(),
                evaluation_count: r.scores.len(),
                mean_score: shown_mean(r.scores.iter().copied()),
            })
        })
        .collect();
    let shown: Vec<String> = shown_sessions(conn, &session_ids)?;
    let mut comments = comments_of(conn, &shown)?;
    // Newest session first, as the sessions are.
    let order: Vec<&String> = session_ids.iter().collect();
    comments.sort_by_key(|c| order.iter().position(|s| **s == c.session));
    let first = points.first().map_or(0.0, |p| p.rating.rating);
    let last = points.last().map_or(0.0, |p| p.rating.rating);
    Ok(InstructorQuality {
        instructor: id.to_owned(),
        name: names.instructor(id).to_owned(),
        rating: points
            .last()
            .map_or_else(|| rating::rate([], until), |p| p.rating.clone()),
        trend: trend(last - first),
        months: points,
        sessions,
        comments,
    })
}

fn trend(change: f64) -> Trend {
    let direction = if change >= STEADY_WITHIN {
        Direction::Rising
    } else if change <= -STEADY_WITHIN {
        Direction::Falling
    } else {
        Direction::Steady
    };
    Trend { change, direction }
}

/// A plan's quality, or one class's of it; sessions whose mean score is
/// below `threshold` are marked.
pub fn of_plan(
    conn: &mut Db,
    plan_id: &str,
    class: Option<&str>,
    threshold: f64,
) -> Result<PlanQuality, AppError> {
    let plan = plans::plan(conn, plan_id)?;
    let mut query = sessions::table
        .inner_join(classes::table)
        .filter(classes::plan_id.eq(plan_id))
        .order((sessions::start_at, sessions::id))
        .select((SessionRow::as_select(), classes::name))
        .into_boxed();
    if let Some(class) = class {
        query = query.filter(classes::id.eq(class.to_owned()));
    }
    let rows: Vec<(SessionRow, String)> = query.load(conn)?;
    let ids: Vec<&str> = rows.iter().map(|(s, _)| s.id.as_str()).collect();
    let issued: HashMap<String, i64> = chunked(&ids, |chunk| {
        evaluation_codes::table
            .inner_join(evaluation_forms::table)
            .filter(evaluation_forms::session_id.eq_any(chunk))
            .group_by(evaluation_codes::session_id)
            .select((evaluation_codes::session_id, diesel::dsl::count_star()))
            .load::<(String, i64)>(conn)
    })?
    .into_iter()
    .collect();
    let scores: Vec<(String, String, i32)> = chunked(&ids, |chunk| {
        evaluations::table
            .inner_join(teaching_records::table)
            .filter(teaching_records::session_id.eq_any(chunk))
            .select((
                teaching_records::session_id.assume_not_null(),
                teaching_records::instructor_id,
                evaluations::score,
            ))
            .load(conn)
    })?;
    let responses: Vec<Response> = chunked(&ids, |chunk| {
        evaluation_responses::table
            .filter(evaluation_responses::session_id.eq_any(chunk))
            .select(Response::as_select())
            .load(conn)
    })?;
    let names = Names::load(conn, scores.iter().map(|(_, i, _)| i.as_str()), [], [])?;

    let mut sessions = Vec::new();
    for (row, class_name) in &rows {
        let here: Vec<&(String, String, i32)> =
            scores.iter().filter(|(s, _, _)| *s == row.id).collect();
        let answers: Vec<&Response> = responses
            .iter()
            .filter(|r| r.session_id == row.id)
            .collect();
        let trainees = issued.get(&row.id).copied();
        if trainees.is_none() && here.is_empty() {
            continue;
        }
        let responses = answers.len() as i64;
        let instructors = by_instructor(here.iter().copied(), &names);
        // With a form, its responses count; scores entered by hand count
        // per instructor.
        let shown =
            (trainees.is_none() || enough(answers.len())) && instructors.iter().all(|i| i.shown);
        let when_shown = |m: Option<f64>| m.filter(|_| shown);
        let mean_score = when_shown(mean(here.iter().map(|(_, _, s)| *s)));
        sessions.push(SessionQuality {
            session: row.id.clone(),
            title: row.title.clone(),
            class: row.class_id.clone(),
            class_name: class_name.clone(),
            start: row.start_at.and_utc(),
            end: row.end_at.and_utc(),
            trainees,
            responses,
            response_rate: trainees
                .filter(|&n| n > 0)
                .map(|n| responses as f64 / n as f64),
            instructors,
            shown,
            mean_score,
            content: when_shown(mean(answers.iter().filter_map(|r| r.content))),
            method: when_shown(mean(answers.iter().filter_map(|r| r.method))),
            usefulness: when_shown(mean(answers.iter().filter_map(|r| r.usefulness))),
            below_threshold: mean_score.is_some_and(|m| m < threshold),
        });
    }
    let kept: Vec<String> = sessions
        .iter()
        .filter(|s| s.shown)
        .map(|s| s.session.clone())
        .collect();
    // Over the plan, only the sessions that show their results: a hidden
    // one's scores would follow from the sum less the shown ones'.
    let mut instructors = by_instructor(scores.iter().filter(|(s, _, _)| kept.contains(s)), &names);
    instructors.sort_by(|a, b| {
        b.mean_score
            .partial_cmp(&a.mean_score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(PlanQuality {
        plan: plan.id,
        plan_name: plan.name,
        threshold,
        sessions,
        instructors,
        comments: comments_of(conn, &kept)?,
    })
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = evaluation_responses)]
struct Response {
    session_id: String,
    content: Option<i32>,
    method: Option<i32>,
    usefulness: Option<i32>,
}

/// Per-instructor counts and means of `(session, instructor, score)` rows,
/// by name.
fn by_instructor<'a>(
    rows: impl Iterator<Item = &'a (String, String, i32)>,
    names: &Names,
) -> Vec<InstructorScores> {
    let mut seen: BTreeMap<&str, (Vec<&str>, Vec<i32>)> = BTreeMap::new();
    for (session, instructor, score) in rows {
        let (sessions, scores) = seen.entry(instructor.as_str()).or_default();
        if !sessions.contains(&session.as_str()) {
            sessions.push(session.as_str());
        }
        scores.push(*score);
    }
    let mut grouped: Vec<InstructorScores> = seen
        .into_iter()
        .map(|(id, (sessions, scores))| InstructorScores {
            instructor: id.to_owned(),
            name: names.instructor(id).to_owned(),
            sessions: sessions.len(),
            evaluation_count: scores.len(),
            shown: enough(scores.len()),
            mean_score: shown_mean(scores.into_iter()),
        })
        .collect();
    grouped.sort_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then_with(|| a.instructor.cmp(&b.instructor))
    });
    grouped
}

/// Whether `count` answers are enough for a result to be shown.
fn enough(count: usize) -> bool {
    count >= MIN_TO_SHOW
}

/// The mean of `scores`, once there are enough of them to show it.
fn shown_mean(scores: impl Iterator<Item = i32>) -> Option<f64> {
    let scores: Vec<i32> = scores.collect();
    mean(scores.iter().copied()).filter(|_| enough(scores.len()))
}

/// Those of `session_ids` whose results are shown: with an evaluation form,
/// at least 3 responses; without one (scores entered by hand), at least 3
/// evaluations of each instructor.
fn shown_sessions(conn: &mut Db, session_ids: &[String]) -> Result<Vec<String>, AppError> {
    let ids: Vec<&str> = session_ids.iter().map(String::as_str).collect();
    let responses: HashMap<String, i64> = chunked(&ids, |chunk| {
        evaluation_responses::table
            .filter(evaluation_responses::session_id.eq_any(chunk))
            .group_by(evaluation_responses::session_id)
            .select((evaluation_responses::session_id, diesel::dsl::count_star()))
            .load::<(String, i64)>(conn)
    })?
    .into_iter()
    .collect();
    Ok(session_ids
        .iter()
        .filter(|s| responses.get(*s).is_some_and(|&n| enough(n as usize)))
        .cloned()
        .collect())
}

/// The comments on these sessions, by session and then by text: never in
/// the order they were given.
fn comments_of(conn: &mut Db, session_ids: &[String]) -> Result<Vec<Comment>, AppError> {
    let ids: Vec<&str> = session_ids.iter().map(String::as_str).collect();
    let rows: Vec<(String, String, NaiveDateTime, Option<String>)> = chunked(&ids, |chunk| {
        evaluation_responses::table
            .inner_join(evaluation_forms::table.inner_join(sessions::table))
            .filter(evaluation_responses::session_id.eq_any(chunk))
            .filter(evaluation_responses::comment.is_not_null())
            .select((
                evaluation_responses::session_id,
                sessions::title,
                evaluation_responses::submitted_at,
                evaluation_responses::comment,
            ))
            .load(conn)
    })?;
    let mut comments: Vec<Comment> = rows
        .into_iter()
        .filter_map(|(session, session_title, at, text)| {
            Some(Comment {
                session,
                session_title,
                date: crate::china_time::date(at),
                text: text?,
            })
        })
        .collect();
    let order: HashMap<&str, usize> = ids.iter().enumerate().map(|(k, s)| (*s, k)).collect();
    comments.sort_by(|a, b| {
        let at = |c: &Comment| order.get(c.session.as_str()).copied().unwrap_or(usize::MAX);
        at(a).cmp(&at(b)).then_with(|| a.text.cmp(&b.text))
    });
    Ok(comments)
}

fn mean(scores: impl Iterator<Item = i32>) -> Option<f64> {
    let (n, sum) = scores.fold((0usize, 0i64), |(n, sum), s| (n + 1, sum + i64::from(s)));
    (n > 0).then(|| sum as f64 / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trends_are_steady_within_a_hundredth() {
        assert_eq!(trend(0.0099).direction, Direction::Steady);
        assert_eq!(trend(0.01).direction, Direction::Rising);
        assert_eq!(trend(-0.02).direction, Direction::Falling);
    }

    #[test]
    fn scores_group_by_instructor() {
        let rows = [
            ("s1".to_owned(), "b".to_owned(), 4),
            ("s1".to_owned(), "a".to_owned(), 5),
            ("s2".to_owned(), "b".to_owned(), 2),
            ("s2".to_owned(), "b".to_owned(), 3),
        ];
        let grouped = by_instructor(rows.iter(), &Names::default());
        assert_eq!(grouped[1].instructor, "b");
        assert_eq!((grouped[1].sessions, grouped[1].evaluation_count), (2, 3));
        assert_eq!(grouped[1].mean_score, Some(3.0));
        assert!(grouped[1].shown);
        // One evaluation is no mean to show.
        assert_eq!((grouped[0].mean_score, grouped[0].shown), (None, false));
    }
}
