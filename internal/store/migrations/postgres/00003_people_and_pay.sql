-- A person's phone (E.164, for the on-call number) and working hours (JSON
-- tocsin.TimeWindow, '' for the default); a schedule's options (JSON: voice
-- language, holiday calendar, pay rates).
-- +goose Up
ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN working_hours TEXT NOT NULL DEFAULT '';
ALTER TABLE schedules ADD COLUMN options TEXT NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE schedules DROP COLUMN options;
ALTER TABLE users DROP COLUMN working_hours;
ALTER TABLE users DROP COLUMN phone;
