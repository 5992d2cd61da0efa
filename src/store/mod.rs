//! Storage: one diesel code base on SQLite (the embedded default) and
//! PostgreSQL, chosen by the database URL's scheme.
//!
//! Each module holds one resource's rows and queries. Every write runs in
//! [`write`], one transaction that takes the write lock first.

/// Runs `$body` with `$c` the backend's own connection: diesel's
/// multi-backend connection cannot insert many rows in one statement.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            Db::Postgresql($c) => $body,
            Db::Sqlite($c) => $body,
        }
    };
}

pub mod assignments;
pub mod availability;
pub mod calendar;
pub mod evaluation_forms;
pub mod exclusions;
pub mod instructors;
pub mod names;
pub mod offices;
pub mod plans;
pub mod pool;
pub mod quality;
pub mod ratings;
pub mod reach;
pub mod road_distances;
pub mod rules;
pub mod runs;
pub mod schema;
pub mod settings;
pub mod teaching;
pub mod topics;
pub mod users;
pub mod webhooks;

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ManageConnection, Pool, R2D2Connection};
use diesel::{Connection, MultiConnection, PgConnection, RunQueryDsl, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::AppError;

/// A connection to either backend.
#[derive(MultiConnection)]
pub enum Db {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// The query backend of [`Db`], for boxed queries.
pub type Backend = <Db as Connection>::Backend;

/// The connection pool shared by the request handlers.
pub type DbPool = Pool<Manager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgresql");

/// Settings every SQLite connection gets: a busy timeout so writers queue
/// instead of failing, and enforced foreign keys.
const SQLITE_PRAGMAS: &str =
    "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

/// Write-ahead logging, so readers do not block the writer. It is a setting
/// of the database file, made once before the pool opens connections in
/// parallel (switching it needs the database to itself).
const SQLITE_WAL: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;";

/// Which backend a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgresql,
}

impl DbKind {
    /// `postgres://` and `postgresql://` URLs are PostgreSQL; anything else is
    /// an SQLite file path (an optional `sqlite://` prefix is dropped).
    pub fn of(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::Postgresql
        } else {
            Self::Sqlite
        }
    }
}

/// Opens connections of the backend the URL names (never falls back to the
/// other backend when a connection fails).
#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
    kind: DbKind,
}

impl Manager {
    pub fn new(url: &str) -> Self {
        let kind = DbKind::of(url);
        let url = match kind {
            DbKind::Sqlite => url.strip_prefix("sqlite://").unwrap_or(url).to_owned(),
            DbKind::Postgresql => url.to_owned(),
        };
        Self { url, kind }
    }
}

impl ManageConnection for Manager {
    type Connection = Db;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Db, Self::Error> {
        use diesel::r2d2::Error;
        match self.kind {
            DbKind::Postgresql => PgConnection::establish(&self.url)
                .map(Db::Postgresql)
                .map_err(Error::ConnectionError),
            DbKind::Sqlite => {
                let mut conn =
                    SqliteConnection::establish(&self.url).map_err(Error::ConnectionError)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(Error::QueryError)?;
                ratings::register_sqlite_functions(&mut conn).map_err(Error::QueryError)?;
                Ok(Db::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut Db) -> Result<(), Self::Error> {
        ping(conn).map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Db) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Takes the serving lock of an SQLite database: an exclusive `flock` on
/// the database file itself (created empty if missing), held while the
/// returned file is open, that is for the whole life of the server. A lock
/// belongs to the file, not to its name, so a second server reaching the
/// same file through a symbolic or hard link is refused too (before it
/// changes anything), and the first one's running staffing runs are never
/// taken from it. SQLite's own locks are POSIX record locks, which a
/// `flock` does not touch; the file stays open, so closing it can never
/// drop them.
pub fn lock_for_serving(url: &str) -> anyhow::Result<std::fs::File> {
    let path = Manager::new(url).url;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .map_err(|e| anyhow::anyhow!("cannot open the database {path}: {e}"))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another faculty-pool server is serving this SQLite database ({path}, perhaps \
             through another name for the same file); one server process serves an SQLite \
             database, use PostgreSQL for replicas"
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            anyhow::bail!("cannot lock {path}: {e}")
        }
    }
}

/// A pool for `url`, with the schema migrated to the newest version.
pub fn open(url: &str, max_connections: u32) -> anyhow::Result<DbPool> {
    let manager = Manager::new(url);
    if manager.kind == DbKind::Sqlite {
        SqliteConnection::establish(&manager.url)?.batch_execute(SQLITE_WAL)?;
    }
    let pool = Pool::builder()
        .max_size(max_connections)
        .connection_timeout(Duration::from_secs(5))
        .build(manager)?;
    let applied = migrate(&mut *pool.get()?)?;
    for version in applied {
        tracing::info!(%version, "applied migration");
    }
    Ok(pool)
}

/// Runs the pending migrations; returns the versions applied.
pub fn migrate(conn: &mut Db) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        Db::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        Db::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// Refreshes the query planner's statistics of every table, as after a bulk
/// load: without them PostgreSQL plans a national pool's lists blind.
pub fn analyze(conn: &mut Db) -> diesel::QueryResult<()> {
    diesel::sql_query("ANALYZE").execute(conn).map(drop)
}

/// Reverts the newest migration, or all of them; returns the versions reverted.
pub fn revert(conn: &mut Db, all: bool) -> anyhow::Result<Vec<String>> {
    fn run<C: MigrationHarness<B>, B: diesel::backend::Backend>(
        c: &mut C,
        migrations: EmbeddedMigrations,
        all: bool,
    ) -> diesel::migration::Result<Vec<String>> {
        if all {
            let versions = c.revert_all_migrations(migrations)?;
            Ok(versions.iter().map(ToString::to_string).collect())
        } else {
            Ok(vec![c.revert_last_migration(migrations)?.to_string()])
        }
    }
    match conn {
        Db::Sqlite(c) => run(c, SQLITE_MIGRATIONS, all),
        Db::Postgresql(c) => run(c, POSTGRES_MIGRATIONS, all),
    }
    .map_err(|e| anyhow::anyhow!("revert failed: {e}"))
}

/// Counts the write transactions this process committed, so that caches of
/// stored data know when they are stale; updated under [`CHANGES`].
static WRITES: AtomicU64 = AtomicU64::new(0);

/// What the most recent writes touched, by their number in [`WRITES`].
static CHANGES: Mutex<VecDeque<(u64, Touched)>> = Mutex::new(VecDeque::new());

/// How many recent writes [`changed_since`] can tell apart; a cache older
/// than that is read again whole.
const CHANGES_KEPT: usize = 4096;

/// What a committed write may have changed, for caches of pool data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Touched {
    /// Anything stored.
    Anything,
    /// The data of these instructors only: their availability, contact,
    /// record, or what they hold (an assignment of theirs made, changed or
    /// removed).
    Instructors(Vec<String>),
}

/// The number of write transactions this process has committed.
pub fn writes() -> u64 {
    WRITES.load(Ordering::Acquire)
}

/// The writes after the `seen`th, up to the latest: their number and the
/// instructors they touched, or `None` when one may have touched anything
/// else (or is too old to tell).
pub fn changed_since(seen: u64) -> Option<(u64, HashSet<String>)> {
    let changes = CHANGES.lock().unwrap_or_else(PoisonError::into_inner);
    let latest = writes();
    let mut touched = HashSet::new();
    if seen >= latest {
        return Some((latest, touched));
    }
    if changes.front()?.0 > seen + 1 {
        return None;
    }
    for (_, change) in changes.iter().filter(|(n, _)| *n > seen) {
        match change {
            Touched::Anything => return None,
            Touched::Instructors(ids) => touched.extend(ids.iter().cloned()),
        }
    }
    Some((latest, touched))
}

fn committed(touched: Touched) {
    let mut changes = CHANGES.lock().unwrap_or_else(PoisonError::into_inner);
    let number = writes() + 1;
    changes.push_back((number, touched));
    if changes.len() > CHANGES_KEPT {
        changes.pop_front();
    }
    WRITES.store(number, Ordering::Release);
}

/// Runs `f` in one transaction that holds the database's write lock from
/// its first statement: on SQLite a deferred transaction that reads before it
/// writes can fail to upgrade its lock, so a no-op write comes first; on
/// PostgreSQL it is an ordinary transaction (row locks are taken by the
/// callers that need them). A commit counts in [`writes`].
pub fn write<T, E, F>(conn: &mut Db, f: F) -> Result<T, E>
where
    F: FnOnce(&mut Db) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    write_touching(conn, Touched::Anything, f)
}

/// A rule an imported row breaks: its row, its field (a column code of the
/// sheet) and the rule.
#[derive(Debug)]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub rule: String,
    pub detail: String,
}

impl RowError {
    /// `error` found at `row`'s `column`.
    pub fn new(row: usize, column: &str, error: solver::FieldError) -> Self {
        Self {
            row,
            column: column.to_owned(),
            rule: error.rule,
            detail: error.detail,
        }
    }
}

/// A sheet import's writes, `f` (which lists the rows it refuses in its
/// second argument), in one [`write`] transaction: kept when no row was
/// refused and it is not a `dry_run`, rolled back otherwise. Either way the
/// answer is what `f` made, or every refused row.
pub fn import_rows<T, F>(
    conn: &mut Db,
    dry_run: bool,
    f: F,
) -> Result<Result<T, Vec<RowError>>, AppError>
where
    F: FnOnce(&mut Db, &mut Vec<RowError>) -> Result<T, AppError>,
{
    /// Why the transaction ended without committing.
    enum Stop<T> {
        Failed(AppError),
        RolledBack(Result<T, Vec<RowError>>),
    }
    impl<T> From<diesel::result::Error> for Stop<T> {
        fn from(e: diesel::result::Error) -> Self {
            Self::Failed(e.into())
        }
    }
    let outcome = write(conn, |conn| {
        let mut errors = Vec::new();
        let made = f(conn, &mut errors).map_err(Stop::Failed)?;
        if !errors.is_empty() {
            Err(Stop::RolledBack(Err(errors)))
        } else if dry_run {
            Err(Stop::RolledBack(Ok(made)))
        } else {
            Ok(Ok(made))
        }
    });
    match outcome {
        Ok(done) | Err(Stop::RolledBack(done)) => Ok(done),
        Err(Stop::Failed(e)) => Err(e),
    }
}

/// [`write`] for a change that touches only what `touched` says, so that
/// caches of pool data re-read only that.
pub fn write_touching<T, E, F>(conn: &mut Db, touched: Touched, f: F) -> Result<T, E>
where
    F: FnOnce(&mut Db) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    write_learning(conn, |conn| f(conn).map(|done| (done, touched)))
}

/// [`write_touching`] for a change that learns what it touches as it goes:
/// `f` answers with it.
pub fn write_learning<T, E, F>(conn: &mut Db, f: F) -> Result<T, E>
where
    F: FnOnce(&mut Db) -> Result<(T, Touched), E>,
    E: From<diesel::result::Error>,
{
    let (done, touched) = locked_transaction(conn, f)?;
    committed(touched);
    Ok(done)
}

/// [`write`] for bookkeeping that no cache of pool data depends on (the
/// staffing-run queue's claims and leases, failed logins): it does not count
/// in [`writes`].
pub fn write_bookkeeping<T, E, F>(conn: &mut Db, f: F) -> Result<T, E>
where
    F: FnOnce(&mut Db) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    locked_transaction(conn, f)
}

/// The transaction of [`write`]. When `f` fails, its own error is what the
/// caller gets, even if the rollback fails too: SQLite rolls a transaction
/// back by itself when the disk fills mid-statement, and the rollback that
/// follows would otherwise replace "the disk is full" with diesel's "not in
/// a transaction".
fn locked_transaction<T, E, F>(conn: &mut Db, f: F) -> Result<T, E>
where
    F: FnOnce(&mut Db) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let mut failed = None;
    let outcome = conn.transaction(|conn| {
        if let Db::Sqlite(_) = conn {
            diesel::sql_query("UPDATE server_settings SET value = value WHERE name = ''")
                .execute(conn)?;
        }
        f(conn).map_err(|e| {
            failed = Some(e);
            diesel::result::Error::RollbackTransaction
        })
    });
    match (outcome, failed) {
        (Ok(value), _) => Ok(value),
        (Err(_), Some(e)) => Err(e),
        (Err(e), None) => Err(e.into()),
    }
}

/// What [`serialize_on`] serialises.
#[derive(Debug, Clone, Copy)]
#[repr(i64)]
pub enum Serial {
    /// Changes to who is an active administrator.
    Admins = 1,
    /// Claims of queued staffing runs (the queue's office-by-office turns).
    Queue = 2,
}

/// Makes the transactions that name the same `what` run one after another
/// from here to their commit: on PostgreSQL a transaction-scoped advisory
/// lock; on SQLite every write transaction holds the one write lock already.
pub fn serialize_on(conn: &mut Db, what: Serial) -> diesel::QueryResult<()> {
    if let Db::Postgresql(_) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(what as i64)
            .execute(conn)?;
    }
    Ok(())
}

/// Runs a blocking database task off the async workers, with a connection
/// from the pool (checked out inside the task, as diesel is synchronous).
pub async fn run<T, F>(pool: &DbPool, f: F) -> Result<T, AppError>
where
    F: FnOnce(&mut Db) -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || f(&mut *pool.get()?)).await?
}

/// `load` over `ids` 500 at a time (both backends bound the parameters of
/// one query), the results together.
pub fn chunked<T>(
    ids: &[&str],
    mut load: impl FnMut(&[&str]) -> diesel::QueryResult<Vec<T>>,
) -> diesel::QueryResult<Vec<T>> {
    let mut all = Vec::new();
    for chunk in ids.chunks(500) {
        all.extend(load(chunk)?);
    }
    Ok(all)
}

/// Whether the database answers a trivial query.
pub fn ping(conn: &mut Db) -> diesel::QueryResult<()> {
    conn.batch_execute("SELECT 1")
}

/// A unique-constraint violation becomes a 409 with `detail`; any other
/// database error stays internal.
pub fn conflict_if_duplicate(e: diesel::result::Error, detail: String) -> AppError {
    match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => AppError::Conflict {
            kind: "/problems/duplicate",
            detail,
        },
        e => e.into(),
    }
}
