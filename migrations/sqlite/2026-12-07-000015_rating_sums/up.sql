-- Ratings are summed by the database (SPEC 4). SQLite has unixepoch() built
-- in and gets power() from the service on connecting; no schema changes.
SELECT 1;
