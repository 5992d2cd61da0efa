DROP INDEX users_by_calendar_feed;
ALTER TABLE users DROP COLUMN calendar_feed;
DROP TABLE exclusions;
