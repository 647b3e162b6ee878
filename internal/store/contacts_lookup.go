package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tocsin/tocsin"
)

// UserByVerifiedContact finds the person who verified an address: whoever
// replies from it (an SMS, a Slack click) acts as them. The value is
// normalised as a contact method's would be (+33 6 12… is +33612…). An
// address no one verified is not found; one verified by several people is a
// conflict: acting as either could be the wrong one.
func (db *DB) UserByVerifiedContact(ctx context.Context, typ tocsin.ContactType, value string) (*tocsin.User, error) {
	c := tocsin.ContactMethod{Name: "lookup", Type: typ, Value: value}
	if err := c.Validate(); err != nil {
		return nil, tocsin.Errorf(tocsin.ENOTFOUND, "no one verified this %s address", typ)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE id IN
		(SELECT user_id FROM contact_methods WHERE type = $1 AND value = $2 AND verified_at > 0) ORDER BY id LIMIT 2`, c.Type, c.Value)
	if err != nil {
		return nil, fmt.Errorf("user by contact: %w", err)
	}
	defer rows.Close()
	var found []*tocsin.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		found = append(found, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	switch len(found) {
	case 0:
		return nil, tocsin.Errorf(tocsin.ENOTFOUND, "no one verified this %s address", typ)
	case 1:
		return found[0], nil
	}
	return nil, tocsin.Errorf(tocsin.ECONFLICT, "this %s address is verified by several people", typ)
}

// UserByVerifiedPhone finds the person who verified an SMS number (E.164).
func (db *DB) UserByVerifiedPhone(ctx context.Context, e164 string) (*tocsin.User, error) {
	return db.UserByVerifiedContact(ctx, tocsin.ContactSMS, e164)
}

// LastPagedAlert is the alert the last page message to a person at a
// destination (their number: a reply comes from the phone that got it) named,
// since a time: a page's alert, or a bundle's first. None: ENOTFOUND.
func (db *DB) LastPagedAlert(ctx context.Context, userID int64, destination string, since time.Time) (int64, error) {
	var id int64
	err := db.read.QueryRowContext(ctx, `SELECT alert_id FROM notifications
		WHERE destination = $1 AND sent_at >= $2 AND user_id = $3 AND kind = 'page' AND status = 'sent' AND alert_id IS NOT NULL
		ORDER BY sent_at DESC, id DESC LIMIT 1`, destination, ms(since), userID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, tocsin.Errorf(tocsin.ENOTFOUND, "no alert was paged to you there since %s", since.UTC().Format(time.RFC3339))
	}
	if err != nil {
		return 0, fmt.Errorf("last paged alert: %w", err)
	}
	return id, nil
}
