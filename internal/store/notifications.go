package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tocsin/tocsin"
)

// enqueue writes an outbox row unless one with its key exists; it reports
// whether it wrote it. The key is what makes a message impossible to send twice.
func (tx *Tx) enqueue(ctx context.Context, n *tocsin.Notification, now time.Time) (bool, error) {
	if err := tx.enqueueAll(ctx, []*tocsin.Notification{n}, now); err != nil {
		return false, err
	}
	return n.ID != 0, nil
}

// enqueueAll writes outbox rows, skipping those whose key exists; each row
// written gets its ID and the pending status.
func (tx *Tx) enqueueAll(ctx context.Context, ns []*tocsin.Notification, now time.Time) error {
	byKey := make(map[string]*tocsin.Notification, len(ns))
	rows := make([][]any, len(ns))
	for i, n := range ns {
		if n.NextAttemptAt.IsZero() {
			n.NextAttemptAt = now
		}
		n.ID = 0 // set again below if written: a retried transaction reuses rows
		if byKey[n.Key] == nil {
			byKey[n.Key] = n // the first of the same key is written, the rest skipped
		}
		rows[i] = []any{n.Key, n.Kind, nullID(n.AlertID), nullID(n.UserID), nullID(n.ContactMethodID), n.Type, n.Destination, n.Text, n.Ref, n.Step, n.RuleID, tocsin.NotificationPending, ms(n.NextAttemptAt), ms(now)}
	}
	err := tx.runRows(ctx, rowsStatement{
		head: `INSERT INTO notifications (key, kind, alert_id, user_id, contact_method_id, type, destination, text, ref, step, rule_id, status, next_attempt_at, created_at) SELECT * FROM `,
		// WHERE true: SQLite would read ON CONFLICT as a join's ON.
		tail:  ` WHERE true ON CONFLICT (key) DO NOTHING RETURNING id, key`,
		types: []string{"TEXT", "TEXT", "BIGINT", "BIGINT", "BIGINT", "TEXT", "TEXT", "TEXT", "TEXT", "BIGINT", "BIGINT", "TEXT", "BIGINT", "BIGINT"},
		scan: func(r *sql.Rows) error {
			var id int64
			var key string
			if err := r.Scan(&id, &key); err != nil {
				return err
			}
			if n := byKey[key]; n != nil {
				n.ID, n.Status = id, tocsin.NotificationPending
			}
			return nil
		},
	}, rows)
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", ns[0].Key, err)
	}
	return nil
}

// Enqueue writes an outbox row unless one with its key exists.
func (db *DB) Enqueue(ctx context.Context, n *tocsin.Notification, now time.Time) (bool, error) {
	var ok bool
	err := db.InTx(ctx, func(tx *Tx) error {
		var err error
		ok, err = tx.enqueue(ctx, n, now)
		return err
	})
	return ok, err
}

// Outgoing is a claimed outbox row with what sending it needs.
type Outgoing struct {
	tocsin.Notification
	Secret string // the webhook contact's (or webhook subscriber's) signing key
	Locale string // the person's (or subscriber's) language
	// SubscriberID: a status page subscriber's message (kind subscriber);
	// Token goes in its confirm and unsubscribe links.
	SubscriberID int64
	Token        string
	// Alert state when claimed, for pages: a page for an alert no longer
	// triggered is cancelled, not sent.
	AlertStatus tocsin.AlertStatus
}

const outgoingColumns = `n.id, n.key, n.kind, COALESCE(n.alert_id, 0), COALESCE(n.user_id, 0), COALESCE(u.name, ''), COALESCE(n.contact_method_id, 0), n.type, n.destination, n.text, n.ref,
	n.step, n.rule_id, n.status, n.attempts, n.next_attempt_at, n.provider_id, n.error, n.bundle_id, n.created_at, n.sent_at, COALESCE(c.secret, s.secret, ''), COALESCE(u.locale, s.locale, ''), COALESCE(a.status, ''),
	COALESCE(n.subscriber_id, 0), COALESCE(s.token, '')`
const outgoingFrom = ` FROM notifications n LEFT JOIN users u ON u.id = n.user_id LEFT JOIN contact_methods c ON c.id = n.contact_method_id LEFT JOIN alerts a ON a.id = n.alert_id
	LEFT JOIN status_subscribers s ON s.id = n.subscriber_id`

func scanOutgoing(row interface{ Scan(...any) error }) (*Outgoing, error) {
	var o Outgoing
	n := &o.Notification
	var next, created, sent int64
	if err := row.Scan(&n.ID, &n.Key, &n.Kind, &n.AlertID, &n.UserID, &n.UserName, &n.ContactMethodID, &n.Type, &n.Destination, &n.Text, &n.Ref,
		&n.Step, &n.RuleID, &n.Status, &n.Attempts, &next, &n.ProviderID, &n.Error, &n.BundleID, &created, &sent, &o.Secret, &o.Locale, &o.AlertStatus, &o.SubscriberID, &o.Token); err != nil {
		return nil, err
	}
	n.NextAttemptAt, n.CreatedAt, n.SentAt = fromMS(next), fromMS(created), fromMS(sent)
	return &o, nil
}

// ReclaimExpired puts back rows whose sender stopped (a crash, a lost leader)
// before recording the result: they are sent again, and say so.
func (db *DB) ReclaimExpired(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE notifications SET status = 'pending', claim = '', error = 'the sender stopped while sending it; sent again' WHERE status = 'sending' AND claimed_until < $1`, ms(now))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// ClaimDue claims up to limit due rows for a lease, under a new claim token,
// and returns them oldest first. Rows claimed by another sender are skipped.
func (db *DB) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) (string, []*Outgoing, error) {
	claim := newSecret(12)
	// One statement, committed by itself: no transaction around it.
	_, err := db.write.ExecContext(ctx, `UPDATE notifications SET status = 'sending', claim = $1, claimed_until = $2
		WHERE status = 'pending' AND next_attempt_at <= $3
		AND id IN (SELECT id FROM notifications WHERE status = 'pending' AND next_attempt_at <= $3 ORDER BY next_attempt_at, id LIMIT $4)`,
		claim, ms(now.Add(lease)), ms(now), limit)
	if err != nil {
		return "", nil, fmt.Errorf("claim notifications: %w", err)
	}
	rows, err := db.claimed(ctx, claim)
	return claim, rows, err
}

// ClaimDestination claims every due page for one destination, to send them as
// one message, and returns the claim's pages to that destination (those of the
// batch claimed before included): only these, as the rest of the claim is other
// people's.
func (db *DB) ClaimDestination(ctx context.Context, claim string, typ tocsin.ContactType, destination string, now time.Time, lease time.Duration) ([]*Outgoing, error) {
	err := db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE notifications SET status = 'sending', claim = $1, claimed_until = $2
			WHERE status = 'pending' AND next_attempt_at <= $3 AND destination = $4 AND type = $5 AND kind = 'page'`, claim, ms(now.Add(lease)), ms(now), destination, typ)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim destination: %w", err)
	}
	return db.readClaimed(ctx, ` AND n.destination = $2 AND n.type = $3 AND n.kind = 'page'`, claim, destination, typ)
}

func (db *DB) claimed(ctx context.Context, claim string) ([]*Outgoing, error) {
	return db.readClaimed(ctx, "", claim)
}

// readClaimed reads the rows held under claim ($1), narrowed by and (more
// conditions on n, with their arguments from $2).
func (db *DB) readClaimed(ctx context.Context, and string, args ...any) ([]*Outgoing, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+outgoingColumns+outgoingFrom+` WHERE n.claim = $1 AND n.status = 'sending'`+and+` ORDER BY n.next_attempt_at, n.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read claimed notifications: %w", err)
	}
	defer rows.Close()
	var out []*Outgoing
	for rows.Next() {
		o, err := scanOutgoing(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// LastPageSent is when the last page or bundle left for a destination; zero: never.
func (db *DB) LastPageSent(ctx context.Context, typ tocsin.ContactType, destination string) (time.Time, error) {
	var last sql.NullInt64
	err := db.read.QueryRowContext(ctx, `SELECT MAX(sent_at) FROM notifications WHERE destination = $1 AND type = $2 AND kind = 'page' AND status = 'sent'`, destination, typ).Scan(&last)
	return fromMS(last.Int64), err
}

// EarlierUnsent finds the oldest message of a kind to a destination queued
// before id and not sent yet (pending, or held by another sender), and
// reports when it is next tried (or its sender's lease ends): a
// subscriber's messages go in the order they were queued, so later ones
// wait for it. ok is false when there is none.
func (db *DB) EarlierUnsent(ctx context.Context, kind tocsin.NotificationKind, typ tocsin.ContactType, destination string, id int64) (time.Time, bool, error) {
	var at int64
	err := db.read.QueryRowContext(ctx, `SELECT CASE WHEN status = 'sending' THEN claimed_until ELSE next_attempt_at END FROM notifications
		WHERE destination = $1 AND type = $2 AND kind = $3 AND id < $4 AND status IN ('pending', 'sending') ORDER BY id LIMIT 1`,
		destination, typ, kind, id).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("earlier messages to %s: %w", typ, err)
	}
	return fromMS(at), true, nil
}

// Outcome is what became of a claimed row.
type Outcome struct {
	ID         int64
	Status     tocsin.NotificationStatus // sent, bundled, failed, cancelled or pending (retry, or postponed)
	Postpone   bool                      // pending without an attempt: throttled until NextAt
	ProviderID string
	Error      string
	NextAt     time.Time // for a retry
	BundleID   int64
	// Timeline lines to append to the row's alert, if it has one.
	Timeline []TimelineLine
	// Then enqueues follow-up rows in the same transaction (a fall-through to the next method).
	Then []*tocsin.Notification
	// Rewritable names the alert of a sent message that is rewritten in
	// place when the alert changes (Slack): if the alert was acknowledged or
	// resolved while the message was in flight, its rewrite is queued now.
	Rewritable int64
}

// TimelineLine is one line an engine decision adds to an alert's timeline.
type TimelineLine struct {
	AlertID int64
	Kind    tocsin.TimelineKind
	Actor   string
	Channel tocsin.Channel
	Message string
}

// Record stores outcomes of rows claimed under claim, with their timeline
// lines and follow-ups, in one transaction. A row no longer held by this
// claim (its lease ran out and someone else took it) is left alone.
//
// A deadlock or serialization failure (PostgreSQL) is retried: failing to
// record a message that left would send it again after the lease.
func (db *DB) Record(ctx context.Context, claim string, outcomes []Outcome, now time.Time) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = db.record(ctx, claim, outcomes, now); err == nil || !isTransient(err) {
			return err
		}
	}
	return err
}

func (db *DB) record(ctx context.Context, claim string, outcomes []Outcome, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		// The alerts of rewritable messages are locked first, in id order, so
		// that an acknowledgement committing at the same instant either sees
		// the message sent or is seen by catchUpRewrite.
		var lock []int64
		for _, o := range outcomes {
			if o.Rewritable != 0 && o.Status == tocsin.NotificationSent {
				lock = append(lock, o.Rewritable)
			}
		}
		slices.Sort(lock)
		for _, id := range slices.Compact(lock) {
			if _, err := tx.exec(ctx, `UPDATE alerts SET esc_epoch = esc_epoch WHERE id = $1`, id); err != nil {
				return fmt.Errorf("lock alert %d: %w", id, err)
			}
		}
		// Throttled pages are put back in one statement per instant: in a
		// storm they are most of what a pass claims.
		postponed := map[time.Time][]int64{}
		var lines []TimelineLine
		// Messages sent (not rewritable ones) are recorded in one statement.
		var sent []Outcome
		for _, o := range outcomes {
			if o.Postpone && o.Status == tocsin.NotificationPending && len(o.Timeline) == 0 && len(o.Then) == 0 {
				postponed[o.NextAt] = append(postponed[o.NextAt], o.ID)
				continue
			}
			if (o.Status == tocsin.NotificationSent || o.Status == tocsin.NotificationBundled) && o.Rewritable == 0 {
				sent = append(sent, o)
				continue
			}
			var res sql.Result
			var err error
			switch o.Status {
			case tocsin.NotificationSent, tocsin.NotificationBundled:
				res, err = tx.exec(ctx, `UPDATE notifications SET status = $1, provider_id = $2, error = '', bundle_id = $3, sent_at = $4, attempts = attempts + 1, claim = '' WHERE id = $5 AND claim = $6`,
					o.Status, o.ProviderID, o.BundleID, ms(now), o.ID, claim)
			case tocsin.NotificationPending:
				if o.Postpone {
					res, err = tx.exec(ctx, `UPDATE notifications SET status = 'pending', next_attempt_at = $1, claim = '' WHERE id = $2 AND claim = $3`, ms(o.NextAt), o.ID, claim)
					break
				}
				res, err = tx.exec(ctx, `UPDATE notifications SET status = 'pending', error = $1, next_attempt_at = $2, attempts = attempts + 1, claim = '' WHERE id = $3 AND claim = $4`,
					o.Error, ms(o.NextAt), o.ID, claim)
			case tocsin.NotificationFailed:
				res, err = tx.exec(ctx, `UPDATE notifications SET status = 'failed', error = $1, attempts = attempts + 1, claim = '' WHERE id = $2 AND claim = $3`, o.Error, o.ID, claim)
			case tocsin.NotificationCancelled:
				res, err = tx.exec(ctx, `UPDATE notifications SET status = 'cancelled', error = $1, claim = '' WHERE id = $2 AND claim = $3`, o.Error, o.ID, claim)
			default:
				return fmt.Errorf("record: unknown status %q", o.Status)
			}
			if err != nil {
				return fmt.Errorf("record notification %d: %w", o.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			lines = append(lines, o.Timeline...)
			for _, f := range o.Then {
				if _, err := tx.enqueue(ctx, f, now); err != nil {
					return err
				}
			}
			if o.Rewritable != 0 && o.Status == tocsin.NotificationSent && o.ProviderID != "" {
				if err := tx.catchUpRewrite(ctx, o.ID, now); err != nil {
					return err
				}
			}
		}
		recorded, err := tx.recordSent(ctx, claim, sent, now)
		if err != nil {
			return err
		}
		for _, o := range sent {
			if recorded[o.ID] {
				lines = append(lines, o.Timeline...)
				if err := tx.enqueueAll(ctx, o.Then, now); err != nil {
					return err
				}
			}
		}
		for at, ids := range postponed {
			in, list := inIDs(tx.dialect, "id", 3, ids)
			if _, err := tx.exec(ctx, `UPDATE notifications SET status = 'pending', next_attempt_at = $1, claim = '' WHERE claim = $2 AND `+in, ms(at), claim, list); err != nil {
				return fmt.Errorf("postpone notifications: %w", err)
			}
		}
		if err := tx.addTimeline(ctx, now, lines...); err != nil {
			return err
		}
		return tx.bump(ctx, CounterAlerts)
	})
}

// recordSent marks messages sent (or bundled) that claim still holds; it
// returns those it marked.
func (tx *Tx) recordSent(ctx context.Context, claim string, sent []Outcome, now time.Time) (map[int64]bool, error) {
	recorded := make(map[int64]bool, len(sent))
	rows := make([][]any, len(sent))
	for i, o := range sent {
		rows[i] = []any{o.ID, o.Status, o.ProviderID, o.BundleID}
	}
	err := tx.runRows(ctx, rowsStatement{
		head: `UPDATE notifications SET status = v.column2, provider_id = v.column3, error = '', bundle_id = v.column4, sent_at = $1, attempts = attempts + 1, claim = ''
			FROM `,
		tail:  ` WHERE notifications.id = v.column1 AND notifications.claim = $2 RETURNING notifications.id`,
		fixed: []any{ms(now), claim},
		types: []string{"BIGINT", "TEXT", "TEXT", "BIGINT"},
		scan:  scanIDInto(recorded),
	}, rows)
	if err != nil {
		return nil, fmt.Errorf("record sent notifications: %w", err)
	}
	return recorded, nil
}

// scanIDInto reads a returned id into set.
func scanIDInto(set map[int64]bool) func(*sql.Rows) error {
	return func(r *sql.Rows) error {
		var id int64
		if err := r.Scan(&id); err != nil {
			return err
		}
		set[id] = true
		return nil
	}
}

// catchUpRewrite rewrites a Slack message that was in flight when its alert
// was acknowledged or resolved: the acknowledgement found no message to
// rewrite yet, so the message would say "Triggered" for good.
func (tx *Tx) catchUpRewrite(ctx context.Context, id int64, now time.Time) error {
	var n tocsin.Notification
	var status tocsin.AlertStatus
	var epoch int
	err := tx.queryRow(ctx, `SELECT n.alert_id, COALESCE(n.user_id, 0), COALESCE(n.contact_method_id, 0), n.destination, n.provider_id, a.status, a.esc_epoch
		FROM notifications n JOIN alerts a ON a.id = n.alert_id
		WHERE n.id = $1 AND n.type = 'slack' AND n.kind IN ('page', 'chat') AND a.status <> 'triggered'`, id).
		Scan(&n.AlertID, &n.UserID, &n.ContactMethodID, &n.Destination, &n.Ref, &status, &epoch)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("slack catch-up: %w", err)
	}
	n.Key, n.Kind, n.Type = fmt.Sprintf("update/%d/%d/%s", id, epoch, status), tocsin.NotifyStatus, tocsin.ContactSlack
	_, err = tx.enqueue(ctx, &n, now)
	return err
}

// addTimeline appends lines to their alerts' timelines (lines of no alert
// are dropped).
func (tx *Tx) addTimeline(ctx context.Context, now time.Time, lines ...TimelineLine) error {
	rows := make([][]any, 0, len(lines))
	for _, l := range lines {
		if l.AlertID != 0 {
			rows = append(rows, []any{l.AlertID, ms(now), l.Kind, l.Actor, l.Channel, l.Message})
		}
	}
	err := tx.runRows(ctx, rowsStatement{
		head:  `INSERT INTO alert_timeline (alert_id, at, kind, actor, channel, message) SELECT * FROM `,
		types: []string{"BIGINT", "BIGINT", "TEXT", "TEXT", "TEXT", "TEXT"},
	}, rows)
	if err != nil {
		return fmt.Errorf("alert timeline: %w", err)
	}
	return nil
}

// PendingFor reports whether a person still has a page waiting (or being sent)
// for an alert's trigger and step: if so, a failed method needs no fall-through.
func (db *DB) PendingFor(ctx context.Context, keyPrefix string, exceptID int64) (bool, error) {
	var n int
	// Keys are digits and separators: a prefix needs no LIKE escaping.
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE key LIKE $1 AND id <> $2 AND status IN ('pending', 'sending')`,
		keyPrefix+"%", exceptID).Scan(&n)
	return n > 0, err
}

// Notifications lists outbox rows, newest first, for the admin page.
func (db *DB) Notifications(ctx context.Context, f tocsin.NotificationFilter) ([]*Outgoing, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := `SELECT ` + outgoingColumns + outgoingFrom + ` WHERE ($1 = '' OR n.status = $1) AND ($2 = '' OR n.type = $2) AND ($3 = '' OR n.kind = $3)
		AND ($4 = 0 OR n.user_id = $4) AND ($5 = 0 OR n.alert_id = $5) AND ($6 = 0 OR n.id < $6) ORDER BY n.id DESC LIMIT $7`
	rows, err := db.read.QueryContext(ctx, q, string(f.Status), string(f.Type), string(f.Kind), f.UserID, f.AlertID, f.Before, f.Limit)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	defer rows.Close()
	var out []*Outgoing
	for rows.Next() {
		o, err := scanOutgoing(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Notification returns one outbox row.
func (db *DB) Notification(ctx context.Context, id int64) (*Outgoing, error) {
	o, err := scanOutgoing(db.read.QueryRowContext(ctx, `SELECT `+outgoingColumns+outgoingFrom+` WHERE n.id = $1`, id))
	return o, notFound(err, "notification %d not found", id)
}

// Idle reports whether the engine has nothing to do at now: no step due, no
// message due or being sent.
func (db *DB) Idle(ctx context.Context, now time.Time) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM alerts a WHERE `+dueEscalation+`)
		+ (SELECT COUNT(*) FROM notifications WHERE (status = 'pending' AND next_attempt_at <= $1) OR status = 'sending')`, ms(now)).Scan(&n)
	return n == 0, err
}
