-- Hardening: accounts can be disabled and their tokens revoked, failed
-- logins are counted per (account, client address) where every replica sees
-- them, and a staffing run says what it had to leave out of its problem.

ALTER TABLE users ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
-- Tokens carry the version they were issued under; raising it (password
-- reset, disabling) revokes every token issued before.
ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;

CREATE TABLE login_failures (
    username      TEXT NOT NULL,
    client        TEXT NOT NULL,
    failures      INTEGER NOT NULL,
    blocked_until TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (username, client)
);
CREATE INDEX login_failures_by_age ON login_failures (updated_at);

-- JSON list of the pins (confirmed or locked assignments) the run could not
-- keep, each with the rule it broke.
ALTER TABLE staffing_runs ADD COLUMN dropped_pins TEXT;
