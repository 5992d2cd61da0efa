-- A staffing run can be cancelled: queued, it never starts; running, its
-- worker stops the solver and keeps the best staffing found so far. The
-- state gains `cancelled`, and `cancel_requested_at` tells the worker (on
-- whichever server runs it) to stop.
--
-- SQLite cannot change a CHECK constraint, so the table is rebuilt, with
-- foreign keys off (assignments.run_id refers to it) and so outside the
-- migration harness's transaction (metadata.toml), in one transaction of
-- its own.

PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE staffing_runs_new (
    id            TEXT PRIMARY KEY NOT NULL,
    plan_id       TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    requested_by  TEXT NOT NULL REFERENCES users (id),
    state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    request       TEXT NOT NULL,
    as_of         TIMESTAMP NOT NULL,
    inputs_digest TEXT,
    problem       TEXT,
    result        TEXT,
    error         TEXT,
    attempts      INTEGER NOT NULL,
    worker        TEXT,
    lease_until   TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    started_at    TIMESTAMP,
    finished_at   TIMESTAMP,
    applied_at    TIMESTAMP,
    dropped_pins  TEXT,
    progress      TEXT,
    distances     TEXT,
    -- When someone asked a queued or running run to stop.
    cancel_requested_at TIMESTAMP
);
INSERT INTO staffing_runs_new (id, plan_id, requested_by, state, request, as_of, inputs_digest, problem, result, error, attempts, worker, lease_until, created_at, started_at, finished_at, applied_at, dropped_pins, progress, distances)
    SELECT id, plan_id, requested_by, state, request, as_of, inputs_digest, problem, result, error, attempts, worker, lease_until, created_at, started_at, finished_at, applied_at, dropped_pins, progress, distances FROM staffing_runs;
DROP TABLE staffing_runs;
ALTER TABLE staffing_runs_new RENAME TO staffing_runs;
CREATE INDEX staffing_runs_queue ON staffing_runs (state, created_at);
CREATE INDEX staffing_runs_by_plan ON staffing_runs (plan_id, created_at);
COMMIT;
PRAGMA foreign_keys = ON;
