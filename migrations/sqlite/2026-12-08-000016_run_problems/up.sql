-- The problem a run solved (SPEC 5.1, megabytes for a province) is kept
-- beside the run rather than in its row: the row changes after the run ends
-- (applying it, a late cancel request) and SQLite writes a changed row
-- whole, the problem with it; reading a plan's runs need not read them.
CREATE TABLE staffing_run_problems (
    run_id  TEXT PRIMARY KEY NOT NULL REFERENCES staffing_runs (id) ON DELETE CASCADE,
    problem TEXT NOT NULL
);
INSERT INTO staffing_run_problems (run_id, problem)
    SELECT id, problem FROM staffing_runs WHERE problem IS NOT NULL;
ALTER TABLE staffing_runs DROP COLUMN problem;
