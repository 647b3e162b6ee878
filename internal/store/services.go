package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tocsin/tocsin"
)

const serviceColumns = `s.id, s.name, s.description, COALESCE(s.team_id, 0), COALESCE(t.name, ''), s.created_at,
	COALESCE(s.escalation_policy_id, 0), COALESCE(p.name, ''), COALESCE(s.off_hours_policy_id, 0), COALESCE(o.name, ''), s.business_hours, s.maintenance`
const serviceFrom = ` FROM services s LEFT JOIN teams t ON t.id = s.team_id
	LEFT JOIN escalation_policies p ON p.id = s.escalation_policy_id LEFT JOIN escalation_policies o ON o.id = s.off_hours_policy_id`

func scanService(row interface{ Scan(...any) error }) (*tocsin.Service, error) {
	var s tocsin.Service
	var created int64
	var hours, maintenance string
	if err := row.Scan(&s.ID, &s.Name, &s.Description, &s.TeamID, &s.TeamName, &created,
		&s.EscalationPolicyID, &s.EscalationPolicy, &s.OffHoursPolicyID, &s.OffHoursPolicy, &hours, &maintenance); err != nil {
		return nil, err
	}
	s.CreatedAt = fromMS(created)
	if hours != "" {
		s.BusinessHours = new(tocsin.TimeWindow)
		if err := json.Unmarshal([]byte(hours), s.BusinessHours); err != nil {
			return nil, fmt.Errorf("service %d business hours: %w", s.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(maintenance), &s.Maintenance); err != nil {
		return nil, fmt.Errorf("service %d maintenance: %w", s.ID, err)
	}
	return &s, nil
}

// serviceOptions are the paging columns of a service, as stored.
func serviceOptions(s *tocsin.Service) (hours, maintenance string) {
	m := s.Maintenance
	if m == nil {
		m = []tocsin.MaintenanceWindow{}
	}
	b, _ := json.Marshal(m)
	return encodeHours(s.BusinessHours), string(b)
}

// resolvePolicies fills the policy ids of a service from their names when
// only names are given (apply, forms), and checks they exist.
func (tx *Tx) resolvePolicies(ctx context.Context, s *tocsin.Service) error {
	for _, ref := range []struct {
		id   *int64
		name string
	}{{&s.EscalationPolicyID, s.EscalationPolicy}, {&s.OffHoursPolicyID, s.OffHoursPolicy}} {
		if *ref.id != 0 || ref.name == "" {
			continue
		}
		if err := tx.queryRow(ctx, `SELECT id FROM escalation_policies WHERE name = $1`, ref.name).Scan(ref.id); err != nil {
			return notFound(err, "escalation policy %q not found", ref.name)
		}
	}
	if s.OffHoursPolicyID != 0 && s.EscalationPolicyID == 0 {
		return tocsin.Errorf(tocsin.EINVALID, "an off-hours policy needs a business-hours escalation policy too")
	}
	return nil
}

// CreateService stores a new service.
func (db *DB) CreateService(ctx context.Context, s *tocsin.Service, now time.Time) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.resolvePolicies(ctx, s); err != nil {
			return err
		}
		hours, maintenance := serviceOptions(s)
		id, err := tx.insertID(ctx, `INSERT INTO services (name, description, team_id, created_at, escalation_policy_id, off_hours_policy_id, business_hours, maintenance) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			s.Name, s.Description, nullID(s.TeamID), ms(now), nullID(s.EscalationPolicyID), nullID(s.OffHoursPolicyID), hours, maintenance)
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

// UpdateService changes a service's name, description, owner team, policies and maintenance windows.
func (db *DB) UpdateService(ctx context.Context, s *tocsin.Service) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.resolvePolicies(ctx, s); err != nil {
			return err
		}
		hours, maintenance := serviceOptions(s)
		res, err := tx.exec(ctx, `UPDATE services SET name = $1, description = $2, team_id = $3, escalation_policy_id = $4, off_hours_policy_id = $5, business_hours = $6, maintenance = $7 WHERE id = $8`,
			s.Name, s.Description, nullID(s.TeamID), nullID(s.EscalationPolicyID), nullID(s.OffHoursPolicyID), hours, maintenance, s.ID)
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
