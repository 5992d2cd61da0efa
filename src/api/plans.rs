//! `/api/v1/plans`, `/classes`, `/sessions`: the yearly training plan.

use actix_web::{delete, get, post, put, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::reach::{Class, InReach, Plan, Session, ToChange};
use crate::auth::{Planner, Reader};
use crate::error::AppError;
use crate::http::json::JsonBody;
use crate::http::query::QueryParams;
use crate::problem_details::ProblemDetails;
use crate::sheets::export::{Download, ExportAs};
use crate::sheets::staffed_plan;
use crate::staffing::recommend::PoolCache;
use crate::store::assignments::{self, AssignmentFilter};
use crate::store::plans::{
    self, ClassDetail, ClassInput, ClassRow, PlanInput, PlanRow, SessionDetail, SessionInput,
};
use crate::store::{self, instructors, DbPool};
use crate::vocabulary::{ClassKind, Named, Tier};

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    pub id: String,
    pub name: String,
    pub year: i32,
    pub tier: String,
    pub tier_name: Option<&'static str>,
    /// The user who made the plan.
    pub owner: String,
    /// The office whose plan it is: its planners change and staff it, the
    /// offices above it read it.
    pub office: String,
    pub created_at: DateTime<Utc>,
    /// With `GET /plans/{id}`: the classes and their sessions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<ClassView>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClassView {
    pub id: String,
    pub plan: String,
    pub name: String,
    pub kind: ClassKind,
    pub kind_name: &'static str,
    pub city: String,
    pub lat: f64,
    pub lon: f64,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub min_cadre_share: f64,
    /// `min_cadre_share` times the places of its sessions (the sum of their
    /// `needed`): fewer places held by cadres is a shortfall (SPEC 5.4).
    pub cadres_required: f64,
    pub sessions: Vec<SessionView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub id: String,
    pub class: String,
    pub title: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub remote: bool,
    pub method: Option<String>,
    pub needed: i32,
    pub topics: Vec<RequirementView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequirementView {
    pub topic: String,
    pub name: String,
    pub min_level: i32,
}

impl PlanView {
    fn new(row: PlanRow, classes: Option<Vec<ClassDetail>>) -> Self {
        Self {
            tier_name: Tier::from_code(&row.tier).map(Tier::name_zh),
            id: row.id,
            name: row.name,
            year: row.year,
            tier: row.tier,
            owner: row.owner_id,
            office: row.office_id,
            created_at: row.created_at.and_utc(),
            classes: classes.map(|c| c.into_iter().map(ClassView::from).collect()),
        }
    }
}

impl ClassView {
    fn new(row: ClassRow, sessions: Vec<SessionDetail>) -> Self {
        Self {
            kind_name: row.kind.name_zh(),
            id: row.id,
            plan: row.plan_id,
            name: row.name,
            kind: row.kind,
            city: row.city,
            lat: row.lat,
            lon: row.lon,
            start_date: row.start_date,
            end_date: row.end_date,
            min_cadre_share: row.min_cadre_share,
            cadres_required: solver::cadres_required(
                row.min_cadre_share,
                sessions.iter().map(|s| i64::from(s.row.needed)).sum(),
            ),
            sessions: sessions.into_iter().map(SessionView::from).collect(),
        }
    }
}

impl From<ClassDetail> for ClassView {
    fn from(c: ClassDetail) -> Self {
        Self::new(c.row, c.sessions)
    }
}

impl From<SessionDetail> for SessionView {
    fn from(s: SessionDetail) -> Self {
        Self {
            id: s.row.id,
            class: s.row.class_id,
            title: s.row.title,
            start: s.row.start_at.and_utc(),
            end: s.row.end_at.and_utc(),
            remote: s.row.remote,
            method: s.row.method,
            needed: s.row.needed,
            topics: s
                .topics
                .into_iter()
                .map(|(topic, name, min_level)| RequirementView {
                    topic,
                    name,
                    min_level,
                })
                .collect(),
        }
    }
}

/// Make a plan.
#[utoipa::path(tag = "plans", request_body = PlanInput,
    responses((status = 201, body = PlanView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/plans")]
pub async fn create(
    caller: Planner,
    pool: web::Data<DbPool>,
    JsonBody(input): JsonBody<PlanInput>,
) -> Result<HttpResponse, AppError> {
    let (owner, office) = (caller.user_id.clone(), caller.office_id.clone());
    let plan = store::run(&pool, move |conn| {
        plans::create_plan(conn, &owner, &office, &input)
    })
    .await?;
    Ok(HttpResponse::Created().json(PlanView::new(plan, Some(Vec::new()))))
}

/// The plans of the caller's office and of the offices below it.
#[utoipa::path(tag = "plans",
    responses((status = 200, body = Vec<PlanView>),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/plans")]
pub async fn list(
    caller: Reader,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Vec<PlanView>>, AppError> {
    let within = caller.office_id.clone();
    let all = store::run(&pool, move |conn| Ok(plans::list_plans(conn, &within)?)).await?;
    Ok(web::Json(
        all.into_iter().map(|p| PlanView::new(p, None)).collect(),
    ))
}

/// A plan with its classes and sessions.
#[utoipa::path(tag = "plans", params(("id" = String, Path)),
    responses((status = 200, body = PlanView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/plans/{id}")]
pub async fn get(
    _caller: Reader,
    pool: web::Data<DbPool>,
    target: InReach<Plan>,
) -> Result<web::Json<PlanView>, AppError> {
    let id = target.id().to_owned();
    let (plan, classes) = store::run(&pool, move |conn| {
        let plan = plans::plan(conn, &id)?;
        let classes = plans::classes_of(conn, &id, None)?;
        Ok((plan, classes))
    })
    .await?;
    Ok(web::Json(PlanView::new(plan, Some(classes))))
}

/// Rename a plan or change its year or tier.
#[utoipa::path(tag = "plans", params(("id" = String, Path)), request_body = PlanInput,
    responses((status = 200, body = PlanView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/api/v1/plans/{id}")]
pub async fn update(
    _caller: Planner,
    pool: web::Data<DbPool>,
    target: InReach<Plan, ToChange>,
    JsonBody(input): JsonBody<PlanInput>,
) -> Result<web::Json<PlanView>, AppError> {
    let id = target.id().to_owned();
    let plan = store::run(&pool, move |conn| plans::update_plan(conn, &id, &input)).await?;
    Ok(web::Json(PlanView::new(plan, None)))
}

/// Remove a plan with its classes, sessions, runs and assignments; 409
/// `/problems/has-held-assignments` while any assignment is confirmed or
/// locked.
#[utoipa::path(tag = "plans", params(("id" = String, Path)),
    responses((status = 204),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/api/v1/plans/{id}")]
pub async fn delete(
    _caller: Planner,
    pool: web::Data<DbPool>,
    target: InReach<Plan, ToChange>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    store::run(&pool, move |conn| plans::delete_plan(conn, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Add a class to a plan.
#[utoipa::path(tag = "plans", params(("id" = String, Path)), request_body = ClassInput,
    responses((status = 201, body = ClassView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/plans/{id}/classes")]
pub async fn create_class(
    _caller: Planner,
    pool: web::Data<DbPool>,
    target: InReach<Plan, ToChange>,
    JsonBody(input): JsonBody<ClassInput>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    let class = store::run(&pool, move |conn| plans::create_class(conn, &id, &input)).await?;
    Ok(HttpResponse::Created().json(ClassView::new(class, Vec::new())))
}

/// A class with its sessions.
#[utoipa::path(tag = "plans", params(("id" = String, Path)),
    responses((status = 200, body = ClassView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/classes/{id}")]
pub async fn get_class(
    _caller: Reader,
    pool: web::Data<DbPool>,
    target: InReach<Class>,
) -> Result<web::Json<ClassView>, AppError> {
    let id = target.id().to_owned();
    let class = store::run(&pool, move |conn| plans::class(conn, &id)).await?;
    Ok(web::Json(class.into()))
}

/// Change a class (venue, dates, kind, cadre share); its sessions must still
/// lie within its dates.
#[utoipa::path(tag = "plans", params(("id" = String, Path)), request_body = ClassInput,
    responses((status = 200, body = ClassView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/api/v1/classes/{id}")]
pub async fn update_class(
    _caller: Planner,
    pool: web::Data<DbPool>,
    target: InReach<Class, ToChange>,
    JsonBody(input): JsonBody<ClassInput>,
) -> Result<web::Json<ClassView>, AppError> {
    let id = target.id().to_owned();
    let class = store::run(&pool, move |conn| plans::update_class(conn, &id, &input)).await?;
    Ok(web::Json(class.into()))
}

/// Remove a class with its sessions; 409 `/problems/has-held-assignments`
/// while any of their assignments is confirmed or locked.
#[utoipa::path(tag = "plans", params(("id" = String, Path)),
    responses((status = 204),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/api/v1/classes/{id}")]
pub async fn delete_class(
    _caller: Planner,
    pool: web::Data<DbPool>,
    target: InReach<Class, ToChange>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    store::run(&pool, move |conn| plans::delete_class(conn, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Add a session to a class.
#[utoipa::path(tag = "plans", params(("id" = String, Path)), request_body = SessionInput,
    responses((status = 201, body = SessionView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/classes/{id}/sessions")]
pub async fn create_session(
    _caller: Planner,
    pool: web::Data<DbPool>,
    target: InReach<Class, ToChange>,
    JsonBody(input): JsonBody<SessionInput>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    let session = store::run(&pool, move |conn| plans::create_session(conn, &id, &input)).await?;
    Ok(HttpResponse::Created().json(SessionView::from(session)))
}

/// A session.
#[utoipa::path(tag = "plans", params(("id" = String, Path)),
    responses((status = 200, body = SessionView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/sessions/{id}")]
pub async fn get_session(
    _caller: Reader,
    pool: web::Data<DbPool>,
    target: InReach<Session>,
) -> Result<web::Json<SessionView>, AppError> {
    let id = target.id().to_owned();
    let (session, _) = store::run(&pool, move |conn| plans::session(conn, &id)).await?;
    Ok(web::Json(session.into()))
}

/// Change a session (time, topics, method, remote, needed); its assignments
/// stay, and the next run drops any that no longer fit.
#[utoipa::path(tag = "plans", params(("id" = String, Path)), request_body = SessionInput,
    responses((status = 200, body = SessionView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/api/v1/sessions/{id}")]
pub async fn update_session(
    _caller: Planner,
    pool: web::Data<DbPool>,
    target: InReach<Session, ToChange>,
    JsonBody(input): JsonBody<SessionInput>,
) -> Result<web::Json<SessionView>, AppError> {
    let id = target.id().to_owned();
    let session = store::run(&pool, move |conn| plans::update_session(conn, &id, &input)).await?;
    Ok(web::Json(session.into()))
}

/// Remove a session with its proposed and declined assignments; 409
/// `/problems/has-held-assignments` while one is confirmed or locked.
#[utoipa::path(tag = "plans", params(("id" = String, Path)),
    responses((status = 204),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/api/v1/sessions/{id}")]
pub async fn delete_session(
    _caller: Planner,
    pool: web::Data<DbPool>,
    target: InReach<Session, ToChange>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    store::run(&pool, move |conn| plans::delete_session(conn, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The staffed plan as a sheet to print (排课表): one row per session and
/// instructor holding it (proposed or confirmed), with class, venue, time,
/// topics, state and the great-circle km of the instructor's trip; a
/// session short of instructors says how many are missing.
#[utoipa::path(
    tag = "plans",
    params(("id" = String, Path), ExportAs),
    responses(
        Download,
        (status = "4XX", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/plans/{id}/export")]
pub async fn export(
    _caller: Reader,
    pool: web::Data<DbPool>,
    cache: web::Data<PoolCache>,
    target: InReach<Plan>,
    export_as: QueryParams<ExportAs>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    let table = store::run(&pool, move |conn| {
        let plan = plans::plan(conn, &id)?;
        let classes = plans::classes_of(conn, &id, None)?;
        let filter = AssignmentFilter {
            plan: Some(id.clone()),
            ..AssignmentFilter::default()
        };
        let held = assignments::list(conn, &filter)?;
        let ids: Vec<&str> = held.iter().map(|a| a.instructor_id.as_str()).collect();
        let homes = instructors::homes(conn, &ids)?;
        let venues: Vec<(f64, f64)> = classes.iter().map(|c| (c.row.lat, c.row.lon)).collect();
        let road = cache.road_km(conn, &venues)?;
        Ok(staffed_plan::table(&plan, &classes, &held, &homes, &road))
    })
    .await?;
    table.response(export_as.format.unwrap_or_default())
}
