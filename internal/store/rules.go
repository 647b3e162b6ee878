package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tocsin/tocsin"
)

const ruleColumns = `id, COALESCE(integration_id, 0), position, name, enabled, conditions, time_window, actions, stop, created_at`

func scanRule(row interface{ Scan(...any) error }) (*tocsin.ProcessingRule, error) {
	var r tocsin.ProcessingRule
	var conditions, window, actions string
	var created int64
	if err := row.Scan(&r.ID, &r.IntegrationID, &r.Position, &r.Name, &r.Enabled, &conditions, &window, &actions, &r.Stop, &created); err != nil {
		return nil, err
	}
	r.CreatedAt = fromMS(created)
	if err := json.Unmarshal([]byte(conditions), &r.Conditions); err != nil {
		return nil, fmt.Errorf("rule %d conditions: %w", r.ID, err)
	}
	if window != "" {
		r.When = &tocsin.TimeWindow{}
		if err := json.Unmarshal([]byte(window), r.When); err != nil {
			return nil, fmt.Errorf("rule %d time window: %w", r.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(actions), &r.Actions); err != nil {
		return nil, fmt.Errorf("rule %d actions: %w", r.ID, err)
	}
	return &r, nil
}

func encodeRule(r *tocsin.ProcessingRule) (conditions, window, actions string) {
	c, _ := json.Marshal(r.Conditions)
	if r.Conditions == nil {
		c = []byte("[]")
	}
	if r.When != nil {
		w, _ := json.Marshal(r.When)
		window = string(w)
	}
	a, _ := json.Marshal(r.Actions)
	return string(c), window, string(a)
}

// CreateRule stores a processing rule. Position 0 appends it after the others.
func (db *DB) CreateRule(ctx context.Context, r *tocsin.ProcessingRule, now time.Time) error {
	if err := r.Validate(); err != nil {
		return err
	}
	conditions, window, actions := encodeRule(r)
	return db.InTx(ctx, func(tx *Tx) error {
		if r.Position <= 0 {
			if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM processing_rules WHERE COALESCE(integration_id, 0) = $1`, r.IntegrationID).Scan(&r.Position); err != nil {
				return err
			}
		}
		id, err := tx.insertID(ctx, `INSERT INTO processing_rules (integration_id, position, name, enabled, conditions, time_window, actions, stop, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			nullID(r.IntegrationID), r.Position, r.Name, r.Enabled, conditions, window, actions, r.Stop, ms(now))
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "a rule named %q exists already there", r.Name)
		}
		if err != nil {
			return fmt.Errorf("create rule: %w", err)
		}
		r.ID, r.CreatedAt = id, now.UTC().Truncate(time.Millisecond)
		return tx.bump(ctx, CounterRules)
	})
}

// UpdateRule replaces a rule's definition (its integration is fixed).
func (db *DB) UpdateRule(ctx context.Context, r *tocsin.ProcessingRule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	conditions, window, actions := encodeRule(r)
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE processing_rules SET position = $1, name = $2, enabled = $3, conditions = $4, time_window = $5, actions = $6, stop = $7 WHERE id = $8`,
			r.Position, r.Name, r.Enabled, conditions, window, actions, r.Stop, r.ID)
		if isUniqueViolation(err) {
			return tocsin.Errorf(tocsin.ECONFLICT, "a rule named %q exists already there", r.Name)
		}
		if err != nil {
			return fmt.Errorf("update rule: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "rule %d not found", r.ID)
		}
		return tx.bump(ctx, CounterRules)
	})
}

// DeleteRule removes a rule.
func (db *DB) DeleteRule(ctx context.Context, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM processing_rules WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete rule: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tocsin.Errorf(tocsin.ENOTFOUND, "rule %d not found", id)
		}
		return tx.bump(ctx, CounterRules)
	})
}

// Rule returns a rule by id.
func (db *DB) Rule(ctx context.Context, id int64) (*tocsin.ProcessingRule, error) {
	r, err := scanRule(db.read.QueryRowContext(ctx, `SELECT `+ruleColumns+` FROM processing_rules WHERE id = $1`, id))
	return r, notFound(err, "rule %d not found", id)
}

// Rules lists the rules of one integration (0: the global rules), in run order.
func (db *DB) Rules(ctx context.Context, integrationID int64) ([]*tocsin.ProcessingRule, error) {
	return db.queryRules(ctx, `SELECT `+ruleColumns+` FROM processing_rules WHERE COALESCE(integration_id, 0) = $1 ORDER BY position, id`, integrationID)
}

// AllRules lists every rule: global ones first, then by integration, in run order.
func (db *DB) AllRules(ctx context.Context) ([]*tocsin.ProcessingRule, error) {
	return db.queryRules(ctx, `SELECT `+ruleColumns+` FROM processing_rules ORDER BY COALESCE(integration_id, 0), position, id`)
}

// RulesFor lists what runs on an integration's events: its own rules, then the global ones.
func (db *DB) RulesFor(ctx context.Context, integrationID int64) ([]tocsin.ProcessingRule, error) {
	list, err := db.queryRules(ctx, `SELECT `+ruleColumns+` FROM processing_rules WHERE integration_id = $1 OR integration_id IS NULL ORDER BY CASE WHEN integration_id IS NULL THEN 1 ELSE 0 END, position, id`, integrationID)
	if err != nil {
		return nil, err
	}
	rules := make([]tocsin.ProcessingRule, len(list))
	for i, r := range list {
		rules[i] = *r
	}
	return rules, nil
}

func (db *DB) queryRules(ctx context.Context, query string, args ...any) ([]*tocsin.ProcessingRule, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	defer rows.Close()
	var rules []*tocsin.ProcessingRule
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	return rules, rows.Err()
}
