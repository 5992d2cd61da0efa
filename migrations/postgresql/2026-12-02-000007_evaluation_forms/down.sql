DROP TABLE evaluation_responses;
DROP TABLE evaluation_codes;
DROP TABLE evaluation_forms;
