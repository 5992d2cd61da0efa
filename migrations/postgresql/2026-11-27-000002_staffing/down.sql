DROP TABLE assignments;
DROP TABLE staffing_runs;
DROP TABLE session_topics;
DROP TABLE sessions;
DROP TABLE classes;
DROP TABLE plans;
