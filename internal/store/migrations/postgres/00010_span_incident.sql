-- The incident whose update set each status span (none: a person, an alert
-- proposal, the component's creation), so that a maintenance ending gives a
-- component back to an outage only while the incident that set it is open.
-- +goose Up
ALTER TABLE status_component_spans ADD COLUMN incident_id BIGINT;

-- +goose Down
ALTER TABLE status_component_spans DROP COLUMN incident_id;
