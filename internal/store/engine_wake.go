package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/stdlib"
)

// Waking the engine across processes. On PostgreSQL any process takes
// alerts and actions, but one leads the engine: a process that does not lead
// tells the leader through NOTIFY, so that the first page leaves within
// milliseconds wherever the alert arrived, not at the leader's next tick.
// SQLite has one process, whose engine is woken in memory.

// engineChannel is the PostgreSQL notification channel of engine wake-ups.
const engineChannel = "tocsin_engine"

// WakeEngine asks the leading engine, in whichever process, to run a cycle.
// It is a no-op on SQLite.
func (db *DB) WakeEngine(ctx context.Context) error {
	if db.dialect != Postgres {
		return nil
	}
	if _, err := db.write.ExecContext(ctx, `SELECT pg_notify($1, '')`, engineChannel); err != nil {
		return fmt.Errorf("wake engine: %w", err)
	}
	return nil
}

// ListenEngine calls wake for every WakeEngine of any process, until ctx
// ends or the connection fails (the caller listens again). It holds a
// connection of its own. On SQLite it returns at once.
func (db *DB) ListenEngine(ctx context.Context, wake func()) error {
	if db.dialect != Postgres {
		return nil
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return errors.New("listen: not a pgx connection")
		}
		pg := c.Conn()
		// The connection never goes back to the pool: it is LISTENing, or
		// was cut mid-wait. driver.ErrBadConn makes database/sql close it.
		if _, err := pg.Exec(ctx, "LISTEN "+engineChannel); err != nil {
			return fmt.Errorf("listen: %w (%w)", err, driver.ErrBadConn)
		}
		for {
			if _, err := pg.WaitForNotification(ctx); err != nil {
				return fmt.Errorf("listen: %w (%w)", err, driver.ErrBadConn)
			}
			wake()
		}
	})
}
