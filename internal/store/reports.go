package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// AlertPage is an alert that paged someone: created (not suppressed; dropped
// events make no alert), with its service's owner team (0: none).
type AlertPage struct {
	AlertID   int64
	CreatedAt time.Time
	ServiceID int64
	TeamID    int64
}

// AlertPages lists the alerts created in [from, to), oldest first.
func (db *DB) AlertPages(ctx context.Context, from, to time.Time) ([]AlertPage, error) {
	// updated_at is never before first_seen_at and is indexed: it bounds the scan.
	rows, err := db.read.QueryContext(ctx, `SELECT a.id, a.first_seen_at, COALESCE(a.service_id, 0), COALESCE(s.team_id, 0)
		FROM alerts a LEFT JOIN services s ON s.id = a.service_id
		WHERE a.updated_at >= $1 AND a.first_seen_at >= $1 AND a.first_seen_at < $2 AND a.suppressed = $3
		ORDER BY a.first_seen_at, a.id`, ms(from), ms(to), false)
	if err != nil {
		return nil, fmt.Errorf("alert pages: %w", err)
	}
	defer rows.Close()
	var out []AlertPage
	for rows.Next() {
		var p AlertPage
		var at int64
		if err := rows.Scan(&p.AlertID, &at, &p.ServiceID, &p.TeamID); err != nil {
			return nil, err
		}
		p.CreatedAt = fromMS(at)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Acknowledgement is a person's acknowledgement of an alert, and when the
// alert was resolved (zero: still open).
type Acknowledgement struct {
	AlertID    int64
	UserID     int64
	AckedAt    time.Time
	ResolvedAt time.Time
}

// Acknowledgements lists the acknowledgements made by users before to, of
// alerts open at some point of [from, to), from the alerts' timelines. The
// timeline names the person as the UI and the API write it (their name) or as
// a tool may send it (their e-mail address): a name that several users share
// is nobody's, rather than everybody's.
func (db *DB) Acknowledgements(ctx context.Context, from, to time.Time) ([]Acknowledgement, error) {
	users, err := db.Users(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]int64{}
	byEmail := map[string]int64{}
	for _, u := range users {
		if _, seen := byName[u.Name]; seen {
			byName[u.Name] = 0
		} else {
			byName[u.Name] = u.ID
		}
		byEmail[strings.ToLower(u.Email)] = u.ID
	}
	rows, err := db.read.QueryContext(ctx, `SELECT t.alert_id, t.at, t.actor, a.resolved_at
		FROM alerts a JOIN alert_timeline t ON t.alert_id = a.id
		WHERE t.kind = 'acknowledged' AND t.at < $2
		  AND a.id IN (SELECT id FROM alerts WHERE status <> 'resolved' UNION ALL SELECT id FROM alerts WHERE updated_at > $1 AND resolved_at > $1)
		ORDER BY t.alert_id, t.id`, ms(from), ms(to))
	if err != nil {
		return nil, fmt.Errorf("acknowledgements: %w", err)
	}
	defer rows.Close()
	var out []Acknowledgement
	for rows.Next() {
		var a Acknowledgement
		var at, resolved int64
		var actor string
		if err := rows.Scan(&a.AlertID, &at, &actor, &resolved); err != nil {
			return nil, err
		}
		a.UserID = byName[actor]
		if id, ok := byEmail[strings.ToLower(strings.TrimSpace(actor))]; ok {
			a.UserID = id
		}
		if a.UserID == 0 {
			continue // a tool, or an ambiguous name
		}
		a.AckedAt, a.ResolvedAt = fromMS(at), fromMS(resolved)
		out = append(out, a)
	}
	return out, rows.Err()
}
