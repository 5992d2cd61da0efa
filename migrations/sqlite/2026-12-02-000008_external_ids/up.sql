-- An office's own number for an instructor (编号), by which spreadsheet
-- imports find the instructor again; unique where given.
ALTER TABLE instructors ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX instructors_by_external_id ON instructors (external_id);
