//! Importing an office's pool from a spreadsheet, over real HTTP.
//!
//! `cargo bench --bench pool_import [-- ROWS SEED…]` (default 10,000 rows,
//! seeds 1 2 3)
//!
//! For each seed: a CSV of ROWS instructors drawn from that seed (cities
//! across China, one to three topics with levels, methods, numbers), a fresh
//! database (SQLite, then PostgreSQL on `FACULTY_POOL_TEST_PG` or
//! 127.0.0.1:5432 when `psql` reaches it), and a server; then it times a dry
//! run, the import (every row created), the same sheet again (every row
//! unchanged), an export and its re-import. Each figure is the whole HTTP
//! request, sending the sheet included; the worst over the seeds is printed
//! last.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// Only the databases, server and accounts of the benches' shared support are used here.
#[allow(dead_code)]
mod support;

use std::time::Instant;

use rand::{Rng, SeedableRng};
use serde_json::Value;
use support::Server;

const CITIES: [(&str, f64, f64); 8] = [
    ("武汉", 30.59, 114.30),
    ("北京", 39.90, 116.40),
    ("成都", 30.57, 104.07),
    ("广州", 23.13, 113.26),
    ("西安", 34.34, 108.94),
    ("襄阳", 32.01, 112.12),
    ("宜昌", 30.69, 111.29),
    ("长沙", 28.23, 112.94),
];
const TOPICS: [&str; 8] = [
    "办信",
    "接访",
    "督查",
    "法治信访",
    "信访宣传",
    "国土",
    "住建",
    "金融",
];
const METHODS: [&str; 4] = ["讲授式", "案例式", "研讨式", "现场教学"];
const KINDS: [&str; 3] = ["信访干部", "专家", "先进典型人物"];
const STEPS: [&str; 5] = ["dry run", "import", "again", "export", "re-import"];

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let rows: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let seeds: Vec<u64> = match args.get(1..) {
        Some(s) if !s.is_empty() => s.iter().filter_map(|a| a.parse().ok()).collect(),
        _ => vec![1, 2, 3],
    };
    let mut worst: Vec<(String, [f64; 5])> = Vec::new();
    for backend in ["sqlite", "postgres"] {
        let mut backend_worst = [0.0f64; 5];
        for &seed in &seeds {
            let Some((url, drop)) = support::database(backend) else {
                eprintln!("no PostgreSQL reachable: {backend} skipped");
                break;
            };
            let times = measure(&url, &sheet(rows, seed));
            drop();
            println!("{backend} seed {seed}: {}", figures(times));
            for (w, t) in backend_worst.iter_mut().zip(times) {
                *w = w.max(t);
            }
        }
        worst.push((backend.to_owned(), backend_worst));
    }
    for (backend, times) in worst {
        println!(
            "worst over seeds {seeds:?}, {rows} rows, {backend}: {}",
            figures(times)
        );
    }
}

/// `dry run 0.04 s, import 0.25 s, …`
fn figures(times: [f64; 5]) -> String {
    STEPS
        .iter()
        .zip(times)
        .map(|(s, t)| format!("{s} {t:.2} s"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A CSV of `rows` instructors, each with its own number.
fn sheet(rows: usize, seed: u64) -> Vec<u8> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut csv = String::from(
        "编号,姓名,类别,单位,职务,城市,纬度,经度,专长,授课方式,年度课时上限,接受远程,最远出行公里\n",
    );
    for k in 0..rows {
        let (city, lat, lon) = CITIES[rng.random_range(0..CITIES.len())];
        let mut topics: Vec<&str> = TOPICS.to_vec();
        let n = rng.random_range(1..=3);
        let expertise: Vec<String> = (0..n)
            .map(|_| {
                let topic = topics.swap_remove(rng.random_range(0..topics.len()));
                format!("{topic}:{}", rng.random_range(1..=5))
            })
            .collect();
        csv.push_str(&format!(
            "T{seed}-{k:05},教员{k},{},{city}信访局,处长,{city},{lat},{lon},{},{},{},{},{}\n",
            KINDS[rng.random_range(0..KINDS.len())],
            expertise.join("；"),
            METHODS[rng.random_range(0..METHODS.len())],
            rng.random_range(2..=12),
            if rng.random_bool(0.5) { "是" } else { "否" },
            rng.random_range(200..=2000),
        ));
    }
    csv.into_bytes()
}

/// The seconds of each step of [`STEPS`] on a fresh server at `url`.
fn measure(url: &str, sheet: &[u8]) -> [f64; 5] {
    let server = Server::start(url);
    support::add_user(url, "bench-planner", "planner");
    let http = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(600))
        .build()
        .unwrap();
    let token = server.token(&http, "bench-planner");
    let import = |query: &str, body: Vec<u8>| -> (f64, Value) {
        let started = Instant::now();
        let r = http
            .post(format!("{}/api/v1/pool/import{query}", server.base))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(body)
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        let report: Value = r.json().unwrap();
        (started.elapsed().as_secs_f64(), report)
    };
    let rows = sheet.iter().filter(|&&b| b == b'\n').count() - 1;
    let (dry, report) = import("?dry_run=true", sheet.to_vec());
    assert_eq!(report["created"], rows);
    let (imported, report) = import("", sheet.to_vec());
    assert_eq!(report["created"], rows);
    let (again, report) = import("", sheet.to_vec());
    assert_eq!(report["unchanged"], rows);
    let started = Instant::now();
    let exported = http
        .get(format!("{}/api/v1/pool/export?format=csv", server.base))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .bytes()
        .unwrap()
        .to_vec();
    let export = started.elapsed().as_secs_f64();
    let (reimport, report) = import("", exported);
    assert_eq!(report["unchanged"], rows);
    [dry, imported, again, export, reimport]
}
