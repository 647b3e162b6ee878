package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Setting returns a server-wide value, making it with make and storing it the
// first time. Processes racing on one database all end up with the same value.
func (db *DB) Setting(ctx context.Context, name string, make func() (string, error)) (string, error) {
	var v string
	err := db.read.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("read setting %s: %w", name, err)
	}
	if v, err = make(); err != nil {
		return "", err
	}
	err = db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, name, v)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store setting %s: %w", name, err)
	}
	err = db.read.QueryRowContext(ctx, `SELECT value FROM settings WHERE name = $1`, name).Scan(&v)
	return v, err
}

// NewSecretHex returns n random bytes as hex, for generated settings.
func NewSecretHex(n int) (string, error) { return newSecret(n), nil }
