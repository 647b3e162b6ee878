package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

// CounterStatus is bumped in the transaction of every public change to the
// status page (settings, components, incidents, updates, maintenance moves):
// the pre-rendered page is current while it has not moved.
const CounterStatus = "status"

// StatusVersion returns the status page's change counter.
func (db *DB) StatusVersion(ctx context.Context) (int64, error) {
	return db.Counter(ctx, CounterStatus)
}

// newPublicID returns 12 random characters from [a-z0-9], as Statuspage's ids.
// Uniqueness is the tables' UNIQUE constraint: a clash (1 in 10^18) fails the write.
func newPublicID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, 0, 12)
	buf := make([]byte, 24)
	for len(out) < 12 {
		rand.Read(buf)
		for _, b := range buf {
			// 252 = 7×36: rejecting the rest keeps every character equally likely.
			if b < 252 && len(out) < 12 {
				out = append(out, alphabet[b%36])
			}
		}
	}
	return string(out)
}

const statusPageColumns = `public_id, name, url, logo_url, accent_color, text_color, language, time_zone, host, updated_at`

func scanStatusPage(row interface{ Scan(...any) error }) (*tocsin.StatusPage, error) {
	var p tocsin.StatusPage
	var updated int64
	if err := row.Scan(&p.PublicID, &p.Name, &p.URL, &p.LogoURL, &p.AccentColor, &p.TextColor, &p.Language, &p.TimeZone, &p.Host, &updated); err != nil {
		return nil, err
	}
	p.UpdatedAt = fromMS(updated)
	return &p, nil
}

// StatusPage returns the page's settings, making them on first call: a new
// public id, the title "Status", English, UTC.
func (db *DB) StatusPage(ctx context.Context) (*tocsin.StatusPage, error) {
	p, err := scanStatusPage(db.read.QueryRowContext(ctx, `SELECT `+statusPageColumns+` FROM status_page WHERE id = 1`))
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read status page: %w", err)
	}
	err = db.InTx(ctx, func(tx *Tx) error { return tx.ensureStatusPage(ctx) })
	if err != nil {
		return nil, err
	}
	p, err = scanStatusPage(db.read.QueryRowContext(ctx, `SELECT `+statusPageColumns+` FROM status_page WHERE id = 1`))
	if err != nil {
		return nil, fmt.Errorf("read status page: %w", err)
	}
	return p, nil
}

// ensureStatusPage makes the settings row unless it exists; processes racing
// on one database all end up with the same one.
func (tx *Tx) ensureStatusPage(ctx context.Context) error {
	_, err := tx.exec(ctx, `INSERT INTO status_page (id, public_id, name, accent_color, text_color, language, time_zone, updated_at)
		VALUES (1, $1, 'Status', $2, $3, 'en', 'UTC', 0) ON CONFLICT (id) DO NOTHING`, newPublicID(), tocsin.DefaultAccentColor, tocsin.DefaultTextColor)
	if err != nil {
		return fmt.Errorf("make status page: %w", err)
	}
	return nil
}

// SaveStatusPage stores the page's settings (its public id never changes); p
// holds them as stored afterwards.
func (db *DB) SaveStatusPage(ctx context.Context, p *tocsin.StatusPage, actorID int64, now time.Time) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.ensureStatusPage(ctx); err != nil {
			return err
		}
		old, err := scanStatusPage(tx.queryRow(ctx, `SELECT `+statusPageColumns+` FROM status_page WHERE id = 1`))
		if err != nil {
			return fmt.Errorf("read status page: %w", err)
		}
		_, err = tx.exec(ctx, `UPDATE status_page SET name = $1, url = $2, logo_url = $3, accent_color = $4, text_color = $5, language = $6, time_zone = $7, host = $8, updated_at = $9 WHERE id = 1`,
			p.Name, p.URL, p.LogoURL, p.AccentColor, p.TextColor, p.Language, p.TimeZone, p.Host, ms(now))
		if err != nil {
			return fmt.Errorf("save status page: %w", err)
		}
		stored, err := scanStatusPage(tx.queryRow(ctx, `SELECT `+statusPageColumns+` FROM status_page WHERE id = 1`))
		if err != nil {
			return fmt.Errorf("read status page: %w", err)
		}
		*p = *stored
		if err := tx.statusEvent(ctx, 0, actorID, "page.updated", settingsChanges(old, p), now); err != nil {
			return err
		}
		return tx.bump(ctx, CounterStatus)
	})
}

// settingsChanges is the timeline's account of a settings save: every
// field that changed, old → new, so that a moved host or logo is traceable.
func settingsChanges(old, p *tocsin.StatusPage) string {
	quote := func(s string) string {
		if s == "" {
			return "none"
		}
		return strconv.Quote(s)
	}
	var changes []string
	for _, f := range []struct{ name, old, new string }{
		{"title", quote(old.Name), quote(p.Name)},
		{"URL", quote(old.URL), quote(p.URL)},
		{"logo", quote(old.LogoURL), quote(p.LogoURL)},
		{"accent colour", old.AccentColor, p.AccentColor},
		{"text colour", old.TextColor, p.TextColor},
		{"language", old.Language, p.Language},
		{"time zone", old.TimeZone, p.TimeZone},
		{"host", quote(old.Host), quote(p.Host)},
	} {
		if f.old != f.new {
			changes = append(changes, f.name+" "+f.old+" → "+f.new)
		}
	}
	if len(changes) == 0 {
		return "Page settings saved, nothing changed."
	}
	return "Page settings saved: " + strings.Join(changes, ", ") + "."
}

// statusEvent appends to the status page's internal timeline. The actor's
// name is kept as it was, so the timeline still reads right after a rename.
func (tx *Tx) statusEvent(ctx context.Context, incidentID, actorID int64, action, text string, now time.Time) error {
	name, err := tx.actorName(ctx, actorID)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `INSERT INTO status_events (incident_id, actor_id, actor_name, action, text, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		nullID(incidentID), nullID(actorID), name, action, text, ms(now)); err != nil {
		return fmt.Errorf("record status event: %w", err)
	}
	return nil
}

// actorName is a member's name; actor 0 is Tocsin itself (the engine).
func (tx *Tx) actorName(ctx context.Context, actorID int64) (string, error) {
	if actorID == 0 {
		return "Tocsin", nil
	}
	var name string
	err := tx.queryRow(ctx, `SELECT name FROM users WHERE id = $1`, actorID).Scan(&name)
	if err != nil {
		return "", notFound(err, "user %d not found", actorID)
	}
	return name, nil
}

// StatusEvents lists the internal timeline, newest first: one incident's
// (incidentID > 0) or everything's (0).
func (db *DB) StatusEvents(ctx context.Context, incidentID int64, limit int) ([]tocsin.StatusEvent, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.read.QueryContext(ctx, `SELECT id, COALESCE(incident_id, 0), COALESCE(actor_id, 0), actor_name, action, text, at FROM status_events
		WHERE ($1 = 0 OR incident_id = $1) ORDER BY id DESC LIMIT $2`, incidentID, limit)
	if err != nil {
		return nil, fmt.Errorf("list status events: %w", err)
	}
	defer rows.Close()
	var out []tocsin.StatusEvent
	for rows.Next() {
		var e tocsin.StatusEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.IncidentID, &e.ActorID, &e.ActorName, &e.Action, &e.Text, &at); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
