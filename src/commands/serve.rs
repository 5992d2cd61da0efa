//! `faculty-pool serve`: the HTTP service.

use actix_web::dev::Service;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{web, App, HttpMessage, HttpServer};
use tracing_actix_web::{RequestId, TracingLogger};

use std::sync::Arc;
use std::time::Duration;

use crate::api;
use crate::auth::{self, TokenKeys};
use crate::metrics::{self, Metrics};
use crate::routing::RoutingConfig;
use crate::sheets::read::Limits;
use crate::staffing::recommend::PoolCache;
use crate::staffing::runs::{self, QueueSignal, WorkerConfig};
use crate::store::{self, settings, DbKind};
use crate::webhooks::WebhookConfig;

/// How the service runs; every flag also reads an environment variable.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// HS256 secret of the bearer tokens, at least 32 bytes. Required with
    /// PostgreSQL; an SQLite database generates and keeps one when unset.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// The tokens' `iss`.
    #[arg(long, env = "JWT_ISSUER", default_value = "faculty-pool")]
    pub jwt_issuer: String,
    /// The tokens' `aud`.
    #[arg(long, env = "JWT_AUDIENCE", default_value = "faculty-pool-api")]
    pub jwt_audience: String,
    /// Lifetime of a token in seconds.
    #[arg(long, env = "TOKEN_TTL_S", default_value_t = 3600)]
    pub token_ttl_s: i64,
    /// Database connections in the pool.
    #[arg(long, env = "DB_POOL_SIZE", default_value_t = 8)]
    pub db_pool_size: u32,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "BODY_LIMIT_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub body_limit_bytes: usize,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "HTTP_WORKERS")]
    pub http_workers: Option<usize>,
    /// Staffing runs this process solves at once (0: serve the API only).
    #[arg(long, env = "RUN_WORKERS", default_value_t = 1)]
    pub run_workers: usize,
    /// Seconds a worker's claim on a run lasts without renewal; a run whose
    /// server died is picked up again after this.
    #[arg(long, env = "RUN_LEASE_S", default_value_t = 30)]
    pub run_lease_s: u64,
    /// Staffing runs of one office executing at once (across all replicas)
    /// while another office's run waits in the queue.
    #[arg(long, env = "MAX_RUNNING_PER_OFFICE", default_value_t = 1)]
    pub max_running_per_office: usize,
    /// Largest `time_limit_s` a staffing run or `/solve` may ask for.
    #[arg(long, env = "MAX_TIME_LIMIT_S", default_value_t = 300.0)]
    pub max_time_limit_s: f64,
    /// Seconds the pool snapshot behind recommendations is reused when other
    /// replicas may have written (this process's own writes refresh it at once).
    #[arg(long, env = "POOL_CACHE_TTL_S", default_value_t = 10)]
    pub pool_cache_ttl_s: u64,
    /// The address trainees reach the service at (`https://peixun.example.cn`),
    /// for the QR codes of evaluation forms; by default the scheme and host
    /// of the planner's own request.
    #[arg(long, env = "PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Serve `GET /metrics` (Prometheus); `off` answers 404 there.
    #[arg(long, env = "METRICS", default_value = "on", value_parser = ["on", "off"])]
    pub metrics: String,
    /// A token `GET /metrics` requires as `Authorization: Bearer …`
    /// (none: open to whoever reaches the port).
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    #[command(flatten)]
    pub imports: ImportArgs,
    #[command(flatten)]
    pub webhooks: WebhookArgs,
    #[command(flatten)]
    pub routing: RoutingArgs,
}

/// How much an imported spreadsheet (pool, plan) may hold; each bound is
/// checked while the file is read.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// Largest sheet accepted as sent, in bytes (10,000 instructors take
    /// about 2 MB as CSV).
    #[arg(long, env = "IMPORT_MAX_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub import_max_bytes: usize,
    /// Bytes an XLSX workbook may unpack to.
    #[arg(long, env = "IMPORT_MAX_UNPACKED_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub import_max_unpacked_bytes: u64,
    /// Rows of a sheet, the header included.
    #[arg(long, env = "IMPORT_MAX_ROWS", default_value_t = 50_000)]
    pub import_max_rows: usize,
    /// Columns of a sheet.
    #[arg(long, env = "IMPORT_MAX_COLUMNS", default_value_t = 200)]
    pub import_max_columns: usize,
    /// Characters of one cell.
    #[arg(long, env = "IMPORT_MAX_CELL_CHARS", default_value_t = 5_000)]
    pub import_max_cell_chars: usize,
    /// Seconds reading one sheet may take.
    #[arg(long, env = "IMPORT_MAX_SECONDS", default_value_t = 30.0)]
    pub import_max_seconds: f64,
}

impl ImportArgs {
    fn limits(&self) -> Limits {
        Limits {
            body_bytes: self.import_max_bytes.max(1),
            unpacked_bytes: self.import_max_unpacked_bytes.max(1),
            rows: self.import_max_rows.max(1),
            columns: self.import_max_columns.max(1),
            cell_chars: self.import_max_cell_chars.max(1),
            seconds: self.import_max_seconds.max(1e-6),
        }
    }
}

/// Where road distances come from.
#[derive(Debug, Clone, clap::Args)]
pub struct RoutingArgs {
    /// An OSRM server (`http://osrm.internal:5000`) whose `table` service
    /// gives staffing runs road distances; without one, great-circle
    /// distances are used.
    #[arg(long, env = "ROUTING_URL")]
    pub routing_url: Option<String>,
    /// The OSRM profile the server was built with.
    #[arg(long, env = "ROUTING_PROFILE", default_value = "driving")]
    pub routing_profile: String,
    /// The most coordinates one `table` request may carry: the server's
    /// `--max-table-size` (OSRM's default is 100).
    #[arg(long, env = "ROUTING_MAX_LOCATIONS", default_value_t = 100)]
    pub routing_max_locations: usize,
    /// Seconds one routing request may take.
    #[arg(long, env = "ROUTING_TIMEOUT_S", default_value_t = 10)]
    pub routing_timeout_s: u64,
}

impl RoutingArgs {
    fn config(&self) -> Option<RoutingConfig> {
        Some(RoutingConfig {
            url: self.routing_url.clone()?,
            profile: self.routing_profile.clone(),
            max_locations: self.routing_max_locations.max(2),
            timeout: Duration::from_secs(self.routing_timeout_s.max(1)),
            in_flight: 4,
            retries: 2,
        })
    }
}

/// How webhooks are delivered.
#[derive(Debug, Clone, clap::Args)]
pub struct WebhookArgs {
    /// Let webhook endpoints be on loopback or private networks (an
    /// intranet receiver); by default only public addresses are accepted.
    #[arg(long, env = "WEBHOOK_ALLOW_PRIVATE")]
    pub webhook_allow_private: bool,
    /// Milliseconds before the first retry of a failed delivery; each
    /// further retry waits twice as long (up to an hour), ±50 % jitter.
    #[arg(long, env = "WEBHOOK_RETRY_BASE_MS", default_value_t = 5000)]
    pub webhook_retry_base_ms: u64,
    /// Seconds an endpoint may fail without a success before it is disabled.
    #[arg(long, env = "WEBHOOK_DISABLE_AFTER_S", default_value_t = 86_400)]
    pub webhook_disable_after_s: u64,
    /// Seconds one delivery attempt may take.
    #[arg(long, env = "WEBHOOK_TIMEOUT_S", default_value_t = 10)]
    pub webhook_timeout_s: u64,
    /// Milliseconds the delivery worker waits before looking again for
    /// due deliveries when it found none.
    #[arg(long, env = "WEBHOOK_POLL_MS", default_value_t = 500)]
    pub webhook_poll_ms: u64,
}

impl WebhookArgs {
    fn config(&self) -> WebhookConfig {
        WebhookConfig {
            allow_private: self.webhook_allow_private,
            retry_base: Duration::from_millis(self.webhook_retry_base_ms.max(1)),
            retry_cap: Duration::from_secs(3600),
            disable_after: Duration::from_secs(self.webhook_disable_after_s),
            timeout: Duration::from_secs(self.webhook_timeout_s.max(1)),
            poll: Duration::from_millis(self.webhook_poll_ms.max(1)),
        }
    }
}

/// Where the data lives.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// `postgres://…` for PostgreSQL, else an SQLite file (created if missing).
    #[arg(long, env = "DATABASE_URL", default_value = "faculty-pool.db")]
    pub database_url: String,
}

/// Runs the server until SIGINT or SIGTERM, then drains requests in flight.
///
/// A process that cannot start changes nothing: it takes the SQLite file's
/// serving lock and its listening address before it migrates the database or
/// recovers runs.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let kind = DbKind::of(&args.db.database_url);
    let listener = std::net::TcpListener::bind(&args.bind)
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.bind))?;
    let _serving = match kind {
        DbKind::Sqlite => Some(store::lock_for_serving(&args.db.database_url)?),
        DbKind::Postgresql => None,
    };
    let pool = store::open(&args.db.database_url, args.db_pool_size)?;
    let secret = match args.jwt_secret {
        Some(secret) => secret,
        None if kind == DbKind::Sqlite => {
            tracing::warn!("JWT_SECRET is not set; using the secret kept in the SQLite database");
            settings::jwt_secret(&mut *pool.get()?)?
        }
        None => anyhow::bail!(
            "JWT_SECRET (at least 32 bytes) is required with PostgreSQL, so that all replicas share it"
        ),
    };
    let keys = web::Data::new(TokenKeys::new(
        secret.as_bytes(),
        &args.jwt_issuer,
        &args.jwt_audience,
        args.token_ttl_s,
    )?);
    let workers = WorkerConfig {
        concurrency: args.run_workers,
        lease: Duration::from_secs(args.run_lease_s.max(1)),
        poll: Duration::from_secs(1),
        max_time_limit_s: args.max_time_limit_s,
        max_running_per_office: args.max_running_per_office,
        routing: args.routing.config(),
    };
    let signal = Arc::new(QueueSignal::default());
    let access = match (args.metrics.as_str(), args.metrics_token) {
        ("off", _) => metrics::Access::Off,
        (_, Some(token)) => metrics::Access::Token(token),
        (_, None) => metrics::Access::Open,
    };
    let metrics = Metrics::new(access)?;
    let http_metrics = metrics.http()?;
    runs::start_workers(
        pool.clone(),
        kind,
        workers.clone(),
        signal.clone(),
        metrics.clone(),
    )?;
    record_delivered_sessions(pool.clone())?;
    let webhooks = args.webhooks.config();
    crate::webhooks::start(pool.clone(), kind, webhooks.clone(), metrics.clone())?;
    let webhooks = web::Data::new(webhooks);
    let import_limits = web::Data::new(args.imports.limits());
    let workers = web::Data::new(workers);
    let signal = web::Data::new(signal);
    let cache = web::Data::new(PoolCache::new(
        Duration::from_secs(args.pool_cache_ttl_s),
        workers.routing.as_ref().map(|r| r.profile.clone()),
    ));
    {
        let cache = cache.clone();
        metrics.read_snapshot_age_from(move || cache.age());
    }
    cache.clone().into_inner().keep_fresh(pool.clone());
    let pool = web::Data::new(pool);
    let public_url = web::Data::new(api::evaluations::PublicUrl(args.public_url));
    let metrics = web::Data::new(metrics);
    let body_limit = args.body_limit_bytes;
    let document = api::document();
    let paths = web::Data::new(api::PathMethods::of(&document));
    let mut server = HttpServer::new(move || {
        let document = document.clone();
        let methods = paths.clone();
        App::new()
            .wrap(actix_web::middleware::from_fn(auth::identify))
            .wrap(actix_web::middleware::from_fn(
                crate::problem_details::fill_empty_errors,
            ))
            .wrap_fn(move |req, srv| {
                // A method the path does not take is a 405 before anything
                // else: the router answers it, so a refused target passes.
                let checked =
                    api::request_target::check(req.path(), req.query_string()).or_else(|e| {
                        if methods.refuses(req.method().as_str(), req.path()) {
                            Ok(())
                        } else {
                            Err(e)
                        }
                    });
                let response = checked.map(|()| srv.call(req));
                async move { response?.await }
            })
            .wrap_fn(|req, srv| {
                let id = req.extensions().get::<RequestId>().copied();
                let response = srv.call(req);
                async move {
                    let mut response = response.await?;
                    if let Some(value) =
                        id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok())
                    {
                        response
                            .headers_mut()
                            .insert(HeaderName::from_static("x-request-id"), value);
                    }
                    Ok(response)
                }
            })
            .wrap(actix_web::middleware::from_fn(crate::http::head::as_get))
            .wrap(TracingLogger::default())
            .wrap(http_metrics.clone())
            .app_data(pool.clone())
            .app_data(keys.clone())
            .app_data(workers.clone())
            .app_data(signal.clone())
            .app_data(cache.clone())
            .app_data(public_url.clone())
            .app_data(metrics.clone())
            .app_data(webhooks.clone())
            .app_data(import_limits.clone())
            .app_data(web::PayloadConfig::new(body_limit))
            .app_data(paths.clone())
            .configure(|cfg| api::configure(cfg, document))
    })
    .shutdown_timeout(30);
    if let Some(workers) = args.http_workers {
        server = server.workers(workers);
    }
    let server = server.listen(listener)?;
    for addr in server.addrs() {
        // Scripts and tests read this line to find the port.
        println!("listening on http://{addr}");
    }
    tracing::info!(bind = %args.bind, "faculty-pool serving");
    server.run().await?;
    tracing::info!("stopped");
    Ok(())
}

/// How often delivered sessions are turned into teaching records.
const RECORDING_EVERY: Duration = Duration::from_secs(60);

/// A background thread that makes, once, the teaching record of every
/// confirmed assignment whose session has ended (listing an instructor's
/// records does the same for them at once).
fn record_delivered_sessions(pool: store::DbPool) -> anyhow::Result<()> {
    std::thread::Builder::new()
        .name("delivered-sessions".to_owned())
        .spawn(move || loop {
            let now = chrono::Utc::now().naive_utc();
            let made = pool
                .get()
                .map_err(crate::error::AppError::from)
                .and_then(|mut conn| store::teaching::record_delivered(&mut conn, None, now));
            match made {
                Ok(0) => {}
                Ok(made) => tracing::info!(made, "teaching records of delivered sessions"),
                Err(e) => tracing::warn!(error = %e, "cannot record delivered sessions"),
            }
            std::thread::sleep(RECORDING_EVERY);
        })?;
    Ok(())
}
