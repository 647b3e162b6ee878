package store

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"math/big"
	"time"

	"github.com/tocsin/tocsin"
)

// Verification codes: six digits, valid VerifyCodeLifetime, five tries.
const (
	VerifyCodeLifetime = 15 * time.Minute
	verifyMaxAttempts  = 5
	// testInterval is the least time between two "send me a test" of one method.
	testInterval = 30 * time.Second
)

const contactColumns = `id, user_id, name, type, value, secret, verified_at, created_at`

func scanContact(row interface{ Scan(...any) error }) (*tocsin.ContactMethod, error) {
	var c tocsin.ContactMethod
	var verified, created int64
	if err := row.Scan(&c.ID, &c.UserID, &c.Name, &c.Type, &c.Value, &c.Secret, &verified, &created); err != nil {
		return nil, err
	}
	c.VerifiedAt, c.CreatedAt = fromMS(verified), fromMS(created)
	return &c, nil
}

// CreateContactMethod adds an unverified contact method to a person. A webhook
// gets a generated signing secret when it has none.
func (db *DB) CreateContactMethod(ctx context.Context, c *tocsin.ContactMethod, now time.Time) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.Type == tocsin.ContactWebhook && c.Secret == "" {
		c.Secret = "whsec_" + newSecret(24)
	}
	if c.Type != tocsin.ContactWebhook {
		c.Secret = ""
	}
	return db.InTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM contact_methods WHERE user_id = $1`, c.UserID).Scan(&n); err != nil {
			return err
		}
		if n >= 20 {
			return tocsin.Errorf(tocsin.EINVALID, "a person has at most 20 contact methods")
		}
		id, err := tx.insertID(ctx, `INSERT INTO contact_methods (user_id, name, type, value, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			c.UserID, c.Name, c.Type, c.Value, c.Secret, ms(now))
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "you already have a contact method named %q", c.Name)
		}
		if err != nil {
			return fmt.Errorf("create contact method: %w", err)
		}
		c.ID, c.CreatedAt = id, fromMS(ms(now))
		return nil
	})
}

// ContactMethod returns one of a person's contact methods.
func (db *DB) ContactMethod(ctx context.Context, userID, id int64) (*tocsin.ContactMethod, error) {
	c, err := scanContact(db.read.QueryRowContext(ctx, `SELECT `+contactColumns+` FROM contact_methods WHERE id = $1 AND user_id = $2`, id, userID))
	return c, notFound(err, "contact method %d not found", id)
}

// ContactMethods lists a person's contact methods by name.
func (db *DB) ContactMethods(ctx context.Context, userID int64) ([]*tocsin.ContactMethod, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+contactColumns+` FROM contact_methods WHERE user_id = $1 ORDER BY name`, userID)
	if err != nil {
		return nil, fmt.Errorf("list contact methods: %w", err)
	}
	defer rows.Close()
	var out []*tocsin.ContactMethod
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteContactMethod removes a contact method and the rules that use it.
func (db *DB) DeleteContactMethod(ctx context.Context, userID, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM contact_methods WHERE id = $1 AND user_id = $2`, id, userID)
		if err != nil {
			return fmt.Errorf("delete contact method: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "contact method %d not found", id)
		}
		return nil
	})
}

// MarkContactVerified marks a method verified without a code: for
// administrators' `tocsin apply` of addresses they vouch for (the e-mail a
// person logs in with, numbers from the HR system).
func (db *DB) MarkContactVerified(ctx context.Context, userID, id int64, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE contact_methods SET verified_at = $1, verify_code_hash = '' WHERE id = $2 AND user_id = $3 AND verified_at = 0`, ms(now), id, userID)
		return err
	})
}

// StartVerification makes a new six-digit code for a method and queues the
// message carrying it (text gets the code), replacing any earlier code.
func (db *DB) StartVerification(ctx context.Context, userID, id int64, text func(code string) string, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c, err := scanContact(tx.queryRow(ctx, `SELECT `+contactColumns+` FROM contact_methods WHERE id = $1 AND user_id = $2`, id, userID))
		if err != nil {
			return notFound(err, "contact method %d not found", id)
		}
		n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
		code := fmt.Sprintf("%06d", n.Int64())
		// One code per method every 30 seconds: each may be a paid SMS or call,
		// and a double click must not replace the code just sent.
		slot := now.UnixMilli() / testInterval.Milliseconds()
		queued, err := tx.enqueue(ctx, &tocsin.Notification{Key: fmt.Sprintf("verify/%d/%d", id, slot), Kind: tocsin.NotifyVerify,
			UserID: userID, ContactMethodID: id, Type: c.Type, Destination: c.Value, Text: text(code), NextAttemptAt: now}, now)
		if err != nil {
			return err
		}
		if !queued {
			return tocsin.Errorf(tocsin.ECONFLICT, "a code was sent to %s less than 30 seconds ago", c.Name)
		}
		_, err = tx.exec(ctx, `UPDATE contact_methods SET verify_code_hash = $1, verify_expires_at = $2, verify_attempts = 0 WHERE id = $3`,
			hashSecret(fmt.Sprint(id, ":", code)), ms(now.Add(VerifyCodeLifetime)), id)
		return err
	})
}

// Verify checks a code typed by the person; a right one verifies the method.
func (db *DB) Verify(ctx context.Context, userID, id int64, code string, now time.Time) error {
	var verifyErr error
	err := db.InTx(ctx, func(tx *Tx) error {
		var hash string
		var expires int64
		var attempts int
		err := tx.queryRow(ctx, `SELECT verify_code_hash, verify_expires_at, verify_attempts FROM contact_methods WHERE id = $1 AND user_id = $2`, id, userID).Scan(&hash, &expires, &attempts)
		if err != nil {
			return notFound(err, "contact method %d not found", id)
		}
		switch {
		case hash == "" || expires < ms(now):
			verifyErr = tocsin.Errorf(tocsin.EINVALID, "no code is waiting for this method, or it expired: send a new one")
			return nil
		case attempts >= verifyMaxAttempts:
			verifyErr = tocsin.Errorf(tocsin.EINVALID, "too many wrong codes: send a new one")
			return nil
		}
		if subtle.ConstantTimeCompare([]byte(hashSecret(fmt.Sprint(id, ":", code))), []byte(hash)) != 1 {
			// Counted in a committed transaction: a wrong guess must stay counted.
			_, err := tx.exec(ctx, `UPDATE contact_methods SET verify_attempts = verify_attempts + 1 WHERE id = $1`, id)
			verifyErr = tocsin.Errorf(tocsin.EINVALID, "this code is not the one sent")
			return err
		}
		_, err = tx.exec(ctx, `UPDATE contact_methods SET verified_at = $1, verify_code_hash = '', verify_expires_at = 0 WHERE id = $2`, ms(now), id)
		return err
	})
	if err != nil {
		return err
	}
	return verifyErr
}

// SendTest queues a test message to a verified method, at most one every 30 seconds.
func (db *DB) SendTest(ctx context.Context, userID, id int64, text string, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		c, err := scanContact(tx.queryRow(ctx, `SELECT `+contactColumns+` FROM contact_methods WHERE id = $1 AND user_id = $2`, id, userID))
		if err != nil {
			return notFound(err, "contact method %d not found", id)
		}
		if !c.Verified() {
			return tocsin.Errorf(tocsin.EINVALID, "verify %s first: a test goes only to a verified method", c.Name)
		}
		slot := now.UnixMilli() / testInterval.Milliseconds()
		ok, err := tx.enqueue(ctx, &tocsin.Notification{Key: fmt.Sprintf("test/%d/%d", id, slot), Kind: tocsin.NotifyTest,
			UserID: userID, ContactMethodID: id, Type: c.Type, Destination: c.Value, Text: text, NextAttemptAt: now}, now)
		if err == nil && !ok {
			return tocsin.Errorf(tocsin.ECONFLICT, "a test was sent to %s less than 30 seconds ago", c.Name)
		}
		return err
	})
}

// NotificationRules lists a person's rules, by urgency then delay.
func (db *DB) NotificationRules(ctx context.Context, userID int64) ([]tocsin.NotificationRule, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT r.id, r.user_id, r.contact_method_id, c.name, r.urgency, r.delay FROM notification_rules r JOIN contact_methods c ON c.id = r.contact_method_id
		WHERE r.user_id = $1 ORDER BY r.urgency, r.delay, c.name`, userID)
	if err != nil {
		return nil, fmt.Errorf("list notification rules: %w", err)
	}
	defer rows.Close()
	var out []tocsin.NotificationRule
	for rows.Next() {
		var r tocsin.NotificationRule
		var delay int64
		if err := rows.Scan(&r.ID, &r.UserID, &r.ContactMethodID, &r.ContactName, &r.Urgency, &delay); err != nil {
			return nil, err
		}
		r.Delay = time.Duration(delay) * time.Millisecond
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddNotificationRule adds one rule for one of the person's methods.
func (db *DB) AddNotificationRule(ctx context.Context, r *tocsin.NotificationRule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		return tx.addRule(ctx, r)
	})
}

func (tx *Tx) addRule(ctx context.Context, r *tocsin.NotificationRule) error {
	var owner int64
	if err := tx.queryRow(ctx, `SELECT user_id FROM contact_methods WHERE id = $1`, r.ContactMethodID).Scan(&owner); err != nil || owner != r.UserID {
		return tocsin.Errorf(tocsin.EINVALID, "contact method %d is not one of yours", r.ContactMethodID)
	}
	id, err := tx.insertID(ctx, `INSERT INTO notification_rules (user_id, contact_method_id, urgency, delay) VALUES ($1, $2, $3, $4)`,
		r.UserID, r.ContactMethodID, r.Urgency, r.Delay.Milliseconds())
	if isUniqueViolation(err) {
		return tocsin.Errorf(tocsin.ECONFLICT, "this rule exists already")
	}
	if err != nil {
		return fmt.Errorf("add notification rule: %w", err)
	}
	r.ID = id
	return nil
}

// SetNotificationRules replaces all of a person's rules (tocsin apply).
func (db *DB) SetNotificationRules(ctx context.Context, userID int64, rules []tocsin.NotificationRule) error {
	for i := range rules {
		rules[i].UserID = userID
		if err := rules[i].Validate(); err != nil {
			return err
		}
	}
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM notification_rules WHERE user_id = $1`, userID); err != nil {
			return err
		}
		for i := range rules {
			if err := tx.addRule(ctx, &rules[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteNotificationRule removes one of a person's rules.
func (db *DB) DeleteNotificationRule(ctx context.Context, userID, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM notification_rules WHERE id = $1 AND user_id = $2`, id, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "notification rule %d not found", id)
		}
		return nil
	})
}

// PagingRule is a rule ready for the engine: the verified method it sends to.
type PagingRule struct {
	RuleID  int64
	Urgency tocsin.Urgency
	Delay   time.Duration
	Contact tocsin.ContactMethod
}

// PagingRules returns, for each person, their rules whose method is verified,
// by delay. A person with none is absent.
func (db *DB) PagingRules(ctx context.Context, userIDs []int64) (map[int64][]PagingRule, error) {
	out := map[int64][]PagingRule{}
	for _, uid := range userIDs {
		rows, err := db.read.QueryContext(ctx, `SELECT r.id, r.urgency, r.delay, c.id, c.user_id, c.name, c.type, c.value, c.secret, c.verified_at, c.created_at
			FROM notification_rules r JOIN contact_methods c ON c.id = r.contact_method_id
			WHERE r.user_id = $1 AND c.verified_at > 0 ORDER BY r.delay, r.id`, uid)
		if err != nil {
			return nil, fmt.Errorf("paging rules: %w", err)
		}
		for rows.Next() {
			var p PagingRule
			var delay, verified, created int64
			c := &p.Contact
			if err := rows.Scan(&p.RuleID, &p.Urgency, &delay, &c.ID, &c.UserID, &c.Name, &c.Type, &c.Value, &c.Secret, &verified, &created); err != nil {
				rows.Close()
				return nil, err
			}
			p.Delay = time.Duration(delay) * time.Millisecond
			c.VerifiedAt, c.CreatedAt = fromMS(verified), fromMS(created)
			out[uid] = append(out[uid], p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
