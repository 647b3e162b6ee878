-- Escalation policies, maintenance windows, contact methods, notification rules,
-- each alert's escalation state and the outbox of messages to send.
-- +goose Up
CREATE TABLE escalation_policies (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL UNIQUE,
    description  TEXT NOT NULL DEFAULT '',
    team_id      INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    steps        TEXT NOT NULL,              -- JSON [{delay_minutes, targets: ["kind:ref"]}]
    repeat       INTEGER NOT NULL DEFAULT 0,
    repeat_delay INTEGER NOT NULL DEFAULT 0, -- milliseconds
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

ALTER TABLE services ADD COLUMN escalation_policy_id INTEGER REFERENCES escalation_policies (id);
ALTER TABLE services ADD COLUMN off_hours_policy_id INTEGER REFERENCES escalation_policies (id);
ALTER TABLE services ADD COLUMN business_hours TEXT NOT NULL DEFAULT '';  -- JSON tocsin.TimeWindow
ALTER TABLE services ADD COLUMN maintenance TEXT NOT NULL DEFAULT '[]';   -- JSON []tocsin.MaintenanceWindow

-- The escalation of an alert: the policy chosen when it was triggered, the next
-- step to run (of which pass) and when; esc_next_at 0: nothing due. esc_epoch
-- counts triggers, so that a re-triggered alert pages again under new keys.
ALTER TABLE alerts ADD COLUMN esc_policy_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN esc_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN esc_loop INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN esc_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN esc_next_at INTEGER NOT NULL DEFAULT 0;
-- A person the alert was reassigned to, paged when esc_next_at comes; 0: none.
ALTER TABLE alerts ADD COLUMN esc_user_id INTEGER NOT NULL DEFAULT 0;
CREATE INDEX alerts_escalation_due ON alerts (esc_next_at) WHERE esc_next_at > 0;

ALTER TABLE users ADD COLUMN notify_prefs TEXT NOT NULL DEFAULT '{}';

CREATE TABLE contact_methods (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id           INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    type              TEXT NOT NULL,
    value             TEXT NOT NULL,
    secret            TEXT NOT NULL DEFAULT '',
    verified_at       INTEGER NOT NULL DEFAULT 0,
    verify_code_hash  TEXT NOT NULL DEFAULT '',
    verify_expires_at INTEGER NOT NULL DEFAULT 0,
    verify_attempts   INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    UNIQUE (user_id, name)
);

CREATE TABLE notification_rules (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id           INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    contact_method_id INTEGER NOT NULL REFERENCES contact_methods (id) ON DELETE CASCADE,
    urgency           TEXT NOT NULL CHECK (urgency IN ('high', 'low')),
    delay             INTEGER NOT NULL, -- milliseconds after the person is paged
    UNIQUE (contact_method_id, urgency, delay)
);
CREATE INDEX notification_rules_user ON notification_rules (user_id);

-- The outbox. key is unique: a page is written once per (alert, trigger, pass,
-- step, user, rule), however many engines or restarts try.
CREATE TABLE notifications (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    key               TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL,
    alert_id          INTEGER REFERENCES alerts (id) ON DELETE CASCADE,
    user_id           INTEGER REFERENCES users (id) ON DELETE SET NULL,
    contact_method_id INTEGER REFERENCES contact_methods (id) ON DELETE SET NULL,
    type              TEXT NOT NULL,
    destination       TEXT NOT NULL,
    text              TEXT NOT NULL DEFAULT '',
    ref               TEXT NOT NULL DEFAULT '', -- a message to update in place (Slack channel/ts)
    step              INTEGER NOT NULL DEFAULT 0,
    rule_id           INTEGER NOT NULL DEFAULT 0,
    status            TEXT NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    claim             TEXT NOT NULL DEFAULT '',
    claimed_until     INTEGER NOT NULL DEFAULT 0,
    provider_id       TEXT NOT NULL DEFAULT '',
    error             TEXT NOT NULL DEFAULT '',
    bundle_id         INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    sent_at           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notifications_sending ON notifications (claimed_until) WHERE status = 'sending';
CREATE INDEX notifications_claim ON notifications (claim) WHERE claim <> '';
CREATE INDEX notifications_destination ON notifications (destination, sent_at);
CREATE INDEX notifications_alert ON notifications (alert_id);
CREATE INDEX notifications_bundle ON notifications (bundle_id) WHERE bundle_id > 0;

-- Server-wide values made once and kept: VAPID keys, the key that signs links.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- +goose Down
DROP TABLE settings;
DROP TABLE notifications;
DROP TABLE notification_rules;
DROP TABLE contact_methods;
ALTER TABLE users DROP COLUMN notify_prefs;
DROP INDEX alerts_escalation_due;
ALTER TABLE alerts DROP COLUMN esc_user_id;
ALTER TABLE alerts DROP COLUMN esc_next_at;
ALTER TABLE alerts DROP COLUMN esc_step;
ALTER TABLE alerts DROP COLUMN esc_loop;
ALTER TABLE alerts DROP COLUMN esc_epoch;
ALTER TABLE alerts DROP COLUMN esc_policy_id;
ALTER TABLE services DROP COLUMN maintenance;
ALTER TABLE services DROP COLUMN business_hours;
ALTER TABLE services DROP COLUMN off_hours_policy_id;
ALTER TABLE services DROP COLUMN escalation_policy_id;
DROP TABLE escalation_policies;
