package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CalendarEventVersion is one feed event's published version. The caller sets
// UID, Digest and End; CalendarEventVersions sets Sequence and ChangedAt.
type CalendarEventVersion struct {
	UID       string
	Digest    string    // what a client shows of the event beyond its UID
	End       time.Time // when the event ends, for pruning
	Sequence  int       // SEQUENCE: 0, plus one per change of digest
	ChangedAt time.Time // DTSTAMP: when the digest last changed
}

// calendarVersionsKept is how long after its end an event's version is kept.
// Feeds look 30 days back, so a version is never pruned while a feed shows it.
const calendarVersionsKept = 60 * 24 * time.Hour

// versionChunk bounds the parameters of one statement (SQLite allows 32,766).
const versionChunk = 500

type storedVersion struct {
	digest    string
	sequence  int
	changedAt int64
}

// CalendarEventVersions gives each event the version it must be published
// with. An event seen for the first time gets SEQUENCE 0 and now; one whose
// digest differs from the stored one gets SEQUENCE+1 and now; the others keep
// theirs, so a feed whose shifts did not change renders to the same bytes.
// When nothing changed it only reads. Concurrent renders agree: the bump is an
// UPDATE … WHERE digest <> new, so two renders of one change bump it once.
// The versions of events that ended long ago are pruned on the way.
func (db *DB) CalendarEventVersions(ctx context.Context, events []CalendarEventVersion, now time.Time) error {
	uids := make([]string, len(events))
	for i := range events {
		uids[i] = events[i].UID
	}
	stored, err := db.storedVersions(ctx, uids)
	if err != nil {
		return err
	}
	var stale []*CalendarEventVersion
	for i := range events {
		if v, ok := stored[events[i].UID]; !ok || v.digest != events[i].Digest {
			stale = append(stale, &events[i])
		}
	}
	if len(stale) > 0 {
		// One order for every writer, so that two PostgreSQL transactions
		// never wait on each other's rows in a cycle.
		slices.SortFunc(stale, func(a, b *CalendarEventVersion) int { return strings.Compare(a.UID, b.UID) })
		stale = slices.CompactFunc(stale, func(a, b *CalendarEventVersion) bool { return a.UID == b.UID })
		err := db.bumpVersions(ctx, stale, now)
		if err != nil && isTransient(err) {
			err = db.bumpVersions(ctx, stale, now)
		}
		if err != nil {
			return err
		}
		fresh := make([]string, len(stale))
		for i, e := range stale {
			fresh[i] = e.UID
		}
		// Read back what was committed: a concurrent render may have written first.
		again, err := db.storedVersions(ctx, fresh)
		if err != nil {
			return err
		}
		for uid, v := range again {
			stored[uid] = v
		}
	}
	for i := range events {
		v := stored[events[i].UID]
		events[i].Sequence, events[i].ChangedAt = v.sequence, fromMS(v.changedAt)
	}
	return nil
}

func (db *DB) storedVersions(ctx context.Context, uids []string) (map[string]storedVersion, error) {
	out := make(map[string]storedVersion, len(uids))
	for chunk := range slices.Chunk(uids, versionChunk) {
		var q strings.Builder
		q.WriteString(`SELECT uid, digest, sequence, changed_at FROM calendar_event_versions WHERE uid IN (`)
		args := make([]any, len(chunk))
		for i, u := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			fmt.Fprintf(&q, "$%d", i+1)
			args[i] = u
		}
		q.WriteByte(')')
		rows, err := db.read.QueryContext(ctx, q.String(), args...)
		if err != nil {
			return nil, fmt.Errorf("calendar event versions: %w", err)
		}
		for rows.Next() {
			var uid string
			var v storedVersion
			if err := rows.Scan(&uid, &v.digest, &v.sequence, &v.changedAt); err != nil {
				rows.Close()
				return nil, err
			}
			out[uid] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// bumpVersions inserts the new events at SEQUENCE 0 and bumps the changed
// ones, in one transaction; it also prunes old versions.
func (db *DB) bumpVersions(ctx context.Context, stale []*CalendarEventVersion, now time.Time) error {
	const cols = 5
	return db.InTx(ctx, func(tx *Tx) error {
		for chunk := range slices.Chunk(stale, versionChunk/cols) {
			var q strings.Builder
			q.WriteString(`INSERT INTO calendar_event_versions (uid, digest, sequence, changed_at, end_at) VALUES `)
			args := make([]any, 0, len(chunk)*cols)
			for i, e := range chunk {
				if i > 0 {
					q.WriteByte(',')
				}
				n := len(args)
				fmt.Fprintf(&q, "($%d, $%d, 0, $%d, $%d)", n+1, n+2, n+3, n+4)
				args = append(args, e.UID, e.Digest, ms(now), ms(e.End))
			}
			q.WriteString(` ON CONFLICT (uid) DO NOTHING`)
			if _, err := tx.exec(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("insert calendar event versions: %w", err)
			}
		}
		for _, e := range stale {
			// A no-op for the rows just inserted, and for a change another
			// render has already recorded.
			if _, err := tx.exec(ctx, `UPDATE calendar_event_versions SET digest = $1, sequence = sequence + 1, changed_at = $2, end_at = $3
				WHERE uid = $4 AND digest <> $1`, e.Digest, ms(now), ms(e.End), e.UID); err != nil {
				return fmt.Errorf("bump calendar event version: %w", err)
			}
		}
		if _, err := tx.exec(ctx, `DELETE FROM calendar_event_versions WHERE end_at < $1`, ms(now.Add(-calendarVersionsKept))); err != nil {
			return fmt.Errorf("prune calendar event versions: %w", err)
		}
		return nil
	})
}
