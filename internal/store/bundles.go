package store

import (
	"context"
	"fmt"
)

// BundleMembers returns the alerts a bundle message carried (the pages sent
// inside it), in the order they were paged. A bundle acknowledged by a reply
// or a key acts on all of them.
func (db *DB) BundleMembers(ctx context.Context, bundleID int64) ([]int64, error) {
	if bundleID <= 0 {
		return nil, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT alert_id FROM notifications WHERE bundle_id = $1 AND alert_id IS NOT NULL GROUP BY alert_id ORDER BY MIN(id)`, bundleID)
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

// BundleTriggered counts a bundle's alerts still triggered and returns the
// first of them (0: none): what a call about the bundle says, without reading
// thousands of alerts during the call.
func (db *DB) BundleTriggered(ctx context.Context, bundleID int64) (count int, first int64, err error) {
	if bundleID <= 0 {
		return 0, 0, nil
	}
	var min *int64
	err = db.read.QueryRowContext(ctx, `SELECT COUNT(*), MIN(a.id) FROM alerts a
		WHERE a.status = 'triggered' AND a.id IN (SELECT alert_id FROM notifications WHERE bundle_id = $1 AND alert_id IS NOT NULL)`, bundleID).Scan(&count, &min)
	if err != nil {
		return 0, 0, fmt.Errorf("bundle alerts: %w", err)
	}
	if min != nil {
		first = *min
	}
	return count, first, nil
}
