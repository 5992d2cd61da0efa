-- How far a staffing run's solver has got: a JSON list of
-- {elapsed_s, objective, bound}, one per improvement, written while it solves.
ALTER TABLE staffing_runs ADD COLUMN progress TEXT;
