//! The test harness: each test starts the real `faculty-pool serve` binary
//! on a fresh database of its own (an SQLite file in a temporary directory,
//! or a new PostgreSQL database dropped afterwards) and talks to it over
//! HTTP, as a client would.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_faculty-pool");
/// The token secret every test server is started with, so tests can forge
/// tokens.
pub const SECRET: &str = "test-secret-of-more-than-thirty-two-bytes";
pub const PASSWORD: &str = "correct horse battery";

/// Where PostgreSQL test databases are created; `FACULTY_POOL_TEST_PG`
/// overrides it. PostgreSQL tests never skip: an unreachable server fails them.
fn pg_admin_url() -> String {
    std::env::var("FACULTY_POOL_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates `sqlite::name` and `postgres::name` tests from each
/// `fn name(backend: Backend)`.
#[macro_export]
macro_rules! both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $test() { super::$test($crate::support::Backend::Sqlite) } )*
        }
        mod postgres {
            $( #[test] fn $test() { super::$test($crate::support::Backend::Postgres) } )*
        }
    };
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    /// Holds the SQLite file and the server's log.
    pub dir: tempfile::TempDir,
    /// A PostgreSQL database's name and the server URL it is dropped through.
    pg_name: Option<(String, String)>,
}

impl TestDb {
    pub fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                Self::sqlite_at(dir.path().join("pool.db"), dir)
            }
            Backend::Postgres => Self::postgres_on(&pg_admin_url()),
        }
    }

    /// An SQLite database at `path`, its logs in `dir`.
    pub fn sqlite_at(path: std::path::PathBuf, dir: tempfile::TempDir) -> Self {
        Self {
            url: path.to_string_lossy().into_owned(),
            dir,
            pg_name: None,
        }
    }

    /// A new database on the PostgreSQL server of `admin` (a URL with a
    /// database the test may connect to).
    pub fn postgres_on(admin: &str) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let name = format!("fp_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(admin).unwrap_or_else(|e| {
            panic!("PostgreSQL tests need a server at {admin} (FACULTY_POOL_TEST_PG): {e}")
        });
        diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .expect("create the test database");
        let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
        Self {
            url: format!("{base}/{name}"),
            dir,
            pg_name: Some((admin.to_owned(), name)),
        }
    }

    /// Runs `faculty-pool ARGS` against this database with `stdin`.
    pub fn cli(&self, args: &[&str], stdin: &str) -> std::process::Output {
        let mut child = Command::new(BIN)
            .args(args)
            .env("DATABASE_URL", &self.url)
            .env("LOG_LEVEL", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run faculty-pool");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("faculty-pool output")
    }

    /// Runs one raw SQL statement.
    pub fn execute(&self, sql: &str) {
        if self.pg_name.is_some() {
            let mut conn = PgConnection::establish(&self.url).expect("connect");
            diesel::sql_query(sql).execute(&mut conn).expect(sql);
        } else {
            let mut conn = diesel::SqliteConnection::establish(&self.url).expect("connect");
            diesel::sql_query(sql).execute(&mut conn).expect(sql);
        }
    }

    /// Runs one raw SQL statement that may fail: the database's error text.
    pub fn try_execute(&self, sql: &str) -> Result<usize, String> {
        let result = if self.pg_name.is_some() {
            let mut conn = PgConnection::establish(&self.url).expect("connect");
            diesel::sql_query(sql).execute(&mut conn)
        } else {
            let mut conn = diesel::SqliteConnection::establish(&self.url).expect("connect");
            diesel::sql_query(sql).execute(&mut conn)
        };
        result.map_err(|e| e.to_string())
    }

    /// Counts rows with a raw SQL query returning one `count`.
    pub fn count(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            count: i64,
        }
        self.rows::<Count>(sql)[0].count
    }

    /// The `id` column of a raw SQL query's rows.
    pub fn ids(&self, sql: &str) -> Vec<String> {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::Text)]
            id: String,
        }
        self.rows::<Id>(sql).into_iter().map(|r| r.id).collect()
    }

    /// The rows of a raw SQL query.
    fn rows<T>(&self, sql: &str) -> Vec<T>
    where
        T: diesel::QueryableByName<diesel::pg::Pg>
            + diesel::QueryableByName<diesel::sqlite::Sqlite>
            + 'static,
    {
        if self.pg_name.is_some() {
            let mut conn = PgConnection::establish(&self.url).expect("connect");
            diesel::sql_query(sql).load(&mut conn).expect(sql)
        } else {
            let mut conn = diesel::SqliteConnection::establish(&self.url).expect("connect");
            diesel::sql_query(sql).load(&mut conn).expect(sql)
        }
    }

    /// Every stored row of every table but `except`, as text, table by
    /// table: two equal answers mean nothing stored changed in between.
    pub fn contents(&self, except: &[&str]) -> std::collections::BTreeMap<String, Vec<String>> {
        #[derive(diesel::QueryableByName)]
        struct Text {
            #[diesel(sql_type = diesel::sql_types::Text)]
            text: String,
        }
        let query = |sql: &str| -> Vec<String> {
            self.rows::<Text>(sql).into_iter().map(|r| r.text).collect()
        };
        let tables = if self.pg_name.is_some() {
            query(
                "SELECT table_name AS text FROM information_schema.tables \
                 WHERE table_schema = 'public' ORDER BY table_name",
            )
        } else {
            query("SELECT name AS text FROM sqlite_master WHERE type = 'table' ORDER BY name")
        };
        tables
            .into_iter()
            .filter(|t| !except.contains(&t.as_str()))
            .map(|table| {
                let rows = if self.pg_name.is_some() {
                    query(&format!(
                        "SELECT t::text AS text FROM \"{table}\" t ORDER BY 1"
                    ))
                } else {
                    let columns = query(&format!(
                        "SELECT name AS text FROM pragma_table_info('{table}') ORDER BY cid"
                    ));
                    let row = columns
                        .iter()
                        .map(|c| format!("quote(\"{c}\")"))
                        .collect::<Vec<_>>()
                        .join(" || ',' || ");
                    query(&format!("SELECT {row} AS text FROM \"{table}\" ORDER BY 1"))
                };
                (table, rows)
            })
            .collect()
    }

    pub fn is_postgres(&self) -> bool {
        self.pg_name.is_some()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg_name {
            if let Ok(mut conn) = PgConnection::establish(admin) {
                let _ =
                    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .execute(&mut conn);
            }
        }
    }
}

/// A running server on its own database.
pub struct TestApp {
    db: Option<TestDb>,
    pub base: String,
    child: Child,
    log: std::path::PathBuf,
}

impl TestApp {
    pub fn start(backend: Backend) -> Self {
        Self::start_on(TestDb::new(backend), &[("JWT_SECRET", SECRET)])
    }

    /// Starts a server on `db` with extra environment.
    pub fn start_on(db: TestDb, env: &[(&str, &str)]) -> Self {
        match Self::try_start(db, env) {
            Ok(app) => app,
            Err((_, message)) => panic!("the server did not start: {message}"),
        }
    }

    /// Another server process on this server's database (with `JWT_SECRET`).
    pub fn second(&self, env: &[(&str, &str)]) -> TestApp {
        let log = self
            .db()
            .dir
            .path()
            .join(format!("server-{}.log", uuid::Uuid::new_v4().simple()));
        let mut env = env.to_vec();
        env.push(("JWT_SECRET", SECRET));
        match Self::spawn(&self.db().url, log, &env) {
            Ok((child, base, log)) => TestApp {
                db: None,
                base,
                child,
                log,
            },
            Err(message) => panic!("the second server did not start: {message}"),
        }
    }

    /// Starts a server, or gives back the database and why it did not start.
    pub fn try_start(db: TestDb, env: &[(&str, &str)]) -> Result<Self, (TestDb, String)> {
        let log = db.dir.path().join("server.log");
        match Self::spawn(&db.url, log, env) {
            Ok((child, base, log)) => Ok(Self {
                db: Some(db),
                base,
                child,
                log,
            }),
            Err(message) => Err((db, message)),
        }
    }

    fn spawn(
        url: &str,
        log: std::path::PathBuf,
        env: &[(&str, &str)],
    ) -> Result<(Child, String, std::path::PathBuf), String> {
        let mut command = Command::new(BIN);
        command
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env_remove("JWT_SECRET")
            .env("DATABASE_URL", url)
            .env("LOG_LEVEL", "info")
            .env("HTTP_WORKERS", "2")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"));
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start faculty-pool serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.to_owned());
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => Ok((child, base, log)),
            Err(_) => {
                let _ = child.kill();
                let status = child.wait().ok();
                let message = std::fs::read_to_string(&log).unwrap_or_default();
                Err(format!("{status:?}: {message}"))
            }
        }
    }

    /// The server process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's database.
    pub fn db(&self) -> &TestDb {
        self.db.as_ref().expect("the database of a running server")
    }

    /// Kills the server (SIGKILL, as a crash would) and gives back its database.
    pub fn kill(mut self) -> TestDb {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.db.take().expect("the database of a running server")
    }

    /// A client without credentials.
    pub fn anonymous(&self) -> Client {
        Client {
            base: self.base.clone(),
            token: None,
            http: reqwest::blocking::Client::new(),
        }
    }

    /// Creates a user through the CLI, as an operator would.
    pub fn add_user(&self, username: &str, role: &str, instructor: Option<&str>) {
        let mut args = vec!["user", "add", "--username", username, "--role", role];
        if let Some(id) = instructor {
            args.extend(["--instructor", id]);
        }
        let out = self.db().cli(&args, &format!("{PASSWORD}\n"));
        assert!(
            out.status.success(),
            "user add failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A logged-in client of a new user with `role` (an instructor account
    /// speaks for `instructor`).
    pub fn client(&self, role: &str, instructor: Option<&str>) -> Client {
        let username = format!("{role}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        self.add_user(&username, role, instructor);
        self.login(&username, PASSWORD)
    }

    /// A logged-in client of a new user with `role` in `office`, made
    /// through the CLI (`user add --office`).
    pub fn client_in(&self, role: &str, office: &str) -> Client {
        let username = format!("{role}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let out = self.db().cli(
            &[
                "user",
                "add",
                "--username",
                &username,
                "--role",
                role,
                "--office",
                office,
            ],
            &format!("{PASSWORD}\n"),
        );
        assert!(
            out.status.success(),
            "user add --office failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.login(&username, PASSWORD)
    }

    /// A client of this server holding `client`'s token (same secret).
    pub fn login_as_existing(&self, client: &Client) -> Client {
        self.anonymous()
            .with_token(client.token.as_deref().expect("a logged-in client"))
    }

    pub fn login(&self, username: &str, password: &str) -> Client {
        let r = self.anonymous().post(
            "/api/v1/auth/token",
            &serde_json::json!({"username": username, "password": password}),
        );
        assert_eq!(r.status, 200, "login failed: {}", r.body);
        Client {
            token: Some(r.body["access_token"].as_str().expect("token").to_owned()),
            ..self.anonymous()
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- server log ---\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
    }
}

/// An HTTP client of a test server.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub token: Option<String>,
    http: reqwest::blocking::Client,
}

/// A response with its body parsed as JSON (`Value::Null` when empty).
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json error with `status`, and returns it.
    pub fn problem(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.body
        );
        assert_eq!(self.body["status"], status);
        assert!(self.body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("/problems/")));
        &self.body
    }

    /// The `(field, rule)` pairs of a 422.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        self.problem(422)["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap_or_default().to_owned(),
                    e["rule"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }
}

impl Client {
    pub fn with_token(&self, token: &str) -> Client {
        Client {
            token: Some(token.to_owned()),
            ..self.clone()
        }
    }

    pub fn get(&self, path: &str) -> Response {
        self.send(self.http.get(self.url(path)))
    }

    pub fn post(&self, path: &str, body: &Value) -> Response {
        self.send(self.http.post(self.url(path)).json(body))
    }

    pub fn post_raw(&self, path: &str, body: Vec<u8>) -> Response {
        self.send(
            self.http
                .post(self.url(path))
                .header("content-type", "application/json")
                .body(body),
        )
    }

    pub fn patch(&self, path: &str, body: &Value) -> Response {
        self.send(self.http.patch(self.url(path)).json(body))
    }

    /// The same client, connecting from another loopback address.
    pub fn connecting_from(&self, ip: [u8; 4]) -> Client {
        Client {
            http: reqwest::blocking::Client::builder()
                .local_address(std::net::IpAddr::from(ip))
                .build()
                .expect("an HTTP client"),
            ..self.clone()
        }
    }

    pub fn put(&self, path: &str, body: &Value, if_match: Option<&str>) -> Response {
        let mut request = self.http.put(self.url(path)).json(body);
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        self.send(request)
    }

    /// A request of any method with a JSON body and `If-Match: "1"`, as a
    /// client that guessed every precondition would send it.
    pub fn call(&self, method: &str, path: &str, body: &Value) -> Response {
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        self.send(
            self.http
                .request(method, self.url(path))
                .header("if-match", "\"1\"")
                .json(body),
        )
    }

    pub fn delete(&self, path: &str) -> Response {
        self.send(self.http.delete(self.url(path)))
    }

    /// A GET whose answer is a file (a sheet, a CSV): the raw response.
    pub fn download(&self, path: &str) -> reqwest::blocking::Response {
        let mut request = self.http.get(self.url(path));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        request.send().expect("HTTP request")
    }

    /// POSTs a sheet (CSV or XLSX bytes) as `content_type`: the status and
    /// the JSON answer (null if it is not JSON).
    pub fn upload(&self, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
        let mut request = self
            .http
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let r = request.send().expect("HTTP request");
        let status = r.status().as_u16();
        (status, r.json().unwrap_or(Value::Null))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn send(&self, mut request: reqwest::blocking::RequestBuilder) -> Response {
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().expect("HTTP request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Response {
            status,
            headers,
            body,
        }
    }
}

/// The input that stores `stored` (an instructor as the API shows it)
/// again unchanged.
pub fn instructor_input(stored: &Value) -> Value {
    let mut record = instructor(stored["name"].as_str().unwrap(), serde_json::json!({}));
    for field in [
        "kind",
        "organisation",
        "title",
        "tier",
        "city",
        "lat",
        "lon",
        "yearly_capacity",
        "remote_ok",
        "max_travel_km",
        "phone",
        "email",
    ] {
        record[field] = stored[field].clone();
    }
    record["expertise"] = stored["expertise"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::json!({"topic": e["topic"], "level": e["level"]}))
        .collect();
    record["methods"] = stored["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["method"].clone())
        .collect();
    record
}

/// A valid instructor record; `overrides` replaces fields.
pub fn instructor(name: &str, overrides: Value) -> Value {
    let mut record = serde_json::json!({
        "name": name,
        "kind": "cadre",
        "organisation": "湖北省信访局",
        "title": "处长",
        "tier": "provincial",
        "city": "武汉",
        "lat": 30.59,
        "lon": 114.30,
        "expertise": [{"topic": "letter-handling", "level": 4}, {"topic": "visitor-reception", "level": 3}],
        "methods": ["lecture", "case"],
        "yearly_capacity": 8,
        "remote_ok": true,
        "max_travel_km": 1500.0,
        "phone": "027-8888 6666",
        "email": "li@example.cn"
    });
    if let (Some(base), Some(extra)) = (record.as_object_mut(), overrides.as_object()) {
        for (k, v) in extra {
            base.insert(k.clone(), v.clone());
        }
    }
    record
}

/// Creates an instructor as `client` and returns its id.
pub fn create_instructor(client: &Client, name: &str, overrides: Value) -> String {
    let r = client.post("/api/v1/instructors", &instructor(name, overrides));
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().expect("id").to_owned()
}
