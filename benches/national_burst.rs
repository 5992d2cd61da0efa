//! The planning deadline's burst on a national deployment: every office
//! queues its staffing run at once, on several replicas of one PostgreSQL
//! database, while 200 clients read and write, and one replica dies.
//!
//! `cargo bench --bench national_burst [-- PROVINCES REPLICAS TIME_LIMIT SEED]`
//! (defaults 31, 3, 10, 1; PostgreSQL on `FACULTY_POOL_TEST_PG` or
//! 127.0.0.1:5432). With `NATIONAL_TEMPLATE=NAME` the data set is loaded
//! once into the database NAME and every later run starts from a copy of
//! it (drop NAME to load again).
//!
//! Loads `faculty-pool national --provinces PROVINCES` (the bureau,
//! PROVINCES provinces with their cities and counties, 3,200 instructors a
//! province, a plan per office: 1,000 sessions for a province, 100 for a
//! city, 20 for a county), starts REPLICAS `serve` replicas on it and signs
//! every office's planner in. Then, at once:
//! * every office's run (`time_limit_s` TIME_LIMIT) is queued in random
//!   order, round robin over the replicas, from 16 clients;
//! * 200 clients, each as a random office's planner on a live replica, for
//!   120 s, pausing 0.5–1.5 s between requests: pool lists filtered by topic and level, a session's
//!   recommendations, the plan board (the plan and its assignments), and an
//!   unavailability block added and removed;
//! * the last replica is killed with SIGKILL while it solves a run, 30 s
//!   after the first run was queued (or once a third of the runs are done).
//!
//! Prints the load time, the makespan, per tier the p50/p95/max wait from
//! queued to running and from queued to done, the largest wait of a county
//! run queued after fewer than 10 runs of its province, how long the killed
//! replica's runs waited to be taken over, per kind of request the rate,
//! p50/p99/max and the answers by status, each replica's peak memory and the
//! peak memory of the database's connections. Asserts from the database
//! that every run is done, executed once, except the killed replica's runs,
//! executed twice (the first attempt cut off) and finished by another
//! replica; and that no request had a 5xx answer. Then applies every run in
//! random order and asserts that each answer is 200, 409
//! `calendar-collision` naming its collisions, or 409 `inputs-changed` (a
//! block was written in the run's pool while it solved), and from the
//! database that no instructor holds two overlapping sessions or more than
//! their yearly capacity.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
mod support;

use std::collections::{BTreeMap, HashMap};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use support::Server;

const PASSWORD: &str = "national load 2027 planner";
/// How long a client keeps an idle connection: less than the server's
/// keep-alive (5 s), which would close it under a request sent on it.
const IDLE: Duration = Duration::from_secs(2);
/// Clients that sign in, queue and apply.
const CLIENTS: usize = 16;
/// Clients that read and write while the runs solve, and for how long.
const READERS: usize = 200;
const READING: Duration = Duration::from_secs(120);
/// What a client waits between two requests, at random: a person at the
/// console reading the answer.
const PAUSE_MS: std::ops::Range<u64> = 500..1500;
/// When a replica is killed, after the first run was queued.
const KILL_AFTER: Duration = Duration::from_secs(30);

/// An office as its planner sees it.
#[derive(Clone)]
struct Office {
    token: String,
    plan: String,
    sessions: Vec<String>,
    /// Instructors the office keeps (its planner may write their blocks).
    kept: Vec<String>,
}

fn main() {
    let args = support::numbers();
    let provinces = args.first().copied().unwrap_or(31);
    let replicas = args.get(1).copied().unwrap_or(3).max(2);
    let time_limit = args.get(2).copied().unwrap_or(10);
    let seed = args.get(3).copied().unwrap_or(1) as u64;
    let (url, drop_db, loaded) = national_database(provinces);
    println!("{loaded}");

    let mut servers: Vec<Server> = (0..replicas)
        .map(|_| Server::start_with(&url, &[("MAX_TIME_LIMIT_S", "600"), ("DB_POOL_SIZE", "8")]))
        .collect();
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(600))
        .pool_idle_timeout(IDLE)
        .build()
        .unwrap();
    let signing = Instant::now();
    let offices = sign_in(&http, &servers, &url);
    println!(
        "{} planners signed in in {:.0} s",
        offices.len(),
        signing.elapsed().as_secs_f64()
    );

    let alive: Vec<AtomicBool> = bases.iter().map(|_| AtomicBool::new(true)).collect();
    let sampling = AtomicBool::new(true);
    let (runs, victim, samples, connections) = std::thread::scope(|scope| {
        let readers = scope.spawn(|| read_and_write(&bases, &alive, &offices, seed));
        let memory = scope.spawn(|| connections_memory(&url, &sampling));
        let burst = Instant::now();
        let runs = queue_all(&http, &bases, &offices, time_limit, seed);
        println!(
            "{} runs queued in {:.1} s on {replicas} replicas (time limit {time_limit} s, seed {seed})",
            runs.len(),
            burst.elapsed().as_secs_f64()
        );
        let last = servers.len() - 1;
        let victim = kill_while_solving(&url, &mut servers[last], &burst, runs.len());
        alive[last].store(false, Ordering::SeqCst);
        wait_until_done(&url, &burst);
        let samples = readers.join().unwrap();
        sampling.store(false, Ordering::SeqCst);
        (runs, victim, samples, memory.join().unwrap())
    });

    report_queue(&url, runs.len(), &victim);
    report_reads(&samples);
    for (k, server) in servers.iter().enumerate() {
        let peak = if k == servers.len() - 1 {
            victim.peak_mib
        } else {
            server.peak_mib()
        };
        println!("replica {k}: peak {peak:.0} MiB");
    }
    println!(
        "database connections: at most {}, their private memory at most {:.0} MiB in all ({:.0} MiB proportional share)",
        connections.count, connections.private_mib, connections.pss_mib
    );
    apply_all(&http, &bases[..bases.len() - 1], &url, runs, seed);
    drop(servers);
    drop_db();
}

/// A fresh database holding the national data set, how to drop it, and how
/// it was made.
fn national_database(provinces: usize) -> (String, support::Dropper, String) {
    let load = |url: &str| {
        let started = Instant::now();
        let load = Command::new(support::BIN)
            .args(["national", "--log-level", "warn", "--provinces"])
            .arg(provinces.to_string())
            .args(["--password", PASSWORD, "--database", url])
            .output()
            .unwrap();
        let printed = String::from_utf8_lossy(&load.stdout);
        assert!(
            load.status.success(),
            "{printed}{}",
            String::from_utf8_lossy(&load.stderr)
        );
        format!(
            "{}\nloaded in {:.0} s",
            printed.lines().last().unwrap_or_default(),
            started.elapsed().as_secs_f64()
        )
    };
    let Ok(template) = std::env::var("NATIONAL_TEMPLATE") else {
        let (url, drop_db) = support::database("postgres").expect("a PostgreSQL database");
        let loaded = load(&url);
        return (url, drop_db, loaded);
    };
    let exists = sql(
        &support::postgres_url("postgres"),
        &format!("SELECT count(*) FROM pg_database WHERE datname = '{template}'"),
    );
    let mut loaded = format!("copied from {template}");
    if exists[0][0] == "0" {
        // Loaded under another name, renamed once complete: an interrupted
        // load leaves no template behind.
        let loading = format!("{template}_loading");
        support::postgres(&format!("DROP DATABASE IF EXISTS \"{loading}\""));
        assert!(support::postgres(&format!("CREATE DATABASE \"{loading}\"")));
        loaded = load(&support::postgres_url(&loading));
        assert!(support::postgres(&format!(
            "ALTER DATABASE \"{loading}\" RENAME TO \"{template}\""
        )));
    }
    let (url, drop_db) =
        support::database_from("postgres", Some(&template)).expect("a copy of the template");
    (url, drop_db, loaded)
}

/// The `field` of every item that `GET url` lists.
fn list_of(http: &reqwest::blocking::Client, url: &str, token: &str, field: &str) -> Vec<String> {
    http.get(url)
        .bearer_auth(token)
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_str().unwrap().to_owned())
        .collect()
}

/// Every office's planner signs in, on the replicas in turn; with the
/// office's plan, sessions and kept instructors.
fn sign_in(http: &reqwest::blocking::Client, servers: &[Server], url: &str) -> Vec<Office> {
    let admin = servers[0].token_with(http, "admin", PASSWORD);
    let listed = list_of(
        http,
        &format!("{}/api/v1/offices", servers[0].base),
        &admin,
        "id",
    );
    let mut sessions: HashMap<String, Vec<String>> = HashMap::new();
    for row in sql(
        url,
        "SELECT c.plan_id, s.id FROM sessions s JOIN classes c ON c.id = s.class_id",
    ) {
        sessions
            .entry(row[0].clone())
            .or_default()
            .push(row[1].clone());
    }
    let mut kept: HashMap<String, Vec<String>> = HashMap::new();
    for row in sql(url, "SELECT owner_office_id, id FROM instructors") {
        kept.entry(row[0].clone()).or_default().push(row[1].clone());
    }
    parallel(listed, |k, office| {
        let server = &servers[k % servers.len()];
        let token = server.token_with(http, &format!("planner-{office}"), PASSWORD);
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
        Office {
            token,
            sessions: sessions.get(&plan).cloned().unwrap_or_default(),
            kept: kept.get(&office).cloned().unwrap_or_default(),
            plan,
        }
    })
}

/// The burst: every office queues its run; each run's id with its
/// planner's token.
fn queue_all(
    http: &reqwest::blocking::Client,
    bases: &[String],
    offices: &[Office],
    time_limit: usize,
    seed: u64,
) -> Vec<(String, String)> {
    let mut order = offices.to_vec();
    order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
    parallel(order, |k, office| {
        let r = http
            .post(format!(
                "{}/api/v1/plans/{}/staffing-runs",
                bases[k % bases.len()],
                office.plan
            ))
            .bearer_auth(&office.token)
            .json(&json!({"options": {"time_limit_s": time_limit}}))
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 202, "queueing a run");
        let run: Value = r.json().unwrap();
        (run["id"].as_str().unwrap().to_owned(), office.token)
    })
}

/// The killed replica: the runs it held, when it died, its peak memory.
struct Victim {
    /// The prefix of its workers' names.
    workers: String,
    held: Vec<String>,
    killed_at: f64,
    peak_mib: f64,
}

/// Kills `server` with SIGKILL once [`KILL_AFTER`] has passed since `burst`
/// (or a third of the `runs` are done) and it holds a run.
fn kill_while_solving(url: &str, server: &mut Server, burst: &Instant, runs: usize) -> Victim {
    let workers = format!("{}-", server.pid());
    loop {
        let done = sql(
            url,
            "SELECT count(*) FROM staffing_runs WHERE state = 'done'",
        )[0][0]
            .parse::<usize>()
            .unwrap();
        assert!(
            done < runs,
            "every run was done before a replica could be killed"
        );
        if burst.elapsed() >= KILL_AFTER || done * 3 >= runs {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let holding = format!(
        "SELECT id FROM staffing_runs WHERE state = 'running' AND worker LIKE '{workers}%'"
    );
    // Stopped (SIGSTOP) before its runs are read, so that they are the
    // runs it dies holding.
    let signal = |name: &str| {
        let sent = Command::new("kill")
            .args([name, &server.pid().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    };
    let held = loop {
        if !sql(url, &holding).is_empty() {
            signal("-STOP");
            let held: Vec<String> = sql(url, &holding)
                .into_iter()
                .map(|r| r[0].clone())
                .collect();
            if !held.is_empty() {
                break held;
            }
            signal("-CONT");
        }
        let open = "SELECT count(*) FROM staffing_runs WHERE state IN ('queued', 'running')";
        assert_ne!(
            sql(url, open)[0][0],
            "0",
            "every run was done before the replica held one"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let peak_mib = server.peak_mib();
    server.kill();
    let killed_at = epoch();
    Victim {
        workers,
        held,
        killed_at,
        peak_mib,
    }
}

/// Waits until no run is queued or running, printing the queue's states
/// every five seconds.
fn wait_until_done(url: &str, burst: &Instant) {
    loop {
        let states = sql(
            url,
            "SELECT state, count(*) FROM staffing_runs GROUP BY state ORDER BY state",
        );
        eprintln!(
            "{:>5.0} s: {}",
            burst.elapsed().as_secs_f64(),
            states
                .iter()
                .map(|r| format!("{} {}", r[0], r[1]))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !states.iter().any(|r| r[0] == "queued" || r[0] == "running") {
            return;
        }
        std::thread::sleep(Duration::from_secs(5));
    }
}

/// Asserts every run done and executed once (the killed replica's twice,
/// finished by another), and prints the queue's figures.
fn report_queue(url: &str, queued: usize, victim: &Victim) {
    let rows = sql(
        url,
        "SELECT r.id, o.tier, r.state, r.attempts, r.worker, \
                EXTRACT(EPOCH FROM r.created_at), EXTRACT(EPOCH FROM r.started_at), \
                EXTRACT(EPOCH FROM r.finished_at), p.ancestor_id \
         FROM staffing_runs r JOIN offices o ON o.id = r.office_id \
         LEFT JOIN office_tree p ON p.descendant_id = r.office_id \
              AND p.ancestor_id IN (SELECT id FROM offices WHERE tier = 'provincial') \
         ORDER BY r.created_at",
    );
    assert_eq!(rows.len(), queued, "one stored run per queued run");
    assert!(!victim.held.is_empty(), "the killed replica held a run");
    let at = |r: &Vec<String>, k: usize| r[k].parse::<f64>().unwrap();
    let mut takeover = Vec::new();
    for r in &rows {
        assert_eq!(r[2], "done", "a run not done: {r:?}");
        if victim.held.contains(&r[0]) {
            assert_eq!(
                r[3], "2",
                "a run of the killed replica not run again once: {r:?}"
            );
            assert!(
                !r[4].starts_with(&victim.workers),
                "a run finished by the killed replica: {r:?}"
            );
            takeover.push(at(r, 6) - victim.killed_at);
        } else {
            assert_eq!(r[3], "1", "a run executed more than once: {r:?}");
        }
    }
    let first = rows.iter().map(|r| at(r, 5)).fold(f64::INFINITY, f64::min);
    let last = rows.iter().map(|r| at(r, 7)).fold(0.0, f64::max);
    println!(
        "\nmakespan {:.0} s (first queued to last done)",
        last - first
    );
    println!("\ntier          runs   to running p50 / p95 / max (s)   to done p50 / p95 / max (s)");
    for tier in ["national", "provincial", "municipal", "county"] {
        let mine: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == tier).collect();
        let waits: Vec<f64> = mine.iter().map(|r| at(r, 6) - at(r, 5)).collect();
        let dones: Vec<f64> = mine.iter().map(|r| at(r, 7) - at(r, 5)).collect();
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
        let province = r[8].as_str();
        let before = *seen.get(province).unwrap_or(&0);
        if r[1] == "county" && before < 10 {
            early_county = early_county.max(at(r, 7) - at(r, 5));
        }
        *seen.entry(province).or_default() += 1;
    }
    println!("\nlargest queued-to-done of a county run queued after fewer than 10 of its province's: {early_county:.1} s");
    println!(
        "the killed replica held {} run(s); taken over by another replica {} s after the kill; every run done, each executed once but those",
        victim.held.len(),
        takeover
            .iter()
            .map(|s| format!("{s:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

/// What the readers do.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    /// `GET /api/v1/instructors?topic=…&min_level=2`.
    Pool,
    /// `GET /api/v1/sessions/{id}/recommendations`.
    Recommendations,
    /// `GET /api/v1/plans/{id}` and `GET /api/v1/assignments?plan=…`, one
    /// after the other, timed together.
    Board,
    /// `POST` and `DELETE /api/v1/instructors/{id}/unavailability`, each
    /// timed on its own.
    Availability,
}

/// One answered request: its kind, time and status (0: no answer).
struct Sample {
    kind: Kind,
    ms: f64,
    status: u16,
}

/// [`READERS`] clients for [`READING`], each request as a random office's
/// planner on a random live replica, [`PAUSE_MS`] apart.
fn read_and_write(
    bases: &[String],
    alive: &[AtomicBool],
    offices: &[Office],
    seed: u64,
) -> Vec<Sample> {
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .pool_max_idle_per_host(READERS)
        .pool_idle_timeout(IDLE)
        .build()
        .unwrap();
    let topics = list_of(
        &http,
        &format!("{}/api/v1/topics", bases[0]),
        &offices[0].token,
        "code",
    );
    let until = Instant::now() + READING;
    let samples = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for reader in 0..READERS {
            let (http, topics, samples) = (&http, &topics, &samples);
            scope.spawn(move || {
                let mut rng = rand::rngs::StdRng::seed_from_u64(seed * 1000 + reader as u64);
                let mut mine = Vec::new();
                while Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(rng.random_range(PAUSE_MS)));
                    let office = offices.choose(&mut rng).unwrap();
                    let live: Vec<&String> = bases
                        .iter()
                        .zip(alive)
                        .filter(|(_, a)| a.load(Ordering::SeqCst))
                        .map(|(b, _)| b)
                        .collect();
                    let base = *live.choose(&mut rng).unwrap();
                    let kind = *[
                        Kind::Pool,
                        Kind::Recommendations,
                        Kind::Board,
                        Kind::Availability,
                    ]
                    .choose(&mut rng)
                    .unwrap();
                    let get = |path: String| timed(http.get(format!("{base}{path}")), office);
                    match kind {
                        Kind::Pool => {
                            let topic = topics.choose(&mut rng).unwrap();
                            let (ms, status, _) = get(format!(
                                "/api/v1/instructors?topic={topic}&min_level=2&limit=20"
                            ));
                            mine.push(Sample { kind, ms, status });
                        }
                        Kind::Recommendations => {
                            let session = office.sessions.choose(&mut rng).unwrap();
                            let (ms, status, _) = get(format!(
                                "/api/v1/sessions/{session}/recommendations?limit=8"
                            ));
                            mine.push(Sample { kind, ms, status });
                        }
                        Kind::Board => {
                            let (a, first, _) = get(format!("/api/v1/plans/{}", office.plan));
                            let (b, second, _) =
                                get(format!("/api/v1/assignments?plan={}", office.plan));
                            mine.push(Sample {
                                kind,
                                ms: a + b,
                                status: first.max(second),
                            });
                        }
                        Kind::Availability => {
                            let Some(instructor) = office.kept.choose(&mut rng) else {
                                continue;
                            };
                            let day = rng.random_range(1..=28);
                            let path = format!("/api/v1/instructors/{instructor}/unavailability");
                            let block = json!({
                                "start": format!("2027-06-{day:02}T00:00:00+08:00"),
                                "end": format!("2027-06-{day:02}T23:59:00+08:00"),
                                "note": "负载测试",
                            });
                            let (ms, status, body) =
                                timed(http.post(format!("{base}{path}")).json(&block), office);
                            mine.push(Sample { kind, ms, status });
                            if let Some(id) = body.as_ref().and_then(|b| b["id"].as_str()) {
                                let (ms, status, _) =
                                    timed(http.delete(format!("{base}{path}/{id}")), office);
                                mine.push(Sample { kind, ms, status });
                            }
                        }
                    }
                }
                samples.lock().unwrap().append(&mut mine);
            });
        }
    });
    samples.into_inner().unwrap()
}

/// Sends `request` as `office`'s planner: milliseconds to the whole
/// answer, its status (0 when there was none) and its JSON body.
fn timed(request: reqwest::blocking::RequestBuilder, office: &Office) -> (f64, u16, Option<Value>) {
    let started = Instant::now();
    let answer = request.bearer_auth(&office.token).send().and_then(|r| {
        let status = r.status().as_u16();
        r.bytes().map(|b| (status, b))
    });
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    match answer {
        Ok((status, body)) => (ms, status, serde_json::from_slice(&body).ok()),
        Err(_) => (ms, 0, None),
    }
}

/// Asserts that no request had a 5xx answer, and prints per kind the rate,
/// p50 / p99 / max and the answers by status.
fn report_reads(samples: &[Sample]) {
    let mut by_kind: BTreeMap<Kind, Vec<&Sample>> = BTreeMap::new();
    for s in samples {
        by_kind.entry(s.kind).or_default().push(s);
    }
    println!(
        "\n{READERS} clients for {} s while the runs solve, {}–{} ms between requests:\nkind               requests  per s   p50 / p99 / max (ms)        answers",
        READING.as_secs(),
        PAUSE_MS.start,
        PAUSE_MS.end
    );
    for (kind, mine) in &by_kind {
        let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
        for s in mine {
            *statuses.entry(s.status).or_default() += 1;
        }
        let ms: Vec<f64> = mine.iter().map(|s| s.ms).collect();
        println!(
            "{:<18} {:>8} {:>6.0}   {}   {}",
            format!("{kind:?}"),
            mine.len(),
            mine.len() as f64 / READING.as_secs_f64(),
            percentiles(ms, &[0.5, 0.99, 1.0], 1.0),
            statuses
                .iter()
                .map(|(s, n)| match s {
                    0 => format!("{n} without an answer (the killed replica, or 120 s)"),
                    s => format!("{n} × {s}"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let failed = samples.iter().filter(|s| s.status >= 500).count();
    assert_eq!(failed, 0, "requests answered with a 5xx");
}

/// The database connections' peak count and peak memory.
struct Connections {
    count: usize,
    /// Their private (unshared) resident memory, summed.
    private_mib: f64,
    /// Their proportional set size, shared buffers split among them.
    pss_mib: f64,
}

/// Samples, every two seconds while `sampling`, the memory of the
/// PostgreSQL backends serving `url`'s database (read from /proc: the
/// server runs on this machine).
fn connections_memory(url: &str, sampling: &AtomicBool) -> Connections {
    let name = url.rsplit('/').next().unwrap();
    let mut peak = Connections {
        count: 0,
        private_mib: 0.0,
        pss_mib: 0.0,
    };
    while sampling.load(Ordering::SeqCst) {
        let pids = sql(
            url,
            &format!("SELECT pid FROM pg_stat_activity WHERE datname = '{name}'"),
        );
        let (mut private, mut pss) = (0.0, 0.0);
        for pid in &pids {
            let rollup = std::fs::read_to_string(format!("/proc/{}/smaps_rollup", pid[0]))
                .unwrap_or_default();
            let kb = |field: &str| {
                rollup
                    .lines()
                    .filter_map(|l| l.strip_prefix(field))
                    .filter_map(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
                    .sum::<f64>()
            };
            private += kb("Private_Clean:") + kb("Private_Dirty:");
            pss += kb("Pss:");
        }
        peak.count = peak.count.max(pids.len());
        peak.private_mib = peak.private_mib.max(private / 1024.0);
        peak.pss_mib = peak.pss_mib.max(pss / 1024.0);
        std::thread::sleep(Duration::from_secs(2));
    }
    peak
}

/// Applies every run in random order on `bases`: asserts each answer is 200
/// or a named 409, and from the database that nobody is double-booked or
/// over capacity.
fn apply_all(
    http: &reqwest::blocking::Client,
    bases: &[String],
    url: &str,
    runs: Vec<(String, String)>,
    seed: u64,
) {
    let mut applying = runs;
    applying.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed + 1));
    let started = Instant::now();
    let outcomes = parallel(applying, |k, (run, token)| {
        let r = http
            .post(format!(
                "{}/api/v1/staffing-runs/{run}/apply",
                bases[k % bases.len()]
            ))
            .bearer_auth(&token)
            .send()
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().unwrap_or(Value::Null);
        if status != 409 {
            assert_eq!(status, 200, "{body}");
            return "applied";
        }
        let detail = body["detail"].as_str().unwrap_or_default();
        match body["type"].as_str() {
            Some("/problems/calendar-collision") => {
                assert!(
                    detail.contains(" overlaps session ") || detail.contains(" may teach "),
                    "a collision names what collides: {detail}"
                );
                "refused: calendar-collision"
            }
            Some("/problems/inputs-changed") => "refused: inputs-changed",
            _ => panic!("{body}"),
        }
    });
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for o in outcomes {
        *counts.entry(o).or_default() += 1;
    }
    println!(
        "\nevery run applied in random order in {:.0} s: {}",
        started.elapsed().as_secs_f64(),
        counts
            .iter()
            .map(|(o, n)| format!("{n} {o}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let overlaps = sql(
        url,
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
        url,
        "SELECT count(*) FROM (SELECT instructor_id, count(*) AS n FROM assignments \
           WHERE state IN ('proposed', 'confirmed') GROUP BY instructor_id) h \
         JOIN instructors i ON i.id = h.instructor_id WHERE h.n > i.yearly_capacity",
    );
    assert_eq!(
        over[0][0], "0",
        "an instructor holds more than their capacity"
    );
    println!("no instructor holds two overlapping sessions or more than their yearly capacity");
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
fn spread(values: Vec<f64>) -> String {
    percentiles(values, &[0.5, 0.95, 1.0], 1.0)
}

/// `values` at the quantiles `at`, joined by " / ", each times `scale`.
fn percentiles(mut values: Vec<f64>, at: &[f64], scale: f64) -> String {
    if values.is_empty() {
        return format!("{:>27}", "—");
    }
    values.sort_by(f64::total_cmp);
    at.iter()
        .map(|q| {
            format!(
                "{:>7.1}",
                scale * values[((values.len() - 1) as f64 * q).round() as usize]
            )
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Now, in seconds since the epoch (the database's timestamps are UTC).
fn epoch() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
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
