package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A bundle is one message for several pages to one destination: the engine
// sends the first page's row (the head) and marks the others bundled, with
// the head's id as their bundle_id. The head's id is what the message
// carries: the voice call's URL, and its first alert is the one an SMS names.

// bundleOf selects the alerts of the message sent by row $1: its own and
// those bundled into it.
const bundleOf = `SELECT alert_id FROM notifications WHERE (id = $1 OR bundle_id = $1) AND alert_id IS NOT NULL`

// BundleMembers returns the alerts one message paged about, in the order they
// were queued: the row's own alert and those bundled into it. A page sent
// alone gives its alert; a row without alerts, none.
func (db *DB) BundleMembers(ctx context.Context, rowID int64) ([]int64, error) {
	if rowID <= 0 {
		return nil, nil
	}
	rows, err := db.read.QueryContext(ctx, bundleOf+` GROUP BY alert_id ORDER BY MIN(id)`, rowID)
	if err != nil {
		return nil, fmt.Errorf("bundle members: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// BundleTriggered counts the alerts of a message still triggered and returns
// the first of them (0: none): what a call about a bundle says, without
// reading thousands of alerts during the call.
func (db *DB) BundleTriggered(ctx context.Context, rowID int64) (count int, first int64, err error) {
	if rowID <= 0 {
		return 0, 0, nil
	}
	var min sql.NullInt64
	err = db.read.QueryRowContext(ctx, `SELECT COUNT(*), MIN(a.id) FROM alerts a WHERE a.status = 'triggered' AND a.id IN (`+bundleOf+`)`, rowID).Scan(&count, &min)
	if err != nil {
		return 0, 0, fmt.Errorf("bundle alerts: %w", err)
	}
	return count, min.Int64, nil
}

// PagedTogether returns the alerts a reply naming alertID stands for: when the
// last message that paged the person at destination about it, since a time,
// was a bundle that named it ("12 new alerts… reply 4 42 to acknowledge
// all"), every alert of that bundle; otherwise alertID alone.
func (db *DB) PagedTogether(ctx context.Context, userID int64, destination string, alertID int64, since time.Time) ([]int64, error) {
	var rowID int64
	var status string
	err := db.read.QueryRowContext(ctx, `SELECT id, status FROM notifications
		WHERE destination = $1 AND sent_at >= $2 AND user_id = $3 AND alert_id = $4 AND kind = 'page' AND status IN ('sent', 'bundled')
		ORDER BY sent_at DESC, id DESC LIMIT 1`, destination, ms(since), userID, alertID).Scan(&rowID, &status)
	if errors.Is(err, sql.ErrNoRows) || status == "bundled" {
		// Never paged there, or inside a bundle that named another alert.
		return []int64{alertID}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("paged together: %w", err)
	}
	ids, err := db.BundleMembers(ctx, rowID)
	if err != nil || len(ids) == 0 {
		return []int64{alertID}, err
	}
	return ids, nil
}
