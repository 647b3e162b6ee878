-- Calendar subscriptions (iCalendar feeds) and the version of every event
-- they have published. Times are INTEGER milliseconds since the Unix epoch, UTC.
-- +goose Up

-- A subscription: a secret URL (only the token's SHA-256 is kept) that serves
-- the owner's shifts ('person'), one schedule's ('schedule') or every
-- schedule's ('all').
CREATE TABLE calendar_feeds (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope        TEXT NOT NULL CHECK (scope IN ('person', 'schedule', 'all')),
    schedule_id  INTEGER REFERENCES schedules (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL DEFAULT 0,
    CHECK ((scope = 'schedule') = (schedule_id IS NOT NULL))
);
CREATE INDEX calendar_feeds_user ON calendar_feeds (user_id, id);
CREATE INDEX calendar_feeds_schedule ON calendar_feeds (schedule_id);

-- Per event UID: a digest of what a client shows of it, its SEQUENCE (bumped
-- when the digest changes) and when it last changed (its DTSTAMP). end_at lets
-- old events be pruned.
CREATE TABLE calendar_event_versions (
    uid        TEXT PRIMARY KEY,
    digest     TEXT NOT NULL,
    sequence   INTEGER NOT NULL,
    changed_at INTEGER NOT NULL,
    end_at     INTEGER NOT NULL
);
CREATE INDEX calendar_event_versions_end ON calendar_event_versions (end_at);

-- +goose Down
DROP TABLE calendar_event_versions;
DROP TABLE calendar_feeds;
