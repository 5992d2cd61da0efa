//! Running the service: health, the API document, configuration errors,
//! generic errors, and migrations up and down.

use serde_json::json;

use crate::support::{Backend, TestApp, TestDb, PASSWORD, SECRET};

fn health_and_docs(backend: Backend) {
    let app = TestApp::start(backend);
    let anonymous = app.anonymous();
    assert_eq!(anonymous.get("/healthz").body, json!({"status": "ok"}));
    let ready = anonymous.get("/readyz");
    assert_eq!(ready.status, 200);
    assert!(ready.header("x-request-id").is_some());
    let doc = anonymous.get("/api/v1/openapi.json");
    assert_eq!(doc.status, 200);
    for path in [
        "/api/v1/instructors",
        "/api/v1/instructors/{id}",
        "/api/v1/auth/token",
        "/api/v1/me/unavailability",
    ] {
        assert!(
            doc.body["paths"][path].is_object(),
            "{path} is not documented"
        );
    }
    assert!(doc.body["components"]["securitySchemes"]["bearer"].is_object());
    // The UI is served from the binary, with no internet access.
    let ui = anonymous.get("/docs"); // redirected to /docs/
    assert_eq!(ui.status, 200);
    let ui = anonymous.get("/docs/");
    assert_eq!(ui.status, 200);
    assert!(ui.body.as_str().unwrap().contains("swagger"), "{}", ui.body);
    assert_eq!(anonymous.get("/docs/swagger-ui-bundle.js").status, 200);
    anonymous.get("/api/v1/no-such-thing").problem(404);
    // An error made outside our handlers (the UI's unknown file) gets a
    // problem body too.
    anonymous.get("/docs/no-such-file.js").problem(404);
    if !app.db().is_postgres() {
        // The SQLite file is in write-ahead-log mode, so readers do not block the writer.
        let wal = "SELECT count(*) AS count FROM pragma_journal_mode WHERE journal_mode = 'wal'";
        assert_eq!(app.db().count(wal), 1);
    }
}

fn oversized_bodies_are_refused(backend: Backend) {
    let db = TestDb::new(backend);
    let app = TestApp::start_on(db, &[("JWT_SECRET", SECRET), ("BODY_LIMIT_BYTES", "2000")]);
    let planner = app.client("planner", None);
    let big = json!({"name": "x".repeat(5000), "kind": "cadre", "city": "武汉", "lat": 30.0, "lon": 114.0, "yearly_capacity": 1});
    planner.post("/api/v1/instructors", &big).problem(413);
    assert_eq!(
        app.db().count("SELECT count(*) AS count FROM instructors"),
        0
    );
}

fn weak_or_missing_secrets_stop_the_server(backend: Backend) {
    let db = TestDb::new(backend);
    let Err((db, message)) = TestApp::try_start(db, &[("JWT_SECRET", "too-short")]) else {
        panic!("a 9-byte secret was accepted");
    };
    assert!(message.contains("at least 32 are required"), "{message}");
    match (backend, TestApp::try_start(db, &[])) {
        (Backend::Postgres, Err((_, message))) => {
            assert!(message.contains("JWT_SECRET"), "{message}")
        }
        (Backend::Postgres, Ok(_)) => panic!("PostgreSQL started without a secret"),
        // SQLite generates a secret and keeps it: tokens survive a restart.
        (Backend::Sqlite, Ok(app)) => {
            app.add_user("admin", "admin", None);
            let client = app.login("admin", PASSWORD);
            let db = app.kill();
            let again = TestApp::start_on(db, &[]);
            let same_token = again
                .anonymous()
                .with_token(client.token.as_deref().unwrap());
            assert_eq!(same_token.get("/api/v1/me").status, 200);
        }
        (Backend::Sqlite, Err((_, message))) => {
            panic!("zero-configuration start failed: {message}")
        }
    }
}

fn migrations_go_up_and_down(backend: Backend) {
    let db = TestDb::new(backend);
    let tables = if db.is_postgres() {
        "SELECT count(*) AS count FROM information_schema.tables WHERE table_schema = 'public' \
         AND table_name <> '__diesel_schema_migrations'"
    } else {
        "SELECT count(*) AS count FROM sqlite_master WHERE type = 'table' \
         AND name NOT IN ('__diesel_schema_migrations', 'sqlite_sequence')"
    };
    let run = |args: &[&str]| {
        let out = db.cli(args, "");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run(&["db", "migrate"]).contains("applied"));
    assert_eq!(db.count(tables), 29);
    assert_eq!(db.count("SELECT count(*) AS count FROM topics"), 17);
    assert_eq!(
        db.count("SELECT count(*) AS count FROM teaching_methods"),
        6
    );
    assert!(run(&["db", "migrate"]).contains("nothing to do"));
    assert!(run(&["db", "revert", "--all"]).contains("reverted"));
    assert_eq!(db.count(tables), 0);
    assert!(run(&["db", "migrate"]).contains("applied"));
    assert_eq!(db.count(tables), 29);
    // The server starts on the re-migrated database.
    let app = TestApp::start_on(db, &[("JWT_SECRET", SECRET)]);
    let topics = app.client("office", None).get("/api/v1/topics");
    assert_eq!(topics.body.as_array().unwrap().len(), 17);
    assert!(topics
        .body
        .as_array()
        .unwrap()
        .contains(&json!({"code": "letter-handling", "name": "办信", "category": "specialised"})));
}

/// The API document is the one recorded (so a change to the API shows in
/// review), it lists exactly the routes the server answers, and a known path
/// with another method is a 405 naming the methods it has.
fn the_document_matches_the_routes(backend: Backend) {
    let app = TestApp::start(backend);
    let anonymous = app.anonymous();
    let doc = anonymous.get("/api/v1/openapi.json").body;
    if backend == Backend::Sqlite {
        insta::assert_json_snapshot!("openapi", doc);
    }
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 38, "{} paths", paths.len());
    let verbs = ["get", "put", "post", "delete", "patch"];
    for (template, item) in paths {
        let path = template
            .split('/')
            .map(|s| if s.starts_with('{') { "x" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let documented: Vec<&str> = verbs
            .iter()
            .copied()
            .filter(|v| item.get(*v).is_some())
            .collect();
        for verb in verbs {
            let method = reqwest::Method::from_bytes(verb.to_uppercase().as_bytes()).unwrap();
            let r = reqwest::blocking::Client::new()
                .request(method, format!("{}{path}", app.base))
                .send()
                .unwrap();
            let status = r.status().as_u16();
            if documented.contains(&verb) {
                assert!(
                    status != 405 && !(status == 404 && path == *template),
                    "{verb} {path}: {status}"
                );
            } else {
                assert_eq!(status, 405, "{verb} {path}");
                let allow = r.headers()["allow"].to_str().unwrap().to_owned();
                let mut expected: Vec<String> =
                    documented.iter().map(|v| v.to_uppercase()).collect();
                expected.sort();
                assert_eq!(allow, expected.join(", "), "{verb} {path}");
                assert_eq!(r.headers()["content-type"], "application/problem+json");
            }
        }
    }
    let trace = reqwest::blocking::Client::new()
        .request(reqwest::Method::TRACE, format!("{}/api/v1/plans", app.base))
        .send()
        .unwrap();
    assert_eq!(trace.status(), 405);
    // A method the path does not take is a 405 before its id's rules are
    // looked at (schemathesis's probe of undocumented methods sends long ids).
    let long_id = "0".repeat(201);
    let trace = reqwest::blocking::Client::new()
        .request(
            reqwest::Method::TRACE,
            format!("{}/api/v1/users/{long_id}", app.base),
        )
        .send()
        .unwrap();
    assert_eq!(trace.status(), 405);
    let get = reqwest::blocking::Client::new()
        .get(format!("{}/api/v1/instructors/{long_id}", app.base))
        .send()
        .unwrap();
    assert_eq!(get.status(), 422, "a documented method still checks the id");
}

crate::both_backends!(
    the_document_matches_the_routes,
    health_and_docs,
    oversized_bodies_are_refused,
    weak_or_missing_secrets_stop_the_server,
    migrations_go_up_and_down,
);
