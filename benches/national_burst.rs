//! The planning deadline's burst on a national deployment: every office
//! queues its staffing run at once, on several replicas of one PostgreSQL
//! database.
//!
//! `cargo bench --bench national_burst [-- PROVINCES REPLICAS TIME_LIMIT]`
//! (defaults 31, 3, 20; PostgreSQL on `FACULTY_POOL_TEST_PG` or
//! 127.0.0.1:5432)
//!
//! Loads `faculty-pool national --provinces PROVINCES` into a fresh
//! database (the bureau, PROVINCES provinces with their cities and counties,
//! 3,200 instructors a province, a plan per office: 1,000 sessions for a
//! province, 100 for a city, 20 for a county), starts REPLICAS `serve`
//! replicas on it, signs every office's planner in, then queues every
//! office's run (`time_limit_s` TIME_LIMIT) in random order, round robin
//! over the replicas, from 16 clients. Prints the load time, the queueing
//! time, the makespan, per tier the p50/p95/max wait from queued to running
//! and from queued to done, the largest wait of a county run queued after
//! fewer than 10 runs of its province, and each replica's peak memory.
//! Asserts from the database that every run ran exactly once (done, one
//! claim). Then applies every run in random order and asserts that each
//! answer is 200 or 409 `calendar-collision` naming its collisions, and
//! from the database that no instructor holds two overlapping sessions or
//! more than their yearly capacity.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde_json::{json, Value};
use support::Server;

const PASSWORD: &str = "national load 2027 planner";
const CLIENTS: usize = 16;

fn main() {
    let args = support::numbers();
    let provinces = args.first().copied().unwrap_or(31);
    let replicas = args.get(1).copied().unwrap_or(3).max(1);
    let time_limit = args.get(2).copied().unwrap_or(20);
    let (url, drop_db) = support::database("postgres").expect("a PostgreSQL database");

    let started = Instant::now();
    let load = Command::new(support::BIN)
        .args(["national", "--log-level", "warn", "--provinces"])
        .arg(provinces.to_string())
        .args(["--password", PASSWORD, "--database", &url])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&load.stdout);
    assert!(
        load.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&load.stderr)
    );
    println!("{}", printed.lines().last().unwrap_or_default());
    let load_s = started.elapsed().as_secs_f64();

    let limit = time_limit.to_string();
    let servers: Vec<Server> = (0..replicas)
        .map(|_| Server::start_with(&url, &[("MAX_TIME_LIMIT_S", "600"), ("DB_POOL_SIZE", "8")]))
        .collect();
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let admin = servers[0].token_with(&http, "admin", PASSWORD);
    let offices: Vec<(String, String)> = http
        .get(format!("{}/api/v1/offices", servers[0].base))
        .bearer_auth(&admin)
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["id"].as_str().unwrap().to_owned(),
                o["tier"].as_str().unwrap().to_owned(),
            )
        })
        .collect();

    // Every office's planner signs in and finds the office's plan.
    let signing = Instant::now();
    let planners: Vec<(String, String, String)> = parallel(offices.clone(), |k, (office, _)| {
        let server = &servers[k % servers.len()];
        let token = server.token_with(&http, &format!("planner-{office}"), PASSWORD);
        let plans: Value = http
            .get(format!("{}/api/v1/plans", server.base))
            .bearer_auth(&token)
            .send()
            .unwrap()
            .json()
            .unwrap();
        let plan = plans
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["office"] == office.as_str())
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        (office, token, plan)
    });
    let signing_s = signing.elapsed().as_secs_f64();

    // The burst: every office queues its run.
    let mut order = planners.clone();
    order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(7));
    let burst = Instant::now();
    let runs: Vec<(String, String)> = parallel(order, |k, (_, token, plan)| {
        let server = &servers[k % servers.len()];
        let r = http
            .post(format!("{}/api/v1/plans/{plan}/staffing-runs", server.base))
            .bearer_auth(&token)
            .json(&json!({"options": {"time_limit_s": time_limit}}))
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 202, "queueing a run");
        let run: Value = r.json().unwrap();
        (run["id"].as_str().unwrap().to_owned(), token)
    });
    let queued_s = burst.elapsed().as_secs_f64();
    println!(
        "{} offices: loaded in {load_s:.0} s; {} planners signed in in {signing_s:.0} s; {} runs queued in {queued_s:.1} s on {replicas} replicas (time limit {limit} s)",
        offices.len(),
        planners.len(),
        runs.len()
    );
    loop {
        let states = sql(
            &url,
            "SELECT state, count(*) FROM staffing_runs GROUP BY state ORDER BY state",
        );
        let open = states
            .iter()
            .filter(|r| r[0] == "queued" || r[0] == "running")
            .map(|r| r[1].parse::<usize>().unwrap())
            .sum::<usize>();
        eprintln!(
            "{:>5.0} s: {}",
            burst.elapsed().as_secs_f64(),
            states
                .iter()
                .map(|r| format!("{} {}", r[0], r[1]))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if open == 0 {
            break;
        }
        std::thread::sleep(Duration::from_secs(5));
    }

    // Exactly once, from the database.
    let rows = sql(
        &url,
        "SELECT o.tier, r.state, r.attempts, \
                EXTRACT(EPOCH FROM r.created_at), EXTRACT(EPOCH FROM r.started_at), \
                EXTRACT(EPOCH FROM r.finished_at), p.ancestor_id \
         FROM staffing_runs r JOIN offices o ON o.id = r.office_id \
         LEFT JOIN office_tree p ON p.descendant_id = r.office_id \
              AND p.ancestor_id IN (SELECT id FROM offices WHERE tier = 'provincial') \
         ORDER BY r.created_at",
    );
    assert_eq!(rows.len(), runs.len(), "one stored run per queued run");
    for r in &rows {
        assert_eq!(
            (r[1].as_str(), r[2].as_str()),
            ("done", "1"),
            "a run not done exactly once: {r:?}"
        );
    }
    let at = |r: &Vec<String>, k: usize| r[k].parse::<f64>().unwrap();
    let first = rows.iter().map(|r| at(r, 3)).fold(f64::INFINITY, f64::min);
    let last = rows.iter().map(|r| at(r, 5)).fold(0.0, f64::max);
    println!(
        "\nmakespan {:.0} s (first queued to last done)",
        last - first
    );
    println!("\ntier          runs   to running p50 / p95 / max (s)   to done p50 / p95 / max (s)");
    for tier in ["national", "provincial", "municipal", "county"] {
        let mine: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == tier).collect();
        let waits: Vec<f64> = mine.iter().map(|r| at(r, 4) - at(r, 3)).collect();
        let dones: Vec<f64> = mine.iter().map(|r| at(r, 5) - at(r, 3)).collect();
        println!(
            "{tier:<12} {:>5}   {}   {}",
            mine.len(),
            spread(waits),
            spread(dones)
        );
    }
    // A county's run queued while its province had queued fewer than 10.
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut early_county = 0.0_f64;
    for r in &rows {
        let province = r[6].as_str();
        let before = *seen.get(province).unwrap_or(&0);
        if r[0] == "county" && before < 10 {
            early_county = early_county.max(at(r, 5) - at(r, 3));
        }
        *seen.entry(province).or_default() += 1;
    }
    println!("\nlargest queued-to-done of a county run queued after fewer than 10 of its province's: {early_county:.1} s");
    for (k, server) in servers.iter().enumerate() {
        println!("replica {k}: peak {:.0} MiB", server.peak_mib());
    }

    // Every run applied in random order: collisions refused and named.
    let mut applying = runs.clone();
    applying.shuffle(&mut rand::rngs::StdRng::seed_from_u64(8));
    let outcomes = parallel(applying, |k, (run, token)| {
        let server = &servers[k % servers.len()];
        let r = http
            .post(format!("{}/api/v1/staffing-runs/{run}/apply", server.base))
            .bearer_auth(&token)
            .send()
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().unwrap_or(Value::Null);
        if status == 409 {
            assert_eq!(body["type"], "/problems/calendar-collision", "{body}");
            let detail = body["detail"].as_str().unwrap_or_default();
            assert!(
                detail.contains(" overlaps session ") || detail.contains(" may teach "),
                "a collision names what collides: {detail}"
            );
        } else {
            assert_eq!(status, 200, "{body}");
        }
        status
    });
    let refused = outcomes.iter().filter(|s| **s == 409).count();
    println!(
        "\napplied {} runs in random order: {} applied, {refused} refused with 409 calendar-collision",
        outcomes.len(),
        outcomes.len() - refused
    );
    let overlaps = sql(
        &url,
        "SELECT count(*) FROM assignments a JOIN sessions s ON s.id = a.session_id \
         JOIN assignments b ON b.instructor_id = a.instructor_id AND b.id < a.id \
              AND b.state IN ('proposed', 'confirmed') \
         JOIN sessions t ON t.id = b.session_id \
         WHERE a.state IN ('proposed', 'confirmed') \
           AND s.start_at < t.end_at AND t.start_at < s.end_at",
    );
    assert_eq!(
        overlaps[0][0], "0",
        "an instructor holds two overlapping sessions"
    );
    let over = sql(
        &url,
        "SELECT count(*) FROM (SELECT instructor_id, count(*) AS n FROM assignments \
           WHERE state IN ('proposed', 'confirmed') GROUP BY instructor_id) h \
         JOIN instructors i ON i.id = h.instructor_id WHERE h.n > i.yearly_capacity",
    );
    assert_eq!(
        over[0][0], "0",
        "an instructor holds more than their capacity"
    );
    println!("no instructor holds two overlapping sessions or more than their yearly capacity");
    drop(servers);
    drop_db();
}

/// `f(k, item)` for every item, from [`CLIENTS`] threads; the answers in
/// the items' order.
fn parallel<T: Send, R: Send>(items: Vec<T>, f: impl Fn(usize, T) -> R + Sync) -> Vec<R> {
    let work = Arc::new(Mutex::new(
        items.into_iter().enumerate().collect::<Vec<_>>(),
    ));
    let done = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..CLIENTS {
            scope.spawn(|| loop {
                let Some((k, item)) = work.lock().unwrap().pop() else {
                    break;
                };
                let answer = f(k, item);
                done.lock().unwrap().push((k, answer));
            });
        }
    });
    let mut done = done.into_inner().unwrap();
    done.sort_by_key(|(k, _)| *k);
    done.into_iter().map(|(_, r)| r).collect()
}

/// "p50 / p95 / max" of `values`, in seconds.
fn spread(mut values: Vec<f64>) -> String {
    if values.is_empty() {
        return format!("{:>27}", "—");
    }
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    format!("{:>7.1} / {:>7.1} / {:>7.1}", at(0.5), at(0.95), at(1.0))
}

/// The rows of a query on `url`, each as its columns' text.
fn sql(url: &str, query: &str) -> Vec<Vec<String>> {
    let out = Command::new("psql")
        .args([url, "-At", "-F", "\t", "-c", query])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}
