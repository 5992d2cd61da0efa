-- Trainees' evaluations on the spot (现场测评): a planner opens a session's
-- evaluation form for a number of trainees; each trainee gets a single-use
-- code. A submission spends its code and leaves a response (the optional
-- aspects and comment) and, for each instructor, a score in `evaluations`
-- on the instructor's teaching record of the session. Nothing links a
-- response or a score to the code that sent it: a code row says only
-- whether it is spent, and has no time.

CREATE TABLE evaluation_forms (
    session_id TEXT PRIMARY KEY NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    opens_at   TIMESTAMP NOT NULL,
    closes_at  TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (closes_at > opens_at)
);

CREATE TABLE evaluation_codes (
    code       TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES evaluation_forms (session_id) ON DELETE CASCADE,
    -- The code's number on the printed sheet (1, 2, …).
    seq        INTEGER NOT NULL,
    spent      BOOLEAN NOT NULL,
    UNIQUE (session_id, seq)
);

CREATE TABLE evaluation_responses (
    id           TEXT PRIMARY KEY NOT NULL,
    session_id   TEXT NOT NULL REFERENCES evaluation_forms (session_id) ON DELETE CASCADE,
    submitted_at TIMESTAMP NOT NULL,
    content      INTEGER CHECK (content BETWEEN 1 AND 5),
    method       INTEGER CHECK (method BETWEEN 1 AND 5),
    usefulness   INTEGER CHECK (usefulness BETWEEN 1 AND 5),
    comment      TEXT
);
CREATE INDEX evaluation_responses_of_session ON evaluation_responses (session_id);
