package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tocsin/tocsin"
)

// storedStep is a policy step as kept in escalation_policies.steps.
type storedStep struct {
	DelayMinutes int64           `json:"delay_minutes"`
	Targets      []tocsin.Target `json:"targets"`
}

const policyColumns = `p.id, p.name, p.description, COALESCE(p.team_id, 0), COALESCE(t.name, ''), p.steps, p.repeat, p.repeat_delay, p.created_at, p.updated_at`
const policyFrom = ` FROM escalation_policies p LEFT JOIN teams t ON t.id = p.team_id`

func scanPolicy(row interface{ Scan(...any) error }) (*tocsin.EscalationPolicy, error) {
	var p tocsin.EscalationPolicy
	var steps string
	var repeatDelay, created, updated int64
	if err := row.Scan(&p.ID, &p.Name, &p.Description, &p.TeamID, &p.TeamName, &steps, &p.Repeat, &repeatDelay, &created, &updated); err != nil {
		return nil, err
	}
	var stored []storedStep
	if err := json.Unmarshal([]byte(steps), &stored); err != nil {
		return nil, fmt.Errorf("escalation policy %d steps: %w", p.ID, err)
	}
	for _, s := range stored {
		p.Steps = append(p.Steps, tocsin.EscalationStep{Delay: time.Duration(s.DelayMinutes) * time.Minute, Targets: s.Targets})
	}
	p.RepeatDelay = time.Duration(repeatDelay) * time.Millisecond
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return &p, nil
}

func encodeSteps(steps []tocsin.EscalationStep) string {
	stored := make([]storedStep, len(steps))
	for i, s := range steps {
		stored[i] = storedStep{DelayMinutes: int64(s.Delay / time.Minute), Targets: s.Targets}
	}
	b, _ := json.Marshal(stored)
	return string(b)
}

// checkTargets makes sure every user, schedule and team a policy names exists,
// so that a typo is refused when the policy is saved, not found at 03:12.
func (tx *Tx) checkTargets(ctx context.Context, p *tocsin.EscalationPolicy) error {
	queries := map[tocsin.TargetKind]string{
		tocsin.TargetUser:     `SELECT COUNT(*) FROM users WHERE email = $1`,
		tocsin.TargetSchedule: `SELECT COUNT(*) FROM schedules WHERE name = $1`,
		tocsin.TargetTeam:     `SELECT COUNT(*) FROM teams WHERE name = $1`,
	}
	for i, s := range p.Steps {
		for _, t := range s.Targets {
			q, ok := queries[t.Kind]
			if !ok {
				continue
			}
			var n int
			if err := tx.queryRow(ctx, q, t.Ref).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return tocsin.Errorf(tocsin.EINVALID, "step %d: %s %q does not exist", i+1, t.Kind, t.Ref)
			}
		}
	}
	return nil
}

// CreateEscalationPolicy stores a new policy.
func (db *DB) CreateEscalationPolicy(ctx context.Context, p *tocsin.EscalationPolicy, now time.Time) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.checkTargets(ctx, p); err != nil {
			return err
		}
		id, err := tx.insertID(ctx, `INSERT INTO escalation_policies (name, description, team_id, steps, repeat, repeat_delay, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
			p.Name, p.Description, nullID(p.TeamID), encodeSteps(p.Steps), p.Repeat, p.RepeatDelay.Milliseconds(), ms(now))
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "escalation policy %q exists already", p.Name)
		}
		if err != nil {
			return fmt.Errorf("create escalation policy: %w", err)
		}
		p.ID = id
		p.CreatedAt, p.UpdatedAt = fromMS(ms(now)), fromMS(ms(now))
		return nil
	})
}

// UpdateEscalationPolicy replaces a policy. Alerts already escalating follow the
// new steps from their next one.
func (db *DB) UpdateEscalationPolicy(ctx context.Context, p *tocsin.EscalationPolicy, now time.Time) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.checkTargets(ctx, p); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE escalation_policies SET name = $1, description = $2, team_id = $3, steps = $4, repeat = $5, repeat_delay = $6, updated_at = $7 WHERE id = $8`,
			p.Name, p.Description, nullID(p.TeamID), encodeSteps(p.Steps), p.Repeat, p.RepeatDelay.Milliseconds(), ms(now), p.ID)
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "escalation policy %q exists already", p.Name)
		}
		if err != nil {
			return fmt.Errorf("update escalation policy: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "escalation policy %d not found", p.ID)
		}
		p.UpdatedAt = fromMS(ms(now))
		return nil
	})
}

// DeleteEscalationPolicy removes a policy that no service uses.
func (db *DB) DeleteEscalationPolicy(ctx context.Context, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		var service string
		err := tx.queryRow(ctx, `SELECT name FROM services WHERE escalation_policy_id = $1 OR off_hours_policy_id = $1 ORDER BY name LIMIT 1`, id).Scan(&service)
		if err == nil {
			return tocsin.Errorf(tocsin.ECONFLICT, "service %s uses this escalation policy: give it another one first", service)
		}
		res, err := tx.exec(ctx, `DELETE FROM escalation_policies WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete escalation policy: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "escalation policy %d not found", id)
		}
		return nil
	})
}

// EscalationPolicy returns a policy by id.
func (db *DB) EscalationPolicy(ctx context.Context, id int64) (*tocsin.EscalationPolicy, error) {
	p, err := scanPolicy(db.read.QueryRowContext(ctx, `SELECT `+policyColumns+policyFrom+` WHERE p.id = $1`, id))
	return p, notFound(err, "escalation policy %d not found", id)
}

// EscalationPolicyByName returns a policy by name.
func (db *DB) EscalationPolicyByName(ctx context.Context, name string) (*tocsin.EscalationPolicy, error) {
	p, err := scanPolicy(db.read.QueryRowContext(ctx, `SELECT `+policyColumns+policyFrom+` WHERE p.name = $1`, name))
	return p, notFound(err, "escalation policy %q not found", name)
}

// EscalationPolicies lists every policy by name.
func (db *DB) EscalationPolicies(ctx context.Context) ([]*tocsin.EscalationPolicy, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+policyColumns+policyFrom+` ORDER BY p.name`)
	if err != nil {
		return nil, fmt.Errorf("list escalation policies: %w", err)
	}
	defer rows.Close()
	var out []*tocsin.EscalationPolicy
	for rows.Next() {
		p, err := scanPolicy(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
