//! `/api/v1/webhooks`: admins register the endpoints the service notifies,
//! read each delivery's attempts, and send a delivery again.

use actix_web::{delete, get, post, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use solver::FieldError;
use utoipa::{IntoParams, ToSchema};

use crate::auth::reach::{InReach, ToChange, WebhookEndpoint};
use crate::auth::Admin;
use crate::error::AppError;
use crate::http::json::JsonBody;
use crate::http::query::QueryParams;
use crate::problem_details::ProblemDetails;
use crate::store::webhooks::{self, Attempt, Delivery, Endpoint, EndpointSettings, EventType};
use crate::store::{self, DbPool};
use crate::vocabulary::Named;
use crate::webhooks::{address, signing, WebhookConfig};

/// An endpoint as an admin registers or changes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointInput {
    /// `http` or `https`, at most 2,000 characters, on a public address
    /// unless the server allows private ones.
    pub url: String,
    /// The event type codes to send (see `/api/v1/webhook-event-types`), at least one.
    pub event_types: Vec<String>,
    /// At most 200 characters.
    #[serde(default)]
    pub description: String,
    /// `false` pauses deliveries; `true` on a disabled endpoint enables it again.
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// A registered endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointView {
    pub id: String,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub enabled: bool,
    /// Why it is disabled: by an admin, or a day of failed attempts.
    pub disabled_reason: Option<String>,
    /// Who disabled it: `admin`, or `failures` (a day of failed attempts).
    pub disabled_by: Option<&'static str>,
    /// Its first failed attempt since the last success.
    pub failing_since: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// The signing secret (`whsec_…`): in the answer to the registration
    /// or to a rotation only, never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Until when the secret the last rotation replaced still signs beside
    /// the current one.
    pub previous_secret_until: Option<DateTime<Utc>>,
}

impl EndpointView {
    fn new(e: Endpoint, show_secret: bool) -> Self {
        Self {
            event_types: e.event_types(),
            disabled_by: e.disabled_by(),
            previous_secret_until: e
                .previous_signs_until(Utc::now().naive_utc())
                .map(|t| t.and_utc()),
            secret: show_secret.then_some(e.secret),
            id: e.id,
            url: e.url,
            description: e.description,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            failing_since: e.failing_since.map(|t| t.and_utc()),
            created_by: e.created_by,
            created_at: e.created_at.and_utc(),
        }
    }
}

/// An event type an endpoint can subscribe to.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventTypeView {
    pub code: EventType,
    /// Its Chinese name.
    pub name: &'static str,
}

/// One attempt of a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    pub at: DateTime<Utc>,
    /// The HTTP status, none when no answer came.
    pub status: Option<i32>,
    pub duration_ms: i32,
    /// Why no answer came.
    pub error: Option<String>,
    /// The start of the answer's body.
    pub response_excerpt: Option<String>,
}

/// A delivery of one event to the endpoint, with every attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: String,
    /// The event's id, sent as `webhook-id` (the same on every attempt).
    pub event: String,
    pub event_type: String,
    /// `pending`, `sending`, `succeeded`, or `failed` (given up when the
    /// endpoint was disabled).
    pub state: String,
    pub attempts: i32,
    /// When a pending delivery is tried next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub log: Vec<AttemptView>,
}

impl DeliveryView {
    fn new(d: Delivery, log: Vec<Attempt>) -> Self {
        Self {
            next_attempt_at: (d.state == "pending").then(|| d.next_attempt_at.and_utc()),
            id: d.id,
            event: d.event_id,
            event_type: d.event_type,
            state: d.state,
            attempts: d.attempts,
            created_at: d.created_at.and_utc(),
            finished_at: d.finished_at.map(|t| t.and_utc()),
            log: log
                .into_iter()
                .map(|a| AttemptView {
                    at: a.attempted_at.and_utc(),
                    status: a.status_code,
                    duration_ms: a.duration_ms,
                    error: a.error,
                    response_excerpt: a.response_excerpt,
                })
                .collect(),
        }
    }
}

/// Which deliveries to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilter {
    /// `pending`, `sending`, `succeeded` or `failed`.
    #[param(pattern = "^(pending|sending|succeeded|failed)$")]
    pub state: Option<String>,
    /// The newest this many, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// How a rotation treats the secret it replaces.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RotationOptions {
    /// Hours the replaced secret still signs beside the new one, 0–168
    /// (default 24); 0 stops it at once, for a secret that leaked.
    #[param(minimum = 0, maximum = 168)]
    pub overlap_hours: Option<i64>,
}

/// Checks an endpoint input (the URL's host is resolved: blocking).
fn settings(
    input: &EndpointInput,
    config: &WebhookConfig,
) -> Result<(String, Vec<EventType>), AppError> {
    let mut errors = Vec::new();
    if let Err(detail) = address::check(&input.url, config.allow_private) {
        errors.push(FieldError::new("url", "webhook_url", detail));
    }
    let mut types = Vec::new();
    for (k, code) in input.event_types.iter().enumerate() {
        match EventType::subscribable(code) {
            Some(t) if !types.contains(&t) => types.push(t),
            Some(_) => {}
            None => errors.push(FieldError::new(
                format!("event_types[{k}]"),
                "known",
                "an event type code of /api/v1/webhook-event-types",
            )),
        }
    }
    if input.event_types.is_empty() {
        errors.push(FieldError::new(
            "event_types",
            "non_empty",
            "subscribe to at least one event type",
        ));
    }
    if input.description.chars().count() > 200 {
        errors.push(FieldError::new(
            "description",
            "max_length",
            "at most 200 characters",
        ));
    }
    AppError::check(errors)?;
    Ok((input.description.trim().to_owned(), types))
}

/// The event types an endpoint can subscribe to.
#[utoipa::path(tag = "webhooks",
    responses((status = 200, body = Vec<EventTypeView>),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/webhook-event-types")]
pub async fn event_types(_caller: Admin) -> web::Json<Vec<EventTypeView>> {
    web::Json(
        EventType::all_subscribable()
            .map(|code| EventTypeView {
                code,
                name: code.name_zh(),
            })
            .collect(),
    )
}

/// The endpoints of the caller's office and the offices below it (without secrets).
#[utoipa::path(tag = "webhooks",
    responses((status = 200, body = Vec<EndpointView>),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/webhooks")]
pub async fn list(
    caller: Admin,
    pool: web::Data<DbPool>,
) -> Result<web::Json<Vec<EndpointView>>, AppError> {
    let within = caller.office_id.clone();
    let all = store::run(&pool, move |conn| webhooks::list(conn, &within)).await?;
    Ok(web::Json(
        all.into_iter()
            .map(|e| EndpointView::new(e, false))
            .collect(),
    ))
}

/// Register an endpoint; the answer shows its signing secret, once.
#[utoipa::path(tag = "webhooks", request_body = EndpointInput,
    responses((status = 201, body = EndpointView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/webhooks")]
pub async fn create(
    caller: Admin,
    pool: web::Data<DbPool>,
    config: web::Data<WebhookConfig>,
    JsonBody(input): JsonBody<EndpointInput>,
) -> Result<HttpResponse, AppError> {
    let (by, office) = (caller.user_id.clone(), caller.office_id.clone());
    let made = store::run(&pool, move |conn| {
        let (description, types) = settings(&input, &config)?;
        let settings = EndpointSettings {
            url: &input.url,
            description: &description,
            event_types: &types,
        };
        let made = webhooks::create(conn, &office, &settings, &signing::new_secret(), &by)?;
        if input.enabled {
            Ok(made)
        } else {
            webhooks::update(conn, &made.id, &settings, false)
        }
    })
    .await?;
    Ok(HttpResponse::Created().json(EndpointView::new(made, true)))
}

/// One endpoint (without its secret).
#[utoipa::path(tag = "webhooks", params(("id" = String, Path)),
    responses((status = 200, body = EndpointView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/webhooks/{id}")]
pub async fn get(
    _caller: Admin,
    pool: web::Data<DbPool>,
    target: InReach<WebhookEndpoint>,
) -> Result<web::Json<EndpointView>, AppError> {
    let id = target.id().to_owned();
    let found = store::run(&pool, move |conn| webhooks::get(conn, &id)).await?;
    Ok(web::Json(EndpointView::new(found, false)))
}

/// Change an endpoint: its URL, events, description, or whether it is
/// enabled (enabling forgets its failures; what was given up stays failed
/// until redelivered).
#[utoipa::path(tag = "webhooks", params(("id" = String, Path)), request_body = EndpointInput,
    responses((status = 200, body = EndpointView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[put("/api/v1/webhooks/{id}")]
pub async fn update(
    _caller: Admin,
    pool: web::Data<DbPool>,
    config: web::Data<WebhookConfig>,
    target: InReach<WebhookEndpoint, ToChange>,
    JsonBody(input): JsonBody<EndpointInput>,
) -> Result<web::Json<EndpointView>, AppError> {
    let id = target.id().to_owned();
    let changed = store::run(&pool, move |conn| {
        webhooks::get(conn, &id)?;
        let (description, types) = settings(&input, &config)?;
        let settings = EndpointSettings {
            url: &input.url,
            description: &description,
            event_types: &types,
        };
        webhooks::update(conn, &id, &settings, input.enabled)
    })
    .await?;
    Ok(web::Json(EndpointView::new(changed, false)))
}

/// Give the endpoint a new signing secret, shown in this answer only. The
/// secret it replaces still signs every event beside the new one for
/// `overlap_hours` (24 by default; two signatures in `webhook-signature`),
/// so the receiver can switch without failing an event; with 0 it stops at
/// once. A secret replaced by an earlier rotation stops signing now.
#[utoipa::path(tag = "webhooks", params(("id" = String, Path), RotationOptions),
    responses((status = 200, body = EndpointView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/webhooks/{id}/secret")]
pub async fn rotate_secret(
    _caller: Admin,
    pool: web::Data<DbPool>,
    target: InReach<WebhookEndpoint, ToChange>,
    options: QueryParams<RotationOptions>,
) -> Result<web::Json<EndpointView>, AppError> {
    let id = target.id().to_owned();
    let overlap = options
        .0
        .overlap_hours
        .unwrap_or(webhooks::DEFAULT_OVERLAP_HOURS);
    if !(0..=webhooks::MAX_OVERLAP_HOURS).contains(&overlap) {
        return Err(AppError::field(
            "overlap_hours",
            "range",
            format!("from 0 to {} hours", webhooks::MAX_OVERLAP_HOURS),
        ));
    }
    let rotated = store::run(&pool, move |conn| {
        webhooks::rotate_secret(conn, &id, &signing::new_secret(), overlap)
    })
    .await?;
    Ok(web::Json(EndpointView::new(rotated, true)))
}

/// Remove an endpoint with its deliveries and their log.
#[utoipa::path(tag = "webhooks", params(("id" = String, Path)),
    responses((status = 204),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[delete("/api/v1/webhooks/{id}")]
pub async fn remove(
    _caller: Admin,
    pool: web::Data<DbPool>,
    target: InReach<WebhookEndpoint, ToChange>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    store::run(&pool, move |conn| webhooks::delete(conn, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a `webhook.ping` event to the endpoint (409 if it is disabled).
#[utoipa::path(tag = "webhooks", params(("id" = String, Path)),
    responses((status = 202),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/webhooks/{id}/ping")]
pub async fn ping(
    _caller: Admin,
    pool: web::Data<DbPool>,
    target: InReach<WebhookEndpoint, ToChange>,
) -> Result<HttpResponse, AppError> {
    let id = target.id().to_owned();
    store::run(&pool, move |conn| webhooks::ping(conn, &id)).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// The endpoint's deliveries, newest first, each with its attempts.
#[utoipa::path(tag = "webhooks", params(("id" = String, Path), DeliveryFilter),
    responses((status = 200, body = Vec<DeliveryView>),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/api/v1/webhooks/{id}/deliveries")]
pub async fn deliveries(
    _caller: Admin,
    pool: web::Data<DbPool>,
    target: InReach<WebhookEndpoint>,
    filter: QueryParams<DeliveryFilter>,
) -> Result<web::Json<Vec<DeliveryView>>, AppError> {
    let id = target.id().to_owned();
    let filter = filter.0;
    let limit = filter.limit.unwrap_or(50);
    let mut errors = Vec::new();
    if !(1..=200).contains(&limit) {
        errors.push(FieldError::new("limit", "range", "from 1 to 200"));
    }
    if let Some(state) = &filter.state {
        if !["pending", "sending", "succeeded", "failed"].contains(&state.as_str()) {
            errors.push(FieldError::new(
                "state",
                "one_of",
                "pending, sending, succeeded or failed",
            ));
        }
    }
    AppError::check(errors)?;
    let found = store::run(&pool, move |conn| {
        webhooks::deliveries(conn, &id, filter.state.as_deref(), limit)
    })
    .await?;
    Ok(web::Json(
        found
            .into_iter()
            .map(|(d, log)| DeliveryView::new(d, log))
            .collect(),
    ))
}

/// Send a finished delivery again, with the same `webhook-id` (409 while it
/// is still being sent, or when the endpoint is disabled).
#[utoipa::path(tag = "webhooks",
    params(("id" = String, Path), ("delivery" = String, Path)),
    responses((status = 202, body = DeliveryView),
              (status = "4XX", body = ProblemDetails, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver")]
pub async fn redeliver(
    _caller: Admin,
    _reached: InReach<WebhookEndpoint, ToChange>,
    pool: web::Data<DbPool>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, delivery) = path.into_inner();
    let queued = store::run(&pool, move |conn| webhooks::redeliver(conn, &id, &delivery)).await?;
    Ok(HttpResponse::Accepted().json(DeliveryView::new(queued, Vec::new())))
}
