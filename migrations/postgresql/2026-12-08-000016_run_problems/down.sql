ALTER TABLE staffing_runs ADD COLUMN problem TEXT;
UPDATE staffing_runs SET problem =
    (SELECT p.problem FROM staffing_run_problems p WHERE p.run_id = staffing_runs.id);
DROP TABLE staffing_run_problems;
