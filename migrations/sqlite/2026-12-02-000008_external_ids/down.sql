DROP INDEX instructors_by_external_id;
ALTER TABLE instructors DROP COLUMN external_id;
