//! Faults of the database underneath a running service: a PostgreSQL server
//! that stops and comes back while requests flow and a run is queued or
//! solving, and an SQLite file whose disk fills up or turns read-only. The
//! service answers 503 with `Retry-After` (never 500) while it cannot work,
//! loses nothing, and works again afterwards; on a read-only disk it does
//! not start, and says why.
//!
//! Each fault is made on resources of the test's own: a PostgreSQL cluster
//! of its own on a free port (so the other tests' server stays up), and a
//! small tmpfs mounted for the SQLite file (the tests run as root, as CI does).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use crate::staffing::{seed_plan, seed_pool, wait};
use crate::support::{create_instructor, instructor, Client, TestApp, TestDb, SECRET};

/// A PostgreSQL cluster of the test's own, run as the `postgres` user.
struct PrivatePostgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

fn run(command: &mut Command) {
    let out = command.output().expect("run a command");
    assert!(
        out.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl PrivatePostgres {
    fn start() -> Self {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's binaries under /usr/lib/postgresql")
            .map(|e| e.unwrap().path())
            .collect();
        versions.sort();
        let bin = versions.pop().expect("a PostgreSQL version").join("bin");
        let dir = tempfile::tempdir().unwrap();
        run(Command::new("chown")
            .args(["postgres:postgres"])
            .arg(dir.path()));
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Self { bin, dir, port };
        run(cluster
            .as_postgres("initdb")
            .args(["-A", "trust", "-U", "postgres", "-D"])
            .arg(cluster.data()));
        cluster.up();
        cluster
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn as_postgres(&self, tool: &str) -> Command {
        let mut command = Command::new("runuser");
        command
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(tool));
        command
    }

    fn up(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        run(self
            .as_postgres("pg_ctl")
            .args(["-w", "-D"])
            .arg(self.data())
            .args(["-o", &options, "-l"])
            .arg(self.dir.path().join("log"))
            .arg("start"));
    }

    fn down(&self) {
        run(self
            .as_postgres("pg_ctl")
            .args(["-w", "-m", "fast", "-D"])
            .arg(self.data())
            .arg("stop"));
    }

    fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self
            .as_postgres("pg_ctl")
            .args(["-w", "-m", "immediate", "-D"])
            .arg(self.data())
            .arg("stop")
            .output();
    }
}

/// A response seen by [`Traffic`]: status, `Retry-After`, what was asked.
type Seen = (u16, Option<String>, String);

/// Requests that keep flowing on another thread: reads of the pool and new
/// plans, with every status seen and the plans the server said it stored.
struct Traffic {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Seen>>>,
    handle: std::thread::JoinHandle<()>,
}

impl Traffic {
    fn start(planner: &Client) -> Self {
        let (stop, seen) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(Mutex::new(Vec::new())),
        );
        let (client, stopping, log) = (planner.clone(), stop.clone(), seen.clone());
        let handle = std::thread::spawn(move || {
            let mut k = 0;
            while !stopping.load(Ordering::Relaxed) {
                k += 1;
                let read = client.get("/api/v1/instructors");
                let plan = client.post(
                    "/api/v1/plans",
                    &json!({"name": format!("计划{k}"), "year": 2027, "tier": "county"}),
                );
                let ready = client.get("/readyz");
                let mut log = log.lock().unwrap();
                for (r, what) in [(read, "read"), (plan, "plan"), (ready, "ready")] {
                    log.push((
                        r.status,
                        r.header("retry-after").map(str::to_owned),
                        what.to_owned(),
                    ));
                }
                drop(log);
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        Self { stop, seen, handle }
    }

    fn finish(self) -> Vec<Seen> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap();
        Arc::try_unwrap(self.seen).unwrap().into_inner().unwrap()
    }
}

#[test]
fn postgres_stopping_and_coming_back() {
    let cluster = PrivatePostgres::start();
    let db = TestDb::postgres_on(&cluster.admin_url());
    let app = TestApp::start_on(db, &[("JWT_SECRET", SECRET), ("RUN_LEASE_S", "2")]);
    let planner = app.client("planner", None);
    seed_pool(&planner);
    let (plan, _, _) = seed_plan(&planner);
    let traffic = Traffic::start(&planner);
    std::thread::sleep(Duration::from_millis(300));
    // A run queued just before the database goes: it is claimed, being built
    // or solved, or still queued when the server stops.
    let queued = planner.post(&format!("/api/v1/plans/{plan}/staffing-runs"), &json!({}));
    assert_eq!(queued.status, 202, "{}", queued.body);
    cluster.down();
    let ready = app.anonymous().get("/readyz");
    assert_eq!(ready.problem(503)["type"], "/problems/unavailable");
    assert!(ready.header("retry-after").is_some());
    std::thread::sleep(Duration::from_secs(4));
    cluster.up();
    std::thread::sleep(Duration::from_secs(2));
    let seen = traffic.finish();

    let errors: Vec<_> = seen
        .iter()
        .filter(|(s, _, _)| *s >= 500 && *s != 503)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let unavailable: Vec<_> = seen.iter().filter(|(s, _, _)| *s == 503).collect();
    assert!(
        !unavailable.is_empty(),
        "no 503 while the database was away: {seen:?}"
    );
    assert!(
        unavailable.iter().all(|(_, retry, _)| retry.is_some()),
        "{unavailable:?}"
    );
    assert_eq!(planner.get("/readyz").status, 200);

    // Nothing lost: every plan the server said it stored is there, and no
    // other; the run ends done.
    let stored = seen
        .iter()
        .filter(|(s, _, what)| *s == 201 && what == "plan")
        .count();
    let plans = planner.get("/api/v1/plans").body.as_array().unwrap().len();
    assert_eq!(plans, stored + 1);
    let run = wait(&planner, queued.body["id"].as_str().unwrap());
    assert_eq!(run["state"], "done", "{run}");
    assert!(run["attempts"].as_i64().unwrap() <= 2, "{run}");
}

/// A tmpfs of `size` mounted for the test, unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        run(Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path()));
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn remount(&self, mode: &str) {
        run(Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(self.path()));
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.path()).output();
    }
}

fn integrity(db: &TestDb) -> String {
    #[derive(diesel::QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    use diesel::{Connection, RunQueryDsl};
    let mut conn = diesel::SqliteConnection::establish(&db.url).unwrap();
    let rows: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .unwrap();
    rows.into_iter().map(|r| r.integrity_check).collect()
}

#[test]
fn sqlite_disk_full_and_read_only() {
    let disk = SmallDisk::mount("3m");
    let logs = tempfile::tempdir().unwrap();
    let db = TestDb::sqlite_at(disk.path().join("pool.db"), logs);
    let app = TestApp::start_on(db, &[("JWT_SECRET", SECRET)]);
    let planner = app.client("planner", None);
    let first = create_instructor(&planner, "李明", json!({}));

    // Fill the disk, then write until the database cannot grow.
    let filler = disk.path().join("filler");
    let _ = Command::new("dd")
        .args(["if=/dev/zero", "bs=64k"])
        .arg(format!("of={}", filler.display()))
        .output();
    let mut created = 1;
    let mut full = None;
    for k in 0..3000 {
        let r = planner.post(
            "/api/v1/instructors",
            &instructor(
                &format!("{k}{}", "教".repeat(190)),
                json!({"title": "处长".repeat(90)}),
            ),
        );
        match r.status {
            201 => created += 1,
            503 => {
                full = Some(r);
                break;
            }
            other => panic!("{other}: {}", r.body),
        }
    }
    let full = full.expect("the disk never filled");
    assert!(
        full.problem(503)["detail"]
            .as_str()
            .unwrap()
            .contains("disk is full"),
        "{}",
        full.body
    );
    assert!(full.header("retry-after").is_some());
    // Not ready while no write can be stored, and it says why.
    let ready = planner.get("/readyz");
    assert!(
        ready.problem(503)["detail"]
            .as_str()
            .unwrap()
            .contains("disk is full"),
        "{}",
        ready.body
    );
    // A pool sheet is refused the same way, not with a 500, and stores
    // nothing.
    let sheet: String = std::iter::once("姓名,类别,城市,纬度,经度,年度课时上限,职务\n".to_owned())
        .chain(
            (0..2000)
                .map(|k| format!("教员{k},信访干部,武汉,30.5,114.3,8,{}\n", "处长".repeat(90))),
        )
        .collect();
    let r = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/pool/import", app.base))
        .bearer_auth(planner.token.as_deref().unwrap())
        .header("content-type", "text/csv")
        .body(sheet)
        .send()
        .unwrap();
    let status = r.status().as_u16();
    let body: serde_json::Value = r.json().unwrap();
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["type"], "/problems/unavailable", "{body}");
    // Reads go on; what was stored is there.
    let listed = planner.get("/api/v1/instructors?per_page=1");
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["total"], created);
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(planner.get("/readyz").status, 200);
    create_instructor(&planner, "王芳", json!({}));
    created += 1;

    let db = app.kill();
    assert_eq!(integrity(&db), "ok");

    // A read-only disk (it cannot turn read-only under an open database
    // file: the kernel refuses while the file is open for writing): the
    // server refuses to start, saying why, and changes nothing.
    disk.remount("ro");
    let Err((db, message)) = TestApp::try_start(db, &[("JWT_SECRET", SECRET)]) else {
        panic!("the server started on a read-only disk");
    };
    assert!(message.contains("Read-only file system"), "{message}");
    disk.remount("rw");
    let app = TestApp::start_on(db, &[("JWT_SECRET", SECRET)]);
    let planner = app.login_as_existing(&planner);
    assert_eq!(
        planner.get(&format!("/api/v1/instructors/{first}")).status,
        200
    );
    assert_eq!(
        planner.get("/api/v1/instructors?per_page=1").body["total"],
        created
    );
    assert_eq!(integrity(&app.kill()), "ok");
}
