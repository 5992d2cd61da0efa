//! Staffing runs (SPEC 7): queue one for a plan, read its state and solution
//! (with names), apply it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;
use solver::{FieldError, ProgressPoint};
use utoipa::ToSchema;

use super::json::JsonBody;
use crate::auth::{Planner, Reader};
use crate::error::AppError;
use crate::problem_details::ProblemDetails;
use crate::staffing::apply as applying;
use crate::staffing::problem::{DroppedPin, RunRequest};
use crate::staffing::runs::{self, Doorbell, Run, WorkerConfig};
use crate::store::schema::{classes, instructors, sessions};
use crate::store::{self, Db, DbPool};

/// A staffing run.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    pub id: String,
    pub plan: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub requested_by: String,
    pub request: RunRequest,
    /// Ratings and capacity are as of this time.
    pub as_of: DateTime<Utc>,
    /// Executions started (more than one after a server stopped mid-run).
    pub attempts: i32,
    /// The worker (process and thread) that claimed it last.
    pub worker: Option<String>,
    /// Until when that worker's claim holds, while running.
    pub lease_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub applied_at: Option<DateTime<Utc>>,
    /// Why a failed run failed.
    pub error: Option<String>,
    /// The rules the problem built from the database broke, if that is why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Confirmed or locked assignments the run could not keep as pins (their
    /// instructor became unavailable, for example); it treated them as
    /// current proposals instead.
    pub dropped_pins: Vec<DroppedPin>,
    /// The solver's progress, one point each time its best staffing or its
    /// bound improved: while the run solves, the latest figures and the
    /// history so far.
    pub progress: Vec<ProgressPoint>,
    /// SPEC 5.5, every id with its name beside it (`instructor_name`,
    /// `session_title`, `class_name`); only on a single run.
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub solution: Option<Value>,
}

impl RunView {
    fn new(run: Run, solution: Option<Value>) -> Result<Self, AppError> {
        let request = run.request()?;
        let dropped_pins = run.dropped_pins()?;
        let progress = run.progress()?;
        let errors: Vec<FieldError> = run
            .error
            .as_deref()
            .and_then(|e| serde_json::from_str(e).ok())
            .unwrap_or_default();
        let error = if errors.is_empty() {
            run.error
        } else {
            Some("the problem built from the database breaks the rules listed in errors".to_owned())
        };
        Ok(Self {
            id: run.id,
            plan: run.plan_id,
            state: run.state,
            requested_by: run.requested_by,
            request,
            as_of: run.as_of.and_utc(),
            attempts: run.attempts,
            worker: run.worker,
            lease_until: run.lease_until.map(|t| t.and_utc()),
            created_at: run.created_at.and_utc(),
            started_at: run.started_at.map(|t| t.and_utc()),
            finished_at: run.finished_at.map(|t| t.and_utc()),
            applied_at: run.applied_at.map(|t| t.and_utc()),
            error,
            errors,
            dropped_pins,
            progress,
            solution,
        })
    }
}

/// The run with its solution, names resolved.
fn detailed(conn: &mut Db, run: Run) -> Result<RunView, AppError> {
    let solution = match &run.result {
        Some(json) => {
            let mut value: Value =
                serde_json::from_str(json).map_err(|e| AppError::Internal(e.into()))?;
            let names = names_in(conn, &value)?;
            annotate(&mut value, &names);
            Some(value)
        }
        None => None,
    };
    RunView::new(run, solution)
}

/// The key of an id, the key its name goes under, and where to look it up.
const NAMED: [(&str, &str, usize); 3] = [
    ("instructor", "instructor_name", 0),
    ("session", "session_title", 1),
    ("class", "class_name", 2),
];

type Names = [HashMap<String, String>; 3];

fn collect_ids(value: &Value, ids: &mut [HashSet<String>; 3]) {
    match value {
        Value::Object(map) => {
            for (key, _, k) in NAMED {
                if let Some(Value::String(id)) = map.get(key) {
                    ids[k].insert(id.clone());
                }
            }
            map.values().for_each(|v| collect_ids(v, ids));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_ids(v, ids)),
        _ => {}
    }
}

fn names_in(conn: &mut Db, solution: &Value) -> Result<Names, AppError> {
    let mut ids: [HashSet<String>; 3] = Default::default();
    collect_ids(solution, &mut ids);
    let mut names: Names = Default::default();
    let lists: Vec<Vec<&str>> = ids
        .iter()
        .map(|s| s.iter().map(String::as_str).collect())
        .collect();
    for chunk in lists[0].chunks(500) {
        names[0].extend(
            instructors::table
                .filter(instructors::id.eq_any(chunk))
                .select((instructors::id, instructors::name))
                .load::<(String, String)>(conn)?,
        );
    }
    for chunk in lists[1].chunks(500) {
        names[1].extend(
            sessions::table
                .filter(sessions::id.eq_any(chunk))
                .select((sessions::id, sessions::title))
                .load::<(String, String)>(conn)?,
        );
    }
    for chunk in lists[2].chunks(500) {
        names[2].extend(
            classes::table
                .filter(classes::id.eq_any(chunk))
                .select((classes::id, classes::name))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(names)
}

fn annotate(value: &mut Value, names: &Names) {
    match value {
        Value::Object(map) => {
            for (key, name_key, k) in NAMED {
                let name = match map.get(key) {
                    Some(Value::String(id)) => names[k].get(id).cloned(),
                    _ => None,
                };
                if let Some(name) = name {
                    map.insert(name_key.to_owned(), Value::String(name));
                }
            }
            map.values_mut().for_each(|v| annotate(v, names));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| annotate(v, names)),
        _ => {}
    }
}

/// Staff a plan (or some of its classes): the run is queued and solved in
/// the background; poll `GET /api/v1/staffing-runs/{id}`.
#[utoipa::path(tag = "staffing", params(("id" = String, Path)), request_body(content = Option<RunRequest>),
    responses((status = 202, body = RunView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/plans/{id}/staffing-runs")]
pub async fn create(
    caller: Planner,
    pool: web::Data<DbPool>,
    config: web::Data<WorkerConfig>,
    doorbell: web::Data<Arc<Doorbell>>,
    id: web::Path<String>,
    JsonBody(request): JsonBody<Option<RunRequest>>,
) -> Result<HttpResponse, AppError> {
    let (user, max) = (caller.user_id.clone(), config.max_time_limit_s);
    let request = request.unwrap_or_default();
    let run = store::run(&pool, move |conn| {
        runs::create(conn, &id, &user, &request, max)
    })
    .await?;
    doorbell.ring();
    let location = format!("/api/v1/staffing-runs/{}", run.id);
    Ok(HttpResponse::Accepted()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(RunView::new(run, None)?))
}

/// A run: state, timings and, when done, the solution with names.
#[utoipa::path(tag = "staffing", params(("id" = String, Path)),
    responses((status = 200, body = RunView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/staffing-runs/{id}")]
pub async fn get(
    _caller: Reader,
    pool: web::Data<DbPool>,
    id: web::Path<String>,
) -> Result<web::Json<RunView>, AppError> {
    let view = store::run(&pool, move |conn| {
        let run = runs::get(conn, &id)?;
        detailed(conn, run)
    })
    .await?;
    Ok(web::Json(view))
}

/// A plan's runs, newest first (without solutions).
#[utoipa::path(tag = "staffing", params(("id" = String, Path)),
    responses((status = 200, body = Vec<RunView>),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/plans/{id}/staffing-runs")]
pub async fn list(
    _caller: Reader,
    pool: web::Data<DbPool>,
    id: web::Path<String>,
) -> Result<web::Json<Vec<RunView>>, AppError> {
    let all = store::run(&pool, move |conn| runs::of_plan(conn, &id)).await?;
    Ok(web::Json(
        all.into_iter()
            .map(|r| RunView::new(r, None))
            .collect::<Result<_, _>>()?,
    ))
}

/// Write a done run's assignments as the plan's proposals, in one
/// transaction; 409 if its inputs changed since it started.
#[utoipa::path(tag = "staffing", params(("id" = String, Path)),
    responses((status = 200, body = RunView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/staffing-runs/{id}/apply")]
pub async fn apply(
    _caller: Planner,
    pool: web::Data<DbPool>,
    config: web::Data<WorkerConfig>,
    id: web::Path<String>,
) -> Result<web::Json<RunView>, AppError> {
    let max = config.max_time_limit_s;
    let view = store::run(&pool, move |conn| {
        let run = applying::apply(conn, &id, max)?;
        detailed(conn, run)
    })
    .await?;
    Ok(web::Json(view))
}

/// The problem a done run solved (SPEC 5.1), as `faculty-pool solve` and
/// `POST /api/v1/solve` take it: to audit a run or solve it again by hand.
#[utoipa::path(tag = "staffing", params(("id" = String, Path)),
    responses((status = 200, body = Object, description = "SPEC 5.1 problem"),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/staffing-runs/{id}/problem")]
pub async fn problem(
    _caller: Planner,
    pool: web::Data<DbPool>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let run = store::run(&pool, move |conn| runs::get(conn, &id)).await?;
    let Some(problem) = run.problem else {
        return Err(AppError::Conflict {
            kind: "/problems/run-not-done",
            detail: format!("run {} is {}; it has no problem yet", run.id, run.state),
        });
    };
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(problem))
}
