-- Staffing: the yearly training plan (年度教育培训计划) with its classes (班次)
-- and sessions (课程), staffing runs queued in the database, and the
-- assignments they propose.

CREATE TABLE plans (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    year       INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    tier       TEXT NOT NULL CHECK (tier IN ('national', 'provincial', 'municipal', 'county', 'township')),
    owner_id   TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE classes (
    id              TEXT PRIMARY KEY NOT NULL,
    plan_id         TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('comprehensive', 'specialised')),
    city            TEXT NOT NULL,
    lat             DOUBLE PRECISION NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon             DOUBLE PRECISION NOT NULL CHECK (lon BETWEEN -180 AND 180),
    start_date      DATE NOT NULL,
    end_date        DATE NOT NULL,
    min_cadre_share DOUBLE PRECISION NOT NULL CHECK (min_cadre_share BETWEEN 0 AND 1),
    created_at      TIMESTAMP NOT NULL,
    CHECK (start_date <= end_date)
);
CREATE INDEX classes_by_plan ON classes (plan_id, start_date);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY NOT NULL,
    class_id   TEXT NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    start_at   TIMESTAMP NOT NULL,
    end_at     TIMESTAMP NOT NULL,
    remote     BOOLEAN NOT NULL,
    method     TEXT REFERENCES teaching_methods (code),
    needed     INTEGER NOT NULL CHECK (needed >= 1),
    created_at TIMESTAMP NOT NULL,
    CHECK (start_at < end_at)
);
CREATE INDEX sessions_by_class ON sessions (class_id, start_at);
CREATE INDEX sessions_by_time ON sessions (start_at);

CREATE TABLE session_topics (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    topic      TEXT NOT NULL REFERENCES topics (code),
    min_level  INTEGER NOT NULL CHECK (min_level BETWEEN 1 AND 5),
    PRIMARY KEY (session_id, topic)
);

CREATE TABLE staffing_runs (
    id            TEXT PRIMARY KEY NOT NULL,
    plan_id       TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    requested_by  TEXT NOT NULL REFERENCES users (id),
    state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    -- The request as JSON: the classes (all when empty), weights and options.
    request       TEXT NOT NULL,
    -- Ratings and remaining capacity are computed as of this time.
    as_of         TIMESTAMP NOT NULL,
    -- SHA-256 of the problem the run solved; apply refuses a run whose
    -- problem, rebuilt from the database, differs.
    inputs_digest TEXT,
    -- The problem JSON the run solved (SPEC 5.1), and its solution (5.5).
    problem       TEXT,
    result        TEXT,
    error         TEXT,
    attempts      INTEGER NOT NULL,
    worker        TEXT,
    lease_until   TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    started_at    TIMESTAMP,
    finished_at   TIMESTAMP,
    applied_at    TIMESTAMP
);
CREATE INDEX staffing_runs_queue ON staffing_runs (state, created_at);
CREATE INDEX staffing_runs_by_plan ON staffing_runs (plan_id, created_at);

CREATE TABLE assignments (
    id             TEXT PRIMARY KEY NOT NULL,
    session_id     TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    instructor_id  TEXT NOT NULL REFERENCES instructors (id),
    state          TEXT NOT NULL CHECK (state IN ('proposed', 'confirmed', 'declined')),
    locked         BOOLEAN NOT NULL,
    run_id         TEXT REFERENCES staffing_runs (id) ON DELETE SET NULL,
    decline_reason TEXT,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    UNIQUE (session_id, instructor_id)
);
CREATE INDEX assignments_by_instructor ON assignments (instructor_id, state);
