package engine

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/tocsin/tocsin/internal/store"
)

// leaderLockKey is the PostgreSQL advisory lock the leading engine holds
// ("tocsin" in ASCII).
const leaderLockKey = 0x746f6373696e

// leader is this process's claim to run the engine. On PostgreSQL it is a
// session advisory lock on a connection of its own: when the process dies,
// the server ends the session and another process takes the lock at its next
// try. SQLite has one writer process, so it always leads.
type leader struct {
	db   *store.DB
	log  *slog.Logger
	conn *sql.Conn
	// checked is when the held session last answered: it is checked again
	// a second later, not at every cycle of a storm.
	checked time.Time
}

func newLeader(db *store.DB, log *slog.Logger) leader { return leader{db: db, log: log} }

// acquire reports whether this process leads now, taking the lock if free and
// checking that the connection holding it is still alive.
func (l *leader) acquire(ctx context.Context) (bool, error) {
	if l.db.Dialect() != store.Postgres {
		return true, nil
	}
	if l.conn != nil {
		if time.Since(l.checked) < time.Second {
			return true, nil
		}
		err := l.conn.PingContext(ctx)
		if err == nil {
			l.checked = time.Now()
			return true, nil
		}
		// The session, and with it the lock, is gone: compete again.
		l.log.Warn("engine: lost the leader's session", "err", err)
		l.conn.Close()
		l.conn = nil
	}
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return false, err
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, int64(leaderLockKey)).Scan(&got); err != nil {
		conn.Close()
		return false, fmt.Errorf("leader lock: %w", err)
	}
	if !got {
		conn.Close()
		return false, nil
	}
	l.conn, l.checked = conn, time.Now()
	l.log.Info("engine: this process now leads")
	return true, nil
}

// release gives the lock up (closing the session releases it).
func (l *leader) release() {
	if l.conn != nil {
		l.conn.Close()
		l.conn = nil
	}
}
