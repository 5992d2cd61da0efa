-- SPEC 10: a tree of offices, each with its own accounts, plans, pool and
-- webhook endpoints. A database made before offices existed has one root
-- office, created here, that owns everything it holds. SQLite cannot add a
-- column that refers to another table with a default, so the office columns
-- of existing tables are checked by the service, not by a foreign key.

CREATE TABLE offices (
    id         TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    tier       TEXT NOT NULL CHECK (tier IN ('national', 'provincial', 'municipal', 'county')),
    parent_id  TEXT REFERENCES offices (id),
    -- The province the office is in (empty for the national bureau).
    region     TEXT NOT NULL DEFAULT '',
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX offices_by_parent ON offices (parent_id);

-- The closure of the tree: one row per office and each of its ancestors
-- (itself at depth 0), so a subtree or the chain above an office is one
-- indexed lookup at any depth.
CREATE TABLE office_tree (
    ancestor_id   TEXT NOT NULL REFERENCES offices (id),
    descendant_id TEXT NOT NULL REFERENCES offices (id),
    depth         INTEGER NOT NULL CHECK (depth >= 0),
    PRIMARY KEY (ancestor_id, descendant_id)
);
CREATE INDEX office_tree_upwards ON office_tree (descendant_id, ancestor_id);

INSERT INTO offices (id, name, tier, region, active, created_at)
    VALUES ('root', '信访部门', 'national', '', TRUE, CURRENT_TIMESTAMP);
INSERT INTO office_tree (ancestor_id, descendant_id, depth) VALUES ('root', 'root', 0);

ALTER TABLE users ADD COLUMN office_id TEXT NOT NULL DEFAULT 'root';
ALTER TABLE plans ADD COLUMN office_id TEXT NOT NULL DEFAULT 'root';
ALTER TABLE instructors ADD COLUMN owner_office_id TEXT NOT NULL DEFAULT 'root';
ALTER TABLE instructors ADD COLUMN visibility TEXT NOT NULL DEFAULT 'shared'
    CHECK (visibility IN ('own', 'shared', 'everyone'));
ALTER TABLE webhook_endpoints ADD COLUMN office_id TEXT NOT NULL DEFAULT 'root';
-- The plan's office, kept on the run for the queue's office-by-office turns.
ALTER TABLE staffing_runs ADD COLUMN office_id TEXT NOT NULL DEFAULT 'root';
-- Events name the office whose work they are about; endpoints of that
-- office and of the offices above it receive them.
ALTER TABLE webhook_events ADD COLUMN office_id TEXT NOT NULL DEFAULT 'root';

CREATE INDEX users_by_office ON users (office_id);
CREATE INDEX plans_by_office ON plans (office_id);
CREATE INDEX instructors_by_owner ON instructors (owner_office_id);
CREATE INDEX instructors_everyone ON instructors (visibility) WHERE visibility = 'everyone';
CREATE INDEX staffing_runs_queue_by_office ON staffing_runs (state, office_id);

-- An office numbers its own instructors (编号): a number is unique within
-- the office that keeps the record, not across the whole system.
DROP INDEX instructors_by_external_id;
CREATE UNIQUE INDEX instructors_by_external_id ON instructors (owner_office_id, external_id);
