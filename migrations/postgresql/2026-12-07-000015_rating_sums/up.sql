-- Ratings are summed by the database (SPEC 4): each evaluation weighs
-- power(0.5, age_days / 365), its age the difference of two
-- unixepoch(t, 'subsec') values. SQLite has unixepoch() built in;
-- PostgreSQL gets the same function here (and has power() of its own).
CREATE FUNCTION unixepoch(t TIMESTAMP, modifier TEXT) RETURNS DOUBLE PRECISION
    LANGUAGE SQL IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT CASE WHEN modifier = 'subsec'
                    THEN EXTRACT(EPOCH FROM t)::DOUBLE PRECISION
                    ELSE FLOOR(EXTRACT(EPOCH FROM t))::DOUBLE PRECISION END
    $$;
