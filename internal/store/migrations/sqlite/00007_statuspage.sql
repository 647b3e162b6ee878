-- The public status page (issue 5): settings, components and their status
-- history, public incidents and maintenances with their updates, the internal
-- timeline of what was published, and subscribers told through the outbox.
-- +goose Up
-- One row: the page's settings, made on first read.
CREATE TABLE status_page (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    public_id    TEXT NOT NULL,
    name         TEXT NOT NULL,
    url          TEXT NOT NULL DEFAULT '',
    logo_url     TEXT NOT NULL DEFAULT '',
    accent_color TEXT NOT NULL,
    text_color   TEXT NOT NULL,
    language     TEXT NOT NULL,
    time_zone    TEXT NOT NULL,
    host         TEXT NOT NULL DEFAULT '',
    updated_at   INTEGER NOT NULL
);

CREATE TABLE status_components (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id             TEXT NOT NULL UNIQUE,
    name                  TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    is_group              INTEGER NOT NULL DEFAULT 0,
    -- Deleting a group with components is refused by the store.
    group_id              INTEGER REFERENCES status_components (id),
    position              INTEGER NOT NULL,
    -- A group's is its worst child's, kept up to date with each child's.
    status                TEXT NOT NULL,
    only_show_if_degraded INTEGER NOT NULL DEFAULT 0,
    showcase              INTEGER NOT NULL DEFAULT 1,
    start_date            INTEGER NOT NULL DEFAULT 0,
    auto_apply            INTEGER NOT NULL DEFAULT 0,
    -- The proposal last applied without a person: a proposal applies only when
    -- it changes, so a person's status change is not undone.
    auto_status           TEXT NOT NULL DEFAULT '',
    -- The public incident or maintenance whose update set the status last;
    -- NULL: a person or Tocsin did. While that incident is open, proposals
    -- leave the component alone. No foreign key: status_incidents comes
    -- later, and a deleted incident's id is never reused.
    status_incident_id    INTEGER,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);
CREATE INDEX status_components_group ON status_components (group_id, position);

-- Open alerts on these services propose a status for the component.
CREATE TABLE status_component_services (
    component_id INTEGER NOT NULL REFERENCES status_components (id) ON DELETE CASCADE,
    service_id   INTEGER NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    PRIMARY KEY (component_id, service_id)
);
CREATE INDEX status_component_services_service ON status_component_services (service_id);

-- Status history: each row holds from from_at until the component's next row.
CREATE TABLE status_component_spans (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    component_id INTEGER NOT NULL REFERENCES status_components (id) ON DELETE CASCADE,
    status       TEXT NOT NULL,
    from_at      INTEGER NOT NULL
);
CREATE INDEX status_component_spans_from ON status_component_spans (component_id, from_at);
CREATE INDEX status_component_spans_at ON status_component_spans (from_at);

-- Public incidents and scheduled maintenances (maintenance = 1).
CREATE TABLE status_incidents (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id       TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    status          TEXT NOT NULL,
    impact          TEXT NOT NULL,
    maintenance     INTEGER NOT NULL DEFAULT 0,
    scheduled_for   INTEGER NOT NULL DEFAULT 0,
    scheduled_until INTEGER NOT NULL DEFAULT 0,
    auto_transition INTEGER NOT NULL DEFAULT 0,
    -- A maintenance's automatic moves and reminder tell subscribers only when set.
    notify          INTEGER NOT NULL DEFAULT 0,
    reminded_at     INTEGER NOT NULL DEFAULT 0,
    postmortem      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    started_at      INTEGER NOT NULL DEFAULT 0,
    monitoring_at   INTEGER NOT NULL DEFAULT 0,
    resolved_at     INTEGER NOT NULL DEFAULT 0,
    postmortem_at   INTEGER NOT NULL DEFAULT 0,
    created_by      INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX status_incidents_recent ON status_incidents (maintenance, created_at);
-- The engine's maintenance moves look for these.
CREATE INDEX status_incidents_window ON status_incidents (status, scheduled_for) WHERE maintenance = 1;

CREATE TABLE status_incident_components (
    incident_id  INTEGER NOT NULL REFERENCES status_incidents (id) ON DELETE CASCADE,
    component_id INTEGER NOT NULL REFERENCES status_components (id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, component_id)
);
CREATE INDEX status_incident_components_component ON status_incident_components (component_id);

CREATE TABLE status_updates (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id   TEXT NOT NULL UNIQUE,
    incident_id INTEGER NOT NULL REFERENCES status_incidents (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,
    body        TEXT NOT NULL,
    display_at  INTEGER NOT NULL,
    -- The component changes it announced, as published (JSON): names stay
    -- as they were even if a component is renamed or deleted later.
    changes     TEXT NOT NULL DEFAULT '[]',
    notify      INTEGER NOT NULL DEFAULT 0,
    author_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_name TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX status_updates_incident ON status_updates (incident_id, display_at);

-- The internal timeline: who published what wording, when. Kept when the
-- incident or the person is deleted.
CREATE TABLE status_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER REFERENCES status_incidents (id) ON DELETE SET NULL,
    actor_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    text        TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX status_events_incident ON status_events (incident_id, id);

CREATE TABLE status_subscribers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL CHECK (kind IN ('email', 'webhook')),
    address         TEXT NOT NULL,
    secret          TEXT NOT NULL DEFAULT '',
    token           TEXT NOT NULL UNIQUE,
    -- Whole page, or only the components listed in status_subscriber_components.
    whole_page      INTEGER NOT NULL,
    confirmed_at    INTEGER NOT NULL DEFAULT 0,
    -- Confirmation messages sent, and when the last one was: at most one a minute.
    confirm_count   INTEGER NOT NULL DEFAULT 0,
    confirm_sent_at INTEGER NOT NULL DEFAULT 0,
    locale          TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    UNIQUE (kind, address)
);

CREATE TABLE status_subscriber_components (
    subscriber_id INTEGER NOT NULL REFERENCES status_subscribers (id) ON DELETE CASCADE,
    component_id  INTEGER NOT NULL REFERENCES status_components (id) ON DELETE CASCADE,
    PRIMARY KEY (subscriber_id, component_id)
);

-- Outbox rows for subscribers: the sender finds their token (unsubscribe
-- link) and webhook secret through it; they go when the subscriber goes.
ALTER TABLE notifications ADD COLUMN subscriber_id INTEGER REFERENCES status_subscribers (id) ON DELETE CASCADE;
CREATE INDEX notifications_subscriber ON notifications (subscriber_id) WHERE subscriber_id IS NOT NULL;

INSERT INTO change_counters (name, value) VALUES ('status', 0);

-- +goose Down
DELETE FROM change_counters WHERE name = 'status';
DROP INDEX notifications_subscriber;
DELETE FROM notifications WHERE subscriber_id IS NOT NULL;
ALTER TABLE notifications DROP COLUMN subscriber_id;
DROP TABLE status_subscriber_components;
DROP TABLE status_subscribers;
DROP TABLE status_events;
DROP TABLE status_updates;
DROP TABLE status_incident_components;
DROP TABLE status_incidents;
DROP TABLE status_component_spans;
DROP TABLE status_component_services;
DROP TABLE status_components;
DROP TABLE status_page;
