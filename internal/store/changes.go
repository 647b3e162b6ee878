package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tocsin/tocsin"
)

// CreateChangeEvent records a deploy or change reported for a service.
func (db *DB) CreateChangeEvent(ctx context.Context, c *tocsin.ChangeEvent, now time.Time) error {
	links, _ := json.Marshal(c.Links)
	if c.Links == nil {
		links = []byte("[]")
	}
	if c.At.IsZero() {
		c.At = now
	}
	return db.InTx(ctx, func(tx *Tx) error {
		id, err := tx.insertID(ctx, `INSERT INTO change_events (integration_id, service_id, summary, source, happened_at, details, links, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			nullID(c.IntegrationID), nullID(c.ServiceID), c.Summary, c.Source, ms(c.At), c.Details, string(links), ms(now))
		if err != nil {
			return fmt.Errorf("create change event: %w", err)
		}
		c.ID, c.ReceivedAt = id, now.UTC().Truncate(time.Millisecond)
		return nil
	})
}

// ChangeEvents lists a service's changes (0: all services), newest first.
func (db *DB) ChangeEvents(ctx context.Context, serviceID int64, limit int) ([]*tocsin.ChangeEvent, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, COALESCE(integration_id, 0), COALESCE(service_id, 0), summary, source, happened_at, details, links, received_at FROM change_events WHERE ($1 = 0 OR service_id = $1) ORDER BY happened_at DESC, id DESC LIMIT $2`, serviceID, limit)
	if err != nil {
		return nil, fmt.Errorf("list change events: %w", err)
	}
	defer rows.Close()
	var list []*tocsin.ChangeEvent
	for rows.Next() {
		var c tocsin.ChangeEvent
		var at, received int64
		var links string
		if err := rows.Scan(&c.ID, &c.IntegrationID, &c.ServiceID, &c.Summary, &c.Source, &at, &c.Details, &links, &received); err != nil {
			return nil, err
		}
		c.At, c.ReceivedAt = fromMS(at), fromMS(received)
		if err := json.Unmarshal([]byte(links), &c.Links); err != nil {
			return nil, err
		}
		list = append(list, &c)
	}
	return list, rows.Err()
}
