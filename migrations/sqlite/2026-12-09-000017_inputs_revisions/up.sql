-- What a staffing run reads of an instructor (kind, place, capacity,
-- travel, being active, who keeps the record and who may see it, expertise,
-- unavailable time) and of a class (place, cadre share, which plan, its
-- sessions' times, places and topics) carries a revision that these
-- triggers raise on every change of it, whatever writes it. A run's inputs
-- digest covers the revisions, so applying a run checks that nothing it
-- read changed by reading them, not by building its problem again.

ALTER TABLE instructors ADD COLUMN inputs_revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE classes ADD COLUMN inputs_revision INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER instructors_inputs_changed
AFTER UPDATE ON instructors
WHEN OLD.kind IS NOT NEW.kind OR OLD.lat IS NOT NEW.lat OR OLD.lon IS NOT NEW.lon
    OR OLD.yearly_capacity IS NOT NEW.yearly_capacity OR OLD.remote_ok IS NOT NEW.remote_ok
    OR OLD.max_travel_km IS NOT NEW.max_travel_km OR OLD.active IS NOT NEW.active
    OR OLD.owner_office_id IS NOT NEW.owner_office_id OR OLD.visibility IS NOT NEW.visibility
BEGIN
    UPDATE instructors SET inputs_revision = inputs_revision + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER expertise_added AFTER INSERT ON instructor_expertise
BEGIN
    UPDATE instructors SET inputs_revision = inputs_revision + 1 WHERE id = NEW.instructor_id;
END;
CREATE TRIGGER expertise_changed AFTER UPDATE ON instructor_expertise
BEGIN
    UPDATE instructors SET inputs_revision = inputs_revision + 1
        WHERE id IN (OLD.instructor_id, NEW.instructor_id);
END;
CREATE TRIGGER expertise_removed AFTER DELETE ON instructor_expertise
BEGIN
    UPDATE instructors SET inputs_revision = inputs_revision + 1 WHERE id = OLD.instructor_id;
END;

CREATE TRIGGER unavailability_added AFTER INSERT ON unavailability
BEGIN
    UPDATE instructors SET inputs_revision = inputs_revision + 1 WHERE id = NEW.instructor_id;
END;
CREATE TRIGGER unavailability_changed AFTER UPDATE ON unavailability
BEGIN
    UPDATE instructors SET inputs_revision = inputs_revision + 1
        WHERE id IN (OLD.instructor_id, NEW.instructor_id);
END;
CREATE TRIGGER unavailability_removed AFTER DELETE ON unavailability
BEGIN
    UPDATE instructors SET inputs_revision = inputs_revision + 1 WHERE id = OLD.instructor_id;
END;

CREATE TRIGGER classes_inputs_changed
AFTER UPDATE ON classes
WHEN OLD.lat IS NOT NEW.lat OR OLD.lon IS NOT NEW.lon
    OR OLD.min_cadre_share IS NOT NEW.min_cadre_share OR OLD.plan_id IS NOT NEW.plan_id
BEGIN
    UPDATE classes SET inputs_revision = inputs_revision + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER sessions_added AFTER INSERT ON sessions
BEGIN
    UPDATE classes SET inputs_revision = inputs_revision + 1 WHERE id = NEW.class_id;
END;
CREATE TRIGGER sessions_changed
AFTER UPDATE ON sessions
WHEN OLD.class_id IS NOT NEW.class_id OR OLD.start_at IS NOT NEW.start_at
    OR OLD.end_at IS NOT NEW.end_at OR OLD.remote IS NOT NEW.remote OR OLD.needed IS NOT NEW.needed
BEGIN
    UPDATE classes SET inputs_revision = inputs_revision + 1
        WHERE id IN (OLD.class_id, NEW.class_id);
END;
CREATE TRIGGER sessions_removed AFTER DELETE ON sessions
BEGIN
    UPDATE classes SET inputs_revision = inputs_revision + 1 WHERE id = OLD.class_id;
END;

CREATE TRIGGER session_topics_added AFTER INSERT ON session_topics
BEGIN
    UPDATE classes SET inputs_revision = inputs_revision + 1
        WHERE id = (SELECT class_id FROM sessions WHERE id = NEW.session_id);
END;
CREATE TRIGGER session_topics_changed AFTER UPDATE ON session_topics
BEGIN
    UPDATE classes SET inputs_revision = inputs_revision + 1
        WHERE id IN (SELECT class_id FROM sessions WHERE id IN (OLD.session_id, NEW.session_id));
END;
CREATE TRIGGER session_topics_removed AFTER DELETE ON session_topics
BEGIN
    UPDATE classes SET inputs_revision = inputs_revision + 1
        WHERE id = (SELECT class_id FROM sessions WHERE id = OLD.session_id);
END;
