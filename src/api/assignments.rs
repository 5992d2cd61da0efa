//! Assignments: planners list, lock, unlock and confirm them and put an
//! instructor in by hand; instructors see their own, accept or decline them,
//! and import their confirmed sessions into a calendar (iCalendar), with a
//! bearer token or through a secret feed URL a calendar application can
//! subscribe to.

use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, EventLike};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::reach::{Assignment, InReach, ToChange};
use crate::auth::{Caller, Planner, Reader};
use crate::error::AppError;
use crate::http::json::JsonBody;
use crate::http::query::QueryParams;
use crate::problem_details::ProblemDetails;
use crate::staffing::assign;
use crate::staffing::class_limit::Warning;
use crate::staffing::recommend::PoolCache;
use crate::staffing::runs::WorkerConfig;
use crate::store::assignments::{self, AssignmentFilter, Change, Listed};
use crate::store::{self, users, Db, DbPool};
use crate::vocabulary::{AssignmentState, InstructorKind};

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
    /// What counts toward a class's cadre share.
    pub instructor_kind: InstructorKind,
    /// The office that keeps the instructor: another office's than the
    /// plan's for one borrowed from another pool.
    pub instructor_office: String,
    pub instructor_office_name: String,
    pub state: AssignmentState,
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
            instructor_kind: a.instructor_kind,
            instructor_office: a.instructor_office,
            instructor_office_name: a.instructor_office_name,
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

/// Assignments of the plans the caller reads, filtered by plan, class,
/// session, instructor or state.
#[utoipa::path(tag = "assignments", params(AssignmentFilter),
    responses((status = 200, body = Vec<AssignmentView>),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/assignments")]
pub async fn list(
    caller: Reader,
    pool: web::Data<DbPool>,
    filter: QueryParams<AssignmentFilter>,
) -> Result<web::Json<Vec<AssignmentView>>, AppError> {
    let (filter, office) = (filter.0, caller.office_id.clone());
    Ok(views(
        store::run(&pool, move |conn| {
            assignments::list_within(conn, &office, &filter)
        })
        .await?,
    ))
}

/// A planner's assignment by hand.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualAssignment {
    pub session: String,
    pub instructor: String,
    /// The assignment of the session this one takes the place of (removed
    /// in the same transaction), when the session holds all it needs.
    #[serde(default)]
    pub replace: Option<String>,
}

/// The assignment made by hand, and what the planner should know of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ManualAssignmentView {
    #[serde(flatten)]
    pub assignment: AssignmentView,
    /// `max_sessions_per_class` when the instructor now holds more sessions
    /// of the class than the plan's last run allowed.
    pub warnings: Vec<Warning>,
}

/// Put an instructor into a session by hand. The assignment is locked, so
/// the next staffing run keeps it; 422 at `instructor` naming every rule the
/// instructor fails (not eligible, unavailable or busy, over capacity), 409
/// when the session holds all it needs already (proposals count: name one
/// in `replace` to take its place). With a
/// routing provider, the road to an in-person session is measured first
/// where no run has (the great circle stands in if the provider fails).
#[utoipa::path(tag = "assignments", request_body = ManualAssignment,
    responses((status = 201, body = ManualAssignmentView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/assignments")]
pub async fn create(
    caller: Planner,
    pool: web::Data<DbPool>,
    cache: web::Data<PoolCache>,
    config: web::Data<WorkerConfig>,
    JsonBody(body): JsonBody<ManualAssignment>,
) -> Result<HttpResponse, AppError> {
    let office = caller.office_id.clone();
    if let Some(routing) = config.routing.clone() {
        let (pool, office, session, instructor) = (
            pool.clone(),
            office.clone(),
            body.session.clone(),
            body.instructor.clone(),
        );
        web::block(move || assign::measure_road(&pool, &routing, &office, &session, &instructor))
            .await??;
    }
    let made = store::run(&pool, move |conn| {
        assign::assign(
            conn,
            &cache,
            &office,
            &body.session,
            &body.instructor,
            body.replace.as_deref(),
        )
    })
    .await?;
    let (assignment, warnings) = made;
    Ok(HttpResponse::Created().json(ManualAssignmentView {
        assignment: assignment.into(),
        warnings,
    }))
}

async fn change(
    pool: web::Data<DbPool>,
    id: String,
    what: Change,
    instructor: Option<String>,
) -> Result<web::Json<AssignmentView>, AppError> {
    let changed = store::run(&pool, move |conn| {
        assignments::change(conn, &id, what, instructor.as_deref())
    })
    .await?;
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
    target: InReach<Assignment, ToChange>,
) -> Result<web::Json<AssignmentView>, AppError> {
    let id = target.id().to_owned();
    change(pool, id, Change::Lock, None).await
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
    target: InReach<Assignment, ToChange>,
) -> Result<web::Json<AssignmentView>, AppError> {
    let id = target.id().to_owned();
    change(pool, id, Change::Unlock, None).await
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
    target: InReach<Assignment, ToChange>,
) -> Result<web::Json<AssignmentView>, AppError> {
    let id = target.id().to_owned();
    change(pool, id, Change::Confirm, None).await
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

/// Accept one of the caller's proposed assignments: it becomes confirmed.
#[utoipa::path(tag = "me", params(("id" = String, Path)),
    responses((status = 200, body = AssignmentView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/me/assignments/{id}/accept")]
pub async fn accept(
    caller: Caller,
    pool: web::Data<DbPool>,
    id: web::Path<String>,
) -> Result<web::Json<AssignmentView>, AppError> {
    let me = caller.own_instructor()?.to_owned();
    change(pool, id.into_inner(), Change::Confirm, Some(me)).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decline {
    /// Why, for the planner (1–500 characters).
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Decline one of the caller's assignments; the slot is free for the next run.
/// 409 once its session has started (a session under way or held stays).
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
    let me = caller.own_instructor()?.to_owned();
    let confirmed = store::run(&pool, move |conn| confirmed_of(conn, &me)).await?;
    Ok(ics(confirmed))
}

fn confirmed_of(conn: &mut Db, instructor: &str) -> Result<Vec<Listed>, AppError> {
    let filter = AssignmentFilter {
        instructor: Some(instructor.to_owned()),
        state: Some(AssignmentState::Confirmed),
        ..AssignmentFilter::default()
    };
    assignments::list(conn, &filter)
}

fn ics(confirmed: Vec<Listed>) -> HttpResponse {
    let mut ical = Calendar::new();
    ical.name("师资库 授课安排");
    for a in confirmed {
        let place = if a.remote {
            format!("{}（视频授课）", a.city)
        } else {
            a.city.clone()
        };
        ical.push(
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
    HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            "content-disposition",
            "attachment; filename=\"assignments.ics\"",
        ))
        .body(ical.done().to_string())
}

/// A calendar feed: the secret URL a calendar application subscribes to.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarFeed {
    /// The path of the feed, with its secret; shown once, only a digest is kept.
    pub path: String,
}

/// Make (or replace) the caller's calendar feed: a secret URL that serves
/// their confirmed sessions without a bearer token. Any earlier URL stops
/// working.
#[utoipa::path(tag = "me",
    responses((status = 201, body = CalendarFeed),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/me/calendar-feed")]
pub async fn create_feed(
    caller: Caller,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, AppError> {
    caller.own_instructor()?;
    let secret: String = {
        use rand::Rng;
        let bytes: [u8; 32] = rand::rng().random();
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    };
    let (user, digest) = (caller.user_id.clone(), feed_digest(&secret));
    store::run(&pool, move |conn| {
        users::set_calendar_feed(conn, &user, Some(&digest))
    })
    .await?;
    Ok(HttpResponse::Created().json(CalendarFeed {
        path: format!("/api/v1/calendar-feeds/{secret}"),
    }))
}

/// Revoke the caller's calendar feed.
#[utoipa::path(tag = "me",
    responses((status = 204),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/api/v1/me/calendar-feed")]
pub async fn revoke_feed(
    caller: Caller,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, AppError> {
    caller.own_instructor()?;
    let user = caller.user_id.clone();
    store::run(&pool, move |conn| {
        users::set_calendar_feed(conn, &user, None)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An instructor's confirmed sessions through their secret feed URL (no
/// bearer token: calendar applications cannot send one). 404 for an unknown
/// or revoked secret, or a disabled account.
#[utoipa::path(tag = "me", params(("secret" = String, Path)),
    responses((status = 200, content_type = "text/calendar", body = String),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")))]
#[get("/api/v1/calendar-feeds/{secret}")]
pub async fn feed(
    pool: web::Data<DbPool>,
    secret: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let digest = feed_digest(&secret);
    let confirmed = store::run(&pool, move |conn| {
        let unknown = || AppError::NotFound("no such calendar feed".to_owned());
        let (user, instructor_active) =
            users::by_calendar_feed(conn, &digest)?.ok_or_else(unknown)?;
        let instructor = match (user.may_act(instructor_active), &user.instructor_id) {
            (Some(_), Some(instructor)) => instructor.clone(),
            _ => return Err(unknown()),
        };
        confirmed_of(conn, &instructor)
    })
    .await?;
    Ok(ics(confirmed))
}

fn feed_digest(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
