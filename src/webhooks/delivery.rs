//! The delivery worker: claims due deliveries from the outbox (`FOR UPDATE
//! SKIP LOCKED` on PostgreSQL, so replicas never send the same one twice),
//! posts each signed event, logs the attempt, and on failure schedules the
//! next one with exponential backoff and jitter. An endpoint that has failed
//! for [`WebhookConfig::disable_after`] without a success is disabled, and
//! what it still had to receive is given up (an admin can re-enable it and
//! redeliver). A claim is a lease: a delivery whose process died is sent
//! again after it runs out, so deliveries survive restarts. A process sends
//! each endpoint's due events one after another in the order they happened;
//! retries and replicas can reorder them, so receivers order by the
//! payload's `timestamp`.

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};
use rand::Rng;

use super::{address, signing};
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::store::schema::{
    webhook_attempts, webhook_deliveries, webhook_endpoints, webhook_events,
};
use crate::store::webhooks::Endpoint;
use crate::store::{write_bookkeeping, Db, DbKind, DbPool};

/// How webhooks are delivered.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Endpoints may be on loopback or private networks.
    pub allow_private: bool,
    /// The wait before the first retry; it doubles with each failure.
    pub retry_base: Duration,
    /// The longest wait between two attempts.
    pub retry_cap: Duration,
    /// How long an endpoint may fail without a success before it is disabled.
    pub disable_after: Duration,
    /// How long one attempt may take.
    pub timeout: Duration,
    /// How often the worker looks for due deliveries.
    pub poll: Duration,
}

/// Deliveries sent at once.
const BATCH: i64 = 8;

impl WebhookConfig {
    /// How long a claim lasts: a minute longer than any attempt.
    fn lease(&self) -> Duration {
        self.timeout + Duration::from_secs(60)
    }
}
/// How much of a response body the log keeps.
const EXCERPT_CHARS: usize = 1000;

/// Starts the delivery worker thread. On SQLite, which one server process
/// serves, deliveries a stopped process was sending are due again at once.
pub fn start(
    pool: DbPool,
    kind: DbKind,
    config: WebhookConfig,
    metrics: Arc<Metrics>,
) -> anyhow::Result<()> {
    if kind == DbKind::Sqlite {
        diesel::update(webhook_deliveries::table.filter(webhook_deliveries::state.eq("sending")))
            .set((
                webhook_deliveries::state.eq("pending"),
                webhook_deliveries::worker.eq(None::<String>),
                webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(&mut *pool.get()?)?;
    }
    let worker = format!("{}", uuid::Uuid::new_v4().simple());
    std::thread::Builder::new()
        .name("webhook-delivery".to_owned())
        .spawn(move || loop {
            let claimed = pool
                .get()
                .map_err(AppError::from)
                .and_then(|mut conn| claim(&mut conn, &worker, config.lease()));
            match claimed {
                Ok(claimed) if !claimed.is_empty() => std::thread::scope(|scope| {
                    for batch in by_endpoint(claimed) {
                        let (pool, worker, config, metrics) = (&pool, &worker, &config, &metrics);
                        scope.spawn(move || {
                            for id in &batch {
                                if let Err(e) = deliver(pool, id, worker, config, metrics) {
                                    tracing::error!(delivery = %id, error = %e, "webhook delivery failed");
                                }
                            }
                        });
                    }
                }),
                Ok(_) => std::thread::sleep(config.poll),
                Err(e) => {
                    tracing::error!(error = %e, "cannot claim webhook deliveries");
                    std::thread::sleep(config.poll);
                }
            }
        })?;
    Ok(())
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    endpoint_id: String,
}

/// The claimed deliveries of each endpoint, in the order of their events:
/// endpoints are sent to side by side, each one's events one after another.
fn by_endpoint(claimed: Vec<Claimed>) -> Vec<Vec<String>> {
    let mut batches: Vec<(String, Vec<String>)> = Vec::new();
    for c in claimed {
        match batches.iter_mut().find(|(e, _)| *e == c.endpoint_id) {
            Some((_, ids)) => ids.push(c.id),
            None => batches.push((c.endpoint_id, vec![c.id])),
        }
    }
    batches.into_iter().map(|(_, ids)| ids).collect()
}

/// Claims up to [`BATCH`] due deliveries of enabled endpoints: pending ones
/// whose time has come, and ones whose sender's lease ran out.
fn claim(conn: &mut Db, worker: &str, lease: Duration) -> Result<Vec<Claimed>, AppError> {
    let now = Utc::now().naive_utc();
    let lease_until = now + chrono::Duration::from_std(lease).unwrap_or_default();
    let skip_locked = match conn {
        Db::Postgresql(_) => " FOR UPDATE OF d SKIP LOCKED",
        Db::Sqlite(_) => "",
    };
    let due = "((state = 'pending' AND next_attempt_at <= $3) \
               OR (state = 'sending' AND lease_until < $3))";
    let sql = format!(
        "UPDATE webhook_deliveries SET state = 'sending', worker = $1, lease_until = $2 \
         WHERE id IN (SELECT d.id FROM webhook_deliveries d \
                      JOIN webhook_endpoints e ON e.id = d.endpoint_id \
                      WHERE e.enabled = TRUE AND {due_d} \
                      ORDER BY d.next_attempt_at, d.id LIMIT {BATCH}{skip_locked}) \
         AND {due} \
         RETURNING id, endpoint_id",
        due_d = due
            .replace("state", "d.state")
            .replace("next_attempt_at", "d.next_attempt_at")
            .replace("lease_until", "d.lease_until"),
    );
    let mut claimed = write_bookkeeping(conn, |conn| {
        diesel::sql_query(&sql)
            .bind::<Text, _>(worker)
            .bind::<Timestamp, _>(lease_until)
            .bind::<Timestamp, _>(now)
            .load::<Claimed>(conn)
    })?;
    // RETURNING does not keep the subquery's order.
    let order: Vec<(NaiveDateTime, String)> = webhook_deliveries::table
        .filter(webhook_deliveries::id.eq_any(claimed.iter().map(|c| &c.id)))
        .select((webhook_deliveries::next_attempt_at, webhook_deliveries::id))
        .load(conn)?;
    claimed.sort_by_key(|c| order.iter().find(|(_, id)| *id == c.id).map(|(at, _)| *at));
    Ok(claimed)
}

/// What one attempt got back.
struct Outcome {
    status: Option<u16>,
    error: Option<String>,
    excerpt: Option<String>,
    duration: Duration,
}

impl Outcome {
    fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Sends one claimed delivery and records the attempt.
fn deliver(
    pool: &DbPool,
    id: &str,
    worker: &str,
    config: &WebhookConfig,
    metrics: &Metrics,
) -> Result<(), AppError> {
    let (endpoint, event_id, payload) = {
        let mut conn = pool.get()?;
        webhook_deliveries::table
            .inner_join(webhook_endpoints::table)
            .inner_join(webhook_events::table)
            .filter(webhook_deliveries::id.eq(id))
            .select((
                Endpoint::as_select(),
                webhook_events::id,
                webhook_events::payload,
            ))
            .first::<(Endpoint, String, String)>(&mut conn)?
    };
    let outcome = send(&endpoint, &event_id, &payload, config);
    metrics.webhook_attempt(if outcome.succeeded() {
        "succeeded"
    } else {
        "failed"
    });
    record(&mut *pool.get()?, id, worker, &endpoint, &outcome, config)
}

/// Posts the signed event to the endpoint's checked addresses.
fn send(endpoint: &Endpoint, event_id: &str, payload: &str, config: &WebhookConfig) -> Outcome {
    let started = Instant::now();
    let failed = |error: String| Outcome {
        status: None,
        error: Some(error),
        excerpt: None,
        duration: started.elapsed(),
    };
    let target = match address::check(&endpoint.url, config.allow_private) {
        Ok(target) => target,
        Err(e) => return failed(format!("refused: {e}")),
    };
    let timestamp = Utc::now().timestamp();
    let signed: anyhow::Result<Vec<String>> = endpoint
        .signing_secrets(Utc::now().naive_utc())
        .into_iter()
        .map(|secret| signing::sign(secret, event_id, timestamp, payload))
        .collect();
    let signature = match signed.map(|signatures| signatures.join(" ")) {
        Ok(signature) => signature,
        Err(e) => return failed(format!("cannot sign: {e}")),
    };
    let client = reqwest::blocking::Client::builder()
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .resolve_to_addrs(&target.host, &target.addrs)
        .user_agent(concat!("faculty-pool-webhooks/", env!("CARGO_PKG_VERSION")))
        .build();
    let sent = client.and_then(|client| {
        client
            .post(target.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", event_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(payload.to_owned())
            .send()
    });
    match sent {
        Ok(response) => {
            let status = response.status().as_u16();
            let mut body = Vec::new();
            // A few kilobytes are enough for the excerpt; the rest is not read.
            let _ = response
                .take(4 * EXCERPT_CHARS as u64)
                .read_to_end(&mut body);
            let excerpt: String = String::from_utf8_lossy(&body)
                .chars()
                .filter(|c| *c != '\0')
                .take(EXCERPT_CHARS)
                .collect();
            Outcome {
                status: Some(status),
                error: None,
                excerpt: Some(excerpt),
                duration: started.elapsed(),
            }
        }
        Err(e) if e.is_timeout() => failed(format!("no answer within {:?}", config.timeout)),
        Err(e) if e.is_connect() => failed("cannot connect".to_owned()),
        Err(e) => failed(format!("request failed: {e}")),
    }
}

/// The wait before attempt `attempts + 1`: `retry_base · 2^(attempts-1)`,
/// capped, then scaled by a random factor in [0.5, 1.5) so that endpoints
/// that failed together are not retried together.
fn backoff(attempts: i32, config: &WebhookConfig) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let wait = config
        .retry_base
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(config.retry_cap);
    wait.mul_f64(rand::rng().random_range(0.5..1.5))
}

/// Logs an attempt and settles the delivery: succeeded, retried later, or
/// given up with its endpoint once that endpoint has failed for too long.
/// Nothing is changed if the claim was taken over meanwhile.
fn record(
    conn: &mut Db,
    id: &str,
    worker: &str,
    endpoint: &Endpoint,
    outcome: &Outcome,
    config: &WebhookConfig,
) -> Result<(), AppError> {
    let now = Utc::now().naive_utc();
    write_bookkeeping(conn, |conn| {
        let mine = webhook_deliveries::table
            .find(id)
            .filter(webhook_deliveries::worker.eq(worker))
            .filter(webhook_deliveries::state.eq("sending"));
        let Some(attempts) = mine
            .select(webhook_deliveries::attempts)
            .first::<i32>(conn)
            .optional()?
        else {
            tracing::warn!(
                delivery = id,
                "a webhook delivery was taken over; attempt not logged"
            );
            return Ok(());
        };
        let attempts = attempts + 1;
        diesel::insert_into(webhook_attempts::table)
            .values((
                webhook_attempts::id.eq(uuid::Uuid::new_v4().to_string()),
                webhook_attempts::delivery_id.eq(id),
                webhook_attempts::attempted_at.eq(now),
                webhook_attempts::status_code.eq(outcome.status.map(i32::from)),
                webhook_attempts::duration_ms
                    .eq(i32::try_from(outcome.duration.as_millis()).unwrap_or(i32::MAX)),
                webhook_attempts::error.eq(&outcome.error),
                webhook_attempts::response_excerpt.eq(&outcome.excerpt),
            ))
            .execute(conn)?;
        let endpoint_row = webhook_endpoints::table.find(&endpoint.id);
        if outcome.succeeded() {
            diesel::update(mine)
                .set((
                    webhook_deliveries::state.eq("succeeded"),
                    webhook_deliveries::attempts.eq(attempts),
                    webhook_deliveries::finished_at.eq(now),
                    webhook_deliveries::worker.eq(None::<String>),
                    webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
            diesel::update(endpoint_row)
                .set(webhook_endpoints::failing_since.eq(None::<NaiveDateTime>))
                .execute(conn)?;
            return Ok(());
        }
        let failing_since: Option<NaiveDateTime> = endpoint_row
            .select(webhook_endpoints::failing_since)
            .first(conn)?;
        let failing_since = failing_since.unwrap_or(now);
        let limit = chrono::Duration::from_std(config.disable_after).unwrap_or_default();
        if now - failing_since >= limit {
            let reason = format!(
                "every attempt failed from {}Z to {}Z",
                failing_since.format("%Y-%m-%d %H:%M:%S"),
                now.format("%Y-%m-%d %H:%M:%S")
            );
            tracing::warn!(endpoint = %endpoint.id, %reason, "webhook endpoint disabled");
            diesel::update(endpoint_row)
                .set((
                    webhook_endpoints::enabled.eq(false),
                    webhook_endpoints::disabled_reason.eq(reason),
                    webhook_endpoints::failing_since.eq(Some(failing_since)),
                ))
                .execute(conn)?;
            diesel::update(mine)
                .set(webhook_deliveries::attempts.eq(attempts))
                .execute(conn)?;
            give_up(conn, &endpoint.id, now)?;
            return Ok(());
        }
        let next = now + chrono::Duration::from_std(backoff(attempts, config)).unwrap_or_default();
        diesel::update(endpoint_row)
            .set(webhook_endpoints::failing_since.eq(Some(failing_since)))
            .execute(conn)?;
        diesel::update(mine)
            .set((
                webhook_deliveries::state.eq("pending"),
                webhook_deliveries::attempts.eq(attempts),
                webhook_deliveries::next_attempt_at.eq(next),
                webhook_deliveries::worker.eq(None::<String>),
                webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Marks failed what a disabled endpoint still had to receive.
fn give_up(conn: &mut Db, endpoint: &str, now: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::endpoint_id.eq(endpoint))
            .filter(webhook_deliveries::state.eq_any(["pending", "sending"])),
    )
    .set((
        webhook_deliveries::state.eq("failed"),
        webhook_deliveries::finished_at.eq(now),
        webhook_deliveries::worker.eq(None::<String>),
        webhook_deliveries::lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_the_cap() {
        let config = WebhookConfig {
            allow_private: false,
            retry_base: Duration::from_secs(5),
            retry_cap: Duration::from_secs(3600),
            disable_after: Duration::from_secs(86_400),
            timeout: Duration::from_secs(10),
            poll: Duration::from_secs(1),
        };
        for (attempts, nominal) in [(1, 5.0), (2, 10.0), (3, 20.0), (10, 2560.0), (30, 3600.0)] {
            let waits: Vec<f64> = (0..200)
                .map(|_| backoff(attempts, &config).as_secs_f64())
                .collect();
            assert!(waits
                .iter()
                .all(|w| *w >= 0.5 * nominal && *w < 1.5 * nominal));
            let (lo, hi) = waits
                .iter()
                .fold((f64::MAX, 0.0f64), |(lo, hi), w| (lo.min(*w), hi.max(*w)));
            assert!(hi - lo > 0.2 * nominal, "no jitter at attempt {attempts}");
        }
    }
}
