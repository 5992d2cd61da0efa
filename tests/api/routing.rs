//! Road distances from a routing provider: a local server that speaks
//! OSRM's `table` protocol (its request, its answer with `null` cells for
//! pairs without a route, its `TooBig` error beyond a table size) stands in
//! for OSRM. Runs fill their distances from it, cache them, ask again only
//! for what is new, fall back to great-circle distances when it fails, and
//! recommendations, a planner's own assignments and the staffed plan's
//! sheet use the cached distances; a planner's own assignment measures the
//! one road no run has, and goes through when the provider is down.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::local_http::{self, LocalServer};
use crate::staffing::{seed_plan, seed_pool, staff};
use crate::support::{create_instructor, Backend, Client, TestApp, TestDb, SECRET};

/// The stand-in's `--max-table-size`: fewer coordinates than the service is
/// configured to send, so that it must halve its requests.
const TABLE_SIZE: usize = 3;
/// Road distances are this much longer than great circles.
const DETOUR: f64 = 1.25;

fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().asin()
}

/// The stand-in's road distance in km, as its answer gives it (metres to
/// one decimal), `None` for homes north of 39° (no road).
fn road_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> Option<f64> {
    (lat1 <= 39.0)
        .then(|| (haversine_km(lat1, lon1, lat2, lon2) * DETOUR * 10_000.0).round() / 10_000.0)
}

/// The coordinates (lat, lon) of one `table` request, sources first.
type Coordinates = Vec<(f64, f64)>;

/// A local OSRM `table` service.
struct Osrm {
    server: LocalServer,
    /// Every request's coordinates (lat, lon), sources first.
    requests: Arc<Mutex<Vec<Coordinates>>>,
    failing: Arc<AtomicBool>,
}

impl Osrm {
    fn start() -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let failing = Arc::new(AtomicBool::new(false));
        let (seen, down) = (requests.clone(), failing.clone());
        let server = local_http::serve(move |request| {
            if down.load(Ordering::Acquire) {
                return (500, "{\"code\":\"InternalError\"}".to_owned());
            }
            let (path, query) = request
                .target
                .split_once('?')
                .unwrap_or((&request.target, ""));
            let Some(coordinates) = path.strip_prefix("/table/v1/driving/") else {
                return (
                    400,
                    json!({"code": "InvalidUrl", "message": "URL string malformed"}).to_string(),
                );
            };
            let points: Coordinates = coordinates
                .split(';')
                .map(|p| {
                    let (lon, lat) = p.split_once(',').unwrap();
                    (lat.parse().unwrap(), lon.parse().unwrap())
                })
                .collect();
            seen.lock().unwrap().push(points.clone());
            if points.len() > TABLE_SIZE {
                return (
                    400,
                    json!({"code": "TooBig", "message": "Too many table coordinates"}).to_string(),
                );
            }
            let list = |name: &str| -> Vec<usize> {
                query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                    .map(|v| v.split(';').map(|k| k.parse().unwrap()).collect())
                    .unwrap_or_else(|| (0..points.len()).collect())
            };
            assert!(query.contains("annotations=distance"), "{query}");
            let (sources, destinations) = (list("sources"), list("destinations"));
            let distances: Vec<Vec<Option<f64>>> = sources
                .iter()
                .map(|&s| {
                    destinations
                        .iter()
                        .map(|&d| {
                            let ((a, b), (c, e)) = (points[s], points[d]);
                            road_km(a, b, c, e).map(|km| (km * 10_000.0).round() / 10.0)
                        })
                        .collect()
                })
                .collect();
            let waypoint = |k: &usize| json!({"hint": "", "distance": 0.0, "name": "", "location": [points[*k].1, points[*k].0]});
            let body = json!({
                "code": "Ok",
                "distances": distances,
                "sources": sources.iter().map(waypoint).collect::<Vec<_>>(),
                "destinations": destinations.iter().map(waypoint).collect::<Vec<_>>(),
            });
            (200, body.to_string())
        });
        Self {
            server,
            requests,
            failing,
        }
    }

    fn taken(&self) -> Vec<Coordinates> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }
}

/// The run's stored problem, with its instructors' and classes' coordinates.
fn problem(planner: &Client, run: &Value) -> Value {
    let problem = planner.get(&format!(
        "/api/v1/staffing-runs/{}/problem",
        run["id"].as_str().unwrap()
    ));
    assert_eq!(problem.status, 200, "{}", problem.body);
    problem.body
}

/// Every distance of the run's problem is the provider's road distance.
fn check_distances(problem: &Value) {
    let point = |list: &str, id: &Value| {
        let found = problem[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| &x["id"] == id)
            .unwrap();
        (
            found["lat"].as_f64().unwrap(),
            found["lon"].as_f64().unwrap(),
        )
    };
    for d in problem["distances"].as_array().unwrap() {
        let (a, b) = point("instructors", &d["instructor"]);
        let (c, e) = point("classes", &d["class"]);
        let expected = road_km(a, b, c, e).unwrap();
        assert!(
            (d["km"].as_f64().unwrap() - expected).abs() < 1e-6,
            "{d} vs {expected}"
        );
    }
}

fn runs_use_cached_road_distances_and_survive_a_failing_provider(backend: Backend) {
    let osrm = Osrm::start();
    let app = TestApp::start_on(
        TestDb::new(backend),
        &[
            ("JWT_SECRET", SECRET),
            ("ROUTING_URL", &osrm.server.base),
            ("ROUTING_MAX_LOCATIONS", "10"),
        ],
    );
    let planner = app.client("planner", None);
    let ids = seed_pool(&planner);
    let (plan, class, _) = seed_plan(&planner);

    // Five instructors qualify; two live at the venue (one origin), one in
    // Beijing has no road: four origins to ask for, three answered.
    let first = staff(&planner, &plan, json!({}));
    assert_eq!(
        first["distances"],
        json!({"profile": "driving", "pairs": 5, "road_fetched": 4, "road_cached": 0,
               "great_circle": 1, "requests": first["distances"]["requests"], "failures": []}),
        "{}",
        first["distances"]
    );
    let asked = osrm.taken();
    // Too big at first (5 coordinates), then halved until it fits.
    assert_eq!(asked[0].len(), 5, "{asked:?}");
    assert!(
        asked[1..].iter().all(|r| r.len() <= TABLE_SIZE),
        "{asked:?}"
    );
    assert_eq!(first["distances"]["requests"], asked.len());
    let stored = problem(&planner, &first);
    assert_eq!(stored["distances"].as_array().unwrap().len(), 4);
    check_distances(&stored);
    // The solution's trips travel the road.
    for trip in first["solution"]["trips"].as_array().unwrap() {
        let listed = stored["distances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["instructor"] == trip["instructor"]);
        match listed {
            Some(d) => assert!(
                (trip["distance_km"].as_f64().unwrap() - d["km"].as_f64().unwrap()).abs() < 1e-6,
                "{trip}"
            ),
            None => assert_eq!(trip["instructor"], ids[2].as_str()),
        }
    }

    // A second run asks only for the pair without a road.
    let second = staff(&planner, &plan, json!({}));
    assert_eq!(second["distances"]["road_cached"], 4);
    assert_eq!(second["distances"]["road_fetched"], 0);
    assert_eq!(second["distances"]["great_circle"], 1);
    let asked = osrm.taken();
    assert!(!asked.is_empty());
    assert!(
        asked.iter().all(|r| r.len() == 2 && r[0] == (39.9, 116.4)),
        "{asked:?}"
    );
    // It can be applied: its distances are its own, not re-measured.
    let applied = planner.post(
        &format!(
            "/api/v1/staffing-runs/{}/apply",
            second["id"].as_str().unwrap()
        ),
        &json!(null),
    );
    assert_eq!(applied.status, 200, "{}", applied.body);

    // Recommendations read the cached road distances.
    let ranked = planner.post(
        "/api/v1/recommendations",
        &json!({"topics": [{"topic": "letter-handling", "min_level": 3}], "lat": 30.59, "lon": 114.30,
                "start": "2027-05-10T09:00:00+08:00", "end": "2027-05-10T12:00:00+08:00", "include_unavailable": true}),
    );
    assert_eq!(ranked.status, 200, "{}", ranked.body);
    let wang = ranked
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["instructor"] == ids[1].as_str())
        .unwrap()
        .clone();
    let expected = road_km(30.69, 111.29, 30.59, 114.30).unwrap();
    assert!(
        (wang["distance_km"].as_f64().unwrap() - expected).abs() < 1e-6,
        "{wang}"
    );

    // The provider fails: a new venue's pairs keep great-circle distances,
    // the run is staffed all the same and says why.
    osrm.failing.store(true, Ordering::Release);
    let other = planner.post(
        &format!("/api/v1/plans/{plan}/classes"),
        &json!({"name": "宜昌信访干部培训班", "kind": "specialised", "city": "宜昌", "lat": 30.69, "lon": 111.29,
                "start_date": "2027-04-12", "end_date": "2027-04-12"}),
    );
    assert_eq!(other.status, 201, "{}", other.body);
    let session = planner.post(
        &format!("/api/v1/classes/{}/sessions", other.body["id"].as_str().unwrap()),
        &json!({"title": "办信实务", "start": "2027-04-12T09:00:00+08:00", "end": "2027-04-12T12:00:00+08:00",
                "method": "lecture", "needed": 1, "topics": [{"topic": "letter-handling", "min_level": 3}]}),
    );
    assert_eq!(session.status, 201, "{}", session.body);
    let third = staff(&planner, &plan, json!({}));
    let report = &third["distances"];
    assert_eq!(report["road_cached"], 4, "{report}");
    assert_eq!(report["road_fetched"], 0, "{report}");
    // 赵强 to 武汉, and the four letter-handling instructors to 宜昌.
    assert_eq!(report["great_circle"], 5, "{report}");
    assert!(
        report["failures"][0].as_str().unwrap().contains("500"),
        "{report}"
    );
    // Each request was tried three times (two retries).
    assert_eq!(report["requests"].as_u64().unwrap() % 3, 0, "{report}");
    check_distances(&problem(&planner, &third));

    // A planner's own assignment goes by the road too: from 刘洋's home,
    // 261 km from 武汉 as the crow flies and 326 km by road, an instructor
    // who travels at most 300 km cannot be put into a session there.
    let letter_session = |title: &str, half_day: [&str; 2], needed: u32| {
        let made = planner.post(
            &format!("/api/v1/classes/{class}/sessions"),
            &json!({"title": title, "start": format!("2027-03-10T{}:00+08:00", half_day[0]),
                    "end": format!("2027-03-10T{}:00+08:00", half_day[1]), "method": "lecture",
                    "needed": needed, "topics": [{"topic": "letter-handling", "min_level": 3}]}),
        );
        assert_eq!(made.status, 201, "{}", made.body);
        made.body["id"].as_str().unwrap().to_owned()
    };
    let by_hand = |session: &str, instructor: &str| {
        planner.post(
            "/api/v1/assignments",
            &json!({"session": session, "instructor": instructor}),
        )
    };
    let session = letter_session("来信分类", ["09:00", "12:00"], 1);
    let letter = json!([{"topic": "letter-handling", "level": 4}]);
    let near = create_instructor(
        &planner,
        "周敏",
        json!({"lat": 32.01, "lon": 112.12, "expertise": letter, "max_travel_km": 300}),
    );
    assert_eq!(
        by_hand(&session, &near).field_errors(),
        [("instructor".to_owned(), "travel".to_owned())]
    );
    // From 王芳's home, put in by hand: the plan's sheet gives the road's km.
    let far = create_instructor(
        &planner,
        "吴刚",
        json!({"lat": 30.69, "lon": 111.29, "expertise": letter, "max_travel_km": null}),
    );
    let held = by_hand(&session, &far);
    assert_eq!(held.status, 201, "{}", held.body);
    let sheet = planner.download(&format!("/api/v1/plans/{plan}/export?format=csv"));
    assert_eq!(sheet.status(), 200);
    let text = sheet.text().unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    let km_at = lines[0].split(',').position(|h| h == "出行公里").unwrap();
    let row = lines
        .iter()
        .find(|l| l.contains("来信分类") && l.contains("吴刚"))
        .unwrap();
    let km: f64 = row.split(',').nth(km_at).unwrap().parse().unwrap();
    assert_eq!(
        km,
        road_km(30.69, 111.29, 30.59, 114.30).unwrap().round(),
        "{row}"
    );

    // A home no run has measured: the planner's own assignment asks the
    // provider for that one road (197 km as the crow flies, 246 km by road,
    // against 220 km at most), once; the answer is cached.
    osrm.failing.store(false, Ordering::Release);
    osrm.taken();
    let session = letter_session("来信摘要", ["14:00", "17:00"], 2);
    let new_home = create_instructor(
        &planner,
        "郑华",
        json!({"lat": 31.6, "lon": 112.6, "expertise": letter, "max_travel_km": 220}),
    );
    for _ in 0..2 {
        assert_eq!(
            by_hand(&session, &new_home).field_errors(),
            [("instructor".to_owned(), "travel".to_owned())]
        );
    }
    assert_eq!(osrm.taken(), [vec![(31.6, 112.6), (30.59, 114.3)]]);
    // The provider down, a home it never measured: the great circle (230 km)
    // stands in, within 260 km, and the planner's action goes through.
    osrm.failing.store(true, Ordering::Release);
    let unmeasured = create_instructor(
        &planner,
        "孙红",
        json!({"lat": 31.2, "lon": 112.0, "expertise": letter, "max_travel_km": 260}),
    );
    let held = by_hand(&session, &unmeasured);
    assert_eq!(held.status, 201, "{}", held.body);
    assert!(osrm
        .taken()
        .iter()
        .all(|r| r == &[(31.2, 112.0), (30.59, 114.3)]));
}

crate::both_backends!(runs_use_cached_road_distances_and_survive_a_failing_provider);
