//! Staffing runs (SPEC 7): queue one for a plan, read its state and solution
//! (with names), apply it.

use std::collections::HashSet;
use std::sync::Arc;

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use solver::solution::{ExcludedBy, Stats, Status};
use solver::{FieldError, ProgressPoint, Solution};
use utoipa::{IntoParams, ToSchema};

use crate::api::assignments::AssignmentView;
use crate::auth::reach::{InReach, Plan, StaffingRun, ToChange};
use crate::auth::{Planner, Reader};
use crate::error::AppError;
use crate::http::json::JsonBody;
use crate::http::query::QueryParams;
use crate::problem_details::ProblemDetails;
use crate::routing::DistanceReport;
use crate::staffing::apply as applying;
use crate::staffing::changes as changing;
use crate::staffing::problem::{DroppedPin, RunRequest};
use crate::staffing::runs::{self, QueueSignal, WorkerConfig};
use crate::store::assignments::{self, AssignmentFilter};
use crate::store::names::Names;
use crate::store::plans;
use crate::store::runs::Run;
use crate::store::{self, Db, DbPool};
use crate::vocabulary::{AssignmentState, RunState};

/// A staffing run.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    pub id: String,
    pub plan: String,
    pub state: RunState,
    pub requested_by: String,
    pub request: RunRequest,
    /// Ratings and capacity are as of this time.
    pub as_of: DateTime<Utc>,
    /// Executions started (more than one after a server stopped mid-run).
    pub attempts: i32,
    /// The worker that claimed it last: `<process id>-<random>-<number>`.
    pub worker: Option<String>,
    /// Until when that worker's claim holds, while running.
    pub lease_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub applied_at: Option<DateTime<Utc>>,
    /// When someone asked the run to stop (`POST …/cancel`).
    pub cancel_requested_at: Option<DateTime<Utc>>,
    /// Why a failed run failed.
    pub error: Option<String>,
    /// The rules the problem built from the database broke, if that is why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Confirmed or locked assignments the run could not keep as pins (their
    /// instructor became unavailable, for example); it treated them as
    /// current proposals instead.
    pub dropped_pins: Vec<DroppedPin>,
    /// How the distances were measured, when a routing provider is set.
    pub distances: Option<DistanceReport>,
    /// The solver's progress, one point each time its best staffing or its
    /// bound improved: while the run solves, the latest figures and the
    /// history so far.
    pub progress: Vec<ProgressPoint>,
    /// SPEC 5.5 with every id's name beside it; only on a single run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub solution: Option<SolutionView>,
}

impl RunView {
    fn new(run: Run, solution: Option<SolutionView>) -> Result<Self, AppError> {
        let request: RunRequest = run.request()?;
        let dropped_pins: Vec<DroppedPin> = run.dropped_pins()?;
        let distances: Option<DistanceReport> = run.distances()?;
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
            cancel_requested_at: run.cancel_requested_at.map(|t| t.and_utc()),
            error,
            errors,
            dropped_pins,
            distances,
            progress,
            solution,
        })
    }
}

/// SPEC 5.5's solution with names beside the ids.
#[derive(Debug, Serialize, ToSchema)]
pub struct SolutionView {
    pub status: Status,
    pub objective: f64,
    pub bound: f64,
    pub gap: f64,
    pub assignments: Vec<AssignedView>,
    pub trips: Vec<TripView>,
    pub unfilled: Vec<UnfilledView>,
    pub cadre_shortfalls: Vec<ShortfallView>,
    /// The balance term of everyone holding 2 sessions or more, when the
    /// run weighed balance; empty otherwise.
    pub loads: Vec<LoadView>,
    pub stats: Stats,
}

/// An assignment of the solution.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignedView {
    pub session: String,
    pub session_title: String,
    pub instructor: String,
    pub instructor_name: String,
    pub expertise: f64,
    pub rating: f64,
    /// It was a current proposal already.
    pub kept: bool,
    pub score: f64,
}

/// A trip of the solution.
#[derive(Debug, Serialize, ToSchema)]
pub struct TripView {
    pub instructor: String,
    pub instructor_name: String,
    pub class: String,
    pub class_name: String,
    pub distance_km: f64,
    pub cost: f64,
}

/// A session left short, with why.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnfilledView {
    pub session: String,
    pub session_title: String,
    pub missing: i64,
    pub eligible: usize,
    pub excluded_by: ExcludedBy,
    pub near_misses: Vec<NearMissView>,
}

/// An instructor who almost could have taken an unfilled place.
#[derive(Debug, Serialize, ToSchema)]
pub struct NearMissView {
    pub instructor: String,
    pub instructor_name: String,
    /// `topic`, `unavailable`, `remote`, `travel`, `exclusion`, `capacity`
    /// or `conflict`.
    pub blocked_by: String,
    pub detail: String,
}

/// A class short of its cadre share.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShortfallView {
    pub class: String,
    pub class_name: String,
    pub required: f64,
    pub assigned: usize,
    pub shortfall: f64,
}

/// An instructor's load in the solution and the balance term it costs.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoadView {
    pub instructor: String,
    pub instructor_name: String,
    pub sessions: usize,
    pub capacity: i64,
    pub cost: f64,
}

impl SolutionView {
    fn new(solution: Solution, names: &Names) -> Self {
        let instructor = |id: &str| names.instructor(id).to_owned();
        let session = |id: &str| names.session(id).to_owned();
        let class = |id: &str| names.class(id).to_owned();
        Self {
            status: solution.status,
            objective: solution.objective,
            bound: solution.bound,
            gap: solution.gap,
            assignments: solution
                .assignments
                .into_iter()
                .map(|a| AssignedView {
                    session_title: session(&a.session),
                    instructor_name: instructor(&a.instructor),
                    session: a.session,
                    instructor: a.instructor,
                    expertise: a.expertise,
                    rating: a.rating,
                    kept: a.kept,
                    score: a.score,
                })
                .collect(),
            trips: solution
                .trips
                .into_iter()
                .map(|t| TripView {
                    instructor_name: instructor(&t.instructor),
                    class_name: class(&t.class),
                    instructor: t.instructor,
                    class: t.class,
                    distance_km: t.distance_km,
                    cost: t.cost,
                })
                .collect(),
            unfilled: solution
                .unfilled
                .into_iter()
                .map(|u| UnfilledView {
                    session_title: session(&u.session),
                    session: u.session,
                    missing: u.missing,
                    eligible: u.eligible,
                    excluded_by: u.excluded_by,
                    near_misses: u
                        .near_misses
                        .into_iter()
                        .map(|m| NearMissView {
                            instructor_name: instructor(&m.instructor),
                            instructor: m.instructor,
                            blocked_by: m.blocked_by,
                            detail: m.detail,
                        })
                        .collect(),
                })
                .collect(),
            cadre_shortfalls: solution
                .cadre_shortfalls
                .into_iter()
                .map(|c| ShortfallView {
                    class_name: class(&c.class),
                    class: c.class,
                    required: c.required,
                    assigned: c.assigned,
                    shortfall: c.shortfall,
                })
                .collect(),
            loads: solution
                .loads
                .into_iter()
                .map(|l| LoadView {
                    instructor_name: instructor(&l.instructor),
                    instructor: l.instructor,
                    sessions: l.sessions,
                    capacity: l.capacity,
                    cost: l.cost,
                })
                .collect(),
            stats: solution.stats,
        }
    }
}

/// The names of every id a solution mentions.
fn names_of(conn: &mut Db, solution: &Solution) -> Result<Names, AppError> {
    let instructors = solution
        .assignments
        .iter()
        .map(|a| a.instructor.as_str())
        .chain(solution.trips.iter().map(|t| t.instructor.as_str()))
        .chain(solution.loads.iter().map(|l| l.instructor.as_str()))
        .chain(
            solution
                .unfilled
                .iter()
                .flat_map(|u| u.near_misses.iter().map(|m| m.instructor.as_str())),
        );
    let sessions = solution
        .assignments
        .iter()
        .map(|a| a.session.as_str())
        .chain(solution.unfilled.iter().map(|u| u.session.as_str()));
    let classes = solution
        .trips
        .iter()
        .map(|t| t.class.as_str())
        .chain(solution.cadre_shortfalls.iter().map(|c| c.class.as_str()));
    Ok(Names::load(conn, instructors, sessions, classes)?)
}

/// The run with its solution, names resolved.
fn detailed(conn: &mut Db, run: Run) -> Result<RunView, AppError> {
    let solution = match run.solution()? {
        Some(solution) => {
            let names = names_of(conn, &solution)?;
            Some(SolutionView::new(solution, &names))
        }
        None => None,
    };
    RunView::new(run, solution)
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
    signal: web::Data<Arc<QueueSignal>>,
    target: InReach<Plan, ToChange>,
    JsonBody(request): JsonBody<Option<RunRequest>>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    let (user, max) = (caller.user_id.clone(), config.max_time_limit_s);
    let request = request.unwrap_or_default();
    let run = store::run(&pool, move |conn| {
        runs::create(conn, &id, &user, &request, max)
    })
    .await?;
    signal.notify();
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
    target: InReach<StaffingRun>,
) -> Result<web::Json<RunView>, AppError> {
    let id = target.id().to_owned();
    let view = store::run(&pool, move |conn| {
        let run = store::runs::get(conn, &id)?;
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
    target: InReach<Plan>,
) -> Result<web::Json<Vec<RunView>>, AppError> {
    let id = target.id().to_owned();
    let all = store::run(&pool, move |conn| store::runs::of_plan(conn, &id)).await?;
    Ok(web::Json(
        all.into_iter()
            .map(|r| RunView::new(r, None))
            .collect::<Result<_, _>>()?,
    ))
}

/// Stop a run: a queued one is cancelled at once and never starts (200); a
/// running one is asked to stop (202), and the server that runs it stops
/// its solver within moments and keeps the best staffing found so far
/// (`state` becomes `cancelled`); 409 for a run that has ended.
#[utoipa::path(tag = "staffing", params(("id" = String, Path)),
    responses((status = 200, body = RunView, description = "cancelled before it started"),
              (status = 202, body = RunView, description = "asked to stop; poll the run"),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/staffing-runs/{id}/cancel")]
pub async fn cancel(
    _caller: Planner,
    pool: web::Data<DbPool>,
    target: InReach<StaffingRun, ToChange>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    let run = store::run(&pool, move |conn| store::runs::request_cancel(conn, &id)).await?;
    let status = if run.state == RunState::Cancelled {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::ACCEPTED
    };
    Ok(HttpResponse::build(status).json(RunView::new(run, None)?))
}

/// Whether applying a cancelled run's staffing was confirmed.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplyOptions {
    /// A cancelled run's best staffing so far is applied only with
    /// `confirm=true`: it may be far from the best there is.
    pub confirm: Option<bool>,
}

/// An applied run as the run lists show it (its solution is at
/// `GET /api/v1/staffing-runs/{id}`), with what applying it wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppliedView {
    #[serde(flatten)]
    pub run: RunView,
    /// The proposals it made (pairs it kept stay as they were).
    pub proposed: Vec<AssignmentView>,
    /// The ids of the assignments of its sessions it removed.
    pub removed: Vec<String>,
}

/// Write a done run's assignments as the plan's proposals, in one
/// transaction; 409 if its inputs changed since it started, or if it was
/// cancelled and `confirm` is not given. The answer is the run without its
/// solution (the caller has read it to decide) and what applying wrote, so a
/// board can update the sessions it changed without reading the plan again.
#[utoipa::path(tag = "staffing", params(("id" = String, Path), ApplyOptions),
    responses((status = 200, body = AppliedView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/staffing-runs/{id}/apply")]
pub async fn apply(
    _caller: Planner,
    pool: web::Data<DbPool>,
    config: web::Data<WorkerConfig>,
    target: InReach<StaffingRun, ToChange>,
    options: QueryParams<ApplyOptions>,
) -> Result<web::Json<AppliedView>, AppError> {
    let id = target.id().to_owned();
    let max = config.max_time_limit_s;
    let confirmed = options.confirm.unwrap_or(false);
    let view = store::run(&pool, move |conn| {
        let (run, removed) = applying::apply(conn, &id, max, confirmed)?;
        let made = AssignmentFilter {
            plan: Some(run.plan_id.clone()),
            run: Some(run.id.clone()),
            ..AssignmentFilter::default()
        };
        let proposed = assignments::list(conn, &made)?;
        Ok::<_, AppError>(AppliedView {
            run: RunView::new(run, None)?,
            proposed: proposed.into_iter().map(AssignmentView::from).collect(),
            removed,
        })
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
    target: InReach<StaffingRun>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    let (run, problem) = store::run(&pool, move |conn| {
        Ok::<_, AppError>((
            store::runs::get(conn, &id)?,
            store::runs::problem(conn, &id)?,
        ))
    })
    .await?;
    let Some(problem) = problem else {
        return Err(AppError::Conflict {
            kind: "/problems/run-not-done",
            detail: format!("run {} is {}; it has no problem yet", run.id, run.state),
        });
    };
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(problem))
}

/// A session and an instructor in a run's difference.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangedPair {
    pub session: String,
    pub session_title: String,
    pub start: Option<DateTime<Utc>>,
    pub instructor: String,
    pub instructor_name: String,
}

/// An instructor the run takes off one session and puts on another.
#[derive(Debug, Serialize, ToSchema)]
pub struct MovedView {
    pub instructor: String,
    pub instructor_name: String,
    pub from: ChangedPair,
    pub to: ChangedPair,
}

/// What applying the run would change in today's assignments of its
/// sessions (declined ones aside).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesView {
    pub run: String,
    /// The run was applied already: the difference is against what it left.
    pub applied: bool,
    pub added: Vec<ChangedPair>,
    pub moved: Vec<MovedView>,
    pub dropped: Vec<ChangedPair>,
    /// Assignments today that the run keeps.
    pub unchanged: usize,
}

/// What applying a done run would change: who is added, who moves, who is
/// dropped, against today's assignments.
#[utoipa::path(tag = "staffing", params(("id" = String, Path)),
    responses((status = 200, body = ChangesView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/staffing-runs/{id}/changes")]
pub async fn changes(
    _caller: Reader,
    pool: web::Data<DbPool>,
    target: InReach<StaffingRun>,
) -> Result<web::Json<ChangesView>, AppError> {
    let id = target.id().to_owned();
    let view = store::run(&pool, move |conn| {
        let run = store::runs::get(conn, &id)?;
        let Some(solution) = run.solution()? else {
            return Err(AppError::Conflict {
                kind: "/problems/run-not-done",
                detail: format!("run {} is {}; it has no proposal yet", run.id, run.state),
            });
        };
        let proposed: Vec<(String, String)> = solution
            .assignments
            .iter()
            .map(|a| (a.session.clone(), a.instructor.clone()))
            .collect();
        let sessions: HashSet<&str> = solution
            .assignments
            .iter()
            .map(|a| a.session.as_str())
            .chain(solution.unfilled.iter().map(|u| u.session.as_str()))
            .collect();
        let filter = AssignmentFilter {
            plan: Some(run.plan_id.clone()),
            ..AssignmentFilter::default()
        };
        let today: Vec<(String, String)> = assignments::list(conn, &filter)?
            .into_iter()
            .filter(|a| {
                a.state != AssignmentState::Declined && sessions.contains(a.session_id.as_str())
            })
            .map(|a| (a.session_id, a.instructor_id))
            .collect();
        let starts = plans::session_starts(conn, sessions.iter().copied())?;
        let found = changing::between(&today, &proposed, |s| starts.get(s).copied());
        let names = Names::load(
            conn,
            today.iter().chain(&proposed).map(|(_, i)| i.as_str()),
            sessions.iter().copied(),
            [],
        )?;
        let pair = |session: &str, instructor: &str| ChangedPair {
            session: session.to_owned(),
            session_title: names.session(session).to_owned(),
            start: starts.get(session).map(|t| t.and_utc()),
            instructor: instructor.to_owned(),
            instructor_name: names.instructor(instructor).to_owned(),
        };
        Ok(ChangesView {
            applied: run.applied_at.is_some(),
            run: run.id.clone(),
            added: found.added.iter().map(|(s, i)| pair(s, i)).collect(),
            moved: found
                .moved
                .iter()
                .map(|(i, from, to)| MovedView {
                    instructor: i.clone(),
                    instructor_name: names.instructor(i).to_owned(),
                    from: pair(from, i),
                    to: pair(to, i),
                })
                .collect(),
            dropped: found.dropped.iter().map(|(s, i)| pair(s, i)).collect(),
            unchanged: found.unchanged,
        })
    })
    .await?;
    Ok(web::Json(view))
}
