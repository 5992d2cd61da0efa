ALTER TABLE staffing_runs DROP COLUMN distances;
DROP TABLE road_distances;
