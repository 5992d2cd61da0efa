//! Assignments: planners list, lock, unlock and confirm them; instructors
//! see their own, decline with a reason, and import their confirmed sessions
//! into a calendar (iCalendar).

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, EventLike};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::JsonBody;
use crate::auth::{Caller, Planner, Reader};
use crate::error::AppError;
use crate::problem_details::ProblemDetails;
use crate::store::assignments::{self, AssignmentFilter, Change, Listed};
use crate::store::{self, DbPool};

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentView {
    pub id: String,
    pub session: String,
    pub session_title: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub remote: bool,
    pub class: String,
    pub class_name: String,
    pub city: String,
    pub plan: String,
    pub instructor: String,
    pub instructor_name: String,
    /// `proposed`, `confirmed` or `declined`.
    pub state: String,
    /// A locked assignment is a pin for the next staffing run.
    pub locked: bool,
    /// The staffing run that proposed it.
    pub run: Option<String>,
    pub decline_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl From<Listed> for AssignmentView {
    fn from(a: Listed) -> Self {
        Self {
            id: a.id,
            session: a.session_id,
            session_title: a.session_title,
            start: a.start_at.and_utc(),
            end: a.end_at.and_utc(),
            remote: a.remote,
            class: a.class_id,
            class_name: a.class_name,
            city: a.city,
            plan: a.plan_id,
            instructor: a.instructor_id,
            instructor_name: a.instructor_name,
            state: a.state,
            locked: a.locked,
            run: a.run_id,
            decline_reason: a.decline_reason,
            updated_at: a.updated_at.and_utc(),
        }
    }
}

fn views(found: Vec<Listed>) -> web::Json<Vec<AssignmentView>> {
    web::Json(found.into_iter().map(AssignmentView::from).collect())
}

/// Assignments, filtered by plan, class, session, instructor or state.
#[utoipa::path(tag = "assignments", params(AssignmentFilter),
    responses((status = 200, body = Vec<AssignmentView>),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/assignments")]
pub async fn list(
    _caller: Reader,
    pool: web::Data<DbPool>,
    filter: web::Query<AssignmentFilter>,
) -> Result<web::Json<Vec<AssignmentView>>, AppError> {
    let filter = filter.into_inner();
    Ok(views(
        store::run(&pool, move |conn| assignments::list(conn, &filter)).await?,
    ))
}

async fn change(
    pool: web::Data<DbPool>,
    id: String,
    what: Change,
) -> Result<web::Json<AssignmentView>, AppError> {
    let changed = store::run(&pool, move |conn| assignments::change(conn, &id, what)).await?;
    Ok(web::Json(changed.into()))
}

/// Lock an assignment: the next staffing run keeps it (a pin).
#[utoipa::path(tag = "assignments", params(("id" = String, Path)),
    responses((status = 200, body = AssignmentView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/assignments/{id}/lock")]
pub async fn lock(
    _caller: Planner,
    pool: web::Data<DbPool>,
    id: web::Path<String>,
) -> Result<web::Json<AssignmentView>, AppError> {
    change(pool, id.into_inner(), Change::Lock).await
}

/// Unlock an assignment.
#[utoipa::path(tag = "assignments", params(("id" = String, Path)),
    responses((status = 200, body = AssignmentView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/assignments/{id}/unlock")]
pub async fn unlock(
    _caller: Planner,
    pool: web::Data<DbPool>,
    id: web::Path<String>,
) -> Result<web::Json<AssignmentView>, AppError> {
    change(pool, id.into_inner(), Change::Unlock).await
}

/// Confirm an assignment: the instructor is booked.
#[utoipa::path(tag = "assignments", params(("id" = String, Path)),
    responses((status = 200, body = AssignmentView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/assignments/{id}/confirm")]
pub async fn confirm(
    _caller: Planner,
    pool: web::Data<DbPool>,
    id: web::Path<String>,
) -> Result<web::Json<AssignmentView>, AppError> {
    change(pool, id.into_inner(), Change::Confirm).await
}

/// The caller's own assignments (instructor accounts).
#[utoipa::path(tag = "me",
    responses((status = 200, body = Vec<AssignmentView>),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/me/assignments")]
pub async fn own(
    caller: Caller,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Vec<AssignmentView>>, AppError> {
    let filter = AssignmentFilter {
        instructor: Some(caller.own_instructor()?.to_owned()),
        ..AssignmentFilter::default()
    };
    Ok(views(
        store::run(&pool, move |conn| assignments::list(conn, &filter)).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decline {
    /// Why, for the planner (1–500 characters).
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Decline one of the caller's assignments; the slot is free for the next run.
#[utoipa::path(tag = "me", params(("id" = String, Path)), request_body = Decline,
    responses((status = 200, body = AssignmentView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/me/assignments/{id}/decline")]
pub async fn decline(
    caller: Caller,
    pool: web::Data<DbPool>,
    id: web::Path<String>,
    JsonBody(body): JsonBody<Decline>,
) -> Result<web::Json<AssignmentView>, AppError> {
    let me = caller.own_instructor()?.to_owned();
    let declined = store::run(&pool, move |conn| {
        assignments::decline(conn, &id, &me, &body.reason)
    })
    .await?;
    Ok(web::Json(declined.into()))
}

/// The caller's confirmed sessions as an iCalendar file (RFC 5545).
#[utoipa::path(tag = "me",
    responses((status = 200, content_type = "text/calendar", body = String),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/me/assignments.ics")]
pub async fn calendar(caller: Caller, pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    let filter = AssignmentFilter {
        instructor: Some(caller.own_instructor()?.to_owned()),
        state: Some("confirmed".to_owned()),
        ..AssignmentFilter::default()
    };
    let confirmed = store::run(&pool, move |conn| assignments::list(conn, &filter)).await?;
    let mut calendar = Calendar::new();
    calendar.name("师资库 授课安排");
    for a in confirmed {
        let place = if a.remote {
            format!("{}（视频授课）", a.city)
        } else {
            a.city.clone()
        };
        calendar.push(
            icalendar::Event::new()
                .uid(&format!("{}@faculty-pool", a.id))
                .summary(&a.session_title)
                .description(&a.class_name)
                .location(&place)
                .starts(a.start_at.and_utc())
                .ends(a.end_at.and_utc())
                .done(),
        );
    }
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            "content-disposition",
            "attachment; filename=\"assignments.ics\"",
        ))
        .body(calendar.done().to_string()))
}
