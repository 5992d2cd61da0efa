-- Road distances from the routing provider, kept so that a re-run asks only
-- for what is new. Points are written "lat,lon" with five decimals (about a
-- metre); `profile` is the provider's (driving, …).
CREATE TABLE road_distances (
    origin     TEXT NOT NULL,
    venue      TEXT NOT NULL,
    profile    TEXT NOT NULL,
    km         DOUBLE PRECISION NOT NULL CHECK (km >= 0),
    fetched_at TIMESTAMP NOT NULL,
    PRIMARY KEY (venue, profile, origin)
);

-- How a run's distances were measured (JSON), when a provider is configured.
ALTER TABLE staffing_runs ADD COLUMN distances TEXT;
