-- No session holds more instructors than it needs: the assignments of a
-- session that are not declined never outnumber its `needed`, whatever
-- writes them (a run's apply, a planner's own assignment, a session whose
-- `needed` is lowered). Checked by the database itself, so no path can
-- bypass it; the service turns the error into a 409.

CREATE TRIGGER assignments_within_needed_on_insert
AFTER INSERT ON assignments
WHEN NEW.state <> 'declined'
BEGIN
    SELECT RAISE(ABORT, 'session_overstaffed')
    WHERE (SELECT count(*) FROM assignments
           WHERE session_id = NEW.session_id AND state <> 'declined')
        > (SELECT needed FROM sessions WHERE id = NEW.session_id);
END;

CREATE TRIGGER assignments_within_needed_on_update
AFTER UPDATE OF state, session_id ON assignments
WHEN NEW.state <> 'declined'
BEGIN
    SELECT RAISE(ABORT, 'session_overstaffed')
    WHERE (SELECT count(*) FROM assignments
           WHERE session_id = NEW.session_id AND state <> 'declined')
        > (SELECT needed FROM sessions WHERE id = NEW.session_id);
END;

CREATE TRIGGER sessions_need_their_assignments
AFTER UPDATE OF needed ON sessions
BEGIN
    SELECT RAISE(ABORT, 'session_overstaffed')
    WHERE (SELECT count(*) FROM assignments
           WHERE session_id = NEW.id AND state <> 'declined') > NEW.needed;
END;
