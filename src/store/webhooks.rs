//! Webhook endpoints, the outbox of events and the log of their deliveries.
//!
//! An event is written by [`emit`] inside the transaction of the change that
//! causes it, with one pending delivery for each enabled endpoint that
//! subscribes to its type; the delivery worker (`crate::webhooks`) sends it.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints, webhook_events};
use super::{reach, write, Db};
use crate::error::AppError;
use crate::vocabulary::{coded, Named};

/// How long a secret replaced by a rotation still signs beside the new
/// one, unless the rotation says otherwise.
pub const DEFAULT_OVERLAP_HOURS: i64 = 24;
/// The longest a rotation may let the replaced secret sign.
pub const MAX_OVERLAP_HOURS: i64 = 168;
/// The reason of an endpoint an admin disabled; the delivery worker gives
/// its own when it disables one after a day of failures.
const DISABLED_BY_ADMIN: &str = "disabled by an admin";

coded! {
    /// What an endpoint can subscribe to; stored and sent as the code, shown
    /// in the console by its Chinese name.
    pub enum EventType {
        RunDone = "staffing_run.done" / "排课运行完成",
        RunFailed = "staffing_run.failed" / "排课运行失败",
        RunCancelled = "staffing_run.cancelled" / "排课运行已取消",
        AssignmentsProposed = "assignments.proposed" / "排课方案已采用",
        AssignmentConfirmed = "assignment.confirmed" / "授课安排已确认",
        AssignmentDeclined = "assignment.declined" / "教师婉拒授课",
        EvaluationSubmitted = "evaluation.submitted" / "学员提交测评",
        PoolImported = "pool.imported" / "师资库导入",
        /// Sent to one endpoint on request, whatever it subscribes to.
        Ping = "webhook.ping" / "测试推送",
    }
}

impl EventType {
    /// The subscribable type with this code: any but the ping.
    pub fn subscribable(code: &str) -> Option<Self> {
        Self::from_code(code).filter(|t| *t != Self::Ping)
    }

    /// Every type an endpoint may subscribe to.
    pub fn all_subscribable() -> impl Iterator<Item = Self> {
        Self::ALL.iter().copied().filter(|t| *t != Self::Ping)
    }

    /// The codes of [`Self::all_subscribable`].
    pub fn subscribable_codes() -> Vec<&'static str> {
        Self::all_subscribable().map(Self::code).collect()
    }
}

/// A registered endpoint.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub description: String,
    pub event_types: String,
    pub secret: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    /// The secret the last rotation replaced, while it still signs.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    /// The office it belongs to: it hears the events of that office's subtree.
    pub office_id: String,
}

impl Endpoint {
    /// Until when the secret the last rotation replaced signs, if it still
    /// does at `now`.
    pub fn previous_signs_until(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        self.previous_secret_until
            .filter(|&until| self.previous_secret.is_some() && now < until)
    }

    /// The secrets that sign an event sent at `now`: the endpoint's, and
    /// the one its last rotation replaced while it still signs.
    pub fn signing_secrets(&self, now: NaiveDateTime) -> Vec<&str> {
        let previous = self
            .previous_signs_until(now)
            .and(self.previous_secret.as_deref());
        std::iter::once(self.secret.as_str())
            .chain(previous)
            .collect()
    }

    /// Who disabled it, if it is disabled: `admin`, or `failures` (the
    /// delivery worker, after a day of failed attempts).
    pub fn disabled_by(&self) -> Option<&'static str> {
        (!self.enabled).then(|| {
            if self.disabled_reason.as_deref() == Some(DISABLED_BY_ADMIN) {
                "admin"
            } else {
                "failures"
            }
        })
    }

    /// The codes of the types it subscribes to.
    pub fn event_types(&self) -> Vec<String> {
        serde_json::from_str(&self.event_types).unwrap_or_default()
    }
}

/// An endpoint's settings as an admin gives them (already checked).
pub struct EndpointSettings<'a> {
    pub url: &'a str,
    pub description: &'a str,
    pub event_types: &'a [EventType],
}

fn codes(types: &[EventType]) -> Result<String, AppError> {
    let codes: Vec<&str> = types.iter().map(|t| t.code()).collect();
    serde_json::to_string(&codes).map_err(|e| AppError::Internal(e.into()))
}

/// Registers an endpoint of `office` with `secret`.
pub fn create(
    conn: &mut Db,
    office: &str,
    settings: &EndpointSettings,
    secret: &str,
    created_by: &str,
) -> Result<Endpoint, AppError> {
    let id = uuid::Uuid::new_v4().to_string();
    write(conn, |conn| {
        diesel::insert_into(webhook_endpoints::table)
            .values((
                webhook_endpoints::id.eq(&id),
                webhook_endpoints::url.eq(settings.url),
                webhook_endpoints::description.eq(settings.description),
                webhook_endpoints::event_types.eq(codes(settings.event_types)?),
                webhook_endpoints::secret.eq(secret),
                webhook_endpoints::enabled.eq(true),
                webhook_endpoints::created_by.eq(created_by),
                webhook_endpoints::office_id.eq(office),
                webhook_endpoints::created_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        get(conn, &id)
    })
}

/// The endpoints of `within`'s subtree, oldest first.
pub fn list(conn: &mut Db, within: &str) -> Result<Vec<Endpoint>, AppError> {
    Ok(webhook_endpoints::table
        .filter(reach::endpoints_of(within))
        .order((webhook_endpoints::created_at, webhook_endpoints::id))
        .select(Endpoint::as_select())
        .load(conn)?)
}

/// One endpoint (404 if unknown).
pub fn get(conn: &mut Db, id: &str) -> Result<Endpoint, AppError> {
    webhook_endpoints::table
        .find(id)
        .select(Endpoint::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::NotFound(format!("no webhook endpoint {id}")))
}

/// Replaces an endpoint's settings; `enabled: true` also forgets its
/// failures, so it gets a fresh day before it is disabled again.
pub fn update(
    conn: &mut Db,
    id: &str,
    settings: &EndpointSettings,
    enabled: bool,
) -> Result<Endpoint, AppError> {
    write(conn, |conn| {
        let current = get(conn, id)?;
        let target = webhook_endpoints::table.find(id);
        diesel::update(target)
            .set((
                webhook_endpoints::url.eq(settings.url),
                webhook_endpoints::description.eq(settings.description),
                webhook_endpoints::event_types.eq(codes(settings.event_types)?),
                webhook_endpoints::enabled.eq(enabled),
            ))
            .execute(conn)?;
        if enabled && !current.enabled {
            diesel::update(target)
                .set((
                    webhook_endpoints::disabled_reason.eq(None::<String>),
                    webhook_endpoints::failing_since.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
        } else if !enabled && current.enabled {
            diesel::update(target)
                .set(webhook_endpoints::disabled_reason.eq(DISABLED_BY_ADMIN))
                .execute(conn)?;
        }
        get(conn, id)
    })
}

/// Gives an endpoint the new `secret`; the one it replaces still signs
/// beside it for `overlap_hours`, so that its receiver can switch without
/// failing an event (0: it stops at once). Only the secret it replaces
/// does: one replaced before stops now.
pub fn rotate_secret(
    conn: &mut Db,
    id: &str,
    secret: &str,
    overlap_hours: i64,
) -> Result<Endpoint, AppError> {
    write(conn, |conn| {
        let current = get(conn, id)?;
        let (previous, until) = if overlap_hours > 0 {
            let until = Utc::now().naive_utc() + chrono::TimeDelta::hours(overlap_hours);
            (Some(current.secret), Some(until))
        } else {
            (None, None)
        };
        diesel::update(webhook_endpoints::table.find(id))
            .set((
                webhook_endpoints::secret.eq(secret),
                webhook_endpoints::previous_secret.eq(previous),
                webhook_endpoints::previous_secret_until.eq(until),
            ))
            .execute(conn)?;
        get(conn, id)
    })
}

/// Removes an endpoint with its deliveries and their log.
pub fn delete(conn: &mut Db, id: &str) -> Result<(), AppError> {
    write(conn, |conn| {
        get(conn, id)?;
        diesel::delete(webhook_endpoints::table.find(id)).execute(conn)?;
        Ok(())
    })
}

/// The body every event is sent as (Standard Webhooks' payload shape).
#[derive(Serialize)]
struct Payload<'a> {
    r#type: &'static str,
    timestamp: String,
    data: &'a serde_json::Value,
}

/// Writes an event of `office` (a plan's, an importer's) to the outbox for
/// every enabled endpoint of that office or one above it that subscribes
/// to its type; call it inside the transaction of the change it reports.
pub fn emit(
    conn: &mut Db,
    office: &str,
    event: EventType,
    data: serde_json::Value,
) -> Result<(), AppError> {
    let targets: Vec<String> = webhook_endpoints::table
        .filter(reach::endpoints_over(office))
        .filter(webhook_endpoints::enabled.eq(true))
        .select(Endpoint::as_select())
        .load(conn)?
        .into_iter()
        .filter(|e| e.event_types().iter().any(|t| t == event.code()))
        .map(|e| e.id)
        .collect();
    emit_to(conn, office, event, &data, &targets)
}

/// Writes an event of `office` to the outbox for `endpoints`.
fn emit_to(
    conn: &mut Db,
    office: &str,
    event: EventType,
    data: &serde_json::Value,
    endpoints: &[String],
) -> Result<(), AppError> {
    if endpoints.is_empty() {
        return Ok(());
    }
    let now = Utc::now().naive_utc();
    let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
    let payload = serde_json::to_string(&Payload {
        r#type: event.code(),
        timestamp: now
            .and_utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        data,
    })
    .map_err(|e| AppError::Internal(e.into()))?;
    diesel::insert_into(webhook_events::table)
        .values((
            webhook_events::id.eq(&id),
            webhook_events::event_type.eq(event.code()),
            webhook_events::payload.eq(payload),
            webhook_events::created_at.eq(now),
            webhook_events::office_id.eq(office),
        ))
        .execute(conn)?;
    for endpoint in endpoints {
        diesel::insert_into(webhook_deliveries::table)
            .values((
                webhook_deliveries::id.eq(uuid::Uuid::new_v4().to_string()),
                webhook_deliveries::event_id.eq(&id),
                webhook_deliveries::endpoint_id.eq(endpoint),
                webhook_deliveries::state.eq("pending"),
                webhook_deliveries::attempts.eq(0),
                webhook_deliveries::next_attempt_at.eq(now),
                webhook_deliveries::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Queues a `webhook.ping` for one enabled endpoint (409 if disabled).
pub fn ping(conn: &mut Db, id: &str) -> Result<(), AppError> {
    write(conn, |conn| {
        let endpoint = get(conn, id)?;
        if !endpoint.enabled {
            return Err(disabled(id));
        }
        let data = serde_json::json!({ "endpoint": id });
        emit_to(
            conn,
            &endpoint.office_id,
            EventType::Ping,
            &data,
            &[endpoint.id],
        )
    })
}

fn disabled(id: &str) -> AppError {
    AppError::Conflict {
        kind: "/problems/endpoint-disabled",
        detail: format!("webhook endpoint {id} is disabled; enable it first"),
    }
}

/// A delivery of an event to an endpoint, with its event's type.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    pub id: String,
    pub event_id: String,
    #[diesel(select_expression = webhook_events::event_type)]
    pub event_type: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub struct Attempt {
    pub delivery_id: String,
    pub attempted_at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub duration_ms: i32,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
}

/// An endpoint's newest `limit` deliveries (in `state` when given), each
/// with its attempts in order.
pub fn deliveries(
    conn: &mut Db,
    endpoint: &str,
    state: Option<&str>,
    limit: i64,
) -> Result<Vec<(Delivery, Vec<Attempt>)>, AppError> {
    get(conn, endpoint)?;
    let mut query = webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint))
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(webhook_deliveries::state.eq(state.to_owned()));
    }
    let found: Vec<Delivery> = query
        .order((
            webhook_deliveries::created_at.desc(),
            webhook_deliveries::id.desc(),
        ))
        .limit(limit)
        .select(Delivery::as_select())
        .load(conn)?;
    let ids: Vec<&str> = found.iter().map(|d| d.id.as_str()).collect();
    let attempts = super::chunked(&ids, |chunk| {
        webhook_attempts::table
            .filter(webhook_attempts::delivery_id.eq_any(chunk))
            .order((webhook_attempts::attempted_at, webhook_attempts::id))
            .select(Attempt::as_select())
            .load(conn)
    })?;
    Ok(found
        .into_iter()
        .map(|d| {
            let own = attempts
                .iter()
                .filter(|a| a.delivery_id == d.id)
                .cloned()
                .collect();
            (d, own)
        })
        .collect())
}

/// Sends a finished delivery again, with the same `webhook-id` (409 while it
/// is still pending or sending, or when its endpoint is disabled).
pub fn redeliver(conn: &mut Db, endpoint: &str, delivery: &str) -> Result<Delivery, AppError> {
    write(conn, |conn| {
        if !get(conn, endpoint)?.enabled {
            return Err(disabled(endpoint));
        }
        let of_endpoint = webhook_deliveries::table
            .find(delivery)
            .filter(webhook_deliveries::endpoint_id.eq(endpoint));
        let state: String = of_endpoint
            .select(webhook_deliveries::state)
            .first(conn)
            .optional()?
            .ok_or_else(|| AppError::NotFound(format!("no delivery {delivery} to {endpoint}")))?;
        if !matches!(state.as_str(), "succeeded" | "failed") {
            return Err(AppError::Conflict {
                kind: "/problems/delivery-in-progress",
                detail: format!("delivery {delivery} is {state}; it is being sent already"),
            });
        }
        diesel::update(of_endpoint)
            .set((
                webhook_deliveries::state.eq("pending"),
                webhook_deliveries::next_attempt_at.eq(Utc::now().naive_utc()),
                webhook_deliveries::finished_at.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        Ok(webhook_deliveries::table
            .inner_join(webhook_events::table)
            .filter(webhook_deliveries::id.eq(delivery))
            .select(Delivery::as_select())
            .first(conn)?)
    })
}

/// The number of stored deliveries in each state.
pub fn counts(conn: &mut Db) -> Result<Vec<(String, i64)>, AppError> {
    Ok(webhook_deliveries::table
        .group_by(webhook_deliveries::state)
        .select((webhook_deliveries::state, diesel::dsl::count_star()))
        .load(conn)?)
}
