//! What the benchmarks share: a fresh database of either backend, the demo's
//! pool and plan in it, an account on it, and a running `faculty-pool serve`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_faculty-pool");
const SECRET: &str = "bench-secret-of-more-than-thirty-two-bytes";
/// The password of the account [`add_user`] makes.
pub const PASSWORD: &str = "bench kettle orbit 7";

/// The bench's numeric arguments (after `--`), in order; flags such as
/// cargo's `--bench` are skipped.
pub fn numbers() -> Vec<usize> {
    std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .filter_map(|a| a.parse().ok())
        .collect()
}

/// The demo's pool of `instructors` (drawn with `seed`) and its plan in the
/// fresh database `db` (an SQLite file or a PostgreSQL URL).
pub fn seed_demo(db: &str, instructors: usize, seed: u64) {
    let started = Instant::now();
    let demo = Command::new(BIN)
        .args(["demo", "--instructors", &instructors.to_string()])
        .args(["--seed", &seed.to_string()])
        .args(["--time-limit", "20", "--log-level", "warn", "--database"])
        .arg(db)
        .output()
        .unwrap();
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    eprintln!(
        "seeded {instructors} instructors (seed {seed}) and a staffed plan in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Adds the account `username` with `role` and [`PASSWORD`] to `db`.
pub fn add_user(db: &str, username: &str, role: &str) {
    let mut add = Command::new(BIN)
        .args(["user", "add", "--username", username, "--role", role])
        .args(["--log-level", "warn"])
        .env("DATABASE_URL", db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    assert!(add.wait().unwrap().success());
}

pub type Dropper = Box<dyn FnOnce()>;

/// A fresh database of `backend` (`sqlite`, or `postgres` on
/// `FACULTY_POOL_TEST_PG` or 127.0.0.1:5432) and how to drop it; `None`
/// when `psql` cannot make one.
pub fn database(backend: &str) -> Option<(String, Dropper)> {
    database_from(backend, None)
}

/// [`database`], on PostgreSQL a copy of the database `template` when given.
pub fn database_from(backend: &str, template: Option<&str>) -> Option<(String, Dropper)> {
    if backend == "sqlite" {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("import.db").to_string_lossy().into_owned();
        return Some((url, Box::new(move || drop(dir))));
    }
    let name = format!("fp_bench_{}", uuid::Uuid::new_v4().simple());
    let copy = template.map_or(String::new(), |t| format!(" TEMPLATE \"{t}\""));
    if !postgres(&format!("CREATE DATABASE \"{name}\"{copy}")) {
        return None;
    }
    let url = postgres_url(&name);
    Some((
        url,
        Box::new(move || {
            postgres(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"));
        }),
    ))
}

/// The URL of the database `name` on the benchmarks' PostgreSQL server
/// (`FACULTY_POOL_TEST_PG` or 127.0.0.1:5432).
pub fn postgres_url(name: &str) -> String {
    let admin = postgres_admin();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{name}")
}

/// Runs `statement` on the PostgreSQL server's maintenance database; true
/// when it succeeded.
pub fn postgres(statement: &str) -> bool {
    Command::new("psql")
        .args([postgres_admin().as_str(), "-qc", statement])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn postgres_admin() -> String {
    std::env::var("FACULTY_POOL_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `faculty-pool serve` on `db` at a free port; stopped when dropped.
pub struct Server {
    process: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Server {
    pub fn start(db: &str) -> Self {
        Self::start_with(db, &[])
    }

    /// [`Server::start`] with more environment variables.
    pub fn start_with(db: &str, env: &[(&str, &str)]) -> Self {
        let mut process = Command::new(BIN)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("DATABASE_URL", db)
            .env("JWT_SECRET", SECRET)
            .env("LOG_LEVEL", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = process.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.to_owned());
                }
            }
        });
        let base = rx.recv_timeout(Duration::from_secs(60)).unwrap();
        Self { process, base }
    }

    /// The server's peak resident memory so far (VmHWM), in MiB.
    pub fn peak_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.process.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// Kills the server with SIGKILL, as a crash or an out-of-memory kill
    /// would.
    pub fn kill(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }

    /// A bearer token for `username` (with [`PASSWORD`]).
    pub fn token(&self, http: &reqwest::blocking::Client, username: &str) -> String {
        self.token_with(http, username, PASSWORD)
    }

    /// A bearer token for `username` with `password`.
    pub fn token_with(
        &self,
        http: &reqwest::blocking::Client,
        username: &str,
        password: &str,
    ) -> String {
        http.post(format!("{}/api/v1/auth/token", self.base))
            .json(&json!({"username": username, "password": password}))
            .send()
            .unwrap()
            .json::<Value>()
            .unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
