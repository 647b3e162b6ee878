package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tocsin/tocsin"
)

const serviceColumns = `s.id, s.name, s.description, COALESCE(s.team_id, 0), COALESCE(t.name, ''), s.created_at`
const serviceFrom = ` FROM services s LEFT JOIN teams t ON t.id = s.team_id`

func scanService(row interface{ Scan(...any) error }) (*tocsin.Service, error) {
	var s tocsin.Service
	var created int64
	if err := row.Scan(&s.ID, &s.Name, &s.Description, &s.TeamID, &s.TeamName, &created); err != nil {
		return nil, err
	}
	s.CreatedAt = fromMS(created)
	return &s, nil
}

// CreateService stores a new service.
func (db *DB) CreateService(ctx context.Context, s *tocsin.Service, now time.Time) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		id, err := tx.insertID(ctx, `INSERT INTO services (name, description, team_id, created_at) VALUES ($1, $2, $3, $4)`, s.Name, s.Description, nullID(s.TeamID), ms(now))
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "service %q exists already", s.Name)
		}
		if err != nil {
			return fmt.Errorf("create service: %w", err)
		}
		s.ID, s.CreatedAt = id, now.UTC().Truncate(time.Millisecond)
		return nil
	})
}

// UpdateService changes a service's name, description and owner team.
func (db *DB) UpdateService(ctx context.Context, s *tocsin.Service) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE services SET name = $1, description = $2, team_id = $3 WHERE id = $4`, s.Name, s.Description, nullID(s.TeamID), s.ID)
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "service %q exists already", s.Name)
		}
		if err != nil {
			return fmt.Errorf("update service: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "service %d not found", s.ID)
		}
		return nil
	})
}

// DeleteService removes a service with its integrations and their rules. Its
// alerts stay, for history (unrouted); those still open are resolved.
func (db *DB) DeleteService(ctx context.Context, id int64, now time.Time) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.resolveAlertsOf(ctx, `integration_id IN (SELECT id FROM integrations WHERE service_id = $2)`, id, "its service was deleted", now); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `DELETE FROM services WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete service: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "service %d not found", id)
		}
		return tx.bumpAll(ctx, CounterIntegrations, CounterRules, CounterAlerts)
	})
}

// Service returns a service by id.
func (db *DB) Service(ctx context.Context, id int64) (*tocsin.Service, error) {
	s, err := scanService(db.read.QueryRowContext(ctx, `SELECT `+serviceColumns+serviceFrom+` WHERE s.id = $1`, id))
	return s, notFound(err, "service %d not found", id)
}

// ServiceByName returns a service by name.
func (db *DB) ServiceByName(ctx context.Context, name string) (*tocsin.Service, error) {
	s, err := scanService(db.read.QueryRowContext(ctx, `SELECT `+serviceColumns+serviceFrom+` WHERE s.name = $1`, name))
	return s, notFound(err, "service %q not found", name)
}

// Services lists services by name; teamID 0 lists all.
func (db *DB) Services(ctx context.Context, teamID int64) ([]*tocsin.Service, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+serviceColumns+serviceFrom+` WHERE ($1 = 0 OR s.team_id = $1) ORDER BY s.name`, teamID)
	if err != nil {
		return nil, fmt.Errorf("list services: %w", err)
	}
	defer rows.Close()
	var services []*tocsin.Service
	for rows.Next() {
		s, err := scanService(rows)
		if err != nil {
			return nil, err
		}
		services = append(services, s)
	}
	return services, rows.Err()
}

func (tx *Tx) serviceIDByName(ctx context.Context, name string) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `SELECT id FROM services WHERE name = $1`, name).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return id, err
}
