//! A plan's workload: who teaches how much of it, and when.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::reach::{InReach, Plan};
use crate::auth::Reader;
use crate::error::AppError;
use crate::problem_details::ProblemDetails;
use crate::staffing::recommend::PoolCache;
use crate::staffing::workload::{self, Load};
use crate::store::{self, plans, DbPool};
use crate::vocabulary::{AssignmentState, InstructorKind, Named};

/// Every instructor the plan uses, most sessions first.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkloadView {
    pub plan: String,
    /// The plan's year: the year whose cap the loads count against.
    pub year: i32,
    pub instructors: Vec<InstructorLoadView>,
}

/// One instructor's load: the plan's sessions they hold against their
/// yearly cap, with what they hold elsewhere that year.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstructorLoadView {
    pub instructor: String,
    pub instructor_name: String,
    pub kind: InstructorKind,
    pub kind_name: &'static str,
    pub organisation: String,
    /// The office that keeps the instructor.
    pub office: String,
    pub office_name: String,
    pub yearly_capacity: i32,
    /// Sessions of this plan held (proposed or confirmed).
    pub in_plan: usize,
    /// Sessions of the plan's year held outside it that a run of the plan
    /// counts against the cap: confirmed anywhere, and proposals of other
    /// offices' plans.
    pub elsewhere: usize,
    /// `(in_plan + elsewhere) / yearly_capacity` (0 with no cap).
    pub cap_share: f64,
    /// Classes travelled to (an in-person session held) and their km.
    pub trips: usize,
    pub distance_km: f64,
    /// The plan's sessions they hold, in time order.
    pub sessions: Vec<LoadSessionView>,
    /// What they hold elsewhere that year, in time order.
    pub busy_elsewhere: Vec<BusyElsewhereView>,
}

/// A session of the plan an instructor holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoadSessionView {
    pub assignment: String,
    pub session: String,
    pub title: String,
    pub class: String,
    pub class_name: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub remote: bool,
    pub state: AssignmentState,
    pub locked: bool,
}

/// A session held outside the plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct BusyElsewhereView {
    pub title: String,
    /// The office whose plan holds it.
    pub office_name: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl From<Load> for InstructorLoadView {
    fn from(load: Load) -> Self {
        let first = &load.sessions[0];
        let (in_plan, elsewhere) = (load.sessions.len(), load.elsewhere.len());
        let cap = load.home.yearly_capacity;
        Self {
            instructor: first.instructor_id.clone(),
            instructor_name: first.instructor_name.clone(),
            kind: first.instructor_kind,
            kind_name: first.instructor_kind.name_zh(),
            organisation: load.home.organisation,
            office: first.instructor_office.clone(),
            office_name: first.instructor_office_name.clone(),
            yearly_capacity: cap,
            in_plan,
            elsewhere,
            cap_share: if cap > 0 {
                (in_plan + elsewhere) as f64 / f64::from(cap)
            } else {
                0.0
            },
            trips: load.trips,
            distance_km: load.distance_km,
            sessions: load
                .sessions
                .into_iter()
                .map(|a| LoadSessionView {
                    assignment: a.id,
                    session: a.session_id,
                    title: a.session_title,
                    class: a.class_id,
                    class_name: a.class_name,
                    start: a.start_at.and_utc(),
                    end: a.end_at.and_utc(),
                    remote: a.remote,
                    state: a.state,
                    locked: a.locked,
                })
                .collect(),
            busy_elsewhere: load
                .elsewhere
                .into_iter()
                .map(|h| BusyElsewhereView {
                    title: h.session_title,
                    office_name: h.office,
                    start: h.start.and_utc(),
                    end: h.end.and_utc(),
                })
                .collect(),
        }
    }
}

/// Who teaches how much of the plan, and when: every instructor holding a
/// session of it, their sessions against the year's cap, trips and km.
#[utoipa::path(tag = "plans", params(("id" = String, Path)),
    responses((status = 200, body = WorkloadView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/plans/{id}/workload")]
pub async fn of_plan(
    _caller: Reader,
    pool: web::Data<DbPool>,
    cache: web::Data<PoolCache>,
    target: InReach<Plan>,
) -> Result<web::Json<WorkloadView>, AppError> {
    let id = target.id().to_owned();
    let (plan, loads) = store::run(&pool, move |conn| {
        let plan = plans::plan(conn, &id)?;
        let loads = workload::of_plan(conn, &plan, &cache)?;
        Ok((plan, loads))
    })
    .await?;
    Ok(web::Json(WorkloadView {
        plan: plan.id,
        year: plan.year,
        instructors: loads.into_iter().map(InstructorLoadView::from).collect(),
    }))
}
