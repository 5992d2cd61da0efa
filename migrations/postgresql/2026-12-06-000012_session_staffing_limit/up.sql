-- No session holds more instructors than it needs: the assignments of a
-- session that are not declined never outnumber its `needed`, whatever
-- writes them (a run's apply, a planner's own assignment, a session whose
-- `needed` is lowered). Checked by the database itself, so no path can
-- bypass it; the service turns the error into a 409. (SQLite has the same
-- rule as triggers that RAISE; PostgreSQL needs a function.)

CREATE FUNCTION session_within_needed() RETURNS trigger AS $$
DECLARE
    session TEXT;
    held BIGINT;
    needed_here INTEGER;
BEGIN
    IF TG_TABLE_NAME = 'sessions' THEN
        session := NEW.id;
    ELSIF NEW.state = 'declined' THEN
        RETURN NULL;
    ELSE
        session := NEW.session_id;
    END IF;
    SELECT count(*) INTO held FROM assignments
        WHERE session_id = session AND state <> 'declined';
    SELECT needed INTO needed_here FROM sessions WHERE id = session;
    IF held > needed_here THEN
        RAISE EXCEPTION 'session_overstaffed';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER assignments_within_needed
AFTER INSERT OR UPDATE OF state, session_id ON assignments
FOR EACH ROW EXECUTE FUNCTION session_within_needed();

CREATE TRIGGER sessions_need_their_assignments
AFTER UPDATE OF needed ON sessions
FOR EACH ROW EXECUTE FUNCTION session_within_needed();
