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

// ConfirmResendAfter is how long an unconfirmed address waits before asking
// for its confirmation message again: a form cannot be made to mail-bomb it.
const ConfirmResendAfter = time.Minute

const subscriberColumns = `id, kind, address, secret, token, whole_page, confirmed_at, locale, created_at`

func scanSubscriber(row interface{ Scan(...any) error }) (*tocsin.Subscriber, bool, error) {
	var s tocsin.Subscriber
	var wholePage bool
	var confirmed, created int64
	if err := row.Scan(&s.ID, &s.Kind, &s.Address, &s.Secret, &s.Token, &wholePage, &confirmed, &s.Locale, &created); err != nil {
		return nil, false, err
	}
	s.ConfirmedAt, s.CreatedAt = fromMS(confirmed), fromMS(created)
	return &s, wholePage, nil
}

// subscriberComponents fills the components each subscriber listed.
func subscriberComponents(ctx context.Context, d Dialect, q queryer, list []*tocsin.Subscriber) error {
	if len(list) == 0 {
		return nil
	}
	byID := map[int64]*tocsin.Subscriber{}
	ids := make([]int64, len(list))
	for k, s := range list {
		byID[s.ID], ids[k] = s, s.ID
	}
	in, arg := inIDs(d, "subscriber_id", 1, ids)
	rows, err := q.QueryContext(ctx, `SELECT subscriber_id, component_id FROM status_subscriber_components WHERE `+in+` ORDER BY subscriber_id, component_id`, arg)
	if err != nil {
		return fmt.Errorf("subscriber components: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sid, cid int64
		if err := rows.Scan(&sid, &cid); err != nil {
			return err
		}
		byID[sid].ComponentIDs = append(byID[sid].ComponentIDs, cid)
	}
	return rows.Err()
}

func (db *DB) subscriberWhere(ctx context.Context, where string, arg any) (*tocsin.Subscriber, error) {
	s, _, err := scanSubscriber(db.read.QueryRowContext(ctx, `SELECT `+subscriberColumns+` FROM status_subscribers WHERE `+where, arg))
	if err != nil {
		return nil, notFound(err, "subscription not found")
	}
	return s, subscriberComponents(ctx, db.dialect, db.read, []*tocsin.Subscriber{s})
}

// Subscribe adds a subscriber to the whole page (no ComponentIDs) or to some
// components (a group stands for its components).
//
// E-mail: stored unconfirmed, and a confirmation message is queued. The same
// address again, still unconfirmed, gets the message again (at most once per
// ConfirmResendAfter) and its new choice of components; a confirmed one
// changes nothing. Either way the caller sees the same: s.ID is set and
// s.Token, s.ConfirmedAt stay empty, so that the answer tells nobody whether
// an address is subscribed, and the token travels only by e-mail.
//
// Webhook: confirmed at once, with a new signing Secret and Token in s (to
// show once); a URL already subscribed is ECONFLICT.
func (db *DB) Subscribe(ctx context.Context, s *tocsin.Subscriber, now time.Time) error {
	if err := s.Validate(); err != nil {
		return err
	}
	now = now.UTC().Truncate(time.Millisecond)
	slices.Sort(s.ComponentIDs)
	s.ComponentIDs = slices.Compact(s.ComponentIDs)
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.checkSubscriberComponents(ctx, s.ComponentIDs); err != nil {
			return err
		}
		if s.Locale == "" {
			if err := tx.ensureStatusPage(ctx); err != nil {
				return err
			}
			if err := tx.queryRow(ctx, `SELECT language FROM status_page WHERE id = 1`).Scan(&s.Locale); err != nil {
				return fmt.Errorf("page language: %w", err)
			}
		}
		if s.Kind == tocsin.SubscriberWebhook {
			return tx.addWebhookSubscriber(ctx, s, now)
		}
		return tx.addEmailSubscriber(ctx, s, now)
	})
}

func (tx *Tx) checkSubscriberComponents(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	in, arg := inIDs(tx.dialect, "id", 1, ids)
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM status_components WHERE `+in, arg).Scan(&n); err != nil {
		return fmt.Errorf("check components: %w", err)
	}
	if n != len(ids) {
		return tocsin.Errorf(tocsin.EINVALID, "A chosen component does not exist (any more).")
	}
	return nil
}

func (tx *Tx) saveSubscriberComponents(ctx context.Context, id int64, ids []int64) error {
	if _, err := tx.exec(ctx, `DELETE FROM status_subscriber_components WHERE subscriber_id = $1`, id); err != nil {
		return fmt.Errorf("subscriber components: %w", err)
	}
	for _, cid := range ids {
		if _, err := tx.exec(ctx, `INSERT INTO status_subscriber_components (subscriber_id, component_id) VALUES ($1, $2)`, id, cid); err != nil {
			return fmt.Errorf("subscriber components: %w", err)
		}
	}
	return nil
}

func (tx *Tx) addWebhookSubscriber(ctx context.Context, s *tocsin.Subscriber, now time.Time) error {
	s.Secret, s.Token, s.ConfirmedAt, s.CreatedAt = "whsec_"+newSecret(24), newSecret(16), now, now
	var err error
	s.ID, err = tx.insertID(ctx, `INSERT INTO status_subscribers (kind, address, secret, token, whole_page, confirmed_at, locale, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $6)
		ON CONFLICT (kind, address) DO NOTHING`, s.Kind, s.Address, s.Secret, s.Token, len(s.ComponentIDs) == 0, ms(now), s.Locale)
	if errors.Is(err, sql.ErrNoRows) { // ON CONFLICT DO NOTHING returned no row
		return tocsin.Errorf(tocsin.ECONFLICT, "This URL is subscribed already: unsubscribe it first to change it.")
	}
	if err != nil {
		return fmt.Errorf("subscribe webhook: %w", err)
	}
	return tx.saveSubscriberComponents(ctx, s.ID, s.ComponentIDs)
}

func (tx *Tx) addEmailSubscriber(ctx context.Context, s *tocsin.Subscriber, now time.Time) error {
	token := newSecret(16)
	_, err := tx.exec(ctx, `INSERT INTO status_subscribers (kind, address, token, whole_page, locale, created_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (kind, address) DO NOTHING`, s.Kind, s.Address, token, len(s.ComponentIDs) == 0, s.Locale, ms(now))
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	var id, confirmed, sentAt int64
	var count int
	err = tx.queryRow(ctx, `SELECT id, confirmed_at, confirm_sent_at, confirm_count FROM status_subscribers WHERE kind = $1 AND address = $2`, s.Kind, s.Address).
		Scan(&id, &confirmed, &sentAt, &count)
	if err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	s.ID, s.Token, s.Secret, s.ConfirmedAt, s.CreatedAt = id, "", "", time.Time{}, now
	if confirmed != 0 {
		return nil // nothing visible changes: the address's owner chose already
	}
	if sentAt != 0 && now.Before(fromMS(sentAt).Add(ConfirmResendAfter)) {
		return nil
	}
	if _, err := tx.exec(ctx, `UPDATE status_subscribers SET whole_page = $1, locale = $2, confirm_count = $3, confirm_sent_at = $4 WHERE id = $5`,
		len(s.ComponentIDs) == 0, s.Locale, count+1, ms(now), id); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	if err := tx.saveSubscriberComponents(ctx, id, s.ComponentIDs); err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO notifications (key, kind, subscriber_id, type, destination, ref, status, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $5, 'confirm', 'pending', $6, $6) ON CONFLICT (key) DO NOTHING`,
		fmt.Sprintf("sub/%d/confirm/%d", id, count+1), tocsin.NotifySubscriber, id, tocsin.ContactEmail, s.Address, ms(now))
	if err != nil {
		return fmt.Errorf("queue confirmation: %w", err)
	}
	return nil
}

// ConfirmSubscriber confirms the e-mail subscriber a confirm link names;
// following it again changes nothing.
func (db *DB) ConfirmSubscriber(ctx context.Context, token string, now time.Time) (*tocsin.Subscriber, error) {
	if token == "" {
		return nil, tocsin.Errorf(tocsin.ENOTFOUND, "subscription not found")
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE status_subscribers SET confirmed_at = $1 WHERE token = $2 AND confirmed_at = 0`, ms(now), token)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("confirm subscriber: %w", err)
	}
	return db.subscriberWhere(ctx, `token = $1`, token)
}

// Unsubscribe removes the subscriber an unsubscribe link names, and the
// messages not yet sent to them; an unknown token (already gone) is ENOTFOUND.
func (db *DB) Unsubscribe(ctx context.Context, token string, now time.Time) (*tocsin.Subscriber, error) {
	if token == "" {
		return nil, tocsin.Errorf(tocsin.ENOTFOUND, "subscription not found")
	}
	s, err := db.subscriberWhere(ctx, `token = $1`, token)
	if err != nil {
		return nil, err
	}
	err = db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM status_subscribers WHERE token = $1`, token)
		if err != nil {
			return fmt.Errorf("unsubscribe: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "subscription not found")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// SubscriberByToken returns the subscriber a confirm or unsubscribe link names.
func (db *DB) SubscriberByToken(ctx context.Context, token string) (*tocsin.Subscriber, error) {
	if token == "" {
		return nil, tocsin.Errorf(tocsin.ENOTFOUND, "subscription not found")
	}
	return db.subscriberWhere(ctx, `token = $1`, token)
}

// Subscribers lists every subscriber, newest first, for members.
func (db *DB) Subscribers(ctx context.Context) ([]tocsin.Subscriber, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+subscriberColumns+` FROM status_subscribers ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list subscribers: %w", err)
	}
	var ptrs []*tocsin.Subscriber
	for rows.Next() {
		s, _, err := scanSubscriber(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		ptrs = append(ptrs, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := subscriberComponents(ctx, db.dialect, db.read, ptrs); err != nil {
		return nil, err
	}
	out := make([]tocsin.Subscriber, len(ptrs))
	for k, s := range ptrs {
		out[k] = *s
	}
	return out, nil
}

// DeleteSubscriber removes a subscriber (a member's decision) and the
// messages not yet sent to them.
func (db *DB) DeleteSubscriber(ctx context.Context, id int64, actorID int64, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		var kind, address string
		if err := tx.queryRow(ctx, `SELECT kind, address FROM status_subscribers WHERE id = $1`, id).Scan(&kind, &address); err != nil {
			return notFound(err, "subscriber %d not found", id)
		}
		if _, err := tx.exec(ctx, `DELETE FROM status_subscribers WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete subscriber: %w", err)
		}
		return tx.statusEvent(ctx, 0, actorID, "subscriber.deleted", fmt.Sprintf("Subscriber %s %s removed.", kind, address), now)
	})
}

// interestedSQL selects the confirmed subscribers who hear about incident
// $1: the whole page's, and those who chose one of its affected components
// or their group.
const interestedSQL = ` FROM status_subscribers s WHERE s.confirmed_at > 0 AND (s.whole_page OR EXISTS (
	SELECT 1 FROM status_subscriber_components sc JOIN status_incident_components ic ON ic.incident_id = $1
	JOIN status_components c ON c.id = ic.component_id
	WHERE sc.subscriber_id = s.id AND (sc.component_id = c.id OR sc.component_id = c.group_id)))`

// fanOutUpdate queues one message per interested subscriber about an
// update; its key makes a second call queue nothing.
func (tx *Tx) fanOutUpdate(ctx context.Context, incidentID, updateID int64, now time.Time) (int64, error) {
	return tx.fanOut(ctx, incidentID, "update", updateID, now)
}

// fanOutReminder queues one reminder per interested subscriber that a
// maintenance starts soon.
func (tx *Tx) fanOutReminder(ctx context.Context, incidentID int64, now time.Time) (int64, error) {
	return tx.fanOut(ctx, incidentID, "remind", incidentID, now)
}

// fanOutComponentUpdate queues a message about a component's change (span)
// for each confirmed webhook subscriber of the whole page, the component or
// its group. E-mail subscribers hear about incidents only.
func (tx *Tx) fanOutComponentUpdate(ctx context.Context, c *tocsin.Component, span int64, now time.Time) error {
	_, err := tx.exec(ctx, `INSERT INTO notifications (key, kind, subscriber_id, type, destination, ref, status, next_attempt_at, created_at)
		SELECT 'sub/' || s.id || $1, $2, s.id, s.kind, s.address, $3, 'pending', $4, $4
		FROM status_subscribers s WHERE s.confirmed_at > 0 AND s.kind = $5 AND (s.whole_page OR EXISTS (
			SELECT 1 FROM status_subscriber_components sc WHERE sc.subscriber_id = s.id AND sc.component_id IN ($6, $7)))
		ON CONFLICT (key) DO NOTHING`,
		fmt.Sprintf("/component/%d", span), tocsin.NotifySubscriber, fmt.Sprintf("component:%d", span), ms(now), tocsin.SubscriberWebhook, c.ID, c.GroupID)
	if err != nil {
		return fmt.Errorf("tell webhook subscribers: %w", err)
	}
	return nil
}

func (tx *Tx) fanOut(ctx context.Context, incidentID int64, what string, ref int64, now time.Time) (int64, error) {
	// WHERE TRUE: SQLite needs it to parse an INSERT … SELECT with ON CONFLICT.
	res, err := tx.exec(ctx, `INSERT INTO notifications (key, kind, subscriber_id, type, destination, ref, status, next_attempt_at, created_at)
		SELECT 'sub/' || s.id || $2, $3, s.id, s.kind, s.address, $4, 'pending', $5, $5`+interestedSQL+` AND TRUE
		ON CONFLICT (key) DO NOTHING`,
		incidentID, fmt.Sprintf("/%s/%d", what, ref), tocsin.NotifySubscriber, fmt.Sprintf("%s:%d", what, ref), ms(now))
	if err != nil {
		return 0, fmt.Errorf("tell subscribers: %w", err)
	}
	return res.RowsAffected()
}
