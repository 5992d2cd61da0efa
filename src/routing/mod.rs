//! Road distances for staffing runs and a planner's own assignments from a
//! routing provider (an OSRM server's `table` service). The pairs a run can
//! use are measured once, kept in the database by (origin, venue, profile),
//! and asked again only when new; a pair the provider cannot measure keeps
//! the great-circle distance of SPEC 5.2, and the run reports how many
//! pairs used which.

pub mod osrm;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use solver::problem::{Distance, Problem};
use utoipa::ToSchema;

use crate::error::AppError;
use crate::store::{road_distances, DbPool};

/// Where and how road distances are asked for.
#[derive(Debug, Clone)]
pub struct RoutingConfig {
    /// The OSRM server's base URL (`http://osrm.internal:5000`).
    pub url: String,
    /// The OSRM profile (`driving`).
    pub profile: String,
    /// The most coordinates one `table` request may carry (the server's
    /// `--max-table-size`, 100 by default).
    pub max_locations: usize,
    /// How long one request may take.
    pub timeout: Duration,
    /// Requests sent at once.
    pub in_flight: usize,
    /// Retries of a request that failed on the network or with a 5xx.
    pub retries: u32,
}

/// How a run's distances were measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DistanceReport {
    /// The routing profile.
    pub profile: String,
    /// (instructor, class) pairs the run could use, i.e. the instructor
    /// qualifies for an in-person session of the class within their
    /// maximum travel distance.
    pub pairs: usize,
    /// Pairs measured by the provider for this run.
    pub road_fetched: usize,
    /// Pairs whose road distance was cached by an earlier run.
    pub road_cached: usize,
    /// Pairs left at the great-circle distance: the provider failed or
    /// found no route.
    pub great_circle: usize,
    /// `table` requests sent, retries included.
    pub requests: usize,
    /// Why requests failed (the first few).
    pub failures: Vec<String>,
}

/// Fills `problem.distances` with road distances for the pairs it can use.
pub fn fill(
    pool: &DbPool,
    config: &RoutingConfig,
    problem: &mut Problem,
) -> Result<DistanceReport, AppError> {
    let pairs = usable_pairs(problem);
    let origin = |i: usize| {
        let inst = &problem.instructors[i];
        road_distances::point(inst.lat, inst.lon)
    };
    let venue = |c: usize| {
        let class = &problem.classes[c];
        road_distances::point(class.lat, class.lon)
    };
    let venues: BTreeSet<String> = pairs.iter().map(|&(_, c)| venue(c)).collect();
    let venue_keys: Vec<&str> = venues.iter().map(String::as_str).collect();
    let cached = road_distances::cached(&mut *pool.get()?, &venue_keys, &config.profile)?;
    let missing: BTreeSet<(String, String)> = pairs
        .iter()
        .map(|&(i, c)| (origin(i), venue(c)))
        .filter(|key| !cached.contains_key(key))
        .collect();
    let fetched = fetch(pool, config, &missing)?;
    let mut report = DistanceReport {
        profile: config.profile.clone(),
        pairs: pairs.len(),
        requests: fetched.requests,
        failures: fetched.failures,
        ..DistanceReport::default()
    };
    let mut distances = Vec::new();
    for &(i, c) in &pairs {
        let key = (origin(i), venue(c));
        let km = if let Some(km) = cached.get(&key) {
            report.road_cached += 1;
            *km
        } else if let Some(km) = fetched.km.get(&key) {
            report.road_fetched += 1;
            *km
        } else {
            report.great_circle += 1;
            continue;
        };
        distances.push(Distance {
            instructor: problem.instructors[i].id.clone(),
            class: problem.classes[c].id.clone(),
            km,
        });
    }
    distances.sort_by(|a, b| (&a.instructor, &a.class).cmp(&(&b.instructor, &b.class)));
    problem.distances = distances;
    Ok(report)
}

/// How long a planner's own assignment waits for its one road at most.
const MEASURE_TIMEOUT: Duration = Duration::from_secs(3);

/// Measures the road from `origin` to `venue` (lat, lon) unless it is
/// cached: a planner's own assignment asks for the one pair no run has
/// measured, once, waiting at most [`MEASURE_TIMEOUT`]. A provider that
/// fails leaves it at the great-circle distance.
pub fn measure(
    pool: &DbPool,
    config: &RoutingConfig,
    origin: (f64, f64),
    venue: (f64, f64),
) -> Result<(), AppError> {
    let key = (
        road_distances::point(origin.0, origin.1),
        road_distances::point(venue.0, venue.1),
    );
    let cached = road_distances::cached(&mut *pool.get()?, &[&key.1], &config.profile)?;
    if !cached.contains_key(&key) {
        let once = RoutingConfig {
            timeout: config.timeout.min(MEASURE_TIMEOUT),
            retries: 0,
            ..config.clone()
        };
        let fetched = fetch(pool, &once, &BTreeSet::from([key]))?;
        if !fetched.failures.is_empty() {
            tracing::warn!(failures = ?fetched.failures, "road distance not measured; the great circle stands in");
        }
    }
    Ok(())
}

/// Asks the provider for the `missing` (origin, venue) pairs and caches
/// what it answers; no database connection is held while it asks.
fn fetch(
    pool: &DbPool,
    config: &RoutingConfig,
    missing: &BTreeSet<(String, String)>,
) -> Result<osrm::Fetched, AppError> {
    let fetched = osrm::distances(config, missing);
    let now = chrono::Utc::now().naive_utc();
    let keep: Vec<(String, String, f64)> = fetched
        .km
        .iter()
        .map(|((o, v), km)| (o.clone(), v.clone(), *km))
        .collect();
    road_distances::keep(&mut *pool.get()?, &config.profile, &keep, now)?;
    Ok(fetched)
}

/// The (instructor, class) index pairs whose distance a run can use: the
/// instructor knows every topic of an in-person session of the class well
/// enough and the venue is within their maximum travel distance as the crow
/// flies (a road is never shorter), or the pair is pinned.
fn usable_pairs(problem: &Problem) -> Vec<(usize, usize)> {
    let class_at: HashMap<&str, usize> = problem
        .classes
        .iter()
        .enumerate()
        .map(|(k, c)| (c.id.as_str(), k))
        .collect();
    let instructor_at: HashMap<&str, usize> = problem
        .instructors
        .iter()
        .enumerate()
        .map(|(k, i)| (i.id.as_str(), k))
        .collect();
    let session_class: HashMap<&str, usize> = problem
        .sessions
        .iter()
        .filter_map(|s| Some((s.id.as_str(), *class_at.get(s.class.as_str())?)))
        .collect();
    let mut pairs = BTreeSet::new();
    for (i, inst) in problem.instructors.iter().enumerate() {
        for s in problem.sessions.iter().filter(|s| !s.remote) {
            let Some(&c) = class_at.get(s.class.as_str()) else {
                continue;
            };
            let class = &problem.classes[c];
            let qualified = s.topics.iter().all(|t| {
                inst.topics
                    .get(&t.topic)
                    .is_some_and(|&level| level >= t.min_level)
            });
            let near = inst.max_travel_km.is_none_or(|max| {
                solver::geo::haversine_km(inst.lat, inst.lon, class.lat, class.lon) <= max
            });
            if qualified && near {
                pairs.insert((i, c));
            }
        }
    }
    for pin in &problem.pins {
        if let (Some(&i), Some(&c)) = (
            instructor_at.get(pin.instructor.as_str()),
            session_class.get(pin.session.as_str()),
        ) {
            pairs.insert((i, c));
        }
    }
    pairs.into_iter().collect()
}
