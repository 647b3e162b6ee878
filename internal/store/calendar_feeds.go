package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tocsin/tocsin"
)

// CalendarScope is what a calendar subscription serves.
type CalendarScope string

const (
	CalendarPerson   CalendarScope = "person"   // the owner's shifts on every schedule
	CalendarSchedule CalendarScope = "schedule" // everyone's shifts on one schedule
	CalendarAll      CalendarScope = "all"      // everyone's shifts on every schedule
)

// CalendarFeed is a calendar subscription: a secret URL that serves an
// iCalendar feed to a client that sends no credentials (Google fetches it from
// its own servers). Only the token's hash is stored.
type CalendarFeed struct {
	ID           int64
	UserID       int64 // the owner: only they list, rotate and revoke it
	Scope        CalendarScope
	ScheduleID   int64  // for CalendarSchedule
	ScheduleName string // for CalendarSchedule
	CreatedAt    time.Time
	LastUsedAt   time.Time // zero: never fetched
}

// calendarTokenBytes is the token's entropy: 256 bits, 64 hex characters in the URL.
const calendarTokenBytes = 32

const calendarFeedSelect = `SELECT f.id, f.user_id, f.scope, COALESCE(f.schedule_id, 0), COALESCE(s.name, ''), f.created_at, f.last_used_at
	FROM calendar_feeds f LEFT JOIN schedules s ON s.id = f.schedule_id`

func scanCalendarFeed(row interface{ Scan(...any) error }) (*CalendarFeed, error) {
	var f CalendarFeed
	var created, used int64
	if err := row.Scan(&f.ID, &f.UserID, &f.Scope, &f.ScheduleID, &f.ScheduleName, &created, &used); err != nil {
		return nil, err
	}
	f.CreatedAt, f.LastUsedAt = fromMS(created), fromMS(used)
	return &f, nil
}

// CreateCalendarFeed makes a subscription for its owner and returns it with
// its token, which is never shown again. scheduleID is for CalendarSchedule
// only; an unknown schedule is EINVALID.
func (db *DB) CreateCalendarFeed(ctx context.Context, userID int64, scope CalendarScope, scheduleID int64, now time.Time) (*CalendarFeed, string, error) {
	switch scope {
	case CalendarPerson, CalendarAll:
		scheduleID = 0
	case CalendarSchedule:
		if scheduleID <= 0 {
			return nil, "", tocsin.Errorf(tocsin.EINVALID, "pick the schedule to subscribe to")
		}
	default:
		return nil, "", tocsin.Errorf(tocsin.EINVALID, "a calendar shows %q, %q or %q, not %q", CalendarPerson, CalendarSchedule, CalendarAll, scope)
	}
	token := newSecret(calendarTokenBytes)
	f := &CalendarFeed{UserID: userID, Scope: scope, ScheduleID: scheduleID, CreatedAt: now.UTC().Truncate(time.Millisecond)}
	err := db.InTx(ctx, func(tx *Tx) error {
		if scheduleID != 0 {
			err := tx.queryRow(ctx, `SELECT name FROM schedules WHERE id = $1`, scheduleID).Scan(&f.ScheduleName)
			if errors.Is(err, sql.ErrNoRows) {
				return tocsin.Errorf(tocsin.EINVALID, "schedule %d not found", scheduleID)
			}
			if err != nil {
				return fmt.Errorf("create calendar feed: %w", err)
			}
		}
		id, err := tx.insertID(ctx, `INSERT INTO calendar_feeds (user_id, scope, schedule_id, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
			userID, string(scope), nullID(scheduleID), hashSecret(token), ms(now))
		if err != nil {
			return fmt.Errorf("create calendar feed: %w", err)
		}
		f.ID = id
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return f, token, nil
}

// CalendarFeeds lists a user's subscriptions, newest first.
func (db *DB) CalendarFeeds(ctx context.Context, userID int64) ([]*CalendarFeed, error) {
	rows, err := db.read.QueryContext(ctx, calendarFeedSelect+` WHERE f.user_id = $1 ORDER BY f.id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("list calendar feeds: %w", err)
	}
	defer rows.Close()
	var out []*CalendarFeed
	for rows.Next() {
		f, err := scanCalendarFeed(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// RotateCalendarFeed gives one of userID's subscriptions a new token and
// returns it; the old URL stops working at once. Another user's
// subscription is ENOTFOUND, as an unknown one is.
func (db *DB) RotateCalendarFeed(ctx context.Context, userID, id int64) (*CalendarFeed, string, error) {
	token := newSecret(calendarTokenBytes)
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE calendar_feeds SET token_hash = $1, last_used_at = 0 WHERE id = $2 AND user_id = $3`, hashSecret(token), id, userID)
		if err != nil {
			return fmt.Errorf("rotate calendar feed: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "calendar subscription %d not found", id)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	f, err := scanCalendarFeed(db.read.QueryRowContext(ctx, calendarFeedSelect+` WHERE f.id = $1`, id))
	if err != nil {
		return nil, "", notFound(err, "calendar subscription %d not found", id)
	}
	return f, token, nil
}

// RevokeCalendarFeed deletes one of userID's subscriptions: its URL stops
// working at once. Another user's subscription is ENOTFOUND.
func (db *DB) RevokeCalendarFeed(ctx context.Context, userID, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM calendar_feeds WHERE id = $1 AND user_id = $2`, id, userID)
		if err != nil {
			return fmt.Errorf("revoke calendar feed: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "calendar subscription %d not found", id)
		}
		return nil
	})
}

// CalendarFeedByToken returns the subscription a token opens (ENOTFOUND for
// an unknown, rotated-away or revoked one) and notes its use, at most once a
// minute so that polling clients do not turn every read into a write.
func (db *DB) CalendarFeedByToken(ctx context.Context, token string, now time.Time) (*CalendarFeed, error) {
	if len(token) != 2*calendarTokenBytes {
		return nil, tocsin.Errorf(tocsin.ENOTFOUND, "calendar not found")
	}
	f, err := scanCalendarFeed(db.read.QueryRowContext(ctx, calendarFeedSelect+` WHERE f.token_hash = $1`, hashSecret(token)))
	if err != nil {
		return nil, notFound(err, "calendar not found")
	}
	if now.Sub(f.LastUsedAt) >= time.Minute {
		err := db.InTx(ctx, func(tx *Tx) error {
			_, err := tx.exec(ctx, `UPDATE calendar_feeds SET last_used_at = $1 WHERE id = $2`, ms(now), f.ID)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("note calendar use: %w", err)
		}
		f.LastUsedAt = now.UTC().Truncate(time.Millisecond)
	}
	return f, nil
}
