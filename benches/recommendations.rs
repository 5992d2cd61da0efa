//! Recommendation latency and throughput against a pool of 10,000
//! instructors, over real HTTP.
//!
//! `cargo bench --bench recommendations [-- INSTRUCTORS SECONDS CLIENTS]`
//!
//! Seeds a fresh SQLite database with `faculty-pool demo` (a pool across
//! China and a provincial plan), starts `faculty-pool serve` on it, and for
//! each kind of question fires requests from CLIENTS threads for SECONDS,
//! then prints latency percentiles and requests per second. The load
//! generator shares the machine with the server: on a 2-core machine the
//! figures understate what the server alone can do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::Server;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let instructors: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    let clients: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(4);
    let dir = tempfile::tempdir().unwrap();
    // BENCH_DATABASE keeps the seeded database for later runs (and a profiler).
    let db = std::env::var_os("BENCH_DATABASE")
        .map_or_else(|| dir.path().join("bench.db"), std::path::PathBuf::from);
    if !db.exists() {
        seed(&db, instructors);
    }
    measure(&db, instructors, seconds, clients);
}

/// A fresh database with the demo's pool and plan, and an office account.
fn seed(db: &std::path::Path, instructors: usize) {
    support::seed_demo(db, instructors, 7);
    support::add_user(db, "bench", "office");
}

/// Starts a server on `db` and measures every case.
fn measure(db: &std::path::Path, instructors: usize, seconds: u64, clients: usize) {
    let server = Server::start(db);
    let base = server.base.clone();
    let http = reqwest::blocking::Client::new();
    let token = server.token(&http, "bench");
    let plans: Value = http
        .get(format!("{base}/api/v1/plans"))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let plan: Value = http
        .get(format!(
            "{base}/api/v1/plans/{}",
            plans[0]["id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let sessions: Vec<String> = plan["classes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| {
            c["sessions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_owned())
        })
        .collect();
    let instructors_page: Value = http
        .get(format!("{base}/api/v1/instructors?per_page=50"))
        .bearer_auth(&token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let people: Vec<String> = instructors_page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();

    println!(
        "\nRecommendations against {instructors} instructors: {clients} client threads, {seconds} s per case, {} cores (client and server share them)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "{:<44} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "case", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    type Make<'a> = Box<
        dyn Fn(&reqwest::blocking::Client, usize) -> reqwest::blocking::RequestBuilder + Sync + 'a,
    >;
    let cases: Vec<(&str, Make)> = vec![
        (
            "GET /sessions/{id}/recommendations",
            Box::new(|c, k| {
                c.get(format!(
                    "{base}/api/v1/sessions/{}/recommendations",
                    sessions[k % sessions.len()]
                ))
            }),
        ),
        (
            "  … ?include_unavailable=true&limit=50",
            Box::new(|c, k| {
                c.get(format!(
                    "{base}/api/v1/sessions/{}/recommendations?include_unavailable=true&limit=50",
                    sessions[k % sessions.len()]
                ))
            }),
        ),
        (
            "POST /recommendations (ad hoc)",
            Box::new(|c, k| {
                let topics = [
                    "letter-handling",
                    "visitor-reception",
                    "finance",
                    "party-spirit",
                ];
                c.post(format!("{base}/api/v1/recommendations")).json(&json!({
                "topics": [{"topic": topics[k % topics.len()], "min_level": 3}], "lat": 30.59, "lon": 114.30,
                "start": "2027-06-01T09:00:00+08:00", "end": "2027-06-01T12:00:00+08:00"}))
            }),
        ),
        (
            "GET /instructors/{id}/opportunities",
            Box::new(|c, k| {
                c.get(format!(
                    "{base}/api/v1/instructors/{}/opportunities",
                    people[k % people.len()]
                ))
            }),
        ),
    ];
    for (name, make) in &cases {
        // Warm the pool snapshot and the connections.
        for k in 0..20 {
            let r = make(&http, k).bearer_auth(&token).send().unwrap();
            assert!(r.status().is_success(), "{name}: {}", r.status());
        }
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let begun = Instant::now();
        let mut latencies: Vec<f64> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..clients)
                .map(|t| {
                    let (make, token) = (&make, &token);
                    s.spawn(move || {
                        let client = reqwest::blocking::Client::new();
                        let mut mine = Vec::new();
                        let mut k = t * 7919;
                        while Instant::now() < deadline {
                            let sent = Instant::now();
                            let r = make(&client, k).bearer_auth(token).send().unwrap();
                            assert!(r.status().is_success());
                            let _ = r.bytes().unwrap();
                            mine.push(sent.elapsed().as_secs_f64() * 1000.0);
                            k += 1;
                        }
                        mine
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect()
        });
        let elapsed = begun.elapsed().as_secs_f64();
        latencies.sort_by(f64::total_cmp);
        let at =
            |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
        println!(
            "{:<44} {:>8} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            name,
            latencies.len(),
            latencies.len() as f64 / elapsed,
            at(0.5),
            at(0.9),
            at(0.99),
            latencies.last().copied().unwrap_or_default()
        );
    }
}
