//! `GET /metrics` in the Prometheus text format: HTTP requests by route
//! pattern, method and status with a latency histogram (actix-web-prom);
//! staffing runs by state (the queue, read from the database at each
//! scrape, so every replica reports the same); how long this process's runs
//! took by outcome and the final gap of its last one; the age of the
//! recommendation snapshot; webhook deliveries stored by state and this
//! process's attempts by outcome. Open, behind a token, or off.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use prometheus::{
    Encoder, Gauge, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts,
    Registry,
};
use sha2::Digest;

use crate::error::AppError;
use crate::store::{self, DbPool};
use crate::vocabulary::{Named, RunState};

const NAMESPACE: &str = "faculty_pool";
/// Every state a webhook delivery can be in.
const DELIVERY_STATES: [&str; 4] = ["pending", "sending", "succeeded", "failed"];

/// Who may read the metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Anyone who reaches the port.
    Open,
    /// A request with `Authorization: Bearer <token>`.
    Token(String),
    /// Nobody: `/metrics` is a 404.
    Off,
}

/// The service's own metrics beside the HTTP ones.
pub struct Metrics {
    registry: Registry,
    access: Access,
    runs: IntGaugeVec,
    run_seconds: HistogramVec,
    run_gap: GaugeVec,
    snapshot_age: Gauge,
    /// Reads the age of the recommendation snapshot (set by the server).
    snapshot_clock: OnceLock<SnapshotClock>,
    deliveries: IntGaugeVec,
    attempts: IntCounterVec,
}

/// How old the recommendation snapshot is, if one was built.
type SnapshotClock = Box<dyn Fn() -> Option<Duration> + Send + Sync>;

impl Metrics {
    pub fn new(access: Access) -> anyhow::Result<Arc<Self>> {
        let registry = Registry::new();
        let runs = IntGaugeVec::new(
            Opts::new("staffing_runs", "Staffing runs stored, by state").namespace(NAMESPACE),
            &["state"],
        )?;
        let run_seconds = HistogramVec::new(
            HistogramOpts::new(
                "staffing_run_seconds",
                "Seconds this process took to build, solve and store a run, by outcome",
            )
            .namespace(NAMESPACE)
            .buckets(vec![0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0]),
            &["outcome"],
        )?;
        let run_gap = GaugeVec::new(
            Opts::new(
                "staffing_run_gap",
                "Relative gap between objective and bound of the last run this process solved, by solver status",
            )
            .namespace(NAMESPACE),
            &["status"],
        )?;
        let snapshot_age = Gauge::with_opts(
            Opts::new(
                "recommendation_snapshot_age_seconds",
                "Age of the pool snapshot behind recommendations (NaN before the first)",
            )
            .namespace(NAMESPACE),
        )?;
        let deliveries = IntGaugeVec::new(
            Opts::new("webhook_deliveries", "Webhook deliveries stored, by state")
                .namespace(NAMESPACE),
            &["state"],
        )?;
        let attempts = IntCounterVec::new(
            Opts::new(
                "webhook_attempts_total",
                "Webhook delivery attempts this process made, by outcome (succeeded: a 2xx)",
            )
            .namespace(NAMESPACE),
            &["outcome"],
        )?;
        registry.register(Box::new(deliveries.clone()))?;
        registry.register(Box::new(attempts.clone()))?;
        registry.register(Box::new(runs.clone()))?;
        registry.register(Box::new(run_seconds.clone()))?;
        registry.register(Box::new(run_gap.clone()))?;
        registry.register(Box::new(snapshot_age.clone()))?;
        Ok(Arc::new(Self {
            registry,
            access,
            runs,
            run_seconds,
            run_gap,
            snapshot_age,
            snapshot_clock: OnceLock::new(),
            deliveries,
            attempts,
        }))
    }

    /// The middleware that counts and times requests into this registry,
    /// labelled by route pattern (`/api/v1/plans/{id}`), not by path.
    pub fn http(&self) -> anyhow::Result<PrometheusMetrics> {
        PrometheusMetricsBuilder::new(NAMESPACE)
            .registry(self.registry.clone())
            .mask_unmatched_patterns("unmatched")
            .exclude("/metrics")
            .build()
            .map_err(|e| anyhow::anyhow!("metrics: {e}"))
    }

    /// Records a run this process finished: `outcome` (done or failed), its
    /// seconds and, when solved, the solver's status and final gap.
    pub fn run_finished(&self, outcome: RunState, seconds: f64, solved: Option<(&str, f64)>) {
        self.run_seconds
            .with_label_values(&[outcome.code()])
            .observe(seconds);
        if let Some((status, gap)) = solved {
            self.run_gap.reset();
            self.run_gap.with_label_values(&[status]).set(gap);
        }
    }

    /// Where the age of the recommendation snapshot is read at each scrape.
    pub fn read_snapshot_age_from(
        &self,
        clock: impl Fn() -> Option<Duration> + Send + Sync + 'static,
    ) {
        let _ = self.snapshot_clock.set(Box::new(clock));
    }

    /// Counts a webhook delivery attempt: `succeeded` or `failed`.
    pub fn webhook_attempt(&self, outcome: &str) {
        self.attempts.with_label_values(&[outcome]).inc();
    }
}

/// `GET /metrics`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(scrape));
}

async fn scrape(
    req: HttpRequest,
    metrics: web::Data<Arc<Metrics>>,
    pool: web::Data<DbPool>,
) -> Result<HttpResponse, AppError> {
    match &metrics.access {
        Access::Off => return Err(AppError::NotFound("no such endpoint".to_owned())),
        Access::Token(token) => {
            let given = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            // Compared as SHA-256 digests, so the time a refusal takes says
            // nothing about how much of the token a guess got right.
            let digest = |t: &str| sha2::Sha256::digest(t.as_bytes());
            if given.map(digest) != Some(digest(token)) {
                return Err(AppError::Unauthorized(
                    "the metrics need Authorization: Bearer <METRICS_TOKEN>",
                ));
            }
        }
        Access::Open => {}
    }
    let (runs, deliveries) = store::run(&pool, |conn| {
        Ok((store::runs::counts(conn)?, store::webhooks::counts(conn)?))
    })
    .await?;
    for (state, n) in runs {
        metrics.runs.with_label_values(&[state.code()]).set(n);
    }
    set_counts(&metrics.deliveries, &DELIVERY_STATES, &deliveries);
    let age = metrics.snapshot_clock.get().and_then(|clock| clock());
    metrics
        .snapshot_age
        .set(age.map_or(f64::NAN, |age| age.as_secs_f64()));
    let mut text = Vec::new();
    prometheus::TextEncoder::new()
        .encode(&metrics.registry.gather(), &mut text)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type(prometheus::TEXT_FORMAT)
        .body(text))
}

/// Sets a gauge per state from stored counts, 0 for a state none is in.
fn set_counts(gauge: &IntGaugeVec, states: &[&str], counts: &[(String, i64)]) {
    for state in states {
        let n = counts
            .iter()
            .find(|(s, _)| s == state)
            .map_or(0, |(_, n)| *n);
        gauge.with_label_values(&[state]).set(n);
    }
}
