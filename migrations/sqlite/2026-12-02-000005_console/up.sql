-- The console: planners exclude instructors from a session or a whole class
-- (conflict of interest, a planner's judgement), and instructors subscribe a
-- calendar application to a secret, revocable feed of their assignments.

CREATE TABLE exclusions (
    id            TEXT PRIMARY KEY,
    instructor_id TEXT NOT NULL REFERENCES instructors (id) ON DELETE CASCADE,
    -- Exactly one of the two: one session, or every session of a class.
    session_id    TEXT REFERENCES sessions (id) ON DELETE CASCADE,
    class_id      TEXT REFERENCES classes (id) ON DELETE CASCADE,
    reason        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    CHECK ((session_id IS NULL) <> (class_id IS NULL))
);
CREATE UNIQUE INDEX exclusions_of_session ON exclusions (session_id, instructor_id);
CREATE UNIQUE INDEX exclusions_of_class ON exclusions (class_id, instructor_id);
CREATE INDEX exclusions_by_instructor ON exclusions (instructor_id);

-- SHA-256 (hex) of the secret in the account's calendar feed URL; NULL when
-- the account has no feed.
ALTER TABLE users ADD COLUMN calendar_feed TEXT;
CREATE UNIQUE INDEX users_by_calendar_feed ON users (calendar_feed);
