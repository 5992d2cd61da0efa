ALTER TABLE staffing_runs DROP COLUMN dropped_pins;
DROP TABLE login_failures;
ALTER TABLE users DROP COLUMN token_version;
ALTER TABLE users DROP COLUMN active;
