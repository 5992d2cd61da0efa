UPDATE staffing_runs SET state = 'failed' WHERE state = 'cancelled';
ALTER TABLE staffing_runs DROP COLUMN cancel_requested_at;
ALTER TABLE staffing_runs DROP CONSTRAINT staffing_runs_state_check;
ALTER TABLE staffing_runs ADD CONSTRAINT staffing_runs_state_check
    CHECK (state IN ('queued', 'running', 'done', 'failed'));
