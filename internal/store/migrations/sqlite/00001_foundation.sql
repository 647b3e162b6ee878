-- Times are INTEGER milliseconds since the Unix epoch, UTC; 0 means "never".
-- +goose Up
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    timezone      TEXT NOT NULL DEFAULT 'UTC',
    locale        TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL DEFAULT 0,
    revoked_at   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL DEFAULT 'member',
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE services (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    team_id     INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE integrations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL,
    service_id  INTEGER REFERENCES services (id) ON DELETE CASCADE,
    key_hash    TEXT NOT NULL UNIQUE,
    key_prefix  TEXT NOT NULL,
    hmac_secret TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    rotated_at  INTEGER NOT NULL DEFAULT 0,
    revoked_at  INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX integrations_name ON integrations (COALESCE(service_id, 0), name);

CREATE TABLE processing_rules (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id INTEGER REFERENCES integrations (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    name           TEXT NOT NULL,
    enabled        INTEGER NOT NULL DEFAULT 1,
    conditions     TEXT NOT NULL DEFAULT '[]',
    time_window    TEXT NOT NULL DEFAULT '',
    actions        TEXT NOT NULL DEFAULT '{}',
    stop           INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX processing_rules_name ON processing_rules (COALESCE(integration_id, 0), name);

CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Alerts outlive their integration and service: history is kept for reports.
    integration_id  INTEGER REFERENCES integrations (id) ON DELETE SET NULL,
    service_id      INTEGER REFERENCES services (id) ON DELETE SET NULL,
    dedup_key       TEXT NOT NULL,
    summary         TEXT NOT NULL,
    details         TEXT NOT NULL DEFAULT '',
    source          TEXT NOT NULL DEFAULT '',
    priority        TEXT NOT NULL,
    labels          TEXT NOT NULL DEFAULT '{}',
    links           TEXT NOT NULL DEFAULT '[]',
    status          TEXT NOT NULL CHECK (status IN ('triggered', 'acknowledged', 'resolved')),
    suppressed      INTEGER NOT NULL DEFAULT 0,
    occurrences     INTEGER NOT NULL DEFAULT 1,
    first_seen_at   INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    acked_at        INTEGER NOT NULL DEFAULT 0,
    acked_by        TEXT NOT NULL DEFAULT '',
    ack_channel     TEXT NOT NULL DEFAULT '',
    resolved_at     INTEGER NOT NULL DEFAULT 0,
    resolved_by     TEXT NOT NULL DEFAULT '',
    resolve_channel TEXT NOT NULL DEFAULT '',
    -- Repeats are written to the timeline at most once a minute, with their count.
    repeat_logged_at INTEGER NOT NULL DEFAULT 0,
    repeats_unlogged INTEGER NOT NULL DEFAULT 0,
    updated_at      INTEGER NOT NULL
);
-- At most one open alert per (integration, dedup key): the dedup rule, enforced.
CREATE UNIQUE INDEX alerts_open_dedup ON alerts (integration_id, dedup_key) WHERE status <> 'resolved';
CREATE INDEX alerts_status ON alerts (status, id);
CREATE INDEX alerts_service ON alerts (service_id, id);
CREATE INDEX alerts_updated ON alerts (updated_at);

CREATE TABLE alert_timeline (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    at       INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    actor    TEXT NOT NULL DEFAULT '',
    channel  TEXT NOT NULL DEFAULT '',
    message  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_timeline_alert ON alert_timeline (alert_id, id);

CREATE TABLE change_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id INTEGER REFERENCES integrations (id) ON DELETE SET NULL,
    service_id     INTEGER REFERENCES services (id) ON DELETE SET NULL,
    summary        TEXT NOT NULL,
    source         TEXT NOT NULL DEFAULT '',
    happened_at    INTEGER NOT NULL,
    details        TEXT NOT NULL DEFAULT '',
    links          TEXT NOT NULL DEFAULT '[]',
    received_at    INTEGER NOT NULL
);
CREATE INDEX change_events_service ON change_events (service_id, happened_at);

CREATE TABLE ingest_requests (
    id             TEXT PRIMARY KEY,
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    action         TEXT NOT NULL,
    success        INTEGER NOT NULL,
    status         TEXT NOT NULL,
    alert_id       INTEGER NOT NULL DEFAULT 0,
    alias          TEXT NOT NULL DEFAULT '',
    processed_at   INTEGER NOT NULL
);
CREATE INDEX ingest_requests_processed ON ingest_requests (processed_at);

-- Bumped by every write to a kind of thing, so that caches in any process (rules,
-- integration keys) and live pages (alerts) notice changes made by another process.
CREATE TABLE change_counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO change_counters (name, value) VALUES ('alerts', 0), ('rules', 0), ('integrations', 0);

-- +goose Down
DROP TABLE change_counters;
DROP TABLE ingest_requests;
DROP TABLE change_events;
DROP TABLE alert_timeline;
DROP TABLE alerts;
DROP TABLE processing_rules;
DROP TABLE integrations;
DROP TABLE services;
DROP TABLE team_members;
DROP TABLE teams;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
