-- The faculty pool (师资库): vocabulary, instructors, availability, teaching
-- records with trainee evaluations, and user accounts.

CREATE TABLE server_settings (
    name  TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE topics (
    code     TEXT PRIMARY KEY NOT NULL,
    name     TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('comprehensive', 'specialised', 'outside', 'other'))
);

CREATE TABLE teaching_methods (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL
);

CREATE TABLE instructors (
    id              TEXT PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('cadre', 'expert', 'model_figure')),
    organisation    TEXT NOT NULL,
    title           TEXT NOT NULL,
    tier            TEXT CHECK (tier IN ('national', 'provincial', 'municipal', 'county', 'township')),
    city            TEXT NOT NULL,
    lat             DOUBLE PRECISION NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon             DOUBLE PRECISION NOT NULL CHECK (lon BETWEEN -180 AND 180),
    yearly_capacity INTEGER NOT NULL CHECK (yearly_capacity >= 0),
    remote_ok       BOOLEAN NOT NULL,
    max_travel_km   DOUBLE PRECISION CHECK (max_travel_km >= 0),
    active          BOOLEAN NOT NULL,
    phone           TEXT,
    email           TEXT,
    version         INTEGER NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX instructors_by_name ON instructors (name, id);

CREATE TABLE instructor_expertise (
    instructor_id TEXT NOT NULL REFERENCES instructors (id) ON DELETE CASCADE,
    topic         TEXT NOT NULL REFERENCES topics (code),
    level         INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (instructor_id, topic)
);
CREATE INDEX instructor_expertise_by_topic ON instructor_expertise (topic, level);

CREATE TABLE instructor_methods (
    instructor_id TEXT NOT NULL REFERENCES instructors (id) ON DELETE CASCADE,
    method        TEXT NOT NULL REFERENCES teaching_methods (code),
    PRIMARY KEY (instructor_id, method)
);

CREATE TABLE unavailability (
    id            TEXT PRIMARY KEY NOT NULL,
    instructor_id TEXT NOT NULL REFERENCES instructors (id) ON DELETE CASCADE,
    start_at      TIMESTAMP NOT NULL,
    end_at        TIMESTAMP NOT NULL,
    note          TEXT NOT NULL,
    CHECK (start_at < end_at)
);
CREATE INDEX unavailability_by_instructor ON unavailability (instructor_id, start_at);

CREATE TABLE teaching_records (
    id            TEXT PRIMARY KEY NOT NULL,
    instructor_id TEXT NOT NULL REFERENCES instructors (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    delivered_at  TIMESTAMP NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX teaching_records_by_instructor ON teaching_records (instructor_id, delivered_at);

CREATE TABLE evaluations (
    id           TEXT PRIMARY KEY NOT NULL,
    record_id    TEXT NOT NULL REFERENCES teaching_records (id) ON DELETE CASCADE,
    score        INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    evaluated_at TIMESTAMP NOT NULL
);
CREATE INDEX evaluations_by_record ON evaluations (record_id);

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'planner', 'office', 'instructor')),
    instructor_id TEXT REFERENCES instructors (id),
    created_at    TIMESTAMP NOT NULL,
    CHECK ((role = 'instructor') = (instructor_id IS NOT NULL))
);

-- SPEC section 2: the topics and teaching methods of the training policy.
INSERT INTO topics (code, name, category) VALUES
    ('party-spirit', '党性修养', 'comprehensive'),
    ('professional-ethics', '职业操守', 'comprehensive'),
    ('new-measures', '信访工作新举措新要求', 'comprehensive'),
    ('situation-analysis', '信访形势任务分析研判', 'comprehensive'),
    ('rule-of-law', '法治信访', 'comprehensive'),
    ('letter-handling', '办信', 'specialised'),
    ('visitor-reception', '接访', 'specialised'),
    ('online-complaints', '网上投诉受理', 'specialised'),
    ('supervision', '督查', 'specialised'),
    ('publicity', '信访宣传', 'specialised'),
    ('information-systems', '信访信息系统建设应用', 'specialised'),
    ('land-resources', '国土', 'outside'),
    ('housing-construction', '住建', 'outside'),
    ('civil-affairs', '民政', 'outside'),
    ('human-resources-social-security', '人社', 'outside'),
    ('environmental-protection', '环保', 'outside'),
    ('finance', '金融', 'outside');

INSERT INTO teaching_methods (code, name) VALUES
    ('lecture', '讲授式'),
    ('case', '案例式'),
    ('simulation', '模拟式'),
    ('seminar', '研讨式'),
    ('experiential', '体验式'),
    ('on-site', '现场教学');
