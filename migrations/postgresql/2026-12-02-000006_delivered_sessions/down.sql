DROP INDEX teaching_records_of_session;
ALTER TABLE teaching_records DROP COLUMN session_id;
