-- The secret a rotation replaced: it still signs beside the new one until
-- `previous_secret_until`, so a receiver can switch to the new secret
-- without failing an event (Standard Webhooks: several signatures in one
-- `webhook-signature` header).
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret TEXT;
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_until TIMESTAMP;
