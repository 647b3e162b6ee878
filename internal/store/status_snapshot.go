package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tocsin/tocsin"
)

// StatusSnapshot reads everything the public page shows, in one read
// transaction (so the parts agree with each other and with Version) and a
// handful of queries whatever the number of components or incidents.
// Incidents and Maintenances hold the MaxSnapshotIncidents most recent each,
// plus any older one still open, so that the summary never misses one.
func (db *DB) StatusSnapshot(ctx context.Context, now time.Time) (*tocsin.StatusSnapshot, error) {
	if _, err := db.StatusPage(ctx); err != nil { // made on first call
		return nil, err
	}
	if db.read.tx != nil {
		return readSnapshot(ctx, db.dialect, db.read.tx, now)
	}
	var opts *sql.TxOptions
	if db.dialect == Postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	// On SQLite a read transaction on the read pool sees one WAL snapshot.
	tx, err := db.read.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("begin snapshot: %w", err)
	}
	defer tx.Rollback()
	return readSnapshot(ctx, db.dialect, tx, now)
}

func readSnapshot(ctx context.Context, d Dialect, tx *sql.Tx, now time.Time) (*tocsin.StatusSnapshot, error) {
	snap := &tocsin.StatusSnapshot{At: now, Spans: map[int64][]tocsin.ComponentStatusSpan{}}
	if err := tx.QueryRowContext(ctx, `SELECT value FROM change_counters WHERE name = $1`, CounterStatus).Scan(&snap.Version); err != nil {
		return nil, fmt.Errorf("status version: %w", err)
	}
	page, err := scanStatusPage(tx.QueryRowContext(ctx, `SELECT `+statusPageColumns+` FROM status_page WHERE id = 1`))
	if err != nil {
		return nil, fmt.Errorf("read status page: %w", err)
	}
	snap.Page = *page
	if snap.Components, err = loadComponents(ctx, tx); err != nil {
		return nil, err
	}
	recent := func(maintenance bool) ([]tocsin.StatusIncident, error) {
		order := `i.created_at`
		if maintenance {
			order = `i.scheduled_for`
		}
		return loadIncidents(ctx, d, tx, `SELECT `+incidentColumns+incidentFrom+` WHERE i.maintenance = $1 AND (NOT (`+closedSQL+`)
			OR i.id IN (SELECT i.id FROM status_incidents i WHERE i.maintenance = $1 ORDER BY `+order+` DESC, i.id DESC LIMIT $2))
			ORDER BY `+order+` DESC, i.id DESC`, maintenance, tocsin.MaxSnapshotIncidents)
	}
	if snap.Incidents, err = recent(false); err != nil {
		return nil, err
	}
	if snap.Maintenances, err = recent(true); err != nil {
		return nil, err
	}
	// A day's margin: the page's time zone may start its first day earlier than UTC.
	since := ms(now.AddDate(0, 0, -tocsin.UptimeDays-1))
	rows, err := tx.QueryContext(ctx, `SELECT s.id, s.component_id, s.status, s.from_at FROM status_component_spans s WHERE s.from_at >= $1
		UNION ALL
		SELECT s.id, s.component_id, s.status, s.from_at FROM status_component_spans s
		JOIN (SELECT component_id, MAX(from_at) AS last FROM status_component_spans WHERE from_at < $1 GROUP BY component_id) m
		ON m.component_id = s.component_id AND m.last = s.from_at
		ORDER BY 2, 4, 1`, since)
	if err != nil {
		return nil, fmt.Errorf("status spans: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, from int64
		var sp tocsin.ComponentStatusSpan
		if err := rows.Scan(&id, &sp.ComponentID, &sp.Status, &from); err != nil {
			return nil, err
		}
		sp.From = fromMS(from)
		snap.Spans[sp.ComponentID] = append(snap.Spans[sp.ComponentID], sp)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, c := range snap.Components {
		snap.Spans[c.ID] = fromStartDate(snap.Spans[c.ID], c.StartDate)
	}
	return snap, nil
}

// fromStartDate makes a component's history begin at its start date when it
// has one: backdated, the status it was created with holds from that day;
// later, what came before the day is dropped.
func fromStartDate(spans []tocsin.ComponentStatusSpan, start time.Time) []tocsin.ComponentStatusSpan {
	if start.IsZero() || len(spans) == 0 {
		return spans
	}
	if !start.After(spans[0].From) {
		spans[0].From = start
		return spans
	}
	k := 0
	for k+1 < len(spans) && !spans[k+1].From.After(start) {
		k++
	}
	spans = spans[k:]
	spans[0].From = start
	return spans
}
