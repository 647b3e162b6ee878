-- The alerts change counter becomes a sequence. As a row of change_counters it
-- was updated by every transaction that changed an alert, and its row lock,
-- held until commit, made ingest commits and the engine's wait for each other
-- (a storm's transactions took turns on that one row). nextval takes no lock
-- that lasts the transaction; live pages of other processes poll last_value.
-- +goose Up
CREATE SEQUENCE alert_changes;
DELETE FROM change_counters WHERE name = 'alerts';

-- +goose Down
INSERT INTO change_counters (name, value) VALUES ('alerts', 0);
DROP SEQUENCE alert_changes;
