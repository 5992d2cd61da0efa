#!/usr/bin/env python3
"""Schemathesis over every operation of the OpenAPI document, on SQLite and on
PostgreSQL, with a token of each role.

For each backend: start the real server on a fresh database, seed a pool, a
staffed plan and an account of each role through the API, then

1. a negative-only run per role (schema-breaking requests, and methods the
   document does not list): every answer must be a documented 4xx, and the
   stored data must be exactly what it was before (the tables are dumped
   before and after and compared; `login_failures` is left out, since
   counting failed logins is what a refused login is meant to do); only
   requests that break the document are sent (negative_hooks.py);
2. a positive run per role, examples, coverage, fuzzing and the stateful
   phase: no 5xx, every status, content type, header and body as documented,
   and every request that follows the document accepted, or refused only
   for a rule its operation lists under `x-rules` (positive_hooks.py).

Any failure makes the script exit non-zero. Usage:
    schemathesis_run.py BINARY ST_EXECUTABLE [--examples N] [--backend sqlite|postgres]
"""

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

SECRET = "fuzz-secret-of-more-than-thirty-two-bytes-long"
PASSWORD = "correct horse battery"
PG_ADMIN = os.environ.get(
    "FACULTY_POOL_TEST_PG", "postgres://postgres@127.0.0.1:5432/postgres"
)
ROLES = ["office", "instructor", "planner", "admin"]
# Checks of the negative runs, and of the positive ones. `missing_required_header`
# is left out: a PUT without `If-Match` is a 428 (RFC 6585), which that check
# does not expect; a test of the API asserts it.
NEGATIVE_CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "unsupported_method",
]
POSITIVE_CHECKS = [
    "not_a_server_error",
    "documented_acceptance",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
]


def request(base, method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if body is not None:
        req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def must(status_body, *expected):
    status, body = status_body
    if status not in expected:
        raise SystemExit(f"seeding failed: {status} {body}")
    return body


class Server:
    def __init__(self, binary, url, log):
        self.binary, self.url = binary, url
        env = dict(os.environ, DATABASE_URL=url, JWT_SECRET=SECRET, LOG_LEVEL="warn")
        self.process = subprocess.Popen(
            [binary, "serve", "--bind", "127.0.0.1:0"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=open(log, "w"),
            text=True,
        )
        line = self.process.stdout.readline()
        match = re.match(r"listening on (http://\S+)", line)
        if not match:
            raise SystemExit(f"the server did not start: {line!r}; see {log}")
        self.base = match.group(1)
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    def user(self, username, role, instructor=None):
        args = [self.binary, "user", "add", "--username", username, "--role", role]
        if instructor:
            args += ["--instructor", instructor]
        subprocess.run(
            args,
            input=PASSWORD + "\n",
            env=dict(os.environ, DATABASE_URL=self.url, LOG_LEVEL="warn"),
            check=True,
            capture_output=True,
            text=True,
        )
        body = must(
            request(self.base, "POST", "/api/v1/auth/token", {"username": username, "password": PASSWORD}),
            200,
        )
        return body["access_token"]

    def stop(self):
        self.process.kill()
        self.process.wait()


def seed(server):
    """A pool, a plan staffed by an applied run with one confirmed
    assignment whose session's evaluation is open, and a token of each role."""
    base = server.base
    tokens = {role: server.user(f"fuzz-{role}", role) for role in ["admin", "planner", "office"]}
    planner = tokens["planner"]
    instructors = []
    for k, (kind, topic) in enumerate(
        [("cadre", "letter-handling"), ("cadre", "visitor-reception"), ("expert", "finance"),
         ("model_figure", "letter-handling"), ("cadre", "letter-handling")]
    ):
        body = must(request(base, "POST", "/api/v1/instructors", {
            "name": f"教员{k}", "kind": kind, "organisation": "湖北省信访局", "city": "武汉",
            "lat": 30.59, "lon": 114.30, "yearly_capacity": 4, "remote_ok": True,
            "expertise": [{"topic": topic, "level": 4}], "methods": ["lecture"],
        }, planner), 201)
        instructors.append(body["id"])
    plan = must(request(base, "POST", "/api/v1/plans",
                        {"name": "湖北省2027年度轮训计划", "year": 2027, "tier": "provincial"}, planner), 201)["id"]
    klass = must(request(base, "POST", f"/api/v1/plans/{plan}/classes", {
        "name": "办信接访专题班", "kind": "specialised", "city": "武汉", "lat": 30.59, "lon": 114.30,
        "start_date": "2027-03-08", "end_date": "2027-03-10"}, planner), 201)["id"]
    for day, topic in [(8, "letter-handling"), (9, "visitor-reception"), (10, "finance")]:
        must(request(base, "POST", f"/api/v1/classes/{klass}/sessions", {
            "title": "专题课", "start": f"2027-03-{day:02}T09:00:00+08:00",
            "end": f"2027-03-{day:02}T12:00:00+08:00", "needed": 1,
            "topics": [{"topic": topic, "min_level": 3}]}, planner), 201)
    run = must(request(base, "POST", f"/api/v1/plans/{plan}/staffing-runs", {}, planner), 202)["id"]
    for _ in range(600):
        state = must(request(base, "GET", f"/api/v1/staffing-runs/{run}", None, planner), 200)["state"]
        if state in ("done", "failed"):
            break
        time.sleep(0.1)
    if state != "done":
        raise SystemExit(f"the seeding run is {state}")
    must(request(base, "POST", f"/api/v1/staffing-runs/{run}/apply", None, planner), 200)
    assignments = must(request(base, "GET", f"/api/v1/assignments?plan={plan}", None, planner), 200)
    must(request(base, "POST", f"/api/v1/assignments/{assignments[0]['id']}/confirm", None, planner), 200)
    must(request(base, "POST", f"/api/v1/sessions/{assignments[0]['session']}/evaluation",
                 {"trainees": 5}, planner), 201)
    tokens["instructor"] = server.user("fuzz-instructor", "instructor", assignments[0]["instructor"])
    return tokens


def tables_of(url):
    if url.startswith("postgres"):
        out = subprocess.run(
            ["psql", url, "-At", "-c",
             "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"],
            check=True, capture_output=True, text=True).stdout
        return out.split()
    with sqlite3.connect(url) as db:
        return [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY 1")]


def dump(url):
    """Every row of every table but `login_failures`, in a stable order."""
    tables = [t for t in tables_of(url) if t != "login_failures"]
    rows = {}
    for table in tables:
        if url.startswith("postgres"):
            out = subprocess.run(
                ["psql", url, "-At", "-c", f'SELECT t::text FROM "{table}" t ORDER BY 1'],
                check=True, capture_output=True, text=True).stdout
            rows[table] = out.splitlines()
        else:
            with sqlite3.connect(url) as db:
                rows[table] = sorted(repr(r) for r in db.execute(f'SELECT * FROM "{table}"'))
    return rows


HERE = os.path.dirname(os.path.abspath(__file__))


def schemathesis(st, base, token, mode, phases, checks, examples, report, selection=()):
    args = [
        st, "run", f"{base}/api/v1/openapi.json",
        "-H", f"Authorization: Bearer {token}",
        "--mode", mode, "--phases", ",".join(phases),
        "--checks", ",".join(checks),
        "-n", str(examples), "--seed", "20261202", "--no-color",
        "--generation-database", "none", "--workers", "2",
        "--report", "junit,har", "--report-junit-path", report,
        "--report-har-path", report[:-len(".xml")] + ".har",
        *selection,
    ]
    env = dict(os.environ)
    env["SCHEMATHESIS_HOOKS"] = f"{mode}_hooks"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [HERE, env.get("PYTHONPATH")]))
    result = subprocess.run(args, capture_output=True, text=True, env=env)
    lines = result.stdout.splitlines()
    tail = "\n".join(failures_section(lines) + lines[-25:])
    return result.returncode, result.stdout, tail


def failures_section(lines):
    """The lines of schemathesis's FAILURES section (each failing case, its
    check and its curl command), so a failed CI run shows what failed."""
    start = next((i for i, l in enumerate(lines) if "FAILURES" in l and l.startswith("=")), None)
    if start is None:
        return []
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("=")), len(lines))
    return lines[start:end]


def negative_run(st, base, token, backend, name, examples, out_dir):
    """One negative-only run; the failures it adds."""
    report = os.path.join(out_dir, f"{backend}-{name}-negative.xml")
    code, output, tail = schemathesis(
        st, base, token, "negative", ["examples", "coverage", "fuzzing"],
        NEGATIVE_CHECKS, examples, report)
    print(f"{backend} {name} negative: exit {code}\n{tail}\n", flush=True)
    if code != 0:
        open(os.path.join(out_dir, f"{backend}-{name}-negative.txt"), "w").write(output)
        return [f"{backend} {name} negative run"]
    return []


def answered_2xx(har):
    """The changing requests of a HAR report that were answered 2xx."""
    if not os.path.exists(har):
        return []
    lines = []
    for entry in json.load(open(har))["log"]["entries"]:
        request, status = entry["request"], entry["response"]["status"]
        if request["method"] in ("POST", "PUT", "PATCH", "DELETE") and 200 <= status < 300:
            lines.append(f"{status}: {request['method']} {request['url']}")
    return lines


def backend_url(backend, directory):
    if backend == "sqlite":
        return os.path.join(directory, "fuzz.db"), None
    name = f"fp_fuzz_{uuid.uuid4().hex}"
    subprocess.run(["psql", PG_ADMIN, "-qc", f'CREATE DATABASE "{name}"'], check=True)
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name, name


def run_backend(binary, st, backend, examples, out_dir):
    directory = tempfile.mkdtemp(prefix=f"fuzz-{backend}-")
    url, pg_name = backend_url(backend, directory)
    server = Server(binary, url, os.path.join(out_dir, f"server-{backend}.log"))
    failures = []
    try:
        tokens = seed(server)
        before = dump(url)
        for role in ROLES:
            failures += negative_run(st, server.base, tokens[role], backend, role, examples,
                                     out_dir)
        after = dump(url)
        changed = [t for t in before if before[t] != after.get(t)]
        if changed:
            failures.append(f"{backend}: requests answered 4xx changed the tables {changed}")
            for table in changed:
                gone = sorted(set(before[table]) - set(after.get(table, [])))
                came = sorted(set(after.get(table, [])) - set(before[table]))
                print(f"{backend}: {table} lost {gone[:5]} and gained {came[:5]}", flush=True)
            for name in ROLES:
                for line in answered_2xx(os.path.join(out_dir, f"{backend}-{name}-negative.har")):
                    print(f"{backend} {name} negative answered {line}", flush=True)
        print(f"{backend}: stored data after the negative runs "
              f"{'changed in ' + str(changed) if changed else 'is unchanged'}", flush=True)
        # Changing an account revokes its tokens: the admin's change of
        # accounts runs last, on its own, so it cannot cut the other runs short.
        accounts = ["--include-operation-id", "patch_users_id"]
        runs = [(role, [], role) for role in ROLES]
        runs[-1] = ("admin", ["--exclude-operation-id", "patch_users_id"], "admin")
        runs.append(("admin", accounts, "admin-accounts"))
        for role, selection, name in runs:
            code, output, tail = schemathesis(
                st, server.base, tokens[role], "positive",
                ["examples", "coverage", "fuzzing", "stateful"], POSITIVE_CHECKS, examples,
                os.path.join(out_dir, f"{backend}-{name}-positive.xml"), selection)
            print(f"{backend} {name} positive: exit {code}\n{tail}\n", flush=True)
            if code != 0:
                failures.append(f"{backend} {name} positive run")
                open(os.path.join(out_dir, f"{backend}-{name}-positive.txt"), "w").write(output)
    finally:
        server.stop()
        if pg_name:
            subprocess.run(["psql", PG_ADMIN, "-qc", f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'])
    return failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("st")
    parser.add_argument("--examples", type=int, default=25)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--out", default="target/schemathesis")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in os.listdir(args.out):
        if name.endswith(".txt"):
            os.remove(os.path.join(args.out, name))
    # The backends run side by side, each with its own server and database.
    backends = args.backend or ["sqlite", "postgres"]
    with ThreadPoolExecutor(max_workers=len(backends)) as pool:
        runs = [pool.submit(run_backend, args.binary, args.st, b, args.examples, args.out) for b in backends]
        failures = [f for run in runs for f in run.result()]
    if failures:
        # What failed comes last, where a truncated log still shows it.
        for name in sorted(os.listdir(args.out)):
            if name.endswith(".txt"):
                lines = open(os.path.join(args.out, name)).read().splitlines()
                print(f"--- {name}: failures\n" + "\n".join(failures_section(lines)[:80]))
            if name.startswith("server-") and name.endswith(".log"):
                lines = [l for l in open(os.path.join(args.out, name)).read().splitlines()
                         if "ERROR" in l or "WARN" in l]
                print(f"--- {name}: its last warnings and errors\n" + "\n".join(lines[-20:]))
        print("schemathesis: FAILED:\n  " + "\n  ".join(failures) + f"\n(details in {args.out})")
        sys.exit(1)
    print("schemathesis: every run passed on every backend")


if __name__ == "__main__":
    main()
