//! Recommendation latency and throughput against a pool of 10,000
//! instructors, over real HTTP, on SQLite and on PostgreSQL.
//!
//! `cargo bench --bench recommendations [-- INSTRUCTORS SECONDS CLIENTS]`
//!
//! For each backend (PostgreSQL on `FACULTY_POOL_TEST_PG` or 127.0.0.1:5432
//! when `psql` reaches it): seeds a fresh database with `faculty-pool demo`
//! (a pool across China and a provincial plan), starts `faculty-pool serve`
//! on it, and for each kind of question fires requests from CLIENTS threads
//! for SECONDS, then prints latency percentiles and requests per second.
//! The session question is asked again while a planner writes one, then
//! five, unavailability blocks a second (each for another instructor),
//! which is what a training office's day looks like. The load generator
//! shares the machine with the server: on a 2-core machine the figures
//! understate what the server alone can do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// The replicas' peak memory of the shared support is not read here.
#[allow(dead_code)]
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
    for backend in ["sqlite", "postgres"] {
        let Some((db, drop_db)) = support::database(backend) else {
            println!("\n{backend}: no server to measure on");
            continue;
        };
        support::seed_demo(&db, instructors, 7);
        support::add_user(&db, "bench", "office");
        support::add_user(&db, "bench-planner", "planner");
        measure(backend, &db, instructors, seconds, clients);
        drop_db();
    }
}

/// Starts a server on `db` and measures every case.
fn measure(backend: &str, db: &str, instructors: usize, seconds: u64, clients: usize) {
    let server = Server::start(db);
    let base = server.base.clone();
    let http = reqwest::blocking::Client::new();
    let token = server.token(&http, "bench");
    let planner = server.token(&http, "bench-planner");
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
        .get(format!("{base}/api/v1/instructors?per_page=100"))
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
        "\nRecommendations against {instructors} instructors on {backend}: {clients} client threads, {seconds} s per case, {} cores (client and server share them)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "{:<44} {:>8} {:>8} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "case", "writes/s", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    type Make<'a> = Box<
        dyn Fn(&reqwest::blocking::Client, usize) -> reqwest::blocking::RequestBuilder + Sync + 'a,
    >;
    let session_case = |c: &reqwest::blocking::Client, k: usize| {
        c.get(format!(
            "{base}/api/v1/sessions/{}/recommendations",
            sessions[k % sessions.len()]
        ))
    };
    let cases: Vec<(&str, u32, Make)> = vec![
        (
            "GET /sessions/{id}/recommendations",
            0,
            Box::new(session_case),
        ),
        (
            "  … while a planner writes blocks",
            1,
            Box::new(session_case),
        ),
        (
            "  … while a planner writes blocks",
            5,
            Box::new(session_case),
        ),
        (
            "  … ?include_unavailable=true&limit=50",
            0,
            Box::new(|c, k| {
                c.get(format!(
                    "{base}/api/v1/sessions/{}/recommendations?include_unavailable=true&limit=50",
                    sessions[k % sessions.len()]
                ))
            }),
        ),
        (
            "POST /recommendations (ad hoc)",
            0,
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
            0,
            Box::new(|c, k| {
                c.get(format!(
                    "{base}/api/v1/instructors/{}/opportunities",
                    people[k % people.len()]
                ))
            }),
        ),
    ];
    let mut written = 0;
    for (name, writes_per_s, make) in &cases {
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
            if *writes_per_s > 0 {
                let (base, people, planner) = (&base, &people, &planner);
                let written = &mut written;
                s.spawn(move || {
                    write_blocks(base, planner, people, *writes_per_s, deadline, written)
                });
            }
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
            "{:<44} {:>8} {:>8} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            name,
            writes_per_s,
            latencies.len(),
            latencies.len() as f64 / elapsed,
            at(0.5),
            at(0.9),
            at(0.99),
            latencies.last().copied().unwrap_or_default()
        );
    }
}

/// Writes `per_s` unavailability blocks a second until `deadline`, each for
/// the next of `people` on a day of its own (so none overlaps another),
/// counting on from `written`.
fn write_blocks(
    base: &str,
    planner: &str,
    people: &[String],
    per_s: u32,
    deadline: Instant,
    written: &mut usize,
) {
    let client = reqwest::blocking::Client::new();
    let every = Duration::from_secs(1) / per_s;
    let mut next = Instant::now();
    let first_day = chrono::NaiveDate::from_ymd_opt(2031, 1, 1).unwrap();
    while next < deadline {
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
        let k = *written;
        let day = first_day + chrono::Days::new(k as u64 / people.len() as u64);
        let r = client
            .post(format!(
                "{base}/api/v1/instructors/{}/unavailability",
                people[k % people.len()]
            ))
            .bearer_auth(planner)
            .json(&json!({"start": format!("{day}T00:00:00+08:00"), "end": format!("{day}T23:00:00+08:00")}))
            .send()
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().unwrap_or_default());
        *written += 1;
        next += every;
    }
}
