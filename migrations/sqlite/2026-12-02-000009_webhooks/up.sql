-- Webhooks: endpoints an admin registers, the outbox of events (written in
-- the transaction of the change that causes them), one delivery of an event
-- to each endpoint that subscribes to it, and every attempt of a delivery.

CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY NOT NULL,
    url             TEXT NOT NULL,
    description     TEXT NOT NULL,
    -- A JSON array of event type codes.
    event_types     TEXT NOT NULL,
    -- `whsec_` and the base64 of 32 random bytes (Standard Webhooks).
    secret          TEXT NOT NULL,
    enabled         BOOLEAN NOT NULL,
    disabled_reason TEXT,
    -- The first failed attempt since the last success.
    failing_since   TIMESTAMP,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);

CREATE TABLE webhook_events (
    -- `msg_…`, sent as `webhook-id`.
    id         TEXT PRIMARY KEY NOT NULL,
    event_type TEXT NOT NULL,
    -- The body, exactly as it is signed and sent.
    payload    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY NOT NULL,
    event_id        TEXT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- pending, sending, succeeded or failed (given up with its endpoint).
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    worker          TEXT,
    lease_until     TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_of_endpoint ON webhook_deliveries (endpoint_id, created_at);

CREATE TABLE webhook_attempts (
    id               TEXT PRIMARY KEY NOT NULL,
    delivery_id      TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at     TIMESTAMP NOT NULL,
    -- The HTTP status, or none when no response came.
    status_code      INTEGER,
    duration_ms      INTEGER NOT NULL,
    -- Why no response came (refused address, timeout, connection error).
    error            TEXT,
    -- The first 1,000 characters of the response body.
    response_excerpt TEXT
);
CREATE INDEX webhook_attempts_of_delivery ON webhook_attempts (delivery_id, attempted_at);
