//! OSRM's `table` service: `GET /table/v1/{profile}/{lon,lat;…}
//! ?sources=…&destinations=…&annotations=distance`, answered with
//! `{"code": "Ok", "distances": [[metres or null, …], …]}` (a row per
//! source), or an error code such as `TooBig` when a request carries more
//! coordinates than the server's `--max-table-size`.
//!
//! Instructors' homes are the sources and venues the destinations, each
//! point once. The work is cut into requests within the size limit; a
//! request the server still finds too big is halved; a few are in flight at
//! once; network failures and 5xx answers are retried.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use serde::Deserialize;

use super::RoutingConfig;

/// What the provider measured: km by (origin, venue) point keys.
#[derive(Debug, Default)]
pub struct Fetched {
    pub km: HashMap<(String, String), f64>,
    pub requests: usize,
    pub failures: Vec<String>,
}

/// How many failure messages a report keeps.
const MAX_FAILURES: usize = 5;

/// One `table` request: these origins to these venues.
#[derive(Debug, Clone)]
struct Block {
    origins: Vec<String>,
    venues: Vec<String>,
}

/// Asks for the distance of every (origin, venue) pair of `missing`; pairs
/// the provider could not measure are absent from the answer.
pub fn distances(config: &RoutingConfig, missing: &BTreeSet<(String, String)>) -> Fetched {
    if missing.is_empty() {
        return Fetched::default();
    }
    let client = match reqwest::blocking::Client::builder()
        .timeout(config.timeout)
        .user_agent(concat!("faculty-pool/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            return Fetched {
                failures: vec![format!("cannot make an HTTP client: {e}")],
                ..Fetched::default()
            }
        }
    };
    let queue = Mutex::new(blocks(missing, config.max_locations.max(2)));
    let fetched = Mutex::new(Fetched::default());
    std::thread::scope(|scope| {
        for _ in 0..config.in_flight.max(1) {
            scope.spawn(|| loop {
                let Some(block) = queue.lock().ok().and_then(|mut q| q.pop()) else {
                    return;
                };
                let (answer, requests) = ask(&client, config, &block);
                let mut split = None;
                if let Ok(mut fetched) = fetched.lock() {
                    fetched.requests += requests;
                    match answer {
                        Answer::Distances(rows) => fetched.add(&block, rows, missing),
                        Answer::TooBig => {
                            split = halves(&block);
                            if split.is_none() {
                                fetched.note("the routing server finds even one pair too big");
                            }
                        }
                        Answer::Failed(why) => fetched.note(&why),
                    }
                }
                if let (Some((a, b)), Ok(mut queue)) = (split, queue.lock()) {
                    queue.push(a);
                    queue.push(b);
                }
            });
        }
    });
    fetched.into_inner().unwrap_or_default()
}

impl Fetched {
    /// Keeps a block's measured distances of the pairs wanted.
    fn add(
        &mut self,
        block: &Block,
        rows: Vec<Vec<Option<f64>>>,
        missing: &BTreeSet<(String, String)>,
    ) {
        for (origin, row) in block.origins.iter().zip(rows) {
            for (venue, metres) in block.venues.iter().zip(row) {
                let key = (origin.clone(), venue.clone());
                if let (true, Some(m)) = (missing.contains(&key), metres) {
                    self.km.insert(key, m / 1000.0);
                }
            }
        }
    }

    /// Keeps a failure message, the first few different ones.
    fn note(&mut self, why: &str) {
        if self.failures.len() < MAX_FAILURES && !self.failures.iter().any(|f| f == why) {
            self.failures.push(why.to_owned());
        }
    }
}

/// The requests for `missing`: venues in groups of up to half the limit,
/// each with the origins it lacks in groups that fill the rest.
fn blocks(missing: &BTreeSet<(String, String)>, max_locations: usize) -> Vec<Block> {
    let mut by_venue: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (origin, venue) in missing {
        by_venue.entry(venue).or_default().insert(origin);
    }
    let venues: Vec<&str> = by_venue.keys().copied().collect();
    let per_request = (max_locations / 2).max(1).min(venues.len());
    let mut blocks = Vec::new();
    for group in venues.chunks(per_request) {
        let origins: BTreeSet<&str> = group
            .iter()
            .flat_map(|v| by_venue[v].iter().copied())
            .collect();
        let origins: Vec<&str> = origins.into_iter().collect();
        let room = max_locations.saturating_sub(group.len()).max(1);
        for part in origins.chunks(room) {
            blocks.push(Block {
                origins: part.iter().map(|o| (*o).to_owned()).collect(),
                venues: group.iter().map(|v| (*v).to_owned()).collect(),
            });
        }
    }
    blocks
}

/// A block cut in two (the larger side halved), unless it is one pair.
fn halves(block: &Block) -> Option<(Block, Block)> {
    if block.origins.len() >= block.venues.len() && block.origins.len() > 1 {
        let (a, b) = block.origins.split_at(block.origins.len() / 2);
        Some((
            Block {
                origins: a.to_vec(),
                venues: block.venues.clone(),
            },
            Block {
                origins: b.to_vec(),
                venues: block.venues.clone(),
            },
        ))
    } else if block.venues.len() > 1 {
        let (a, b) = block.venues.split_at(block.venues.len() / 2);
        Some((
            Block {
                origins: block.origins.clone(),
                venues: a.to_vec(),
            },
            Block {
                origins: block.origins.clone(),
                venues: b.to_vec(),
            },
        ))
    } else {
        None
    }
}

/// What a request came to.
enum Answer {
    /// Metres (or none) per origin, per venue.
    Distances(Vec<Vec<Option<f64>>>),
    /// The server's size limit is below the block's.
    TooBig,
    /// Why the block cannot be measured.
    Failed(String),
}

/// OSRM's answer body.
#[derive(Deserialize)]
struct TableResponse {
    code: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    distances: Option<Vec<Vec<Option<f64>>>>,
}

/// Sends one block's request, retrying what may pass on a second try;
/// returns the answer and the number of requests sent.
fn ask(
    client: &reqwest::blocking::Client,
    config: &RoutingConfig,
    block: &Block,
) -> (Answer, usize) {
    let coordinates: Vec<String> = block
        .origins
        .iter()
        .chain(&block.venues)
        .map(|key| lon_lat(key))
        .collect();
    let sources: Vec<String> = (0..block.origins.len()).map(|k| k.to_string()).collect();
    let destinations: Vec<String> = (block.origins.len()..coordinates.len())
        .map(|k| k.to_string())
        .collect();
    let url = format!(
        "{}/table/v1/{}/{}?sources={}&destinations={}&annotations=distance",
        config.url.trim_end_matches('/'),
        config.profile,
        coordinates.join(";"),
        sources.join(";"),
        destinations.join(";"),
    );
    let mut last = String::new();
    for attempt in 0..=config.retries {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(200 << attempt.min(6)));
        }
        let sent = client.get(&url).send();
        let response = match sent {
            Ok(response) => response,
            Err(e) => {
                last = if e.is_timeout() {
                    format!("no answer within {:?}", config.timeout)
                } else {
                    format!("cannot reach the routing server: {e}")
                };
                continue;
            }
        };
        let status = response.status();
        let body: Result<TableResponse, _> = response.json();
        match body {
            Ok(table) if table.code == "Ok" => {
                let rows = table.distances.unwrap_or_default();
                let shaped = rows.len() == block.origins.len()
                    && rows.iter().all(|r| r.len() == block.venues.len());
                let answer = if shaped {
                    Answer::Distances(rows)
                } else {
                    Answer::Failed("the table's shape does not match the request".to_owned())
                };
                return (answer, attempt as usize + 1);
            }
            Ok(table) if table.code == "TooBig" => {
                return (Answer::TooBig, attempt as usize + 1);
            }
            Ok(table) if status.is_client_error() => {
                let why = format!(
                    "the routing server refused the request: {} {}",
                    table.code,
                    table.message.unwrap_or_default()
                );
                return (Answer::Failed(why), attempt as usize + 1);
            }
            Ok(table) => last = format!("routing server answered {status} {}", table.code),
            Err(_) => last = format!("routing server answered {status} without an OSRM body"),
        }
    }
    (Answer::Failed(last), config.retries as usize + 1)
}

/// "lat,lon" as OSRM writes a coordinate: "lon,lat".
fn lon_lat(key: &str) -> String {
    let (lat, lon) = key.split_once(',').unwrap_or((key, ""));
    format!("{lon},{lat}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn missing(origins: usize, venues: usize) -> BTreeSet<(String, String)> {
        (0..origins)
            .flat_map(|o| (0..venues).map(move |v| (format!("{o}.0,1.0"), format!("{v}.0,2.0"))))
            .collect()
    }

    #[test]
    fn blocks_cover_every_pair_within_the_limit() {
        for (origins, venues, limit) in [(250, 7, 100), (3, 120, 100), (1, 1, 2), (40, 40, 10)] {
            let wanted = missing(origins, venues);
            let blocks = blocks(&wanted, limit);
            let mut covered = BTreeSet::new();
            for b in &blocks {
                assert!(b.origins.len() + b.venues.len() <= limit, "{b:?}");
                for o in &b.origins {
                    for v in &b.venues {
                        covered.insert((o.clone(), v.clone()));
                    }
                }
            }
            assert!(wanted.is_subset(&covered));
        }
    }

    #[test]
    fn halving_ends_at_one_pair() {
        let mut block = Block {
            origins: vec!["a".into(), "b".into(), "c".into()],
            venues: vec!["x".into(), "y".into()],
        };
        let mut steps = 0;
        while let Some((a, _)) = halves(&block) {
            assert!(a.origins.len() * a.venues.len() < block.origins.len() * block.venues.len());
            block = a;
            steps += 1;
        }
        assert_eq!((block.origins.len(), block.venues.len()), (1, 1));
        assert_eq!(steps, 2);
    }
}
