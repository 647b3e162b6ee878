-- When the last page left for a destination (the per-destination throttle
-- asks before every send). The index on (destination, sent_at) made that a
-- walk backwards over every message to the destination not sent as a page
-- (pending, bundled, status messages) until a sent page: during a storm that
-- paged one person thousands of times, milliseconds per send. This one
-- holds sent pages only, so the answer is its first entry.
-- +goose Up
CREATE INDEX notifications_last_page ON notifications (destination, type, sent_at) WHERE kind = 'page' AND status = 'sent';

-- +goose Down
DROP INDEX notifications_last_page;
