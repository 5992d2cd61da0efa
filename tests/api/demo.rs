//! The demo's story (`faculty-pool demo`): a province of the tree of
//! offices staffs its plan from its own pool, the bureau's national
//! experts and its cities' cadres, and the report says whose pool each
//! instructor came from, as the API does.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::{Backend, TestApp, TestDb, SECRET};

/// A server on the demo's database, with the demo's sign-ins (username →
/// password) and its printed report.
pub struct Demo {
    pub app: TestApp,
    pub sign_ins: BTreeMap<String, String>,
    pub report: String,
}

impl Demo {
    /// Runs the demo into a new database of `backend` and serves it.
    pub fn start(backend: Backend) -> Self {
        let db = TestDb::new(backend);
        let url = db.url.clone();
        let out = db.cli(&["demo", "--database", &url, "--time-limit", "20"], "");
        let report = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "the demo failed: {report}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let sign_ins = report
            .lines()
            .skip_while(|l| !l.starts_with("Sign-ins:"))
            .skip(1)
            .filter_map(|l| {
                let mut words = l.split_whitespace();
                Some((words.next()?.to_owned(), words.next()?.to_owned()))
            })
            .collect();
        let app = TestApp::start_on(db, &[("JWT_SECRET", SECRET)]);
        Self {
            app,
            sign_ins,
            report,
        }
    }

    /// A client signed in as the demo's account `username`.
    pub fn client(&self, username: &str) -> crate::support::Client {
        self.app.login(username, &self.sign_ins[username])
    }
}

fn staffed_from_three_pools(backend: Backend) {
    let demo = Demo::start(backend);
    let planner = demo.client("demo-planner");
    let me = planner.get("/api/v1/me");
    assert_eq!(me.body["office"]["name"], "湖北省信访局", "{}", me.body);
    // The province reads its own plan and 武汉's below it.
    let plans = planner.get("/api/v1/plans");
    let names: BTreeSet<&str> = plans
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "湖北省信访系统2027年度教育培训计划",
            "武汉市信访局2027年度教育培训计划"
        ])
    );
    let plan = plans
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["office"] == me.body["office"]["id"])
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let assignments = planner.get(&format!("/api/v1/assignments?plan={plan}"));
    assert_eq!(assignments.status, 200, "{}", assignments.body);
    // Per owner office: the people used and the places they fill.
    let mut pools: BTreeMap<String, (BTreeSet<String>, usize)> = BTreeMap::new();
    for a in assignments.body.as_array().unwrap() {
        let instructor = planner.get(&format!(
            "/api/v1/instructors/{}",
            a["instructor"].as_str().unwrap()
        ));
        assert_eq!(instructor.status, 200, "{}", instructor.body);
        assert_eq!(a["instructor_office"], instructor.body["owner_office"]);
        if a["instructor_office_name"] == "国家信访局" {
            assert_eq!(
                instructor.body["visibility"], "everyone",
                "only the bureau's national register reaches the province: {}",
                instructor.body
            );
        }
        let entry = pools
            .entry(a["instructor_office_name"].as_str().unwrap().to_owned())
            .or_default();
        entry.0.insert(a["instructor"].as_str().unwrap().to_owned());
        entry.1 += 1;
    }
    let offices: BTreeSet<&str> = pools.keys().map(String::as_str).collect();
    assert!(
        offices.contains("湖北省信访局") && offices.contains("国家信访局"),
        "{offices:?}"
    );
    assert!(
        ["武汉市信访局", "宜昌市信访局", "江夏区信访局"]
            .iter()
            .any(|city| offices.contains(city)),
        "no city's cadre teaches: {offices:?}"
    );
    // The report's table says the same, office by office.
    let table: BTreeMap<String, (usize, usize)> = demo
        .report
        .lines()
        .skip_while(|l| !l.starts_with("Whose pool"))
        .skip(2)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            (
                words[2].to_owned(),
                (words[0].parse().unwrap(), words[1].parse().unwrap()),
            )
        })
        .collect();
    let expected: BTreeMap<String, (usize, usize)> = pools
        .into_iter()
        .map(|(office, (people, places))| (office, (people.len(), places)))
        .collect();
    assert_eq!(table, expected, "{}", demo.report);
    assert!(
        demo.report.contains("（干部·湖北省信访局）"),
        "each teacher is shown with their pool"
    );
}

crate::both_backends!(staffed_from_three_pools);
