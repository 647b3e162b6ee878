package store

import (
	"context"
	"fmt"
	"time"

	"github.com/tocsin/tocsin"
)

const integrationColumns = `i.id, i.name, i.type, COALESCE(i.service_id, 0), COALESCE(s.name, ''), i.key_prefix, i.hmac_secret, i.created_at, i.rotated_at, i.revoked_at`
const integrationFrom = ` FROM integrations i LEFT JOIN services s ON s.id = i.service_id`

func scanIntegration(row interface{ Scan(...any) error }) (*tocsin.Integration, error) {
	var i tocsin.Integration
	var created, rotated, revoked int64
	if err := row.Scan(&i.ID, &i.Name, &i.Type, &i.ServiceID, &i.ServiceName, &i.KeyPrefix, &i.HMACSecret, &created, &rotated, &revoked); err != nil {
		return nil, err
	}
	i.CreatedAt, i.RotatedAt, i.RevokedAt = fromMS(created), fromMS(rotated), fromMS(revoked)
	return &i, nil
}

// NewIntegrationKey returns a fresh key: 32 lowercase hex characters, the length
// PagerDuty clients check for a routing_key.
func NewIntegrationKey() string { return newSecret(16) }

// CreateIntegration stores an integration. key is the secret to accept (from
// key_from_env); empty generates one. The key is returned and never shown again.
func (db *DB) CreateIntegration(ctx context.Context, i *tocsin.Integration, key string, now time.Time) (string, error) {
	if err := i.Validate(); err != nil {
		return "", err
	}
	if key == "" {
		key = NewIntegrationKey()
	}
	if len(key) < 16 || len(key) > 256 {
		return "", tocsin.Errorf(tocsin.EINVALID, "an integration key must be 16 to 256 characters")
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		id, err := tx.insertID(ctx, `INSERT INTO integrations (name, type, service_id, key_hash, key_prefix, hmac_secret, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			i.Name, i.Type, nullID(i.ServiceID), hashSecret(key), key[:6], i.HMACSecret, ms(now))
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "an integration named %q exists already there, or that key is in use", i.Name)
		}
		if err != nil {
			return fmt.Errorf("create integration: %w", err)
		}
		i.ID, i.KeyPrefix, i.CreatedAt = id, key[:6], now.UTC().Truncate(time.Millisecond)
		return tx.bump(ctx, CounterIntegrations)
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// UpdateIntegration changes an integration's name and HMAC secret (its type and
// service are fixed: senders are configured for them).
func (db *DB) UpdateIntegration(ctx context.Context, i *tocsin.Integration) error {
	if err := i.Validate(); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE integrations SET name = $1, hmac_secret = $2 WHERE id = $3`, i.Name, i.HMACSecret, i.ID)
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "an integration named %q exists already there", i.Name)
		}
		if err != nil {
			return fmt.Errorf("update integration: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "integration %d not found", i.ID)
		}
		return tx.bump(ctx, CounterIntegrations)
	})
}

// RotateIntegrationKey replaces an integration's key (and un-revokes it); the old
// key stops working at once. key empty generates one.
func (db *DB) RotateIntegrationKey(ctx context.Context, id int64, key string, now time.Time) (string, error) {
	if key == "" {
		key = NewIntegrationKey()
	}
	if len(key) < 16 || len(key) > 256 {
		return "", tocsin.Errorf(tocsin.EINVALID, "an integration key must be 16 to 256 characters")
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE integrations SET key_hash = $1, key_prefix = $2, rotated_at = $3, revoked_at = 0 WHERE id = $4`, hashSecret(key), key[:6], ms(now), id)
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "that key is in use by another integration")
		}
		if err != nil {
			return fmt.Errorf("rotate key: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "integration %d not found", id)
		}
		return tx.bump(ctx, CounterIntegrations)
	})
	if err != nil {
		return "", err
	}
	return key, nil
}

// RevokeIntegration stops an integration's key from working; its alerts stay.
func (db *DB) RevokeIntegration(ctx context.Context, id int64, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE integrations SET revoked_at = $1 WHERE id = $2 AND revoked_at = 0`, ms(now), id)
		if err != nil {
			return fmt.Errorf("revoke integration: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "integration %d not found or already revoked", id)
		}
		return tx.bump(ctx, CounterIntegrations)
	})
}

// DeleteIntegration removes an integration and its rules. Its alerts stay, for
// history; those still open are resolved, since nothing can resolve them now.
func (db *DB) DeleteIntegration(ctx context.Context, id int64, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.resolveAlertsOf(ctx, `integration_id = $2`, id, "its integration was deleted", now); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `DELETE FROM integrations WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete integration: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "integration %d not found", id)
		}
		return tx.bumpAll(ctx, CounterIntegrations, CounterRules, CounterAlerts)
	})
}

// resolveAlertsOf resolves the open alerts a condition on alerts selects ($2 is
// arg), with a timeline line saying why.
func (tx *Tx) resolveAlertsOf(ctx context.Context, where string, arg any, why string, now time.Time) error {
	if _, err := tx.exec(ctx, `INSERT INTO alert_timeline (alert_id, at, kind, actor, channel, message)
		SELECT id, $1, 'resolved', 'Tocsin', '', '`+why+`' FROM alerts WHERE status <> 'resolved' AND `+where, ms(now), arg); err != nil {
		return fmt.Errorf("resolve alerts: %w", err)
	}
	if _, err := tx.exec(ctx, `UPDATE alerts SET status = 'resolved', resolved_at = $1, resolved_by = 'Tocsin', resolve_channel = '', updated_at = $1, esc_next_at = 0
		WHERE status <> 'resolved' AND `+where, ms(now), arg); err != nil {
		return fmt.Errorf("resolve alerts: %w", err)
	}
	return nil
}

// Integration returns an integration by id.
func (db *DB) Integration(ctx context.Context, id int64) (*tocsin.Integration, error) {
	i, err := scanIntegration(db.read.QueryRowContext(ctx, `SELECT `+integrationColumns+integrationFrom+` WHERE i.id = $1`, id))
	return i, notFound(err, "integration %d not found", id)
}

// IntegrationByKey returns the live integration a key belongs to; unknown and
// revoked keys are EUNAUTHORIZED.
func (db *DB) IntegrationByKey(ctx context.Context, key string) (*tocsin.Integration, error) {
	i, err := scanIntegration(db.read.QueryRowContext(ctx, `SELECT `+integrationColumns+integrationFrom+` WHERE i.key_hash = $1 AND i.revoked_at = 0`, hashSecret(key)))
	if err != nil {
		if e := notFound(err, ""); e != err {
			return nil, tocsin.Errorf(tocsin.EUNAUTHORIZED, "integration key unknown or revoked")
		}
		return nil, err
	}
	return i, nil
}

// Integrations lists integrations; serviceID 0 lists all (global ones included).
func (db *DB) Integrations(ctx context.Context, serviceID int64) ([]*tocsin.Integration, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+integrationColumns+integrationFrom+` WHERE ($1 = 0 OR i.service_id = $1) ORDER BY COALESCE(s.name, ''), i.name`, serviceID)
	if err != nil {
		return nil, fmt.Errorf("list integrations: %w", err)
	}
	defer rows.Close()
	var list []*tocsin.Integration
	for rows.Next() {
		i, err := scanIntegration(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, i)
	}
	return list, rows.Err()
}
