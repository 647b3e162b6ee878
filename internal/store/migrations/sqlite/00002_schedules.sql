-- Schedules: layers are JSON ([]tocsin.Layer); overrides and time off are rows.
-- Times are INTEGER milliseconds since the Unix epoch, UTC.
-- +goose Up
CREATE TABLE schedules (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    team_id    INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    timezone   TEXT NOT NULL,
    layers     TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX schedules_team ON schedules (team_id);

-- Every user a schedule's layers name (participants and fixed shifts), kept
-- with the layers: deleting such a user is refused (no ON DELETE), and their
-- time off is found from here.
CREATE TABLE schedule_participants (
    schedule_id INTEGER NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (schedule_id, user_id)
);
CREATE INDEX schedule_participants_user ON schedule_participants (user_id);

CREATE TABLE schedule_overrides (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id INTEGER NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    layer       TEXT NOT NULL DEFAULT '',
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    start_at    INTEGER NOT NULL,
    end_at      INTEGER NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX schedule_overrides_schedule ON schedule_overrides (schedule_id, id);
CREATE INDEX schedule_overrides_user ON schedule_overrides (user_id);

-- Time off belongs to a person and applies to every schedule they are in.
CREATE TABLE time_off (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    start_at   INTEGER NOT NULL,
    end_at     INTEGER NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
CREATE INDEX time_off_user ON time_off (user_id, start_at);

INSERT INTO change_counters (name, value) VALUES ('schedules', 0);

-- +goose Down
DELETE FROM change_counters WHERE name = 'schedules';
DROP TABLE time_off;
DROP TABLE schedule_overrides;
DROP TABLE schedule_participants;
DROP TABLE schedules;
