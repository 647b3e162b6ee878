package store

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Change counters: each names a kind of thing and is bumped in the transaction
// that changes one, so any process can tell cheaply that it must reload.
const (
	CounterAlerts       = "alerts"
	CounterRules        = "rules"
	CounterIntegrations = "integrations"
	CounterSchedules    = "schedules"
)

// counterFreshness is how long a counter read is reused. Changes made by this
// process are seen at once (a commit drops the cached value); changes made by
// another process on the same PostgreSQL are seen within this delay.
const counterFreshness = 500 * time.Millisecond

// counterCache keeps the last value read of each counter, so that the ingest hot
// path does not query the database on every request.
type counterCache struct {
	mu     sync.Mutex
	values map[string]cachedCounter
	gen    uint64 // moves on every forget, so that a read racing a commit is not kept
}

type cachedCounter struct {
	value int64
	read  time.Time // monotonic: a cache age, not a domain time
}

// counterSQL returns the statements that bump and read a counter. On
// PostgreSQL the alerts counter is a sequence: it is bumped by nearly every
// write, and a row updated by each would serialise them all on its lock
// until commit. A sequence can show a bump a moment before the transaction
// that made it commits; its only reader, the live pages' watcher, looks
// again a poll later. (Until its first nextval a sequence's last_value
// already shows its start, hence is_called.)
func counterSQL(d Dialect, counter string) (bump, read string, args []any) {
	if d == Postgres && counter == CounterAlerts {
		return `SELECT nextval('alert_changes')`, `SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM alert_changes`, nil
	}
	return `UPDATE change_counters SET value = value + 1 WHERE name = $1`, `SELECT value FROM change_counters WHERE name = $1`, []any{counter}
}

func (tx *Tx) bump(ctx context.Context, counter string) error {
	bump, _, args := counterSQL(tx.dialect, counter)
	if _, err := tx.exec(ctx, bump, args...); err != nil {
		return fmt.Errorf("bump %s: %w", counter, err)
	}
	tx.bumped = append(tx.bumped, counter)
	return nil
}

// bumpAll bumps several counters.
func (tx *Tx) bumpAll(ctx context.Context, counters ...string) error {
	for _, c := range counters {
		if err := tx.bump(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// forget drops cached counters after a commit that bumped them.
func (c *counterCache) forget(names []string) {
	if len(names) == 0 {
		return
	}
	c.mu.Lock()
	for _, n := range names {
		delete(c.values, n)
	}
	c.gen++
	c.mu.Unlock()
}

// Counter returns the current value of a change counter.
func (db *DB) Counter(ctx context.Context, counter string) (int64, error) {
	_, query, args := counterSQL(db.dialect, counter)
	if db.tx != nil {
		// Inside a transaction: its own, uncommitted view, never cached.
		var v int64
		err := db.read.QueryRowContext(ctx, query, args...).Scan(&v)
		return v, err
	}
	db.counters.mu.Lock()
	cached, ok := db.counters.values[counter]
	gen := db.counters.gen
	db.counters.mu.Unlock()
	if ok && time.Since(cached.read) < counterFreshness {
		return cached.value, nil
	}
	read := time.Now()
	var v int64
	if err := db.read.QueryRowContext(ctx, query, args...).Scan(&v); err != nil {
		return 0, err
	}
	db.counters.mu.Lock()
	if db.counters.values == nil {
		db.counters.values = map[string]cachedCounter{}
	}
	if db.counters.gen == gen {
		db.counters.values[counter] = cachedCounter{value: v, read: read}
	}
	db.counters.mu.Unlock()
	return v, nil
}
