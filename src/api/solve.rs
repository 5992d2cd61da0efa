//! `POST /api/v1/solve`: the staffing model on a problem sent in the body,
//! the same JSON as `faculty-pool solve` (SPEC 5.1 in, 5.5 out).

use actix_web::{post, web};
use solver::{Problem, Solution, SolveError};

use crate::auth::Planner;
use crate::error::AppError;
use crate::http::json::JsonBody;
use crate::problem_details::ProblemDetails;
use crate::staffing::runs::WorkerConfig;

/// Solve a staffing problem now (off the request threads); `time_limit_s`
/// is capped by the server's maximum.
#[utoipa::path(tag = "staffing", request_body(content = Problem, description = "SPEC 5.1 problem"),
    responses((status = 200, body = Solution, description = "SPEC 5.5 solution"),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/solve")]
pub async fn solve(
    _caller: Planner,
    config: web::Data<WorkerConfig>,
    JsonBody(mut problem): JsonBody<Problem>,
) -> Result<web::Json<Solution>, AppError> {
    problem.options.time_limit_s = problem.options.time_limit_s.min(config.max_time_limit_s);
    let solution = web::block(move || solver::solve(&problem)).await?;
    match solution {
        Ok(solution) => Ok(web::Json(solution)),
        Err(SolveError::Invalid(errors)) => Err(AppError::Validation(errors)),
        Err(e) => Err(AppError::Internal(e.into())),
    }
}
