//! `/healthz` (the process answers) and `/readyz` (the database answers and
//! stores a change: a full or read-only disk is not ready).

use actix_web::{get, web, HttpResponse};

use crate::error::AppError;
use crate::store::{self, DbPool};

/// The process is alive.
#[utoipa::path(tag = "operations", responses((status = 200, description = "alive")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// The database answers and can store a change.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "ready"),
              (status = 503, description = "the database is unreachable, or its disk is full or read-only"))
)]
#[get("/readyz")]
pub async fn readyz(pool: web::Data<DbPool>) -> Result<HttpResponse, AppError> {
    store::run(&pool, |conn| {
        store::ping(conn).map_err(AppError::unreachable)?;
        Ok(store::settings::probe_write(conn)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ready"})))
}
