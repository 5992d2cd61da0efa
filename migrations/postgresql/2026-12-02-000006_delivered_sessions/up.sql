-- A teaching record made from a delivered session names that session, and
-- an instructor has at most one record of a session, so it is never made
-- twice (hand-entered records have none). No foreign key: SQLite could not
-- drop the column again, and a session with a confirmed assignment cannot
-- be deleted anyway.
ALTER TABLE teaching_records ADD COLUMN session_id TEXT;
CREATE UNIQUE INDEX teaching_records_of_session ON teaching_records (session_id, instructor_id);
