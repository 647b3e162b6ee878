package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tocsin/tocsin"
)

const userColumns = `id, email, name, role, timezone, locale, phone, working_hours, created_at, notify_prefs`

func scanUser(row interface{ Scan(...any) error }) (*tocsin.User, error) {
	var u tocsin.User
	var created int64
	var hours, prefs string
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Timezone, &u.Locale, &u.Phone, &hours, &created, &prefs); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(prefs), &u.Notify); err != nil {
		return nil, fmt.Errorf("user %d notification preferences: %w", u.ID, err)
	}
	u.CreatedAt = fromMS(created)
	if hours != "" {
		u.WorkingHours = new(tocsin.TimeWindow)
		if err := json.Unmarshal([]byte(hours), u.WorkingHours); err != nil {
			return nil, fmt.Errorf("user %d working hours: %w", u.ID, err)
		}
	}
	return &u, nil
}

// encodeHours stores working hours as JSON; nil (the default) as ”.
func encodeHours(w *tocsin.TimeWindow) string {
	if w == nil {
		return ""
	}
	b, _ := json.Marshal(w)
	return string(b)
}

// CreateUser stores a new user with a password (which may be empty: no login until set).
func (db *DB) CreateUser(ctx context.Context, u *tocsin.User, password string, now time.Time) error {
	if err := u.Validate(); err != nil {
		return err
	}
	hash := ""
	if password != "" {
		if err := tocsin.ValidatePassword(password); err != nil {
			return err
		}
		hash = hashPassword(password)
	}
	return db.InTx(ctx, func(tx *Tx) error {
		id, err := tx.insertID(ctx, `INSERT INTO users (email, name, password_hash, role, timezone, locale, phone, working_hours, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			u.Email, u.Name, hash, u.Role, u.Timezone, u.Locale, u.Phone, encodeHours(u.WorkingHours), ms(now))
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "a user with e-mail %s exists already", u.Email)
		}
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		u.ID, u.CreatedAt = id, now.UTC().Truncate(time.Millisecond)
		return nil
	})
}

// UpdateUser changes a user's name, role, time zone, locale, phone and
// working hours and,
// when password is not empty, their password. Demoting the last admin is refused.
func (db *DB) UpdateUser(ctx context.Context, u *tocsin.User, password string) error {
	if err := u.Validate(); err != nil {
		return err
	}
	if password != "" {
		if err := tocsin.ValidatePassword(password); err != nil {
			return err
		}
	}
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE users SET name = $1, role = $2, timezone = $3, locale = $4, phone = $5, working_hours = $6 WHERE id = $7`,
			u.Name, u.Role, u.Timezone, u.Locale, u.Phone, encodeHours(u.WorkingHours), u.ID)
		if err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "user %d not found", u.ID)
		}
		if password != "" {
			if _, err := tx.exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hashPassword(password), u.ID); err != nil {
				return fmt.Errorf("set password: %w", err)
			}
			if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
		}
		return tx.keepAnAdmin(ctx)
	})
}

// SetPassword replaces a user's password and ends all their sessions: whoever
// knew the old one is signed out everywhere.
func (db *DB) SetPassword(ctx context.Context, userID int64, password string) error {
	if err := tocsin.ValidatePassword(password); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hashPassword(password), userID)
		if err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "user %d not found", userID)
		}
		_, err = tx.exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		return err
	})
}

// User returns a user by id.
func (db *DB) User(ctx context.Context, id int64) (*tocsin.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	return u, notFound(err, "user %d not found", id)
}

// UserByEmail returns a user by e-mail address.
func (db *DB) UserByEmail(ctx context.Context, email string) (*tocsin.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = LOWER($1)`, email))
	return u, notFound(err, "no user with e-mail %s", email)
}

// Users lists every user by name.
func (db *DB) Users(ctx context.Context) ([]*tocsin.User, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var users []*tocsin.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// CountUsers tells whether the install is new (no user yet).
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// DeleteUser removes a user with their sessions, tokens, overrides and time
// off, unless they are the last admin or a schedule's layers name them (they
// must be taken out of its rotations first, so that no shift silently moves).
func (db *DB) DeleteUser(ctx context.Context, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		schedules, err := tx.scheduleNamesOf(ctx, id)
		if err != nil {
			return err
		}
		if len(schedules) > 0 {
			return tocsin.Errorf(tocsin.ECONFLICT, "user %d is on schedule %s: take them out of its layers first", id, strings.Join(schedules, ", "))
		}
		res, err := tx.exec(ctx, `DELETE FROM users WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete user: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "user %d not found", id)
		}
		return tx.keepAnAdmin(ctx)
	})
}

// keepAnAdmin fails the transaction when it would leave no admin to configure Tocsin.
func (tx *Tx) keepAnAdmin(ctx context.Context) error {
	var admins int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE role = 'admin'`).Scan(&admins); err != nil {
		return fmt.Errorf("count admins: %w", err)
	}
	if admins == 0 {
		return tocsin.Errorf(tocsin.ECONFLICT, "this would leave no admin; make another user admin first")
	}
	return nil
}

// Authenticate checks an e-mail and password and returns the user.
func (db *DB) Authenticate(ctx context.Context, email, password string) (*tocsin.User, error) {
	var hash string
	var id int64
	err := db.read.QueryRowContext(ctx, `SELECT id, password_hash FROM users WHERE email = LOWER($1)`, email).Scan(&id, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if err != nil || hash == "" {
		checkPassword(timingHash, password) // same work for unknown addresses: no enumeration by timing
		return nil, errBadLogin()
	}
	if !checkPassword(hash, password) {
		return nil, errBadLogin()
	}
	return db.User(ctx, id)
}

// CreateSession starts a browser session and returns its token (kept only in the cookie).
func (db *DB) CreateSession(ctx context.Context, userID int64, now time.Time) (string, error) {
	token := newSecret(32)
	err := db.InTx(ctx, func(tx *Tx) error {
		// Expired sessions are swept here, where they are cheap to find.
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE expires_at < $1`, ms(now)); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			hashSecret(token), userID, ms(now), ms(now.Add(tocsin.SessionLifetime)))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return token, nil
}

// SessionUser returns the user of a live session token. A session lasts
// SessionLifetime after its last use: using it pushes the end back (at most
// once a day, so that reads do not all become writes).
func (db *DB) SessionUser(ctx context.Context, token string, now time.Time) (*tocsin.User, error) {
	var userID, expires int64
	hash := hashSecret(token)
	err := db.read.QueryRowContext(ctx, `SELECT user_id, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2`, hash, ms(now)).Scan(&userID, &expires)
	if err != nil {
		return nil, notFound(err, "session expired")
	}
	if renewed := now.Add(tocsin.SessionLifetime); renewed.Sub(fromMS(expires)) >= 24*time.Hour {
		err := db.InTx(ctx, func(tx *Tx) error {
			_, err := tx.exec(ctx, `UPDATE sessions SET expires_at = $1 WHERE token_hash = $2`, ms(renewed), hash)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("renew session: %w", err)
		}
	}
	return db.User(ctx, userID)
}

// DeleteSession logs a browser out.
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, hashSecret(token))
		return err
	})
}

// CreateAPIToken makes a bearer token for a user and returns it; it is never shown again.
func (db *DB) CreateAPIToken(ctx context.Context, userID int64, name string, now time.Time) (*tocsin.APIToken, string, error) {
	name = strings.TrimSpace(tocsin.CleanText(name))
	if name == "" {
		name = "token"
	}
	if len(name) > 100 {
		return nil, "", tocsin.Errorf(tocsin.EINVALID, "token name is longer than 100 characters")
	}
	token := "tcs_" + newSecret(24)
	t := &tocsin.APIToken{UserID: userID, Name: name, Prefix: token[:10], CreatedAt: now.UTC().Truncate(time.Millisecond)}
	err := db.InTx(ctx, func(tx *Tx) error {
		id, err := tx.insertID(ctx, `INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
			userID, name, t.Prefix, hashSecret(token), ms(now))
		t.ID = id
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("create token: %w", err)
	}
	return t, token, nil
}

// APITokenUser returns the user a live bearer token belongs to, and notes when
// the token was used (at most once a minute, so reads do not all become writes).
func (db *DB) APITokenUser(ctx context.Context, token string, now time.Time) (*tocsin.User, error) {
	var id, userID, lastUsed int64
	err := db.read.QueryRowContext(ctx, `SELECT id, user_id, last_used_at FROM api_tokens WHERE token_hash = $1 AND revoked_at = 0`, hashSecret(token)).Scan(&id, &userID, &lastUsed)
	if err != nil {
		return nil, notFound(err, "token unknown or revoked")
	}
	if now.Sub(fromMS(lastUsed)) >= time.Minute {
		err := db.InTx(ctx, func(tx *Tx) error {
			_, err := tx.exec(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, ms(now), id)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("note token use: %w", err)
		}
	}
	return db.User(ctx, userID)
}

// APITokens lists a user's tokens (0: everyone's), newest first.
func (db *DB) APITokens(ctx context.Context, userID int64) ([]*tocsin.APIToken, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens WHERE ($1 = 0 OR user_id = $1) ORDER BY id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var tokens []*tocsin.APIToken
	for rows.Next() {
		var t tocsin.APIToken
		var created, used, revoked int64
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &created, &used, &revoked); err != nil {
			return nil, err
		}
		t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMS(created), fromMS(used), fromMS(revoked)
		tokens = append(tokens, &t)
	}
	return tokens, rows.Err()
}

// RevokeAPIToken stops a token from working. userID 0 lets an admin revoke anyone's.
func (db *DB) RevokeAPIToken(ctx context.Context, userID, tokenID int64, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND ($3 = 0 OR user_id = $3) AND revoked_at = 0`, ms(now), tokenID, userID)
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "token %d not found or already revoked", tokenID)
		}
		return nil
	})
}

// SetNotifyPreferences stores a person's status-update and shift-reminder choices.
func (db *DB) SetNotifyPreferences(ctx context.Context, userID int64, p tocsin.NotifyPreferences) error {
	if err := p.Validate(); err != nil {
		return err
	}
	b, _ := json.Marshal(p)
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE users SET notify_prefs = $1 WHERE id = $2`, string(b), userID)
		if err != nil {
			return fmt.Errorf("set notification preferences: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "user %d not found", userID)
		}
		return nil
	})
}
