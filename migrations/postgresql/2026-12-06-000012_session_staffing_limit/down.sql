DROP TRIGGER sessions_need_their_assignments ON sessions;
DROP TRIGGER assignments_within_needed ON assignments;
DROP FUNCTION session_within_needed();
