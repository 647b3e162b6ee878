package store

import (
	"context"
	"fmt"
)

// Change counters: each names a kind of thing and is bumped in the transaction
// that changes one, so any process can tell cheaply that it must reload.
const (
	CounterAlerts       = "alerts"
	CounterRules        = "rules"
	CounterIntegrations = "integrations"
)

func (tx *Tx) bump(ctx context.Context, counter string) error {
	if _, err := tx.exec(ctx, `UPDATE change_counters SET value = value + 1 WHERE name = $1`, counter); err != nil {
		return fmt.Errorf("bump %s: %w", counter, err)
	}
	return nil
}

// Counter returns the current value of a change counter.
func (db *DB) Counter(ctx context.Context, counter string) (int64, error) {
	var v int64
	err := db.read.QueryRowContext(ctx, `SELECT value FROM change_counters WHERE name = $1`, counter).Scan(&v)
	return v, err
}
