-- What a staffing run reads of an instructor (kind, place, capacity,
-- travel, being active, who keeps the record and who may see it, expertise,
-- unavailable time) and of a class (place, cadre share, which plan, its
-- sessions' times, places and topics) carries a revision that these
-- triggers raise on every change of it, whatever writes it. A run's inputs
-- digest covers the revisions, so applying a run checks that nothing it
-- read changed by reading them, not by building its problem again.

ALTER TABLE instructors ADD COLUMN inputs_revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE classes ADD COLUMN inputs_revision INTEGER NOT NULL DEFAULT 0;

-- A row's own change raises its revision as it is written.
CREATE FUNCTION own_inputs_changed() RETURNS trigger AS $$
BEGIN
    NEW.inputs_revision := OLD.inputs_revision + 1;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER instructors_inputs_changed
BEFORE UPDATE ON instructors
FOR EACH ROW
WHEN (OLD.kind IS DISTINCT FROM NEW.kind OR OLD.lat IS DISTINCT FROM NEW.lat
    OR OLD.lon IS DISTINCT FROM NEW.lon OR OLD.yearly_capacity IS DISTINCT FROM NEW.yearly_capacity
    OR OLD.remote_ok IS DISTINCT FROM NEW.remote_ok
    OR OLD.max_travel_km IS DISTINCT FROM NEW.max_travel_km OR OLD.active IS DISTINCT FROM NEW.active
    OR OLD.owner_office_id IS DISTINCT FROM NEW.owner_office_id
    OR OLD.visibility IS DISTINCT FROM NEW.visibility)
EXECUTE FUNCTION own_inputs_changed();

CREATE TRIGGER classes_inputs_changed
BEFORE UPDATE ON classes
FOR EACH ROW
WHEN (OLD.lat IS DISTINCT FROM NEW.lat OR OLD.lon IS DISTINCT FROM NEW.lon
    OR OLD.min_cadre_share IS DISTINCT FROM NEW.min_cadre_share
    OR OLD.plan_id IS DISTINCT FROM NEW.plan_id)
EXECUTE FUNCTION own_inputs_changed();

-- A change of an instructor's expertise or unavailable time raises the
-- instructor's revision (both instructors' if a row moved between them):
-- once per statement over the rows it wrote, so that a sheet of thousands
-- of instructors updates each once, not once per row.
CREATE FUNCTION raise_instructors_of_rows() RETURNS trigger AS $$
BEGIN
    UPDATE instructors SET inputs_revision = inputs_revision + 1
        WHERE id IN (SELECT instructor_id FROM changed_rows);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION raise_instructors_of_updated_rows() RETURNS trigger AS $$
BEGIN
    UPDATE instructors SET inputs_revision = inputs_revision + 1
        WHERE id IN (SELECT instructor_id FROM changed_rows
                     UNION SELECT instructor_id FROM new_rows);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER expertise_added AFTER INSERT ON instructor_expertise
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION raise_instructors_of_rows();
CREATE TRIGGER expertise_changed AFTER UPDATE ON instructor_expertise
REFERENCING OLD TABLE AS changed_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION raise_instructors_of_updated_rows();
CREATE TRIGGER expertise_removed AFTER DELETE ON instructor_expertise
REFERENCING OLD TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION raise_instructors_of_rows();

CREATE TRIGGER unavailability_added AFTER INSERT ON unavailability
REFERENCING NEW TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION raise_instructors_of_rows();
CREATE TRIGGER unavailability_changed AFTER UPDATE ON unavailability
REFERENCING OLD TABLE AS changed_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION raise_instructors_of_updated_rows();
CREATE TRIGGER unavailability_removed AFTER DELETE ON unavailability
REFERENCING OLD TABLE AS changed_rows
FOR EACH STATEMENT EXECUTE FUNCTION raise_instructors_of_rows();

-- A change of a session (its time, place count, remote, class) raises its
-- class's revision (both classes' if it moved).
CREATE FUNCTION session_inputs_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE classes SET inputs_revision = inputs_revision + 1 WHERE id = OLD.class_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.class_id <> OLD.class_id) THEN
        UPDATE classes SET inputs_revision = inputs_revision + 1 WHERE id = NEW.class_id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER sessions_added_or_removed
AFTER INSERT OR DELETE ON sessions
FOR EACH ROW EXECUTE FUNCTION session_inputs_changed();

CREATE TRIGGER sessions_changed
AFTER UPDATE ON sessions
FOR EACH ROW
WHEN (OLD.class_id IS DISTINCT FROM NEW.class_id OR OLD.start_at IS DISTINCT FROM NEW.start_at
    OR OLD.end_at IS DISTINCT FROM NEW.end_at OR OLD.remote IS DISTINCT FROM NEW.remote
    OR OLD.needed IS DISTINCT FROM NEW.needed)
EXECUTE FUNCTION session_inputs_changed();

-- A change of a session's topics raises its class's revision.
CREATE FUNCTION session_topics_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE classes SET inputs_revision = inputs_revision + 1
            WHERE id = (SELECT class_id FROM sessions WHERE id = OLD.session_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE classes SET inputs_revision = inputs_revision + 1
            WHERE id = (SELECT class_id FROM sessions WHERE id = NEW.session_id);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER session_topics_inputs_changed
AFTER INSERT OR UPDATE OR DELETE ON session_topics
FOR EACH ROW EXECUTE FUNCTION session_topics_changed();
