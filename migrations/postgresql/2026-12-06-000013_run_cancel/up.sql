-- A staffing run can be cancelled: queued, it never starts; running, its
-- worker stops the solver and keeps the best staffing found so far. The
-- state gains `cancelled`, and `cancel_requested_at` tells the worker (on
-- whichever server runs it) to stop.

ALTER TABLE staffing_runs DROP CONSTRAINT staffing_runs_state_check;
ALTER TABLE staffing_runs ADD CONSTRAINT staffing_runs_state_check
    CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled'));
-- When someone asked a queued or running run to stop.
ALTER TABLE staffing_runs ADD COLUMN cancel_requested_at TIMESTAMP;
