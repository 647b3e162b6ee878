-- Heartbeat monitors: a job pings /ping/<uuid>; a missed period plus grace, or
-- a reported failure, opens an alert through the heartbeat's own integration.
-- +goose Up
CREATE TABLE heartbeats (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL UNIQUE,
    -- The integration (type heartbeat) its alerts come through; it carries the
    -- service. Deleting it, or its service, deletes the heartbeat.
    integration_id  INTEGER NOT NULL UNIQUE REFERENCES integrations (id) ON DELETE CASCADE,
    ping_uuid       TEXT NOT NULL UNIQUE,
    period          INTEGER NOT NULL, -- milliseconds
    grace           INTEGER NOT NULL, -- milliseconds
    priority        TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('new', 'up', 'down')),
    -- When it goes down unless a good ping comes first; 0 while down.
    due_at          INTEGER NOT NULL,
    last_ping_at    INTEGER NOT NULL DEFAULT 0,
    last_ping_kind  TEXT NOT NULL DEFAULT '',
    last_success_at INTEGER NOT NULL DEFAULT 0,
    last_start_at   INTEGER NOT NULL DEFAULT 0,
    last_fail_at    INTEGER NOT NULL DEFAULT 0,
    last_body       TEXT NOT NULL DEFAULT '',
    alert_id        INTEGER NOT NULL DEFAULT 0, -- the alert opened while down
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX heartbeats_due ON heartbeats (due_at) WHERE state <> 'down';

-- +goose Down
DROP TABLE heartbeats;
DELETE FROM integrations WHERE type = 'heartbeat';
