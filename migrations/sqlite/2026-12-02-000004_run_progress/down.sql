ALTER TABLE staffing_runs DROP COLUMN progress;
